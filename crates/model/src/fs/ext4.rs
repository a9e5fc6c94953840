use super::{FsRules, Unprepared};

/// ext4 with delayed allocation (the default).
pub static EXT4: FsRules = FsRules {
    name: "ext4",
    summary: "delalloc: ->page_mkwrite reserves space and attaches buffers; blocks allocated at writeback; a dirty page without buffers is warned about and skipped",
    page_mkwrite: true,
    backing: true,
    cow: false,
    data_checksums: false,
    unprepared: Unprepared::WarnAndSkip,
    write_syscall: true,
    dax: false,
    sealable: false,
    warn_dirty_without_buffers: true,
    kernel_threads: &[],
};
