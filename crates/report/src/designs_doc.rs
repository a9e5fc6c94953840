//! `docs/designs.md`: one section per preset, generated from the tool's own results so it cannot
//! go stale (`pinlab designs --markdown`; a test compares the file with the output).
//!
//! Each section: who proposed the design (seed thread and message), the mechanism in three
//! sentences, its row of the matrix, and the `explain` trace of its most instructive failure
//! (see `instructive_failure`).

use crate::{short_verdict, Cell, Explanation, Row};
use pinlab_check::{check, replay, waiting_threads, CheckResult, Limits, Verdict};
use pinlab_model::design::{Design, HANDLINGS, PRESETS, TRACKINGS};
use pinlab_model::property::Property;
use pinlab_model::scenario::Scenario;
use std::fmt::Write as _;

/// The seed threads (docs/sources.md#the-seed-threads): number, anchor in docs/sources.md, who
/// and when, the subject (quoted) or what the message is.
const SEEDS: &[(&str, &str, &str, &str)] = &[
    (
        "000",
        "lameter-2019",
        "Christopher Lameter, 7 Mar 2019",
        "\"Re: [PATCH v3 1/1] mm: introduce put_user_page*(), placeholder versions\"",
    ),
    (
        "001",
        "chinner-2018",
        "Dave Chinner, 1 Oct 2018",
        "\"Re: [PATCH 0/4] get_user_pages*() and RDMA: first steps\"",
    ),
    (
        "002",
        "kara-lsfmm-2018",
        "Jan Kara, 2018",
        "an LSF/MM 2018 topic proposal on get_user_pages() and filesystems (linux-mm)",
    ),
    (
        "003",
        "glisse-chinner-2018",
        "Jerome Glisse and Dave Chinner, 12-14 Dec 2018",
        "\"Re: [PATCH 1/2] mm: introduce put_user_page*(), placeholder versions\"",
    ),
    (
        "004",
        "kara-wilcox-2018",
        "Jan Kara and Matthew Wilcox, 19 Jun 2018",
        "a reply to Wilcox's PageGot proposal (linux-rdma)",
    ),
];

/// `text` with every `docs/sources.md#ANCHOR` and `docs/model.md#ANCHOR` in it made a link that
/// resolves from docs/designs.md.
fn doc_links(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = ["docs/sources.md#", "docs/model.md#"]
        .iter()
        .filter_map(|p| rest.find(p).map(|i| (i, *p)))
        .min()
    {
        let (i, prefix) = at;
        let anchor_len = rest[i + prefix.len()..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len() - i - prefix.len());
        let target = &rest[i + "docs/".len()..i + prefix.len() + anchor_len];
        out.push_str(&rest[..i]);
        let _ = write!(out, "[{target}]({target})");
        rest = &rest[i + prefix.len() + anchor_len..];
    }
    out.push_str(rest);
    out
}

fn rank(v: &Verdict) -> u8 {
    match v {
        Verdict::Unsafe(_) => 0,
        Verdict::Hang => 1,
        Verdict::Revoked => 2,
        Verdict::Refused => 3,
        Verdict::Incomplete { .. } | Verdict::Safe => 4,
    }
}

/// The row index of `design_ix`'s most instructive failure in `rows`, if it fails anywhere: a
/// failure some other design gets safe (one every design fails tells nothing about this one);
/// among those an unsafe or hang verdict before a refusal or revocation; then one not in `shown`
/// (so the document does not repeat a trace); then the failure the most other designs get safe
/// (what tells this design apart); then unsafe before hang, revoked before refused; then the
/// shorter trace; then the name.
pub fn instructive_failure(rows: &[Row], design_ix: usize, shown: &[usize]) -> Option<usize> {
    rows.iter()
        .enumerate()
        .filter(|(_, r)| rank(&r.cells[design_ix].result.verdict) < 4)
        .min_by_key(|&(ri, r)| {
            let c = &r.cells[design_ix].result;
            let others_safe = r
                .cells
                .iter()
                .enumerate()
                .filter(|&(j, o)| j != design_ix && o.result.verdict == Verdict::Safe)
                .count();
            let len = c.most_relevant().map_or(usize::MAX, |(_, p)| p.len());
            (
                others_safe == 0,
                rank(&c.verdict) >= 2,
                shown.contains(&ri),
                usize::MAX - others_safe,
                rank(&c.verdict),
                len,
                r.scenario.name.clone(),
            )
        })
        .map(|(i, _)| i)
}

/// What `pinlab explain` shows for `result`: its most relevant path (or the one for
/// `property`), replayed with tracing on.
pub fn explanation<'a>(
    sc: &'a Scenario,
    design: Design,
    result: &CheckResult,
    property: Option<Property>,
) -> Option<Explanation<'a>> {
    let (prop, path) = match property {
        Some(p) => (Some(p), result.path_for(p)?),
        None => result.most_relevant()?,
    };
    let (steps, last) = replay(sc, design, path);
    let waiting = if prop == Some(Property::BoundedWait) {
        waiting_threads(sc, design, &last)
            .into_iter()
            .map(|t| (t, last.threads[t].pc as usize))
            .collect()
    } else {
        Vec::new()
    };
    Some(Explanation {
        scenario: sc,
        design,
        verdict: result.verdict.clone(),
        property: prop,
        steps,
        waiting,
    })
}

fn seeds_of(
    source: &str,
) -> Vec<&'static (&'static str, &'static str, &'static str, &'static str)> {
    SEEDS
        .iter()
        .filter(|(n, ..)| {
            source.contains(&format!("seed {n}")) || source.contains(&format!("seeds {n}"))
        })
        .collect()
}

/// The whole of docs/designs.md, from the catalog checked under every preset (`rows`' cells in
/// `designs` order).
pub fn designs_markdown(rows: &[Row], designs: &[Design]) -> String {
    let mut out = String::new();
    out.push_str("# The designs\n\n");
    out.push_str("<!-- Generated by `pinlab designs --markdown` from the model and the embedded catalog; do not edit.\n");
    out.push_str("     `cargo test` fails when this file is stale: regenerate it with\n");
    out.push_str("     cargo run --release -- designs --markdown > docs/designs.md -->\n\n");
    let _ = writeln!(
        out,
        "One section per preset ([model.md](model.md#presets)): who proposed it, the mechanism, its verdicts over the {} catalog scenarios, and the trace of its most instructive failure (an unsafe or hanging scenario, else a refusal, that the most other presets get safe). The seed threads are described in [sources.md](sources.md#the-seed-threads). Verdicts as in `pinlab matrix`: {}.\n",
        rows.len(),
        Property::ALL
            .iter()
            .filter(|p| **p != Property::BoundedWait)
            .map(|p| format!("{}={}", crate::abbrev(*p), p.name()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut shown = Vec::new();
    for (i, d) in designs.iter().enumerate() {
        let p = PRESETS
            .iter()
            .find(|p| Some(p.name) == d.preset)
            .expect("designs are presets");
        let _ = writeln!(out, "## `{}` ({}+{})\n", p.name, p.tracking, p.handling);
        let _ = writeln!(out, "**Proposed:** {}.", doc_links(p.source));
        for (n, anchor, who, what) in seeds_of(p.source) {
            let _ = writeln!(out, "[Seed {n}](sources.md#{anchor}): {who}, {what}.");
        }
        if p.source.contains("docs/sources.md#what-upstream-linux-did") {
            out.push_str(
                "Facts: [what upstream Linux did](sources.md#what-upstream-linux-did), [what a real kernel does, measured](sources.md#what-a-real-kernel-does-measured).\n",
            );
        }
        let _ = writeln!(out, "\n**Mechanism.** {}\n", p.mechanism);
        out.push_str("**Verdicts over the catalog.**\n\n| verdict | scenarios |\n|---|---|\n");
        let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
        let mut cells: Vec<(&Cell, &str)> = rows
            .iter()
            .map(|r| (&r.cells[i], r.scenario.name.as_str()))
            .collect();
        cells.sort_by_key(|(c, n)| {
            (
                rank(&c.result.verdict),
                short_verdict(&c.result.verdict),
                *n,
            )
        });
        for (c, n) in cells {
            let v = short_verdict(&c.result.verdict);
            match groups.last_mut() {
                Some((g, names)) if *g == v => names.push(n),
                _ => groups.push((v, vec![n])),
            }
        }
        for (v, names) in groups {
            let _ = writeln!(out, "| `{v}` | {} |", names.join(", "));
        }
        out.push('\n');
        match instructive_failure(rows, i, &shown) {
            None => out.push_str("It fails no catalog scenario.\n\n"),
            Some(ri) => {
                shown.push(ri);
                let r = &rows[ri];
                let others = r
                    .cells
                    .iter()
                    .enumerate()
                    .filter(|&(j, c)| j != i && c.result.verdict == Verdict::Safe)
                    .map(|(_, c)| c.design.name())
                    .collect::<Vec<_>>();
                let _ = writeln!(
                    out,
                    "**Most instructive failure:** `{}` ({}), `{}` here; safe under {}.\n",
                    r.scenario.name,
                    doc_links(r.scenario.doc.as_deref().unwrap_or("")),
                    r.cells[i].result.verdict.text(),
                    if others.is_empty() {
                        "no other preset".to_string()
                    } else {
                        others.join(", ")
                    }
                );
                if let Some(x) = explanation(r.scenario, *d, &r.cells[i].result, None) {
                    let _ = writeln!(
                        out,
                        "```\n$ pinlab explain litmus/{}.litmus --design {}\n{}```\n",
                        r.scenario.name,
                        p.name,
                        crate::explain_text(&x)
                    );
                }
            }
        }
    }
    variants_markdown(rows, &mut out);
    out
}

/// The trackings and handlings no preset uses: variants the seeds name, reachable as
/// `TRACKING+HANDLING` pairs, each with the catalog scenarios whose expect lines judge it (where
/// it differs from its neighbours) and the verdicts there.
fn variants_markdown(rows: &[Row], out: &mut String) {
    let trackings = TRACKINGS
        .iter()
        .filter(|t| !PRESETS.iter().any(|p| p.tracking == t.name))
        .map(|t| (t.name, t.summary, t.seed));
    let handlings = HANDLINGS
        .iter()
        .filter(|h| !PRESETS.iter().any(|p| p.handling == h.name))
        .map(|h| (h.name, h.summary, h.seed));
    let variants: Vec<_> = trackings.chain(handlings).collect();
    if variants.is_empty() {
        return;
    }
    out.push_str("## Variants the seeds name (pairs, no preset)\n\n");
    out.push_str(
        "Trackings and handlings that no preset uses. Any pair with them is a design \
         (`--design TRACKING+HANDLING`); the catalog judges each in the scenarios where it \
         differs from its neighbours, with the argument beside the expect line.\n\n",
    );
    for (name, summary, seed) in variants {
        let mut cs = summary.chars();
        let summary: String = cs
            .next()
            .map_or(String::new(), |c| c.to_uppercase().chain(cs).collect());
        let _ = writeln!(
            out,
            "### `{name}`\n\n{summary}.\n\n**Proposed:** {}.\n",
            doc_links(seed)
        );
        let mut lines = Vec::new();
        for r in rows {
            for e in &r.scenario.expects {
                let Ok(d) = Design::parse(&e.design) else {
                    continue;
                };
                if d.preset.is_some() || (d.tracking.name != name && d.handling.name != name) {
                    continue;
                }
                let v = check(r.scenario, d, Limits::default()).verdict;
                lines.push(format!(
                    "| `{}` | `{}` | `{}` |",
                    r.scenario.name,
                    e.design,
                    short_verdict(&v)
                ));
            }
        }
        if lines.is_empty() {
            out.push_str("No catalog scenario judges it yet.\n\n");
        } else {
            out.push_str("| scenario | design | verdict |\n|---|---|---|\n");
            for l in lines {
                out.push_str(&l);
                out.push('\n');
            }
            out.push('\n');
        }
    }
}
