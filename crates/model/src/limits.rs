//! The limits a scenario must keep (the litmus parser enforces them, with a position and a hint)
//! and the bound each puts on a counter the model keeps in its states. Every integer in `State`
//! is bounded here, at compile time, by these limits — or by [`frames_needed`], which the
//! parser checks per scenario. A counter that wrapped would be a wrong verdict, not a crash.
//!
//! | counter (`state.rs`) | type | bound | why |
//! |---|---|---|---|
//! | `Frame::refcount` | u32 (3 bytes encoded) | [`MAX_REFCOUNT`] | cache + PTEs + btrfs fixup + `refs=` + one pin per pin op (1024 each) |
//! | `Frame::pincount` | u8 | [`MAX_OPS`] | one per pin op that holds the frame |
//! | `Frame::mapcount` | u8 | [`MAX_MAPS`] | one PTE per mapping |
//! | `Frame::gen` | u8 | 1 + [`MAX_OPS`] | an op allocates a frame number at most once (checked: `alloc_frame`) |
//! | frame numbers (`Pte::frame`, `PageSlot::cache`, `pinned`, `aux`) | u8, `NONE` = 255 | [`MAX_FRAMES`] | [`frames_needed`], checked by the parser |
//! | block numbers (`PageSlot::block`, `wb_block`) | u8 | [`MAX_DISK_BLOCKS`] | initial data + `blocks=` |
//! | write ids (`Content::write`, `durable`, `promises`) and `acks`, `next_ack` | u8 | [`MAX_OPS`] | one per store, write or DMA write |
//! | `ThreadState::pc` | u8 | [`MAX_OPS`] | |
//! | `ThreadState::cursor` | u8 | `MAX_FILES * MAX_FILE_PAGES` | a page of a pass, or a page slot (reclaim) |
//! | `completions` | u8 | [`MAX_OPS`] | one per `complete` op |
//! | `sizes`, page indexes | u8 | [`MAX_FILE_PAGES`] | |
//! | `Value` | u8 | [`MAX_VALUES`] + 1 | `0` and the scenario's values |
//! | `sealed` | u8 bit mask | [`MAX_FILES`] bits | |
//! | encoded vector lengths, encoded state length | u16 | [`MAX_ENCODED_STATE`] | |

use crate::design::GUP_PIN_COUNTING_BIAS;
use crate::scenario::{MapKind, Op, Scenario};
use crate::state::NONE;

/// Most pages a file has (files grow by write(2), fallocate and truncate up to it), and most
/// pages of an anonymous mapping.
pub const MAX_FILE_PAGES: u8 = 8;
/// Most files, and most mappings (anonymous ones included), in one scenario.
pub const MAX_FILES: usize = 8;
pub const MAX_MAPS: usize = 8;
/// Most threads in a scenario (the filesystem's kernel threads come on top).
pub const MAX_THREADS: usize = 8;
/// Most ops in one scenario, all threads together.
pub const MAX_OPS: usize = 200;
/// Most distinct values besides the initial content `0`.
pub const MAX_VALUES: usize = 200;
/// Most free data blocks (`fs ... blocks=N`).
pub const MAX_BLOCKS: u8 = 64;
/// Most `refs=K`.
pub const MAX_REFS: u16 = 50_000;
/// Free data blocks when `blocks=` is not given.
pub const DEFAULT_BLOCKS: u8 = 16;

/// Most frames a state has: frame numbers are bytes, and `NONE` (255) means no frame.
pub const MAX_FRAMES: usize = NONE as usize;
/// Most disk blocks: every page of every file with initial data, and the free ones.
pub const MAX_DISK_BLOCKS: usize = MAX_FILES * MAX_FILE_PAGES as usize + MAX_BLOCKS as usize;
/// Kernel threads a filesystem adds (btrfs's fixup worker).
const MAX_KERNEL_THREADS: usize = 1;

/// folio_ref_count() at most: the page cache's reference, one per mapping's PTE, btrfs's fixup
/// worker's, `refs=K`, and one pin per pin op (each pin op holds a frame at most once: its pages
/// are distinct), at GUP_PIN_COUNTING_BIAS each. The kernel's is an atomic_t; the model's a u32,
/// encoded in three bytes.
pub const MAX_REFCOUNT: u32 =
    1 + MAX_MAPS as u32 + 1 + MAX_REFS as u32 + MAX_OPS as u32 * GUP_PIN_COUNTING_BIAS as u32;

/// Longest encoded state (`State::encode`): every vector at its largest.
pub const MAX_ENCODED_STATE: usize = {
    let vec = 2; // each vector's u16 length
    let threads = (MAX_THREADS + MAX_KERNEL_THREADS) * 4;
    let frames = MAX_FRAMES * crate::state::FRAME_BYTES;
    let sizes = MAX_FILES;
    let pages = MAX_FILES * MAX_FILE_PAGES as usize * 4;
    let blocks = MAX_DISK_BLOCKS * 3;
    let maps = MAX_MAPS;
    let ptes = MAX_MAPS * MAX_FILE_PAGES as usize * 2;
    let handles = MAX_OPS;
    let pinned = MAX_OPS * MAX_FILE_PAGES as usize * 2;
    let regs = MAX_OPS * 2;
    let acks = MAX_OPS + 1;
    let promises = MAX_THREADS * MAX_FILES * MAX_FILE_PAGES as usize;
    let completions = MAX_OPS;
    13 * vec
        + threads
        + frames
        + sizes
        + pages
        + blocks
        + maps
        + ptes
        + handles
        + pinned
        + regs
        + acks
        + promises
        + completions
        + 3
};

// What the bounds above must fit in.
const _: () = assert!(
    MAX_REFCOUNT < 1 << 24,
    "Frame::refcount is encoded in 3 bytes"
);
const _: () = assert!(
    MAX_OPS < u8::MAX as usize,
    "pc, pincount, write ids, acks, gen"
);
const _: () = assert!(MAX_MAPS < u8::MAX as usize, "mapcount");
const _: () = assert!(MAX_VALUES < u8::MAX as usize, "Value");
const _: () = assert!(MAX_FILES <= 8, "sealed is a bit per file");
const _: () = assert!(MAX_DISK_BLOCKS < NONE as usize, "block numbers");
const _: () = assert!(
    MAX_FILES * MAX_FILE_PAGES as usize <= u8::MAX as usize,
    "pass and reclaim cursors"
);
const _: () = assert!(MAX_ENCODED_STATE <= u16::MAX as usize, "encoded lengths");

/// The frames every state of `sc` may hold besides those its pins add (see `frames_needed`):
/// fs-DAX storage (one frame per block, for the whole run) or a page-cache page per file page
/// slot, one per mapped page (anonymous pages, COW copies), the pages `refs=` files' holders
/// keep (orphans once truncated), and one a step allocates while the frame it replaces is still
/// held (a COW copy).
pub fn frames_base(sc: &Scenario) -> usize {
    let dax = sc.fs.kind.rules().dax;
    let storage = if dax {
        let data: usize = sc
            .files
            .iter()
            .map(|f| f.data.iter().filter(|d| d.is_some()).count())
            .sum();
        data + sc.fs.blocks as usize
    } else {
        sc.files.len() * MAX_FILE_PAGES as usize
    };
    let mapped: usize = sc.maps.iter().map(|m| m.pages(&sc.files) as usize).sum();
    let refs: usize = if dax {
        0
    } else {
        sc.files
            .iter()
            .filter(|f| f.refs > 0)
            .map(|f| f.pages as usize)
            .sum()
    };
    storage + mapped + refs + 1
}

/// The frames a pin of `pages` pages may add: per page the frame it holds once nothing else
/// does (an orphan, an unmapped anonymous page, a gup-bounce copy), and the orphan btrfs's fixup
/// worker may hold after an `unpin P dirty` of it dirtied it behind the filesystem's back.
pub fn frames_per_pin(pages: u8) -> usize {
    2 * pages as usize
}

/// frames_needed() - an upper bound on the frames any state of `sc` holds, under any design:
/// every frame that is not free is held by a reference (page cache, PTE, pin, `refs=`, btrfs's
/// fixup worker) or is fs-DAX storage. The parser refuses a scenario whose bound passes
/// [`MAX_FRAMES`]; `alloc_frame` checks it.
pub fn frames_needed(sc: &Scenario) -> usize {
    let pins: usize = sc
        .threads
        .iter()
        .flat_map(|t| &t.ops)
        .map(|o| match o.op {
            Op::Pin { start, end, .. } => frames_per_pin(end - start),
            _ => 0,
        })
        .sum();
    frames_base(sc) + pins
}

/// A scenario past one of the limits the model's counters are sized for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the scenario has too many {what} for the model")]
pub struct TooLarge {
    /// What there is too much of: "threads", "page frames", ...
    pub what: &'static str,
}

/// within_limits() - whether a scenario keeps the limits the model's counters are sized for
/// (the parser's limits, and [`frames_needed`]); `World::new` insists on it, so a scenario
/// built by hand cannot make a counter wrap either.
///
/// Return: Ok, or the first limit it passes.
pub fn within_limits(sc: &Scenario) -> Result<(), TooLarge> {
    let ops: usize = sc.threads.iter().map(|t| t.ops.len()).sum();
    let checks = [
        (sc.files.len() <= MAX_FILES, "files"),
        (sc.maps.len() <= MAX_MAPS, "mappings"),
        ((1..=MAX_THREADS).contains(&sc.threads.len()), "threads"),
        (ops <= MAX_OPS, "operations"),
        (sc.values.len() <= MAX_VALUES + 1, "values"),
        (sc.fs.blocks <= MAX_BLOCKS, "blocks"),
        (
            sc.files.iter().all(|f| {
                (1..=MAX_FILE_PAGES).contains(&f.pages)
                    && f.data.len() == f.pages as usize
                    && f.refs <= MAX_REFS
            }),
            "file pages, data or refs",
        ),
        (
            sc.maps.iter().all(|m| match m.kind {
                MapKind::Anon { pages, .. } => (1..=MAX_FILE_PAGES).contains(&pages),
                MapKind::File { .. } => true,
            }),
            "anonymous mapping pages",
        ),
        (frames_needed(sc) <= MAX_FRAMES, "page frames"),
    ];
    match checks.iter().find(|(ok, _)| !ok) {
        Some((_, what)) => Err(TooLarge { what }),
        None => Ok(()),
    }
}
