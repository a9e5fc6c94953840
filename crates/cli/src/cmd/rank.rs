//! `pinlab rank`: every tracking × handling pair ranked on the catalog, and the Pareto front.

use super::{CheckOpts, Format, CATALOG_HELP, OUTPUT_HELP, PATHS_HELP};
use crate::error::CliError;
use crate::input;
use crate::out::{errln, Sink};
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
    #[command(flatten)]
    opts: CheckOpts,
    #[arg(long, short = 'o', value_name = "FILE", help = OUTPUT_HELP)]
    output: Option<PathBuf>,
}

pub fn run(a: Args) -> Result<ExitCode, CliError> {
    let mut sink = Sink::open(a.output.as_deref())?;
    let loaded = super::load(&a.paths, a.catalog)?;
    let failed = super::something_to_check(&loaded)?;
    let scenarios = loaded.into_scenarios();
    let designs = pinlab_report::designs::ranked();
    let selection = Selection::Fixed(designs.clone());
    let rows = crate::checks::run(&scenarios, &selection, &a.opts.limits);
    let r = pinlab_report::rank(&rows, &designs, input::source_label(&a.paths, a.catalog));
    sink.write(&match a.opts.format {
        Format::Text => pinlab_report::rank_text(&r),
        Format::Json => pinlab_report::rank_json(&r),
    })?;
    // rank judges nothing (expect lines are not consulted), but a ranking of checks none of
    // which finished is no ranking.
    let cells = rows.iter().flat_map(|r| &r.cells);
    let incomplete = cells.clone().filter(|c| !c.result.complete).count();
    if failed.is_none() && incomplete > 0 && incomplete == cells.count() {
        errln!("pinlab: every check hit a limit (incomplete): nothing to rank; raise --max-states, --max-memory or --timeout");
        return Ok(ExitCode::from(1));
    }
    Ok(super::exit_unjudged(failed))
}
