use super::{allow_all, Handling, OnPinned};

pub static NONE: Handling = Handling {
    name: "none",
    summary: "nothing: writeback, truncate and reclaim treat a pinned page like any other",
    seed: "seed 002: the assumption that pages change only through write(2) or a writable PTE",
    preset_only: false,
    refuse: allow_all,
    writeback_pinned: OnPinned::Proceed,
    truncate_pinned: OnPinned::Proceed,
    reclaim_pinned: OnPinned::Proceed,
    unshare_ro_longterm_private: false,
};
