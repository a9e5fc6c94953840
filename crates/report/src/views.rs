//! What a trace shows of a page frame and a disk block at one moment: the diagram's state boxes
//! and the `pages`/`blocks` of `explain --format json` are drawn from the same views, so the
//! picture and the data cannot disagree.

use pinlab_model::state::{Owner, State};
use pinlab_model::World;
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

/// A disk block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BlockView {
    pub block: usize,
    /// None on fs-DAX, where the block's content is its frame's (`PageView` of the same number).
    pub content: Option<String>,
    pub used: bool,
}

/// Frame `fr` in `s`; None while the model has not allocated it.
pub fn page_view(w: &World, s: &State, fr: usize) -> Option<PageView> {
    let f = s.frames.get(fr)?;
    let (owner, fp) = match f.owner {
        Owner::Free => (OwnerKind::Free, None),
        Owner::Cache { file, page } => (OwnerKind::Cache, Some((file, page))),
        Owner::Orphan { file, page } => (OwnerKind::Orphan, Some((file, page))),
        Owner::Anon => (OwnerKind::Anon, None),
        Owner::Bounce { file, page } => (OwnerKind::Bounce, Some((file, page))),
        Owner::Dax { file, page } => (OwnerKind::Dax, Some((file, page))),
        Owner::DaxFree => (OwnerKind::DaxFree, None),
    };
    let mut ptes = Vec::new();
    for (m, md) in w.sc.maps.iter().enumerate() {
        for p in 0..w.map_pages(m) {
            let pte = s.ptes[w.pte(m, p)];
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
        file: fp.map(|(file, _)| w.sc.files[file as usize].name.clone()),
        index: fp.map(|(_, page)| page),
        content: w.content_text(f.content).to_string(),
        flags: pinlab_model::flag_names(f.flags),
        refcount: f.refcount,
        pins: f.pincount,
        ptes,
    })
}

pub fn block_view(w: &World, s: &State, b: usize) -> BlockView {
    let blk = &s.blocks[b];
    BlockView {
        block: b,
        content: (!w.fs.dax).then(|| w.content_text(blk.content).to_string()),
        used: blk.used,
    }
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
