//! What a trace shows of a page frame and a disk block at one moment, and of each kernel call:
//! the diagram's state boxes and the `pages`/`blocks` of `explain --format json` are drawn from
//! the model's `PageView`/`BlockView` (the text trace's lines about frames too), and the JSON's
//! `events` from the same `trace::Call`s the text trace and the diagram render, so the picture
//! and the data cannot disagree.

use pinlab_model::scenario::Scenario;
use pinlab_model::state::{State, NONE};
use pinlab_model::trace::{Call, Change, Object};
use pinlab_model::World;
use serde::Serialize;

pub use pinlab_model::{BlockView, OwnerKind, PageView, PteView};

/// Frame `fr` in `s`; None while the model has not allocated it.
pub fn page_view(w: &World, s: &State, fr: usize) -> Option<PageView> {
    w.page_view(s, fr)
}

pub fn block_view(w: &World, s: &State, b: usize) -> BlockView {
    w.block_view(s, b)
}

/// The frames whose view differs between `a` and `b`, as they are in `b`.
pub fn changed_pages(w: &World, a: &State, b: &State) -> Vec<PageView> {
    (0..b.frames.len())
        .filter_map(|f| {
            let new = page_view(w, b, f)?;
            (page_view(w, a, f).as_ref() != Some(&new)).then_some(new)
        })
        .collect()
}

/// The blocks whose view differs between `a` and `b`, as they are in `b`.
pub fn changed_blocks(w: &World, a: &State, b: &State) -> Vec<BlockView> {
    (0..b.blocks.len())
        .map(|k| block_view(w, b, k))
        .filter(|v| *v != block_view(w, a, v.block))
        .collect()
}

/// An object a call touches, named as the litmus file names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ObjectView {
    Frame { frame: u8 },
    Block { block: u8 },
    FilePage { file: String, page: u8 },
    Pte { map: String, page: u8 },
    Map { map: String },
    File { file: String },
    Handle { handle: String },
    Completion { completion: String },
    Super,
}

/// A state change a call made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ChangeView {
    Content {
        frame: u8,
        from: String,
        to: String,
    },
    Refcount {
        frame: u8,
        to: u32,
    },
    Flag {
        frame: u8,
        flag: &'static str,
        set: bool,
    },
    Pte {
        map: String,
        page: u8,
        frame: u8,
        writable: bool,
    },
    Block {
        block: u8,
        value: String,
    },
    /// `block` null: the extent is gone (a hole).
    Extent {
        file: String,
        page: u8,
        block: Option<u8>,
    },
    Freed {
        frame: u8,
    },
}

/// One kernel call of a step (`explain --format json`'s `events`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventView {
    /// The kernel function.
    pub function: &'static str,
    pub touches: Vec<ObjectView>,
    pub arrow: &'static str,
    pub changes: Vec<ChangeView>,
    /// The sentence the text trace prints (the step's `calls` entry).
    pub text: String,
}

fn object_view(sc: &Scenario, o: Object) -> ObjectView {
    let file = |f: u8| sc.files[f as usize].name.clone();
    let map = |m: u8| sc.maps[m as usize].name.clone();
    match o {
        Object::Frame(frame) => ObjectView::Frame { frame },
        Object::Block(block) => ObjectView::Block { block },
        Object::FilePage { file: f, page } => ObjectView::FilePage {
            file: file(f),
            page,
        },
        Object::Pte { map: m, page } => ObjectView::Pte { map: map(m), page },
        Object::Map(m) => ObjectView::Map { map: map(m) },
        Object::File(f) => ObjectView::File { file: file(f) },
        Object::Handle(h) => ObjectView::Handle {
            handle: sc.handles[h as usize].clone(),
        },
        Object::Completion(c) => ObjectView::Completion {
            completion: sc.completions[c as usize].clone(),
        },
        Object::Super => ObjectView::Super,
    }
}

fn change_view(sc: &Scenario, c: Change) -> ChangeView {
    let value = |v| sc.value_name(v).to_string();
    match c {
        Change::Content { frame, from, to } => ChangeView::Content {
            frame,
            from: value(from),
            to: value(to),
        },
        Change::Refcount { frame, to } => ChangeView::Refcount { frame, to },
        Change::Flag { frame, flag, set } => ChangeView::Flag {
            frame,
            flag: pinlab_model::flag_names(flag)
                .first()
                .copied()
                .unwrap_or("none"),
            set,
        },
        Change::Pte {
            map,
            page,
            frame,
            writable,
        } => ChangeView::Pte {
            map: sc.maps[map as usize].name.clone(),
            page,
            frame,
            writable,
        },
        Change::Block { block, value: v } => ChangeView::Block {
            block,
            value: value(v),
        },
        Change::Extent { file, page, block } => ChangeView::Extent {
            file: sc.files[file as usize].name.clone(),
            page,
            block: (block != NONE).then_some(block),
        },
        Change::Freed { frame } => ChangeView::Freed { frame },
    }
}

/// A call as `explain --format json` shows it.
pub fn event_view(sc: &Scenario, c: &Call) -> EventView {
    EventView {
        function: c.function,
        touches: c.touches.iter().map(|&o| object_view(sc, o)).collect(),
        arrow: c.arrow.name(),
        changes: c.changes.iter().map(|&ch| change_view(sc, ch)).collect(),
        text: c.text.clone(),
    }
}
