//! `pinlab designs`: the design registries, what each design costs (`--costs`), or
//! docs/designs.md (`--markdown`).

use super::Format;
use crate::error::CliError;
use crate::input;
use crate::limits::LimitOpts;
use crate::out;
use pinlab_model::design::Design;
use pinlab_report::{CostTables, Selection};
use std::path::PathBuf;
use std::process::ExitCode;

// No doc comment: the subcommand's help is the variant's in `Cmd`.
#[derive(clap::Args)]
pub struct Args {
    /// How to print the list or the costs.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// What each tracking mechanism and preset costs on the catalog: atomics, locks and tree
    /// updates per pin and unpin, struct page bytes, pages off the LRU, false positives.
    #[arg(long)]
    costs: bool,
    /// With --costs: litmus files or directories; `-` reads one scenario from stdin.
    /// Default: the built-in catalog.
    #[arg(requires = "costs")]
    paths: Vec<PathBuf>,
    /// With --costs: the built-in catalog too, before the paths (the default when no path is
    /// given).
    #[arg(long, requires = "costs")]
    catalog: bool,
    /// With --costs: the limits of each check.
    #[command(flatten)]
    limits: LimitOpts,
    /// docs/designs.md: per preset its source, mechanism, verdicts over the built-in catalog
    /// and the trace of its most instructive failure.
    #[arg(long, conflicts_with_all = ["costs", "format"])]
    markdown: bool,
}

pub fn run(a: Args) -> Result<ExitCode, CliError> {
    if a.markdown {
        return markdown();
    }
    if !a.costs {
        out::stdout(&match a.format {
            Format::Text => pinlab_report::designs_text(),
            Format::Json => pinlab_report::designs_json(),
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let loaded = super::load(&a.paths, a.catalog)?;
    let failed = super::something_to_check(&loaded)?;
    let scenarios = loaded.into_scenarios();
    let selection = Selection::Fixed(CostTables::designs());
    let rows = crate::checks::run(&scenarios, &selection, &a.limits);
    let t = CostTables::from_rows(&rows, input::source_label(&a.paths, a.catalog));
    out::stdout(&match a.format {
        Format::Text => pinlab_report::costs_text(&t),
        Format::Json => pinlab_report::costs_json(&t),
    })?;
    Ok(super::exit_unjudged(failed))
}

/// docs/designs.md, from the built-in catalog checked under every preset with default limits.
fn markdown() -> Result<ExitCode, CliError> {
    let scenarios = super::load(&[], true)?.into_scenarios();
    let presets = Design::presets();
    let selection = Selection::Fixed(presets.clone());
    let rows = crate::checks::run(&scenarios, &selection, &LimitOpts::default());
    out::stdout(&pinlab_report::designs_doc::designs_markdown(
        &rows, &presets,
    ))?;
    Ok(ExitCode::SUCCESS)
}
