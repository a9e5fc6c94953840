//! Designs: a tracking mechanism (how the kernel knows a page is pinned) × a handling (what it
//! does about a pinned page). Both axes are data plus small hooks, so any pair combines.
//!
//! Adding a tracking mechanism or a handling is one new file and one line in `TRACKINGS` or
//! `HANDLINGS`; adding a preset is one line in `PRESETS`.

mod get;
mod none;
mod pincount;
mod put_user_page;
mod refuse_longterm;
mod upstream;
mod wait;

use crate::fs::FsRules;
use crate::scenario::Errno;

pub static TRACKINGS: &[&Tracking] = &[
    &get::GET,
    &put_user_page::PUT_USER_PAGE,
    &pincount::PINCOUNT,
];

pub static HANDLINGS: &[&Handling] = &[
    &none::NONE,
    &wait::WAIT,
    &refuse_longterm::REFUSE_LONGTERM,
    &upstream::UPSTREAM,
];

/// Presets: the seeds' proposals by name, as (preset, tracking, handling, where it comes from).
pub static PRESETS: &[Preset] = &[
    Preset { name: "legacy", tracking: "get", handling: "none", source: "get_user_pages() as originally designed: the state seed 002 starts from" },
    Preset { name: "put-user-page", tracking: "put-user-page", handling: "none", source: "seed 000: John Hubbard's put_user_page*() placeholder API" },
    Preset { name: "pin-wait", tracking: "pincount", handling: "wait", source: "seed 002: track GUP references and block unmap/write-protect until they drop" },
    Preset { name: "longterm-refuse", tracking: "get", handling: "refuse-longterm", source: "seed 000 (Lameter): refuse long-term GUP on real filesystem pages" },
    Preset { name: "upstream", tracking: "pincount", handling: "upstream", source: "research/kernel-gup.md: Linux today (FOLL_PIN v5.7, writable FOLL_LONGTERM refused on dirty-tracked files v6.5)" },
];

#[derive(Debug)]
pub struct Preset {
    pub name: &'static str,
    pub tracking: &'static str,
    pub handling: &'static str,
    pub source: &'static str,
}

/// How a GUP reference taken for DMA is recorded on the folio.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinRef {
    /// An ordinary reference (`folio_get`): indistinguishable from any other.
    Plain,
    /// FOLL_PIN on a small folio: `GUP_PIN_COUNTING_BIAS` (1024) added to the refcount;
    /// `folio_maybe_dma_pinned()` is `refcount >= 1024` (false positives, never false negatives).
    Bias,
}

/// The 1024 of `GUP_PIN_COUNTING_BIAS` (include/linux/mm.h).
pub const GUP_PIN_COUNTING_BIAS: u16 = 1024;

#[derive(Debug)]
pub struct Tracking {
    pub name: &'static str,
    pub summary: &'static str,
    pub seed: &'static str,
    pub pin_ref: PinRef,
    /// Kernel function names used in traces.
    pub pin_fn: &'static str,
    pub unpin_fn: &'static str,
    pub unpin_dirty_fn: &'static str,
}

/// What a writeback, truncate or reclaim does when it meets a page `folio_maybe_dma_pinned()`
/// reports pinned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnPinned {
    /// Go ahead as if it were not pinned.
    Proceed,
    /// Wait until it is unpinned.
    Wait,
    /// (reclaim only) unmap it but keep it cached with its buffers (`shrink_folio_list`'s
    /// `activate_locked` for maybe-pinned folios, v6.4).
    KeepBuffers,
}

/// The facts about a pin request a handling decides on (`check_vma_flags` and friends).
#[derive(Clone, Copy, Debug)]
pub struct PinRequest {
    /// The filesystem of a file mapping; `None` for anonymous memory.
    pub fs: Option<&'static FsRules>,
    pub shared: bool,
    pub vma_writable: bool,
    pub write: bool,
    pub longterm: bool,
}

impl PinRequest {
    /// `vma_needs_dirty_tracking()` (mm/mmap.c): a shared writable file mapping whose filesystem
    /// has `->page_mkwrite` or can write back.
    pub fn vma_needs_dirty_tracking(&self) -> bool {
        match self.fs {
            Some(fs) => self.shared && self.vma_writable && (fs.page_mkwrite || fs.backing),
            None => false,
        }
    }
}

#[derive(Debug)]
pub struct Handling {
    pub name: &'static str,
    pub summary: &'static str,
    pub seed: &'static str,
    /// Only used by a preset (not one of DESIGN §2's combinable handlings).
    pub preset_only: bool,
    /// The handling's veto on a pin, checked per VMA before any page is faulted in.
    pub refuse: fn(&PinRequest) -> Option<Errno>,
    pub writeback_pinned: OnPinned,
    pub truncate_pinned: OnPinned,
    pub reclaim_pinned: OnPinned,
    /// `gup_must_unshare()` (v6.2): a read-only long-term pin of a page-cache page in a private
    /// mapping gets an exclusive anonymous copy, so it sees later writes through the mapping.
    pub unshare_ro_longterm_private: bool,
}

pub fn allow_all(_: &PinRequest) -> Option<Errno> {
    None
}

/// A design: one tracking mechanism and one handling.
#[derive(Clone, Copy, Debug)]
pub struct Design {
    pub tracking: &'static Tracking,
    pub handling: &'static Handling,
    /// The preset this design was named by, if any.
    pub preset: Option<&'static str>,
}

impl Design {
    /// The name to print: the preset's, else `tracking+handling`.
    pub fn name(&self) -> String {
        match self.preset {
            Some(p) => p.to_string(),
            None => format!("{}+{}", self.tracking.name, self.handling.name),
        }
    }

    pub fn preset(name: &str) -> Option<Design> {
        let p = PRESETS.iter().find(|p| p.name == name)?;
        Some(Design {
            tracking: tracking(p.tracking)?,
            handling: handling(p.handling)?,
            preset: Some(p.name),
        })
    }

    /// All presets, in `PRESETS` order.
    pub fn presets() -> Vec<Design> {
        PRESETS
            .iter()
            .filter_map(|p| Design::preset(p.name))
            .collect()
    }

    /// Parses a preset name or `TRACKING+HANDLING`. The error is one line with a hint.
    pub fn parse(s: &str) -> Result<Design, String> {
        if let Some(d) = Design::preset(s) {
            return Ok(d);
        }
        if let Some((t, h)) = s.split_once('+') {
            let tr = tracking(t).ok_or_else(|| {
                format!(
                    "unknown tracking mechanism `{t}`; known: {}",
                    TRACKINGS
                        .iter()
                        .map(|t| t.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            let ha = handling(h).ok_or_else(|| {
                format!(
                    "unknown handling `{h}`; known: {}",
                    HANDLINGS
                        .iter()
                        .map(|h| h.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            return Ok(Design {
                tracking: tr,
                handling: ha,
                preset: None,
            });
        }
        Err(format!(
            "unknown design `{s}`; use a preset ({}) or TRACKING+HANDLING (e.g. pincount+wait)",
            PRESETS
                .iter()
                .map(|p| p.name)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

pub fn tracking(name: &str) -> Option<&'static Tracking> {
    TRACKINGS.iter().copied().find(|t| t.name == name)
}

pub fn handling(name: &str) -> Option<&'static Handling> {
    HANDLINGS.iter().copied().find(|h| h.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_and_pairs_parse() {
        for p in PRESETS {
            let d = Design::parse(p.name).unwrap();
            assert_eq!(d.name(), p.name);
            assert_eq!((d.tracking.name, d.handling.name), (p.tracking, p.handling));
        }
        let d = Design::parse("pincount+refuse-longterm").unwrap();
        assert_eq!(d.name(), "pincount+refuse-longterm");
        assert!(d.preset.is_none());
    }

    #[test]
    fn every_tracking_combines_with_every_handling() {
        for t in TRACKINGS {
            for h in HANDLINGS {
                assert!(Design::parse(&format!("{}+{}", t.name, h.name)).is_ok());
            }
        }
    }

    #[test]
    fn unknown_names_get_a_hint() {
        let e = Design::parse("pincount+teleport").unwrap_err();
        assert!(
            e.contains("unknown handling `teleport`") && e.contains("wait"),
            "{e}"
        );
        let e = Design::parse("pinwait").unwrap_err();
        assert!(
            e.contains("TRACKING+HANDLING") && e.contains("pin-wait"),
            "{e}"
        );
    }

    #[test]
    fn upstream_refuses_only_writable_longterm_pins_of_dirty_tracked_shared_files() {
        let up = handling("upstream").unwrap();
        let ext4 = crate::fs::FsKind::from_name("ext4").unwrap().rules();
        let tmpfs = crate::fs::FsKind::from_name("tmpfs").unwrap().rules();
        let req = |fs, shared, write, longterm| PinRequest {
            fs,
            shared,
            vma_writable: true,
            write,
            longterm,
        };
        assert_eq!(
            (up.refuse)(&req(Some(ext4), true, true, true)),
            Some(Errno::EFAULT)
        );
        assert_eq!(
            (up.refuse)(&req(Some(ext4), false, true, true)),
            None,
            "private mappings COW"
        );
        assert_eq!(
            (up.refuse)(&req(Some(ext4), true, false, true)),
            None,
            "read-only pins"
        );
        assert_eq!(
            (up.refuse)(&req(Some(ext4), true, true, false)),
            None,
            "short-term pins"
        );
        assert_eq!(
            (up.refuse)(&req(Some(tmpfs), true, true, true)),
            None,
            "shmem needs no dirty tracking"
        );
        assert_eq!(
            (up.refuse)(&req(None, false, true, true)),
            None,
            "anonymous memory"
        );
        let old = handling("refuse-longterm").unwrap();
        assert_eq!(
            (old.refuse)(&req(Some(ext4), false, false, true)),
            Some(Errno::EOPNOTSUPP)
        );
    }
}
