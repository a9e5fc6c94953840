//! `pinlab explain`: the shortest counterexample of one scenario under one design, as text, JSON
//! or a sequence diagram.

use super::OUTPUT_HELP;
use crate::error::CliError;
use crate::limits::LimitOpts;
use crate::out::{errln, Sink};
use clap::ValueEnum;
use pinlab_check::CheckResult;
use pinlab_model::property::Property;
use std::path::PathBuf;
use std::process::ExitCode;

/// `explain` also draws: svg is a sequence diagram of the trace.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TraceFormat {
    /// One atomic step a line, in the kernel's names.
    Text,
    /// The trace as data (pinlab.explain/1, docs/json.md).
    Json,
    /// A sequence diagram: a lane per thread, device and object (docs/report.md).
    Svg,
}

// No doc comment: the subcommand's help is the variant's in `Cmd`.
#[derive(clap::Args)]
pub struct Args {
    /// The litmus file holding the scenario (`-`: read it from stdin).
    file: PathBuf,
    /// The design to check under: a preset or TRACKING+HANDLING.
    #[arg(long, short = 'd')]
    design: String,
    /// The property to explain (default: the one with the shortest counterexample).
    #[arg(long, short = 'p')]
    property: Option<String>,
    #[command(flatten)]
    limits: LimitOpts,
    /// How to show the trace.
    #[arg(long, value_enum, default_value_t = TraceFormat::Text)]
    format: TraceFormat,
    #[arg(long, short = 'o', value_name = "FILE", help = OUTPUT_HELP)]
    output: Option<PathBuf>,
}

/// `1 state`, `2 states`.
fn states(n: usize) -> String {
    format!("{n} state{}", if n == 1 { "" } else { "s" })
}

pub fn run(a: Args) -> Result<ExitCode, CliError> {
    let mut sink = Sink::open(a.output.as_deref())?;
    let design = super::parse_design(&a.design)?;
    let property = a
        .property
        .as_deref()
        .map(super::parse_property)
        .transpose()?;
    let loaded = super::load(std::slice::from_ref(&a.file), false)?;
    if let Some(s) = loaded.failure_summary() {
        return Err(CliError::Input(format!("pinlab: {s}")));
    }
    let scenarios = loaded.into_scenarios();
    if scenarios.len() != 1 {
        return Err(CliError::Usage(format!(
            "error: explain takes one litmus file; {} has {}",
            a.file.display(),
            scenarios.len()
        )));
    }
    let sc = &scenarios[0];
    let r = crate::checks::one(sc, design, &a.limits);
    let head = format!("{} under {}: {}", sc.name, design.name(), r.verdict.text());
    if let Some(p) = property.filter(|&p| r.path_for(p).is_none()) {
        not_violated(&head, p, &r);
        return Ok(ExitCode::from(1));
    }
    let Some(x) = pinlab_report::designs_doc::explanation(sc, design, &r, property) else {
        let msg = format!("{head} — {}", pinlab_report::nothing_to_explain(&r));
        // Text is for reading, so a settled "nothing to explain" is the answer. JSON and SVG are
        // for programs and documents: writing a sentence where they expect a trace would be
        // worse than no file, so say it on stderr and exit 1, as for `-p` above; and so for an
        // unsettled one whatever the format.
        if a.format == TraceFormat::Text && r.complete {
            sink.write(&format!("{msg}\n"))?;
            return Ok(ExitCode::SUCCESS);
        }
        errln!("{msg}");
        return Ok(ExitCode::from(1));
    };
    sink.write(&match a.format {
        TraceFormat::Text => pinlab_report::explain_text(&x),
        TraceFormat::Json => pinlab_report::explain_json(&x),
        TraceFormat::Svg => pinlab_report::diagram::explain_svg(&x),
    })?;
    if let Some(cut) = r.cut {
        // BFS: the trace is still the shortest, but the verdict is not settled.
        errln!(
            "pinlab: {head} — {} stopped the search after {}: the trace is the shortest of its kind, but other executions were not seen; raise {} to settle the verdict",
            cut.text(),
            states(r.stats.states),
            cut.option()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Says on stderr that `p`, asked for with `-p`, has no counterexample: in any execution, or in
/// those explored before a limit stopped the search.
fn not_violated(head: &str, p: Property, r: &CheckResult) {
    if r.complete {
        errln!("{head} — {} is not violated in any execution", p.name());
    } else {
        let cut = r.cut.expect("an incomplete check has a cut");
        errln!(
            "{head} — {} is not violated in the {} explored before {} stopped the search; raise {} to settle it",
            p.name(),
            states(r.stats.states),
            cut.text(),
            cut.option()
        );
    }
}
