//! `pinlab report`: one self-contained HTML file of the matrix, each cell's trace and the run.

use super::{CATALOG_HELP, PATHS_HELP};
use crate::error::CliError;
use crate::input;
use crate::limits::LimitOpts;
use crate::out::{errln, Sink};
use pinlab_model::scenario::Scenario;
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
    /// Designs to report on: presets or TRACKING+HANDLING, repeatable (default: every preset).
    #[arg(long = "design", short = 'd')]
    designs: Vec<String>,
    /// The HTML file to write (`-`: stdout). It is opened before the checks start and replaced
    /// only when the report is complete; when nothing could be checked, none is written.
    #[arg(long, short = 'o', value_name = "FILE", default_value = "report.html")]
    output: PathBuf,
    #[command(flatten)]
    limits: LimitOpts,
}

pub fn run(a: Args) -> Result<ExitCode, CliError> {
    let mut sink = Sink::open(Some(&a.output))?;
    let selection = Selection::named_or_presets(super::parse_designs(&a.designs)?);
    let loaded = super::load(&a.paths, a.catalog)?;
    let failed = super::something_to_check(&loaded)?;
    let failed_inputs = loaded.failed_names();
    let (scenarios, texts): (Vec<Scenario>, Vec<String>) = loaded.scenarios.into_iter().unzip();
    let start = std::time::Instant::now();
    let rows = crate::checks::run(&scenarios, &selection, &a.limits);
    let seconds = start.elapsed().as_secs_f64();
    let html = pinlab_report::html::report_html(
        &rows,
        &selection.columns(),
        &pinlab_report::html::ReportMeta {
            source: &input::source_label(&a.paths, a.catalog),
            texts: &texts,
            seconds,
            version: concat!("pinlab ", env!("CARGO_PKG_VERSION")),
            failed: &failed_inputs,
        },
    );
    sink.write(&html)?;
    if !sink.is_stdout() && !crate::output::quiet() {
        errln!(
            "pinlab: wrote {} ({} KiB)",
            a.output.display(),
            html.len().div_ceil(1024)
        );
    }
    Ok(super::exit_for(&rows, failed))
}
