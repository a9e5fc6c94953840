//! `pinlab completions SHELL` and `pinlab man [-o DIR]`: what a package installs next to the
//! binary, generated from the same clap definition as the parser so they never drift from it.

use crate::{BadInput, Cli};
use clap::CommandFactory;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Completions {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

#[derive(clap::Args)]
pub struct Man {
    /// Write pinlab.1 and a page per subcommand (pinlab-matrix.1, ...) into DIR, created if
    /// missing, instead of printing pinlab.1.
    #[arg(long, short = 'o', value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

/// The command as the pages and completions describe it: without clap's `help` subcommand,
/// which is no command a user needs a page for.
fn command() -> clap::Command {
    Cli::command().disable_help_subcommand(true)
}

/// Writes `bytes` to stdout; a reader that went away (`| head`) is not an error.
fn print(bytes: &[u8]) -> Result<ExitCode, BadInput> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(BadInput(format!("error: cannot write to stdout: {e}"))),
    }
}

/// The page of `cmd`, footed with pinlab's name and version (a subcommand has no version of its
/// own, and its page would otherwise say only `matrix`).
fn page(cmd: clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(cmd).source(format!("pinlab {}", env!("CARGO_PKG_VERSION")))
}

/// Writes the page of `cmd` (built) and of each of its visible subcommands, recursively, named
/// as `man` looks them up: pinlab.1, pinlab-matrix.1, ...
fn write_pages(cmd: &clap::Command, dir: &std::path::Path) -> std::io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir)?;
    }
    page(cmd.clone()).generate_to(dir).map(|_| ())
}

/// A copy of `cmd` (built) without its hidden options and subcommands: clap_complete's scripts
/// would otherwise offer them, and pinlab's hidden option is internal (the probe's `--worker`,
/// which only the probe's supervisor passes to itself).
fn visible(cmd: &clap::Command) -> clap::Command {
    let mut out = clap::Command::new(cmd.get_name().to_string()).disable_help_subcommand(true);
    if let Some(v) = cmd.get_version() {
        out = out.version(v.to_string());
    }
    if let Some(a) = cmd.get_about() {
        out = out.about(a.clone());
    }
    // clap adds -h/--help and -V/--version to the copy itself.
    for a in cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !matches!(a.get_id().as_str(), "help" | "version"))
    {
        out = out.arg(a.clone());
    }
    for s in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        out = out.subcommand(visible(s));
    }
    out
}

pub fn completions(a: Completions) -> Result<ExitCode, BadInput> {
    let mut full = command();
    full.build();
    let mut cmd = visible(&full);
    // Generated into memory: clap_complete panics on a failed write, print() does not.
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "pinlab", &mut script);
    print(&script)
}

pub fn man(a: Man) -> Result<ExitCode, BadInput> {
    let Some(dir) = a.out_dir else {
        let mut page = Vec::new();
        self::page(command())
            .render(&mut page)
            .map_err(|e| BadInput(format!("error: cannot render the man page: {e}")))?;
        return print(&page);
    };
    let fail = |e: std::io::Error| {
        BadInput(format!(
            "error: cannot write man pages to {}: {e}",
            dir.display()
        ))
    };
    std::fs::create_dir_all(&dir).map_err(fail)?;
    let mut cmd = command();
    cmd.build();
    write_pages(&cmd, &dir).map_err(fail)?;
    if !crate::output::quiet() {
        eprintln!("pinlab: man pages written to {}", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}
