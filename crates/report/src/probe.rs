//! The probe's conformance table: scenario × backing → what the kernel did next to what the model
//! of `upstream` predicts for the same order, and `agree` or `DISAGREE` with the differing
//! observables. JSON schema `pinlab.probe/1` (docs/json.md).

use pinlab_probe_data::{Entry, Obs, Observations, Outcome};
use serde::Serialize;

pub const PROBE_SCHEMA: &str = "pinlab.probe/1";

/// What the run was about, printed above the table.
#[derive(Clone, Debug, Serialize)]
pub struct ProbeHeader {
    /// `uname -sr` and machine of the running kernel.
    pub kernel: String,
    /// The design the model runs under (upstream unless `--design` says otherwise).
    pub model: String,
    pub order: String,
}

#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct ProbeSummary {
    pub agree: usize,
    pub disagree: usize,
    pub skipped: usize,
}

pub fn summary(entries: &[Entry]) -> ProbeSummary {
    let mut s = ProbeSummary::default();
    for e in entries {
        match e.outcome {
            Outcome::Agree(_) => s.agree += 1,
            Outcome::Disagree(_) => s.disagree += 1,
            Outcome::Skipped { .. } => s.skipped += 1,
        }
    }
    s
}

fn short(o: &Observations) -> String {
    let mut parts: Vec<String> = o
        .items
        .iter()
        .filter(|(_, v)| !matches!(v, Obs::Unobserved(_)))
        .map(|(n, v)| format!("{n}={}", v.text()))
        .collect();
    if !o.blocked.is_empty() {
        parts.push(format!("waiting: {}", o.blocked.join("; ")));
    }
    parts.join("  ")
}

/// The table, one scenario × backing a block.
pub fn probe_text(header: &ProbeHeader, entries: &[Entry]) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "probe: kernel {} — model {} — order: {}\n\n",
        header.kernel, header.model, header.order
    ));
    for e in entries {
        let (word, detail) = match &e.outcome {
            Outcome::Agree(_) => ("agree", String::new()),
            Outcome::Disagree(_) => ("DISAGREE", String::new()),
            Outcome::Skipped { reason, .. } => ("skipped", reason.clone()),
        };
        out.push_str(&format!("{:<46} {:<13} {word}", e.scenario, e.backing));
        if !detail.is_empty() {
            out.push_str(&format!(": {detail}"));
        }
        out.push('\n');
        if let Outcome::Agree(c) | Outcome::Disagree(c) = &e.outcome {
            out.push_str(&format!("    kernel: {}\n", short(&c.kernel)));
            if c.differences.is_empty() {
                out.push_str("    model:  the same\n");
            } else {
                out.push_str(&format!("    model:  {}\n", short(&c.model)));
                for d in &c.differences {
                    out.push_str(&format!(
                        "    differs: {}: kernel {}, model {}\n",
                        d.observable, d.kernel, d.model
                    ));
                }
            }
            for u in &c.unobserved {
                let why = c
                    .kernel
                    .items
                    .iter()
                    .find(|(n, _)| n == u)
                    .map(|(_, o)| o.text())
                    .unwrap_or_default();
                out.push_str(&format!("    unobserved: {u} {why}\n"));
            }
            for n in &c.notes {
                out.push_str(&format!("    note: {n}\n"));
            }
            if !c.model_violations.is_empty() {
                out.push_str(&format!(
                    "    model: this order violates {}\n",
                    c.model_violations.join(", ")
                ));
            }
        }
        for n in &e.schedule_notes {
            out.push_str(&format!("    order: {n}\n"));
        }
    }
    let s = summary(entries);
    out.push_str(&format!(
        "\n{} runs: {} agree, {} disagree, {} skipped\n",
        entries.len(),
        s.agree,
        s.disagree,
        s.skipped
    ));
    out
}

#[derive(Serialize)]
struct JsonProbe<'a> {
    schema: &'static str,
    #[serde(flatten)]
    header: &'a ProbeHeader,
    runs: &'a [Entry],
    summary: ProbeSummary,
}

pub fn probe_json(header: &ProbeHeader, entries: &[Entry]) -> String {
    let j = JsonProbe {
        schema: PROBE_SCHEMA,
        header,
        runs: entries,
        summary: summary(entries),
    };
    serde_json::to_string_pretty(&j).expect("serialisable") + "\n"
}
