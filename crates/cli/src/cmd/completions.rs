//! `pinlab completions SHELL`: the shell completion script, generated from the same clap
//! definition as the parser so it never drifts from it.

use crate::error::CliError;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
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

pub fn run(a: Args) -> Result<ExitCode, CliError> {
    let mut full = super::man::command();
    full.build();
    let mut cmd = visible(&full);
    // Generated into memory: clap_complete panics on a failed write, out::stdout does not.
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "pinlab", &mut script);
    crate::out::stdout(&String::from_utf8_lossy(&script))?;
    Ok(ExitCode::SUCCESS)
}
