//! `pinlab rank`: every tracking × handling pair on the catalog, and the Pareto front of (unsafe
//! scenarios, hangs, refused-or-revoked scenarios, cost).
//!
//! A scenario counts once, by its verdict's kind. An `incomplete` check is shown in its own
//! column and is never read as safe. No front is drawn when a pair has one: what the search did
//! not see could put that pair anywhere, so a front from it would be a guess (the output says so
//! instead).

use crate::Row;
use pinlab_check::{Verdict, VerdictKind};
use pinlab_model::cost::Cost;
use pinlab_model::design::Design;
use serde::Serialize;
use std::fmt::Write as _;

pub const RANK_SCHEMA: &str = "pinlab.rank/1";

/// One design's standing over the scenarios.
#[derive(Clone, Debug)]
pub struct RankEntry {
    pub design: Design,
    /// Scenarios (by name) per verdict kind; `refused` holds refused and revoked ones.
    pub unsafe_in: Vec<String>,
    pub hang_in: Vec<String>,
    pub refused_in: Vec<String>,
    pub incomplete_in: Vec<String>,
    pub safe: usize,
    /// Summed over every check's explored transitions.
    pub cost: Cost,
    /// On the Pareto front of the pairs.
    pub front: bool,
    /// For a design off the front: a front pair that dominates it (a preset's if one does, else
    /// the first in rank order).
    pub dominated_by: Option<String>,
}

impl RankEntry {
    /// The cost axis: `Cost::ops_per_page()` of the summed cost.
    pub fn ops_per_page(&self) -> f64 {
        self.cost.ops_per_page()
    }

    /// What the front minimises: unsafe (incomplete counted as unsafe), hang, refused-or-revoked,
    /// cost.
    pub fn objectives(&self) -> [f64; 4] {
        [
            (self.unsafe_in.len() + self.incomplete_in.len()) as f64,
            self.hang_in.len() as f64,
            self.refused_in.len() as f64,
            self.ops_per_page(),
        ]
    }

    /// The name a reader knows the pair by: `tracking+handling`.
    pub fn pair(&self) -> String {
        format!(
            "{}+{}",
            self.design.tracking.name, self.design.handling.name
        )
    }

    fn preset(&self) -> Option<&'static str> {
        self.design.preset_name()
    }
}

/// `a` dominates `b`: no worse in every objective and better in one.
pub fn dominates(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a.iter().zip(b).all(|(x, y)| x <= y) && a.iter().zip(b).any(|(x, y)| x < y)
}

/// Which points are on the Pareto front (minimising every coordinate): those no other point
/// dominates. Equal points are either all on it or all off it.
pub fn pareto_front(points: &[[f64; 4]]) -> Vec<bool> {
    points
        .iter()
        .map(|p| !points.iter().any(|q| dominates(q, p)))
        .collect()
}

/// The ranking: the pairs, front first; designs that are not pairs (`upstream`) apart, for
/// reference.
pub struct Ranking {
    /// What was checked, for the heading ("the embedded catalog", or the paths).
    pub source: String,
    pub scenarios: usize,
    /// Sorted: front first, then by the objectives, then by name.
    pub pairs: Vec<RankEntry>,
    /// Designs checked alongside that are not tracking × handling pairs (their handling is
    /// preset-only): shown for reference, never on the front.
    pub reference: Vec<RankEntry>,
    /// The pairs' checks that hit a limit (incomplete); when there are any, no pair is on the
    /// front (`front` is false everywhere and `dominated_by` empty).
    pub incomplete: usize,
}

impl Ranking {
    /// Whether the front was drawn: every check of every pair finished.
    pub fn has_front(&self) -> bool {
        self.incomplete == 0
    }
}

fn tally(rows: &[Row], i: usize, design: Design) -> RankEntry {
    let mut e = RankEntry {
        design,
        unsafe_in: Vec::new(),
        hang_in: Vec::new(),
        refused_in: Vec::new(),
        incomplete_in: Vec::new(),
        safe: 0,
        cost: Cost::default(),
        front: false,
        dominated_by: None,
    };
    let name = design.name();
    for r in rows {
        let Some(c) = r.cells.get(i).filter(|c| c.design.name() == name) else {
            continue;
        };
        let sc = r.scenario.name.clone();
        match c.result.verdict {
            Verdict::Unsafe(_) => e.unsafe_in.push(sc),
            Verdict::Hang => e.hang_in.push(sc),
            Verdict::Refused | Verdict::Revoked => e.refused_in.push(sc),
            Verdict::Incomplete { .. } => e.incomplete_in.push(sc),
            Verdict::Safe => e.safe += 1,
        }
        e.cost.add(&c.result.stats.cost);
    }
    e
}

fn order(a: &RankEntry, b: &RankEntry) -> std::cmp::Ordering {
    b.front
        .cmp(&a.front)
        .then_with(|| {
            let (x, y) = (a.objectives(), b.objectives());
            x.iter()
                .zip(&y)
                .map(|(p, q)| p.total_cmp(q))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .then_with(|| a.pair().cmp(&b.pair()))
}

/// Ranks the designs of `rows`' columns (`designs`, in the order they were checked): the
/// tracking × handling pairs on the front, the others (a preset-only handling) for reference.
pub fn rank(rows: &[Row], designs: &[Design], source: String) -> Ranking {
    let mut pairs = Vec::new();
    let mut reference = Vec::new();
    for (i, d) in designs.iter().enumerate() {
        let e = tally(rows, i, *d);
        if d.handling.preset_only {
            reference.push(e);
        } else {
            pairs.push(e);
        }
    }
    let incomplete: usize = pairs.iter().map(|e| e.incomplete_in.len()).sum();
    if incomplete == 0 {
        let points: Vec<[f64; 4]> = pairs.iter().map(|e| e.objectives()).collect();
        for (e, on) in pairs.iter_mut().zip(pareto_front(&points)) {
            e.front = on;
        }
    }
    pairs.sort_by(order);
    // A front pair a preset names is the one a reader knows: prefer it as the dominator.
    let mut front: Vec<(String, [f64; 4], bool)> = pairs
        .iter()
        .filter(|e| e.front)
        .map(|e| (e.pair(), e.objectives(), e.preset().is_some()))
        .collect();
    front.sort_by_key(|(_, _, preset)| !preset);
    for e in pairs.iter_mut().chain(reference.iter_mut()) {
        let o = e.objectives();
        e.dominated_by = front
            .iter()
            .find(|(_, f, _)| dominates(f, &o))
            .map(|(n, _, _)| n.clone());
    }
    Ranking {
        source,
        scenarios: rows.len(),
        pairs,
        reference,
        incomplete,
    }
}

/// A design's name with its pair: `pin-wait (pincount+wait)`, or the pair alone.
fn known_as(e: &RankEntry) -> String {
    match e.preset() {
        Some(p) => format!("{p} ({})", e.pair()),
        None => e.pair(),
    }
}

/// The name a reader knows a design by: its preset's, else the pair.
fn short(e: &RankEntry) -> String {
    e.preset().map_or_else(|| e.pair(), str::to_string)
}

pub fn rank_text(r: &Ranking) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} tracking x handling pairs on {} ({} scenario{})\n",
        r.pairs.len(),
        r.source,
        r.scenarios,
        if r.scenarios == 1 { "" } else { "s" }
    );
    // The refused column counts revoked too (`refused_in`).
    let head = [
        "pair",
        "preset",
        VerdictKind::Unsafe.name(),
        VerdictKind::Hang.name(),
        VerdictKind::Refused.name(),
        VerdictKind::Incomplete.name(),
        VerdictKind::Safe.name(),
        "ops/page",
    ];
    let row = |e: &RankEntry, mark: &str| -> Vec<String> {
        vec![
            format!("{mark} {}", e.pair()),
            e.preset().unwrap_or("").to_string(),
            e.unsafe_in.len().to_string(),
            e.hang_in.len().to_string(),
            e.refused_in.len().to_string(),
            e.incomplete_in.len().to_string(),
            e.safe.to_string(),
            format!("{:.2}", e.ops_per_page()),
        ]
    };
    let mut cells: Vec<Vec<String>> = vec![{
        let mut h: Vec<String> = head.iter().map(|s| s.to_string()).collect();
        h[0] = format!("  {}", h[0]);
        h
    }];
    cells.extend(
        r.pairs
            .iter()
            .map(|e| row(e, if e.front { "*" } else { " " })),
    );
    crate::costs::table(&mut out, &cells);
    out.push('\n');
    if r.has_front() {
        out.push_str("* on the Pareto front: no other pair is as good in unsafe, hang, refused and ops/page and better\n  in one\n");
    } else {
        out.push_str(&para(
            "",
            "  ",
            &format!(
                "No Pareto front: {} of the pairs' {} checks hit a limit (incomplete), and a front drawn from checks that did not finish would be a guess; raise --max-states, --max-memory or --timeout to settle them.",
                r.incomplete,
                r.pairs.len() * r.scenarios
            ),
        ));
    }
    for l in [
        "unsafe, hang, refused (refused or revoked), incomplete (a limit was hit: never read as safe), safe:",
        "  scenarios with that verdict under the pair, each scenario counted once",
        "ops/page: atomics, locks and tree updates per pinned page plus per unpinned page, plus page copies",
        "  per pinned page, over every explored transition (`pinlab designs --costs` breaks it down)",
        "",
        "Reading:",
    ] {
        out.push_str(l);
        out.push('\n');
    }
    for p in reading(r) {
        out.push_str(&p);
    }
    out
}

/// Wraps `text` at 100 columns: the first line starts with `first`, the others with `indent`.
fn para(first: &str, indent: &str, text: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for w in text.split(' ') {
        if !empty && line.len() + 1 + w.len() > 100 {
            out.push_str(line.trim_end());
            out.push('\n');
            line = indent.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(w);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `names` when there are few enough to read in a sentence, else how many.
fn few(names: &[String], what: &str) -> String {
    match names.len() {
        0 => format!("no {what}"),
        1..=6 => format!("{what} in {}", names.join(", ")),
        n => format!("{what} in {n} scenarios"),
    }
}

/// What `e` does on the catalog, in a sentence fragment.
fn behaviour(e: &RankEntry) -> String {
    let mut parts = vec![
        few(&e.unsafe_in, VerdictKind::Unsafe.name()),
        few(&e.hang_in, "hangs"),
        match e.refused_in.len() {
            0 => "refuses or revokes nothing".to_string(),
            _ => format!("refuses or revokes {}", e.refused_in.join(", ")),
        },
    ];
    if !e.incomplete_in.is_empty() {
        parts.push(few(&e.incomplete_in, VerdictKind::Incomplete.name()));
    }
    format!("{}; {:.2} ops/page", parts.join("; "), e.ops_per_page())
}

/// The same verdict in every scenario and the same cost.
fn same(a: &RankEntry, b: &RankEntry) -> bool {
    a.unsafe_in == b.unsafe_in
        && a.hang_in == b.hang_in
        && a.refused_in == b.refused_in
        && a.incomplete_in == b.incomplete_in
        && a.objectives() == b.objectives()
}

/// Where `by` is better than `e`, as words ("2 fewer unsafe, cheaper (2.00 vs 5.26 ops/page)").
fn better(by: &RankEntry, e: &RankEntry) -> String {
    let (b, o) = (by.objectives(), e.objectives());
    let mut v = Vec::new();
    for (i, what) in ["unsafe", "hang", "refused or revoked"].iter().enumerate() {
        if b[i] < o[i] {
            v.push(format!("{} {what} ({} vs {})", "fewer", b[i], o[i]));
        }
    }
    if b[3] < o[3] {
        v.push(format!("cheaper ({:.2} vs {:.2} ops/page)", b[3], o[3]));
    }
    let rest = if v.len() < 4 {
        ", as good in the rest"
    } else {
        ""
    };
    format!("{}{rest}", v.join(", "))
}

/// The plain-English reading after the table, computed from the data.
fn reading(r: &Ranking) -> Vec<String> {
    let mut out = Vec::new();
    if !r.has_front() {
        // Every sentence below compares pairs as the front does; incomplete checks make that
        // comparison a guess.
        out.push(para(
            "- ",
            "  ",
            "None: with checks that did not finish, the pairs cannot be compared. The table above counts what was found.",
        ));
        return out;
    }
    front_lines(r, &mut out);
    off_front_lines(r, &mut out);
    reference_lines(r, &mut out);
    overall_lines(r, &mut out);
    out
}

/// The pairs on the front: how many are presets, and what the others do.
fn front_lines(r: &Ranking, out: &mut Vec<String>) {
    let front: Vec<&RankEntry> = r.pairs.iter().filter(|e| e.front).collect();
    let (named, unnamed): (Vec<&RankEntry>, Vec<&RankEntry>) =
        front.iter().partition(|e| e.preset().is_some());
    out.push(para(
        "- ",
        "  ",
        &format!(
            "{} of the {} pairs are on the front; {}{}.",
            front.len(),
            r.pairs.len(),
            plural(named.len(), "is a preset", "are presets"),
            if named.is_empty() {
                String::new()
            } else {
                format!(
                    ": {}",
                    named
                        .iter()
                        .map(|e| short(e))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ),
    ));
    if unnamed.is_empty() {
        out.push(para(
            "- ",
            "  ",
            "Every pair on the front is a preset: no combination the seeds left out does better.",
        ));
    } else {
        out.push(para(
            "- ",
            "  ",
            "On the front but not proposed in the seeds (no preset names them):",
        ));
        // Pairs that behave identically are one line; one that behaves like a preset says so.
        let mut done: Vec<&RankEntry> = Vec::new();
        for e in &unnamed {
            if done.iter().any(|d| same(d, e)) {
                continue;
            }
            let group: Vec<&RankEntry> = unnamed.iter().copied().filter(|o| same(o, e)).collect();
            done.extend(&group);
            let names = group
                .iter()
                .map(|g| g.pair())
                .collect::<Vec<_>>()
                .join(", ");
            let like = r
                .pairs
                .iter()
                .find(|p| p.preset().is_some() && same(p, e))
                .map(|p| format!(", exactly as the preset {} here", short(p)))
                .unwrap_or_default();
            out.push(para(
                "    ",
                "      ",
                &format!("{names}{like}: {}.", behaviour(e)),
            ));
        }
    }
}

/// The presets off the front, each with a front pair that dominates it.
fn off_front_lines(r: &Ranking, out: &mut Vec<String>) {
    let off: Vec<&RankEntry> = r
        .pairs
        .iter()
        .filter(|e| !e.front && e.preset().is_some())
        .collect();
    if !off.is_empty() {
        out.push(para(
            "- ",
            "  ",
            "Presets off the front, each with a front pair that dominates it:",
        ));
        for e in off {
            let Some(by) = e
                .dominated_by
                .as_deref()
                .and_then(|n| r.pairs.iter().find(|f| f.pair() == n))
            else {
                continue;
            };
            out.push(para(
                "    ",
                "      ",
                &format!(
                    "{}: {} is better: {}.",
                    known_as(e),
                    short(by),
                    better(by, e)
                ),
            ));
        }
    }
}

/// The designs for reference (a preset-only handling), and what would beat them.
fn reference_lines(r: &Ranking, out: &mut Vec<String>) {
    for e in &r.reference {
        let verdict = match e
            .dominated_by
            .as_deref()
            .and_then(|n| r.pairs.iter().find(|f| f.pair() == n))
        {
            Some(by) => format!("{} would be better: {}", short(by), better(by, e)),
            None => "no pair dominates it".to_string(),
        };
        out.push(para(
            "- ",
            "  ",
            &format!(
                "{} is not a pair (its handling is Linux's own mix); {}.",
                known_as(e),
                verdict
            ),
        ));
    }
}

/// What holds over every pair: scenarios no pair makes safe, the fewest unsafe, the cost range,
/// the checks a limit cut short.
fn overall_lines(r: &Ranking, out: &mut Vec<String>) {
    let always_unsafe: Vec<String> = r
        .pairs
        .first()
        .map(|e| {
            e.unsafe_in
                .iter()
                .filter(|s| r.pairs.iter().all(|p| p.unsafe_in.contains(s)))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if !always_unsafe.is_empty() {
        out.push(para(
            "- ",
            "  ",
            &format!(
                "Unsafe under every pair (no tracking or handling helps): {}.",
                always_unsafe.join(", ")
            ),
        ));
    }
    let min_unsafe = r
        .pairs
        .iter()
        .map(|e| e.unsafe_in.len() + e.incomplete_in.len())
        .min()
        .unwrap_or(0);
    let fewest: Vec<&RankEntry> = r
        .pairs
        .iter()
        .filter(|e| e.unsafe_in.len() + e.incomplete_in.len() == min_unsafe)
        .collect();
    let no_hang: Vec<String> = fewest
        .iter()
        .filter(|e| e.hang_in.is_empty())
        .map(|e| short(e))
        .collect();
    out.push(para(
        "- ",
        "  ",
        &format!(
            "Fewest unsafe scenarios: {min_unsafe}, under {} ({}); of them, never hanging: {}.",
            plural(fewest.len(), "pair", "pairs"),
            fewest
                .iter()
                .map(|e| short(e))
                .collect::<Vec<_>>()
                .join(", "),
            if no_hang.is_empty() {
                "none".to_string()
            } else {
                no_hang.join(", ")
            }
        ),
    ));
    let costs: Vec<f64> = r.pairs.iter().map(|e| e.ops_per_page()).collect();
    if let (Some(lo), Some(hi)) = (
        costs.iter().copied().reduce(f64::min),
        costs.iter().copied().reduce(f64::max),
    ) {
        out.push(para(
            "- ",
            "  ",
            &format!("Cost ranges from {lo:.2} to {hi:.2} ops per page pinned and released."),
        ));
    }
    let incomplete: usize = r
        .pairs
        .iter()
        .chain(&r.reference)
        .map(|e| e.incomplete_in.len())
        .sum();
    if incomplete > 0 {
        out.push(para(
            "- ",
            "  ",
            &format!(
                "{} hit a limit (incomplete): never read as safe; raise --max-states, --max-memory or --timeout to settle them.",
                plural(incomplete, "check", "checks")
            ),
        ));
    }
}

#[derive(Serialize)]
struct JsonEntry {
    pair: String,
    tracking: &'static str,
    handling: &'static str,
    preset: Option<&'static str>,
    front: bool,
    dominated_by: Option<String>,
    #[serde(rename = "unsafe")]
    unsafe_: usize,
    hang: usize,
    refused_or_revoked: usize,
    incomplete: usize,
    safe: usize,
    ops_per_page: f64,
    unsafe_in: Vec<String>,
    hang_in: Vec<String>,
    refused_or_revoked_in: Vec<String>,
    incomplete_in: Vec<String>,
    cost: Cost,
}

fn json_entry(e: &RankEntry) -> JsonEntry {
    JsonEntry {
        pair: e.pair(),
        tracking: e.design.tracking.name,
        handling: e.design.handling.name,
        preset: e.preset(),
        front: e.front,
        dominated_by: e.dominated_by.clone(),
        unsafe_: e.unsafe_in.len(),
        hang: e.hang_in.len(),
        refused_or_revoked: e.refused_in.len(),
        incomplete: e.incomplete_in.len(),
        safe: e.safe,
        // Three decimals: enough to compare, and stable bytes.
        ops_per_page: (e.ops_per_page() * 1000.0).round() / 1000.0,
        unsafe_in: e.unsafe_in.clone(),
        hang_in: e.hang_in.clone(),
        refused_or_revoked_in: e.refused_in.clone(),
        incomplete_in: e.incomplete_in.clone(),
        cost: e.cost,
    }
}

#[derive(Serialize)]
struct JsonRank {
    schema: &'static str,
    source: String,
    scenarios: usize,
    front: Vec<String>,
    pairs: Vec<JsonEntry>,
    reference: Vec<JsonEntry>,
}

pub fn rank_json(r: &Ranking) -> String {
    let j = JsonRank {
        schema: RANK_SCHEMA,
        source: r.source.clone(),
        scenarios: r.scenarios,
        front: r
            .pairs
            .iter()
            .filter(|e| e.front)
            .map(|e| e.pair())
            .collect(),
        pairs: r.pairs.iter().map(json_entry).collect(),
        reference: r.reference.iter().map(json_entry).collect(),
    };
    serde_json::to_string_pretty(&j).expect("serialisable") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dominated_point_is_off_the_front_and_ties_are_both_on_it() {
        let pts = [
            [1.0, 0.0, 2.0, 3.0], // a
            [1.0, 0.0, 2.0, 3.0], // a tie with a: both on the front
            [2.0, 0.0, 2.0, 3.0], // dominated by a (worse in one, equal elsewhere)
            [0.0, 5.0, 0.0, 9.0], // better in unsafe, worse elsewhere: on the front
            [1.0, 0.0, 2.0, 2.5], // dominates a and its tie
            [3.0, 6.0, 3.0, 9.0], // dominated by everyone
        ];
        assert_eq!(
            pareto_front(&pts),
            vec![false, false, false, true, true, false]
        );
        assert_eq!(
            pareto_front(&pts[..4]),
            vec![true, true, false, true],
            "equal points do not dominate each other"
        );
        assert!(!dominates(&pts[0], &pts[1]));
        assert!(dominates(&pts[0], &pts[2]));
        assert_eq!(pareto_front(&[]), Vec::<bool>::new());
    }
}
