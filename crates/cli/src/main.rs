//! `pinlab`: the command line. Parses litmus files (or the built-in catalog, or one scenario on
//! stdin), checks them under designs, and prints reports. Exit codes: 0 every check agrees with its
//! `expect` line (the verdict, and the condition's answer where the line pins one), 1 one
//! disagrees, 2 bad input or usage; `help.rs` has each command's, and every non-zero exit says why
//! on stderr.
//!
//! This file parses and dispatches; each command is a module of `cmd`, every check runs through
//! `checks`, every byte is written through `out`, and every error is a `CliError` (exit 2).

// A dependency nothing uses is a build cost and a supply-chain risk: warn (an error under
// clippy -D warnings). Test builds see the dev-dependencies too, so only the library is checked.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

use clap::{CommandFactory, FromArgMatches, Parser};
use std::process::ExitCode;

// The checker allocates and frees a state per transition; mimalloc halves that cost.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod checks;
mod cmd;
mod error;
mod help;
mod input;
mod limits;
mod out;
mod output;
mod progress;

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
    cmd: cmd::Cmd,
    #[command(flatten)]
    global: output::GlobalOpts,
}

fn main() -> ExitCode {
    // Help is wrapped to the width help.rs wraps its examples to.
    let mut command = Cli::command().term_width(help::width());
    let cli = match command
        .try_get_matches_from_mut(std::env::args_os())
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(c) => c,
        Err(e) => {
            let e = e.format(&mut command);
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
    cli.cmd.run().unwrap_or_else(|e| {
        out::errln!("{e}");
        e.exit_code()
    })
}
