//! Which designs each command checks a scenario under, and the design registries as
//! `pinlab designs` lists them (text, and JSON `pinlab.designs/1`).

use pinlab_model::design::{Design, HANDLINGS, PRESETS, TRACKINGS};
use pinlab_model::scenario::Scenario;
use std::fmt::Write as _;

pub const DESIGNS_SCHEMA: &str = "pinlab.designs/1";

/// The designs a command checks each scenario under.
#[derive(Clone, Debug)]
pub enum Selection {
    /// The same designs for every scenario: those named with `-d` (`matrix`, `report`, `check -d`),
    /// or every preset.
    Fixed(Vec<Design>),
    /// `check` without `-d`: the designs each scenario's expect lines name, or every preset when
    /// they name none, since the file's author said which designs it is about.
    Expected,
}

impl Selection {
    /// `Fixed(named)`, or every preset when nothing is named (`matrix`, `report`).
    pub fn named_or_presets(named: Vec<Design>) -> Selection {
        if named.is_empty() {
            Selection::Fixed(Design::presets())
        } else {
            Selection::Fixed(named)
        }
    }

    /// `check`'s: every preset (`--all-designs`), those named, else the expect lines'.
    pub fn for_check(named: Vec<Design>, all_designs: bool) -> Selection {
        if all_designs {
            Selection::Fixed(Design::presets())
        } else if named.is_empty() {
            Selection::Expected
        } else {
            Selection::Fixed(named)
        }
    }

    /// The designs `sc` is checked under, in column order.
    pub fn for_scenario(&self, sc: &Scenario) -> Vec<Design> {
        match self {
            Selection::Fixed(d) => d.clone(),
            Selection::Expected => {
                let named: Vec<Design> = sc
                    .expects
                    .iter()
                    .filter_map(|e| Design::parse(&e.design).ok())
                    .collect();
                if named.is_empty() {
                    Design::presets()
                } else {
                    named
                }
            }
        }
    }

    /// The designs a report over every scenario lists (the JSON's `designs`): the fixed ones, or
    /// every preset when each scenario picks its own.
    pub fn columns(&self) -> Vec<Design> {
        match self {
            Selection::Fixed(d) => d.clone(),
            Selection::Expected => Design::presets(),
        }
    }
}

/// What `pinlab rank` checks: every tracking × handling pair, and upstream for reference (its
/// handling is not a pair's).
pub fn ranked() -> Vec<Design> {
    let mut designs = Design::pairs();
    designs.extend(Design::preset("upstream"));
    designs
}

/// `pinlab designs`: tracking mechanisms, handlings and presets with their sources.
pub fn designs_text() -> String {
    let mut out = String::new();
    out.push_str("Tracking (how the kernel knows a page is pinned):\n");
    for t in TRACKINGS {
        let _ = writeln!(
            out,
            "  {:16} {}\n  {:16} source: {}",
            t.name, t.summary, "", t.seed
        );
    }
    out.push_str("\nHandling (what the kernel does about a pinned page):\n");
    for h in HANDLINGS {
        let only = if h.preset_only { " (preset only)" } else { "" };
        let _ = writeln!(
            out,
            "  {:16} {}{only}\n  {:16} source: {}",
            h.name, h.summary, "", h.seed
        );
    }
    out.push_str("\nPresets (any TRACKING+HANDLING pair is also a design):\n");
    for p in PRESETS {
        let _ = writeln!(
            out,
            "  {:16} {}+{}: {}",
            p.name, p.tracking, p.handling, p.source
        );
    }
    out.push_str(
        "\nseed 000 to 004: the mailing-list threads of docs/sources.md#the-seed-threads; docs/model.md#designs\nexplains tracking x handling, docs/designs.md each preset's verdicts.\n",
    );
    out
}

/// `pinlab designs --format json` (`pinlab.designs/1`).
pub fn designs_json() -> String {
    let v = serde_json::json!({
        "schema": DESIGNS_SCHEMA,
        "tracking": TRACKINGS.iter().map(|t| serde_json::json!({"name": t.name, "summary": t.summary, "source": t.seed})).collect::<Vec<_>>(),
        "handling": HANDLINGS.iter().map(|h| serde_json::json!({"name": h.name, "summary": h.summary, "source": h.seed, "preset_only": h.preset_only})).collect::<Vec<_>>(),
        "presets": PRESETS.iter().map(|p| serde_json::json!({"name": p.name, "tracking": p.tracking, "handling": p.handling, "source": p.source, "mechanism": p.mechanism})).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&v).expect("serialisable") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(expects: &str) -> Scenario {
        let text =
            format!("litmus t\nfs ext4\nfile f pages=1\nthread app {{\n  fsync f\n}}\n{expects}");
        pinlab_litmus::parse("t.litmus", &text).expect("a valid scenario")
    }

    fn names(d: &[Design]) -> Vec<String> {
        d.iter().map(Design::name).collect()
    }

    #[test]
    fn check_without_designs_runs_the_expect_lines_designs_else_every_preset() {
        let s = Selection::for_check(vec![], false);
        let sc = scenario("expect upstream: safe\nexpect legacy: safe\n");
        assert_eq!(names(&s.for_scenario(&sc)), ["upstream", "legacy"]);
        assert_eq!(
            names(&s.for_scenario(&scenario(""))),
            names(&Design::presets())
        );
        assert_eq!(names(&s.columns()), names(&Design::presets()));
    }

    #[test]
    fn named_designs_win_over_expect_lines_and_all_designs_over_both() {
        let sc = scenario("expect upstream: safe\n");
        let named = vec![Design::parse("pin-wait").unwrap()];
        let s = Selection::for_check(named.clone(), false);
        assert_eq!(names(&s.for_scenario(&sc)), ["pin-wait"]);
        assert_eq!(names(&s.columns()), ["pin-wait"]);
        let all = Selection::for_check(named, true);
        assert_eq!(names(&all.for_scenario(&sc)), names(&Design::presets()));
        assert_eq!(
            names(&Selection::named_or_presets(vec![]).columns()),
            names(&Design::presets())
        );
    }

    #[test]
    fn rank_checks_every_pair_and_upstream_last() {
        let r = ranked();
        assert_eq!(r.len(), Design::pairs().len() + 1);
        assert_eq!(r.last().map(Design::name).as_deref(), Some("upstream"));
    }
}
