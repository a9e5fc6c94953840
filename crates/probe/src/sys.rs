//! The system calls the probe makes, each wrapped once, with the reason it is sound next to every
//! `unsafe` block. Addresses are plain `usize`s of mappings the probe made itself; the CPU accesses
//! through them go through the fault-catching accessor in `c/access.c`.

use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, RawFd};
use std::path::Path;

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

fn cvt_size(r: libc::ssize_t) -> io::Result<usize> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r as usize)
    }
}

/// The errno name of an error, as litmus files and reports spell it (`EFAULT`).
pub fn errno_name(e: &io::Error) -> String {
    use rustix::io::Errno;
    let Some(n) = Errno::from_io_error(e) else {
        return format!("errno {}", e.raw_os_error().unwrap_or(0));
    };
    let name = match n {
        Errno::FAULT => "EFAULT",
        Errno::OPNOTSUPP => "EOPNOTSUPP",
        Errno::NOSPC => "ENOSPC",
        Errno::IO => "EIO",
        Errno::BUSY => "EBUSY",
        Errno::PERM => "EPERM",
        Errno::INVAL => "EINVAL",
        Errno::NOMEM => "ENOMEM",
        Errno::AGAIN => "EAGAIN",
        Errno::NXIO => "ENXIO",
        Errno::TXTBSY => "ETXTBSY",
        Errno::ACCESS => "EACCES",
        _ => return format!("errno {}", n.raw_os_error()),
    };
    name.to_string()
}

pub fn page_size() -> usize {
    rustix::param::page_size()
}

extern "C" {
    fn pinlab_access_init() -> libc::c_int;
    fn pinlab_fill(dst: *mut u8, byte: u8, len: usize) -> libc::c_int;
    fn pinlab_copy_from(dst: *mut u8, src: *const u8, len: usize) -> libc::c_int;
}

/// Installs the SIGBUS/SIGSEGV handler the accessor needs. Call once, before any access.
pub fn access_init() -> io::Result<()> {
    // SAFETY: installs a signal handler written for this purpose; it only jumps when the faulting
    // thread armed it inside the accessor, and restores the default action otherwise.
    cvt(unsafe { pinlab_access_init() }).map(|_| ())
}

/// A CPU store of `byte` over `len` bytes at `addr`, or the signal that stopped it.
pub fn store(addr: usize, byte: u8, len: usize) -> Result<(), i32> {
    // SAFETY: `addr..addr+len` lies in a mapping the probe made (or its PROT_NONE placeholder);
    // no Rust object lives there, and a fault is caught in C and returned.
    match unsafe { pinlab_fill(addr as *mut u8, byte, len) } {
        0 => Ok(()),
        sig => Err(sig),
    }
}

/// A CPU load of `len` bytes at `addr`, or the signal that stopped it.
pub fn load(addr: usize, len: usize) -> Result<Vec<u8>, i32> {
    let mut buf = vec![0u8; len];
    // SAFETY: as in `store`; `buf` has `len` bytes.
    match unsafe { pinlab_copy_from(buf.as_mut_ptr(), addr as *const u8, len) } {
        0 => Ok(buf),
        sig => Err(sig),
    }
}

pub struct MapFlags {
    pub shared: bool,
    pub writable: bool,
    /// MAP_ANONYMOUS (no fd).
    pub anon: bool,
    pub hugetlb: bool,
}

/// mmap(2) of `fd` (or anonymous memory when `fd` is None, as `f.anon` says). Returns the address.
pub fn mmap(len: usize, f: &MapFlags, fd: Option<BorrowedFd<'_>>) -> io::Result<usize> {
    use rustix::mm::{MapFlags as M, ProtFlags};
    let prot = ProtFlags::READ
        | if f.writable {
            ProtFlags::WRITE
        } else {
            ProtFlags::empty()
        };
    let mut flags = if f.shared { M::SHARED } else { M::PRIVATE };
    if f.hugetlb && f.anon {
        flags |= M::HUGETLB;
    }
    let p = match fd {
        // SAFETY: a new mapping at an address the kernel chooses: it cannot overlap Rust objects.
        Some(fd) if !f.anon => unsafe {
            rustix::mm::mmap(std::ptr::null_mut(), len, prot, flags, fd, 0)?
        },
        // SAFETY: as above.
        _ => unsafe { rustix::mm::mmap_anonymous(std::ptr::null_mut(), len, prot, flags)? },
    };
    Ok(p as usize)
}

/// munmap(2) of a scenario mapping, keeping its addresses reserved with an inaccessible anonymous
/// mapping (MAP_FIXED replaces the file mapping: the VMA is gone as after munmap), so a later
/// access through the litmus mapping faults instead of reaching whatever else the address space
/// could put there.
pub fn munmap_keep_reserved(addr: usize, len: usize) -> io::Result<()> {
    // SAFETY: `addr..addr+len` is a scenario mapping the probe made; only the probe's accessor
    // ever touches it, and it now faults there, as the model says.
    let p = unsafe {
        libc::mmap(
            addr as *mut libc::c_void,
            len,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// munmap(2), at the end of a scenario.
pub fn munmap(addr: usize, len: usize) -> io::Result<()> {
    // SAFETY: a mapping the probe made, no longer used by anyone.
    unsafe { rustix::mm::munmap(addr as *mut std::ffi::c_void, len)? };
    Ok(())
}

pub fn mprotect(addr: usize, len: usize, writable: bool) -> io::Result<()> {
    use rustix::mm::MprotectFlags;
    let prot = MprotectFlags::READ
        | if writable {
            MprotectFlags::WRITE
        } else {
            MprotectFlags::empty()
        };
    // SAFETY: changes the protection of a scenario mapping that holds no Rust objects.
    unsafe { rustix::mm::mprotect(addr as *mut std::ffi::c_void, len, prot)? };
    Ok(())
}

/// madvise(MADV_PAGEOUT): reclaim the range's pages now, as shrink_folio_list would.
pub fn madvise_pageout(addr: usize, len: usize) -> io::Result<()> {
    let advice = rustix::mm::Advice::LinuxPageOut;
    // SAFETY: advice on a scenario mapping; it changes no memory contents.
    unsafe { rustix::mm::madvise(addr as *mut std::ffi::c_void, len, advice)? };
    Ok(())
}

/// mincore(2): which pages of the range are resident (in the page cache, for a file mapping).
pub fn mincore(addr: usize, len: usize, page: usize) -> io::Result<Vec<bool>> {
    let n = len.div_ceil(page_size());
    let mut v = vec![0u8; n];
    // SAFETY: `v` has one byte per base page of the range, as mincore requires.
    cvt(unsafe { libc::mincore(addr as *mut libc::c_void, len, v.as_mut_ptr()) })?;
    let per = page / page_size();
    Ok(v.chunks(per.max(1))
        .map(|c| c.iter().any(|b| b & 1 != 0))
        .collect())
}

/// memfd_create(MFD_CLOEXEC|MFD_ALLOW_SEALING[|MFD_HUGETLB]).
pub fn memfd_create(name: &str, hugetlb: bool) -> io::Result<File> {
    use rustix::fs::MemfdFlags;
    let mut flags = MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING;
    if hugetlb {
        flags |= MemfdFlags::HUGETLB;
    }
    Ok(File::from(rustix::fs::memfd_create(name, flags)?))
}

/// fcntl(F_ADD_SEALS, F_SEAL_WRITE).
pub fn seal_write(fd: impl AsFd) -> io::Result<()> {
    Ok(rustix::fs::fcntl_add_seals(
        fd,
        rustix::fs::SealFlags::WRITE,
    )?)
}

/// pipe2(O_CLOEXEC) with room for `bytes` (root may exceed pipe-max-size).
pub fn pipe(bytes: usize) -> io::Result<(File, File)> {
    let (r, w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
    rustix::pipe::fcntl_setpipe_size(&w, bytes)?;
    Ok((File::from(r), File::from(w)))
}

/// vmsplice(2) of user ranges into a pipe, without SPLICE_F_GIFT: the pipe takes references to the
/// pages (iov_iter_get_pages2), not copies.
pub fn vmsplice(pipe_w: RawFd, ranges: &[(usize, usize)]) -> io::Result<usize> {
    let iov: Vec<libc::iovec> = ranges
        .iter()
        .map(|&(a, l)| libc::iovec {
            iov_base: a as *mut libc::c_void,
            iov_len: l,
        })
        .collect();
    // SAFETY: the iovecs describe scenario mappings; vmsplice only reads them (through GUP).
    cvt_size(unsafe { libc::vmsplice(pipe_w, iov.as_ptr(), iov.len(), libc::SPLICE_F_NONBLOCK) })
}

/// tee(2): duplicates a pipe's content (the page references) into another pipe.
pub fn tee(from: impl AsFd, to: impl AsFd, len: usize) -> io::Result<usize> {
    Ok(rustix::pipe::tee(
        from,
        to,
        len,
        rustix::pipe::SpliceFlags::NONBLOCK,
    )?)
}

/// process_vm_writev(2) to ourselves: `src` into the page at `dst` (pin_user_pages_remote with
/// FOLL_WRITE, short-term).
pub fn process_vm_writev_self(src: &[u8], dst: usize) -> io::Result<usize> {
    let local = libc::iovec {
        iov_base: src.as_ptr() as *mut libc::c_void,
        iov_len: src.len(),
    };
    let remote = libc::iovec {
        iov_base: dst as *mut libc::c_void,
        iov_len: src.len(),
    };
    // SAFETY: reads `src` (a live slice) and writes a scenario mapping of ours through GUP.
    cvt_size(unsafe { libc::process_vm_writev(libc::getpid(), &local, 1, &remote, 1, 0) })
}

/// process_vm_readv(2) from ourselves: the page at `src` (a short-term pin without FOLL_WRITE).
pub fn process_vm_readv_self(src: usize, len: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    let local = libc::iovec {
        iov_base: buf.as_mut_ptr() as *mut libc::c_void,
        iov_len: len,
    };
    let remote = libc::iovec {
        iov_base: src as *mut libc::c_void,
        iov_len: len,
    };
    // SAFETY: writes `buf` (len bytes) from a scenario mapping of ours, read through GUP.
    let n = cvt_size(unsafe { libc::process_vm_readv(libc::getpid(), &local, 1, &remote, 1, 0) })?;
    buf.truncate(n);
    Ok(buf)
}

/// pread(2) into raw memory at `addr` (a scenario mapping: with O_DIRECT, the kernel pins it).
pub fn pread_into(fd: RawFd, addr: usize, len: usize, off: u64) -> io::Result<usize> {
    // SAFETY: the kernel writes at most `len` bytes at `addr`, a mapping of the probe's that holds
    // no Rust objects; faults there come back as EFAULT.
    cvt_size(unsafe { libc::pread(fd, addr as *mut libc::c_void, len, off as libc::off_t) })
}

/// pwrite(2) from raw memory at `addr`.
pub fn pwrite_from(fd: RawFd, addr: usize, len: usize, off: u64) -> io::Result<usize> {
    // SAFETY: the kernel reads at most `len` bytes at `addr`, a mapping of the probe's.
    cvt_size(unsafe { libc::pwrite(fd, addr as *const libc::c_void, len, off as libc::off_t) })
}

pub const FIEMAP_EXTENT_UNKNOWN: u32 = 0x2;
pub const FIEMAP_EXTENT_DELALLOC: u32 = 0x4;
pub const FIEMAP_EXTENT_ENCODED: u32 = 0x8;
pub const FIEMAP_EXTENT_DATA_INLINE: u32 = 0x200;
pub const FIEMAP_EXTENT_UNWRITTEN: u32 = 0x800;

#[derive(Clone, Copy, Debug)]
pub struct Extent {
    pub logical: u64,
    pub physical: u64,
    pub length: u64,
    pub flags: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct FiemapExtent {
    fe_logical: u64,
    fe_physical: u64,
    fe_length: u64,
    fe_reserved64: [u64; 2],
    fe_flags: u32,
    fe_reserved: [u32; 3],
}

#[repr(C)]
struct Fiemap<const N: usize> {
    fm_start: u64,
    fm_length: u64,
    fm_flags: u32,
    fm_mapped_extents: u32,
    fm_extent_count: u32,
    fm_reserved: u32,
    fm_extents: [FiemapExtent; N],
}

const FS_IOC_FIEMAP: libc::c_ulong = 0xC020_660B;

/// FS_IOC_FIEMAP without FIEMAP_FLAG_SYNC: where the file's data is on disk now, without flushing
/// anything (observing must not write back).
pub fn fiemap(fd: RawFd, start: u64, len: u64) -> io::Result<Vec<Extent>> {
    const N: usize = 32;
    let zero = FiemapExtent {
        fe_logical: 0,
        fe_physical: 0,
        fe_length: 0,
        fe_reserved64: [0; 2],
        fe_flags: 0,
        fe_reserved: [0; 3],
    };
    let mut fm = Fiemap::<N> {
        fm_start: start,
        fm_length: len,
        fm_flags: 0,
        fm_mapped_extents: 0,
        fm_extent_count: N as u32,
        fm_reserved: 0,
        fm_extents: [zero; N],
    };
    // SAFETY: `fm` is a struct fiemap followed by room for fm_extent_count extents, as the ioctl
    // expects; the kernel writes only within it.
    cvt(unsafe { libc::ioctl(fd, FS_IOC_FIEMAP as _, &mut fm as *mut Fiemap<N>) })?;
    Ok(fm.fm_extents[..(fm.fm_mapped_extents as usize).min(N)]
        .iter()
        .map(|e| Extent {
            logical: e.fe_logical,
            physical: e.fe_physical,
            length: e.fe_length,
            flags: e.fe_flags,
        })
        .collect())
}

const FIFREEZE: libc::c_ulong = 0xC004_5877;
const FITHAW: libc::c_ulong = 0xC004_5878;

/// FIFREEZE on the probe's own mount (`fd` is its root directory).
pub fn freeze(fd: RawFd) -> io::Result<()> {
    // SAFETY: an ioctl with an unused integer argument on a directory fd the probe owns.
    cvt(unsafe { libc::ioctl(fd, FIFREEZE as _, 0) }).map(|_| ())
}

pub fn thaw(fd: RawFd) -> io::Result<()> {
    // SAFETY: as for `freeze`.
    cvt(unsafe { libc::ioctl(fd, FITHAW as _, 0) }).map(|_| ())
}

/// cachestat(2) of one range: (pages in the page cache, dirty, under writeback).
pub fn cachestat(fd: RawFd, off: u64, len: u64) -> io::Result<(u64, u64, u64)> {
    #[repr(C)]
    struct Range {
        off: u64,
        len: u64,
    }
    #[repr(C)]
    #[derive(Default)]
    struct Stat {
        nr_cache: u64,
        nr_dirty: u64,
        nr_writeback: u64,
        nr_evicted: u64,
        nr_recently_evicted: u64,
    }
    const SYS_CACHESTAT: libc::c_long = 451;
    let r = Range { off, len };
    let mut s = Stat::default();
    // SAFETY: cachestat reads `r` and writes `s`, both live and of the layout the syscall expects.
    let ret = unsafe {
        libc::syscall(
            SYS_CACHESTAT,
            fd,
            &r as *const Range,
            &mut s as *mut Stat,
            0,
        )
    };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((s.nr_cache, s.nr_dirty, s.nr_writeback))
}

/// sync_file_range(WAIT_BEFORE|WRITE|WAIT_AFTER) of the whole file: one background-style
/// writeback pass (WB_SYNC_NONE) that the probe waits for.
pub fn writeback(fd: RawFd) -> io::Result<()> {
    let flags = libc::SYNC_FILE_RANGE_WAIT_BEFORE
        | libc::SYNC_FILE_RANGE_WRITE
        | libc::SYNC_FILE_RANGE_WAIT_AFTER;
    // SAFETY: no memory arguments.
    cvt(unsafe { libc::sync_file_range(fd, 0, 0, flags) }).map(|_| ())
}

pub fn syncfs(fd: impl AsFd) -> io::Result<()> {
    Ok(rustix::fs::syncfs(fd)?)
}

/// fallocate(PUNCH_HOLE|KEEP_SIZE).
pub fn punch(fd: impl AsFd, off: u64, len: u64) -> io::Result<()> {
    use rustix::fs::FallocateFlags;
    let mode = FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE;
    Ok(rustix::fs::fallocate(fd, mode, off, len)?)
}

/// fallocate(2) mode 0: allocate the range (unwritten extents), growing the file.
pub fn allocate(fd: impl AsFd, off: u64, len: u64) -> io::Result<()> {
    Ok(rustix::fs::fallocate(
        fd,
        rustix::fs::FallocateFlags::empty(),
        off,
        len,
    )?)
}

/// posix_fadvise(POSIX_FADV_DONTNEED) of the whole file.
pub fn fadvise_dontneed(fd: impl AsFd) -> io::Result<()> {
    Ok(rustix::fs::fadvise(
        fd,
        0,
        None,
        rustix::fs::Advice::DontNeed,
    )?)
}

/// mount(2) with MS_NOSUID|MS_NODEV.
pub fn mount(src: &str, target: &Path, fstype: &str, data: &str) -> io::Result<()> {
    use rustix::mount::MountFlags;
    let d = CString::new(data)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "mount data with a NUL byte"))?;
    Ok(rustix::mount::mount(
        src,
        target,
        fstype,
        MountFlags::NOSUID | MountFlags::NODEV,
        d.as_c_str(),
    )?)
}

pub fn umount(target: &Path, detach: bool) -> io::Result<()> {
    use rustix::mount::UnmountFlags;
    let flags = if detach {
        UnmountFlags::DETACH
    } else {
        UnmountFlags::empty()
    };
    Ok(rustix::mount::unmount(target, flags)?)
}

/// Asks the kernel to send SIGTERM to this process when its parent dies (for the probe's worker:
/// a supervisor killed with SIGKILL must not leave its worker's mounts behind). A raw prctl
/// without allocation, so usable between fork and exec.
pub fn set_parent_death_signal_term() -> io::Result<()> {
    Ok(rustix::process::set_parent_process_death_signal(Some(
        rustix::process::Signal::TERM,
    ))?)
}

pub fn geteuid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// A btrfs chunk: logical range → physical offset of its first stripe on the (single) device.
#[derive(Clone, Copy, Debug)]
pub struct Chunk {
    pub logical: u64,
    pub length: u64,
    pub physical: u64,
    pub ty: u64,
}

/// The chunk tree of a mounted btrfs (BTRFS_IOC_TREE_SEARCH over CHUNK_ITEMs), to turn FIEMAP's
/// logical addresses into offsets on the device.
pub fn btrfs_chunks(fd: RawFd) -> io::Result<Vec<Chunk>> {
    const IOC: libc::c_ulong = 0xD000_9411;
    const KEY: usize = 104;
    let mut out = Vec::new();
    let mut min_offset = 0u64;
    loop {
        let mut args = [0u8; 4096];
        let put64 =
            |a: &mut [u8; 4096], at: usize, v: u64| a[at..at + 8].copy_from_slice(&v.to_ne_bytes());
        let put32 =
            |a: &mut [u8; 4096], at: usize, v: u32| a[at..at + 4].copy_from_slice(&v.to_ne_bytes());
        put64(&mut args, 0, 3); // tree_id: the chunk tree
        put64(&mut args, 8, 256); // min_objectid: BTRFS_FIRST_CHUNK_TREE_OBJECTID
        put64(&mut args, 16, 256);
        put64(&mut args, 24, min_offset);
        put64(&mut args, 32, u64::MAX);
        put64(&mut args, 40, 0);
        put64(&mut args, 48, u64::MAX);
        put32(&mut args, 56, 228); // BTRFS_CHUNK_ITEM_KEY
        put32(&mut args, 60, 228);
        put32(&mut args, 64, 4096); // nr_items
                                    // SAFETY: `args` is a 4096-byte struct btrfs_ioctl_search_args; the kernel writes only in it.
        cvt(unsafe { libc::ioctl(fd, IOC as _, args.as_mut_ptr()) })?;
        let get64 = |at: usize| u64::from_ne_bytes(args[at..at + 8].try_into().expect("8 bytes"));
        let get32 = |at: usize| u32::from_ne_bytes(args[at..at + 4].try_into().expect("4 bytes"));
        let n = get32(64) as usize;
        if n == 0 {
            return Ok(out);
        }
        let mut at = KEY;
        for _ in 0..n {
            if at + 32 > args.len() {
                break;
            }
            let offset = get64(at + 16);
            let len = get32(at + 28) as usize;
            let item = at + 32;
            if item + 64 <= args.len() && len >= 64 {
                out.push(Chunk {
                    logical: offset,
                    length: get64(item),
                    ty: get64(item + 24),
                    physical: get64(item + 48 + 8),
                });
            }
            min_offset = offset.saturating_add(1);
            at = item + len;
        }
        if min_offset == 0 {
            return Ok(out);
        }
    }
}

/// An io_uring ring for one long-term pin: IORING_REGISTER_BUFFERS pins the range
/// (io_pin_pages: FOLL_WRITE|FOLL_LONGTERM), READ_FIXED/WRITE_FIXED move data in and out of the
/// pinned pages without any page table, and unregistering unpins.
pub struct Ring {
    ring: io_uring::IoUring,
    registered: bool,
}

impl Ring {
    pub fn new() -> io::Result<Ring> {
        Ok(Ring {
            ring: io_uring::IoUring::new(4)?,
            registered: false,
        })
    }

    pub fn register(&mut self, addr: usize, len: usize) -> io::Result<()> {
        let iov = [libc::iovec {
            iov_base: addr as *mut libc::c_void,
            iov_len: len,
        }];
        // SAFETY: the buffer is a scenario mapping of the probe's; the kernel pins its pages, and
        // the ring (which may write them) is unregistered before the mapping is unmapped at the
        // end of the scenario. Rust never reads that memory except through the accessor.
        unsafe { self.ring.submitter().register_buffers(&iov)? };
        self.registered = true;
        Ok(())
    }

    pub fn unregister(&mut self) -> io::Result<()> {
        if self.registered {
            self.registered = false;
            self.ring.submitter().unregister_buffers()?;
        }
        Ok(())
    }

    fn run(&mut self, e: io_uring::squeue::Entry) -> io::Result<usize> {
        // SAFETY: the entry refers to the registered buffer (kept alive as above) and an fd that
        // outlives the call, which waits for the completion.
        unsafe {
            self.ring
                .submission()
                .push(&e)
                .map_err(|_| io::Error::other("submission queue full"))?;
        }
        self.ring.submit_and_wait(1)?;
        let cqe = self
            .ring
            .completion()
            .next()
            .ok_or_else(|| io::Error::other("no completion"))?;
        if cqe.result() < 0 {
            Err(io::Error::from_raw_os_error(-cqe.result()))
        } else {
            Ok(cqe.result() as usize)
        }
    }

    /// IORING_OP_READ_FIXED: `len` bytes of `fd` at `off` into the registered buffer at `addr`.
    pub fn read_fixed(
        &mut self,
        fd: RawFd,
        addr: usize,
        len: usize,
        off: u64,
    ) -> io::Result<usize> {
        let e = io_uring::opcode::ReadFixed::new(
            io_uring::types::Fd(fd),
            addr as *mut u8,
            len as u32,
            0,
        )
        .offset(off)
        .build();
        self.run(e)
    }

    /// IORING_OP_WRITE_FIXED: `len` bytes of the registered buffer at `addr` into `fd` at `off`.
    pub fn write_fixed(
        &mut self,
        fd: RawFd,
        addr: usize,
        len: usize,
        off: u64,
    ) -> io::Result<usize> {
        let e = io_uring::opcode::WriteFixed::new(
            io_uring::types::Fd(fd),
            addr as *const u8,
            len as u32,
            0,
        )
        .offset(off)
        .build();
        self.run(e)
    }
}

/// An anonymous buffer aligned for O_DIRECT (mmap'd, so page aligned).
pub struct Aligned {
    pub addr: usize,
    pub len: usize,
}

impl Aligned {
    pub fn new(len: usize) -> io::Result<Aligned> {
        let f = MapFlags {
            shared: false,
            writable: true,
            anon: true,
            hugetlb: false,
        };
        Ok(Aligned {
            addr: mmap(len, &f, None)?,
            len,
        })
    }
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: a private anonymous mapping of `len` bytes owned by self, alive while borrowed.
        unsafe { std::slice::from_raw_parts(self.addr as *const u8, self.len) }
    }
}

impl Drop for Aligned {
    fn drop(&mut self) {
        let _ = munmap(self.addr, self.len);
    }
}

/// statfs(2)'s f_type of the filesystem holding `p`.
pub fn statfs_type(p: &Path) -> io::Result<i64> {
    Ok(rustix::fs::statfs(p)?.f_type as i64)
}

/// kill(pid, SIGTERM).
pub fn terminate(pid: i32) {
    if let Some(pid) = rustix::process::Pid::from_raw(pid) {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    }
}
