//! EXAMPLES, EXIT STATUS and SEE ALSO of every command, written once: `--help` shows the first two
//! after the options (wrapped to the terminal), and the man pages render all three as sections.

use std::sync::OnceLock;

/// One command's extra help.
pub struct Page {
    /// (command line, what it does).
    pub examples: &'static [(&'static str, &'static str)],
    /// (status, when).
    pub exit: &'static [(&'static str, &'static str)],
    /// Other pages and documents worth reading, as `name(section)` or a path in the repository.
    pub see_also: &'static [&'static str],
}

const BAD: (&str, &str) = (
    "2",
    "Bad input or usage: an input that cannot be read or parsed (stderr says which; the others are \
     still checked), an unknown design or property, an output that cannot be written.",
);

/// Said after every list of exit statuses.
pub const CLOSED_STDOUT: &str = "A closed standard output (`pinlab matrix | head -1`) is no error: pinlab stops \
     writing and exits with the status it would have had otherwise. Other write errors are one line on \
     stderr and exit 2.";

const AGREE: (&str, &str) = (
    "0",
    "Every check agrees with the expect line of its scenario and design (a check without one \
     agrees).",
);
const DISAGREE: (&str, &str) = (
    "1",
    "An expect line disagrees with the model: its verdict, or the condition's answer it pins. An \
     incomplete check (a limit was hit) agrees with no expect line. stderr says how many.",
);
const JUDGED: &[(&str, &str)] = &[AGREE, DISAGREE, BAD];

const LITMUS_DOC: &str = "docs/litmus.md (the scenario language)";
const JSON_DOC: &str = "docs/json.md (the JSON outputs)";

/// The extra help of `cmd` (a subcommand's name, or `pinlab`).
pub fn page(cmd: &str) -> Page {
    match cmd {
        "matrix" => MATRIX,
        "check" => CHECK,
        "explain" => EXPLAIN,
        "report" => REPORT,
        "rank" => RANK,
        "designs" => DESIGNS,
        "probe" => PROBE,
        "completions" => COMPLETIONS,
        "man" => MAN,
        _ => PINLAB,
    }
}

/// `pinlab matrix`.
const MATRIX: Page = Page {
    examples: &[
        (
            "pinlab matrix",
            "The designs x scenarios matrix of the built-in catalog.",
        ),
        (
            "pinlab matrix -d legacy,upstream litmus/ mine.litmus",
            "Two designs over a directory and a file of your own.",
        ),
        (
            "pinlab matrix --catalog mine/ --format json -o matrix.json",
            "The catalog and your scenarios, as JSON, into a file.",
        ),
    ],
    exit: JUDGED,
    see_also: &["pinlab-check(1)", "pinlab-report(1)", LITMUS_DOC, JSON_DOC],
};

/// `pinlab check`.
const CHECK: Page = Page {
    examples: &[
        (
            "pinlab check litmus/ext4-rdma-redirty-after-writeback.litmus",
            "A scenario under the designs its expect lines name.",
        ),
        (
            "cat my.litmus | pinlab check - --all-designs",
            "One scenario read from stdin, under every preset.",
        ),
        (
            "pinlab check mine/ -d pincount+wait --format json -o results.json",
            "A directory of scenarios under a tracking+handling pair, as JSON.",
        ),
    ],
    exit: JUDGED,
    see_also: &[
        "pinlab-explain(1)",
        "pinlab-matrix(1)",
        LITMUS_DOC,
        JSON_DOC,
    ],
};

/// `pinlab explain`.
const EXPLAIN: Page = Page {
    examples: &[
        (
            "pinlab explain litmus/ext4-rdma-redirty-after-writeback.litmus -d legacy",
            "The shortest counterexample, one atomic step a line.",
        ),
        (
            "pinlab explain litmus/ext4-rdma-redirty-after-writeback.litmus -d legacy -p durability --format svg -o trace.svg",
            "The shortest execution that loses a write, as a sequence diagram.",
        ),
        (
            "pinlab explain - -d upstream < my.litmus",
            "A scenario read from stdin.",
        ),
    ],
    exit: &[
        (
            "0",
            "The trace was written; or (text) there is nothing to explain: no execution \
             violates a property, hangs or is refused.",
        ),
        (
            "1",
            "No trace to give: the property asked for (-p) is not violated, or there is \
             nothing to explain and the format is json or svg; or the check hit a limit \
             (incomplete), trace or not. stderr says which.",
        ),
        BAD,
    ],
    see_also: &["pinlab-check(1)", "pinlab-probe(1)", "docs/report.md (the diagram)"],
};

/// `pinlab report`.
const REPORT: Page = Page {
    examples: &[
        (
            "pinlab report",
            "report.html: every preset over the built-in catalog.",
        ),
        (
            "pinlab report --catalog mine/ -d legacy,upstream -o mine.html",
            "The catalog and your scenarios, under two designs.",
        ),
        (
            "pinlab report -o - | gzip > report.html.gz",
            "The HTML on stdout.",
        ),
    ],
    exit: &[
        AGREE,
        DISAGREE,
        (
            "2",
            "As for the other commands; when some inputs failed the report names them, and \
             when nothing could be checked no file is written.",
        ),
    ],
    see_also: &["pinlab-matrix(1)", "pinlab-explain(1)", "docs/report.md"],
};

/// `pinlab rank`.
const RANK: Page = Page {
    examples: &[
        (
            "pinlab rank",
            "Every tracking x handling pair over the built-in catalog.",
        ),
        (
            "pinlab rank mine/ --format json -o rank.json",
            "Your scenarios, as JSON, into a file.",
        ),
    ],
    exit: &[
        (
            "0",
            "Ranked (rank judges no expect line). When a check is incomplete no Pareto \
             front is drawn, and the output says so.",
        ),
        (
            "1",
            "Every check hit a limit (incomplete): there is nothing to rank.",
        ),
        BAD,
    ],
    see_also: &["pinlab-designs(1)", "pinlab-matrix(1)", JSON_DOC],
};

/// `pinlab designs`.
const DESIGNS: Page = Page {
    examples: &[
        (
            "pinlab designs",
            "The tracking mechanisms, handlings and presets.",
        ),
        (
            "pinlab designs --costs",
            "What each mechanism and preset costs on the built-in catalog.",
        ),
        (
            "pinlab designs --costs - < my.litmus",
            "The costs on one scenario read from stdin.",
        ),
        (
            "pinlab designs --markdown > docs/designs.md",
            "Regenerate docs/designs.md.",
        ),
    ],
    exit: &[("0", "Listed."), BAD],
    see_also: &["pinlab-rank(1)", "docs/designs.md"],
};

/// `pinlab probe`.
const PROBE: Page = Page {
    examples: &[
        (
            "sudo pinlab probe",
            "The built-in catalog on this kernel, each scenario on its own filesystem.",
        ),
        (
            "sudo pinlab probe litmus/ext4-vmsplice-live.litmus --fs ext4,xfs,tmpfs",
            "One scenario on three backings.",
        ),
        (
            "sudo pinlab probe --pin-matrix",
            "The selftest-style pin matrix.",
        ),
    ],
    exit: &[
        ("0", "Every run agrees with the model."),
        ("1", "A run disagrees with the model."),
        (
            "2",
            "Nothing could run (not root, no loop devices, ...), or bad input or usage.",
        ),
        ("130", "Interrupted; the probe cleaned up after itself."),
    ],
    see_also: &["pinlab-explain(1)", "docs/probe.md"],
};

/// `pinlab completions`.
const COMPLETIONS: Page = Page {
    examples: &[(
        "pinlab completions bash > ~/.local/share/bash-completion/completions/pinlab",
        "Completion for bash (also zsh, fish, elvish, powershell).",
    )],
    exit: &[("0", "Printed."), BAD],
    see_also: &["pinlab(1)"],
};

/// `pinlab man`.
const MAN: Page = Page {
    examples: &[
        ("pinlab man | man -l -", "Read pinlab(1)."),
        (
            "pinlab man -o /usr/local/share/man/man1",
            "Install pinlab.1 and a page per subcommand.",
        ),
    ],
    exit: &[("0", "Written."), BAD],
    see_also: &["pinlab(1)"],
};

/// `pinlab` itself.
const PINLAB: Page = Page {
    examples: &[
        (
            "pinlab matrix",
            "The designs x scenarios matrix of the built-in catalog.",
        ),
        (
            "cat my.litmus | pinlab check - --all-designs",
            "One scenario read from stdin, under every preset.",
        ),
        (
            "pinlab explain litmus/ext4-rdma-redirty-after-writeback.litmus -d legacy",
            "The shortest counterexample of a scenario under a design.",
        ),
        (
            "pinlab report -o report.html",
            "Everything as one self-contained HTML file.",
        ),
    ],
    exit: &[
        ("0", "Success: every check agrees with its expect line."),
        (
            "1",
            "A check disagrees with its expect line (matrix, check, report), a property is \
             not violated or no check finished (explain, rank), a run disagrees with the \
             kernel (probe). stderr says which.",
        ),
        BAD,
        ("130", "The probe was interrupted."),
    ],
    see_also: &[
        "pinlab-matrix(1)",
        "pinlab-check(1)",
        "pinlab-explain(1)",
        "pinlab-report(1)",
        "pinlab-rank(1)",
        "pinlab-designs(1)",
        "pinlab-probe(1)",
        LITMUS_DOC,
        JSON_DOC,
    ],
};

/// The width help is wrapped to, as clap's `wrap_help` finds it: the terminal's, else `COLUMNS`,
/// else 100. `main` hands the same number to clap, so both wrap alike.
pub fn width() -> usize {
    static W: OnceLock<usize> = OnceLock::new();
    *W.get_or_init(|| {
        terminal_size::terminal_size()
            .map(|(w, _)| usize::from(w.0))
            .or_else(|| std::env::var("COLUMNS").ok()?.trim().parse().ok())
            .filter(|&w| w > 0)
            .unwrap_or(100)
    })
}

/// `text` wrapped at `width` columns: the first line starts with `first`, the others with
/// `rest`. A word longer than a line stays whole.
fn wrap(text: &str, first: &str, rest: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for w in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + w.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(w);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// A command line broken as a shell continues it (` \`), so a long example still pastes.
fn wrap_command(cmd: &str, width: usize) -> String {
    let wrapped = wrap(cmd, "  ", "      ", width.saturating_sub(2));
    let lines: Vec<&str> = wrapped.lines().collect();
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        out.push_str(l);
        out.push_str(if i + 1 < lines.len() { " \\\n" } else { "\n" });
    }
    out
}

/// The text `--help` shows after the options: EXAMPLES and EXIT STATUS, headed as clap heads
/// its own sections.
pub fn after_long_help(cmd: &str) -> String {
    let p = page(cmd);
    let width = width();
    let h = clap::builder::styling::Styles::default()
        .get_header()
        .to_owned();
    let head = |t: &str| format!("{}{t}{}\n", h.render(), h.render_reset());
    let mut out = head("Examples:");
    for (c, what) in p.examples {
        out.push_str(&wrap_command(c, width));
        out.push_str(&wrap(what, "      ", "      ", width));
    }
    out.push('\n');
    out.push_str(&head("Exit status:"));
    for (code, when) in p.exit {
        out.push_str(&wrap(when, &format!("  {code:<5}"), "       ", width));
    }
    out.push('\n');
    out.push_str(&wrap(CLOSED_STDOUT, "  ", "  ", width));
    out
}

/// What `-h` shows after the options.
pub fn after_help(cmd: &str) -> String {
    let name = if cmd == "pinlab" {
        "pinlab".to_string()
    } else {
        format!("pinlab {cmd}")
    };
    format!("Examples and exit statuses: `{name} --help`.")
}

/// The EXIT STATUS, EXAMPLES and SEE ALSO sections of `cmd`'s man page.
pub fn man_sections(cmd: &str) -> roff::Roff {
    use roff::{bold, roman};
    let p = page(cmd);
    let mut r = roff::Roff::new();
    r.control("SH", ["EXIT STATUS"]);
    for (code, when) in p.exit {
        r.control("TP", []);
        r.text([bold(*code)]);
        r.text([roman(*when)]);
    }
    r.control("PP", []);
    r.text([roman(CLOSED_STDOUT)]);
    r.control("SH", ["EXAMPLES"]);
    for (c, what) in p.examples {
        r.control("TP", []);
        r.text([bold(*c)]);
        r.text([roman(*what)]);
    }
    r.control("SH", ["SEE ALSO"]);
    let mut items = Vec::new();
    for (i, s) in p.see_also.iter().enumerate() {
        let sep = if i + 1 < p.see_also.len() { ", " } else { "" };
        match s.split_once('(').filter(|(_, sect)| sect.len() == 2) {
            // `pinlab-check(1)`: the name bold, as man pages cite each other.
            Some((name, sect)) => {
                items.push(bold(name));
                items.push(roman(format!("({sect}{sep}")));
            }
            None => items.push(roman(format!("{s}{sep}"))),
        }
    }
    r.text(items);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_the_indent_and_continues_commands_as_a_shell_would() {
        assert_eq!(
            wrap("aa bb cc dd", "  0    ", "       ", 12),
            "  0    aa bb\n       cc dd\n"
        );
        assert_eq!(
            wrap_command("pinlab explain x.litmus -d legacy", 22),
            "  pinlab explain \\\n      x.litmus -d \\\n      legacy\n"
        );
    }
}
