//! A trace as data: each kernel call the model makes in a traced step is one `Call` — the kernel
//! function, the objects it acts on, the kind of arrow a sequence diagram draws for it, the state
//! changes the call site knows, and the sentence the text trace prints. The text trace, the SVG
//! diagram and `explain --format json` are three renderings of the same calls (crates/report),
//! so rewording a sentence cannot move an arrow.
//!
//! Calls are built only when the step is traced (`Ctx::call` takes a closure), so the checker's
//! hot loop pays nothing for them.

use crate::scenario::Value;

/// Something a kernel call acts on, by index into the scenario or the state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Object {
    /// A page frame (struct page / folio), `#N` in the sentence.
    Frame(u8),
    /// A disk block (fs-DAX: its persistent memory), `block N` in the sentence.
    Block(u8),
    /// Page `page` of file `file` (the page cache index, or the extent).
    FilePage { file: u8, page: u8 },
    /// The PTE of page `page` of mapping `map`.
    Pte { map: u8, page: u8 },
    /// A mapping (the VMA).
    Map(u8),
    /// A file (the inode).
    File(u8),
    /// A pin handle: the pinned entries of one pin op.
    Handle(u8),
    /// A completion (`complete` / `wait_for_completion`).
    Completion(u8),
    /// The filesystem (the super_block: freeze, thaw).
    Super,
}

/// What a sequence diagram draws for a call: who acts on what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrow {
    /// A kernel call by the acting thread (or device) on what it touches.
    Call,
    /// The page-fault path: the fault handler maps, allocates or copies a page.
    Fault,
    /// The filesystem's ->page_mkwrite (or page_mkwrite_light), called for the page the step
    /// faults on.
    PageMkwrite,
    /// A device reads a frame by DMA.
    DmaRead,
    /// A device writes a frame by DMA.
    DmaWrite,
    /// Writeback submits a bio: page to disk.
    BioSubmit,
    /// The bio completes: disk to page.
    BioComplete,
}

impl Arrow {
    pub const ALL: [Arrow; 7] = [
        Arrow::Call,
        Arrow::Fault,
        Arrow::PageMkwrite,
        Arrow::DmaRead,
        Arrow::DmaWrite,
        Arrow::BioSubmit,
        Arrow::BioComplete,
    ];

    /// The name `explain --format json` gives the arrow.
    pub fn name(self) -> &'static str {
        match self {
            Arrow::Call => "call",
            Arrow::Fault => "fault",
            Arrow::PageMkwrite => "page-mkwrite",
            Arrow::DmaRead => "dma-read",
            Arrow::DmaWrite => "dma-write",
            Arrow::BioSubmit => "bio-submit",
            Arrow::BioComplete => "bio-complete",
        }
    }
}

/// A state change a call makes, where the call site knows it (the full difference between two
/// states is `World::describe_changes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// The frame's content.
    Content { frame: u8, from: Value, to: Value },
    /// The frame's refcount (folio_ref_count()) after the call.
    Refcount { frame: u8, to: u32 },
    /// A folio flag (one `state::pg` bit) set or cleared.
    Flag { frame: u8, flag: u8, set: bool },
    /// The PTE of `map[page]` maps `frame`, writable or not.
    Pte {
        map: u8,
        page: u8,
        frame: u8,
        writable: bool,
    },
    /// The disk block now holds `value`.
    Block { block: u8, value: Value },
    /// `file[page]` is now backed by `block` (allocated or converted).
    Extent { file: u8, page: u8, block: u8 },
    /// The frame was freed.
    Freed { frame: u8 },
}

/// One kernel call of a traced step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// The kernel function (or the user-space access, `store`/`load`) that acts.
    pub function: &'static str,
    /// What the call acts on, in the order the sentence names it.
    pub touches: Vec<Object>,
    pub arrow: Arrow,
    pub changes: Vec<Change>,
    /// The sentence the text trace prints.
    pub text: String,
}

impl Call {
    /// A call of `function` that the text trace prints as `text`; a plain call touching nothing
    /// until the builders below say otherwise.
    pub fn new(function: &'static str, text: impl Into<String>) -> Call {
        Call {
            function,
            touches: Vec::new(),
            arrow: Arrow::Call,
            changes: Vec::new(),
            text: text.into(),
        }
    }

    pub fn arrow(mut self, a: Arrow) -> Call {
        self.arrow = a;
        self
    }

    pub fn touch(mut self, o: Object) -> Call {
        self.touches.push(o);
        self
    }

    pub fn frame(self, fr: u8) -> Call {
        self.touch(Object::Frame(fr))
    }

    pub fn block(self, b: u8) -> Call {
        self.touch(Object::Block(b))
    }

    pub fn file_page(self, file: usize, page: u8) -> Call {
        self.touch(Object::FilePage {
            file: file as u8,
            page,
        })
    }

    pub fn pte(self, map: usize, page: u8) -> Call {
        self.touch(Object::Pte {
            map: map as u8,
            page,
        })
    }

    /// The change that `map`'s PTE of `page` now maps `frame`, writable or not.
    pub fn pte_set(self, map: usize, page: u8, frame: u8, writable: bool) -> Call {
        self.change(Change::Pte {
            map: map as u8,
            page,
            frame,
            writable,
        })
    }

    pub fn change(mut self, c: Change) -> Call {
        self.changes.push(c);
        self
    }

    /// The frames the call touches, in order.
    pub fn frames(&self) -> impl Iterator<Item = u8> + '_ {
        self.touches.iter().filter_map(|o| match *o {
            Object::Frame(f) => Some(f),
            _ => None,
        })
    }

    /// The disk blocks the call touches, in order.
    pub fn blocks(&self) -> impl Iterator<Item = u8> + '_ {
        self.touches.iter().filter_map(|o| match *o {
            Object::Block(b) => Some(b),
            _ => None,
        })
    }
}

impl std::fmt::Display for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}
