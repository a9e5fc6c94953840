//! What designs cost: `pinlab designs --costs`, the matrix JSON's `costs`, and the cost axis of
//! `pinlab rank`.
//!
//! Every figure comes from `Stats.cost` of the checks: the model's counters summed over every
//! transition the exhaustive check explored. Per-pin figures are ratios over the pinned (or
//! unpinned) pages those transitions took, so per-call costs (a tree update per pin call, a
//! lease) are spread over the call's pages.

use crate::Row;
use pinlab_check::{CheckResult, Verdict};
use pinlab_model::cost::Cost;
use pinlab_model::design::{Design, TRACKINGS};
use serde::Serialize;
use std::fmt::Write as _;

pub const COSTS_SCHEMA: &str = "pinlab.costs/1";

/// What one design cost over a set of checks (one per scenario).
#[derive(Clone, Debug)]
pub struct DesignCost {
    pub design: Design,
    /// Summed over every check's explored transitions.
    pub cost: Cost,
    /// Checks summed.
    pub scenarios: usize,
    /// Checks in which `folio_maybe_dma_pinned()` gave a false positive at least once.
    pub false_positive_scenarios: usize,
    /// Checks a limit cut short (their figures cover only what was explored).
    pub incomplete: usize,
}

/// `n / d`, or None when there is nothing to divide by.
pub fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

impl DesignCost {
    pub fn of<'a>(design: Design, results: impl IntoIterator<Item = &'a CheckResult>) -> Self {
        let mut dc = DesignCost {
            design,
            cost: Cost::default(),
            scenarios: 0,
            false_positive_scenarios: 0,
            incomplete: 0,
        };
        for r in results {
            dc.scenarios += 1;
            dc.cost.add(&r.stats.cost);
            if r.stats.cost.false_positives > 0 {
                dc.false_positive_scenarios += 1;
            }
            if matches!(r.verdict, Verdict::Incomplete { .. }) {
                dc.incomplete += 1;
            }
        }
        dc
    }

    /// The cost of the `i`-th design of `rows` (the order `designs` were checked in).
    pub fn of_column(rows: &[Row], i: usize, design: Design) -> Self {
        let name = design.name();
        DesignCost::of(
            design,
            rows.iter()
                .filter_map(|r| r.cells.get(i))
                .filter(|c| c.design.name() == name)
                .map(|c| &c.result),
        )
    }

    /// The figure `pinlab rank` weighs designs by: see [`Cost::ops_per_page`].
    pub fn ops_per_page(&self) -> f64 {
        self.cost.ops_per_page()
    }

    pub fn per_pin(&self, n: u64) -> Option<f64> {
        ratio(n, self.cost.pin_pages)
    }

    pub fn per_unpin(&self, n: u64) -> Option<f64> {
        ratio(n, self.cost.unpin_pages)
    }
}

/// Rounded to three decimals, so JSON shows `2.333`, not `2.3333333333333335`.
fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[derive(Serialize)]
struct JsonPerPin {
    atomics: Option<f64>,
    locks: Option<f64>,
    tree_updates: Option<f64>,
    page_copies: Option<f64>,
    lru_removals: Option<f64>,
}

#[derive(Serialize)]
struct JsonPerUnpin {
    atomics: Option<f64>,
    locks: Option<f64>,
    tree_updates: Option<f64>,
}

#[derive(Serialize)]
pub(crate) struct JsonDesignCost {
    /// The row's name: a tracking mechanism (`costs`'s `tracking` rows) or the design's name.
    name: String,
    /// The design the figures were checked under.
    design: String,
    tracking: &'static str,
    handling: &'static str,
    preset: Option<&'static str>,
    scenarios: usize,
    incomplete: usize,
    cost: Cost,
    /// `Cost::ops_per_page()`: the figure `pinlab rank` weighs designs by.
    ops_per_page: f64,
    per_pin: JsonPerPin,
    per_unpin: JsonPerUnpin,
    struct_page_bytes: u8,
    off_lru: bool,
    false_positive_scenarios: usize,
}

pub(crate) fn json_design_cost(name: String, dc: &DesignCost) -> JsonDesignCost {
    let c = &dc.cost;
    let pp = |n| dc.per_pin(n).map(r3);
    let pu = |n| dc.per_unpin(n).map(r3);
    JsonDesignCost {
        name,
        design: dc.design.name(),
        tracking: dc.design.tracking.name,
        handling: dc.design.handling.name,
        preset: dc.design.preset_name(),
        scenarios: dc.scenarios,
        incomplete: dc.incomplete,
        cost: *c,
        ops_per_page: r3(c.ops_per_page()),
        per_pin: JsonPerPin {
            atomics: pp(c.pin_atomics),
            locks: pp(c.pin_locks),
            tree_updates: pp(c.pin_tree_updates),
            page_copies: pp(c.page_copies),
            lru_removals: pp(c.lru_removals),
        },
        per_unpin: JsonPerUnpin {
            atomics: pu(c.unpin_atomics),
            locks: pu(c.unpin_locks),
            tree_updates: pu(c.unpin_tree_updates),
        },
        struct_page_bytes: dc.design.tracking.struct_page_bytes,
        off_lru: dc.design.tracking.off_lru,
        false_positive_scenarios: dc.false_positive_scenarios,
    }
}

/// Per-design summaries of a matrix, in column order (the matrix JSON's `costs`).
pub(crate) fn matrix_costs(rows: &[Row], designs: &[Design]) -> Vec<JsonDesignCost> {
    designs
        .iter()
        .enumerate()
        .map(|(i, d)| json_design_cost(d.name(), &DesignCost::of_column(rows, i, *d)))
        .collect()
}

/// The two tables of `pinlab designs --costs`: one row per tracking mechanism (checked under
/// TRACKING+none) and one per preset.
pub struct CostTables {
    /// What was checked, for the heading ("the embedded catalog", or the paths).
    pub source: String,
    pub scenarios: usize,
    pub tracking: Vec<DesignCost>,
    pub presets: Vec<DesignCost>,
}

impl CostTables {
    /// The designs `pinlab designs --costs` checks, in column order: each tracking mechanism
    /// under the `none` handling (the mechanism's own cost, nothing done about a pin), then each
    /// preset.
    pub fn designs() -> Vec<Design> {
        let none = pinlab_model::design::handling("none").expect("the none handling");
        let tracking = TRACKINGS.iter().map(|t| Design {
            tracking: t,
            handling: none,
            preset: None,
        });
        tracking.chain(Design::presets()).collect()
    }

    /// The tables of `rows`, checked under `CostTables::designs()` in that order; `source` is
    /// what was checked, for the heading.
    pub fn from_rows(rows: &[Row], source: String) -> CostTables {
        let (presets, tracking) = CostTables::designs()
            .into_iter()
            .enumerate()
            .map(|(i, d)| DesignCost::of_column(rows, i, d))
            .partition(|c| c.design.preset.is_some());
        CostTables {
            source,
            scenarios: rows.len(),
            tracking,
            presets,
        }
    }
}

fn fixed(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{v:.2}"))
}

const HEADERS: [&str; 15] = [
    "",
    "checked as",
    "pinned",
    "unpinned",
    "atomics/pin",
    "locks/pin",
    "tree/pin",
    "atomics/unpin",
    "locks/unpin",
    "tree/unpin",
    "page bytes",
    "off LRU (/pin)",
    "copies (/pin)",
    "false pos (scen.)",
    "inval/refault",
];

fn cost_cells(label: &str, dc: &DesignCost) -> Vec<String> {
    let c = &dc.cost;
    let off = if dc.design.tracking.off_lru || c.lru_removals > 0 {
        format!("{} ({})", c.lru_removals, fixed(dc.per_pin(c.lru_removals)))
    } else {
        "0".into()
    };
    let fp = if c.false_positives > 0 {
        format!("{} ({})", c.false_positives, dc.false_positive_scenarios)
    } else {
        "0".into()
    };
    vec![
        label.to_string(),
        format!("{}+{}", dc.design.tracking.name, dc.design.handling.name),
        c.pin_pages.to_string(),
        c.unpin_pages.to_string(),
        fixed(dc.per_pin(c.pin_atomics)),
        fixed(dc.per_pin(c.pin_locks)),
        fixed(dc.per_pin(c.pin_tree_updates)),
        fixed(dc.per_unpin(c.unpin_atomics)),
        fixed(dc.per_unpin(c.unpin_locks)),
        fixed(dc.per_unpin(c.unpin_tree_updates)),
        dc.design.tracking.struct_page_bytes.to_string(),
        off,
        if c.page_copies > 0 {
            format!("{} ({})", c.page_copies, fixed(dc.per_pin(c.page_copies)))
        } else {
            "0".into()
        },
        fp,
        format!("{}/{}", c.invalidations, c.refaults),
    ]
}

/// Lays out rows of cells: the first two columns left-aligned, the rest right-aligned.
pub(crate) fn table(out: &mut String, rows: &[Vec<String>]) {
    let n = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in rows {
        let mut line = String::new();
        for (i, (c, w)) in r.iter().zip(&widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            if i < 2 {
                let _ = write!(line, "{c:w$}");
            } else {
                let _ = write!(line, "{c:>w$}");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

pub fn costs_text(t: &CostTables) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "What the designs' mechanisms cost on {} ({} scenario{}),\nsummed over every transition the exhaustive check explored\n",
        t.source,
        t.scenarios,
        if t.scenarios == 1 { "" } else { "s" }
    );
    let header = |first: &str| -> Vec<String> {
        let mut h: Vec<String> = HEADERS.iter().map(|s| s.to_string()).collect();
        h[0] = first.into();
        h
    };
    let mut rows = vec![header("tracking")];
    rows.extend(
        t.tracking
            .iter()
            .map(|d| cost_cells(d.design.tracking.name, d)),
    );
    rows.push(Vec::new());
    rows.push(header("preset"));
    rows.extend(
        t.presets
            .iter()
            .map(|d| cost_cells(d.design.preset.unwrap_or(""), d)),
    );
    table(&mut out, &rows);
    for l in [
        "",
        "legend: a tracking row is checked under TRACKING+none, a preset row under the preset. Every figure",
        "        is summed over all explored transitions of every scenario: a step is counted once per",
        "        distinct state it is taken from, so an unpin that many interleavings reach counts more",
        "        often than the pin before it. Read the per-page ratios, not the totals.",
        "  pinned, unpinned   pages pinned and unpinned (GUP references taken and dropped, vmsplice's too)",
        "  atomics/pin        atomic read-modify-writes (refcount, pincount, flags) per pinned page",
        "  locks/pin          locks taken (folio, lruvec, i_mmap_rwsem, lease) per pinned page",
        "  tree/pin           interval-tree or list updates (a pseudo-VMA, a lease) per pinned page;",
        "                     a pin call's own cost is spread over its pages",
        "  .../unpin          the same per unpinned page",
        "  page bytes         bytes of struct page the tracking occupies in every page of memory",
        "  off LRU (/pin)     pages a pin took off the LRU (their aging is lost), and per pinned page",
        "  copies (/pin)      whole-page copies (bounce pages at writeback, gup-bounce copies in and",
        "                     out), and per pinned page",
        "  false pos (scen.)  folio_maybe_dma_pinned() true for a page no FOLL_PIN user holds, where the",
        "                     answer decided something (a wait counts each time it is tried), and in",
        "                     how many scenarios",
        "  inval/refault      device mappings an mmu notifier tore down, and device refaults",
        "                     (rdma-odp, gpu-hmm)",
        "  -                  nothing pinned or unpinned to divide by",
    ] {
        out.push_str(l);
        out.push('\n');
    }
    let inc: usize = t
        .tracking
        .iter()
        .chain(&t.presets)
        .map(|d| d.incomplete)
        .sum();
    if inc > 0 {
        let _ = writeln!(
            out,
            "\n{inc} check{} hit a limit (incomplete): their figures cover only the states explored",
            if inc == 1 { "" } else { "s" }
        );
    }
    out
}

#[derive(Serialize)]
struct JsonCosts {
    schema: &'static str,
    source: String,
    scenarios: usize,
    tracking: Vec<JsonDesignCost>,
    presets: Vec<JsonDesignCost>,
}

pub fn costs_json(t: &CostTables) -> String {
    let j = JsonCosts {
        schema: COSTS_SCHEMA,
        source: t.source.clone(),
        scenarios: t.scenarios,
        tracking: t
            .tracking
            .iter()
            .map(|d| json_design_cost(d.design.tracking.name.to_string(), d))
            .collect(),
        presets: t
            .presets
            .iter()
            .map(|d| json_design_cost(d.design.name(), d))
            .collect(),
    };
    serde_json::to_string_pretty(&j).expect("serialisable") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cell;
    use pinlab_check::{check, Limits};

    const PIN: &str = "litmus t\nfs ext4\nfile f pages=1\nmmap m = f shared rw\ndevice nic rdma\nthread app {\n  pin p = nic m[0..1] write\n  dma p[0] = A\n  unpin p dirty\n}\n";

    #[test]
    fn the_tables_take_each_design_from_its_own_column() {
        let sc = pinlab_litmus::parse("t.litmus", PIN).expect("a valid scenario");
        let designs = CostTables::designs();
        let cells = designs
            .iter()
            .map(|&design| Cell {
                design,
                result: check(&sc, design, Limits::default()),
                expect: None,
            })
            .collect();
        let rows = [Row {
            scenario: &sc,
            cells,
        }];
        let t = CostTables::from_rows(&rows, "t".into());
        let names = |c: &[DesignCost]| c.iter().map(|c| c.design.name()).collect::<Vec<_>>();
        let tracking: Vec<String> = TRACKINGS
            .iter()
            .map(|t| format!("{}+none", t.name))
            .collect();
        assert_eq!(names(&t.tracking), tracking);
        let presets: Vec<String> = Design::presets().iter().map(Design::name).collect();
        assert_eq!(names(&t.presets), presets);
        assert_eq!(t.scenarios, 1);
        // A design read from another's column would find no cell of its own and sum nothing;
        // each sums exactly its own check.
        let checked = t.tracking.iter().chain(&t.presets).zip(&rows[0].cells);
        for (c, cell) in checked {
            assert_eq!(c.scenarios, 1, "{}", c.design.name());
            let own = DesignCost::of(cell.design, [&cell.result]);
            assert_eq!(c.cost, own.cost, "{}", c.design.name());
        }
    }
}
