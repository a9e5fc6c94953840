use super::{Handling, PROCEED};

/// Seed 002 (Kara, LSF/MM 2018): "remove the assumption from all those places - i.e., use bounce
/// buffers for DIF/DIX, make sure filesystems are prepared for dirty pages suddenly appearing in
/// files ... They really need to sensibly handle only a case when underlying storage is already
/// allocated / reserved, in all other cases I believe they are fine in just discarding the data."
pub static FS_TOLERANT: Handling = Handling {
    name: "fs-tolerant",
    summary: "filesystems accept pages dirtied without ->page_mkwrite: written if storage is allocated (from a bounce copy where writes must be stable), allocated at writeback otherwise, dropped if that fails",
    seed: "seed 002 (Kara): \"use bounce buffers for DIF/DIX, make sure filesystems are prepared for dirty pages suddenly appearing\"",
    fs_tolerant: true,
    ..PROCEED
};
