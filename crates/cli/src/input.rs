//! What the commands check: litmus files, directories of them, one scenario on stdin (`-`), and
//! the catalog built into the binary (`--catalog`, and the default when no path is given).
//!
//! A directory is walked in sorted order, following symbolic links but never into a directory it
//! has already walked (a link to `.` or to an ancestor would otherwise loop forever), and a file
//! reached twice — by two links, or named twice — is checked once, under the name it was first
//! reached by.

use crate::error::CliError;
use crate::out::errln;
use pinlab_model::scenario::Scenario;
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The name a scenario read from stdin goes by in diagnostics and reports.
pub const STDIN_NAME: &str = "<stdin>";

/// Whether a path names stdin.
pub fn is_stdin(p: &Path) -> bool {
    p.as_os_str() == "-"
}

/// Why an input gave no scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// It could not be found, listed or read.
    Read,
    /// It was read but is not a valid litmus file (invalid UTF-8 included).
    Parse,
}

/// An input that gave no scenario; its error has been printed already.
pub struct Failed {
    pub name: String,
    pub why: Why,
}

pub struct Loaded {
    /// Each scenario with its text, in input order.
    pub scenarios: Vec<(Scenario, String)>,
    /// The inputs that could not be read or parsed, in input order.
    pub failed: Vec<Failed>,
}

impl Loaded {
    /// The names of the inputs that failed.
    pub fn failed_names(&self) -> Vec<String> {
        self.failed.iter().map(|f| f.name.clone()).collect()
    }

    /// `2 inputs could not be parsed: a.litmus, b.litmus`, or None when none failed.
    pub fn failure_summary(&self) -> Option<String> {
        let n = self.failed.len();
        if n == 0 {
            return None;
        }
        let read = self.failed.iter().any(|f| f.why == Why::Read);
        let parse = self.failed.iter().any(|f| f.why == Why::Parse);
        let how = match (read, parse) {
            (true, true) => "read or parsed",
            (true, false) => "read",
            _ => "parsed",
        };
        Some(format!(
            "{n} input{} could not be {how}: {}",
            if n == 1 { "" } else { "s" },
            self.failed_names().join(", ")
        ))
    }

    /// The scenarios without their texts.
    pub fn into_scenarios(self) -> Vec<Scenario> {
        self.scenarios.into_iter().map(|(s, _)| s).collect()
    }
}

/// Where `-` reads from: the process's stdin, or (in the probe's worker, whose supervisor has
/// read stdin already) a file holding what the supervisor read.
pub enum Stdin<'a> {
    Process,
    File(&'a Path),
}

/// Rejects what no run can do before anything is read: stdin named twice.
pub fn check_paths(paths: &[PathBuf]) -> Result<(), CliError> {
    if paths.iter().filter(|p| is_stdin(p)).count() > 1 {
        return Err(CliError::Input(
            "error: `-` (stdin) is given twice; stdin holds one scenario".into(),
        ));
    }
    Ok(())
}

/// Whether the run checks the catalog: asked for, or no path given.
pub fn uses_catalog(paths: &[PathBuf], catalog: bool) -> bool {
    catalog || paths.is_empty()
}

/// Reads and parses the inputs: the catalog (first) when `catalog` is set or no path is given,
/// then each path in order. An input that cannot be read or parsed has its error printed on
/// stderr and is listed in `failed`; the others are still checked.
pub fn load(paths: &[PathBuf], catalog: bool, stdin: Stdin) -> Result<Loaded, CliError> {
    check_paths(paths)?;
    let mut l = Loaded {
        scenarios: Vec::new(),
        failed: Vec::new(),
    };
    if uses_catalog(paths, catalog) {
        for (name, text) in crate::catalog::CATALOG {
            l.parse(format!("litmus/{name}"), text.to_string());
        }
    }
    let mut walk = Walk::default();
    for p in paths {
        if is_stdin(p) {
            let bytes = match stdin {
                Stdin::Process => read_bounded(std::io::stdin().lock()),
                Stdin::File(f) => std::fs::File::open(f).and_then(read_bounded),
            };
            l.take(STDIN_NAME.to_string(), bytes);
            continue;
        }
        walk.top(p);
        l.failed.append(&mut walk.failed);
        for f in std::mem::take(&mut walk.files) {
            l.take(
                f.display().to_string(),
                std::fs::File::open(&f).and_then(read_bounded),
            );
        }
    }
    Ok(l)
}

/// Reads at most one byte more than a litmus file may hold: a file of gigabytes (or an endless
/// stream on stdin) is refused after a mebibyte, not read whole.
fn read_bounded(r: impl Read) -> std::io::Result<Vec<u8>> {
    let mut b = Vec::new();
    r.take(pinlab_litmus::MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut b)?;
    Ok(b)
}

impl Loaded {
    /// An input's bytes, or the error reading them.
    fn take(&mut self, name: String, bytes: std::io::Result<Vec<u8>>) {
        let bytes = match bytes {
            Ok(b) => b,
            Err(e) => {
                errln!("error: cannot read {name}: {e}");
                self.failed.push(Failed {
                    name,
                    why: Why::Read,
                });
                return;
            }
        };
        if bytes.len() > pinlab_litmus::MAX_INPUT_BYTES {
            errln!(
                "error: {name} is larger than {} KiB, the most a litmus file may be (a scenario at every parser limit takes a few KiB); is this the right file?",
                pinlab_litmus::MAX_INPUT_BYTES / 1024
            );
            self.failed.push(Failed {
                name,
                why: Why::Parse,
            });
            return;
        }
        match String::from_utf8(bytes) {
            Ok(text) => self.parse(name, text),
            Err(e) => {
                errln!(
                    "error: {name}: invalid UTF-8 at byte {}",
                    e.utf8_error().valid_up_to()
                );
                self.failed.push(Failed {
                    name,
                    why: Why::Parse,
                });
            }
        }
    }

    fn parse(&mut self, name: String, text: String) {
        match pinlab_litmus::parse(&name, &text) {
            Ok(sc) => self.scenarios.push((sc, text)),
            Err(d) => {
                crate::out::stderr(&d.render_styled(&text, crate::output::colour_stderr()));
                self.failed.push(Failed {
                    name,
                    why: Why::Parse,
                });
            }
        }
    }
}

#[derive(Default)]
struct Walk {
    /// Files taken by the last `top`, in walk order.
    files: Vec<PathBuf>,
    failed: Vec<Failed>,
    /// Canonical paths of the directories walked and of the files taken.
    dirs: HashSet<PathBuf>,
    seen: HashSet<PathBuf>,
}

impl Walk {
    fn fail(&mut self, p: &Path, msg: String) {
        errln!("{msg}");
        self.failed.push(Failed {
            name: p.display().to_string(),
            why: Why::Read,
        });
    }

    /// A path given on the command line: a file (whatever its name) or a directory.
    fn top(&mut self, p: &Path) {
        let md = match std::fs::metadata(p) {
            Ok(md) => md,
            Err(e) => return self.fail(p, format!("error: cannot read {}: {e}", p.display())),
        };
        if md.is_dir() {
            let mut found = 0;
            self.dir(p, &mut found);
            if found == 0 {
                self.fail(
                    p,
                    format!("error: no .litmus files found in {}", p.display()),
                );
            }
        } else {
            self.file(p);
        }
    }

    /// Walks a directory unless it was walked before; counts the `.litmus` files met in `found`
    /// (including ones taken already, so a directory of links is not "empty").
    fn dir(&mut self, p: &Path, found: &mut usize) {
        let canonical = match std::fs::canonicalize(p) {
            Ok(c) => c,
            Err(e) => return self.fail(p, format!("error: cannot read {}: {e}", p.display())),
        };
        if !self.dirs.insert(canonical) {
            return;
        }
        let entries = match std::fs::read_dir(p) {
            Ok(rd) => rd,
            Err(e) => return self.fail(p, format!("error: cannot list {}: {e}", p.display())),
        };
        let mut paths = Vec::new();
        for e in entries {
            match e {
                Ok(e) => paths.push(e.path()),
                Err(e) => return self.fail(p, format!("error: cannot list {}: {e}", p.display())),
            }
        }
        paths.sort();
        for e in paths {
            if e.is_dir() {
                self.dir(&e, found);
            } else if e.extension().is_some_and(|x| x == "litmus") {
                *found += 1;
                self.file(&e);
            }
        }
    }

    /// Takes a file unless it was taken before under any name.
    fn file(&mut self, p: &Path) {
        match std::fs::canonicalize(p) {
            Ok(c) => {
                if self.seen.insert(c) {
                    self.files.push(p.to_path_buf());
                }
            }
            Err(e) => self.fail(p, format!("error: cannot read {}: {e}", p.display())),
        }
    }
}

/// What the scenarios came from, for a report's heading: `the embedded catalog`, the paths given
/// (`<stdin>` for `-`), or both.
pub fn source_label(paths: &[PathBuf], catalog: bool) -> String {
    let mut parts = Vec::new();
    if uses_catalog(paths, catalog) {
        parts.push("the embedded catalog".to_string());
    }
    for p in paths {
        parts.push(if is_stdin(p) {
            STDIN_NAME.to_string()
        } else {
            p.display().to_string()
        });
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_the_failed_inputs_and_how_they_failed() {
        let l = |f: Vec<(&str, Why)>| Loaded {
            scenarios: Vec::new(),
            failed: f
                .into_iter()
                .map(|(n, why)| Failed {
                    name: n.into(),
                    why,
                })
                .collect(),
        };
        assert_eq!(l(vec![]).failure_summary(), None);
        assert_eq!(
            l(vec![("a.litmus", Why::Parse)]).failure_summary().unwrap(),
            "1 input could not be parsed: a.litmus"
        );
        assert_eq!(
            l(vec![("a", Why::Read), ("<stdin>", Why::Parse)])
                .failure_summary()
                .unwrap(),
            "2 inputs could not be read or parsed: a, <stdin>"
        );
    }

    #[test]
    fn the_label_says_catalog_stdin_and_paths() {
        assert_eq!(source_label(&[], false), "the embedded catalog");
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(
            source_label(&[p("-"), p("x.litmus")], true),
            "the embedded catalog, <stdin>, x.litmus"
        );
        assert_eq!(source_label(&[p("-")], false), "<stdin>");
    }
}
