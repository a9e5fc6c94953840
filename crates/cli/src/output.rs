//! How the CLI talks to a person rather than to a pipe: `--quiet` and `--color`, decided once
//! after parsing. Bytes on a pipe never change: colour and the progress bar need a terminal.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// Colour a stream only when it is a terminal and NO_COLOR is unset or empty.
    Auto,
    /// Always colour, even with NO_COLOR set: the flag is the more explicit request.
    Always,
    /// Never colour.
    Never,
}

/// Options every subcommand takes, before or after its name.
#[derive(clap::Args)]
pub struct GlobalOpts {
    /// No progress bar and no timing line on stderr; errors still print.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Colour the matrix's verdicts and parse errors: `auto` on a terminal unless NO_COLOR is set
    /// to a non-empty value (no-color.org); `always` even when NO_COLOR is set; `never`.
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value_t = ColorWhen::Auto,
        global = true
    )]
    pub color: ColorWhen,
}

struct Settings {
    quiet: bool,
    color: ColorWhen,
}

// Set once in main() before any output; a global keeps every call site that prints free of an
// extra parameter.
static SETTINGS: OnceLock<Settings> = OnceLock::new();

pub fn init(g: &GlobalOpts) {
    let _ = SETTINGS.set(Settings {
        quiet: g.quiet,
        color: g.color,
    });
}

fn settings() -> &'static Settings {
    SETTINGS.get_or_init(|| Settings {
        quiet: false,
        color: ColorWhen::Auto,
    })
}

pub fn quiet() -> bool {
    settings().quiet
}

/// Whether a stream gets colour. no-color.org: NO_COLOR disables colour when it is set to a
/// non-empty value; an explicit `--color always` overrides it, as a command-line flag should.
fn use_colour(when: ColorWhen, is_terminal: bool, no_color: Option<OsString>) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => is_terminal && no_color.is_none_or(|v| v.is_empty()),
    }
}

pub fn colour_stdout() -> bool {
    use_colour(
        settings().color,
        std::io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR"),
    )
}

/// Whether the output written to `sink` gets colour: stdout's rule, and for an `-o` file only
/// `--color always` (a file is no terminal).
pub fn colour(sink: &crate::out::Sink) -> bool {
    if sink.is_stdout() {
        colour_stdout()
    } else {
        use_colour(settings().color, false, None)
    }
}

pub fn colour_stderr() -> bool {
    use_colour(
        settings().color,
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_colours_a_terminal_unless_no_color_is_set_and_non_empty() {
        let auto = |tty, nc: Option<&str>| use_colour(ColorWhen::Auto, tty, nc.map(Into::into));
        assert!(auto(true, None));
        assert!(auto(true, Some("")), "an empty NO_COLOR does not disable");
        assert!(!auto(true, Some("1")));
        assert!(!auto(true, Some("0")), "any non-empty value disables");
        assert!(!auto(false, None), "a pipe gets no colour");
    }

    #[test]
    fn an_explicit_flag_wins_over_the_terminal_and_no_color() {
        assert!(use_colour(ColorWhen::Always, false, Some("1".into())));
        assert!(!use_colour(ColorWhen::Never, true, None));
    }
}
