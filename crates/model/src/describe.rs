//! How steps and states read in a trace: litmus op text and state differences, in the names a
//! kernel developer uses (frame #N, PG_dirty, PTE rw/ro, block N).
//!
//! A page frame and a disk block at one moment are `PageView` and `BlockView`: the text trace's
//! lines about a frame, the diagram's state boxes and the `pages`/`blocks` of
//! `explain --format json` are all drawn from them, so the renderings cannot disagree about
//! who owns a page, what it holds, or which flags it has.

use crate::scenario::{Observed, Op, PinResult, Scenario};
use crate::state::{pg, Content, Owner, Pte, State, NONE};
use crate::world::World;
use serde::Serialize;

/// A PTE that maps a frame.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PteView {
    pub map: String,
    pub page: u8,
    pub writable: bool,
}

/// Who a frame belongs to (`Owner` without its file page).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OwnerKind {
    Free,
    /// In the page cache.
    Cache,
    /// Truncated while held: mapping NULL.
    Orphan,
    /// Anonymous memory, or a COW copy of a private file mapping.
    Anon,
    /// A gup-bounce page.
    Bounce,
    /// The persistent memory of a block in use (fs-DAX).
    Dax,
    /// The persistent memory of a free block.
    DaxFree,
}

impl OwnerKind {
    /// The kind of `o`, and the file page it belongs to or stands for.
    pub fn of(o: Owner) -> (OwnerKind, Option<(u8, u8)>) {
        match o {
            Owner::Free => (OwnerKind::Free, None),
            Owner::Cache { file, page } => (OwnerKind::Cache, Some((file, page))),
            Owner::Orphan { file, page } => (OwnerKind::Orphan, Some((file, page))),
            Owner::Anon => (OwnerKind::Anon, None),
            Owner::Bounce { file, page } => (OwnerKind::Bounce, Some((file, page))),
            Owner::Dax { file, page } => (OwnerKind::Dax, Some((file, page))),
            Owner::DaxFree => (OwnerKind::DaxFree, None),
        }
    }
}

/// A page frame (struct page / folio).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PageView {
    pub frame: usize,
    pub owner: OwnerKind,
    /// The file page the frame belongs to or stands for, if any.
    pub file: Option<String>,
    pub index: Option<u8>,
    pub content: String,
    pub flags: Vec<&'static str>,
    /// folio_ref_count(): a FOLL_PIN adds 1024.
    pub refcount: u32,
    /// DMA handles holding the frame.
    pub pins: u8,
    pub ptes: Vec<PteView>,
}

impl PageView {
    /// The file page as traces name it (`f[0]`); `[0]` for a frame of no file.
    pub fn file_page(&self) -> String {
        format!(
            "{}[{}]",
            self.file.as_deref().unwrap_or(""),
            self.index.unwrap_or(0)
        )
    }

    /// The folio flags as traces show them: `dirty|writeback`, or `clean`.
    pub fn flags_text(&self) -> String {
        flags_text(&self.flags)
    }
}

/// A disk block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BlockView {
    pub block: usize,
    /// None on fs-DAX, where the block's content is its frame's (`PageView` of the same number).
    pub content: Option<String>,
    pub used: bool,
}

fn flags_text(names: &[&str]) -> String {
    if names.is_empty() {
        "clean".into()
    } else {
        names.join("|")
    }
}

impl Scenario {
    /// The op as written in the litmus language.
    pub fn op_text(&self, op: &Op) -> String {
        let v = |x: crate::scenario::Value| self.value_name(x).to_string();
        match *op {
            Op::Store { map, page, value } => {
                format!("store {}[{page}] = {}", self.maps[map].name, v(value))
            }
            Op::Load { map, page, reg } => {
                format!("load {}[{page}] -> {}", self.maps[map].name, self.regs[reg])
            }
            Op::Write { file, page, value } => {
                format!("write {}[{page}] = {}", self.files[file].name, v(value))
            }
            Op::Read { file, page, reg } => format!(
                "read {}[{page}] -> {}",
                self.files[file].name, self.regs[reg]
            ),
            Op::Pin {
                handle,
                device,
                map,
                start,
                end,
                write,
                longterm,
            } => format!(
                "pin {} = {} {}[{start}..{end}]{}{}",
                self.handles[handle],
                self.devices[device].name,
                self.maps[map].name,
                if write { " write" } else { "" },
                if longterm { " longterm" } else { "" }
            ),
            Op::DmaWrite {
                handle,
                page,
                value,
            } => format!("dma {}[{page}] = {}", self.handles[handle], v(value)),
            Op::DmaRead { handle, page, reg } => {
                format!("dma {}[{page}] -> {}", self.handles[handle], self.regs[reg])
            }
            Op::Unpin { handle, dirty } => format!(
                "unpin {}{}",
                self.handles[handle],
                if dirty { " dirty" } else { "" }
            ),
            Op::Fsync { file } => format!("fsync {}", self.files[file].name),
            Op::Sync => "sync".into(),
            Op::Writeback { file } => format!("writeback {}", self.files[file].name),
            Op::Truncate { file, pages } => format!("truncate {} {pages}", self.files[file].name),
            Op::Punch { file, page } => format!("punch {} {page}", self.files[file].name),
            Op::Reclaim => "reclaim".into(),
            Op::Freeze => "freeze".into(),
            Op::Thaw => "thaw".into(),
            Op::Munmap { map } => format!("munmap {}", self.maps[map].name),
            Op::Mprotect { map, writable } => format!(
                "mprotect {} {}",
                self.maps[map].name,
                if writable { "rw" } else { "ro" }
            ),
            Op::Seal { file, reg } => {
                format!("seal {} write -> {}", self.files[file].name, self.regs[reg])
            }
            Op::Fallocate { file, page } => format!("fallocate {} {page}", self.files[file].name),
            Op::Complete { completion } => format!("complete {}", self.completions[completion]),
            Op::WaitForCompletion { completion } => {
                format!("wait_for_completion {}", self.completions[completion])
            }
        }
    }

    pub fn observed_text(&self, o: Observed) -> String {
        match o {
            Observed::Val(v) => self.value_name(v).to_string(),
            Observed::None => "none".into(),
            Observed::Pin(PinResult::Ok) => "ok".into(),
            Observed::Pin(PinResult::Pending) => "pending".into(),
            Observed::Pin(PinResult::Err(e)) => e.name().into(),
        }
    }
}

/// Folio flags as traces name them, in the order they are listed.
const FLAG_NAMES: &[(u8, &str)] = &[
    (pg::DIRTY, "dirty"),
    (pg::WRITEBACK, "writeback"),
    (pg::PRIVATE, "private"),
    (pg::FS_CLEAN, "fs-clean"),
    (pg::BOUNCE, "bounce"),
    (pg::CHECKED, "checked"),
    (pg::GUP_WRITEBACK, "gup-writeback"),
    (pg::GOT, "got"),
];

/// The names of the folio flags set in `flags`, in trace order.
pub fn flag_names(flags: u8) -> Vec<&'static str> {
    FLAG_NAMES
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|&(_, name)| name)
        .collect()
}

impl World<'_> {
    /// Frame `fr` in `s`; None while the model has not allocated it.
    pub fn page_view(&self, s: &State, fr: usize) -> Option<PageView> {
        let f = s.frames.get(fr)?;
        let (owner, fp) = OwnerKind::of(f.owner);
        let mut ptes = Vec::new();
        for (m, md) in self.sc.maps.iter().enumerate() {
            for p in 0..self.map_pages(m) {
                let pte = s.ptes[self.pte(m, p)];
                if pte.frame as usize == fr {
                    ptes.push(PteView {
                        map: md.name.clone(),
                        page: p,
                        writable: pte.writable,
                    });
                }
            }
        }
        Some(PageView {
            frame: fr,
            owner,
            file: fp.map(|(file, _)| self.sc.files[file as usize].name.clone()),
            index: fp.map(|(_, page)| page),
            content: self.content_text(f.content).to_string(),
            flags: flag_names(f.flags),
            refcount: f.refcount,
            pins: f.pincount,
            ptes,
        })
    }

    /// Disk block `b` in `s`.
    pub fn block_view(&self, s: &State, b: usize) -> BlockView {
        let blk = &s.blocks[b];
        BlockView {
            block: b,
            content: (!self.fs.dax).then(|| self.content_text(blk.content).to_string()),
            used: blk.used,
        }
    }

    /// The litmus name of a content's value.
    pub fn content_text(&self, c: Content) -> &str {
        self.sc.value_name(c.value)
    }

    /// Who a frame belongs to, in words (`f[0] in the page cache`, `orphan of f[0] …`).
    pub fn owner_text(&self, o: Owner) -> String {
        let (kind, fp) = OwnerKind::of(o);
        let fp = || {
            let (file, page) = fp.expect("an owner with a file page");
            format!("{}[{page}]", self.sc.files[file as usize].name)
        };
        match kind {
            OwnerKind::Free => "free".into(),
            OwnerKind::Cache => format!("{} in the page cache", fp()),
            OwnerKind::Orphan => format!("orphan of {} (mapping NULL)", fp()),
            OwnerKind::Anon => "anonymous".into(),
            OwnerKind::Bounce => format!("gup-bounce page for {}", fp()),
            OwnerKind::Dax => format!("DAX storage of {}", fp()),
            OwnerKind::DaxFree => "DAX storage, free".into(),
        }
    }

    /// A frame that appeared in a step, in one line.
    fn frame_text(&self, s: &State, i: usize) -> String {
        let v = self.page_view(s, i).expect("a frame of the state");
        format!(
            "#{i} {} = {}, refcount {}, {}",
            self.owner_text(s.frames[i].owner),
            v.content,
            v.refcount,
            v.flags_text()
        )
    }

    fn pte_text(&self, p: Pte) -> String {
        if p.frame == NONE {
            "none".into()
        } else {
            format!("#{} {}", p.frame, if p.writable { "rw" } else { "ro" })
        }
    }

    /// What changed between two states, one line per object.
    pub fn describe_changes(&self, a: &State, b: &State) -> Vec<String> {
        let mut out = Vec::new();
        for (i, fb) in b.frames.iter().enumerate() {
            match a.frames.get(i) {
                Some(fa) if fa == fb => {}
                Some(fa) if fb.owner == Owner::Free && fa.owner != Owner::Free => {
                    out.push(format!("#{i} freed"))
                }
                Some(fa) if fa.owner != Owner::Free && fa.gen == fb.gen => {
                    let mut parts = Vec::new();
                    if fa.owner != fb.owner {
                        parts.push(self.owner_text(fb.owner));
                    }
                    if fa.content != fb.content {
                        parts.push(format!(
                            "content {} -> {}",
                            self.content_text(fa.content),
                            self.content_text(fb.content)
                        ));
                    }
                    for &(bit, name) in FLAG_NAMES {
                        match (fa.flags & bit != 0, fb.flags & bit != 0) {
                            (false, true) => parts.push(format!("+{name}")),
                            (true, false) => parts.push(format!("-{name}")),
                            _ => {}
                        }
                    }
                    if fa.refcount != fb.refcount {
                        parts.push(format!("refcount {} -> {}", fa.refcount, fb.refcount));
                    }
                    if !parts.is_empty() {
                        out.push(format!("#{i} {}", parts.join(", ")));
                    }
                }
                _ => out.push(format!("{} (new)", self.frame_text(b, i))),
            }
        }
        for (m, md) in self.sc.maps.iter().enumerate() {
            for p in 0..self.map_pages(m) {
                let i = self.pte(m, p);
                if a.ptes[i] != b.ptes[i] {
                    out.push(format!(
                        "PTE {}[{p}]: {} -> {}",
                        md.name,
                        self.pte_text(a.ptes[i]),
                        self.pte_text(b.ptes[i])
                    ));
                }
            }
            if a.maps[m] != b.maps[m] {
                out.push(format!(
                    "VMA {}: {}",
                    md.name,
                    if !b.maps[m].mapped {
                        "unmapped".into()
                    } else if b.maps[m].writable {
                        "PROT_READ|PROT_WRITE".to_string()
                    } else {
                        "PROT_READ".into()
                    }
                ));
            }
        }
        for (f, fd) in self.sc.files.iter().enumerate() {
            if a.sizes[f] != b.sizes[f] {
                out.push(format!(
                    "i_size({}) {} -> {} pages",
                    fd.name, a.sizes[f], b.sizes[f]
                ));
            }
            for p in 0..crate::world::MAX_FILE_PAGES {
                let i = self.slot(f, p);
                let (x, y) = (a.pages[i], b.pages[i]);
                if x.block != y.block {
                    let bt = |b: u8| {
                        if b == NONE {
                            "hole".to_string()
                        } else {
                            format!("block {b}")
                        }
                    };
                    out.push(format!(
                        "extent {}[{p}]: {} -> {}",
                        fd.name,
                        bt(x.block),
                        bt(y.block)
                    ));
                }
                if x.reserved != y.reserved {
                    out.push(format!(
                        "{}[{p}]: reservation {}",
                        fd.name,
                        if y.reserved {
                            "taken"
                        } else {
                            "consumed/released"
                        }
                    ));
                }
            }
        }
        for (i, (x, y)) in a.blocks.iter().zip(&b.blocks).enumerate() {
            if x.content != y.content {
                out.push(format!(
                    "disk block {i}: {} -> {}",
                    self.content_text(x.content),
                    self.content_text(y.content)
                ));
            }
            if x.used != y.used {
                out.push(format!(
                    "disk block {i} {}",
                    if y.used { "allocated" } else { "freed" }
                ));
            }
        }
        if a.free_blocks() != b.free_blocks() {
            out.push(format!(
                "free blocks {} -> {}",
                a.free_blocks(),
                b.free_blocks()
            ));
        }
        for (h, (x, y)) in a.handles.iter().zip(&b.handles).enumerate() {
            if x.result != y.result {
                out.push(format!(
                    "{} = {}",
                    self.sc.handles[h],
                    self.sc.observed_text(Observed::Pin(y.result))
                ));
            }
            if x.released != y.released {
                out.push(format!("{} released", self.sc.handles[h]));
            }
        }
        for (r, (x, y)) in a.regs.iter().zip(&b.regs).enumerate() {
            if x != y {
                out.push(format!(
                    "{} = {}",
                    self.sc.regs[r],
                    self.sc.observed_text(*y)
                ));
            }
        }
        for (f, fd) in self.sc.files.iter().enumerate() {
            if (a.sealed ^ b.sealed) & (1 << f) != 0 {
                out.push(format!("{}: F_SEAL_WRITE", fd.name));
            }
        }
        if a.freeze != b.freeze {
            out.push(
                match b.freeze {
                    crate::state::freeze::UNFROZEN => "filesystem thawed",
                    crate::state::freeze::WRITE => "freezing: writers wait (SB_FREEZE_WRITE)",
                    crate::state::freeze::PAGEFAULT => {
                        "freezing: write faults wait (SB_FREEZE_PAGEFAULT)"
                    }
                    _ => "filesystem frozen",
                }
                .into(),
            );
        }
        for (c, name) in self.sc.completions.iter().enumerate() {
            if a.completions[c] != b.completions[c] {
                out.push(format!("completion {name}: {} pending", b.completions[c]));
            }
        }
        for (i, (x, y)) in a.pages.iter().zip(&b.pages).enumerate() {
            if x.unwritten && !y.unwritten && y.block == x.block {
                let (f, p) = (
                    i / crate::world::MAX_FILE_PAGES as usize,
                    i % crate::world::MAX_FILE_PAGES as usize,
                );
                out.push(format!(
                    "extent {}[{p}]: unwritten -> written",
                    self.sc.files[f].name
                ));
            }
        }
        out
    }
}
