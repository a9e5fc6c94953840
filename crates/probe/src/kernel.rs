//! The kernel's side of a probe run: a scenario's files, mappings and devices made real, each op
//! run as system calls on the litmus thread's own OS thread (so an op that blocks in the kernel,
//! a write to a frozen filesystem, blocks only that thread), in the schedule's order, each with a
//! time bound; then the same observables the model is asked about.

use crate::error::NotRun;
use crate::lab::{Backing, BackingKind, Lab};
use crate::obs::{Obs, Observations};
use crate::predict::{blocked_name, drive, observables, Executor};
use crate::sandbox::Sandbox;
use crate::schedule::{OpRef, Schedule};
use crate::sys::{self, Ring};
use pinlab_model::device::ProbeDrive;
use pinlab_model::scenario::{Loc, MapKind, Op, Scenario, Value};
use std::fs::{File, OpenOptions};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Time bounds of a run.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// How long an op may take before the probe calls it blocked and moves on.
    pub op: Duration,
    /// After each op, how long a blocked op gets to finish (the kernel wakes waiters at once).
    pub settle: Duration,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            op: Duration::from_secs(3),
            settle: Duration::from_millis(200),
        }
    }
}

pub struct KernelRun {
    pub obs: Observations,
    /// What the probe noticed while running (a short transfer, an op that failed unexpectedly).
    pub notes: Vec<String>,
}

/// How each device kind's pins are made real (from its `ProbeDrive`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dev {
    /// IORING_REGISTER_BUFFERS (rdma and vfio are emulated by it: the same FOLL_WRITE|FOLL_LONGTERM pin).
    Ring,
    /// One O_DIRECT read (or write) per page, at the pin.
    Dio,
    /// One process_vm_writev (or readv) per page, at the pin.
    Pvm,
    /// vmsplice into a pipe.
    Splice,
}

/// Why the probe cannot run `sc` on `kind` in this order, if it cannot. Everything the probe does
/// not run is reported with this reason, never passed.
pub fn inexpressible(sc: &Scenario, kind: BackingKind, schedule: &Schedule) -> Option<String> {
    if sc.fs.integrity {
        return Some("`integrity` needs a block device with DIF/DIX protection information".into());
    }
    if sc.files.iter().any(|f| f.refs > 0) {
        return Some("`refs=K` needs K references held by other processes".into());
    }
    let has_mount = !kind.memfd() && kind != BackingKind::Anon;
    for th in &sc.threads {
        for od in &th.ops {
            match od.op {
                Op::Freeze | Op::Thaw if !has_mount => {
                    return Some(format!(
                        "freeze needs a mounted filesystem; {} has none",
                        kind.name()
                    ))
                }
                Op::Pin { device, write, .. } => match sc.devices[device].kind.rules().probe {
                    ProbeDrive::Skip(why) => return Some(why.into()),
                    ProbeDrive::IoUringStandIn if !write => {
                        return Some("a read-only long-term pin: io_uring, which stands for RDMA here, always pins with FOLL_WRITE (docs/sources.md#surprises, surprise 2)".into())
                    }
                    ProbeDrive::IoUring
                    | ProbeDrive::IoUringStandIn
                    | ProbeDrive::Dio
                    | ProbeDrive::ProcessVmWritev
                    | ProbeDrive::Vmsplice => {}
                },
                _ => {}
            }
        }
    }
    // Handles whose pin, transfers and unpin the kernel does in one call.
    for (h, name) in sc.handles.iter().enumerate() {
        let Some((dev, write)) = handle_dev(sc, h) else {
            continue;
        };
        match dev {
            Dev::Splice => {
                if handle_ops(sc, h).any(|(_, op)| matches!(op, Op::DmaWrite { .. })) {
                    return Some(format!("`dma {name}[k] = V` through vmsplice: a pipe cannot write the pages it references"));
                }
            }
            Dev::Dio | Dev::Pvm => {
                let what = if dev == Dev::Dio {
                    "O_DIRECT"
                } else {
                    "process_vm_writev"
                };
                let pos: Vec<usize> = handle_ops(sc, h)
                    .map(|(r, _)| {
                        schedule
                            .ops
                            .iter()
                            .position(|x| *x == r)
                            .expect("scheduled")
                    })
                    .collect();
                let (lo, hi) = (pos.iter().min().copied(), pos.iter().max().copied());
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    if hi + 1 - lo != pos.len() {
                        return Some(format!("{what} pins for one transfer: the probe runs `{name}`'s pin, transfers and unpin as one call, so nothing may run between them in this order"));
                    }
                }
                let pages = handle_pages(sc, h);
                let mut seen = vec![0u32; pages];
                for (_, op) in handle_ops(sc, h) {
                    match op {
                        Op::DmaWrite { page, .. } => seen[page as usize] += 1,
                        Op::DmaRead { .. } if write => {
                            return Some(format!("{what} into memory transfers once: `{name}` both writes and reads pages"))
                        }
                        _ => {}
                    }
                }
                if write && seen.iter().any(|&n| n != 1) {
                    return Some(format!("{what} writes every page of the range once: `{name}` must have exactly one `dma` write per page"));
                }
            }
            Dev::Ring => {}
        }
    }
    None
}

/// The mechanism handle `h` is pinned through, and whether it pins for writing; None for a
/// device the probe cannot drive (`inexpressible` reports it first).
fn handle_dev(sc: &Scenario, h: usize) -> Option<(Dev, bool)> {
    handle_ops(sc, h).find_map(|(_, op)| match op {
        Op::Pin { device, write, .. } => {
            let dev = match sc.devices[device].kind.rules().probe {
                ProbeDrive::IoUring | ProbeDrive::IoUringStandIn => Dev::Ring,
                ProbeDrive::Dio => Dev::Dio,
                ProbeDrive::ProcessVmWritev => Dev::Pvm,
                ProbeDrive::Vmsplice => Dev::Splice,
                ProbeDrive::Skip(_) => return None,
            };
            Some((dev, write))
        }
        _ => None,
    })
}

fn handle_pages(sc: &Scenario, h: usize) -> usize {
    handle_ops(sc, h)
        .find_map(|(_, op)| match op {
            Op::Pin { start, end, .. } => Some((end - start) as usize),
            _ => None,
        })
        .unwrap_or(0)
}

/// The ops that use handle `h`, with where they are.
fn handle_ops(sc: &Scenario, h: usize) -> impl Iterator<Item = (OpRef, Op)> + '_ {
    sc.threads.iter().enumerate().flat_map(move |(t, th)| {
        th.ops.iter().enumerate().filter_map(move |(i, od)| {
            let uses = match od.op {
                Op::Pin { handle, .. }
                | Op::DmaWrite { handle, .. }
                | Op::DmaRead { handle, .. }
                | Op::Unpin { handle, .. } => handle == h,
                _ => false,
            };
            uses.then_some((OpRef { thread: t, op: i }, od.op))
        })
    })
}

struct KFile {
    file: File,
    path: Option<PathBuf>,
}

struct KMap {
    addr: usize,
    len: usize,
    mapped: AtomicBool,
}

#[derive(Default)]
struct KHandle {
    result: Option<Obs>,
    ring: Option<Ring>,
    pipe: Option<(File, File)>,
    /// What a reading O_DIRECT / process_vm_readv transfer read, per page.
    read: Vec<Vec<u8>>,
}

/// One scenario's kernel objects, shared by its threads.
struct Env {
    sc: Scenario,
    kind: BackingKind,
    backing: Arc<Backing>,
    sandbox: Arc<Mutex<Sandbox>>,
    page: usize,
    files: Vec<KFile>,
    maps: Vec<KMap>,
    handles: Vec<Mutex<KHandle>>,
    regs: Mutex<Vec<Obs>>,
    notes: Mutex<Vec<String>>,
    /// Page v of `source` holds value v: transfers into pinned pages read from it.
    source: File,
    source_direct: Option<File>,
    /// Where transfers out of pinned pages go before the probe reads them.
    scratch: File,
    frozen: AtomicBool,
    /// `complete X` / `wait_for_completion X`: the litmus threads' own synchronisation, a
    /// counting semaphore per completion (a wait blocks its OS thread as the kernel's would).
    completions: Mutex<Vec<u32>>,
    completed: Condvar,
}

impl Env {
    /// Notes a call that failed unexpectedly: `what` names the op and its object.
    fn note_err(&self, what: impl FnOnce() -> String, r: std::io::Result<()>) {
        if let Err(e) = r {
            self.note(format!("{}: {}", what(), sys::errno_name(&e)));
        }
    }

    fn note(&self, s: String) {
        let mut n = self.notes.lock().expect("notes");
        if !n.contains(&s) {
            n.push(s);
        }
    }

    fn classify(&self, bytes: &[u8]) -> Obs {
        classify(&self.sc, bytes)
    }

    fn page_addr(&self, map: usize, page: u8) -> usize {
        self.maps[map].addr + page as usize * self.page
    }

    /// The address of the first page handle `h` pins, and how many pages it pins.
    fn handle_range(&self, h: usize) -> Option<(usize, usize)> {
        handle_ops(&self.sc, h).find_map(|(_, op)| match op {
            Op::Pin {
                map, start, end, ..
            } => Some((self.page_addr(map, start), (end - start) as usize)),
            _ => None,
        })
    }
}

/// A page's content as an observable: a value of the scenario when every byte is that value's.
pub fn classify(sc: &Scenario, bytes: &[u8]) -> Obs {
    let name = |b: u8| {
        sc.values
            .get(b as usize)
            .cloned()
            .unwrap_or_else(|| format!("0x{b:02x}"))
    };
    let Some(&first) = bytes.first() else {
        return Obs::None;
    };
    if bytes.iter().all(|&b| b == first) {
        if (first as usize) < sc.values.len() {
            return Obs::Val(name(first));
        }
        return Obs::Raw(name(first));
    }
    let mut counts: Vec<(u8, usize)> = Vec::new();
    for &b in bytes {
        match counts.iter_mut().find(|(x, _)| *x == b) {
            Some(c) => c.1 += 1,
            None => counts.push((b, 1)),
        }
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|(b, n)| format!("{}×{n}", name(*b)))
        .collect();
    Obs::Raw(format!("torn: {}", parts.join(" ")))
}

fn status(r: std::io::Result<()>) -> Obs {
    match r {
        Ok(()) => Obs::Status("ok".into()),
        Err(e) => Obs::Status(sys::errno_name(&e)),
    }
}

fn value_byte(v: Value) -> u8 {
    v.0
}

fn exec(env: &Env, op: Op) {
    let pg = env.page;
    let sc = &env.sc;
    match op {
        Op::Store { map, page, value } => {
            if let Err(sig) = sys::store(env.page_addr(map, page), value_byte(value), pg) {
                env.note(format!(
                    "store {}[{page}] faulted ({})",
                    sc.maps[map].name,
                    signame(sig)
                ));
            }
        }
        Op::Load { map, page, reg } => {
            let o = match sys::load(env.page_addr(map, page), pg) {
                Ok(b) => env.classify(&b),
                Err(_) => Obs::None,
            };
            env.regs.lock().expect("regs")[reg] = o;
        }
        Op::Write { file, page, value } => {
            let buf = vec![value_byte(value); pg];
            if let Err(e) = env.files[file]
                .file
                .write_all_at(&buf, (page as usize * pg) as u64)
            {
                env.note(format!(
                    "write {}[{page}]: {}",
                    sc.files[file].name,
                    sys::errno_name(&e)
                ));
            }
        }
        Op::Read { file, page, reg } => {
            let mut buf = vec![0u8; pg];
            let o = match env.files[file]
                .file
                .read_at(&mut buf, (page as usize * pg) as u64)
            {
                Ok(0) => Obs::None,
                Ok(n) => env.classify(&buf[..n]),
                Err(e) => Obs::Raw(format!("read failed: {}", sys::errno_name(&e))),
            };
            env.regs.lock().expect("regs")[reg] = o;
        }
        Op::Pin { handle, write, .. } => pin(env, handle, write),
        Op::DmaWrite {
            handle,
            page,
            value,
        } => {
            let mut h = env.handles[handle].lock().expect("handle");
            if h.result != Some(Obs::Status("ok".into())) {
                return;
            }
            let (addr, _) = env.handle_range(handle).expect("pinned");
            let at = addr + page as usize * pg;
            if let Some(ring) = h.ring.as_mut() {
                let off = (value_byte(value) as usize * pg) as u64;
                match ring.read_fixed(env.source.as_raw_fd(), at, pg, off) {
                    Ok(n) if n == pg => {}
                    Ok(n) => env.note(format!(
                        "dma {}[{page}]: READ_FIXED moved {n} of {pg} bytes",
                        sc.handles[handle]
                    )),
                    Err(e) => env.note(format!(
                        "dma {}[{page}]: READ_FIXED: {}",
                        sc.handles[handle],
                        sys::errno_name(&e)
                    )),
                }
            }
            // O_DIRECT and process_vm_writev transferred at the pin.
        }
        Op::DmaRead { handle, page, reg } => {
            let mut h = env.handles[handle].lock().expect("handle");
            if h.result != Some(Obs::Status("ok".into())) {
                return;
            }
            let (addr, _) = env.handle_range(handle).expect("pinned");
            let at = addr + page as usize * pg;
            let o = if let Some(ring) = h.ring.as_mut() {
                match ring.write_fixed(env.scratch.as_raw_fd(), at, pg, 0) {
                    Ok(_) => {
                        let mut buf = vec![0u8; pg];
                        match env.scratch.read_exact_at(&mut buf, 0) {
                            Ok(()) => env.classify(&buf),
                            Err(e) => Obs::Raw(format!("scratch read failed: {e}")),
                        }
                    }
                    Err(e) => Obs::Raw(format!("WRITE_FIXED failed: {}", sys::errno_name(&e))),
                }
            } else if let Some((r, _)) = h.pipe.as_ref() {
                splice_read(env, r, page as usize)
            } else {
                h.read
                    .get(page as usize)
                    .map(|b| env.classify(b))
                    .unwrap_or(Obs::None)
            };
            env.regs.lock().expect("regs")[reg] = o;
        }
        Op::Unpin { handle, .. } => {
            let mut h = env.handles[handle].lock().expect("handle");
            if let Some(mut ring) = h.ring.take() {
                if let Err(e) = ring.unregister() {
                    env.note(format!(
                        "unpin {}: {}",
                        sc.handles[handle],
                        sys::errno_name(&e)
                    ));
                }
            }
            h.pipe = None;
        }
        Op::Fsync { file } => {
            if let Err(e) = env.files[file].file.sync_all() {
                env.note(format!(
                    "fsync {}: {}",
                    sc.files[file].name,
                    sys::errno_name(&e)
                ));
            }
        }
        Op::Sync => {
            let r = match &env.backing.mount {
                Some((_, fd)) => sys::syncfs(fd),
                None => env.files.iter().try_for_each(|f| f.file.sync_all()),
            };
            if let Err(e) = r {
                env.note(format!("sync: {}", sys::errno_name(&e)));
            }
        }
        Op::Writeback { file } => {
            if let Err(e) = sys::writeback(env.files[file].file.as_raw_fd()) {
                env.note(format!(
                    "writeback {}: {}",
                    sc.files[file].name,
                    sys::errno_name(&e)
                ));
            }
        }
        Op::Truncate { file, pages } => env.note_err(
            || format!("truncate {}", sc.files[file].name),
            env.files[file].file.set_len((pages as usize * pg) as u64),
        ),
        Op::Punch { file, page } => env.note_err(
            || format!("punch {}", sc.files[file].name),
            sys::punch(
                &env.files[file].file,
                (page as usize * pg) as u64,
                pg as u64,
            ),
        ),
        Op::Reclaim => reclaim(env),
        Op::Freeze => {
            let (mnt, fd) = env.backing.mount.as_ref().expect("checked: a mount");
            match env.sandbox.lock().expect("sandbox").freeze(mnt, fd) {
                Ok(()) => env.frozen.store(true, Ordering::SeqCst),
                Err(e) => env.note(format!("freeze: {}", sys::errno_name(&e))),
            }
        }
        Op::Thaw => {
            let (mnt, fd) = env.backing.mount.as_ref().expect("checked: a mount");
            match env.sandbox.lock().expect("sandbox").thaw(mnt, fd) {
                Ok(()) => env.frozen.store(false, Ordering::SeqCst),
                Err(e) => env.note(format!("thaw: {}", sys::errno_name(&e))),
            }
        }
        Op::Munmap { map } => {
            let m = &env.maps[map];
            if m.mapped.swap(false, Ordering::SeqCst) {
                if let Err(e) = sys::munmap_keep_reserved(m.addr, m.len) {
                    env.note(format!("munmap {}: {e}", sc.maps[map].name));
                }
            }
        }
        Op::Mprotect { map, writable } => {
            let m = &env.maps[map];
            if m.mapped.load(Ordering::SeqCst) {
                if let Err(e) = sys::mprotect(m.addr, m.len, writable) {
                    env.note(format!(
                        "mprotect {}: {}",
                        sc.maps[map].name,
                        sys::errno_name(&e)
                    ));
                }
            }
        }
        Op::Seal { file, reg } => {
            let r = status(sys::seal_write(&env.files[file].file));
            env.regs.lock().expect("regs")[reg] = r;
        }
        Op::Fallocate { file, page } => env.note_err(
            || format!("fallocate {}", sc.files[file].name),
            sys::allocate(
                &env.files[file].file,
                (page as usize * pg) as u64,
                pg as u64,
            ),
        ),
        Op::Complete { completion } => {
            env.completions.lock().expect("completions")[completion] += 1;
            env.completed.notify_all();
        }
        Op::WaitForCompletion { completion } => {
            let mut c = env.completions.lock().expect("completions");
            while c[completion] == 0 {
                c = env.completed.wait(c).expect("completions");
            }
            c[completion] -= 1;
        }
    }
}

fn signame(sig: i32) -> &'static str {
    match sig {
        libc::SIGBUS => "SIGBUS",
        libc::SIGSEGV => "SIGSEGV",
        _ => "a signal",
    }
}

fn pin(env: &Env, handle: usize, write: bool) {
    let pg = env.page;
    let (addr, n) = env.handle_range(handle).expect("a pin op");
    let (dev, _) = handle_dev(&env.sc, handle).expect("a pin op");
    let mut h = env.handles[handle].lock().expect("handle");
    let result = match dev {
        Dev::Ring => Ring::new().and_then(|mut r| {
            r.register(addr, n * pg)?;
            h.ring = Some(r);
            Ok(())
        }),
        Dev::Splice => sys::pipe(n * sys::page_size() * 2).and_then(|(r, w)| {
            // The first base page of each litmus page: the pipe holds a reference to the folio,
            // which is what "live" or "snapshot" is about; a 2 MiB page would need 512 buffers.
            let ranges: Vec<(usize, usize)> =
                (0..n).map(|k| (addr + k * pg, sys::page_size())).collect();
            let want = n * sys::page_size();
            let got = sys::vmsplice(w.as_raw_fd(), &ranges)?;
            if got != want {
                env.note(format!(
                    "vmsplice {}: {got} of {want} bytes",
                    env.sc.handles[handle]
                ));
            }
            h.pipe = Some((r, w));
            Ok(())
        }),
        Dev::Dio | Dev::Pvm => {
            let values = transfer_values(&env.sc, handle, n);
            let mut r = Ok(());
            for (k, value) in values.iter().enumerate() {
                let at = addr + k * pg;
                let one = match (dev, write) {
                    (Dev::Dio, true) => match &env.source_direct {
                        Some(src) => {
                            let off = (value_byte(*value) as usize * pg) as u64;
                            sys::pread_into(src.as_raw_fd(), at, pg, off).map(|_| ())
                        }
                        None => Err(std::io::Error::other("no O_DIRECT source")),
                    },
                    (Dev::Dio, false) => dio_write_read_back(env, at, pg).map(|b| h.read.push(b)),
                    (_, true) => {
                        sys::process_vm_writev_self(&vec![value_byte(*value); pg], at).map(|_| ())
                    }
                    (_, false) => sys::process_vm_readv_self(at, pg).map(|b| h.read.push(b)),
                };
                if let Err(e) = one {
                    r = Err(e);
                    break;
                }
            }
            r
        }
    };
    h.result = Some(status(result));
}

/// The value each page of a transferring handle receives (its one `dma` write).
fn transfer_values(sc: &Scenario, h: usize, n: usize) -> Vec<Value> {
    let mut v = vec![Value(0); n];
    for (_, op) in handle_ops(sc, h) {
        if let Op::DmaWrite { page, value, .. } = op {
            v[page as usize] = value;
        }
    }
    v
}

/// An O_DIRECT write from the page at `at` (the device reads memory), read back.
fn dio_write_read_back(env: &Env, at: usize, pg: usize) -> std::io::Result<Vec<u8>> {
    let src = env
        .source_direct
        .as_ref()
        .ok_or_else(|| std::io::Error::other("no O_DIRECT source"))?;
    // Past the value pages: 256 pages in.
    let off = (256 * pg) as u64;
    sys::pwrite_from(src.as_raw_fd(), at, pg, off)?;
    let buf = sys::Aligned::new(pg)?;
    sys::pread_into(src.as_raw_fd(), buf.addr, pg, off)?;
    Ok(buf.bytes().to_vec())
}

/// Reads page `k` of what a vmsplice pipe references, without consuming it (tee).
fn splice_read(env: &Env, pipe_r: &File, k: usize) -> Obs {
    let bp = sys::page_size();
    let Ok((r, w)) = sys::pipe((k + 1) * bp * 2) else {
        return Obs::Raw("pipe failed".into());
    };
    match sys::tee(pipe_r, &w, (k + 1) * bp) {
        Ok(n) if n >= (k + 1) * bp => {}
        Ok(n) => return Obs::Raw(format!("the pipe holds {n} bytes")),
        Err(e) => return Obs::Raw(format!("tee failed: {}", sys::errno_name(&e))),
    }
    drop(w);
    let mut buf = vec![0u8; (k + 1) * bp];
    use std::io::Read;
    let mut rr = &r;
    if rr.read_exact(&mut buf).is_err() {
        return Obs::Raw("reading the pipe failed".into());
    }
    env.classify(&buf[k * bp..])
}

/// One reclaim pass over the scenario's disk-filesystem pages: MADV_PAGEOUT on its mappings
/// (try_to_unmap, then free what nothing else holds), then on a throwaway mapping of each file's
/// resident pages so unmapped page-cache pages are reclaimed too. Not POSIX_FADV_DONTNEED: that
/// starts writeback of dirty pages first (mm/fadvise.c), which reclaim does not do from this
/// context. Memory-only pages are left alone: the model has no swap, and neither has the probe's
/// reclaim.
fn reclaim(env: &Env) {
    if !env.kind.disk() {
        return;
    }
    for m in &env.maps {
        if m.mapped.load(Ordering::SeqCst) {
            if let Err(e) = sys::madvise_pageout(m.addr, m.len) {
                env.note(format!("reclaim: MADV_PAGEOUT: {}", sys::errno_name(&e)));
            }
        }
    }
    for (i, f) in env.files.iter().enumerate() {
        let len = f.file.metadata().map(|m| m.len() as usize).unwrap_or(0);
        if len == 0 {
            continue;
        }
        let flags = sys::MapFlags {
            shared: true,
            writable: false,
            anon: false,
            hugetlb: false,
        };
        let Ok(addr) = sys::mmap(len, &flags, Some(f.file.as_fd())) else {
            env.note(format!("reclaim: cannot map {}", env.sc.files[i].name));
            continue;
        };
        if let Ok(res) = sys::mincore(addr, len, env.page) {
            for (p, r) in res.iter().enumerate() {
                if *r {
                    let _ = sys::load(addr + p * env.page, 1);
                }
            }
        }
        let _ = sys::madvise_pageout(addr, len);
        let _ = sys::munmap(addr, len);
    }
}

struct KExec {
    tx: Vec<Option<Sender<usize>>>,
    done: Vec<Receiver<()>>,
    bounds: Bounds,
    stop: Arc<AtomicBool>,
}

impl Executor for KExec {
    fn start(&mut self, r: OpRef) -> bool {
        if self.stop.load(Ordering::SeqCst) {
            return false;
        }
        let Some(tx) = &self.tx[r.thread] else {
            return false;
        };
        if tx.send(r.op).is_err() {
            return false;
        }
        // Wait in slices, so a stop signal is seen at once, not after the op's whole bound.
        let start = std::time::Instant::now();
        while start.elapsed() < self.bounds.op {
            let slice = Duration::from_millis(50).min(self.bounds.op);
            if self.done[r.thread].recv_timeout(slice).is_ok() {
                return true;
            }
            if self.stop.load(Ordering::SeqCst) {
                return false;
            }
        }
        false
    }
    fn poll(&mut self, t: usize) -> bool {
        self.done[t].recv_timeout(self.bounds.settle).is_ok()
    }
}

/// Runs `sc` on the backing `kind` in the order `schedule`. Err is why it could not run.
pub fn run(
    lab: &mut Lab,
    sc: &Scenario,
    kind: BackingKind,
    schedule: &Schedule,
    bounds: Bounds,
    stop: Arc<AtomicBool>,
    tag: usize,
) -> Result<KernelRun, NotRun> {
    if let Some(why) = inexpressible(sc, kind, schedule) {
        return Err(NotRun::Kernel(why));
    }
    let backing = lab.backing(kind)?;
    let dir = lab.dir();
    let env = Arc::new(build(lab, sc, kind, backing, &dir, tag).map_err(NotRun::Kernel)?);
    let n = sc.threads.len();
    let mut tx = Vec::new();
    let mut done = Vec::new();
    let mut joins = Vec::new();
    let (fin_tx, fin_rx) = channel::<()>();
    for _ in 0..n {
        let (otx, orx) = channel::<usize>();
        let (dtx, drx) = channel::<()>();
        let env = env.clone();
        let fin = fin_tx.clone();
        let t = tx.len();
        joins.push(std::thread::spawn(move || {
            for op in orx {
                exec(&env, env.sc.threads[t].ops[op].op);
                if dtx.send(()).is_err() {
                    break;
                }
            }
            let _ = fin.send(());
        }));
        tx.push(Some(otx));
        done.push(drx);
    }
    drop(fin_tx);
    let mut ex = KExec {
        tx,
        done,
        bounds,
        stop: stop.clone(),
    };
    let blocked = drive(sc, schedule, &mut ex);
    let obs = observe(&env, &blocked);
    // Teardown: thaw, then let the threads end (a thread blocked on the freeze ends now).
    teardown(&env);
    ex.tx.iter_mut().for_each(|t| *t = None);
    let mut finished = 0;
    while finished < n {
        if fin_rx.recv_timeout(bounds.op).is_err() {
            break;
        }
        finished += 1;
    }
    if finished == n {
        joins.into_iter().for_each(|j| {
            let _ = j.join();
        });
    } else {
        env.note(format!(
            "{} thread(s) still blocked in the kernel after teardown: left running",
            n - finished
        ));
    }
    // Unmaps and deletes the scenario's files, unless a thread stuck in the kernel still holds
    // them (the sandbox's cleanup deletes them at the end).
    drop(env);
    let notes = obs.1;
    if stop.load(Ordering::SeqCst) {
        return Err(NotRun::Kernel("interrupted".into()));
    }
    Ok(KernelRun { obs: obs.0, notes })
}

fn teardown(env: &Env) {
    for h in &env.handles {
        let mut h = h.lock().expect("handle");
        if let Some(mut r) = h.ring.take() {
            let _ = r.unregister();
        }
        h.pipe = None;
    }
    if env.frozen.load(Ordering::SeqCst) {
        if let Some((mnt, fd)) = &env.backing.mount {
            let _ = env.sandbox.lock().expect("sandbox").thaw(mnt, fd);
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        for m in &self.maps {
            let _ = sys::munmap(m.addr, m.len);
        }
        for f in &self.files {
            if let Some(p) = &f.path {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

fn build(
    lab: &mut Lab,
    sc: &Scenario,
    kind: BackingKind,
    backing: Arc<Backing>,
    dir: &std::path::Path,
    tag: usize,
) -> Result<Env, String> {
    let pg = kind.page();
    let mut files = Vec::new();
    for (i, f) in sc.files.iter().enumerate() {
        // Anonymous memory: MAP_SHARED|MAP_ANONYMOUS is a shmem file with no name, so the file is
        // only a placeholder the mapping does not use, and `file` observables are unobserved.
        let (file, path) = if kind.memfd() || kind == BackingKind::Anon {
            (
                sys::memfd_create(&f.name, kind.hugetlb())
                    .map_err(|e| format!("memfd_create: {e}"))?,
                None,
            )
        } else {
            let (mnt, _) = backing.mount.as_ref().expect("a mounted backing");
            let p = mnt.join(format!("s{tag}-{i}-{}", f.name));
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&p)
                .map_err(|e| format!("cannot create {}: {e}", p.display()))?;
            (file, Some(p))
        };
        file.set_len((f.pages as usize * pg) as u64)
            .map_err(|e| format!("ftruncate: {e}"))?;
        for (p, d) in f.data.iter().enumerate() {
            let Some(v) = d else { continue };
            if kind.hugetlb() {
                // hugetlbfs has no write(2): fill through a mapping.
                let fl = sys::MapFlags {
                    shared: true,
                    writable: true,
                    anon: false,
                    hugetlb: false,
                };
                let len = f.pages as usize * pg;
                let a =
                    sys::mmap(len, &fl, Some(file.as_fd())).map_err(|e| format!("mmap: {e}"))?;
                let r = sys::store(a + p * pg, value_byte(*v), pg);
                let _ = sys::munmap(a, len);
                r.map_err(|s| format!("filling a huge page faulted ({})", signame(s)))?;
            } else {
                file.write_all_at(&vec![value_byte(*v); pg], (p * pg) as u64)
                    .map_err(|e| format!("writing the initial data: {e}"))?;
            }
        }
        if kind.disk() {
            // The model starts with the data on disk and nothing cached.
            file.sync_all().map_err(|e| format!("fsync: {e}"))?;
            let _ = sys::fadvise_dontneed(&file);
        }
        files.push(KFile { file, path });
    }
    let mut maps = Vec::new();
    for m in &sc.maps {
        let (len, flags, fd) = match m.kind {
            MapKind::File {
                file,
                shared,
                writable,
            } => {
                let anon = kind == BackingKind::Anon;
                (
                    sc.files[file].pages as usize * pg,
                    sys::MapFlags {
                        shared,
                        writable,
                        anon,
                        hugetlb: false,
                    },
                    (!anon).then(|| files[file].file.as_fd()),
                )
            }
            MapKind::Anon { pages, .. } => (
                pages as usize * pg,
                sys::MapFlags {
                    shared: false,
                    writable: anon_writable(&m.kind),
                    anon: true,
                    hugetlb: kind.hugetlb(),
                },
                None,
            ),
        };
        let addr = sys::mmap(len, &flags, fd).map_err(|e| format!("mmap {}: {e}", m.name))?;
        maps.push(KMap {
            addr,
            len,
            mapped: AtomicBool::new(true),
        });
    }
    // Transfer sources: page v of `source` holds value v.
    let src_path = dir.join(format!("source-{tag}"));
    let source = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&src_path)
        .map_err(|e| format!("source file: {e}"))?;
    let _ = std::fs::remove_file(&src_path);
    for (v, _) in sc.values.iter().enumerate() {
        source
            .write_all_at(&vec![v as u8; pg], (v * pg) as u64)
            .map_err(|e| format!("source file: {e}"))?;
    }
    source.sync_all().map_err(|e| format!("source file: {e}"))?;
    let source_direct = direct_source(dir, &source);
    let scratch_path = dir.join(format!("scratch-{tag}"));
    let scratch = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&scratch_path)
        .map_err(|e| format!("scratch file: {e}"))?;
    let _ = std::fs::remove_file(&scratch_path);
    Ok(Env {
        sc: sc.clone(),
        kind,
        backing,
        sandbox: lab.sandbox.clone(),
        page: pg,
        files,
        maps,
        handles: (0..sc.handles.len())
            .map(|_| Mutex::new(KHandle::default()))
            .collect(),
        regs: Mutex::new(vec![Obs::None; sc.regs.len()]),
        notes: Mutex::new(vec![]),
        source,
        source_direct,
        scratch,
        frozen: AtomicBool::new(false),
        completions: Mutex::new(vec![0; sc.completions.len()]),
        completed: Condvar::new(),
    })
}

fn anon_writable(k: &MapKind) -> bool {
    matches!(k, MapKind::Anon { writable: true, .. })
}

/// The source reopened with O_DIRECT, when its filesystem does real direct I/O (a bio that pins
/// the user pages): ext4, xfs or btrfs. tmpfs accepts O_DIRECT but copies, which pins nothing.
fn direct_source(dir: &std::path::Path, source: &File) -> Option<File> {
    let magic = sys::statfs_type(dir).ok()?;
    const EXT4: i64 = 0xEF53;
    const XFS: i64 = 0x5846_5342;
    const BTRFS: i64 = 0x9123_683E;
    if ![EXT4, XFS, BTRFS].contains(&magic) {
        return None;
    }
    let p = format!("/proc/self/fd/{}", source.as_raw_fd());
    OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_DIRECT)
        .open(p)
        .ok()
}

/// The observables, kernel side. Disk and cache first: reading a file or a mapping may bring pages
/// into the page cache; FIEMAP (without FIEMAP_FLAG_SYNC) and O_DIRECT reads of the loop device
/// flush and cache nothing.
fn observe(env: &Env, blocked: &[OpRef]) -> (Observations, Vec<String>) {
    let sc = &env.sc;
    let list = observables(sc);
    let mut out: Vec<Option<Obs>> = vec![None; list.len()];
    for pass in 0..3 {
        for (i, (_, l)) in list.iter().enumerate() {
            let o = match (pass, *l) {
                (0, Loc::Pin(h)) => env.handles[h]
                    .lock()
                    .expect("handle")
                    .result
                    .clone()
                    .unwrap_or(Obs::Status("not run".into())),
                (0, Loc::Reg(r)) => env.regs.lock().expect("regs")[r].clone(),
                (0, Loc::Disk { file, page }) => observe_disk(env, file, page),
                (0, Loc::Cache { file, page }) => observe_cache(env, file, page),
                (1, Loc::File { file, page }) => observe_file(env, file, page),
                (2, Loc::Mem { map, page }) => {
                    if !env.maps[map].mapped.load(Ordering::SeqCst) {
                        Obs::None
                    } else {
                        match sys::load(env.page_addr(map, page), env.page) {
                            Ok(b) => env.classify(&b),
                            Err(_) => Obs::None,
                        }
                    }
                }
                _ => continue,
            };
            out[i] = Some(o);
        }
    }
    let items = list
        .into_iter()
        .zip(out)
        .map(|((n, _), o)| (n, o.unwrap_or(Obs::Unobserved("not observed".into()))))
        .collect();
    let notes = env.notes.lock().expect("notes").clone();
    (
        Observations {
            items,
            blocked: blocked.iter().map(|r| blocked_name(sc, *r)).collect(),
        },
        notes,
    )
}

fn file_size(env: &Env, file: usize) -> u64 {
    env.files[file]
        .file
        .metadata()
        .map(|m| m.len())
        .unwrap_or(0)
}

fn observe_file(env: &Env, file: usize, page: u8) -> Obs {
    if env.kind == BackingKind::Anon {
        return Obs::Unobserved("anonymous shared memory has no file to read".into());
    }
    let off = (page as usize * env.page) as u64;
    if off >= file_size(env, file) {
        return Obs::None;
    }
    let mut buf = vec![0u8; env.page];
    match env.files[file].file.read_at(&mut buf, off) {
        Ok(0) => Obs::None,
        Ok(n) => env.classify(&buf[..n]),
        Err(e) => Obs::Unobserved(format!("pread: {}", sys::errno_name(&e))),
    }
}

fn observe_cache(env: &Env, file: usize, page: u8) -> Obs {
    let off = (page as usize * env.page) as u64;
    let fd = env.files[file].file.as_raw_fd();
    match sys::cachestat(fd, off, env.page as u64) {
        Err(e) => Obs::Unobserved(format!("cachestat: {}", sys::errno_name(&e))),
        Ok((0, _, _)) => Obs::None,
        Ok(_) => {
            let mut buf = vec![0u8; env.page];
            match env.files[file].file.read_at(&mut buf, off) {
                Ok(n) if n > 0 => env.classify(&buf[..n]),
                // Cached but beyond EOF (an orphan the size no longer covers).
                Ok(_) => Obs::Unobserved("cached beyond EOF".into()),
                Err(e) => Obs::Unobserved(format!("pread: {}", sys::errno_name(&e))),
            }
        }
    }
}

fn observe_disk(env: &Env, file: usize, page: u8) -> Obs {
    let pg = env.page as u64;
    let off = page as u64 * pg;
    if off >= file_size(env, file) {
        return Obs::None;
    }
    let Some(dev) = &env.backing.loop_dev else {
        return Obs::Unobserved("no block device".into());
    };
    let ext = match sys::fiemap(env.files[file].file.as_raw_fd(), off, pg) {
        Ok(e) => e,
        Err(e) => return Obs::Unobserved(format!("FIEMAP: {}", sys::errno_name(&e))),
    };
    let Some(e) = ext
        .iter()
        .find(|e| e.logical <= off && off < e.logical + e.length)
    else {
        // A hole: no block, reads zeroes.
        return Obs::Val(env.sc.values[0].clone());
    };
    if e.flags
        & (sys::FIEMAP_EXTENT_UNKNOWN | sys::FIEMAP_EXTENT_DELALLOC | sys::FIEMAP_EXTENT_UNWRITTEN)
        != 0
    {
        // Delayed allocation (nothing on disk yet) or an unwritten extent: the disk holds no data
        // for this page, which reads as zeroes.
        return Obs::Val(env.sc.values[0].clone());
    }
    if e.flags & (sys::FIEMAP_EXTENT_DATA_INLINE | sys::FIEMAP_EXTENT_ENCODED) != 0 {
        return Obs::Unobserved("inline or encoded extent".into());
    }
    let mut phys = e.physical + (off - e.logical);
    if env.kind == BackingKind::Btrfs {
        match env
            .backing
            .chunks
            .iter()
            .find(|c| c.logical <= phys && phys < c.logical + c.length)
        {
            Some(c) => phys = c.physical + (phys - c.logical),
            None => return Obs::Unobserved("btrfs address outside every chunk".into()),
        }
    }
    let Ok(devf) = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECT)
        .open(dev)
    else {
        return Obs::Unobserved(format!("cannot open {dev}"));
    };
    let Ok(buf) = sys::Aligned::new(env.page) else {
        return Obs::Unobserved("no memory".into());
    };
    match sys::pread_into(devf.as_raw_fd(), buf.addr, env.page, phys) {
        Ok(n) if n == env.page => env.classify(buf.bytes()),
        Ok(n) => Obs::Unobserved(format!("short read of {dev}: {n} bytes")),
        Err(e) => Obs::Unobserved(format!("reading {dev}: {}", sys::errno_name(&e))),
    }
}
