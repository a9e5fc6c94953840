use super::{FsRules, KernelWork, Unprepared};

/// btrfs with data checksums (the default, not nodatasum/NOCOW).
pub static BTRFS: FsRules = FsRules {
    name: "btrfs",
    summary: "copy-on-write with data checksums: every clean->dirty needs a new extent reservation; stable pages; pages dirtied without ->page_mkwrite go to the fixup worker",
    page_mkwrite: true,
    backing: true,
    cow: true,
    data_checksums: true,
    unprepared: Unprepared::CowFixup,
    write_syscall: true,
    dax: false,
    sealable: false,
    warn_dirty_without_buffers: false,
    kernel_threads: &[KernelWork::BtrfsFixup],
};
