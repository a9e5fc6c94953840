//! Every byte pinlab writes goes through here: stdout, the `-o` file, and stderr.
//!
//! `print!` panics when stdout is a closed pipe (`pinlab matrix | head -1`) and `eprintln!` when
//! stderr is; a command-line tool must not. So:
//! - A closed stdout (EPIPE) is not an error: pinlab stops writing to it and ends with the exit
//!   status the command had anyway (0 when every check agrees). The reader went away; that says
//!   nothing about the checks, and a disagreement must not turn into a 0, nor a 0 into a failure.
//! - Any other write error on stdout or the `-o` file (`> /dev/full`, a full disk) is one line on
//!   stderr and exit 2.
//! - stderr itself is best effort: if it cannot be written to there is nowhere left to say so.
//!
//! An `-o` file is opened before any work starts, without truncating it (`Sink::open`): a typo'd
//! directory or a read-only folder fails at once instead of after an hour of checking, and a good
//! old file is only replaced by a complete new one at the end. A file the run created and never
//! wrote (it failed before the end) is removed again.

use crate::error::CliError;
use std::fs::File;
use std::io::{ErrorKind, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once stdout has been found closed: later writes are dropped.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `text` to stdout. A closed stdout is not an error (see the module's doc); any other
/// failure is, with the message the caller prints.
pub fn stdout(text: &str) -> Result<(), CliError> {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => Err(CliError::Output(format!(
            "error: cannot write to stdout: {e}"
        ))),
    }
}

/// Writes `text` to stderr, ignoring failure: stderr is where failures are reported, so a failure
/// of stderr itself has nowhere to go (and must not panic, as `eprint!` would).
pub fn stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// `eprintln!` that does not panic on a closed stderr (`pinlab ... 2>&1 | head -1`).
macro_rules! errln {
    ($($t:tt)*) => {
        $crate::out::stderr(&format!("{}\n", format_args!($($t)*)))
    };
}
pub(crate) use errln;

/// Where a command's output goes: stdout, or a file named with `-o` (`-` is stdout).
pub enum Sink {
    Stdout,
    File {
        path: PathBuf,
        file: File,
        /// This run created the file: remove it again if nothing is written.
        created: bool,
        written: bool,
    },
}

impl Sink {
    /// Opens the output before any work starts. `None` and `-` are stdout. A file is created if
    /// missing but not truncated: that happens in `write`, once the output is complete.
    pub fn open(path: Option<&Path>) -> Result<Sink, CliError> {
        let Some(path) = path.filter(|p| p.as_os_str() != "-") else {
            return Ok(Sink::Stdout);
        };
        let fail = |why: String| {
            CliError::Output(format!("error: cannot write {}: {why}", path.display()))
        };
        if path.is_dir() {
            return Err(fail("it is a directory".into()));
        }
        let existed = path.symlink_metadata().is_ok();
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| fail(e.to_string()))?;
        Ok(Sink::File {
            path: path.to_path_buf(),
            file,
            created: !existed,
            written: false,
        })
    }

    pub fn is_stdout(&self) -> bool {
        matches!(self, Sink::Stdout)
    }

    /// Writes the whole output: to stdout, or over the file's old contents.
    pub fn write(&mut self, text: &str) -> Result<(), CliError> {
        match self {
            Sink::Stdout => stdout(text),
            Sink::File {
                path,
                file,
                written,
                ..
            } => {
                *written = true;
                let fail = |e: std::io::Error| {
                    CliError::Output(format!("error: cannot write {}: {e}", path.display()))
                };
                // Truncate regular files only: /dev/null and FIFOs have no length to set.
                if file.metadata().map_err(fail)?.is_file() {
                    file.set_len(0).map_err(fail)?;
                    file.rewind().map_err(fail)?;
                }
                file.write_all(text.as_bytes()).map_err(fail)?;
                file.flush().map_err(fail)
            }
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Sink::File {
            path,
            created: true,
            written: false,
            ..
        } = self
        {
            let _ = std::fs::remove_file(path);
        }
    }
}
