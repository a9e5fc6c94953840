//! `pinlab`: the command line. Parses litmus files (or the built-in catalog, or one scenario on
//! stdin), checks them under designs, and prints reports. Exit codes: 0 every check agrees with its
//! `expect` line (the verdict, and the condition's answer where the line pins one), 1 one
//! disagrees, 2 bad input or usage; `help.rs` has each command's, and every non-zero exit says why
//! on stderr.

// A dependency nothing uses is a build cost and a supply-chain risk: warn (an error under
// clippy -D warnings). Test builds see the dev-dependencies too, so only the library is checked.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use limits::LimitOpts;
use pinlab_check::check_counting;
use pinlab_model::design::{Design, HANDLINGS, PRESETS, TRACKINGS};
use pinlab_model::property::Property;
use pinlab_model::scenario::Scenario;
use pinlab_report::{Cell, Row};
use rayon::prelude::*;
use std::path::PathBuf;
use std::process::ExitCode;

// The checker allocates and frees a state per transition; mimalloc halves that cost.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod out;
use out::{errln, Sink};

mod extras;
mod help;
mod input;
mod limits;
mod output;
mod probe_cmd;
mod progress;

use input::{Loaded, Stdin};

mod catalog {
    include!(concat!(env!("OUT_DIR"), "/catalog.rs"));
}

#[derive(Parser)]
#[command(
    name = "pinlab",
    version,
    about = "A laboratory for get_user_pages() pins on file-backed pages: every design, every scenario, a trace for each failure",
    after_help = help::after_help("pinlab"),
    after_long_help = help::after_long_help("pinlab")
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
    #[command(flatten)]
    global: output::GlobalOpts,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    /// For reading: tables and sentences.
    Text,
    /// For programs: one JSON document (its schema is in schemas/, described in docs/json.md).
    Json,
}

/// `explain` also draws: svg is a sequence diagram of the trace.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum TraceFormat {
    /// One atomic step a line, in the kernel's names.
    Text,
    /// The trace as data (pinlab.explain/1, docs/json.md).
    Json,
    /// A sequence diagram: a lane per thread, device and object (docs/report.md).
    Svg,
}

/// The help of the path arguments and of `--catalog`, the same for every command that checks.
const PATHS_HELP: &str = "Litmus files or directories (walked for *.litmus); `-` reads one scenario from stdin. Default: the built-in catalog";
const CATALOG_HELP: &str =
    "Check the built-in catalog too, before the paths (the default when no path is given)";
/// The help of `-o` where stdout is the default.
const OUTPUT_HELP: &str = "Write the output to FILE instead of stdout (`-`: stdout). FILE is opened before the checks start and replaced only when the output is complete";

#[derive(clap::Args)]
struct CheckOpts {
    #[command(flatten)]
    limits: LimitOpts,
    /// How to print the results.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Subcommand)]
enum Cmd {
    /// The designs × scenarios matrix (of the built-in catalog unless paths are given).
    #[command(
        after_help = help::after_help("matrix"),
        after_long_help = help::after_long_help("matrix")
    )]
    Matrix {
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
    },
    /// Check litmus files: verdict, violated properties, final condition, states explored.
    #[command(
        after_help = help::after_help("check"),
        after_long_help = help::after_long_help("check")
    )]
    Check {
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
    },
    /// The shortest counterexample of a scenario under a design: one atomic step a line
    /// (text), the trace as data (json), or a sequence diagram (svg).
    #[command(
        after_help = help::after_help("explain"),
        after_long_help = help::after_long_help("explain")
    )]
    Explain {
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
    },
    /// One self-contained HTML file (no network, opens from disk): the designs × scenarios
    /// matrix, and for each cell its verdict, properties, final condition and trace as text
    /// and as a sequence diagram; a section per design; the run's statistics.
    #[command(
        after_help = help::after_help("report"),
        after_long_help = help::after_long_help("report")
    )]
    Report {
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
    },
    /// Every tracking × handling pair on the catalog: unsafe, hang and refused-or-revoked
    /// scenarios, cost per pin, and the Pareto front of the four.
    #[command(
        after_help = help::after_help("rank"),
        after_long_help = help::after_long_help("rank")
    )]
    Rank {
        #[arg(help = PATHS_HELP)]
        paths: Vec<PathBuf>,
        #[arg(long, help = CATALOG_HELP)]
        catalog: bool,
        #[command(flatten)]
        opts: CheckOpts,
        #[arg(long, short = 'o', value_name = "FILE", help = OUTPUT_HELP)]
        output: Option<PathBuf>,
    },
    /// Tracking mechanisms, handlings and presets, with where in the seeds they come from.
    #[command(
        after_help = help::after_help("designs"),
        after_long_help = help::after_long_help("designs")
    )]
    Designs {
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
    },
    /// Run scenarios on the real running kernel (as root: loop-mounted ext4/xfs/btrfs, tmpfs,
    /// hugetlbfs, memfd) and compare what it did with what the model of `upstream` predicts for
    /// the same order of operations. Exit 0 all agree, 1 a disagreement, 2 nothing could run.
    #[command(
        after_help = help::after_help("probe"),
        after_long_help = help::after_long_help("probe")
    )]
    Probe {
        #[arg(help = PATHS_HELP)]
        paths: Vec<PathBuf>,
        #[arg(long, help = CATALOG_HELP, conflicts_with = "pin_matrix")]
        catalog: bool,
        /// Backings to run each scenario on, comma-separated: ext4, xfs, btrfs, tmpfs, hugetlbfs,
        /// memfd, memfd-hugetlb (default: the scenario's own filesystem).
        #[arg(long, value_delimiter = ',')]
        fs: Vec<String>,
        /// The kernel selftest-style pin matrix: backing × MAP_SHARED/MAP_PRIVATE × PROT_READ/
        /// PROT_READ|PROT_WRITE × pin method (io_uring, O_DIRECT, vmsplice, process_vm_writev).
        #[arg(long, conflicts_with_all = ["paths", "schedule"])]
        pin_matrix: bool,
        /// The order of the ops (one file only): thread names, one per op (`app,flusher,app`; ops
        /// not listed run afterwards), or a file holding `pinlab explain --format json` output.
        #[arg(long)]
        schedule: Option<String>,
        /// How long an op may take before it counts as blocked, in seconds.
        #[arg(long, default_value_t = 3.0)]
        op_timeout: f64,
        /// How to print the runs.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// The design the model predicts with: `upstream` (Linux as it is, the default) or any
        /// other, to see where that design would behave differently from this kernel.
        #[arg(long, short = 'd', default_value = "upstream")]
        design: String,
        /// Internal: run as the supervised worker in this private folder.
        #[arg(long, hide = true)]
        worker: Option<PathBuf>,
        /// Internal: the file holding what the supervisor read from stdin for `-`.
        #[arg(long, hide = true, requires = "worker")]
        stdin_file: Option<PathBuf>,
    },
    /// Shell completions: prints the completion script for SHELL to stdout.
    #[command(
        after_help = help::after_help("completions"),
        after_long_help = help::after_long_help("completions")
    )]
    Completions(extras::Completions),
    /// The man page (roff): prints pinlab(1), or with -o writes it and one page per subcommand.
    #[command(
        after_help = help::after_help("man"),
        after_long_help = help::after_long_help("man")
    )]
    Man(extras::Man),
}

/// A failure that ends the command with exit code 2 after printing `msg` to stderr.
struct BadInput(String);

/// A design named on the command line, with the help a litmus file's `expect` line gives for
/// the same word ("did you mean").
fn parse_design(name: &str) -> Result<Design, BadInput> {
    Design::parse(name).map_err(|e| {
        BadInput(format!(
            "error: --design: unknown design `{name}`\n  = help: {}",
            pinlab_litmus::design_help(name, &e)
        ))
    })
}

fn parse_designs(names: &[String]) -> Result<Vec<Design>, BadInput> {
    names
        .iter()
        .flat_map(|n| n.split(','))
        .map(|n| parse_design(n.trim()))
        .collect()
}

/// The designs named with `-d`, or every preset when none is (`matrix`, `report`).
fn designs_or_presets(names: &[String]) -> Result<Vec<Design>, BadInput> {
    if names.is_empty() {
        Ok(Design::presets())
    } else {
        parse_designs(names)
    }
}

/// A property named with `--property`, with a "did you mean" as in a litmus file.
fn parse_property(name: &str) -> Result<Property, BadInput> {
    Property::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Property::ALL.iter().map(|p| p.name()).collect();
        BadInput(format!(
            "error: --property: unknown property `{name}`\n  = help: {}",
            pinlab_litmus::property_help(name, &names)
        ))
    })
}

/// Reads the inputs of a command that checks (`-` from this process's stdin).
fn load(paths: &[PathBuf], catalog: bool) -> Result<Loaded, BadInput> {
    input::load(paths, catalog, Stdin::Process)
}

/// What a command says about inputs that failed: None when none did; an error (exit 2, nothing
/// written) when no scenario is left to check, since an empty matrix or report would look like
/// an answer.
fn something_to_check(l: &Loaded) -> Result<Option<String>, BadInput> {
    match l.failure_summary() {
        Some(s) if l.scenarios.is_empty() => Err(BadInput(format!(
            "error: nothing could be checked ({s}); nothing written"
        ))),
        s => Ok(s),
    }
}

/// Checks every (scenario, design) pair in parallel; rows come back in input order.
fn run<'a>(
    scenarios: &'a [Scenario],
    designs_for: impl Fn(&Scenario) -> Vec<Design> + Sync,
    limits: &LimitOpts,
) -> Vec<Row<'a>> {
    let jobs: Vec<(usize, Design)> = scenarios
        .iter()
        .enumerate()
        .flat_map(|(i, s)| designs_for(s).into_iter().map(move |d| (i, d)))
        .collect();
    // Each check gets an even share of the memory and the threads, whichever runs when.
    let (limits, at_once) = limits.plan(jobs.len());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(at_once)
        .build()
        .expect("a thread pool");
    let mut per_scenario = vec![0; scenarios.len()];
    for &(i, _) in &jobs {
        per_scenario[i] += 1;
    }
    let progress = progress::Progress::start(&per_scenario);
    let results: Vec<(usize, Cell)> = pool.install(|| {
        jobs.par_iter()
            .map(|&(i, d)| {
                let sc = &scenarios[i];
                let result = check_counting(sc, d, limits, progress.states());
                progress.done(i);
                (
                    i,
                    Cell {
                        design: d,
                        result,
                        expect: pinlab_report::expect_for(sc, &d),
                    },
                )
            })
            .collect()
    });
    let mut rows: Vec<Row> = scenarios
        .iter()
        .map(|s| Row {
            scenario: s,
            cells: Vec::new(),
        })
        .collect();
    for (i, c) in results {
        rows[i].cells.push(c);
    }
    let (states, transitions) = pinlab_report::totals(&rows);
    progress.finish(jobs.len(), states, transitions);
    rows
}

/// The exit code of a command that judges its checks by the expect lines (`matrix`, `check`,
/// `report`); says on stderr how many disagree and which inputs failed, since the output itself
/// may be long, JSON or a file.
fn exit_for(rows: &[Row], failed: Option<String>) -> ExitCode {
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
fn exit_unjudged(failed: Option<String>) -> ExitCode {
    match failed {
        Some(s) => {
            errln!("pinlab: {s}");
            ExitCode::from(2)
        }
        None => ExitCode::SUCCESS,
    }
}

fn main() -> ExitCode {
    // Help is wrapped to the width help.rs wraps its examples to.
    let mut cmd = Cli::command().term_width(help::width());
    let cli = match cmd
        .try_get_matches_from_mut(std::env::args_os())
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(c) => c,
        Err(e) => {
            let e = e.format(&mut cmd);
            // clap writes --help and errors without panicking on a closed stream.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    output::init(&cli.global);
    match real_main(cli) {
        Ok(code) => code,
        Err(BadInput(m)) => {
            errln!("{m}");
            ExitCode::from(2)
        }
    }
}

fn real_main(cli: Cli) -> Result<ExitCode, BadInput> {
    match cli.cmd {
        Cmd::Completions(a) => extras::completions(a),
        Cmd::Man(a) => extras::man(a),
        Cmd::Probe {
            paths,
            catalog,
            fs,
            pin_matrix,
            schedule,
            op_timeout,
            format,
            worker,
            design,
            stdin_file,
        } => {
            let loaded = if pin_matrix {
                Loaded {
                    scenarios: Vec::new(),
                    failed: Vec::new(),
                }
            } else {
                let stdin = stdin_file.as_deref().map_or(Stdin::Process, Stdin::File);
                input::load(&paths, catalog, stdin)?
            };
            if let Some(s) = loaded.failure_summary() {
                return Err(BadInput(format!("pinlab: {s}")));
            }
            // The worker cannot read stdin again: the supervisor hands it what it read.
            let stdin_text = loaded
                .scenarios
                .iter()
                .find(|(sc, _)| sc.source == input::STDIN_NAME)
                .map(|(_, text)| text.clone());
            probe_cmd::probe(probe_cmd::Args {
                inputs: loaded.scenarios,
                stdin_text,
                fs,
                pin_matrix,
                schedule,
                op_timeout,
                json: format == Format::Json,
                worker,
                design,
            })
        }
        Cmd::Matrix {
            paths,
            catalog,
            designs,
            opts,
            output,
        } => {
            let mut sink = Sink::open(output.as_deref())?;
            let designs = designs_or_presets(&designs)?;
            let loaded = load(&paths, catalog)?;
            let failed = something_to_check(&loaded)?;
            let scenarios = loaded.into_scenarios();
            let rows = run(&scenarios, |_| designs.clone(), &opts.limits);
            sink.write(&match opts.format {
                Format::Text => {
                    pinlab_report::matrix_text_styled(&rows, &designs, output::colour(&sink))
                }
                Format::Json => {
                    pinlab_report::results_json(&rows, &designs, pinlab_report::MATRIX_SCHEMA)
                }
            })?;
            Ok(exit_for(&rows, failed))
        }
        Cmd::Check {
            paths,
            catalog,
            designs,
            all_designs,
            opts,
            output,
        } => {
            let mut sink = Sink::open(output.as_deref())?;
            let chosen = parse_designs(&designs)?;
            let loaded = load(&paths, catalog)?;
            let failed = something_to_check(&loaded)?;
            let scenarios = loaded.into_scenarios();
            let pick = |sc: &Scenario| -> Vec<Design> {
                if all_designs {
                    return Design::presets();
                }
                if !chosen.is_empty() {
                    return chosen.clone();
                }
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
            };
            let rows = run(&scenarios, pick, &opts.limits);
            let all: Vec<Design> = if all_designs || chosen.is_empty() {
                Design::presets()
            } else {
                chosen.clone()
            };
            sink.write(&match opts.format {
                Format::Text => pinlab_report::check_text(&rows),
                Format::Json => {
                    pinlab_report::results_json(&rows, &all, pinlab_report::CHECK_SCHEMA)
                }
            })?;
            Ok(exit_for(&rows, failed))
        }
        Cmd::Explain {
            file,
            design,
            property,
            limits,
            format,
            output,
        } => {
            let mut sink = Sink::open(output.as_deref())?;
            let design = parse_design(&design)?;
            let property = property.as_deref().map(parse_property).transpose()?;
            let loaded = load(std::slice::from_ref(&file), false)?;
            if let Some(s) = loaded.failure_summary() {
                return Err(BadInput(format!("pinlab: {s}")));
            }
            let scenarios = loaded.into_scenarios();
            if scenarios.len() != 1 {
                return Err(BadInput(format!(
                    "error: explain takes one litmus file; {} has {}",
                    file.display(),
                    scenarios.len()
                )));
            }
            let sc = &scenarios[0];
            let progress = progress::Progress::start(&[1]);
            let r = check_counting(sc, design, limits.plan(1).0, progress.states());
            progress.clear();
            let head = format!("{} under {}: {}", sc.name, design.name(), r.verdict.text());
            if let Some(p) = property.filter(|&p| r.path_for(p).is_none()) {
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
                return Ok(ExitCode::from(1));
            }
            let Some(x) = pinlab_report::designs_doc::explanation(sc, design, &r, property) else {
                let msg = format!("{head} — {}", pinlab_report::nothing_to_explain(&r));
                // Text is for reading, so a settled "nothing to explain" is the answer. JSON and
                // SVG are for programs and documents: writing a sentence where they expect a
                // trace would be worse than no file, so say it on stderr and exit 1, as for `-p`
                // above; and so for an unsettled one whatever the format.
                if format == TraceFormat::Text && r.complete {
                    sink.write(&format!("{msg}\n"))?;
                    return Ok(ExitCode::SUCCESS);
                }
                errln!("{msg}");
                return Ok(ExitCode::from(1));
            };
            sink.write(&match format {
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
        Cmd::Report {
            paths,
            catalog,
            designs,
            output,
            limits,
        } => {
            let mut sink = Sink::open(Some(&output))?;
            let designs = designs_or_presets(&designs)?;
            let loaded = load(&paths, catalog)?;
            let failed = something_to_check(&loaded)?;
            let failed_inputs = loaded.failed_names();
            let (scenarios, texts): (Vec<Scenario>, Vec<String>) =
                loaded.scenarios.into_iter().unzip();
            let start = std::time::Instant::now();
            let rows = run(&scenarios, |_| designs.clone(), &limits);
            let seconds = start.elapsed().as_secs_f64();
            let html = pinlab_report::html::report_html(
                &rows,
                &designs,
                &pinlab_report::html::ReportMeta {
                    source: &input::source_label(&paths, catalog),
                    texts: &texts,
                    seconds,
                    version: concat!("pinlab ", env!("CARGO_PKG_VERSION")),
                    failed: &failed_inputs,
                },
            );
            sink.write(&html)?;
            if !sink.is_stdout() && !output::quiet() {
                errln!(
                    "pinlab: wrote {} ({} KiB)",
                    output.display(),
                    html.len().div_ceil(1024)
                );
            }
            Ok(exit_for(&rows, failed))
        }
        Cmd::Rank {
            paths,
            catalog,
            opts,
            output,
        } => {
            let mut sink = Sink::open(output.as_deref())?;
            let loaded = load(&paths, catalog)?;
            let failed = something_to_check(&loaded)?;
            let scenarios = loaded.into_scenarios();
            // Every pair, and upstream for reference (its handling is not a pair's).
            let mut designs = Design::pairs();
            designs.extend(Design::preset("upstream"));
            let rows = run(&scenarios, |_| designs.clone(), &opts.limits);
            let r = pinlab_report::rank(&rows, &designs, input::source_label(&paths, catalog));
            sink.write(&match opts.format {
                Format::Text => pinlab_report::rank_text(&r),
                Format::Json => pinlab_report::rank_json(&r),
            })?;
            // rank judges nothing (expect lines are not consulted), but a ranking of checks
            // none of which finished is no ranking.
            let cells = rows.iter().flat_map(|r| &r.cells);
            let incomplete = cells.clone().filter(|c| !c.result.complete).count();
            if failed.is_none() && incomplete > 0 && incomplete == cells.count() {
                errln!("pinlab: every check hit a limit (incomplete): nothing to rank; raise --max-states, --max-memory or --timeout");
                return Ok(ExitCode::from(1));
            }
            Ok(exit_unjudged(failed))
        }
        Cmd::Designs {
            format,
            costs,
            paths,
            catalog,
            limits,
            markdown,
        } => {
            if markdown {
                let scenarios = load(&[], true)?.into_scenarios();
                let presets = Design::presets();
                let rows = run(&scenarios, |_| presets.clone(), &LimitOpts::default());
                out::stdout(&pinlab_report::designs_doc::designs_markdown(
                    &rows, &presets,
                ))?;
                return Ok(ExitCode::SUCCESS);
            }
            if !costs {
                out::stdout(&designs_listing(format))?;
                return Ok(ExitCode::SUCCESS);
            }
            let loaded = load(&paths, catalog)?;
            let failed = something_to_check(&loaded)?;
            let scenarios = loaded.into_scenarios();
            let none = pinlab_model::design::handling("none").expect("the none handling");
            let tracking: Vec<Design> = TRACKINGS
                .iter()
                .map(|t| Design {
                    tracking: t,
                    handling: none,
                    preset: None,
                })
                .collect();
            let presets = Design::presets();
            let designs: Vec<Design> = tracking.iter().chain(&presets).copied().collect();
            let rows = run(&scenarios, |_| designs.clone(), &limits);
            let cost = |i: usize, d: &Design| pinlab_report::DesignCost::of_column(&rows, i, *d);
            let t = pinlab_report::CostTables {
                source: input::source_label(&paths, catalog),
                scenarios: scenarios.len(),
                tracking: tracking
                    .iter()
                    .enumerate()
                    .map(|(i, d)| cost(i, d))
                    .collect(),
                presets: presets
                    .iter()
                    .enumerate()
                    .map(|(i, d)| cost(tracking.len() + i, d))
                    .collect(),
            };
            out::stdout(&match format {
                Format::Text => pinlab_report::costs_text(&t),
                Format::Json => pinlab_report::costs_json(&t),
            })?;
            Ok(exit_unjudged(failed))
        }
    }
}

/// `1 state`, `2 states`.
fn states(n: usize) -> String {
    format!("{n} state{}", if n == 1 { "" } else { "s" })
}

fn designs_listing(format: Format) -> String {
    use std::fmt::Write as _;
    if format == Format::Json {
        let v = serde_json::json!({
            "schema": "pinlab.designs/1",
            "tracking": TRACKINGS.iter().map(|t| serde_json::json!({"name": t.name, "summary": t.summary, "source": t.seed})).collect::<Vec<_>>(),
            "handling": HANDLINGS.iter().map(|h| serde_json::json!({"name": h.name, "summary": h.summary, "source": h.seed, "preset_only": h.preset_only})).collect::<Vec<_>>(),
            "presets": PRESETS.iter().map(|p| serde_json::json!({"name": p.name, "tracking": p.tracking, "handling": p.handling, "source": p.source, "mechanism": p.mechanism})).collect::<Vec<_>>(),
        });
        return serde_json::to_string_pretty(&v).unwrap() + "\n";
    }
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
