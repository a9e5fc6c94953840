//! pinlab-probe-data: what a probe run found, as plain data. `pinlab-probe` fills it (running the
//! kernel and the model); `pinlab-report` renders it (the table and `pinlab.probe/1`). A crate of
//! its own so the renderer needs neither the kernel runner nor its system-call dependencies, and
//! the model crate does not carry the probe's vocabulary.

// A dependency nothing uses is a build cost and a supply-chain risk: warn (an error under
// clippy -D warnings). Test builds see the dev-dependencies too, so only the library is checked.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

use serde::Serialize;

/// What one observable held at the end of the run (or, for a pin, what the pin returned).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Obs {
    /// A value of the scenario, by its name (`0` for zeroes).
    Val(String),
    /// `none`: not cached, unmapped, beyond EOF, never written.
    None,
    /// A pin's (or a seal's) result: `ok` or an errno name; `not run` if its thread never got there.
    Status(String),
    /// Content that is no value of the scenario: a torn page, or a byte no value stands for.
    Raw(String),
    /// The probe could not observe it here, and why. Never counted as agreement.
    Unobserved(String),
}

impl Obs {
    pub fn text(&self) -> String {
        match self {
            Obs::Val(v) => v.clone(),
            Obs::None => "none".into(),
            Obs::Status(s) => s.clone(),
            Obs::Raw(r) => r.clone(),
            Obs::Unobserved(why) => format!("? ({why})"),
        }
    }
}

/// One run's observations, in a fixed order (pins, registers, then locations as the scenario lists
/// them), so the kernel's and the model's line up.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Observations {
    pub items: Vec<(String, Obs)>,
    /// Threads whose op never completed (waiting at the end of the run), with that op.
    pub blocked: Vec<String>,
}

/// An observable on which the kernel and the model differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub observable: String,
    pub kernel: String,
    pub model: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    Agree(Compared),
    Disagree(Compared),
    Skipped {
        reason: String,
        /// Skipped only because the probe is not root (not in the JSON: `reason` says it).
        #[serde(skip)]
        not_root: bool,
    },
}

impl Outcome {
    /// Skipped for `reason`, which is not the lack of root.
    pub fn skipped(reason: String) -> Outcome {
        Outcome::Skipped {
            reason,
            not_root: false,
        }
    }

    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Agree(_) => "agree",
            Outcome::Disagree(_) => "DISAGREE",
            Outcome::Skipped { .. } => "skipped",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Compared {
    pub kernel: Observations,
    pub model: Observations,
    pub differences: Vec<Difference>,
    /// Observables the kernel side could not observe: neither agreement nor disagreement.
    pub unobserved: Vec<String>,
    /// What the probe noticed while running the ops on the kernel.
    pub notes: Vec<String>,
    /// Properties the model finds violated along this one order (informational: the kernel shows
    /// effects, not properties).
    pub model_violations: Vec<&'static str>,
}

/// One run: a scenario on one backing, in one order, and what came of it.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub scenario: String,
    pub source: String,
    pub backing: String,
    /// The order the ops ran in, as thread names.
    pub schedule: Vec<String>,
    pub schedule_notes: Vec<String>,
    #[serde(flatten)]
    pub outcome: Outcome,
}
