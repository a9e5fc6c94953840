//! `pinlab check`: each scenario's verdict, violated properties and condition under the designs
//! its expect lines name (or those asked for), judged by the expect lines.

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
    /// Check under this design (repeatable); default: the designs the file's expect lines name.
    #[arg(long = "design", short = 'd', conflicts_with = "all_designs")]
    designs: Vec<String>,
    /// Check under every preset.
    #[arg(long)]
    all_designs: bool,
    #[command(flatten)]
    opts: CheckOpts,
    #[arg(long, short = 'o', value_name = "FILE", help = OUTPUT_HELP)]
    output: Option<PathBuf>,
}

pub fn run(a: Args) -> Result<ExitCode, CliError> {
    let mut sink = Sink::open(a.output.as_deref())?;
    let selection = Selection::for_check(super::parse_designs(&a.designs)?, a.all_designs);
    let loaded = super::load(&a.paths, a.catalog)?;
    let failed = super::something_to_check(&loaded)?;
    let scenarios = loaded.into_scenarios();
    let rows = crate::checks::run(&scenarios, &selection, &a.opts.limits);
    sink.write(&match a.opts.format {
        Format::Text => pinlab_report::check_text(&rows),
        Format::Json => {
            pinlab_report::results_json(&rows, &selection.columns(), pinlab_report::CHECK_SCHEMA)
        }
    })?;
    Ok(super::exit_for(&rows, failed))
}
