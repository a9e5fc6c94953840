//! `pinlab man [-o DIR]`: the man pages a package installs next to the binary, generated from
//! the same clap definition as the parser so they never drift from it.

use crate::error::CliError;
use crate::Cli;
use clap::CommandFactory;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Write pinlab.1 and a page per subcommand (pinlab-matrix.1, ...) into DIR, created if
    /// missing, instead of printing pinlab.1.
    #[arg(long, short = 'o', value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

/// The command as the pages and completions describe it: without clap's `help` subcommand,
/// which is no command a user needs a page for.
pub fn command() -> clap::Command {
    Cli::command().disable_help_subcommand(true)
}

/// The page of `cmd` as roff: clap_mangen's sections (NAME, SYNOPSIS, DESCRIPTION, OPTIONS,
/// SUBCOMMANDS, VERSION) with EXIT STATUS, EXAMPLES and SEE ALSO from help.rs before VERSION,
/// footed with pinlab's name and version (a subcommand has no version of its own, and its page
/// would otherwise say only `matrix`). clap_mangen would print the `--help` examples as an
/// "EXTRA" section; the page has its own sections instead.
fn render_page(cmd: clap::Command) -> String {
    let name = cmd.get_name().to_string();
    let has_options = cmd.get_arguments().any(|a| !a.is_hide_set());
    let has_subcommands = cmd.get_subcommands().any(|s| !s.is_hide_set());
    let has_version = cmd.get_version().is_some() || cmd.get_long_version().is_some();
    let man = clap_mangen::Man::new(cmd).source(format!("pinlab {}", env!("CARGO_PKG_VERSION")));
    // Each section comes with roff's preamble; the page keeps the first one.
    let preamble = roff::Roff::new().render();
    let mut page = preamble.clone();
    type Section = fn(&clap_mangen::Man, &mut dyn Write) -> std::io::Result<()>;
    let mut sections: Vec<Section> = vec![
        clap_mangen::Man::render_title,
        clap_mangen::Man::render_name_section,
        clap_mangen::Man::render_synopsis_section,
        clap_mangen::Man::render_description_section,
    ];
    if has_options {
        sections.push(clap_mangen::Man::render_options_section);
    }
    if has_subcommands {
        sections.push(clap_mangen::Man::render_subcommands_section);
    }
    let strip = |text: String| match text.strip_prefix(&preamble) {
        Some(rest) => rest.to_string(),
        None => text,
    };
    let render = |f: Section| {
        let mut buf = Vec::new();
        f(&man, &mut buf).expect("writing to memory");
        strip(String::from_utf8(buf).expect("roff is UTF-8"))
    };
    for f in sections {
        page.push_str(&render(f));
    }
    page.push_str(&strip(crate::help::man_sections(&name).render()));
    if has_version {
        page.push_str(&render(clap_mangen::Man::render_version_section));
    }
    page
}

/// Writes the page of `cmd` (built) and of each of its visible subcommands, recursively, named
/// as `man` looks them up: pinlab.1, pinlab-matrix.1, ...
fn write_pages(cmd: &clap::Command, dir: &std::path::Path) -> std::io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir)?;
    }
    let file = format!(
        "{}.1",
        cmd.get_display_name().unwrap_or_else(|| cmd.get_name())
    );
    std::fs::write(dir.join(file), render_page(cmd.clone()))
}

pub fn run(a: Args) -> Result<ExitCode, CliError> {
    let Some(dir) = a.out_dir else {
        crate::out::stdout(&render_page(command()))?;
        return Ok(ExitCode::SUCCESS);
    };
    let fail = |e: std::io::Error| {
        CliError::Output(format!(
            "error: cannot write man pages to {}: {e}",
            dir.display()
        ))
    };
    std::fs::create_dir_all(&dir).map_err(fail)?;
    let mut cmd = command();
    cmd.build();
    write_pages(&cmd, &dir).map_err(fail)?;
    if !crate::output::quiet() {
        crate::out::errln!("pinlab: man pages written to {}", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}
