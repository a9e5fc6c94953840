//! Diagnostics: what `parse` returns for a malformed file, a plain-text renderer for terminals,
//! mails and snapshots, and `miette::Diagnostic` so callers can use miette's fancy renderer too.

use std::fmt;
use std::ops::Range;

use miette::{LabeledSpan, NamedSource, SourceCode};

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
    /// Builds a diagnostic and computes its line and column from `span.start`. Out-of-range or
    /// non-boundary spans are clamped, so a caller bug can never make rendering panic.
    pub(crate) fn new(
        text: &str,
        span: Range<usize>,
        message: String,
        label: String,
        help: Option<String>,
    ) -> Diagnostic {
        let span = clamp_span(text, span);
        let (line, col) = line_col(text, span.start);
        Diagnostic {
            line,
            col,
            span,
            message,
            label,
            help,
        }
    }
}

/// Clamps a span to the text, to char boundaries, and to the line of its start.
fn clamp_span(text: &str, span: Range<usize>) -> Range<usize> {
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let mut end = span.end.clamp(start, line_end);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    start..end
}

/// 1-based line and character column of a byte offset (which must be a char boundary).
pub(crate) fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..offset].chars().count() + 1;
    (saturating_u32(line), saturating_u32(col))
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

impl miette::Diagnostic for Diagnostic {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = (!self.label.is_empty()).then(|| self.label.clone());
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            label,
            self.span.clone(),
        ))))
    }
}

/// Every error found in one litmus file (never empty when returned by `parse`), in the order of
/// their position in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics {
    /// The name the file was parsed under (a path or `catalog:NAME.litmus`).
    pub source_name: String,
    pub errors: Vec<Diagnostic>,
    /// The text, for `miette::Diagnostic::source_code`.
    source: NamedSource<String>,
}

impl Diagnostics {
    /// Wraps `errors` found in `text`.
    pub fn new(source_name: &str, text: &str, errors: Vec<Diagnostic>) -> Diagnostics {
        Diagnostics {
            source_name: source_name.to_string(),
            errors,
            source: NamedSource::new(source_name, text.to_string()),
        }
    }

    /// The text the errors point into.
    pub fn source_text(&self) -> &str {
        self.source.inner()
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
        let blocks: Vec<String> = self
            .errors
            .iter()
            .map(|e| render_one(&self.source_name, text, e))
            .collect();
        blocks.join("\n")
    }
}

/// Display width and printed form of one source character in a rendered snippet: tabs become
/// four spaces and control characters a replacement character, so carets stay aligned.
fn shown(c: char) -> (usize, String) {
    match c {
        '\t' => (4, "    ".to_string()),
        c if c.is_control() => (1, "\u{FFFD}".to_string()),
        c => (1, c.to_string()),
    }
}

fn render_one(source_name: &str, text: &str, e: &Diagnostic) -> String {
    let span = clamp_span(text, e.span.clone());
    let (line_no, col) = line_col(text, span.start);
    let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[span.start..]
        .find('\n')
        .map_or(text.len(), |i| span.start + i);
    let line = text[line_start..line_end]
        .strip_suffix('\r')
        .unwrap_or(&text[line_start..line_end]);

    let mut shown_line = String::new();
    let mut pad = 0;
    let mut carets = 0;
    for (i, c) in line.char_indices() {
        let (w, s) = shown(c);
        shown_line.push_str(&s);
        let at = line_start + i;
        if at < span.start {
            pad += w;
        } else if at < span.end {
            carets += w;
        }
    }
    let carets = carets.max(1);
    let num = line_no.to_string();
    let w = num.len();
    let gutter = " ".repeat(w + 2);

    let mut out = String::new();
    out.push_str(&format!("error: {}\n", e.message));
    out.push_str(&format!(
        "{}--> {}:{}:{}\n",
        " ".repeat(w + 1),
        source_name,
        line_no,
        col
    ));
    out.push_str(&format!("{gutter}|\n"));
    out.push_str(format!(" {num} | {shown_line}").trim_end());
    out.push('\n');
    let mut marker = format!("{gutter}| {}{}", " ".repeat(pad), "^".repeat(carets));
    if !e.label.is_empty() {
        marker.push(' ');
        marker.push_str(&e.label);
    }
    out.push_str(&marker);
    out.push('\n');
    if let Some(help) = &e.help {
        out.push_str(&format!("{gutter}= help: {help}\n"));
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

/// The first error is the diagnostic itself (its labels and help); the others are `related`,
/// and share this diagnostic's source code.
impl miette::Diagnostic for Diagnostics {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.errors
            .first()
            .and_then(<Diagnostic as miette::Diagnostic>::help)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.errors
            .first()
            .and_then(<Diagnostic as miette::Diagnostic>::labels)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.errors.len() < 2 {
            return None;
        }
        Some(Box::new(
            self.errors[1..]
                .iter()
                .map(|e| e as &dyn miette::Diagnostic),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars() {
        let t = "ab\nçd ef\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
        // 'ç' is two bytes, one column
        assert_eq!(line_col(t, 6), (2, 3));
        assert_eq!(line_col(t, t.len()), (3, 1));
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
        assert_eq!((d.line, d.col), (2, 12));
        let ds = Diagnostics::new("f.litmus", text, vec![d.clone(), d]);
        let block = "error: expected `shared` or `private` after the file name\n  --> f.litmus:2:12\n   |\n 2 | mmap m = f sharde rw\n   |            ^^^^^^ expected `shared` or `private`\n   = help: did you mean `shared`?\n";
        assert_eq!(ds.render(text), format!("{block}\n{block}"));
        assert_eq!(
            ds.to_string(),
            "f.litmus:2:12: expected `shared` or `private` after the file name (and 1 more error)"
        );
    }

    #[test]
    fn clamping_never_panics() {
        let text = "é\nb";
        let d = Diagnostic::new(text, 1..100, "m".into(), String::new(), None);
        assert_eq!(d.span, 0..2);
        let d = Diagnostic::new(text, 50..60, "m".into(), String::new(), None);
        assert_eq!(d.span, 4..4);
        assert_eq!((d.line, d.col), (2, 2));
        let ds = Diagnostics::new("x", text, vec![d]);
        assert!(ds.render("").contains("error: m"));
    }

    #[test]
    fn tabs_and_wide_lines_keep_carets_aligned() {
        let text = "\tfoo bar";
        let d = Diagnostic::new(text, 5..8, "m".into(), "here".into(), None);
        let r = Diagnostics::new("x", text, vec![d]).render(text);
        assert!(
            r.contains(" 1 |     foo bar\n   |         ^^^ here\n"),
            "{r}"
        );
    }

    #[test]
    fn miette_sees_source_labels_help_and_related_errors() {
        use miette::Diagnostic as _;
        let text = "litmus x\nfs ext5\nsync\nthread t {\n  sync\n}\n";
        let ds = crate::parse("x.litmus", text).unwrap_err();
        assert_eq!(ds.errors.len(), 2);
        assert!(ds.source_code().is_some());
        let labels: Vec<_> = ds.labels().unwrap().collect();
        assert_eq!(labels.len(), 1);
        assert_eq!(labels[0].offset(), 12);
        assert_eq!(labels[0].label(), Some("not a filesystem the model knows"));
        assert!(ds
            .help()
            .unwrap()
            .to_string()
            .starts_with("did you mean `ext4`?"));
        assert_eq!(ds.related().unwrap().count(), 1);
        let mut out = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .render_report(&mut out, &ds)
            .unwrap();
        assert!(
            out.contains("fs ext5") && out.contains("`sync` is an operation"),
            "{out}"
        );
        assert_eq!(ds.source_text(), text);
    }
}
