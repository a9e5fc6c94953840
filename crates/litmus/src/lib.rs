//! The litmus language: parses a scenario file and lowers it to a
//! [`pinlab_model::scenario::Scenario`], or reports every mistake it finds with a position, a
//! caret and a hint. The language reference is `docs/litmus.md`; its origin is in docs/model.md#where-the-litmus-language-comes-from.
//!
//! ```
//! let text = "litmus tiny\nfs ext4\nfile f pages=1\nmmap m = f shared rw\n\
//!             thread app {\n  store m[0] = A\n  fsync f\n}\nexists (disk f[0] = A)\n";
//! let s = pinlab_litmus::parse("tiny.litmus", text).unwrap();
//! assert_eq!(s.threads[0].ops.len(), 2);
//!
//! let err = pinlab_litmus::parse("bad.litmus", "litmus bad\nfs ext5\n").unwrap_err();
//! assert!(err.render("litmus bad\nfs ext5\n").contains("did you mean `ext4`?"));
//! ```
//!
//! # Why a hand-written parser
//!
//! The grammar is tiny and line-oriented, so a hand-written lexer and recursive-descent parser
//! is short, has no dependencies, and gives what a user of a checker needs most from its front
//! end: exact positions (every token carries its byte span), several errors per run (a broken
//! line is abandoned and parsing resumes at the next line, or the next op inside a thread), and
//! hints that know the context (the filesystem, device, design and property names come from the
//! model's registries, with a "did you mean"). A generator would make each of these harder.
//!
//! # Stages
//!
//! 1. `lexer`: lines of tokens; `#` comments; strings; characters that are not part of the
//!    language are reported here, once.
//! 2. `parser`: statements and ops per line into a syntax tree (`ast`), with name lookups that
//!    need no context (filesystems, devices, designs, properties).
//! 3. `lower`: names resolved over the whole file (handles are global), ranges, counts, device
//!    flags, filesystem rules; the `Scenario` is built only when no error was found.
//!
//! `parse` never panics, whatever the input.

// A dependency nothing uses is a build cost and a supply-chain risk: warn (an error under
// clippy -D warnings). Test builds see the dev-dependencies too, so only the library is checked.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod ast;
mod diag;
mod lexer;
mod lower;
mod parser;
mod suggest;

pub use diag::{Diagnostic, Diagnostics};
pub use lexer::{MAX_STRING, MAX_WORD};

/// Largest input `parse` reads: 1 MiB, far above any scenario within the parser's limits (the
/// catalog's largest file is under 6 KiB), far below what would take seconds to reject.
pub const MAX_INPUT_BYTES: usize = 1 << 20;
pub use lower::{
    LowerOptions, DEFAULT_BLOCKS, MAX_BLOCKS, MAX_FILES, MAX_MAPS, MAX_OPS, MAX_PAGES, MAX_THREADS,
    MAX_VALUES,
};
pub use suggest::{design_help, property_help};

use pinlab_model::scenario::Scenario;

/// parse() - parse a litmus file and lower it to a scenario.
/// @source_name: the name reports use for the file (a path, or `catalog:NAME.litmus`); it becomes
///   `Scenario::source`.
/// @text: the file's content.
///
/// Return: the scenario, or every error found (at least one), sorted by position.
pub fn parse(source_name: &str, text: &str) -> Result<Scenario, Diagnostics> {
    parse_with(source_name, text, LowerOptions::default())
}

/// parse_with() - parse() a litmus file, lowering it as `opts` asks.
/// @source_name: as for parse().
/// @text: as for parse().
/// @opts: e.g. `fs`: the scenario for another filesystem than its `fs` line names, refused with
///   that filesystem's diagnostics when it does something the filesystem cannot.
///
/// Return: as parse().
pub fn parse_with(
    source_name: &str,
    text: &str,
    opts: LowerOptions,
) -> Result<Scenario, Diagnostics> {
    if text.len() > MAX_INPUT_BYTES {
        // Refused before lexing: a file this size is not a scenario, and parsing it would cost
        // seconds and a gigabyte of diagnostics.
        let mut errors = vec![Diagnostic::new(
            text,
            MAX_INPUT_BYTES..MAX_INPUT_BYTES,
            format!(
                "the input is {} bytes; a litmus file is at most {} KiB ({MAX_INPUT_BYTES} bytes)",
                text.len(),
                MAX_INPUT_BYTES / 1024
            ),
            "the limit is passed here".to_string(),
            Some(format!(
                "a scenario at every parser limit ({MAX_THREADS} threads, {MAX_OPS} ops, {MAX_FILES} files of {MAX_PAGES} pages) takes a few KiB; is this the right file?"
            )),
        )];
        diag::fix_positions(text, &mut errors);
        return Err(Diagnostics::new(source_name, errors));
    }
    let mut errors = Vec::new();
    let index = diag::LineIndex::new(text);
    let lines = lexer::lex(text, &mut errors);
    let parsed = parser::parse(text, &index, &lines, &mut errors);
    let scenario = lower::lower(source_name, text, &index, &parsed, &mut errors, opts);
    match scenario {
        Some(s) if errors.is_empty() => Ok(s),
        _ => {
            errors.sort_by_key(|e| (e.span.start, e.span.end));
            errors.dedup_by(|a, b| a.span == b.span && a.message == b.message);
            if errors.is_empty() {
                // Unreachable by construction; never return an empty error list.
                errors.push(Diagnostic::new(
                    text,
                    0..0,
                    "invalid litmus file".to_string(),
                    String::new(),
                    None,
                ));
            }
            diag::fix_positions(text, &mut errors);
            Err(Diagnostics::new(source_name, errors))
        }
    }
}

/// operations() - every op's keyword and syntax, in the order the parser's help lists them
/// (`docs/litmus.md`'s op table follows it). `dma` has two forms, joined by "` or `".
pub fn operations() -> &'static [(&'static str, &'static str)] {
    parser::OPS
}

/// litmus_files() - the `*.litmus` files directly in a folder, sorted by name (the catalog's
/// order: the order `pinlab matrix` prints and the benchmarks check).
/// @dir: the folder, e.g. the repository's `litmus/`.
///
/// Return: the paths, or the error reading the folder.
pub fn litmus_files(dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.extension().is_some_and(|x| x == "litmus") {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

/// repository_catalog() - the scenarios of the repository's `litmus/` folder, parsed, in catalog
/// order: what the tests and benchmarks of every crate check (the binary embeds its own copy).
///
/// Return: the scenarios; panics on a folder or file that does not parse, since that is a test
/// failure.
pub fn repository_catalog() -> Vec<Scenario> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../litmus");
    parse_folder(&dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|(sc, _)| sc)
        .collect()
}

/// parse_folder() - every `*.litmus` file directly in a folder, parsed, in catalog order, with
/// its text (the benchmarks and tests read the repository's `litmus/` this way).
/// @dir: the folder.
///
/// Return: the scenarios and their texts, or the first error: the folder unreadable, or a file's
/// diagnostics rendered.
pub fn parse_folder(dir: &std::path::Path) -> Result<Vec<(Scenario, String)>, String> {
    let files = litmus_files(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
            let sc = parse(&f.display().to_string(), &text).map_err(|d| d.render(&text))?;
            Ok((sc, text))
        })
        .collect()
}
