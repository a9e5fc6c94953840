//! Diagnostics: what `parse` returns for a malformed file, and the one renderer every command
//! prints them with (plain text for mails and snapshots, rustc's colours on a terminal).

use std::fmt;
use std::ops::Range;

/// One error in a litmus file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line of `span.start`.
    pub line: u32,
    /// 1-based column of `span.start`, counted in characters.
    pub col: u32,
    /// Byte offsets into the text; never crosses a line end (it may be empty, at the end of a line).
    pub span: Range<usize>,
    /// One line saying what is wrong.
    pub message: String,
    /// A few words printed under the caret.
    pub label: String,
    /// How to fix it, when there is something useful to say.
    pub help: Option<String>,
}

impl Diagnostic {
    /// Builds a diagnostic. Out-of-range or non-boundary spans are clamped, so a caller bug can
    /// never make rendering panic. `line` and `col` are filled in by `fix_positions`.
    pub(crate) fn new(
        text: &str,
        span: Range<usize>,
        message: String,
        label: String,
        help: Option<String>,
    ) -> Diagnostic {
        Diagnostic {
            line: 0,
            col: 0,
            span: clamp_span(text, span),
            message,
            label,
            help,
        }
    }
}

fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut i = offset.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Clamps a span to the text, to char boundaries, and to the line of its start (in time
/// proportional to the span, not to the line).
fn clamp_span(text: &str, span: Range<usize>) -> Range<usize> {
    let start = floor_boundary(text, span.start);
    let end = floor_boundary(text, span.end.max(start));
    let end = text[start..end].find('\n').map_or(end, |i| start + i);
    start..end
}

/// Start offsets of the lines of a text, for line numbers by binary search.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// 1-based line and character column of a byte offset (clamped to the text). The column
    /// costs the length of the line up to the offset.
    pub(crate) fn line_col(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = floor_boundary(text, offset);
        let idx = self.starts.partition_point(|&s| s <= offset).max(1) - 1;
        let start = self.starts[idx].min(offset);
        let col = text[start..offset].chars().count() + 1;
        (saturating_u32(idx + 1), saturating_u32(col))
    }
}

/// Line, column and line start of each offset, in one pass over the text whatever the number
/// of offsets (which may come in any order).
fn walk(text: &str, offsets: &[usize]) -> Vec<(u32, u32, usize)> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_by_key(|&i| offsets[i]);
    let mut out = vec![(1, 1, 0); offsets.len()];
    let (mut pos, mut line, mut col, mut line_start) = (0usize, 1usize, 1usize, 0usize);
    for i in order {
        let target = floor_boundary(text, offsets[i]).max(pos);
        for (j, c) in text[pos..target].char_indices() {
            if c == '\n' {
                line += 1;
                col = 1;
                line_start = pos + j + 1;
            } else {
                col += 1;
            }
        }
        pos = target;
        out[i] = (saturating_u32(line), saturating_u32(col), line_start);
    }
    out
}

/// Fills in `line` and `col` of every diagnostic from its span.
pub(crate) fn fix_positions(text: &str, errors: &mut [Diagnostic]) {
    let offsets: Vec<usize> = errors.iter().map(|e| e.span.start).collect();
    for (e, (line, col, _)) in errors.iter_mut().zip(walk(text, &offsets)) {
        e.line = line;
        e.col = col;
    }
}

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// Every error found in one litmus file (never empty when returned by `parse`), in the order of
/// their position in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics {
    /// The name the file was parsed under (a path or `catalog:NAME.litmus`).
    pub source_name: String,
    pub errors: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Wraps `errors` found in the file named `source_name`; `render` takes its text.
    pub fn new(source_name: &str, errors: Vec<Diagnostic>) -> Diagnostics {
        Diagnostics {
            source_name: source_name.to_string(),
            errors,
        }
    }

    /// Renders every error as plain text (no colour), one block per error with a blank line
    /// between blocks, in the style of rustc:
    ///
    /// ```text
    /// error: expected `shared` or `private` after the file name
    ///   --> path/to/file.litmus:7:12
    ///    |
    ///  7 | mmap m = f sharde rw
    ///    |            ^^^^^^ expected `shared` or `private`
    ///    = help: did you mean `shared`?
    /// ```
    ///
    /// `text` should be the text that was parsed; a different text renders without panicking.
    pub fn render(&self, text: &str) -> String {
        self.render_styled(text, false)
    }

    /// `render`, coloured as rustc colours its errors when `colour` is set (for a terminal):
    /// `error` and the carets red, the location and gutter blue, `help` cyan. Without the ANSI
    /// escapes the text is `render`'s, so carets stay under the span.
    pub fn render_styled(&self, text: &str, colour: bool) -> String {
        let spans: Vec<Range<usize>> = self
            .errors
            .iter()
            .map(|e| clamp_span(text, e.span.clone()))
            .collect();
        let starts: Vec<usize> = spans.iter().map(|s| s.start).collect();
        let blocks: Vec<String> = self
            .errors
            .iter()
            .zip(spans)
            .zip(walk(text, &starts))
            .map(|((e, span), (line, col, line_start))| {
                let at = Position {
                    line,
                    col,
                    line_start,
                };
                render_one(&self.source_name, text, e, span, at, Paint(colour))
            })
            .collect();
        blocks.join("\n")
    }
}

/// Display width and printed form of one source character in a rendered snippet: tabs become
/// four spaces, a carriage return nothing, and other control characters a replacement
/// character, so carets stay aligned.
fn shown(c: char) -> (usize, &'static str) {
    match c {
        '\t' => (4, "    "),
        '\r' => (0, ""),
        c if c.is_control() => (1, "\u{FFFD}"),
        _ => (1, ""),
    }
}

/// At most this many characters of a long line are shown on each side of the span, and of the
/// span itself.
const WINDOW: usize = 80;

fn push_shown(out: &mut String, c: char) -> usize {
    let (w, s) = shown(c);
    if s.is_empty() && w == 1 {
        out.push(c);
    } else {
        out.push_str(s);
    }
    w
}

/// Where a rendered error starts: its line and column, and the byte offset of that line.
struct Position {
    line: u32,
    col: u32,
    line_start: usize,
}

/// Wraps text in ANSI SGR codes, or leaves it alone when colour is off.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    const ERROR: &'static str = "1;31";
    const BOLD: &'static str = "1";
    const GUTTER: &'static str = "1;34";
    const HELP: &'static str = "1;36";

    fn paint(self, sgr: &str, s: &str) -> String {
        if self.0 && !s.is_empty() {
            format!("\x1b[{sgr}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

fn render_one(
    source_name: &str,
    text: &str,
    e: &Diagnostic,
    span: Range<usize>,
    at: Position,
    p: Paint,
) -> String {
    let Position {
        line: line_no,
        col,
        line_start,
    } = at;
    // The line around the span, cut to a window on long lines.
    let before = &text[line_start.min(span.start)..span.start];
    let cut = before
        .char_indices()
        .rev()
        .nth(WINDOW)
        .map(|(i, c)| i + c.len_utf8());
    let mut shown_line = String::new();
    let mut pad = 0;
    if let Some(i) = cut {
        shown_line.push_str("...");
        pad += 3;
        for c in before[i..].chars() {
            pad += push_shown(&mut shown_line, c);
        }
    } else {
        for c in before.chars() {
            pad += push_shown(&mut shown_line, c);
        }
    }
    let mut carets = 0;
    let mut after = 0;
    let mut truncated = false;
    for (i, c) in text[span.start..].char_indices() {
        if c == '\n' {
            break;
        }
        let in_span = span.start + i < span.end;
        if (in_span && carets >= WINDOW) || (!in_span && after >= WINDOW) {
            truncated = true;
            break;
        }
        let w = push_shown(&mut shown_line, c);
        if in_span {
            carets += w;
        } else {
            after += 1;
        }
    }
    if truncated {
        shown_line.push_str("...");
    }
    let carets = carets.max(1);
    let num = line_no.to_string();
    let w = num.len();
    let gutter = " ".repeat(w + 2);

    let bar = p.paint(Paint::GUTTER, "|");
    let mut out = String::new();
    out.push_str(&format!(
        "{}{}\n",
        p.paint(Paint::ERROR, "error"),
        p.paint(Paint::BOLD, &format!(": {}", e.message))
    ));
    out.push_str(&format!(
        "{}{} {}:{}:{}\n",
        " ".repeat(w + 1),
        p.paint(Paint::GUTTER, "-->"),
        source_name,
        line_no,
        col
    ));
    out.push_str(&format!("{gutter}{bar}\n"));
    out.push_str(format!(" {} {bar} {shown_line}", p.paint(Paint::GUTTER, &num)).trim_end());
    out.push('\n');
    let mut marker = "^".repeat(carets);
    if !e.label.is_empty() {
        marker.push(' ');
        marker.push_str(&e.label);
    }
    out.push_str(&format!(
        "{gutter}{bar} {}{}\n",
        " ".repeat(pad),
        p.paint(Paint::ERROR, &marker)
    ));
    if let Some(help) = &e.help {
        out.push_str(&format!(
            "{gutter}{} {help}\n",
            p.paint(Paint::HELP, "= help:")
        ));
    }
    out
}

impl fmt::Display for Diagnostics {
    /// One line: the first error with its position, and how many more there are.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errors.first() {
            None => write!(f, "{}: no errors", self.source_name),
            Some(e) => {
                write!(
                    f,
                    "{}:{}:{}: {}",
                    self.source_name, e.line, e.col, e.message
                )?;
                match self.errors.len() - 1 {
                    0 => Ok(()),
                    1 => write!(f, " (and 1 more error)"),
                    n => write!(f, " (and {n} more errors)"),
                }
            }
        }
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars() {
        let t = "ab\nçd ef\n";
        let ix = LineIndex::new(t);
        assert_eq!(ix.line_col(t, 0), (1, 1));
        assert_eq!(ix.line_col(t, 3), (2, 1));
        // 'ç' is two bytes, one column
        assert_eq!(ix.line_col(t, 6), (2, 3));
        assert_eq!(ix.line_col(t, t.len()), (3, 1));
        assert_eq!(ix.line_col(t, 1000), (3, 1));
        // the same from the one-pass walk, offsets in any order
        assert_eq!(
            walk(t, &[6, 0, t.len(), 3]),
            vec![(2, 3, 3), (1, 1, 0), (3, 1, 10), (2, 1, 3)]
        );
    }

    #[test]
    fn render_matches_the_documented_format() {
        let text = "litmus x\nmmap m = f sharde rw\n";
        let d = Diagnostic::new(
            text,
            20..26,
            "expected `shared` or `private` after the file name".into(),
            "expected `shared` or `private`".into(),
            Some("did you mean `shared`?".into()),
        );
        let mut ds = [d];
        fix_positions(text, &mut ds);
        let [d] = ds;
        assert_eq!((d.line, d.col), (2, 12));
        let ds = Diagnostics::new("f.litmus", vec![d.clone(), d]);
        let block = "error: expected `shared` or `private` after the file name\n  --> f.litmus:2:12\n   |\n 2 | mmap m = f sharde rw\n   |            ^^^^^^ expected `shared` or `private`\n   = help: did you mean `shared`?\n";
        assert_eq!(ds.render(text), format!("{block}\n{block}"));
        assert_eq!(
            ds.to_string(),
            "f.litmus:2:12: expected `shared` or `private` after the file name (and 1 more error)"
        );
    }

    /// `text` without its ANSI SGR sequences (`ESC [ ... m`).
    fn strip_sgr(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find('\x1b') {
            out.push_str(&rest[..i]);
            let m = rest[i..].find('m').expect("an SGR sequence ends with m");
            rest = &rest[i + m + 1..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn the_coloured_render_is_the_plain_one_plus_escapes() {
        let text = "litmus x\nmmap m = f sharde rw\n";
        let mut ds = [Diagnostic::new(
            text,
            20..26,
            "expected `shared` or `private` after the file name".into(),
            "expected `shared` or `private`".into(),
            Some("did you mean `shared`?".into()),
        )];
        fix_positions(text, &mut ds);
        let ds = Diagnostics::new("f.litmus", ds.to_vec());
        let plain = ds.render(text);
        let coloured = ds.render_styled(text, true);
        assert!(!plain.contains('\x1b'));
        assert!(coloured.contains("\x1b[1;31merror\x1b[0m"), "{coloured:?}");
        assert!(
            coloured.contains("\x1b[1;31m^^^^^^ expected"),
            "{coloured:?}"
        );
        assert_eq!(strip_sgr(&coloured), plain);
        assert_eq!(ds.render_styled(text, false), plain);
    }

    #[test]
    fn clamping_never_panics() {
        let text = "é\nb";
        let d = Diagnostic::new(text, 1..100, "m".into(), String::new(), None);
        assert_eq!(d.span, 0..2);
        let mut d = [Diagnostic::new(
            text,
            50..60,
            "m".into(),
            String::new(),
            None,
        )];
        fix_positions(text, &mut d);
        assert_eq!(d[0].span, 4..4);
        assert_eq!((d[0].line, d[0].col), (2, 2));
        let ds = Diagnostics::new("x", d.to_vec());
        assert!(ds.render("").contains("error: m"));
    }

    #[test]
    fn tabs_and_wide_lines_keep_carets_aligned() {
        let text = "\tfoo bar";
        let d = Diagnostic::new(text, 5..8, "m".into(), "here".into(), None);
        let r = Diagnostics::new("x", vec![d]).render(text);
        assert!(
            r.contains(" 1 |     foo bar\n   |         ^^^ here\n"),
            "{r}"
        );
    }

    #[test]
    fn long_lines_are_shown_in_a_window() {
        let text = format!("{}@{}", "a ".repeat(200), "b".repeat(500));
        let d = Diagnostic::new(&text, 400..401, "m".into(), "l".into(), None);
        let r = Diagnostics::new("x", vec![d]).render(&text);
        let lines: Vec<&str> = r.lines().collect();
        assert!(lines[3].starts_with(" 1 | ..."), "{r}");
        assert!(lines[3].ends_with("bbb..."), "{r}");
        assert!(lines[3].len() < 200, "{r}");
        // the caret is under the `@`
        let caret = lines[4].find('^').unwrap();
        assert_eq!(&lines[3][caret..caret + 1], "@");
    }
}
