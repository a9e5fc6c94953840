//! One module per command: each holds its arguments (clap) and `run`, which returns the exit
//! code of an answer (0 agrees, 1 disagrees) or a `CliError` (exit 2). What the commands share is
//! here: how they name designs and inputs, and the exit codes of commands that check.

use crate::error::CliError;
use crate::help;
use crate::input::{self, Loaded, Stdin};
use crate::limits::LimitOpts;
use crate::out::errln;
use clap::{Subcommand, ValueEnum};
use pinlab_model::design::Design;
use pinlab_model::property::Property;
use pinlab_report::Row;
use std::path::PathBuf;
use std::process::ExitCode;

pub mod check;
pub mod completions;
pub mod designs;
pub mod explain;
pub mod man;
pub mod matrix;
pub mod probe;
pub mod rank;
pub mod report;

#[derive(Subcommand)]
pub enum Cmd {
    /// The designs × scenarios matrix (of the built-in catalog unless paths are given).
    #[command(
        after_help = help::after_help("matrix"),
        after_long_help = help::after_long_help("matrix")
    )]
    Matrix(matrix::Args),
    /// Check litmus files: verdict, violated properties, final condition, states explored.
    #[command(
        after_help = help::after_help("check"),
        after_long_help = help::after_long_help("check")
    )]
    Check(check::Args),
    /// The shortest counterexample of a scenario under a design: one atomic step a line
    /// (text), the trace as data (json), or a sequence diagram (svg).
    #[command(
        after_help = help::after_help("explain"),
        after_long_help = help::after_long_help("explain")
    )]
    Explain(explain::Args),
    /// One self-contained HTML file (no network, opens from disk): the designs × scenarios
    /// matrix, and for each cell its verdict, properties, final condition and trace as text
    /// and as a sequence diagram; a section per design; the run's statistics.
    #[command(
        after_help = help::after_help("report"),
        after_long_help = help::after_long_help("report")
    )]
    Report(report::Args),
    /// Every tracking × handling pair on the catalog: unsafe, hang and refused-or-revoked
    /// scenarios, cost per pin, and the Pareto front of the four.
    #[command(
        after_help = help::after_help("rank"),
        after_long_help = help::after_long_help("rank")
    )]
    Rank(rank::Args),
    /// Tracking mechanisms, handlings and presets, with where in the seeds they come from.
    #[command(
        after_help = help::after_help("designs"),
        after_long_help = help::after_long_help("designs")
    )]
    Designs(designs::Args),
    /// Run scenarios on the real running kernel (as root: loop-mounted ext4/xfs/btrfs, tmpfs,
    /// hugetlbfs, memfd) and compare what it did with what the model of `upstream` predicts for
    /// the same order of operations. Exit 0 all agree, 1 a disagreement, 2 nothing could run.
    #[command(
        after_help = help::after_help("probe"),
        after_long_help = help::after_long_help("probe")
    )]
    Probe(probe::Args),
    /// Shell completions: prints the completion script for SHELL to stdout.
    #[command(
        after_help = help::after_help("completions"),
        after_long_help = help::after_long_help("completions")
    )]
    Completions(completions::Args),
    /// The man page (roff): prints pinlab(1), or with -o writes it and one page per subcommand.
    #[command(
        after_help = help::after_help("man"),
        after_long_help = help::after_long_help("man")
    )]
    Man(man::Args),
}

impl Cmd {
    pub fn run(self) -> Result<ExitCode, CliError> {
        match self {
            Cmd::Matrix(a) => matrix::run(a),
            Cmd::Check(a) => check::run(a),
            Cmd::Explain(a) => explain::run(a),
            Cmd::Report(a) => report::run(a),
            Cmd::Rank(a) => rank::run(a),
            Cmd::Designs(a) => designs::run(a),
            Cmd::Probe(a) => probe::run(a),
            Cmd::Completions(a) => completions::run(a),
            Cmd::Man(a) => man::run(a),
        }
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// For reading: tables and sentences.
    Text,
    /// For programs: one JSON document (its schema is in schemas/, described in docs/json.md).
    Json,
}

/// The help of the path arguments and of `--catalog`, the same for every command that checks.
pub const PATHS_HELP: &str = "Litmus files or directories (walked for *.litmus); `-` reads one scenario from stdin. Default: the built-in catalog";
pub const CATALOG_HELP: &str =
    "Check the built-in catalog too, before the paths (the default when no path is given)";
/// The help of `-o` where stdout is the default.
pub const OUTPUT_HELP: &str = "Write the output to FILE instead of stdout (`-`: stdout). FILE is opened before the checks start and replaced only when the output is complete";

#[derive(clap::Args)]
pub struct CheckOpts {
    #[command(flatten)]
    pub limits: LimitOpts,
    /// How to print the results.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// A design named on the command line, with the help a litmus file's `expect` line gives for
/// the same word ("did you mean").
pub fn parse_design(name: &str) -> Result<Design, CliError> {
    Design::parse(name).map_err(|e| {
        CliError::Usage(format!(
            "error: --design: unknown design `{name}`\n  = help: {}",
            pinlab_litmus::design_help(name, &e)
        ))
    })
}

/// The designs named with `-d` (repeatable, and comma-separated).
pub fn parse_designs(names: &[String]) -> Result<Vec<Design>, CliError> {
    names
        .iter()
        .flat_map(|n| n.split(','))
        .map(|n| parse_design(n.trim()))
        .collect()
}

/// A property named with `--property`, with a "did you mean" as in a litmus file.
pub fn parse_property(name: &str) -> Result<Property, CliError> {
    Property::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Property::ALL.iter().map(|p| p.name()).collect();
        CliError::Usage(format!(
            "error: --property: unknown property `{name}`\n  = help: {}",
            pinlab_litmus::property_help(name, &names)
        ))
    })
}

/// Reads the inputs of a command that checks (`-` from this process's stdin).
pub fn load(paths: &[PathBuf], catalog: bool) -> Result<Loaded, CliError> {
    input::load(paths, catalog, Stdin::Process)
}

/// What a command says about inputs that failed: None when none did; an error (exit 2, nothing
/// written) when no scenario is left to check, since an empty matrix or report would look like
/// an answer.
pub fn something_to_check(l: &Loaded) -> Result<Option<String>, CliError> {
    match l.failure_summary() {
        Some(s) if l.scenarios.is_empty() => Err(CliError::Input(format!(
            "error: nothing could be checked ({s}); nothing written"
        ))),
        s => Ok(s),
    }
}

/// The exit code of a command that judges its checks by the expect lines (`matrix`, `check`,
/// `report`); says on stderr how many disagree and which inputs failed, since the output itself
/// may be long, JSON or a file.
pub fn exit_for(rows: &[Row], failed: Option<String>) -> ExitCode {
    let disagree = rows
        .iter()
        .flat_map(|r| &r.cells)
        .filter(|c| c.agrees() == Some(false))
        .count();
    if disagree > 0 {
        errln!(
            "pinlab: {disagree} expect line{} disagree{} with the model",
            if disagree == 1 { "" } else { "s" },
            if disagree == 1 { "s" } else { "" }
        );
    }
    if let Some(s) = failed {
        errln!("pinlab: {s}");
        ExitCode::from(2)
    } else if disagree > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The exit code of a command that judges nothing (`rank`, `designs --costs`): 2 when an input
/// failed, saying which.
pub fn exit_unjudged(failed: Option<String>) -> ExitCode {
    match failed {
        Some(s) => {
            errln!("pinlab: {s}");
            ExitCode::from(2)
        }
        None => ExitCode::SUCCESS,
    }
}
