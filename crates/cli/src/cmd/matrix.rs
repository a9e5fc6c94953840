//! `pinlab matrix`: the designs × scenarios matrix, judged by the expect lines.

use super::{CheckOpts, Format, CATALOG_HELP, OUTPUT_HELP, PATHS_HELP};
use crate::error::CliError;
use crate::out::Sink;
use pinlab_report::Selection;
use std::path::PathBuf;
use std::process::ExitCode;

// No doc comment: the subcommand's help is the variant's in `Cmd`.
#[derive(clap::Args)]
pub struct Args {
    #[arg(help = PATHS_HELP)]
    paths: Vec<PathBuf>,
    #[arg(long, help = CATALOG_HELP)]
    catalog: bool,
    /// Designs to show: presets or TRACKING+HANDLING, repeatable (default: every preset).
    #[arg(long = "design", short = 'd')]
    designs: Vec<String>,
    #[command(flatten)]
    opts: CheckOpts,
    #[arg(long, short = 'o', value_name = "FILE", help = OUTPUT_HELP)]
    output: Option<PathBuf>,
}

pub fn run(a: Args) -> Result<ExitCode, CliError> {
    let mut sink = Sink::open(a.output.as_deref())?;
    let selection = Selection::named_or_presets(super::parse_designs(&a.designs)?);
    let loaded = super::load(&a.paths, a.catalog)?;
    let failed = super::something_to_check(&loaded)?;
    let scenarios = loaded.into_scenarios();
    let rows = crate::checks::run(&scenarios, &selection, &a.opts.limits);
    let designs = selection.columns();
    sink.write(&match a.opts.format {
        Format::Text => {
            pinlab_report::matrix_text_styled(&rows, &designs, crate::output::colour(&sink))
        }
        Format::Json => pinlab_report::results_json(&rows, &designs, pinlab_report::MATRIX_SCHEMA),
    })?;
    Ok(super::exit_for(&rows, failed))
}
