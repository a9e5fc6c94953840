use super::{Handling, PinRequest, PROCEED};
use crate::scenario::Errno;

/// 2018-19 style: any FOLL_LONGTERM pin of a file whose filesystem needs write notifications
/// fails (get_user_pages_longterm(), io_uring's pre-6.5 VMA check: EOPNOTSUPP), private mappings
/// included; fs-DAX too; tmpfs, hugetlbfs and anonymous memory stay allowed.
fn refuse(req: &PinRequest) -> Option<Errno> {
    match req.fs {
        Some(fs) if req.longterm && (fs.page_mkwrite || fs.dax) => Some(Errno::EOPNOTSUPP),
        _ => None,
    }
}

pub static REFUSE_LONGTERM: Handling = Handling {
    name: "refuse-longterm",
    summary: "FOLL_LONGTERM pins of files that need write notifications (and of DAX) fail with EOPNOTSUPP; special filesystems and anonymous memory are allowed",
    seed: "seed 000 (Lameter): \"simply not allow the use of long term get_user_page() on real filesystem pages\"",
    refuse,
    ..PROCEED
};
