//! The syntax tree the parser builds: statements as written, with spans, names not yet resolved.
//! Lookups that need no context (filesystem, device, design and property names) are already
//! done; everything else is checked by `lower`.

use pinlab_model::device::DeviceKind;
use pinlab_model::fs::FsKind;
use pinlab_model::property::Property;
use pinlab_model::scenario::{Errno, ExpectedAnswer, Quantifier};

use crate::lexer::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Name {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Num {
    pub value: u64,
    pub span: Span,
}

/// A word in a value position, classified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ValKind {
    /// An identifier, or an integer in canonical decimal form (`007` is `7`).
    Val(String),
    None,
    Ok,
    Hole,
    Errno(Errno),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ValTok {
    pub kind: ValKind,
    pub span: Span,
}

/// `X[i]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Indexed {
    pub name: Name,
    pub index: Num,
}

/// `M[a..b]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Ranged {
    pub name: Name,
    pub start: Num,
    pub end: Num,
    /// From `[` to `]`.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum OpKind {
    Store {
        at: Indexed,
        value: ValTok,
    },
    Load {
        at: Indexed,
        reg: Name,
    },
    Write {
        at: Indexed,
        value: ValTok,
    },
    Read {
        at: Indexed,
        reg: Name,
    },
    Pin {
        handle: Name,
        device: Name,
        range: Ranged,
        write: Option<Span>,
        longterm: Option<Span>,
    },
    DmaWrite {
        at: Indexed,
        value: ValTok,
    },
    DmaRead {
        at: Indexed,
        reg: Name,
    },
    Unpin {
        handle: Name,
        dirty: bool,
    },
    Fsync {
        file: Name,
    },
    Sync,
    Writeback {
        file: Name,
    },
    Truncate {
        file: Name,
        pages: Num,
    },
    Punch {
        file: Name,
        page: Num,
    },
    Reclaim,
    Freeze,
    Thaw,
    Munmap {
        map: Name,
    },
    Mprotect {
        map: Name,
        writable: bool,
    },
    /// `seal F write -> r`
    Seal {
        file: Name,
        reg: Name,
    },
    /// `fallocate F i`
    Fallocate {
        file: Name,
        page: Num,
    },
    /// `complete X`
    Complete {
        completion: Name,
    },
    /// `wait_for_completion X`
    WaitForCompletion {
        completion: Name,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OpAst {
    /// The op's keyword.
    pub kw: Span,
    pub op: OpKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ThreadAst {
    /// `None` when the header was too broken to read a name.
    pub name: Option<Name>,
    pub kw: Span,
    pub ops: Vec<OpAst>,
    /// Some op line failed to parse (so an empty `ops` is not the user's mistake).
    pub had_errors: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AtomLoc {
    Disk(Indexed),
    Cache(Indexed),
    File(Indexed),
    Mem(Indexed),
    /// A register or a pin handle.
    Name(Name),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Atom {
    pub loc: AtomLoc,
    /// The `disk`/`cache`/`file`/`mem` keyword, or the name.
    pub kw: Span,
    pub value: ValTok,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CondAst {
    Atom(Atom),
    Not(Box<CondAst>),
    And(Vec<CondAst>),
    Or(Vec<CondAst>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum VerdictAst {
    Safe,
    Refused,
    Revoked,
    Hang,
    UnsafeAny,
    /// Sorted in `Property` order, no duplicates.
    Unsafe(Vec<Property>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Stmt {
    Litmus {
        name: Name,
    },
    Doc {
        text: String,
    },
    Fs {
        kind: FsKind,
        blocks: Option<Num>,
        integrity: bool,
    },
    File {
        name: Name,
        pages: Num,
        /// The elements of `data=...`; `None` when absent (every page a hole).
        data: Option<Vec<ValTok>>,
        /// The whole `data=...` list, for length errors.
        data_span: Span,
        /// `refs=K`: references others hold on every page for the whole run.
        refs: Option<Num>,
    },
    Mmap {
        name: Name,
        file: Name,
        shared: bool,
        writable: bool,
    },
    Anon {
        name: Name,
        pages: Num,
        /// PROT_READ|PROT_WRITE (the default, or `rw`), or PROT_READ (`ro`).
        writable: bool,
    },
    Device {
        name: Name,
        kind: DeviceKind,
    },
    Thread(ThreadAst),
    Cond {
        quantifier: Quantifier,
        expr: CondAst,
        text: String,
    },
    Expect {
        design: Name,
        /// (tracking, handling): the same design under two spellings is one design.
        key: (&'static str, &'static str),
        verdict: VerdictAst,
        /// The condition's answer written after the verdict, and where.
        answer: Option<(ExpectedAnswer, Span)>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Item {
    pub stmt: Stmt,
    /// The statement's first token.
    pub kw: Span,
    pub line: u32,
}

/// What the parser hands to `lower`.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub items: Vec<Item>,
    /// Names that a statement or op which failed to parse would have declared (a file, a map, a
    /// pinned handle, a register...): uses of them are not reported again as undeclared.
    pub poisoned: std::collections::HashSet<String>,
    /// Statement keywords (`litmus`, `fs`, and `condition` for a final condition) of lines that
    /// failed to parse, so that "missing `fs`" is not reported on top of the real error.
    pub failed: std::collections::HashSet<&'static str>,
    /// The first statement's keyword span, and whether it was `litmus`.
    pub first: Option<Span>,
}
