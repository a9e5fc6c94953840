use super::{Handling, PROCEED};

pub static NONE: Handling = Handling {
    name: "none",
    summary: "nothing: writeback, truncate and reclaim treat a pinned page like any other",
    seed: "seed 002: the assumption that pages change only through write(2) or a writable PTE",
    ..PROCEED
};
