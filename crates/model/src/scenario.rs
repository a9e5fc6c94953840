//! A scenario lowered from a litmus file: the static description the model runs.
//!
//! Everything is resolved to indexes: the litmus crate checks names, ranges and consistency and
//! hands the model a `Scenario` that cannot refer to anything undeclared. Source positions are
//! kept (`Pos`) so that reports can point back into the litmus file.

use crate::device::DeviceKind;
use crate::fs::FsKind;

/// A 1-based line and column in the litmus file, for reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// An interned value. `Value(0)` is the initial content `0`; other values are the identifiers
/// and integers the scenario uses, in order of first appearance (see `Scenario::values`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Value(pub u8);

pub type FileId = usize;
pub type MapId = usize;
pub type DeviceId = usize;
pub type HandleId = usize;
pub type RegId = usize;
pub type ThreadId = usize;
pub type CompletionId = usize;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsConfig {
    pub kind: FsKind,
    /// Free data blocks on the disk besides those the files' initial data occupy.
    pub blocks: u8,
    /// A DIF/DIX-style device: the integrity tag is computed at submit and checked at completion.
    pub integrity: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileDecl {
    pub name: String,
    /// Initial size in pages.
    pub pages: u8,
    /// Initial on-disk content per page; `None` is a hole (reads as `0`, needs allocation).
    pub data: Vec<Option<Value>>,
    /// `refs=K`: every page starts in the page cache with K more references held by others for
    /// the whole scenario (1,100 processes mapping a library page hold that many), so
    /// `folio_maybe_dma_pinned()` of the pincount tracking answers true from 1024 on.
    pub refs: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapKind {
    /// `mmap M = F shared|private rw|ro`
    File {
        file: FileId,
        shared: bool,
        writable: bool,
    },
    /// `anon M pages=N [ro|rw]` (private anonymous; PROT_READ|PROT_WRITE, or PROT_READ with `ro`)
    Anon { pages: u8, writable: bool },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapDecl {
    pub name: String,
    pub kind: MapKind,
}

impl MapDecl {
    /// Number of pages the mapping covers (a file mapping covers the file's initial size).
    pub fn pages(&self, files: &[FileDecl]) -> u8 {
        match self.kind {
            MapKind::File { file, .. } => files[file].pages,
            MapKind::Anon { pages, .. } => pages,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceDecl {
    pub name: String,
    pub kind: DeviceKind,
}

/// One operation of a thread, as written in the litmus file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Store {
        map: MapId,
        page: u8,
        value: Value,
    },
    Load {
        map: MapId,
        page: u8,
        reg: RegId,
    },
    Write {
        file: FileId,
        page: u8,
        value: Value,
    },
    Read {
        file: FileId,
        page: u8,
        reg: RegId,
    },
    /// `pin P = D M[start..end] [write] [longterm]`; `write`/`longterm` already include what the
    /// device kind implies (io_uring always pins FOLL_WRITE|FOLL_LONGTERM, rdma FOLL_LONGTERM).
    Pin {
        handle: HandleId,
        device: DeviceId,
        map: MapId,
        start: u8,
        end: u8,
        write: bool,
        longterm: bool,
    },
    DmaWrite {
        handle: HandleId,
        page: u8,
        value: Value,
    },
    DmaRead {
        handle: HandleId,
        page: u8,
        reg: RegId,
    },
    Unpin {
        handle: HandleId,
        dirty: bool,
    },
    Fsync {
        file: FileId,
    },
    Sync,
    Writeback {
        file: FileId,
    },
    Truncate {
        file: FileId,
        pages: u8,
    },
    Punch {
        file: FileId,
        page: u8,
    },
    Reclaim,
    Freeze,
    Thaw,
    Munmap {
        map: MapId,
    },
    Mprotect {
        map: MapId,
        writable: bool,
    },
    /// `seal F write -> r`: fcntl(F_ADD_SEALS, F_SEAL_WRITE); `r` gets `ok` or the errno.
    Seal {
        file: FileId,
        reg: RegId,
    },
    /// `fallocate F i`: fallocate(fd, 0, i * PAGE_SIZE, PAGE_SIZE): preallocate page `i` as an
    /// unwritten extent (memory-only filesystems: allocate the page); extends i_size when `i` is
    /// beyond EOF.
    Fallocate {
        file: FileId,
        page: u8,
    },
    /// `complete X`: complete(&X), kernel completion semantics (one waiter released per call).
    Complete {
        completion: CompletionId,
    },
    /// `wait_for_completion X`: sleeps until a `complete X` is available, and consumes it.
    WaitForCompletion {
        completion: CompletionId,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpDecl {
    pub op: Op,
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadDecl {
    pub name: String,
    pub ops: Vec<OpDecl>,
}

/// Result of a pin as the final condition sees it (`p = ok`, `p = EFAULT`); also what a `seal`
/// returned into its register (`r = ok`, `r = EBUSY`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PinResult {
    /// The pin has not run (its thread never got there).
    Pending,
    Ok,
    Err(Errno),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Errno {
    EFAULT,
    EOPNOTSUPP,
    ENOSPC,
    EIO,
    EBUSY,
}

impl Errno {
    pub const ALL: [Errno; 5] = [
        Errno::EFAULT,
        Errno::EOPNOTSUPP,
        Errno::ENOSPC,
        Errno::EIO,
        Errno::EBUSY,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Errno::EFAULT => "EFAULT",
            Errno::EOPNOTSUPP => "EOPNOTSUPP",
            Errno::ENOSPC => "ENOSPC",
            Errno::EIO => "EIO",
            Errno::EBUSY => "EBUSY",
        }
    }
    pub fn from_name(s: &str) -> Option<Errno> {
        Errno::ALL.into_iter().find(|e| e.name() == s)
    }
}

/// A location the final condition can observe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Loc {
    /// `disk F[i]`: the content of the block backing page i (a hole reads `0`).
    Disk { file: FileId, page: u8 },
    /// `cache F[i]`: the page-cache page's content, `none` when not cached.
    Cache { file: FileId, page: u8 },
    /// `file F[i]`: what read(2) would return now (`none` beyond EOF).
    File { file: FileId, page: u8 },
    /// `mem M[i]`: what a load through the mapping would return now (`none` when unmapped).
    Mem { map: MapId, page: u8 },
    /// A register written by a `load`, `read`, `dma ... -> r` or `seal`.
    Reg(RegId),
    /// A pin handle's result.
    Pin(HandleId),
}

/// What a location holds in a final state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Observed {
    Val(Value),
    /// `none`: not cached, unmapped, beyond EOF, or a register never written.
    None,
    /// A call's result: a pin handle's, or the one a `seal` wrote into its register.
    Pin(PinResult),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CondExpr {
    Eq(Loc, Observed),
    Not(Box<CondExpr>),
    And(Vec<CondExpr>),
    Or(Vec<CondExpr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantifier {
    /// `exists (c)`: some final state satisfies c.
    Exists,
    /// `~exists (c)`: no final state satisfies c.
    NotExists,
    /// `forall (c)`: every final state satisfies c.
    Forall,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    pub quantifier: Quantifier,
    pub expr: CondExpr,
    /// The condition as written, for reports.
    pub text: String,
}

/// One `expect DESIGN: VERDICT [ANSWER]` line, with the design name as written (resolved by the
/// caller).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    pub design: String,
    pub verdict: ExpectedVerdict,
    /// The final condition's herd-style answer the design must get, when the line pins one
    /// (only a scenario with a condition can).
    pub answer: Option<ExpectedAnswer>,
    pub pos: Pos,
}

/// The answer an `expect` line pins for the final condition, as herd prints it: over the
/// distinct final outcomes, the condition's body holds in all (`Always`), some (`Sometimes`) or
/// none (`Never`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExpectedAnswer {
    Always,
    Sometimes,
    Never,
}

impl ExpectedAnswer {
    pub const ALL: [ExpectedAnswer; 3] = [
        ExpectedAnswer::Always,
        ExpectedAnswer::Sometimes,
        ExpectedAnswer::Never,
    ];
    /// The word as written in a litmus file and printed in reports (exact case).
    pub fn name(self) -> &'static str {
        match self {
            ExpectedAnswer::Always => "Always",
            ExpectedAnswer::Sometimes => "Sometimes",
            ExpectedAnswer::Never => "Never",
        }
    }
    /// The answer spelled exactly `s`, or None.
    pub fn from_name(s: &str) -> Option<ExpectedAnswer> {
        ExpectedAnswer::ALL.into_iter().find(|a| a.name() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpectedVerdict {
    Safe,
    Refused,
    Revoked,
    Hang,
    /// `unsafe` alone: any unsafe verdict.
    UnsafeAny,
    /// `unsafe(P, Q)`: exactly this set of violated properties.
    Unsafe(Vec<crate::property::Property>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    pub name: String,
    pub doc: Option<String>,
    /// The file the scenario came from (a path or `catalog:NAME.litmus`).
    pub source: String,
    pub fs: FsConfig,
    pub files: Vec<FileDecl>,
    pub maps: Vec<MapDecl>,
    pub devices: Vec<DeviceDecl>,
    /// Handle names; each is pinned by exactly one `pin` op.
    pub handles: Vec<String>,
    /// Register names; each is written by exactly one op.
    pub regs: Vec<String>,
    /// Completion names (`complete X` / `wait_for_completion X`).
    pub completions: Vec<String>,
    /// Value names; `values[0]` is `"0"`.
    pub values: Vec<String>,
    pub threads: Vec<ThreadDecl>,
    pub condition: Option<Condition>,
    pub expects: Vec<Expect>,
}

impl Scenario {
    pub fn value_name(&self, v: Value) -> &str {
        &self.values[v.0 as usize]
    }

    /// The threads the checker interleaves: the litmus threads, then the filesystem's kernel
    /// threads (btrfs's fixup worker), which run when they have work queued.
    pub fn actors(&self) -> usize {
        self.threads.len() + self.fs.kind.rules().kernel_threads.len()
    }

    /// A thread's name: the litmus name, or a kernel thread's (`kworker/btrfs-fixup`).
    pub fn actor_name(&self, t: usize) -> &str {
        match self.threads.get(t) {
            Some(th) => &th.name,
            None => self.fs.kind.rules().kernel_threads[t - self.threads.len()].thread_name(),
        }
    }

    /// What thread `t` does at its op `op`: the litmus op as written, or the kernel thread's
    /// work function.
    pub fn step_text(&self, t: usize, op: usize) -> String {
        match self.threads.get(t) {
            Some(th) => self.op_text(&th.ops[op].op),
            None => self.fs.kind.rules().kernel_threads[t - self.threads.len()]
                .work_fn()
                .to_string(),
        }
    }

    /// The litmus line of thread `t`'s op `op` (None for a kernel thread).
    pub fn op_line(&self, t: usize, op: usize) -> Option<u32> {
        self.threads.get(t).map(|th| th.ops[op].pos.line)
    }
}
