//! Semantic checks and lowering: resolves names to indexes, checks ranges, counts and
//! consistency, and builds the `Scenario` when nothing is wrong.
//!
//! Names are resolved over the whole file, not in order: handles are global, so a device thread
//! may `dma` through a handle that a later thread pins. The passes are:
//! 1. collect every declaration (files, mappings, devices, threads, pinned handles, written
//!    registers) in source order; a name declared twice is an error at the second;
//! 2. intern the values in order of first appearance;
//! 3. resolve the statements, the ops and the condition, checking each use.

use std::collections::{HashMap, HashSet};

use pinlab_model::device::{DeviceKind, Flag};
use pinlab_model::fs::FsKind;
use pinlab_model::limits;
use pinlab_model::scenario::{
    CondExpr, Condition, DeviceDecl, Errno, Expect, ExpectedVerdict, FileDecl, FsConfig, Loc,
    MapDecl, MapKind, Observed, Op, OpDecl, PinResult, Pos, Scenario, ThreadDecl, Value,
};

use crate::ast::*;
use crate::diag::{Diagnostic, LineIndex};
use crate::lexer::{shorten, Span};
use crate::suggest::{closest, did_you_mean, with_suggestion};

// The limits are the model's (`pinlab_model::limits`, which bounds every counter of a state by
// them); the parser enforces them, with positions and hints.

/// Most pages a file or a mapping may have (files can grow to it by write(2) or truncate).
pub const MAX_PAGES: u64 = limits::MAX_FILE_PAGES as u64;
/// Most threads in a scenario.
pub const MAX_THREADS: usize = limits::MAX_THREADS;
/// Most distinct values besides the initial content `0`.
pub const MAX_VALUES: usize = limits::MAX_VALUES;
/// Most free data blocks (`fs ... blocks=N`).
pub const MAX_BLOCKS: u64 = limits::MAX_BLOCKS as u64;
/// Most files, and most mappings (anonymous ones included), in one scenario: the model indexes
/// frames, blocks and PTEs with a byte.
pub const MAX_FILES: usize = limits::MAX_FILES;
pub const MAX_MAPS: usize = limits::MAX_MAPS;
/// Most ops in one scenario (all threads together): each may be a write with its own identity.
pub const MAX_OPS: usize = limits::MAX_OPS;
/// Most `refs=K`.
const MAX_REFS: u64 = limits::MAX_REFS as u64;
/// Free data blocks when `blocks=` is not given.
pub const DEFAULT_BLOCKS: u8 = limits::DEFAULT_BLOCKS;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    File,
    Map,
    Device,
    Thread,
    Handle,
    Register,
    /// Declared by its first `complete X` or `wait_for_completion X`, wherever that is.
    Completion,
}

impl Kind {
    fn what(self) -> &'static str {
        match self {
            Kind::File => "file",
            Kind::Map => "mapping",
            Kind::Device => "device",
            Kind::Thread => "thread",
            Kind::Handle => "pin handle",
            Kind::Register => "register",
            Kind::Completion => "completion",
        }
    }
    fn article(self) -> &'static str {
        match self {
            Kind::File => "a file",
            Kind::Map => "a mapping",
            Kind::Device => "a device",
            Kind::Thread => "a thread",
            Kind::Handle => "a pin handle",
            Kind::Register => "a register",
            Kind::Completion => "a completion",
        }
    }
    fn declare_hint(self, name: &str) -> String {
        match self {
            Kind::File => format!("declare it with `file {name} pages=N`"),
            Kind::Map => format!("declare it with `mmap {name} = FILE shared rw` or `anon {name} pages=N`"),
            Kind::Device => format!("declare it with `device {name} KIND` ({})", DeviceKind::names().join(", ")),
            Kind::Thread => format!("declare it with `thread {name} {{`"),
            Kind::Handle => format!("pin it first: `pin {name} = DEVICE MAP[a..b]`"),
            Kind::Register => format!("write it with `load M[i] -> {name}`, `read F[i] -> {name}`, `dma P[k] -> {name}` or `seal F write -> {name}`"),
            Kind::Completion => format!("signal it with `complete {name}` in the thread the waiter waits for"),
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Decl {
    kind: Kind,
    id: usize,
    line: u32,
}

struct MapInfo {
    name: String,
    kind: Option<MapKind>,
    pages: Option<u8>,
}

struct Lower<'a> {
    opts: LowerOptions,
    text: &'a str,
    index: &'a LineIndex,
    errors: &'a mut Vec<Diagnostic>,
    poisoned: &'a HashSet<String>,
    names: HashMap<String, Decl>,
    /// Names per kind, in declaration order (for did-you-mean).
    by_kind: Vec<(Kind, String)>,
    fs: Option<FsKind>,
    files: Vec<FileDecl>,
    /// Per file: its page count is valid (else index checks against it are skipped).
    file_ok: Vec<bool>,
    maps: Vec<MapInfo>,
    devices: Vec<DeviceDecl>,
    handles: Vec<String>,
    /// Per handle: the number of pages its pin covers, when the range is well formed.
    handle_len: Vec<Option<u64>>,
    regs: Vec<String>,
    /// Registers written by `seal`: they hold a call's result (`ok`, `EBUSY`), not a value.
    seal_regs: HashSet<usize>,
    /// Completion names, in order of first use (`complete X` or `wait_for_completion X`).
    completions: Vec<String>,
    /// Completions some thread `complete`s (a wait for any other would wait forever).
    completed: HashSet<usize>,
    values: Vec<String>,
    value_ids: HashMap<String, Value>,
    /// Names already reported as used both as a register and as a value.
    inconsistent: HashSet<String>,
    too_many_values: bool,
}

/// What the lowering may be asked to do differently from what the file says.
#[derive(Clone, Copy, Debug, Default)]
pub struct LowerOptions {
    /// Lower the scenario for this filesystem instead of the one its `fs` line names (the probe
    /// runs one scenario on several backings). Every rule of that filesystem is checked, with the
    /// diagnostics a file naming it would get; `blocks=` and `integrity` stay as written.
    pub fs: Option<FsKind>,
}

/// Checks `parsed` and lowers it; `None` if any error was found (here or before).
pub(crate) fn lower(
    source_name: &str,
    text: &str,
    index: &LineIndex,
    parsed: &Parsed,
    errors: &mut Vec<Diagnostic>,
    opts: LowerOptions,
) -> Option<Scenario> {
    let mut l = Lower {
        opts,
        text,
        index,
        errors,
        poisoned: &parsed.poisoned,
        names: HashMap::new(),
        by_kind: Vec::new(),
        fs: None,
        files: Vec::new(),
        file_ok: Vec::new(),
        maps: Vec::new(),
        devices: Vec::new(),
        handles: Vec::new(),
        handle_len: Vec::new(),
        regs: Vec::new(),
        seal_regs: HashSet::new(),
        completions: Vec::new(),
        completed: HashSet::new(),
        values: vec!["0".to_string()],
        value_ids: HashMap::from([("0".to_string(), Value(0))]),
        inconsistent: HashSet::new(),
        too_many_values: false,
    };
    l.run(source_name, parsed)
}

impl Lower<'_> {
    fn err(&mut self, span: Span, message: String, label: impl Into<String>, help: Option<String>) {
        self.errors.push(Diagnostic::new(
            self.text,
            span,
            message,
            label.into(),
            help,
        ));
    }

    fn pos(&self, span: &Span) -> Pos {
        let (line, col) = self.index.line_col(self.text, span.start);
        Pos { line, col }
    }

    fn line(&self, span: &Span) -> u32 {
        self.pos(span).line
    }

    // ----- pass 1: declarations -----

    fn too_many_maps(&mut self, span: std::ops::Range<usize>) {
        self.err(
            span,
            format!("more than {MAX_MAPS} mappings"),
            format!("mapping number {}", MAX_MAPS + 1),
            Some("the model's state indexes PTEs with a byte; split the scenario".to_string()),
        );
    }

    fn declare(&mut self, name: &Name, kind: Kind, id: usize) {
        let line = self.line(&name.span);
        let Some(prev) = self.names.get(&name.text).copied() else {
            self.names
                .insert(name.text.clone(), Decl { kind, id, line });
            self.by_kind.push((kind, name.text.clone()));
            return;
        };
        let n = &name.text;
        match (prev.kind, kind) {
            // A completion is named by every `complete` and `wait_for_completion` of it.
            (Kind::Completion, Kind::Completion) => {}
            (p, k) if p == Kind::Completion || k == Kind::Completion => {
                const SHARED: &str = "completions share one namespace with files, mappings, devices, threads, pin handles and registers";
                if k == Kind::Completion {
                    self.err(
                        name.span.clone(),
                        format!("`{n}` is {}, not a completion", p.article()),
                        format!("`{n}` used as a completion"),
                        Some(format!("`{n}` is declared as {} on line {}; {SHARED}: give the completion its own name (`{n}_done`)", p.article(), prev.line)),
                    );
                } else {
                    self.err(
                        name.span.clone(),
                        format!("`{n}` is already used as a completion on line {}", prev.line),
                        format!("`{n}` declared again as {}", k.article()),
                        Some(format!("a completion is declared by its first `complete` or `wait_for_completion`; {SHARED}: rename the {} or the completion", k.what())),
                    );
                }
            }
            (Kind::Handle, Kind::Handle) => self.err(
                name.span.clone(),
                format!("handle `{n}` is pinned twice"),
                format!("second pin of `{n}`"),
                Some(format!("`{n}` is first pinned on line {}; each handle is pinned by exactly one `pin` op: give the second pin another name", prev.line)),
            ),
            (Kind::Register, Kind::Register) => self.err(
                name.span.clone(),
                format!("register `{n}` is written twice"),
                format!("second write of `{n}`"),
                Some(format!("`{n}` is first written on line {}; each register is written by exactly one op: use another register", prev.line)),
            ),
            (p, _) => self.err(
                name.span.clone(),
                format!("`{n}` is already declared as {} on line {}", p.article(), prev.line),
                format!("`{n}` declared again as {}", kind.article()),
                Some("files, mappings, devices, threads, pin handles, registers and completions share one namespace: every name must be unique".to_string()),
            ),
        }
    }

    fn collect(&mut self, parsed: &Parsed) {
        for item in &parsed.items {
            match &item.stmt {
                Stmt::File { name, .. } => {
                    let id = self.files.len();
                    self.declare(name, Kind::File, id);
                    self.files.push(FileDecl {
                        name: name.text.clone(),
                        pages: 1,
                        data: vec![None],
                        refs: 0,
                    });
                    self.file_ok.push(false);
                }
                Stmt::Mmap { name, .. } | Stmt::Anon { name, .. } => {
                    let id = self.maps.len();
                    self.declare(name, Kind::Map, id);
                    self.maps.push(MapInfo {
                        name: name.text.clone(),
                        kind: None,
                        pages: None,
                    });
                }
                Stmt::Device { name, kind } => {
                    let id = self.devices.len();
                    self.declare(name, Kind::Device, id);
                    self.devices.push(DeviceDecl {
                        name: name.text.clone(),
                        kind: *kind,
                    });
                }
                Stmt::Thread(t) => {
                    if let Some(name) = &t.name {
                        self.declare(name, Kind::Thread, usize::MAX);
                    }
                    for op in &t.ops {
                        match &op.op {
                            OpKind::Pin { handle, range, .. } => {
                                let id = self.handles.len();
                                self.declare(handle, Kind::Handle, id);
                                self.handles.push(handle.text.clone());
                                let len = (range.start.value < range.end.value)
                                    .then(|| range.end.value - range.start.value);
                                self.handle_len.push(len);
                            }
                            OpKind::Load { reg, .. }
                            | OpKind::Read { reg, .. }
                            | OpKind::DmaRead { reg, .. }
                            | OpKind::Seal { reg, .. } => {
                                let id = self.regs.len();
                                self.declare(reg, Kind::Register, id);
                                self.regs.push(reg.text.clone());
                                if matches!(op.op, OpKind::Seal { .. }) {
                                    self.seal_regs.insert(id);
                                }
                            }
                            OpKind::Complete { completion: c }
                            | OpKind::WaitForCompletion { completion: c } => {
                                let id = self.completions.len();
                                let new = !self.names.contains_key(&c.text);
                                self.declare(c, Kind::Completion, id);
                                if new {
                                    self.completions.push(c.text.clone());
                                }
                                let completes = matches!(op.op, OpKind::Complete { .. });
                                if let Some(id) = self.completion(c).filter(|_| completes) {
                                    self.completed.insert(id);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }

    // ----- pass 2: values -----

    fn intern_all(&mut self, parsed: &Parsed) {
        for item in &parsed.items {
            match &item.stmt {
                Stmt::File {
                    data: Some(vals), ..
                } => vals.iter().for_each(|v| self.intern(v)),
                Stmt::Thread(t) => {
                    for op in &t.ops {
                        if let OpKind::Store { value, .. }
                        | OpKind::Write { value, .. }
                        | OpKind::DmaWrite { value, .. } = &op.op
                        {
                            self.intern(value);
                        }
                    }
                }
                Stmt::Cond { expr, .. } => self.intern_cond(expr),
                _ => {}
            }
        }
    }

    fn intern_cond(&mut self, e: &CondAst) {
        match e {
            CondAst::Atom(a) => self.intern(&a.value),
            CondAst::Not(e) => self.intern_cond(e),
            CondAst::And(v) | CondAst::Or(v) => v.iter().for_each(|e| self.intern_cond(e)),
        }
    }

    fn intern(&mut self, v: &ValTok) {
        let ValKind::Val(name) = &v.kind else { return };
        if let Some(d) = self.names.get(name).copied() {
            if d.kind == Kind::Register && self.inconsistent.insert(name.clone()) {
                self.err(
                    v.span.clone(),
                    format!("`{name}` is used inconsistently: as a register and as a value"),
                    "used as a value here",
                    Some(format!("`{name}` is written as a register on line {}; registers are written with `-> {name}` and tested with `{name} = V`: rename the register or the value", d.line)),
                );
            } else if d.kind != Kind::Register && self.inconsistent.insert(name.clone()) {
                // `store m[0] = f` with `f` a file is almost always a slip; values and declared
                // names live apart so a trace never shows a name meaning two things.
                self.err(
                    v.span.clone(),
                    format!("`{name}` is used inconsistently: as {} and as a value", d.kind.article()),
                    "used as a value here",
                    Some(format!("`{name}` is declared as {} on line {}; values are written in capitals by convention (`A`, `B`): rename the value", d.kind.article(), d.line)),
                );
            }
        }
        if self.value_ids.contains_key(name) {
            return;
        }
        if self.values.len() > MAX_VALUES {
            if !self.too_many_values {
                self.too_many_values = true;
                self.err(
                    v.span.clone(),
                    format!("more than {MAX_VALUES} distinct values"),
                    format!("value number {}", self.values.len()),
                    Some(
                        "a value is stored in one byte of the model's state; reuse values"
                            .to_string(),
                    ),
                );
            }
            return;
        }
        let id = Value(u8::try_from(self.values.len()).unwrap_or(u8::MAX));
        self.values.push(name.clone());
        self.value_ids.insert(name.clone(), id);
    }

    fn value_of(&self, name: &str) -> Value {
        self.value_ids.get(name).copied().unwrap_or_default()
    }

    // ----- resolution helpers -----

    /// Resolves a use of `name` as a `want`; reports undeclared names and kind mismatches.
    fn resolve(&mut self, name: &Name, want: Kind) -> Option<usize> {
        match self.names.get(&name.text).copied() {
            Some(d) if d.kind == want => Some(d.id),
            Some(d) => {
                let others: Vec<&str> = self
                    .by_kind
                    .iter()
                    .filter(|(k, _)| *k == want)
                    .map(|(_, n)| n.as_str())
                    .collect();
                let help = if others.is_empty() {
                    want.declare_hint(&name.text)
                } else {
                    format!(
                        "{} names: {}",
                        want.what(),
                        others
                            .iter()
                            .map(|o| format!("`{o}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                self.err(
                    name.span.clone(),
                    format!(
                        "`{}` is {}, not {}",
                        name.text,
                        d.kind.article(),
                        want.article()
                    ),
                    format!("expected {}", want.article()),
                    Some(help),
                );
                None
            }
            None if self.poisoned.contains(&name.text) => None,
            None => {
                let cands: Vec<&str> = self
                    .by_kind
                    .iter()
                    .filter(|(k, _)| *k == want)
                    .map(|(_, n)| n.as_str())
                    .collect();
                let sugg = did_you_mean(&name.text, cands.iter().copied());
                let (message, label) = match want {
                    Kind::Handle => (
                        format!("handle `{}` is never pinned", name.text),
                        format!("no thread pins `{}`", name.text),
                    ),
                    Kind::Register => (
                        format!("register `{}` is never written", name.text),
                        format!("no op writes `{}`", name.text),
                    ),
                    _ => (
                        format!("undeclared {} `{}`", want.what(), name.text),
                        "not declared".to_string(),
                    ),
                };
                self.err(
                    name.span.clone(),
                    message,
                    label,
                    Some(with_suggestion(sugg, want.declare_hint(&name.text))),
                );
                None
            }
        }
    }

    fn page_u8(n: u64) -> u8 {
        u8::try_from(n).unwrap_or(u8::MAX)
    }

    /// `M[i]` with i below the mapping's page count.
    fn map_page(&mut self, at: &Indexed) -> Option<(usize, u8)> {
        let id = self.resolve(&at.name, Kind::Map)?;
        let pages = self.maps.get(id)?.pages?;
        let i = at.index.value;
        if i >= u64::from(pages) {
            let name = &at.name.text;
            let help = match self.maps[id].kind {
                Some(MapKind::File { file, .. }) => format!(
                    "a file mapping covers its file's initial size (`file {} pages={pages}`); pages are numbered from 0",
                    self.files.get(file).map_or("?", |f| f.name.as_str())
                ),
                _ => "pages are numbered from 0".to_string(),
            };
            self.err(
                at.index.span.clone(),
                format!("page {i} is outside mapping `{name}`"),
                format!("`{name}` has {}", plural(u64::from(pages), "page")),
                Some(help),
            );
            return None;
        }
        Some((id, Self::page_u8(i)))
    }

    /// `F[i]` with i below the model's limit of pages per file.
    fn file_page(&mut self, at: &Indexed) -> Option<(usize, u8)> {
        let id = self.resolve(&at.name, Kind::File);
        let i = at.index.value;
        if i >= MAX_PAGES {
            self.err(
                at.index.span.clone(),
                format!("page {i} is beyond the last page a file can have"),
                format!("at most {MAX_PAGES} pages (0..={})", MAX_PAGES - 1),
                Some(format!("files can grow by write(2), fallocate or truncate, but the model keeps at most {MAX_PAGES} pages per file")),
            );
            return None;
        }
        Some((id?, Self::page_u8(i)))
    }

    /// `P[k]` with k below the number of pages the handle's pin covers.
    fn handle_page(&mut self, at: &Indexed) -> Option<(usize, u8)> {
        let id = self.resolve(&at.name, Kind::Handle)?;
        let k = at.index.value;
        if let Some(Some(len)) = self.handle_len.get(id).copied() {
            if k >= len {
                let name = &at.name.text;
                self.err(
                    at.index.span.clone(),
                    format!("page {k} is outside pin `{name}`"),
                    format!("`{name}` pins {}", plural(len, "page")),
                    Some(format!("`{name}[k]` is the k-th page of the pinned range `M[a..b]`, so k < b-a = {len}")),
                );
                return None;
            }
        }
        Some((id, Self::page_u8(k)))
    }

    /// A completion's id; `None` when the name is of another kind (reported where it was
    /// declared).
    fn completion(&self, name: &Name) -> Option<usize> {
        self.names
            .get(&name.text)
            .filter(|d| d.kind == Kind::Completion)
            .map(|d| d.id)
    }

    fn register(&self, name: &Name) -> Option<usize> {
        self.names
            .get(&name.text)
            .filter(|d| d.kind == Kind::Register)
            .map(|d| d.id)
    }

    /// A value an op writes: not `none`, `ok`, `hole` or an errno.
    fn op_value(&mut self, v: &ValTok) -> Option<Value> {
        match &v.kind {
            ValKind::Val(name) => Some(self.value_of(name)),
            _ => {
                let w = self.text.get(v.span.clone()).unwrap_or("").to_string();
                self.err(
                    v.span.clone(),
                    format!("`{w}` cannot be written"),
                    "not a value",
                    Some("`none`, `ok`, `hole` and errno names are keywords; a value is an identifier or an integer".to_string()),
                );
                None
            }
        }
    }

    // ----- pass 3: statements -----

    fn run(&mut self, source_name: &str, parsed: &Parsed) -> Option<Scenario> {
        self.collect(parsed);
        self.intern_all(parsed);

        let mut name: Option<String> = None;
        let mut anchor: Span = 0..0;
        let mut doc: Option<(String, u32)> = None;
        let mut fs: Option<(FsConfig, u32)> = None;
        let mut threads: Vec<ThreadDecl> = Vec::new();
        let mut thread_count = 0usize;
        let mut op_count = 0usize;
        let mut cond: Option<(Condition, u32)> = None;
        let mut expects: Vec<Expect> = Vec::new();
        let mut expect_keys: HashMap<(&str, &str), (u32, String)> = HashMap::new();
        let mut file_idx = 0usize;
        let mut map_idx = 0usize;
        let mut unpinned: HashMap<usize, u32> = HashMap::new();
        // Each pin op's keyword and page count, in file order (the page-frame bound).
        let mut pins: Vec<(Span, u8)> = Vec::new();

        // An expect line's answer needs a condition, wherever it is written (a broken one counts:
        // it has its own error).
        let has_condition = parsed.failed.contains("condition")
            || parsed
                .items
                .iter()
                .any(|i| matches!(i.stmt, Stmt::Cond { .. }));

        // The filesystem first: ops and conditions depend on its rules wherever it is declared.
        for item in &parsed.items {
            if let Stmt::Fs { kind, .. } = &item.stmt {
                self.fs.get_or_insert(self.opts.fs.unwrap_or(*kind));
            }
        }

        for item in &parsed.items {
            match &item.stmt {
                Stmt::Litmus { name: n } => {
                    if name.is_none() {
                        name = Some(n.text.clone());
                        anchor = n.span.clone();
                    }
                }
                Stmt::Doc { text } => match &doc {
                    Some((_, first)) => {
                        let help = format!(
                            "the first `doc` is on line {first}; a scenario has one `doc` line"
                        );
                        self.err(
                            item.kw.clone(),
                            "`doc` appears twice".to_string(),
                            "second `doc`",
                            Some(help),
                        );
                    }
                    None => doc = Some((text.clone(), item.line)),
                },
                Stmt::Fs {
                    kind,
                    blocks,
                    integrity,
                } => {
                    let b = match blocks {
                        Some(b) if b.value > MAX_BLOCKS => {
                            self.err(
                                b.span.clone(),
                                format!("`blocks={}` is more than {MAX_BLOCKS}", b.value),
                                format!("at most {MAX_BLOCKS}"),
                                Some("the model's disk has at most 64 free data blocks; a small number keeps the state space small and makes ENOSPC reachable".to_string()),
                            );
                            DEFAULT_BLOCKS
                        }
                        Some(b) => Self::page_u8(b.value),
                        None => DEFAULT_BLOCKS,
                    };
                    match &fs {
                        Some((_, first)) => {
                            let help = format!("the filesystem is already given on line {first}; a scenario runs on one filesystem");
                            self.err(
                                item.kw.clone(),
                                "`fs` appears twice".to_string(),
                                "second `fs`",
                                Some(help),
                            );
                        }
                        None => {
                            fs = Some((
                                FsConfig {
                                    kind: self.opts.fs.unwrap_or(*kind),
                                    blocks: b,
                                    integrity: *integrity,
                                },
                                item.line,
                            ))
                        }
                    }
                }
                Stmt::File {
                    pages,
                    data,
                    data_span,
                    refs,
                    ..
                } => {
                    let id = file_idx;
                    file_idx += 1;
                    if file_idx == MAX_FILES + 1 {
                        self.err(
                            item.kw.clone(),
                            format!("more than {MAX_FILES} files"),
                            format!("file number {file_idx}"),
                            Some(
                                "the model's state indexes pages with a byte; split the scenario"
                                    .to_string(),
                            ),
                        );
                    }
                    self.lower_file(id, pages, data.as_deref(), data_span);
                    if let Some(r) = refs {
                        self.lower_refs(id, r);
                    }
                }
                Stmt::Mmap {
                    file,
                    shared,
                    writable,
                    ..
                } => {
                    let id = map_idx;
                    map_idx += 1;
                    if map_idx == MAX_MAPS + 1 {
                        self.too_many_maps(item.kw.clone());
                    }
                    if let Some(f) = self.resolve(file, Kind::File) {
                        let pages = self
                            .file_ok
                            .get(f)
                            .copied()
                            .unwrap_or(false)
                            .then(|| self.files[f].pages);
                        self.maps[id].kind = Some(MapKind::File {
                            file: f,
                            shared: *shared,
                            writable: *writable,
                        });
                        self.maps[id].pages = pages;
                    }
                }
                Stmt::Anon {
                    pages, writable, ..
                } => {
                    let id = map_idx;
                    map_idx += 1;
                    if map_idx == MAX_MAPS + 1 {
                        self.too_many_maps(item.kw.clone());
                    }
                    if let Some(p) = self.page_count(pages, "a mapping") {
                        self.maps[id].kind = Some(MapKind::Anon {
                            pages: p,
                            writable: *writable,
                        });
                        self.maps[id].pages = Some(p);
                    }
                }
                Stmt::Device { .. } => {}
                Stmt::Thread(t) => {
                    thread_count += 1;
                    if thread_count == MAX_THREADS + 1 {
                        let span = t.name.as_ref().map_or(t.kw.clone(), |n| n.span.clone());
                        self.err(
                            span,
                            format!("more than {MAX_THREADS} threads"),
                            format!("thread number {thread_count}"),
                            Some("the number of interleavings grows exponentially with threads; split the scenario".to_string()),
                        );
                    }
                    if t.ops.is_empty() && !t.had_errors {
                        let span = t.name.as_ref().map_or(t.kw.clone(), |n| n.span.clone());
                        let n = t
                            .name
                            .as_ref()
                            .map_or(String::new(), |n| format!(" `{}`", n.text));
                        self.err(
                            span,
                            format!("thread{n} has no operations"),
                            "empty thread",
                            Some("put one op per line between `{` and `}`".to_string()),
                        );
                    }
                    op_count += t.ops.len();
                    if op_count > MAX_OPS && op_count - t.ops.len() <= MAX_OPS {
                        let span = t.name.as_ref().map_or(t.kw.clone(), |n| n.span.clone());
                        self.err(
                            span,
                            format!("more than {MAX_OPS} operations"),
                            format!("this thread brings the total to {op_count}"),
                            Some(
                                "each operation is a step of the model; split the scenario"
                                    .to_string(),
                            ),
                        );
                    }
                    let mut ops = Vec::new();
                    for op in &t.ops {
                        if let Some(o) = self.lower_op(op, &mut unpinned) {
                            if let Op::Pin { start, end, .. } = o {
                                pins.push((op.kw.clone(), end - start));
                            }
                            ops.push(OpDecl {
                                op: o,
                                pos: self.pos(&op.kw),
                            });
                        }
                    }
                    threads.push(ThreadDecl {
                        name: t.name.as_ref().map_or(String::new(), |n| n.text.clone()),
                        ops,
                    });
                }
                Stmt::Cond {
                    quantifier,
                    expr,
                    text,
                } => {
                    let lowered = self.lower_cond(expr);
                    match &cond {
                        Some((_, first)) => {
                            let help = format!("the condition on line {first} is the scenario's; combine both with `/\\` or `\\/`");
                            self.err(
                                item.kw.clone(),
                                "a scenario has at most one final condition".to_string(),
                                "second condition",
                                Some(help),
                            );
                        }
                        None => {
                            if let Some(expr) = lowered {
                                cond = Some((
                                    Condition {
                                        quantifier: *quantifier,
                                        expr,
                                        text: text.clone(),
                                    },
                                    item.line,
                                ));
                            }
                        }
                    }
                }
                Stmt::Expect {
                    design,
                    key,
                    verdict,
                    answer,
                } => {
                    if let Some((first, spelled)) = expect_keys.get(key).cloned() {
                        let same = if spelled == design.text {
                            String::new()
                        } else {
                            format!(" (`{spelled}` there is the same design)")
                        };
                        self.err(
                            design.span.clone(),
                            format!("design `{}` has two `expect` lines", design.text),
                            "second expectation",
                            Some(format!("the first is on line {first}{same}; keep one")),
                        );
                    } else {
                        expect_keys.insert(*key, (item.line, design.text.clone()));
                    }
                    let verdict = match verdict {
                        VerdictAst::Safe => ExpectedVerdict::Safe,
                        VerdictAst::Refused => ExpectedVerdict::Refused,
                        VerdictAst::Revoked => ExpectedVerdict::Revoked,
                        VerdictAst::Hang => ExpectedVerdict::Hang,
                        VerdictAst::UnsafeAny => ExpectedVerdict::UnsafeAny,
                        VerdictAst::Unsafe(ps) => ExpectedVerdict::Unsafe(ps.clone()),
                    };
                    if let Some((a, span)) = answer {
                        if !has_condition {
                            self.err(
                                span.clone(),
                                format!("`{}` answers a final condition, and this scenario has none", a.name()),
                                "no condition to answer",
                                Some("drop the answer, or add the condition it answers: `exists (COND)`, `~exists (COND)` or `forall (COND)`".to_string()),
                            );
                        }
                    }
                    expects.push(Expect {
                        design: design.text.clone(),
                        verdict,
                        answer: answer.as_ref().map(|(a, _)| *a),
                        pos: self.pos(&item.kw),
                    });
                }
            }
        }

        // An empty file has one error already ("empty litmus file").
        let empty = parsed.first.is_none();
        if fs.is_none() && !parsed.failed.contains("fs") && !empty {
            self.err(
                anchor.clone(),
                "no `fs` statement".to_string(),
                "this scenario has no `fs` line",
                Some(format!(
                    "add a line `fs KIND [blocks=N] [integrity]`; known filesystems: {}",
                    FsKind::names().join(", ")
                )),
            );
        }
        if thread_count == 0 && !empty {
            self.err(
                anchor.clone(),
                "no thread".to_string(),
                "this scenario has no `thread`",
                Some("add `thread NAME {`, one op per line, then `}`".to_string()),
            );
        }
        if name.is_none() && !parsed.failed.contains("litmus") && self.errors.is_empty() {
            self.err(
                0..0,
                "no `litmus NAME` statement".to_string(),
                "expected `litmus NAME`",
                None,
            );
        }
        if !self.errors.is_empty() {
            return None;
        }

        let maps = self
            .maps
            .iter()
            .map(|m| MapDecl {
                name: m.name.clone(),
                kind: m.kind.unwrap_or(MapKind::Anon {
                    pages: 1,
                    writable: true,
                }),
            })
            .collect();
        let (fs, _) = fs?;
        let sc = Scenario {
            name: name?,
            doc: doc.map(|(d, _)| d),
            source: source_name.to_string(),
            fs,
            files: std::mem::take(&mut self.files),
            maps,
            devices: std::mem::take(&mut self.devices),
            handles: std::mem::take(&mut self.handles),
            regs: std::mem::take(&mut self.regs),
            completions: std::mem::take(&mut self.completions),
            values: std::mem::take(&mut self.values),
            threads,
            condition: cond.map(|(c, _)| c),
            expects,
        };
        self.check_frames(&sc, &pins);
        self.errors.is_empty().then_some(sc)
    }

    /// The model numbers page frames with a byte: a scenario whose states could hold more
    /// frames than that (`limits::frames_needed`) is an error at the pin that passes the limit.
    fn check_frames(&mut self, sc: &Scenario, pins: &[(Span, u8)]) {
        let base = limits::frames_base(sc);
        let mut total = base;
        for (i, (span, pages)) in pins.iter().enumerate() {
            total += limits::frames_per_pin(*pages);
            if total > limits::MAX_FRAMES {
                let all = base
                    + pins
                        .iter()
                        .map(|(_, p)| limits::frames_per_pin(*p))
                        .sum::<usize>();
                self.err(
                    span.clone(),
                    format!(
                        "the scenario's states could hold {all} page frames, more than the model's {}",
                        limits::MAX_FRAMES
                    ),
                    format!("pin number {} passes the limit", i + 1),
                    Some(format!(
                        "the model numbers page frames with a byte; a state may hold one per {} mapped page and page of a `refs=` file ({base} here, with one spare), and two per pinned page (the page a pin keeps after its file or mapping let go of it, or its gup-bounce copy, and one btrfs's fixup worker may keep): pin fewer pages, or use fewer files or mappings",
                        if sc.fs.kind.rules().dax {
                            "disk block (fs-DAX storage),"
                        } else {
                            "page-cache slot (8 a file),"
                        }
                    )),
                );
                return;
            }
        }
    }

    /// A page count in 1..=8.
    fn page_count(&mut self, n: &Num, what: &str) -> Option<u8> {
        if (1..=MAX_PAGES).contains(&n.value) {
            return Some(Self::page_u8(n.value));
        }
        self.err(
            n.span.clone(),
            format!("`pages={}` is out of range", n.value),
            format!("must be 1..={MAX_PAGES}"),
            Some(format!("{what} has 1 to {MAX_PAGES} pages in the model")),
        );
        None
    }

    /// `refs=K`: at most MAX_REFS (the model's refcount has room for it and every pin's 1024
    /// bias besides), on a filesystem that has a page cache.
    fn lower_refs(&mut self, id: usize, refs: &Num) {
        if refs.value > MAX_REFS {
            self.err(
                refs.span.clone(),
                format!("`refs={}` is more than {MAX_REFS}", refs.value),
                "too many references",
                Some("1100 is enough to cross GUP_PIN_COUNTING_BIAS (1024)".to_string()),
            );
            return;
        }
        if let Some(fs) = self.fs.map(|f| f.rules()).filter(|r| r.dax) {
            self.err(
                refs.span.clone(),
                format!(
                    "{} has no page cache for others to hold references in",
                    fs.name
                ),
                "not on fs-DAX",
                Some(
                    "the 1024-bias false positive needs a page-cache page: use ext4 or xfs"
                        .to_string(),
                ),
            );
            return;
        }
        if let Some(f) = self.files.get_mut(id) {
            f.refs = refs.value as u16;
        }
    }

    fn lower_file(&mut self, id: usize, pages: &Num, data: Option<&[ValTok]>, data_span: &Span) {
        let Some(n) = self.page_count(pages, "a file") else {
            // Still check the data elements.
            for v in data.unwrap_or(&[]) {
                self.data_value(v);
            }
            return;
        };
        let mut out = Vec::new();
        let mut ok = true;
        match data {
            None => out = vec![None; usize::from(n)],
            Some(vals) => {
                for v in vals {
                    match self.data_value(v) {
                        Some(x) => out.push(x),
                        None => ok = false,
                    }
                }
                if vals.len() != usize::from(n) {
                    ok = false;
                    self.err(
                        data_span.clone(),
                        format!(
                            "`data=` lists {} but the file has {}",
                            plural(vals.len() as u64, "page"),
                            plural(u64::from(n), "page")
                        ),
                        format!("expected {} values", n),
                        Some("give one value (or `hole`) per page".to_string()),
                    );
                }
            }
        }
        if let Some(f) = self.files.get_mut(id) {
            f.pages = n;
            if ok {
                f.data = out;
            }
        }
        if let Some(o) = self.file_ok.get_mut(id) {
            *o = true;
        }
    }

    /// An element of `data=`: a value (`Some`) or `hole` (`None`).
    fn data_value(&mut self, v: &ValTok) -> Option<Option<Value>> {
        match &v.kind {
            ValKind::Val(name) => Some(Some(self.value_of(name))),
            ValKind::Hole => Some(None),
            _ => {
                let w = self.text.get(v.span.clone()).unwrap_or("").to_string();
                self.err(
                    v.span.clone(),
                    format!("`{w}` cannot be initial data"),
                    "not a value",
                    Some(
                        "each page's data is a value, or `hole` for a page with no block"
                            .to_string(),
                    ),
                );
                None
            }
        }
    }

    // ----- ops -----

    fn lower_op(&mut self, op: &OpAst, unpinned: &mut HashMap<usize, u32>) -> Option<Op> {
        match &op.op {
            OpKind::Store { at, value } => {
                let m = self.map_page(at);
                let v = self.op_value(value);
                let (map, page) = m?;
                Some(Op::Store {
                    map,
                    page,
                    value: v?,
                })
            }
            OpKind::Load { at, reg } => {
                let (map, page) = self.map_page(at)?;
                Some(Op::Load {
                    map,
                    page,
                    reg: self.register(reg)?,
                })
            }
            OpKind::Write { at, value } => {
                self.check_syscall(op, "write");
                let f = self.file_page(at);
                let v = self.op_value(value);
                let (file, page) = f?;
                Some(Op::Write {
                    file,
                    page,
                    value: v?,
                })
            }
            OpKind::Read { at, reg } => {
                self.check_syscall(op, "read");
                let (file, page) = self.file_page(at)?;
                Some(Op::Read {
                    file,
                    page,
                    reg: self.register(reg)?,
                })
            }
            OpKind::Pin {
                handle,
                device,
                range,
                write,
                longterm,
            } => self.lower_pin(handle, device, range, write, longterm),
            OpKind::DmaWrite { at, value } => {
                let h = self.handle_page(at);
                let v = self.op_value(value);
                let (handle, page) = h?;
                Some(Op::DmaWrite {
                    handle,
                    page,
                    value: v?,
                })
            }
            OpKind::DmaRead { at, reg } => {
                let (handle, page) = self.handle_page(at)?;
                Some(Op::DmaRead {
                    handle,
                    page,
                    reg: self.register(reg)?,
                })
            }
            OpKind::Unpin { handle, dirty } => {
                let id = self.resolve(handle, Kind::Handle)?;
                let line = self.line(&handle.span);
                if let Some(first) = unpinned.get(&id) {
                    self.err(
                        handle.span.clone(),
                        format!("handle `{}` is unpinned twice", handle.text),
                        "second unpin",
                        Some(format!(
                            "`{}` is first unpinned on line {first}; a pin is released once",
                            handle.text
                        )),
                    );
                    return None;
                }
                unpinned.insert(id, line);
                Some(Op::Unpin {
                    handle: id,
                    dirty: *dirty,
                })
            }
            OpKind::Fsync { file } => Some(Op::Fsync {
                file: self.resolve(file, Kind::File)?,
            }),
            OpKind::Sync => Some(Op::Sync),
            OpKind::Writeback { file } => Some(Op::Writeback {
                file: self.resolve(file, Kind::File)?,
            }),
            OpKind::Truncate { file, pages } => {
                let f = self.resolve(file, Kind::File);
                if pages.value > MAX_PAGES {
                    self.err(
                        pages.span.clone(),
                        format!("cannot truncate `{}` to {} pages", file.text, pages.value),
                        format!("at most {MAX_PAGES}"),
                        Some(format!("`truncate F N` sets the size to N pages; the model keeps at most {MAX_PAGES} pages per file")),
                    );
                    return None;
                }
                Some(Op::Truncate {
                    file: f?,
                    pages: Self::page_u8(pages.value),
                })
            }
            OpKind::Punch { file, page } => {
                let at = Indexed {
                    name: file.clone(),
                    index: page.clone(),
                };
                let (file, page) = self.file_page(&at)?;
                Some(Op::Punch { file, page })
            }
            OpKind::Reclaim => Some(Op::Reclaim),
            OpKind::Freeze => Some(Op::Freeze),
            OpKind::Thaw => Some(Op::Thaw),
            OpKind::Munmap { map } => Some(Op::Munmap {
                map: self.resolve(map, Kind::Map)?,
            }),
            OpKind::Mprotect { map, writable } => Some(Op::Mprotect {
                map: self.resolve(map, Kind::Map)?,
                writable: *writable,
            }),
            OpKind::Seal { file, reg } => {
                self.check_sealable(op);
                let file = self.resolve(file, Kind::File)?;
                Some(Op::Seal {
                    file,
                    reg: self.register(reg)?,
                })
            }
            OpKind::Fallocate { file, page } => {
                // Every filesystem of the model has mode-0 fallocate (shmem, hugetlbfs, ext4,
                // xfs, btrfs, fs-DAX; a write seal does not stop it: shmem_fallocate refuses
                // only growth past F_SEAL_GROW, not modelled, and hole punching). The page limit
                // is write(2)'s: a file grows to at most MAX_PAGES.
                let at = Indexed {
                    name: file.clone(),
                    index: page.clone(),
                };
                let (file, page) = self.file_page(&at)?;
                Some(Op::Fallocate { file, page })
            }
            OpKind::Complete { completion } => Some(Op::Complete {
                completion: self.completion(completion)?,
            }),
            OpKind::WaitForCompletion { completion } => {
                let id = self.completion(completion)?;
                if !self.completed.contains(&id) {
                    self.never_completed(completion);
                    return None;
                }
                Some(Op::WaitForCompletion { completion: id })
            }
        }
    }

    /// `wait_for_completion X` with no `complete X` anywhere: it would sleep forever, which is
    /// almost always a misspelt name.
    fn never_completed(&mut self, name: &Name) {
        if self.poisoned.contains(&name.text) {
            return;
        }
        let n = &name.text;
        let completed: Vec<&str> = self
            .completions
            .iter()
            .enumerate()
            .filter(|(i, _)| self.completed.contains(i))
            .map(|(_, c)| c.as_str())
            .collect();
        let rest = if completed.is_empty() {
            format!("`wait_for_completion {n}` would sleep forever: add `complete {n}` to the thread it waits for (the device's DMA thread, say)")
        } else {
            format!(
                "`wait_for_completion {n}` would sleep forever; completions some thread completes: {}",
                completed
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let help = with_suggestion(did_you_mean(n, completed.iter().copied()), rest);
        self.err(
            name.span.clone(),
            format!("completion `{n}` is never completed"),
            format!("no thread does `complete {n}`"),
            Some(help),
        );
    }

    /// F_ADD_SEALS needs a memfd created with MFD_ALLOW_SEALING (memfd_file_seals_ptr()).
    fn check_sealable(&mut self, op: &OpAst) {
        let Some(fs) = self.fs else { return };
        let rules = fs.rules();
        if rules.sealable {
            return;
        }
        let sealable: Vec<&str> = pinlab_model::fs::FILESYSTEMS
            .iter()
            .filter(|f| f.sealable)
            .map(|f| f.name)
            .collect();
        self.err(
            op.kw.clone(),
            format!("{} files cannot be sealed", rules.name),
            format!("no F_ADD_SEALS on {}", rules.name),
            Some(format!(
                "only memfd files can be sealed; use `fs {}` (memfd_create(MFD_ALLOW_SEALING)); F_ADD_SEALS on any other file is -EINVAL",
                sealable.first().copied().unwrap_or("memfd")
            )),
        );
    }

    /// write(2)/read(2) need a filesystem that has them.
    fn check_syscall(&mut self, op: &OpAst, which: &str) {
        let Some(fs) = self.fs else { return };
        let rules = fs.rules();
        if rules.write_syscall {
            return;
        }
        let (instead, example) = if which == "write" {
            ("store", "store M[i] = V")
        } else {
            ("load", "load M[i] -> r")
        };
        self.err(
            op.kw.clone(),
            format!("{} has no {which}(2); {instead} through a mapping", rules.name),
            format!("no {which}(2) on {}", rules.name),
            Some(format!("the model gives {} no write(2)/read(2) path (no ->write_iter): use `{example}` on an `mmap` of the file", rules.name)),
        );
    }

    fn lower_pin(
        &mut self,
        handle: &Name,
        device: &Name,
        range: &Ranged,
        write: &Option<Span>,
        longterm: &Option<Span>,
    ) -> Option<Op> {
        let h = self
            .names
            .get(&handle.text)
            .filter(|d| d.kind == Kind::Handle)
            .map(|d| d.id);
        let dev = self.resolve(device, Kind::Device);
        let map = self.resolve(&range.name, Kind::Map);
        let (a, b) = (range.start.value, range.end.value);
        let mut range_ok = true;
        if a >= b {
            range_ok = false;
            self.err(
                range.span.clone(),
                format!("empty page range `[{a}..{b}]`"),
                "empty range",
                Some(format!(
                    "`{}[a..b]` is half-open, pages a to b-1: `{}[0..1]` is page 0",
                    range.name.text, range.name.text
                )),
            );
        } else if let Some(pages) = map.and_then(|m| self.maps.get(m)).and_then(|m| m.pages) {
            if b > u64::from(pages) {
                range_ok = false;
                self.err(
                    range.span.clone(),
                    format!(
                        "page range `[{a}..{b}]` goes past the end of `{}`",
                        range.name.text
                    ),
                    format!(
                        "`{}` has {}",
                        range.name.text,
                        plural(u64::from(pages), "page")
                    ),
                    Some(format!(
                        "the range is half-open: the last page of `{}` is `[{}..{pages}]`",
                        range.name.text,
                        pages - 1
                    )),
                );
            }
        }
        let flag = |this: &mut Self,
                    which: &str,
                    rule: Flag,
                    given: &Option<Span>,
                    kind: DeviceKind|
         -> bool {
            match rule {
                Flag::Implied => true,
                Flag::Optional => given.is_some(),
                Flag::Forbidden => {
                    if let Some(span) = given {
                        let r = kind.rules();
                        let label = if which == "longterm" {
                            format!("{} pins are short-term", r.name)
                        } else {
                            format!("{} takes read-only references", r.name)
                        };
                        this.err(
                            span.clone(),
                            format!("`{which}` is impossible with a {} pin", r.name),
                            label,
                            Some(format!("{}: {}; drop `{which}`", r.name, r.summary)),
                        );
                    }
                    false
                }
            }
        };
        let (mut w, mut lt) = (write.is_some(), longterm.is_some());
        let mut flags_ok = true;
        if let Some(d) = dev {
            let kind = self.devices[d].kind;
            let rules = kind.rules();
            let n = self.errors.len();
            w = flag(self, "write", rules.write, write, kind);
            lt = flag(self, "longterm", rules.longterm, longterm, kind);
            flags_ok = self.errors.len() == n;
        }
        if !(range_ok && flags_ok) {
            return None;
        }
        Some(Op::Pin {
            handle: h?,
            device: dev?,
            map: map?,
            start: Self::page_u8(a),
            end: Self::page_u8(b),
            write: w,
            longterm: lt,
        })
    }

    // ----- the condition -----

    fn lower_cond(&mut self, e: &CondAst) -> Option<CondExpr> {
        match e {
            CondAst::Atom(a) => self.lower_atom(a),
            CondAst::Not(e) => Some(CondExpr::Not(Box::new(self.lower_cond(e)?))),
            CondAst::And(v) => {
                let parts: Vec<Option<CondExpr>> = v.iter().map(|e| self.lower_cond(e)).collect();
                Some(CondExpr::And(
                    parts.into_iter().collect::<Option<Vec<_>>>()?,
                ))
            }
            CondAst::Or(v) => {
                let parts: Vec<Option<CondExpr>> = v.iter().map(|e| self.lower_cond(e)).collect();
                Some(CondExpr::Or(parts.into_iter().collect::<Option<Vec<_>>>()?))
            }
        }
    }

    /// The value side of a page-content atom: a value, or `none` where `allow_none`.
    fn content(&mut self, v: &ValTok, loc: &str, allow_none: bool) -> Option<Observed> {
        let w = self.text.get(v.span.clone()).unwrap_or("").to_string();
        match &v.kind {
            ValKind::Val(name) => return Some(Observed::Val(self.value_of(name))),
            ValKind::None if allow_none => return Some(Observed::None),
            ValKind::None => self.err(
                v.span.clone(),
                format!("`{loc}` is compared with a value, not `none`"),
                "expected a value",
                Some(
                    "a hole reads `0`; to test that a page is beyond EOF, use `file F[i] = none`"
                        .to_string(),
                ),
            ),
            ValKind::Hole => self.err(
                v.span.clone(),
                "`hole` is not a value a condition can test".to_string(),
                "not a value",
                Some(
                    "a hole reads `0`; `none` means not cached, unmapped or beyond EOF".to_string(),
                ),
            ),
            ValKind::Ok | ValKind::Errno(_) => self.err(
                v.span.clone(),
                format!("`{w}` is a pin result, not page content"),
                "not a value",
                Some("`ok` and errno names test a pin handle: `p = ok`, `p = EFAULT`".to_string()),
            ),
        }
        None
    }

    fn lower_atom(&mut self, a: &Atom) -> Option<CondExpr> {
        match &a.loc {
            AtomLoc::Disk(at) => {
                let backing = self.fs.map(|f| f.rules());
                let mut ok = true;
                if let Some(r) = backing.filter(|r| !r.backing) {
                    ok = false;
                    self.err(
                        a.kw.clone(),
                        format!("{} has no backing store; use cache {}[{}]", r.name, at.name.text, at.index.value),
                        format!("no disk behind {}", r.name),
                        Some(format!("{} pages live in memory only (the model has no swap): `cache {}[{}] = V` tests the page's content", r.name, at.name.text, at.index.value)),
                    );
                }
                let p = self.file_page(at);
                let v = self.content(&a.value, "disk", false);
                let (file, page) = p?;
                ok.then_some(CondExpr::Eq(Loc::Disk { file, page }, v?))
            }
            AtomLoc::Cache(at) | AtomLoc::File(at) => {
                let p = self.file_page(at);
                let is_cache = matches!(a.loc, AtomLoc::Cache(_));
                let mut ok = true;
                if let Some(r) = self.fs.map(|f| f.rules()).filter(|r| r.dax && is_cache) {
                    ok = false;
                    self.err(
                        a.kw.clone(),
                        format!("{} has no page cache; use disk {}[{}]", r.name, at.name.text, at.index.value),
                        format!("no page cache on {}", r.name),
                        Some(format!("fs-DAX maps the storage itself: `disk {0}[{1}] = V` (or `file {0}[{1}] = V`) tests what the block holds", at.name.text, at.index.value)),
                    );
                }
                let v = self.content(&a.value, if is_cache { "cache" } else { "file" }, true);
                let (file, page) = p?;
                if !ok {
                    return None;
                }
                let loc = if is_cache {
                    Loc::Cache { file, page }
                } else {
                    Loc::File { file, page }
                };
                Some(CondExpr::Eq(loc, v?))
            }
            AtomLoc::Mem(at) => {
                let p = self.map_page(at);
                let v = self.content(&a.value, "mem", true);
                let (map, page) = p?;
                Some(CondExpr::Eq(Loc::Mem { map, page }, v?))
            }
            AtomLoc::Name(n) => self.lower_name_atom(n, &a.value),
        }
    }

    /// `r = V|none` for a register, `p = ok|ERRNO` for a pin handle.
    fn lower_name_atom(&mut self, n: &Name, v: &ValTok) -> Option<CondExpr> {
        let w = self.text.get(v.span.clone()).unwrap_or("").to_string();
        let Some(d) = self.names.get(&n.text).copied() else {
            if self.poisoned.contains(&n.text) {
                return None;
            }
            let cands: Vec<&str> = self
                .by_kind
                .iter()
                .filter(|(k, _)| matches!(k, Kind::Register | Kind::Handle))
                .map(|(_, s)| s.as_str())
                .collect();
            let (message, label, hint) = if matches!(v.kind, ValKind::Ok | ValKind::Errno(_)) {
                (
                    format!("handle `{}` is never pinned", n.text),
                    format!("no thread pins `{}`", n.text),
                    Kind::Handle.declare_hint(&n.text),
                )
            } else {
                (
                    format!("register `{}` is never written", n.text),
                    format!("no op writes `{}`", n.text),
                    Kind::Register.declare_hint(&n.text),
                )
            };
            let help = with_suggestion(
                closest(&n.text, cands.iter().copied()).map(|c| format!("did you mean `{c}`?")),
                hint,
            );
            self.err(n.span.clone(), message, label, Some(help));
            return None;
        };
        match d.kind {
            Kind::Register if self.seal_regs.contains(&d.id) => match &v.kind {
                ValKind::Ok => Some(CondExpr::Eq(Loc::Reg(d.id), Observed::Pin(PinResult::Ok))),
                ValKind::Errno(Errno::EBUSY) => Some(CondExpr::Eq(
                    Loc::Reg(d.id),
                    Observed::Pin(PinResult::Err(Errno::EBUSY)),
                )),
                _ => {
                    self.err(
                        v.span.clone(),
                        format!("`{}` holds what `seal` returned: `ok` or `EBUSY`, not `{}`", n.text, shorten(&w)),
                        "not a seal result",
                        Some(format!("F_ADD_SEALS(F_SEAL_WRITE) succeeds or fails with EBUSY (a shared mapping, or pages with extra references): test `{0} = ok` or `{0} = EBUSY`", n.text)),
                    );
                    None
                }
            },
            Kind::Register => match &v.kind {
                ValKind::Val(name) => Some(CondExpr::Eq(
                    Loc::Reg(d.id),
                    Observed::Val(self.value_of(name)),
                )),
                ValKind::None => Some(CondExpr::Eq(Loc::Reg(d.id), Observed::None)),
                ValKind::Hole => {
                    self.err(
                        v.span.clone(),
                        "`hole` is not a value a condition can test".to_string(),
                        "not a value",
                        Some("a hole reads `0`".to_string()),
                    );
                    None
                }
                ValKind::Ok | ValKind::Errno(_) => {
                    self.err(
                        v.span.clone(),
                        format!("`{w}` is a call result, but `{}` holds a value", n.text),
                        "this register holds a value",
                        Some(format!("`{0}` is written by a `load`, `read` or `dma`: test it with `{0} = V` or `{0} = none`; `ok` and errnos test a pin handle (`p = ok`) or a `seal`'s register (`r = EBUSY`)", n.text)),
                    );
                    None
                }
            },
            Kind::Handle => match &v.kind {
                ValKind::Ok => Some(CondExpr::Eq(Loc::Pin(d.id), Observed::Pin(PinResult::Ok))),
                ValKind::Errno(e) => Some(CondExpr::Eq(
                    Loc::Pin(d.id),
                    Observed::Pin(PinResult::Err(*e)),
                )),
                _ => {
                    self.err(
                        v.span.clone(),
                        format!("a pin handle's result is `ok` or an errno, not `{}`", shorten(&w)),
                        "not a pin result",
                        Some(format!("`{} = ok`, or `{} = EFAULT` (errnos: EFAULT, EOPNOTSUPP, ENOSPC, EIO, EBUSY)", n.text, n.text)),
                    );
                    None
                }
            },
            k => {
                let help = match k {
                    Kind::File => format!("test the file's pages with `disk {0}[i] = V`, `cache {0}[i] = V` or `file {0}[i] = V`", n.text),
                    Kind::Map => format!("test the mapping's pages with `mem {}[i] = V`", n.text),
                    Kind::Completion => "a completion orders threads and has no final value to test; test what the threads did (a register, a page)".to_string(),
                    _ => "a condition tests registers, pin handles and pages".to_string(),
                };
                self.err(
                    n.span.clone(),
                    format!(
                        "`{}` is {}, not a register or pin handle",
                        n.text,
                        k.article()
                    ),
                    "cannot be tested directly",
                    Some(help),
                );
                None
            }
        }
    }
}

fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_FILES, MAX_MAPS, MAX_OPS};
    use crate::parse;
    use pinlab_model::scenario::Quantifier;
    use pinlab_model::scenario::*;

    const BASE: &str = "litmus t\nfs ext4\nfile f pages=2 data=A,hole\nmmap m = f shared rw\nanon a pages=1\ndevice nic rdma\ndevice d dio\ndevice v vmsplice\ndevice u io_uring\n";

    fn ok(body: &str) -> Scenario {
        let text = format!("{BASE}{body}");
        match parse("t.litmus", &text) {
            Ok(s) => s,
            Err(d) => panic!("{}", d.render(&text)),
        }
    }

    fn errs(body: &str) -> Vec<(u32, String, Option<String>)> {
        let text = format!("{BASE}{body}");
        match parse("t.litmus", &text) {
            Ok(s) => panic!("parsed: {s:#?}"),
            Err(d) => d
                .errors
                .into_iter()
                .map(|e| (e.line - 9, e.message, e.help))
                .collect(),
        }
    }

    fn one(body: &str) -> (u32, String, Option<String>) {
        let mut e = errs(body);
        assert_eq!(e.len(), 1, "{e:#?}");
        e.remove(0)
    }

    #[test]
    fn declarations_lower() {
        let s = ok("thread t {\n  sync\n}\n");
        assert_eq!(
            s.fs,
            FsConfig {
                kind: pinlab_model::fs::FsKind::from_name("ext4").unwrap(),
                blocks: 16,
                integrity: false
            }
        );
        assert_eq!(
            s.files,
            vec![FileDecl {
                name: "f".into(),
                pages: 2,
                data: vec![Some(Value(1)), None],
                refs: 0
            }]
        );
        assert_eq!(s.values, vec!["0", "A"]);
        assert_eq!(
            s.maps[0].kind,
            MapKind::File {
                file: 0,
                shared: true,
                writable: true
            }
        );
        assert_eq!(
            s.maps[1].kind,
            MapKind::Anon {
                pages: 1,
                writable: true
            }
        );
        assert_eq!(s.devices.len(), 4);
        assert_eq!(
            s.threads[0].ops,
            vec![OpDecl {
                op: Op::Sync,
                pos: Pos { line: 11, col: 3 }
            }]
        );
        assert_eq!(s.source, "t.litmus");
    }

    #[test]
    fn values_are_interned_in_order_of_appearance() {
        let s = ok("exists (r = C)\nthread t {\n store m[0] = B\n load m[1] -> r\n write f[3] = 0\n dma p[0] = 12\n pin p = nic m[0..1]\n}\n");
        assert_eq!(s.values, vec!["0", "A", "C", "B", "12"]);
        assert_eq!(
            s.threads[0].ops[0].op,
            Op::Store {
                map: 0,
                page: 0,
                value: Value(3)
            }
        );
        assert_eq!(
            s.threads[0].ops[2].op,
            Op::Write {
                file: 0,
                page: 3,
                value: Value(0)
            }
        );
        assert_eq!(
            s.condition.as_ref().unwrap().expr,
            CondExpr::Eq(Loc::Reg(0), Observed::Val(Value(2)))
        );
    }

    #[test]
    fn handles_are_global_and_ordered_by_pin() {
        let s = ok("thread dev {\n dma q[1] -> x\n dma p[0] = B\n}\nthread app {\n pin p = nic a[0..1] write\n pin q = u m[0..2]\n unpin q\n}\n");
        assert_eq!(s.handles, vec!["p", "q"]);
        assert_eq!(s.regs, vec!["x"]);
        assert_eq!(
            s.threads[0].ops[0].op,
            Op::DmaRead {
                handle: 1,
                page: 1,
                reg: 0
            }
        );
        assert_eq!(
            s.threads[1].ops[0].op,
            Op::Pin {
                handle: 0,
                device: 0,
                map: 1,
                start: 0,
                end: 1,
                write: true,
                longterm: true
            }
        );
        // io_uring implies both flags
        assert_eq!(
            s.threads[1].ops[1].op,
            Op::Pin {
                handle: 1,
                device: 3,
                map: 0,
                start: 0,
                end: 2,
                write: true,
                longterm: true
            }
        );
    }

    #[test]
    fn device_flags() {
        let s = ok("thread t {\n pin p = d m[0..1] write\n pin q = v m[1..2]\n dma q[0] = B\n}\n");
        assert!(matches!(
            s.threads[0].ops[0].op,
            Op::Pin {
                write: true,
                longterm: false,
                ..
            }
        ));
        assert!(matches!(
            s.threads[0].ops[1].op,
            Op::Pin {
                write: false,
                longterm: false,
                ..
            }
        ));
        // a DMA write through a read-only pin is a driver bug the model judges: allowed
        assert!(matches!(s.threads[0].ops[2].op, Op::DmaWrite { .. }));
        let (_, m, h) = one("thread t {\n pin p = d m[0..1] longterm\n}\n");
        assert_eq!(m, "`longterm` is impossible with a dio pin");
        let dio = pinlab_model::device::DeviceKind::from_name("dio")
            .unwrap()
            .rules();
        assert_eq!(
            h.as_deref(),
            Some(format!("dio: {}; drop `longterm`", dio.summary).as_str())
        );
        let (_, m, _) = one("thread t {\n pin p = v m[0..1] write\n}\n");
        assert_eq!(m, "`write` is impossible with a vmsplice pin");
    }

    #[test]
    fn names_must_be_declared_and_unique() {
        let (l, m, h) = one("thread t {\n store mp[0] = A\n}\n");
        assert_eq!((l, m.as_str()), (2, "undeclared mapping `mp`"));
        assert!(h.unwrap().starts_with("did you mean `m`?"));
        let (_, m, _) = one("thread t {\n fsync m\n}\n");
        assert_eq!(m, "`m` is a mapping, not a file");
        let (_, m, _) = one("file m pages=1\nthread t {\n sync\n}\n");
        assert_eq!(m, "`m` is already declared as a mapping on line 4");
        let (_, m, _) = one("thread t {\n load m[0] -> f\n}\n");
        assert_eq!(m, "`f` is already declared as a file on line 3");
        let (_, m, _) = one("thread f {\n sync\n}\n");
        assert_eq!(m, "`f` is already declared as a file on line 3");
        let (_, m, _) = one("thread t {\n munmap zz\n}\n");
        assert_eq!(m, "undeclared mapping `zz`");
    }

    #[test]
    fn handle_rules() {
        let (l, m, h) =
            one("thread t {\n pin p = nic m[0..1]\n}\nthread t2 {\n pin p = d m[0..1]\n}\n");
        assert_eq!((l, m.as_str()), (5, "handle `p` is pinned twice"));
        assert!(h.unwrap().starts_with("`p` is first pinned on line 11"));
        let (_, m, _) = one("thread t {\n dma p[0] = A\n}\n");
        assert_eq!(m, "handle `p` is never pinned");
        let (_, m, _) = one("thread t {\n pin p = nic m[0..1]\n unpin p\n unpin p dirty\n}\n");
        assert_eq!(m, "handle `p` is unpinned twice");
        let (_, m, _) = one("thread t {\n pin p = nic m[0..1]\n dma p[1] = A\n}\n");
        assert_eq!(m, "page 1 is outside pin `p`");
        let (_, m, _) = one("thread t {\n pin p = nic m[1..1]\n}\n");
        assert_eq!(m, "empty page range `[1..1]`");
        let (_, m, _) = one("thread t {\n pin p = nic m[0..3]\n}\n");
        assert_eq!(m, "page range `[0..3]` goes past the end of `m`");
    }

    #[test]
    fn register_rules() {
        let (_, m, _) = one("thread t {\n load m[0] -> r\n read f[0] -> r\n}\n");
        assert_eq!(m, "register `r` is written twice");
        let (_, m, _) = one("thread t {\n sync\n}\nexists (r = 1)\n");
        assert_eq!(m, "register `r` is never written");
        let (_, m, _) = one("thread t {\n load m[0] -> B\n store m[1] = B\n}\n");
        assert_eq!(
            m,
            "`B` is used inconsistently: as a register and as a value"
        );
        let (_, m, _) = one("thread t {\n store m[0] = f\n}\n");
        assert_eq!(m, "`f` is used inconsistently: as a file and as a value");
        let (_, m, _) = one("thread t {\n load m[0] -> r\n}\nexists (r = EIO)\n");
        assert_eq!(m, "`EIO` is a call result, but `r` holds a value");
        let (_, m, _) = one("thread t {\n pin p = nic m[0..1]\n}\nexists (p = A)\n");
        assert_eq!(m, "a pin handle's result is `ok` or an errno, not `A`");
    }

    #[test]
    fn seal_rules() {
        // On ext4 (BASE): only memfd files can be sealed.
        let (l, m, h) = one("thread t {\n seal f write -> r\n}\n");
        assert_eq!((l, m.as_str()), (2, "ext4 files cannot be sealed"));
        assert!(h
            .unwrap()
            .starts_with("only memfd files can be sealed; use `fs memfd`"));
        let memfd = |body: &str| {
            let text = format!("litmus t\nfs memfd\nfile f pages=1\nmmap m = f shared rw\n{body}");
            (parse_text(&text), text)
        };
        let (r, text) = memfd("thread t {\n seal f write -> r\n seal f write -> s\n}\nforall (r = ok /\\ s = EBUSY)\n");
        let s = r.unwrap_or_else(|d| panic!("{}", d.render(&text)));
        assert_eq!(s.threads[0].ops[0].op, Op::Seal { file: 0, reg: 0 });
        let Some(Condition {
            expr: CondExpr::And(atoms),
            ..
        }) = s.condition
        else {
            panic!()
        };
        assert_eq!(
            atoms,
            vec![
                CondExpr::Eq(Loc::Reg(0), Observed::Pin(PinResult::Ok)),
                CondExpr::Eq(Loc::Reg(1), Observed::Pin(PinResult::Err(Errno::EBUSY)))
            ]
        );
        for (cond, want) in [
            (
                "r = A",
                "`r` holds what `seal` returned: `ok` or `EBUSY`, not `A`",
            ),
            (
                "r = none",
                "`r` holds what `seal` returned: `ok` or `EBUSY`, not `none`",
            ),
            (
                "r = EFAULT",
                "`r` holds what `seal` returned: `ok` or `EBUSY`, not `EFAULT`",
            ),
        ] {
            let (r, _) = memfd(&format!(
                "thread t {{\n seal f write -> r\n}}\nexists ({cond})\n"
            ));
            let d = r.unwrap_err();
            assert_eq!(d.errors.len(), 1);
            assert_eq!(d.errors[0].message, want);
        }
        // A value register is not a seal register.
        let (r, _) = memfd("thread t {\n load m[0] -> v\n}\nexists (v = EBUSY)\n");
        assert_eq!(
            r.unwrap_err().errors[0].message,
            "`EBUSY` is a call result, but `v` holds a value"
        );
        // A seal's register is written once, like any other.
        let (r, _) = memfd("thread t {\n seal f write -> r\n load m[0] -> r\n}\n");
        assert_eq!(
            r.unwrap_err().errors[0].message,
            "register `r` is written twice"
        );
    }

    fn parse_text(text: &str) -> Result<Scenario, crate::Diagnostics> {
        parse("t.litmus", text)
    }

    #[test]
    fn scenario_size_limits() {
        let mut text = String::from("litmus big\nfs ext4\n");
        for i in 0..=MAX_FILES {
            text.push_str(&format!("file f{i} pages=1\n"));
        }
        for i in 0..=MAX_MAPS {
            text.push_str(&format!("anon a{i} pages=1\n"));
        }
        text.push_str("thread t {\n");
        for _ in 0..=MAX_OPS {
            text.push_str("  sync\n");
        }
        text.push_str("}\n");
        let errs = crate::parse("big.litmus", &text).unwrap_err();
        let msgs: Vec<&str> = errs.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "more than 8 files",
                "more than 8 mappings",
                "more than 200 operations"
            ]
        );
    }

    #[test]
    fn page_indexes() {
        let (_, m, _) = one("thread t {\n store m[2] = A\n}\n");
        assert_eq!(m, "page 2 is outside mapping `m`");
        let (_, m, _) = one("thread t {\n load a[1] -> r\n}\n");
        assert_eq!(m, "page 1 is outside mapping `a`");
        let s = ok("thread t {\n write f[7] = A\n punch f 7\n truncate f 8\n}\n");
        assert_eq!(s.threads[0].ops[2].op, Op::Truncate { file: 0, pages: 8 });
        let (_, m, _) = one("thread t {\n write f[8] = A\n}\n");
        assert_eq!(m, "page 8 is beyond the last page a file can have");
        let (_, m, _) = one("thread t {\n truncate f 9\n}\n");
        assert_eq!(m, "cannot truncate `f` to 9 pages");
        let (_, m, _) = one("thread t {\n sync\n}\nexists (mem m[2] = A)\n");
        assert_eq!(m, "page 2 is outside mapping `m`");
        let (_, m, _) = one("thread t {\n sync\n}\nexists (cache f[8] = A)\n");
        assert_eq!(m, "page 8 is beyond the last page a file can have");
    }

    #[test]
    fn file_declarations() {
        let e = errs("file g pages=0\nfile h pages=2 data=A\nfile i pages=1 data=none\nthread t {\n sync\n}\n");
        let msgs: Vec<&str> = e.iter().map(|e| e.1.as_str()).collect();
        assert_eq!(
            msgs,
            vec![
                "`pages=0` is out of range",
                "`data=` lists 1 page but the file has 2 pages",
                "`none` cannot be initial data"
            ]
        );
    }

    #[test]
    fn filesystem_rules() {
        let text = "litmus t\nfs hugetlbfs\nfile f pages=1\nthread t {\n write f[0] = A\n read f[0] -> r\n}\nexists (disk f[0] = A)\n";
        let d = parse("x", text).unwrap_err();
        let msgs: Vec<&str> = d.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            msgs,
            vec![
                "hugetlbfs has no write(2); store through a mapping",
                "hugetlbfs has no read(2); load through a mapping",
                "hugetlbfs has no backing store; use cache f[0]"
            ]
        );
        let text =
            "litmus t\nfs xfs-dax\nfile f pages=1\nthread t {\n sync\n}\nexists (cache f[0] = A)\n";
        let d = parse("x", text).unwrap_err();
        assert_eq!(
            d.errors[0].message,
            "xfs-dax has no page cache; use disk f[0]"
        );
        let text = "litmus t\nfs tmpfs blocks=65\nfile f pages=1\nthread t {\n sync\n}\n";
        let d = parse("x", text).unwrap_err();
        assert_eq!(d.errors[0].message, "`blocks=65` is more than 64");
        let d = crate::parse(
            "t.litmus",
            "litmus t\nfs ext4\nfile f pages=1 refs=70000\nthread t {\n sync\n}\n",
        )
        .unwrap_err();
        assert_eq!(d.errors[0].message, "`refs=70000` is more than 50000");
        let d = crate::parse(
            "t.litmus",
            "litmus t\nfs ext4-dax\nfile f pages=1 refs=2\nthread t {\n sync\n}\n",
        )
        .unwrap_err();
        assert_eq!(
            d.errors[0].message,
            "ext4-dax has no page cache for others to hold references in"
        );
        let sc = crate::parse(
            "t.litmus",
            "litmus t\nfs ext4\nfile f pages=1 data=A refs=1100\nthread t {\n sync\n}\n",
        )
        .unwrap();
        assert_eq!(sc.files[0].refs, 1100);
    }

    #[test]
    fn statement_counts() {
        let (_, m, _) =
            one("thread t {\n sync\n}\nexists (cache f[0] = A)\nforall (cache f[0] = A)\n");
        assert_eq!(m, "a scenario has at most one final condition");
        let (_, m, _) = one("thread t {\n}\n");
        assert_eq!(m, "thread `t` has no operations");
        let threads: String = (0..9)
            .map(|i| format!("thread t{i} {{\n sync\n}}\n"))
            .collect();
        let (l, m, _) = one(&threads);
        assert_eq!((l, m.as_str()), (25, "more than 8 threads"));
        let (_, m, h) =
            one("thread t {\n sync\n}\nexpect pin-wait: hang\nexpect pincount+wait: safe\n");
        assert_eq!(m, "design `pincount+wait` has two `expect` lines");
        assert_eq!(
            h.as_deref(),
            Some("the first is on line 13 (`pin-wait` there is the same design); keep one")
        );
        let d = parse("x", "litmus t\nthread t {\n sync\n}\n").unwrap_err();
        assert_eq!(d.errors[0].message, "no `fs` statement");
        let d = parse("x", "litmus t\nfs xfs\n").unwrap_err();
        assert_eq!(d.errors[0].message, "no thread");
    }

    #[test]
    fn conditions_lower() {
        let s = ok("thread t {\n pin p = nic m[0..1]\n load m[0] -> r\n}\n~exists (p = EFAULT \\/ ~(r = none /\\ file f[1] = A) /\\ disk f[0] = 0)\nexpect legacy: unsafe(durability)\n");
        let c = s.condition.unwrap();
        assert_eq!(c.quantifier, Quantifier::NotExists);
        assert_eq!(
            c.expr,
            CondExpr::Or(vec![
                CondExpr::Eq(Loc::Pin(0), Observed::Pin(PinResult::Err(Errno::EFAULT))),
                CondExpr::And(vec![
                    CondExpr::Not(Box::new(CondExpr::And(vec![
                        CondExpr::Eq(Loc::Reg(0), Observed::None),
                        CondExpr::Eq(Loc::File { file: 0, page: 1 }, Observed::Val(Value(1))),
                    ]))),
                    CondExpr::Eq(Loc::Disk { file: 0, page: 0 }, Observed::Val(Value(0))),
                ]),
            ])
        );
        assert_eq!(
            s.expects[0].verdict,
            ExpectedVerdict::Unsafe(vec![pinlab_model::property::Property::Durability])
        );
        assert_eq!(s.expects[0].pos, Pos { line: 15, col: 1 });
        let (_, m, _) = one("thread t {\n sync\n}\nexists (disk f[0] = none)\n");
        assert_eq!(m, "`disk` is compared with a value, not `none`");
        let (_, m, _) = one("thread t {\n sync\n}\nexists (f = 1)\n");
        assert_eq!(m, "`f` is a file, not a register or pin handle");
    }

    #[test]
    fn expect_answers_lower_and_need_a_condition() {
        let s = ok("thread t {\n sync\n}\nexpect legacy: safe Never\nexists (disk f[0] = B)\nexpect pin-wait: safe\nexpect upstream: unsafe(durability) Always\n");
        let answers: Vec<Option<ExpectedAnswer>> = s.expects.iter().map(|e| e.answer).collect();
        assert_eq!(
            answers,
            vec![
                Some(ExpectedAnswer::Never),
                None,
                Some(ExpectedAnswer::Always)
            ]
        );
        assert_eq!(
            s.expects[2].verdict,
            ExpectedVerdict::Unsafe(vec![pinlab_model::property::Property::Durability])
        );

        // No condition: every answer is an error, at the answer.
        let e = errs("thread t {\n sync\n}\nexpect legacy: safe Sometimes\nexpect pin-wait: hang\nexpect odp: unsafe Always\n");
        let got: Vec<(u32, &str)> = e.iter().map(|e| (e.0, e.1.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (
                    4,
                    "`Sometimes` answers a final condition, and this scenario has none"
                ),
                (
                    6,
                    "`Always` answers a final condition, and this scenario has none"
                ),
            ]
        );
        assert_eq!(
            e[0].2.as_deref(),
            Some("drop the answer, or add the condition it answers: `exists (COND)`, `~exists (COND)` or `forall (COND)`")
        );
        let d = parse(
            "t.litmus",
            &format!("{BASE}thread t {{\n sync\n}}\nexpect legacy: safe Sometimes\n"),
        )
        .unwrap_err();
        assert_eq!((d.errors[0].line, d.errors[0].col), (13, 21));

        // A broken condition has its own error; the answers to it get none.
        let e = errs("thread t {\n sync\n}\nexists (disk f[0] = B\nexpect legacy: safe Never\n");
        assert_eq!(e.len(), 1, "{e:#?}");
        assert!(e[0].1.starts_with("expected `/\\`, `\\/` or `)`"), "{e:#?}");
        // A condition whose atoms do not lower is still a condition.
        let e = errs("thread t {\n sync\n}\nexists (disk g[0] = B)\nexpect legacy: safe Never\n");
        assert_eq!(e.len(), 1, "{e:#?}");
    }

    #[test]
    fn condition_keywords_are_not_reserved_names() {
        let text = "litmus t\nfs ext4\nfile disk pages=1\nmmap mem = disk shared rw\ndevice cache dio\nthread file {\n  load mem[0] -> disk2\n  pin p = cache mem[0..1]\n  read disk[0] -> file2\n}\nexists (disk disk[0] = 0 /\\ mem mem[0] = none /\\ disk2 = 0)\n";
        let s = match parse("x", text) {
            Ok(s) => s,
            Err(d) => panic!("{}", d.render(text)),
        };
        assert_eq!(s.files[0].name, "disk");
        assert_eq!(
            s.condition.unwrap().expr,
            CondExpr::And(vec![
                CondExpr::Eq(Loc::Disk { file: 0, page: 0 }, Observed::Val(Value(0))),
                CondExpr::Eq(Loc::Mem { map: 0, page: 0 }, Observed::None),
                CondExpr::Eq(Loc::Reg(0), Observed::Val(Value(0))),
            ])
        );
        // a register may be called `disk`: with no name after it, it is not the keyword
        let text = "litmus t\nfs ext4\nfile f pages=1\nmmap m = f shared rw\nthread t {\n  load m[0] -> disk\n}\nexists (disk = 0)\n";
        let s = parse("x", text).unwrap();
        assert_eq!(
            s.condition.unwrap().expr,
            CondExpr::Eq(Loc::Reg(0), Observed::Val(Value(0)))
        );
    }

    #[test]
    fn fallocate_lowers_with_writes_page_limit() {
        let s = ok("thread t {\n fallocate f 0\n fallocate f 7\n}\n");
        assert_eq!(
            s.threads[0].ops[1],
            OpDecl {
                op: Op::Fallocate { file: 0, page: 7 },
                pos: Pos { line: 12, col: 2 }
            }
        );
        let (l, m, h) = one("thread t {\n fallocate f 8\n}\n");
        assert_eq!(
            (l, m.as_str()),
            (2, "page 8 is beyond the last page a file can have")
        );
        assert_eq!(h.as_deref(), Some("files can grow by write(2), fallocate or truncate, but the model keeps at most 8 pages per file"));
        // the same limit as write(2) beyond EOF
        let (_, w, _) = one("thread t {\n write f[8] = A\n}\n");
        assert_eq!(w, m);
        let (_, m, _) = one("thread t {\n fallocate m 0\n}\n");
        assert_eq!(m, "`m` is a mapping, not a file");
        let (_, m, h) = one("thread t {\n fallocate ff 0\n}\n");
        assert_eq!(m, "undeclared file `ff`");
        assert!(h.unwrap().starts_with("did you mean `f`?"));
    }

    #[test]
    fn fallocate_is_allowed_on_every_filesystem() {
        // shmem, hugetlbfs (no write(2), but hugetlbfs_fallocate), fs-DAX, and a write-sealed
        // memfd (shmem_fallocate refuses only F_SEAL_GROW growth and hole punching).
        for fs in pinlab_model::fs::FsKind::names() {
            let text =
                format!("litmus t\nfs {fs}\nfile f pages=1\nthread t {{\n fallocate f 3\n}}\n");
            let s = parse_text(&text).unwrap_or_else(|d| panic!("{}", d.render(&text)));
            assert_eq!(
                s.threads[0].ops[0].op,
                Op::Fallocate { file: 0, page: 3 },
                "{fs}"
            );
        }
        let text = "litmus t\nfs memfd\nfile f pages=1\nthread t {\n seal f write -> r\n fallocate f 1\n}\n";
        assert!(parse_text(text).is_ok());
    }

    #[test]
    fn completions_are_declared_by_use_in_order_of_appearance() {
        let s = ok("thread app {\n wait_for_completion ready\n complete go\n wait_for_completion done\n}\nthread dev {\n complete ready\n wait_for_completion go\n complete done\n complete done\n complete spare\n}\n");
        assert_eq!(s.completions, vec!["ready", "go", "done", "spare"]);
        let ops: Vec<Op> = s
            .threads
            .iter()
            .flat_map(|t| t.ops.iter().map(|o| o.op))
            .collect();
        assert_eq!(
            ops,
            vec![
                Op::WaitForCompletion { completion: 0 },
                Op::Complete { completion: 1 },
                Op::WaitForCompletion { completion: 2 },
                Op::Complete { completion: 0 },
                Op::WaitForCompletion { completion: 1 },
                Op::Complete { completion: 2 },
                Op::Complete { completion: 2 },
                Op::Complete { completion: 3 },
            ]
        );
        // no completion at all: an empty list
        assert!(ok("thread t {\n sync\n}\n").completions.is_empty());
    }

    #[test]
    fn a_wait_nobody_completes_is_an_error() {
        let (l, m, h) =
            one("thread x {\n wait_for_completion dnoe\n}\nthread y {\n complete done\n complete other\n}\n");
        assert_eq!((l, m.as_str()), (2, "completion `dnoe` is never completed"));
        assert_eq!(h.as_deref(), Some("did you mean `done`? `wait_for_completion dnoe` would sleep forever; completions some thread completes: `done`, `other`"));
        let (_, m, h) = one("thread x {\n wait_for_completion done\n}\n");
        assert_eq!(m, "completion `done` is never completed");
        assert_eq!(h.as_deref(), Some("`wait_for_completion done` would sleep forever: add `complete done` to the thread it waits for (the device's DMA thread, say)"));
        // Two waits of one name: each is reported.
        let e =
            errs("thread x {\n wait_for_completion c\n}\nthread y {\n wait_for_completion c\n}\n");
        assert_eq!(e.iter().map(|e| e.0).collect::<Vec<_>>(), vec![2, 5]);
        // A complete nobody waits for is fine, and so is one later in the waiting thread (a
        // hang is the checker's verdict, not a syntax error).
        ok("thread x {\n complete c\n}\n");
        ok("thread x {\n wait_for_completion c\n complete c\n}\n");
        // A `complete` line that failed to parse does not make its waits an error too.
        let e =
            errs("thread x {\n complete done now\n}\nthread y {\n wait_for_completion done\n}\n");
        assert_eq!(e.len(), 1, "{e:#?}");
        assert_eq!(e[0].1, "expected end of line, found `now`");
    }

    #[test]
    fn completions_share_the_one_namespace() {
        // a completion named like a file, a mapping, a device, a thread, a handle, a register
        for (body, kind, line) in [
            ("thread t {\n complete f\n}\n", "a file", 3),
            (
                "thread t {\n wait_for_completion m\n complete m\n}\n",
                "a mapping",
                4,
            ),
            ("thread t {\n complete nic\n}\n", "a device", 6),
            ("thread t {\n complete t\n}\n", "a thread", 10),
            (
                "thread t {\n pin p = nic m[0..1]\n complete p\n}\n",
                "a pin handle",
                11,
            ),
            (
                "thread t {\n load m[0] -> r\n complete r\n}\n",
                "a register",
                11,
            ),
        ] {
            let e = errs(body);
            let name = body
                .split("complete")
                .nth(1)
                .unwrap()
                .split_whitespace()
                .next()
                .unwrap();
            let msgs: Vec<&str> = e.iter().map(|e| e.1.as_str()).collect();
            let want = format!("`{name}` is {kind}, not a completion");
            assert!(msgs.iter().all(|m| *m == want), "{body}: {msgs:?}");
            assert_eq!(
                e[0].2.as_deref(),
                Some(format!("`{name}` is declared as {kind} on line {line}; completions share one namespace with files, mappings, devices, threads, pin handles and registers: give the completion its own name (`{name}_done`)").as_str()),
                "{body}"
            );
        }
        // declared after the completion's first use
        let (l, m, h) = one("thread t {\n complete done\n load m[0] -> done\n}\n");
        assert_eq!(
            (l, m.as_str()),
            (3, "`done` is already used as a completion on line 11")
        );
        assert_eq!(h.as_deref(), Some("a completion is declared by its first `complete` or `wait_for_completion`; completions share one namespace with files, mappings, devices, threads, pin handles and registers: rename the register or the completion"));
        let (_, m, _) = one("thread t {\n complete done\n}\nthread done {\n sync\n}\n");
        assert_eq!(m, "`done` is already used as a completion on line 11");
        // as a value, and in the condition
        let (_, m, _) = one("thread t {\n complete done\n store m[0] = done\n}\n");
        assert_eq!(
            m,
            "`done` is used inconsistently: as a completion and as a value"
        );
        let (_, m, h) = one("thread t {\n complete done\n}\nexists (done = 1)\n");
        assert_eq!(m, "`done` is a completion, not a register or pin handle");
        assert!(h.unwrap().starts_with("a completion orders threads"));
        // the generic clash names completions too
        let (_, _, h) = one("file m pages=1\nthread t {\n sync\n}\n");
        assert!(h
            .unwrap()
            .contains("registers and completions share one namespace"));
    }

    #[test]
    fn broken_declarations_do_not_cascade() {
        // `file g` fails to parse; its uses are not reported again.
        let e = errs("file g pages=1 junk\nmmap n = g shared rw\nthread t {\n pin p = nic n[0..1] bogus\n dma p[0] = A\n load n[0] -> r x\n}\nexists (r = A)\n");
        let msgs: Vec<&str> = e.iter().map(|e| e.1.as_str()).collect();
        assert_eq!(
            msgs,
            vec![
                "unknown file option `junk`",
                "unknown pin flag `bogus`",
                "expected end of line, found `x`"
            ]
        );
    }
}
