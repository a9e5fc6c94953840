use super::{Handling, PinRequest, PROCEED};
use crate::scenario::Errno;

/// Seed 000 (Lameter): no long-term GUP "on real filesystem pages". The rule is about the pages
/// the pin would hold: a shared mapping's page-cache (or fs-DAX) pages, and a private mapping's
/// page-cache pages when the pin only reads them (in 2018 nothing unshared them). A write pin
/// of a private mapping holds anonymous COW copies, which are "like anonymous memory": allowed,
/// as are tmpfs, hugetlbfs and anonymous memory. EOPNOTSUPP, as get_user_pages_longterm() said.
pub(super) fn lameter_rule(req: &PinRequest) -> Option<Errno> {
    match req.fs {
        Some(fs)
            if req.longterm && (fs.has_page_mkwrite() || fs.dax) && (req.shared || !req.write) =>
        {
            Some(Errno::EOPNOTSUPP)
        }
        _ => None,
    }
}

fn refuse(req: &PinRequest) -> Option<Errno> {
    lameter_rule(req)
}

pub static REFUSE_LONGTERM: Handling = Handling {
    name: "refuse-longterm",
    summary: "FOLL_LONGTERM pins that would hold pages of a filesystem needing write notifications (or DAX storage) fail with EOPNOTSUPP; write pins of private mappings (COW copies), special filesystems and anonymous memory are allowed",
    seed: "seed 000 (Lameter): \"simply not allow the use of long term get_user_page() on real filesystem pages\"",
    refuse,
    ..PROCEED
};
