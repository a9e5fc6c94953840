//! Random litmus scenarios: a scenario as data with raw indexes (`Spec`), and its litmus text
//! (`render`), which resolves every index modulo what exists so that most specs parse.
//!
//! Two generators fill a `Spec`: the history oracle's random cross-check
//! (`crates/check/tests/oracle.rs`, proptest strategies, small scenarios that enumerate
//! completely) and the structure-aware fuzz target (`fuzz/fuzz_targets/check.rs`, from the
//! fuzzer's bytes through [`Spec::arbitrary_full`]: every filesystem, device, op and condition
//! atom of the language, up to the parser's limits, with ops repeated to reach counter limits).
//!
//! ```
//! let mut u = arbitrary::Unstructured::new(&[7, 1, 2, 3, 200, 5, 9, 11, 0, 4]);
//! let spec = pinlab_gen::Spec::arbitrary_full(&mut u).unwrap();
//! let text = pinlab_gen::render(&spec, &pinlab_gen::Shape::FULL);
//! assert!(text.starts_with("litmus random\nfs "));
//! ```

// A dependency nothing uses is a build cost and a supply-chain risk: warn (an error under
// clippy -D warnings). Test builds see the dev-dependencies too, so only the library is checked.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

use arbitrary::{Result, Unstructured};
use pinlab_model::device::Flag;
use pinlab_model::scenario::Errno;

/// The filesystems and devices, in the order `Spec::fs` and `Spec::devices` index them: the
/// model's own registries, so a filesystem or device added there is generated without an edit here.
pub use pinlab_model::device::DEVICES;
pub use pinlab_model::fs::FILESYSTEMS;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSpec {
    pub pages: u8,
    /// Per page: a value index, or None for a hole; None for no `data=` at all.
    pub data: Option<Vec<Option<u8>>>,
    pub refs: u16,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapSpec {
    File { file: u8, shared: bool, rw: bool },
    Anon { pages: u8, rw: bool },
}

/// An op with raw indexes, resolved (modulo what exists) when rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpSpec {
    Store(u8, u8, u8),
    Load(u8, u8),
    Write(u8, u8, u8),
    Read(u8, u8),
    Pin {
        dev: u8,
        map: u8,
        start: u8,
        len: u8,
        write: bool,
        longterm: bool,
    },
    DmaWrite(u8, u8, u8),
    DmaRead(u8, u8),
    Unpin(u8, bool),
    Fsync(u8),
    Sync,
    Writeback(u8),
    Truncate(u8, u8),
    Punch(u8, u8),
    Reclaim,
    Freeze,
    Thaw,
    Munmap(u8),
    Mprotect(u8, bool),
    Seal(u8),
    Fallocate(u8, u8),
    Complete(u8),
    WaitForCompletion(u8),
    /// The op, this many times in a row (each time with its own handle or register): how a
    /// generator reaches counter limits, such as sixteen pins of one page.
    Repeat(u8, Box<OpSpec>),
}

/// A location and value of the final condition, with raw indexes; `None` values are `none`
/// (for `disk`, a value is used instead; for a pin handle, `ok`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AtomSpec {
    Disk(u8, u8, u8),
    Cache(u8, u8, Option<u8>),
    File(u8, u8, Option<u8>),
    Mem(u8, u8, Option<u8>),
    /// A register (any op's: load, read, dma, seal), and a value, or for a `seal`'s register
    /// `ok` (even) or `EBUSY` (odd).
    Reg(u8, Option<u8>),
    /// A pin handle and `ok` (None) or an errno.
    Pin(u8, Option<u8>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CondSpec {
    Atom(AtomSpec),
    Not(Box<CondSpec>),
    And(Vec<CondSpec>),
    Or(Vec<CondSpec>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    pub fs: usize,
    pub blocks: u8,
    pub integrity: bool,
    pub files: Vec<FileSpec>,
    pub maps: Vec<MapSpec>,
    pub devices: Vec<usize>,
    pub threads: Vec<Vec<OpSpec>>,
    /// The final condition: `exists`, `~exists` or `forall` (the quantifier modulo 3) and its body.
    pub cond: Option<(u8, CondSpec)>,
}

/// How `render` resolves a spec's raw indexes: the ranges it reduces them to.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// The most ops all threads together get (a repeated op counts each time); ops beyond are
    /// dropped, in thread order.
    pub max_ops: usize,
    /// Page indexes of `write`, `read` and `fallocate` are taken modulo this, `punch`'s modulo
    /// `punch_pages`.
    pub file_pages: u8,
    pub punch_pages: u8,
    /// Completions `x0`..
    pub completions: u8,
    /// Distinct values: `A`, `B`, `C`, then `V3`...
    pub values: u8,
}

impl Shape {
    /// The oracle's small scenarios: few ops, pages and values, so that every interleaving can
    /// be enumerated.
    pub const SMALL: Shape = Shape {
        max_ops: 12,
        file_pages: 3,
        punch_pages: 2,
        completions: 2,
        values: 3,
    };
    /// Everything the parser accepts: files grow to 8 pages, 200 ops, 200 distinct values.
    pub const FULL: Shape = Shape {
        max_ops: 200,
        file_pages: 8,
        punch_pages: 8,
        completions: 4,
        values: 200,
    };
}

fn value(v: u8, shape: &Shape) -> String {
    match v % shape.values {
        i @ 0..=2 => ["A", "B", "C"][i as usize].to_string(),
        i => format!("V{i}"),
    }
}

/// The ops a thread keeps: repeats expanded, at most `budget` in all threads together.
fn expand<'a>(ops: &'a [OpSpec], budget: &mut usize, out: &mut Vec<&'a OpSpec>) {
    for op in ops {
        match op {
            OpSpec::Repeat(n, op) => {
                for _ in 0..*n {
                    expand(std::slice::from_ref(op), budget, out);
                }
            }
            op => {
                if *budget == 0 {
                    return;
                }
                *budget -= 1;
                out.push(op);
            }
        }
    }
}

/// render() - the litmus text of a spec: every raw index taken modulo what exists, ops that
/// name what does not exist dropped (a store without mappings, a wait for a completion nobody
/// completes, a second unpin of a handle), so that the text usually parses.
/// @s: the spec.
/// @shape: the ranges the indexes are reduced to.
///
/// Return: the litmus file, named `random`.
pub fn render(s: &Spec, shape: &Shape) -> String {
    let rules = FILESYSTEMS[s.fs % FILESYSTEMS.len()];
    let (fs, dax) = (rules.name, rules.dax);
    let mut t = format!("litmus random\nfs {fs} blocks={}", s.blocks);
    if s.integrity {
        t.push_str(" integrity");
    }
    t.push('\n');
    for (i, f) in s.files.iter().enumerate() {
        t.push_str(&format!("file f{i} pages={}", f.pages));
        if let Some(d) = &f.data {
            let d: Vec<String> = d
                .iter()
                .map(|v| v.map_or("hole".to_string(), |v| value(v, shape)))
                .collect();
            t.push_str(&format!(" data={}", d.join(",")));
        }
        if f.refs > 0 && !dax {
            t.push_str(&format!(" refs={}", f.refs));
        }
        t.push('\n');
    }
    let nfiles = s.files.len().max(1) as u8;
    let mut map_pages = Vec::new();
    for (i, m) in s.maps.iter().enumerate() {
        match *m {
            MapSpec::File { file, shared, rw } => {
                let file = file % nfiles;
                map_pages.push(s.files.get(file as usize).map_or(1, |f| f.pages.max(1)));
                t.push_str(&format!(
                    "mmap m{i} = f{file} {} {}\n",
                    if shared { "shared" } else { "private" },
                    if rw { "rw" } else { "ro" }
                ));
            }
            MapSpec::Anon { pages, rw } => {
                map_pages.push(pages.max(1));
                t.push_str(&format!(
                    "anon m{i} pages={pages} {}\n",
                    if rw { "rw" } else { "ro" }
                ));
            }
        }
    }
    for (i, d) in s.devices.iter().enumerate() {
        t.push_str(&format!(
            "device d{i} {}\n",
            DEVICES[*d % DEVICES.len()].name
        ));
    }
    let nmaps = map_pages.len() as u8;
    let ndevs = s.devices.len() as u8;
    let mut budget = shape.max_ops;
    let kept: Vec<Vec<&OpSpec>> = s
        .threads
        .iter()
        .map(|th| {
            let mut v = Vec::new();
            expand(th, &mut budget, &mut v);
            v
        })
        .collect();
    // Pins first: handles are global, so a dma may name a pin of any thread.
    let mut pins: Vec<u8> = Vec::new(); // handle -> pages
    for th in &kept {
        for op in th {
            if let OpSpec::Pin {
                map, start, len, ..
            } = **op
            {
                if nmaps > 0 && ndevs > 0 {
                    let pages = map_pages[(map % nmaps) as usize];
                    let a = start % pages;
                    let n = 1 + len % (pages - a);
                    pins.push(n);
                }
            }
        }
    }
    // A wait for a completion nobody completes is a parse error: leave such waits out.
    let completed: Vec<u8> = kept
        .iter()
        .flatten()
        .filter_map(|op| match **op {
            OpSpec::Complete(c) => Some(c % shape.completions),
            _ => None,
        })
        .collect();
    let mut handle = 0usize;
    let mut unpinned = vec![false; pins.len()];
    // Registers in order, and whether a `seal` writes each.
    let mut regs: Vec<bool> = Vec::new();
    let mut threads = String::new();
    for (ti, th) in kept.iter().enumerate() {
        let mut body = String::new();
        for op in th {
            let mut reg = |seal: bool| {
                regs.push(seal);
                regs.len()
            };
            let line = match **op {
                OpSpec::Store(m, p, v) if nmaps > 0 => {
                    let m = m % nmaps;
                    format!(
                        "store m{m}[{}] = {}",
                        p % map_pages[m as usize],
                        value(v, shape)
                    )
                }
                OpSpec::Load(m, p) if nmaps > 0 => {
                    let m = m % nmaps;
                    let p = p % map_pages[m as usize];
                    format!("load m{m}[{p}] -> r{}", reg(false))
                }
                OpSpec::Write(f, p, v) if rules.write_syscall => {
                    format!(
                        "write f{}[{}] = {}",
                        f % nfiles,
                        p % shape.file_pages,
                        value(v, shape)
                    )
                }
                OpSpec::Read(f, p) if rules.write_syscall => {
                    let (f, p) = (f % nfiles, p % shape.file_pages);
                    format!("read f{f}[{p}] -> r{}", reg(false))
                }
                OpSpec::Pin {
                    dev,
                    map,
                    start,
                    write,
                    longterm,
                    ..
                } if nmaps > 0 && ndevs > 0 => {
                    let d = dev % ndevs;
                    let kind = DEVICES[s.devices[d as usize] % DEVICES.len()];
                    let m = map % nmaps;
                    let a = start % map_pages[m as usize];
                    let n = pins[handle];
                    let mut l = format!("pin p{handle} = d{d} m{m}[{a}..{}]", a + n);
                    if write && kind.write != Flag::Forbidden {
                        l.push_str(" write");
                    }
                    if longterm && kind.longterm != Flag::Forbidden {
                        l.push_str(" longterm");
                    }
                    handle += 1;
                    l
                }
                OpSpec::DmaWrite(h, k, v) if !pins.is_empty() => {
                    let h = h as usize % pins.len();
                    format!("dma p{h}[{}] = {}", k % pins[h], value(v, shape))
                }
                OpSpec::DmaRead(h, k) if !pins.is_empty() => {
                    let h = h as usize % pins.len();
                    format!("dma p{h}[{}] -> r{}", k % pins[h], reg(false))
                }
                OpSpec::Unpin(h, dirty) if !pins.is_empty() => {
                    let h = h as usize % pins.len();
                    if unpinned[h] {
                        continue;
                    }
                    unpinned[h] = true;
                    format!("unpin p{h}{}", if dirty { " dirty" } else { "" })
                }
                OpSpec::Fsync(f) => format!("fsync f{}", f % nfiles),
                OpSpec::Sync => "sync".into(),
                OpSpec::Writeback(f) => format!("writeback f{}", f % nfiles),
                OpSpec::Truncate(f, n) => format!("truncate f{} {}", f % nfiles, n % 9),
                OpSpec::Punch(f, p) => format!("punch f{} {}", f % nfiles, p % shape.punch_pages),
                OpSpec::Reclaim => "reclaim".into(),
                OpSpec::Freeze => "freeze".into(),
                OpSpec::Thaw => "thaw".into(),
                OpSpec::Munmap(m) if nmaps > 0 => format!("munmap m{}", m % nmaps),
                OpSpec::Mprotect(m, rw) if nmaps > 0 => {
                    format!("mprotect m{} {}", m % nmaps, if rw { "rw" } else { "ro" })
                }
                OpSpec::Seal(f) if fs == "memfd" => {
                    format!("seal f{} write -> r{}", f % nfiles, reg(true))
                }
                OpSpec::Fallocate(f, p) => {
                    format!("fallocate f{} {}", f % nfiles, p % shape.file_pages)
                }
                OpSpec::Complete(c) => format!("complete x{}", c % shape.completions),
                OpSpec::WaitForCompletion(c) if completed.contains(&(c % shape.completions)) => {
                    format!("wait_for_completion x{}", c % shape.completions)
                }
                _ => continue,
            };
            body.push_str("  ");
            body.push_str(&line);
            body.push('\n');
        }
        if body.is_empty() {
            continue;
        }
        threads.push_str(&format!("thread t{ti} {{\n{body}}}\n"));
    }
    t.push_str(&threads);
    if let Some((q, c)) = &s.cond {
        let names = Names {
            fs: rules,
            nfiles: s.files.len() as u8,
            map_pages: &map_pages,
            regs: &regs,
            pins: pins.len(),
            shape,
        };
        if let Some(body) = names.cond(c) {
            let q = ["exists", "~exists", "forall"][*q as usize % 3];
            t.push_str(&format!("{q} ({body})\n"));
        }
    }
    t
}

/// What a condition may name, once the ops are rendered.
struct Names<'a> {
    fs: &'static pinlab_model::fs::FsRules,
    nfiles: u8,
    map_pages: &'a [u8],
    /// Per register `r1`..: whether a `seal` writes it.
    regs: &'a [bool],
    pins: usize,
    shape: &'a Shape,
}

impl Names<'_> {
    /// A condition's text, atoms that name nothing dropped (None when nothing is left).
    fn cond(&self, c: &CondSpec) -> Option<String> {
        match c {
            CondSpec::Atom(a) => self.atom(a),
            CondSpec::Not(x) => self.cond(x).map(|x| format!("~({x})")),
            CondSpec::And(xs) | CondSpec::Or(xs) => {
                let op = if matches!(c, CondSpec::And(_)) {
                    " /\\ "
                } else {
                    " \\/ "
                };
                let parts: Vec<String> = xs.iter().filter_map(|x| self.cond(x)).collect();
                (!parts.is_empty()).then(|| format!("({})", parts.join(op)))
            }
        }
    }

    fn or_none(&self, v: Option<u8>) -> String {
        v.map_or("none".to_string(), |v| value(v, self.shape))
    }

    fn atom(&self, a: &AtomSpec) -> Option<String> {
        let memory_only = !self.fs.backing;
        let file = |f: u8| (self.nfiles > 0).then(|| f % self.nfiles);
        Some(match *a {
            AtomSpec::Disk(f, p, v) if !memory_only => {
                format!("disk f{}[{}] = {}", file(f)?, p % 8, value(v, self.shape))
            }
            AtomSpec::Cache(f, p, v) if !self.fs.dax => {
                format!("cache f{}[{}] = {}", file(f)?, p % 8, self.or_none(v))
            }
            AtomSpec::File(f, p, v) => {
                format!("file f{}[{}] = {}", file(f)?, p % 8, self.or_none(v))
            }
            AtomSpec::Mem(m, p, v) if !self.map_pages.is_empty() => {
                let m = m as usize % self.map_pages.len();
                let p = p % self.map_pages[m];
                format!("mem m{m}[{p}] = {}", self.or_none(v))
            }
            AtomSpec::Reg(r, v) if !self.regs.is_empty() => {
                let r = r as usize % self.regs.len();
                let v = if self.regs[r] {
                    ["ok", "EBUSY"][v.unwrap_or(0) as usize % 2].to_string()
                } else {
                    self.or_none(v)
                };
                format!("r{} = {v}", r + 1)
            }
            AtomSpec::Pin(h, e) if self.pins > 0 => {
                let v = e.map_or("ok", |e| Errno::ALL[e as usize % Errno::ALL.len()].name());
                format!("p{} = {v}", h as usize % self.pins)
            }
            _ => return None,
        })
    }
}

/// A number in `lo..=hi`, mostly in the low end (`lo..=lo+2`): scenarios are small unless the
/// bytes insist.
fn small(u: &mut Unstructured, lo: u8, hi: u8) -> Result<u8> {
    if u.ratio(1, 6)? {
        u.int_in_range(lo..=hi)
    } else {
        u.int_in_range(lo..=hi.min(lo + 2))
    }
}

/// How many times a repeated op runs: a few, or up to a counter's limit (16 pins of one page
/// with `refs=50000` overflowed a u16 reference count; 200 is the op limit).
fn times(u: &mut Unstructured) -> Result<u8> {
    Ok(match u.int_in_range(0..=7u8)? {
        0..=3 => u.int_in_range(2..=4)?,
        4 => 16,
        5 => 17,
        6 => 64,
        _ => u.int_in_range(5..=200)?,
    })
}

fn op(u: &mut Unstructured, depth: u8) -> Result<OpSpec> {
    let b = |u: &mut Unstructured| u.arbitrary::<u8>();
    Ok(match u.int_in_range(0..=22u8)? {
        0 => OpSpec::Store(b(u)?, b(u)?, b(u)?),
        1 => OpSpec::Load(b(u)?, b(u)?),
        2 => OpSpec::Write(b(u)?, b(u)?, b(u)?),
        3 => OpSpec::Read(b(u)?, b(u)?),
        4 => OpSpec::Pin {
            dev: b(u)?,
            map: b(u)?,
            start: b(u)?,
            len: b(u)?,
            write: u.arbitrary()?,
            longterm: u.arbitrary()?,
        },
        5 => OpSpec::DmaWrite(b(u)?, b(u)?, b(u)?),
        6 => OpSpec::DmaRead(b(u)?, b(u)?),
        7 => OpSpec::Unpin(b(u)?, u.arbitrary()?),
        8 => OpSpec::Fsync(b(u)?),
        9 => OpSpec::Sync,
        10 => OpSpec::Writeback(b(u)?),
        11 => OpSpec::Truncate(b(u)?, b(u)?),
        12 => OpSpec::Punch(b(u)?, b(u)?),
        13 => OpSpec::Reclaim,
        14 => OpSpec::Freeze,
        15 => OpSpec::Thaw,
        16 => OpSpec::Munmap(b(u)?),
        17 => OpSpec::Mprotect(b(u)?, u.arbitrary()?),
        18 => OpSpec::Seal(b(u)?),
        19 => OpSpec::Fallocate(b(u)?, b(u)?),
        20 => OpSpec::Complete(b(u)?),
        21 => OpSpec::WaitForCompletion(b(u)?),
        _ if depth > 0 => OpSpec::Sync,
        _ => OpSpec::Repeat(times(u)?, Box::new(op(u, depth + 1)?)),
    })
}

fn atom(u: &mut Unstructured) -> Result<AtomSpec> {
    let b = |u: &mut Unstructured| u.arbitrary::<u8>();
    Ok(match u.int_in_range(0..=5u8)? {
        0 => AtomSpec::Disk(b(u)?, b(u)?, b(u)?),
        1 => AtomSpec::Cache(b(u)?, b(u)?, u.arbitrary()?),
        2 => AtomSpec::File(b(u)?, b(u)?, u.arbitrary()?),
        3 => AtomSpec::Mem(b(u)?, b(u)?, u.arbitrary()?),
        4 => AtomSpec::Reg(b(u)?, u.arbitrary()?),
        _ => AtomSpec::Pin(b(u)?, u.arbitrary()?),
    })
}

fn cond(u: &mut Unstructured, depth: u8) -> Result<CondSpec> {
    if depth >= 3 {
        return Ok(CondSpec::Atom(atom(u)?));
    }
    Ok(match u.int_in_range(0..=5u8)? {
        0..=2 => CondSpec::Atom(atom(u)?),
        3 => CondSpec::Not(Box::new(cond(u, depth + 1)?)),
        4 => CondSpec::And(
            (0..small(u, 1, 4)?)
                .map(|_| cond(u, depth + 1))
                .collect::<Result<_>>()?,
        ),
        _ => CondSpec::Or(
            (0..small(u, 1, 4)?)
                .map(|_| cond(u, depth + 1))
                .collect::<Result<_>>()?,
        ),
    })
}

impl Spec {
    /// arbitrary_full() - a spec from a fuzzer's bytes, over everything the language has:
    /// every filesystem, device, op and condition atom, 1 to 8 files, threads and mappings,
    /// `refs=` up to 50,000, ops repeated up to the op limit (render with `Shape::FULL`).
    /// Mostly small: large counts need the bytes to insist.
    /// @u: the bytes; when they run out, the rest is the smallest choice.
    ///
    /// Return: the spec (an error only if `arbitrary` reports one).
    pub fn arbitrary_full(u: &mut Unstructured) -> Result<Spec> {
        let fs = u.choose_index(FILESYSTEMS.len())?;
        let blocks = match u.int_in_range(0..=3u8)? {
            0 => u.int_in_range(0..=64)?,
            1 => 64,
            _ => u.int_in_range(0..=4)?,
        };
        let integrity = u.ratio(1, 6)?;
        let files = (0..small(u, 1, 8)?)
            .map(|_| {
                let pages = small(u, 1, 8)?;
                let data = if u.arbitrary()? {
                    Some(
                        (0..pages)
                            .map(|_| u.arbitrary::<Option<u8>>())
                            .collect::<Result<Vec<_>>>()?,
                    )
                } else {
                    None
                };
                let refs = match u.int_in_range(0..=15u8)? {
                    0 => 1,
                    1 => 1023,
                    2 => 1024,
                    3 => 1100,
                    4 => 50_000,
                    5 => u.int_in_range(0..=50_000)?,
                    _ => 0,
                };
                Ok(FileSpec { pages, data, refs })
            })
            .collect::<Result<Vec<_>>>()?;
        let maps = (0..small(u, 0, 8)?)
            .map(|_| {
                Ok(if u.ratio(3, 4)? {
                    MapSpec::File {
                        file: u.arbitrary()?,
                        shared: u.ratio(2, 3)?,
                        rw: u.ratio(3, 4)?,
                    }
                } else {
                    MapSpec::Anon {
                        pages: small(u, 1, 8)?,
                        rw: u.ratio(3, 4)?,
                    }
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let devices = (0..small(u, 0, 8)?)
            .map(|_| u.choose_index(DEVICES.len()))
            .collect::<Result<Vec<_>>>()?;
        let threads = (0..small(u, 1, 8)?)
            .map(|_| {
                (0..small(u, 1, 12)?)
                    .map(|_| op(u, 0))
                    .collect::<Result<Vec<_>>>()
            })
            .collect::<Result<Vec<_>>>()?;
        let cond = if u.ratio(1, 2)? {
            Some((u.arbitrary()?, cond(u, 0)?))
        } else {
            None
        };
        let mut spec = Spec::from((fs, blocks, integrity, files, maps, devices, threads));
        spec.cond = cond;
        Ok(spec)
    }
}

/// The parts of a spec, in field order: what a generator draws.
pub type SpecParts = (
    usize,
    u8,
    bool,
    Vec<FileSpec>,
    Vec<MapSpec>,
    Vec<usize>,
    Vec<Vec<OpSpec>>,
);

impl From<SpecParts> for Spec {
    /// A spec without a final condition.
    fn from((fs, blocks, integrity, files, maps, devices, threads): SpecParts) -> Spec {
        Spec {
            fs,
            blocks,
            integrity,
            files,
            maps,
            devices,
            threads,
            cond: None,
        }
    }
}

/// generated() - the fuzzer's generator without cargo-fuzz: `cases` scenarios of the FULL shape
/// (`Spec::arbitrary_full`, rendered with `Shape::FULL`), the i-th from the next `base + i * step`
/// bytes of one xorshift stream seeded with `seed`. The same arguments give the same texts.
pub fn generated(seed: u64, cases: usize, base: usize, step: usize) -> Vec<String> {
    generated_shaped(seed, cases, |case| base + case * step, &Shape::FULL)
}

/// generated_shaped() - `generated`, the i-th scenario from the next `bytes(i)` bytes of the
/// stream, rendered with `shape`.
pub fn generated_shaped(
    seed: u64,
    cases: usize,
    bytes: impl Fn(usize) -> usize,
    shape: &Shape,
) -> Vec<String> {
    let mut x = seed.max(1);
    (0..cases)
        .map(|case| {
            let data: Vec<u8> = (0..bytes(case))
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            let spec = Spec::arbitrary_full(&mut Unstructured::new(&data))
                .expect("arbitrary_full takes any bytes");
            render(&spec, shape)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes from a xorshift generator: what a fuzzer would feed, without one.
    fn bytes(seed: u64, n: usize) -> Vec<u8> {
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    /// The FULL generator reaches every op, filesystem, device and condition location of the
    /// language, repeats ops, and mostly writes scenarios the parser accepts.
    #[test]
    fn the_full_generator_covers_the_language() {
        let mut seen = std::collections::HashSet::new();
        let mut parsed = 0;
        let mut most_pins = 0;
        let n = 2_000;
        for seed in 0..n {
            let data = bytes(seed, 64 + seed as usize % 512);
            let spec = Spec::arbitrary_full(&mut Unstructured::new(&data)).unwrap();
            let text = render(&spec, &Shape::FULL);
            for line in text.lines() {
                let mut words = line.split_whitespace();
                let first = words.next().unwrap_or("");
                seen.insert(first.to_string());
                match first {
                    "fs" => seen.extend(words.next().map(str::to_string)),
                    "device" => seen.extend(words.last().map(str::to_string)),
                    _ => {}
                }
                for loc in ["disk ", "cache ", "file ", "mem "] {
                    if (line.starts_with("exists")
                        || line.starts_with("~exists")
                        || line.starts_with("forall"))
                        && line.contains(loc)
                    {
                        seen.insert(format!("cond {loc}"));
                    }
                }
            }
            most_pins = most_pins.max(text.matches("  pin ").count());
            if pinlab_litmus::parse("gen.litmus", &text).is_ok() {
                parsed += 1;
            }
        }
        let mut missing: Vec<String> = pinlab_litmus::operations()
            .iter()
            .map(|(kw, _)| kw.to_string())
            .chain(FILESYSTEMS.iter().map(|f| f.name.to_string()))
            .chain(DEVICES.iter().map(|d| d.name.to_string()))
            .chain(["exists", "~exists", "forall"].map(String::from))
            .chain(["disk ", "cache ", "file ", "mem "].map(|l| format!("cond {l}")))
            .filter(|w| !seen.contains(w))
            .collect();
        missing.sort();
        assert!(missing.is_empty(), "never generated: {missing:?}");
        assert!(most_pins >= 16, "at most {most_pins} pins in one scenario");
        assert!(parsed * 2 > n, "only {parsed} of {n} parse");
    }
}
