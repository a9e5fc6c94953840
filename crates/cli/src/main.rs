//! `pinlab`: the command line. Parses litmus files (or the built-in catalog), checks them under
//! designs, and prints reports. Exit codes: 0 every check agrees with its `expect` line (the
//! verdict, and the condition's answer where the line pins one), 1 one disagrees, 2 bad input or
//! usage.

use clap::{Parser, Subcommand, ValueEnum};
use pinlab_check::{check_counting, Limits};
use pinlab_model::design::{Design, HANDLINGS, PRESETS, TRACKINGS};
use pinlab_model::property::Property;
use pinlab_model::scenario::Scenario;
use pinlab_report::{Cell, Row};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

// The checker allocates and frees a state per transition; mimalloc halves that cost.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod extras;
mod output;
mod probe_cmd;
mod progress;

mod catalog {
    include!(concat!(env!("OUT_DIR"), "/catalog.rs"));
}

#[derive(Parser)]
#[command(
    name = "pinlab",
    version,
    about = "A laboratory for get_user_pages() pins on file-backed pages: every design, every scenario, a trace for each failure"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
    #[command(flatten)]
    global: output::GlobalOpts,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

/// `explain` also draws: svg is a sequence diagram of the trace.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum TraceFormat {
    Text,
    Json,
    Svg,
}

#[derive(clap::Args)]
struct CheckOpts {
    /// Stop after this many distinct states per check; the verdict is then `incomplete`.
    #[arg(long, default_value_t = Limits::default().max_states)]
    max_states: usize,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Subcommand)]
enum Cmd {
    /// The designs × scenarios matrix (of the built-in catalog unless paths are given).
    Matrix {
        /// Litmus files or directories (default: the built-in catalog).
        paths: Vec<PathBuf>,
        /// Designs to show: presets or TRACKING+HANDLING, repeatable (default: every preset).
        #[arg(long = "design", short = 'd')]
        designs: Vec<String>,
        #[command(flatten)]
        opts: CheckOpts,
    },
    /// Check litmus files: verdict, violated properties, final condition, states explored.
    Check {
        /// Litmus files or directories (`-` or nothing: the built-in catalog).
        paths: Vec<PathBuf>,
        /// Check under this design (repeatable); default: the designs the file's expect lines name.
        #[arg(long = "design", short = 'd', conflicts_with = "all_designs")]
        designs: Vec<String>,
        /// Check under every preset.
        #[arg(long)]
        all_designs: bool,
        #[command(flatten)]
        opts: CheckOpts,
    },
    /// The shortest counterexample of a scenario under a design: one atomic step a line
    /// (text), the trace as data (json), or a sequence diagram (svg).
    Explain {
        file: PathBuf,
        #[arg(long, short = 'd')]
        design: String,
        /// The property to explain (default: the one with the shortest counterexample).
        #[arg(long, short = 'p')]
        property: Option<String>,
        /// Stop after this many distinct states; the verdict is then `incomplete`.
        #[arg(long, default_value_t = Limits::default().max_states)]
        max_states: usize,
        #[arg(long, value_enum, default_value_t = TraceFormat::Text)]
        format: TraceFormat,
        /// Write the output to this file instead of stdout.
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
    /// One self-contained HTML file (no network, opens from disk): the designs × scenarios
    /// matrix, and for each cell its verdict, properties, final condition and trace as text
    /// and as a sequence diagram; a section per design; the run's statistics.
    Report {
        /// Litmus files or directories (default: the built-in catalog).
        paths: Vec<PathBuf>,
        /// Designs to report on: presets or TRACKING+HANDLING, repeatable (default: every preset).
        #[arg(long = "design", short = 'd')]
        designs: Vec<String>,
        /// The HTML file to write (`-`: stdout).
        #[arg(long, short = 'o', default_value = "report.html")]
        output: PathBuf,
        /// Stop after this many distinct states per check; the verdict is then `incomplete`.
        #[arg(long, default_value_t = Limits::default().max_states)]
        max_states: usize,
    },
    /// Every tracking × handling pair on the catalog: unsafe, hang and refused-or-revoked
    /// scenarios, cost per pin, and the Pareto front of the four.
    Rank {
        /// Litmus files or directories (default: the built-in catalog).
        paths: Vec<PathBuf>,
        #[command(flatten)]
        opts: CheckOpts,
    },
    /// Tracking mechanisms, handlings and presets, with where in the seeds they come from.
    Designs {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// What each tracking mechanism and preset costs on the catalog: atomics, locks and tree
        /// updates per pin and unpin, struct page bytes, pages off the LRU, false positives.
        #[arg(long)]
        costs: bool,
        /// With --costs: litmus files or directories (default: the built-in catalog).
        #[arg(requires = "costs")]
        paths: Vec<PathBuf>,
        /// With --costs: stop after this many distinct states per check.
        #[arg(long, requires = "costs", default_value_t = Limits::default().max_states)]
        max_states: usize,
        /// docs/designs.md: per preset its source, mechanism, verdicts over the built-in catalog
        /// and the trace of its most instructive failure.
        #[arg(long, conflicts_with_all = ["costs", "format"])]
        markdown: bool,
    },
    /// Run scenarios on the real running kernel (as root: loop-mounted ext4/xfs/btrfs, tmpfs,
    /// hugetlbfs, memfd) and compare what it did with what the model of `upstream` predicts for
    /// the same order of operations. Exit 0 all agree, 1 a disagreement, 2 nothing could run.
    Probe {
        /// Litmus files or directories (default: the built-in catalog).
        paths: Vec<PathBuf>,
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
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// The design the model predicts with: `upstream` (Linux as it is, the default) or any
        /// other, to see where that design would behave differently from this kernel.
        #[arg(long, short = 'd', default_value = "upstream")]
        design: String,
        /// Internal: run as the supervised worker in this private folder.
        #[arg(long, hide = true)]
        worker: Option<PathBuf>,
    },
    /// Shell completions: prints the completion script for SHELL to stdout.
    Completions(extras::Completions),
    /// The man page (roff): prints pinlab(1), or with -o writes it and one page per subcommand.
    Man(extras::Man),
}

/// A failure that ends the command with exit code 2 after printing `msg` to stderr.
struct BadInput(String);

fn collect_files(p: &Path, out: &mut Vec<PathBuf>) -> Result<(), BadInput> {
    let md = std::fs::metadata(p)
        .map_err(|e| BadInput(format!("error: cannot read {}: {e}", p.display())))?;
    if md.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
            .map_err(|e| BadInput(format!("error: cannot list {}: {e}", p.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            if e.is_dir() || e.extension().is_some_and(|x| x == "litmus") {
                collect_files(&e, out)?;
            }
        }
    } else {
        out.push(p.to_path_buf());
    }
    Ok(())
}

/// Parses the inputs. Files that fail to parse are reported on stderr and skipped; the caller
/// exits 2 if any did.
fn load(paths: &[PathBuf]) -> (Vec<Scenario>, bool) {
    let (parsed, bad) = load_with_text(paths);
    (parsed.into_iter().map(|(s, _)| s).collect(), bad)
}

/// `load`, keeping each scenario's text.
fn load_with_text(paths: &[PathBuf]) -> (Vec<(Scenario, String)>, bool) {
    let mut sources: Vec<(String, String)> = Vec::new();
    let mut bad = false;
    if paths.is_empty() || paths.iter().all(|p| p.as_os_str() == "-") {
        for (name, text) in catalog::CATALOG {
            sources.push((format!("litmus/{name}"), text.to_string()));
        }
    } else {
        let mut files = Vec::new();
        for p in paths {
            if let Err(BadInput(m)) = collect_files(p, &mut files) {
                eprintln!("{m}");
                bad = true;
            }
        }
        if files.is_empty() && !bad {
            eprintln!(
                "error: no .litmus files found in {}",
                paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            bad = true;
        }
        for f in files {
            match std::fs::read_to_string(&f) {
                Ok(t) => sources.push((f.display().to_string(), t)),
                Err(e) => {
                    eprintln!("error: cannot read {}: {e}", f.display());
                    bad = true;
                }
            }
        }
    }
    let mut out = Vec::new();
    for (name, text) in sources {
        match pinlab_litmus::parse(&name, &text) {
            Ok(sc) => out.push((sc, text)),
            Err(d) => {
                eprint!("{}", d.render_styled(&text, output::colour_stderr()));
                bad = true;
            }
        }
    }
    (out, bad)
}

fn parse_designs(names: &[String]) -> Result<Vec<Design>, BadInput> {
    let mut out = Vec::new();
    for n in names.iter().flat_map(|n| n.split(',')) {
        out.push(Design::parse(n.trim()).map_err(|e| BadInput(format!("error: {e}")))?);
    }
    Ok(out)
}

/// The designs named with `-d`, or every preset when none is (`matrix`, `report`).
fn designs_or_presets(names: &[String]) -> Result<Vec<Design>, BadInput> {
    if names.is_empty() {
        Ok(Design::presets())
    } else {
        parse_designs(names)
    }
}

/// Checks every (scenario, design) pair in parallel; rows come back in input order.
fn run<'a>(
    scenarios: &'a [Scenario],
    designs_for: impl Fn(&Scenario) -> Vec<Design> + Sync,
    limits: Limits,
) -> Vec<Row<'a>> {
    let jobs: Vec<(usize, Design)> = scenarios
        .iter()
        .enumerate()
        .flat_map(|(i, s)| designs_for(s).into_iter().map(move |d| (i, d)))
        .collect();
    let mut per_scenario = vec![0; scenarios.len()];
    for &(i, _) in &jobs {
        per_scenario[i] += 1;
    }
    let progress = progress::Progress::start(&per_scenario);
    let results: Vec<(usize, Cell)> = jobs
        .par_iter()
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
        .collect();
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
/// `report`); says on stderr how many disagree, since the report itself may be long, JSON or a
/// file.
fn exit_for(rows: &[Row], bad: bool) -> ExitCode {
    let disagree = rows
        .iter()
        .flat_map(|r| &r.cells)
        .filter(|c| c.agrees() == Some(false))
        .count();
    if disagree > 0 {
        eprintln!(
            "pinlab: {disagree} expect line{} disagree{} with the model",
            if disagree == 1 { "" } else { "s" },
            if disagree == 1 { "s" } else { "" }
        );
    }
    if bad {
        ExitCode::from(2)
    } else if disagree > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
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
            eprintln!("{m}");
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
            fs,
            pin_matrix,
            schedule,
            op_timeout,
            format,
            worker,
            design,
        } => {
            let (inputs, bad) = if pin_matrix {
                (vec![], false)
            } else {
                load_with_text(&paths)
            };
            if bad {
                return Ok(ExitCode::from(2));
            }
            probe_cmd::probe(probe_cmd::Args {
                inputs,
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
            designs,
            opts,
        } => {
            let designs = designs_or_presets(&designs)?;
            let (scenarios, bad) = load(&paths);
            let rows = run(
                &scenarios,
                |_| designs.clone(),
                Limits {
                    max_states: opts.max_states,
                },
            );
            match opts.format {
                Format::Text => print!(
                    "{}",
                    pinlab_report::matrix_text_styled(&rows, &designs, output::colour_stdout())
                ),
                Format::Json => print!(
                    "{}",
                    pinlab_report::results_json(&rows, &designs, pinlab_report::MATRIX_SCHEMA)
                ),
            }
            Ok(exit_for(&rows, bad))
        }
        Cmd::Check {
            paths,
            designs,
            all_designs,
            opts,
        } => {
            let chosen = parse_designs(&designs)?;
            let (scenarios, bad) = load(&paths);
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
            let rows = run(
                &scenarios,
                pick,
                Limits {
                    max_states: opts.max_states,
                },
            );
            let all: Vec<Design> = if all_designs || chosen.is_empty() {
                Design::presets()
            } else {
                chosen.clone()
            };
            match opts.format {
                Format::Text => print!("{}", pinlab_report::check_text(&rows)),
                Format::Json => print!(
                    "{}",
                    pinlab_report::results_json(&rows, &all, pinlab_report::CHECK_SCHEMA)
                ),
            }
            Ok(exit_for(&rows, bad))
        }
        Cmd::Explain {
            file,
            design,
            property,
            max_states,
            format,
            output,
        } => {
            let design = Design::parse(&design).map_err(|e| BadInput(format!("error: {e}")))?;
            let property = match property {
                Some(p) => Some(Property::from_name(&p).ok_or_else(|| {
                    BadInput(format!(
                        "error: unknown property `{p}`; known: {}",
                        Property::ALL
                            .iter()
                            .map(|p| p.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?),
                None => None,
            };
            let (scenarios, bad) = load(std::slice::from_ref(&file));
            if bad {
                return Ok(ExitCode::from(2));
            }
            if scenarios.len() != 1 {
                return Err(BadInput(format!(
                    "error: explain takes one litmus file; {} has {}",
                    file.display(),
                    scenarios.len()
                )));
            }
            let sc = &scenarios[0];
            let progress = progress::Progress::start(&[1]);
            let r = check_counting(sc, design, Limits { max_states }, progress.states());
            progress.clear();
            if let Some(p) = property.filter(|&p| r.path_for(p).is_none()) {
                eprintln!(
                    "{} under {}: {} — {} is not violated in any execution",
                    sc.name,
                    design.name(),
                    r.verdict.text(),
                    p.name()
                );
                return Ok(ExitCode::from(1));
            }
            let Some(x) = pinlab_report::designs_doc::explanation(sc, design, &r, property) else {
                let msg = format!(
                    "{} under {}: {} — {}",
                    sc.name,
                    design.name(),
                    r.verdict.text(),
                    pinlab_report::nothing_to_explain(&r)
                );
                // Text is for reading, so the answer is the output. JSON and SVG are for
                // programs and documents: writing a sentence where they expect a trace would
                // be worse than no file, so say it on stderr and exit 1, as for `-p` above.
                if format == TraceFormat::Text {
                    emit(output.as_deref(), &format!("{msg}\n"))?;
                    return Ok(ExitCode::SUCCESS);
                }
                eprintln!("{msg}");
                return Ok(ExitCode::from(1));
            };
            let out = match format {
                TraceFormat::Text => pinlab_report::explain_text(&x),
                TraceFormat::Json => pinlab_report::explain_json(&x),
                TraceFormat::Svg => pinlab_report::diagram::explain_svg(&x),
            };
            emit(output.as_deref(), &out)?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Report {
            paths,
            designs,
            output,
            max_states,
        } => {
            let designs = designs_or_presets(&designs)?;
            let (parsed, bad) = load_with_text(&paths);
            let (scenarios, texts): (Vec<Scenario>, Vec<String>) = parsed.into_iter().unzip();
            let start = std::time::Instant::now();
            let rows = run(&scenarios, |_| designs.clone(), Limits { max_states });
            let seconds = start.elapsed().as_secs_f64();
            let html = pinlab_report::html::report_html(
                &rows,
                &designs,
                &pinlab_report::html::ReportMeta {
                    source: &source_label(&paths),
                    texts: &texts,
                    seconds,
                    version: concat!("pinlab ", env!("CARGO_PKG_VERSION")),
                    failed: &[],
                },
            );
            emit(Some(&output), &html)?;
            if output.as_os_str() != "-" && !output::quiet() {
                eprintln!(
                    "pinlab: wrote {} ({} KiB)",
                    output.display(),
                    html.len().div_ceil(1024)
                );
            }
            Ok(exit_for(&rows, bad))
        }
        Cmd::Rank { paths, opts } => {
            let (scenarios, bad) = load(&paths);
            // Every pair, and upstream for reference (its handling is not a pair's).
            let mut designs = Design::pairs();
            designs.extend(Design::preset("upstream"));
            let rows = run(
                &scenarios,
                |_| designs.clone(),
                Limits {
                    max_states: opts.max_states,
                },
            );
            let r = pinlab_report::rank(&rows, &designs, source_label(&paths));
            match opts.format {
                Format::Text => print!("{}", pinlab_report::rank_text(&r)),
                Format::Json => print!("{}", pinlab_report::rank_json(&r)),
            }
            // rank judges nothing: expect lines are not consulted.
            Ok(if bad {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            })
        }
        Cmd::Designs {
            format,
            costs,
            paths,
            max_states,
            markdown,
        } => {
            if markdown {
                let (scenarios, _) = load(&[]);
                let presets = Design::presets();
                let rows = run(&scenarios, |_| presets.clone(), Limits::default());
                print!(
                    "{}",
                    pinlab_report::designs_doc::designs_markdown(&rows, &presets)
                );
                return Ok(ExitCode::SUCCESS);
            }
            if !costs {
                print!("{}", designs_listing(format));
                return Ok(ExitCode::SUCCESS);
            }
            let (scenarios, bad) = load(&paths);
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
            let rows = run(&scenarios, |_| designs.clone(), Limits { max_states });
            let cost = |i: usize, d: &Design| pinlab_report::DesignCost::of_column(&rows, i, *d);
            let t = pinlab_report::CostTables {
                source: source_label(&paths),
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
            match format {
                Format::Text => print!("{}", pinlab_report::costs_text(&t)),
                Format::Json => print!("{}", pinlab_report::costs_json(&t)),
            }
            Ok(if bad {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// Prints `text`, or writes it to `path` (`-` is stdout).
fn emit(path: Option<&Path>, text: &str) -> Result<(), BadInput> {
    match path {
        None => {
            print!("{text}");
            Ok(())
        }
        Some(p) if p.as_os_str() == "-" => {
            print!("{text}");
            Ok(())
        }
        Some(p) => std::fs::write(p, text)
            .map_err(|e| BadInput(format!("error: cannot write {}: {e}", p.display()))),
    }
}

/// What the scenarios came from, for a report's heading.
fn source_label(paths: &[PathBuf]) -> String {
    if paths.is_empty() || paths.iter().all(|p| p.as_os_str() == "-") {
        "the embedded catalog".into()
    } else {
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
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
    out
}
