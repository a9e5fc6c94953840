//! The lexer: splits the text into lines and each line into tokens. `#` starts a comment that
//! runs to the end of the line (outside strings). A string cannot span lines.
//!
//! Words are runs of `[A-Za-z0-9_]`, which may also contain `.`, `+` and `-` when the next
//! character is a word character: so `pin-wait`, `pincount+wait` and `io_uring` are one word each,
//! while `0..1` is `0`, `..`, `1` and `p[0]->r` ends its word before `->`. The parser decides what
//! a word may be where (a name, a number, a value, a keyword).
//!
//! The NAME after `litmus` at the start of a line is lexed raw, up to whitespace or `#`, so the
//! parser can check it against `[A-Za-z0-9_.+-]+` exactly.
//!
//! Characters that are not part of the language become a `Bad` token after the lexer has reported
//! them; the parser gives up on such a line silently, so each mistake is reported once.

use std::ops::Range;

use crate::diag::Diagnostic;

pub(crate) type Span = Range<usize>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    Word(String),
    /// A string literal, unescaped.
    Str(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Eq,
    Comma,
    Colon,
    DotDot,
    Arrow,
    /// `/\`
    And,
    /// `\/`
    Or,
    Tilde,
    /// Characters the lexer already reported.
    Bad,
}

impl Tok {
    /// How an error message names what it found.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Word(w) => format!("`{}`", shorten(w)),
            Tok::Str(_) => "a string".to_string(),
            Tok::LParen => "`(`".to_string(),
            Tok::RParen => "`)`".to_string(),
            Tok::LBracket => "`[`".to_string(),
            Tok::RBracket => "`]`".to_string(),
            Tok::LBrace => "`{`".to_string(),
            Tok::RBrace => "`}`".to_string(),
            Tok::Eq => "`=`".to_string(),
            Tok::Comma => "`,`".to_string(),
            Tok::Colon => "`:`".to_string(),
            Tok::DotDot => "`..`".to_string(),
            Tok::Arrow => "`->`".to_string(),
            Tok::And => "`/\\`".to_string(),
            Tok::Or => "`\\/`".to_string(),
            Tok::Tilde => "`~`".to_string(),
            Tok::Bad => "an unexpected character".to_string(),
        }
    }
}

/// Keeps messages readable when someone feeds a megabyte-long word.
pub(crate) fn shorten(w: &str) -> String {
    if w.chars().count() <= 40 {
        w.to_string()
    } else {
        let head: String = w.chars().take(37).collect();
        format!("{head}...")
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// One line of the file and its tokens (comments and whitespace dropped).
#[derive(Clone, Debug)]
pub(crate) struct Line {
    /// 1-based.
    pub number: u32,
    pub tokens: Vec<Token>,
}

/// Longest word (a name, a number, a value): names are for people to read in traces.
pub const MAX_WORD: usize = 64;
/// Longest string (a `doc` line).
pub const MAX_STRING: usize = 2048;

/// A word, or a `Bad` token after reporting that it is too long.
fn word(text: &str, w: &str, span: Span, errors: &mut Vec<Diagnostic>) -> Token {
    let n = w.chars().count();
    if n <= MAX_WORD {
        return Token {
            tok: Tok::Word(w.to_string()),
            span,
        };
    }
    errors.push(Diagnostic::new(
        text,
        span.clone(),
        format!(
            "`{}` is {n} characters long; names, numbers and values are at most {MAX_WORD}",
            shorten(w)
        ),
        "too long".to_string(),
        Some("use a shorter name; the `doc` line is the place for a description".to_string()),
    ));
    Token {
        tok: Tok::Bad,
        span,
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Splits `text` into lines of tokens; lexical errors go to `errors`.
pub(crate) fn lex(text: &str, errors: &mut Vec<Diagnostic>) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut offset = 0;
    for (i, raw) in text.split('\n').enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let tokens = lex_line(text, raw, offset, errors);
        lines.push(Line { number, tokens });
        offset += raw.len() + 1;
    }
    lines
}

fn lex_line(text: &str, line: &str, base: usize, errors: &mut Vec<Diagnostic>) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut i = 0;
    let at = |i: usize| line[i..].chars().next();
    while let Some(c) = at(i) {
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == '#' {
            break;
        }
        // The NAME after a leading `litmus`: raw up to whitespace or a comment.
        if tokens.len() == 1 && matches!(&tokens[0].tok, Tok::Word(w) if w == "litmus") {
            let len = line[i..]
                .find(|c: char| c.is_ascii_whitespace() || c == '#')
                .unwrap_or(line.len() - i);
            i += len;
            tokens.push(word(text, &line[start..i], base + start..base + i, errors));
            continue;
        }
        let next = at(i + c.len_utf8());
        let simple = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            '{' => Some(Tok::LBrace),
            '}' => Some(Tok::RBrace),
            '=' => Some(Tok::Eq),
            ',' => Some(Tok::Comma),
            ':' => Some(Tok::Colon),
            '~' => Some(Tok::Tilde),
            _ => None,
        };
        if let Some(tok) = simple {
            i += 1;
            tokens.push(Token {
                tok,
                span: base + start..base + i,
            });
            continue;
        }
        let pair = match (c, next) {
            ('.', Some('.')) => Some(Tok::DotDot),
            ('-', Some('>')) => Some(Tok::Arrow),
            ('/', Some('\\')) => Some(Tok::And),
            ('\\', Some('/')) => Some(Tok::Or),
            _ => None,
        };
        if let Some(tok) = pair {
            i += 2;
            tokens.push(Token {
                tok,
                span: base + start..base + i,
            });
            continue;
        }
        if is_word_char(c) {
            i += 1;
            while let Some(c) = at(i) {
                let continues = is_word_char(c)
                    || (matches!(c, '.' | '+' | '-') && at(i + 1).is_some_and(is_word_char));
                if !continues {
                    break;
                }
                i += 1;
            }
            tokens.push(word(text, &line[start..i], base + start..base + i, errors));
            continue;
        }
        if c == '"' {
            let (tok, end) = lex_string(text, line, base, start, errors);
            i = end;
            tokens.push(Token {
                tok,
                span: base + start..base + i,
            });
            continue;
        }
        // A run of characters that are not part of the language, reported once.
        i += c.len_utf8();
        while let Some(c) = at(i) {
            if c.is_ascii_whitespace() || is_word_char(c) || "()[]{}=,:~#\"".contains(c) {
                break;
            }
            i += c.len_utf8();
        }
        let run = &line[start..i];
        errors.push(Diagnostic::new(
            text,
            base + start..base + i,
            format!("unexpected {}", describe_run(run)),
            "not part of the litmus language".to_string(),
            bad_char_help(run),
        ));
        tokens.push(Token {
            tok: Tok::Bad,
            span: base + start..base + i,
        });
    }
    tokens
}

/// Lexes the string starting at `line[start]` (a `"`); returns the token and the index after it.
fn lex_string(
    text: &str,
    line: &str,
    base: usize,
    start: usize,
    errors: &mut Vec<Diagnostic>,
) -> (Tok, usize) {
    let mut out = String::new();
    let mut iter = line[start + 1..]
        .char_indices()
        .map(|(j, c)| (start + 1 + j, c));
    let mut bad_escape = false;
    while let Some((j, c)) = iter.next() {
        match c {
            '"' => {
                if !bad_escape && out.len() > MAX_STRING {
                    errors.push(Diagnostic::new(
                        text,
                        base + start..base + j + 1,
                        format!(
                            "a string of {} bytes; strings are at most {MAX_STRING}",
                            out.len()
                        ),
                        "too long".to_string(),
                        Some(
                            "a `doc` line is a sentence or two; the argument belongs in comments"
                                .to_string(),
                        ),
                    ));
                    return (Tok::Bad, j + 1);
                }
                let tok = if bad_escape { Tok::Bad } else { Tok::Str(out) };
                return (tok, j + 1);
            }
            '\\' => match iter.next() {
                Some((_, e @ ('"' | '\\'))) => out.push(e),
                Some((k, e)) => {
                    if !bad_escape {
                        errors.push(Diagnostic::new(
                            text,
                            base + j..base + k + e.len_utf8(),
                            format!("unknown escape `\\{}` in a string", e.escape_debug()),
                            "unknown escape".to_string(),
                            Some("the only escapes are `\\\"` and `\\\\`".to_string()),
                        ));
                    }
                    bad_escape = true;
                }
                None => break,
            },
            c => out.push(c),
        }
    }
    let end = line.trim_end_matches('\r').len().max(start + 1);
    if !bad_escape {
        errors.push(Diagnostic::new(
            text,
            base + start..base + end,
            "unterminated string".to_string(),
            "this string is never closed".to_string(),
            Some("close it with `\"` on the same line (a string cannot span lines)".to_string()),
        ));
    }
    (Tok::Bad, line.len())
}

fn describe_run(run: &str) -> String {
    let printable = run.chars().all(|c| !c.is_control() && !c.is_whitespace());
    if printable {
        let what = if run.chars().count() == 1 {
            "character"
        } else {
            "characters"
        };
        format!("{what} `{}`", shorten(run))
    } else {
        let codes: Vec<String> = run
            .chars()
            .take(8)
            .map(|c| format!("U+{:04X}", c as u32))
            .collect();
        let more = if run.chars().count() > 8 { " ..." } else { "" };
        format!("character {}{more}", codes.join(" "))
    }
}

fn bad_char_help(run: &str) -> Option<String> {
    let help = match run {
        ";" => "one statement per line: no `;` is needed",
        "&&" | "&" => "write `/\\` for and",
        "||" | "|" => "write `\\/` for or",
        "!" => "write `~` for not",
        "==" => "a condition compares with a single `=`",
        "-" => "did you mean `->`? (values and page indexes are non-negative)",
        "." => "a page range is written `a..b`",
        "/" => "did you mean `/\\` (and)?",
        "\\" => "did you mean `\\/` (or)?",
        "'" => "strings use double quotes",
        _ => return None,
    };
    Some(help.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> (Vec<Tok>, Vec<Diagnostic>) {
        let mut errors = Vec::new();
        let lines = lex(s, &mut errors);
        crate::diag::fix_positions(s, &mut errors);
        (
            lines
                .into_iter()
                .flat_map(|l| l.tokens)
                .map(|t| t.tok)
                .collect(),
            errors,
        )
    }

    fn w(s: &str) -> Tok {
        Tok::Word(s.to_string())
    }

    #[test]
    fn words_punctuation_and_comments() {
        let (t, e) = toks("pin p = nic m[0..1] write # a comment [\n");
        assert!(e.is_empty());
        assert_eq!(
            t,
            vec![
                w("pin"),
                w("p"),
                Tok::Eq,
                w("nic"),
                w("m"),
                Tok::LBracket,
                w("0"),
                Tok::DotDot,
                w("1"),
                Tok::RBracket,
                w("write")
            ]
        );
    }

    #[test]
    fn words_with_dashes_and_plus() {
        let (t, e) = toks("expect pincount+wait: unsafe(mkwrite-contract, no-late-enospc)");
        assert!(e.is_empty());
        assert_eq!(
            t,
            vec![
                w("expect"),
                w("pincount+wait"),
                Tok::Colon,
                w("unsafe"),
                Tok::LParen,
                w("mkwrite-contract"),
                Tok::Comma,
                w("no-late-enospc"),
                Tok::RParen
            ]
        );
    }

    #[test]
    fn arrows_and_connectives() {
        let (t, e) = toks("dma p[0]->r ~(a = 1 /\\ b = 2 \\/ c = 3)");
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(t[4..7], [Tok::RBracket, Tok::Arrow, w("r")]);
        assert!(t.contains(&Tok::And) && t.contains(&Tok::Or) && t.contains(&Tok::Tilde));
    }

    #[test]
    fn litmus_name_is_raw() {
        let (t, e) = toks("litmus a.b+c-d..e# c\n  litmus x");
        assert!(e.is_empty());
        assert_eq!(t, vec![w("litmus"), w("a.b+c-d..e"), w("litmus"), w("x")]);
    }

    #[test]
    fn strings_and_escapes() {
        let (t, e) = toks(r#"doc "a \"b\" \\ # c""#);
        assert!(e.is_empty());
        assert_eq!(t, vec![w("doc"), Tok::Str(r#"a "b" \ # c"#.to_string())]);
    }

    #[test]
    fn unterminated_string_is_one_error() {
        let (t, e) = toks("doc \"abc\nfs ext4");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].message, "unterminated string");
        assert_eq!((e[0].line, e[0].col, e[0].span.clone()), (1, 5, 4..8));
        assert_eq!(t, vec![w("doc"), Tok::Bad, w("fs"), w("ext4")]);
    }

    #[test]
    fn bad_escape() {
        let (t, e) = toks(r#"doc "a\nb""#);
        assert_eq!(e.len(), 1);
        assert!(e[0].message.contains("unknown escape"), "{}", e[0].message);
        assert_eq!(t, vec![w("doc"), Tok::Bad]);
    }

    #[test]
    fn bad_characters_are_grouped_with_hints() {
        let (t, e) = toks("a && b; é");
        assert_eq!(t, vec![w("a"), Tok::Bad, w("b"), Tok::Bad, Tok::Bad]);
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].message, "unexpected characters `&&`");
        assert_eq!(e[0].help.as_deref(), Some("write `/\\` for and"));
        assert_eq!(e[1].message, "unexpected character `;`");
        assert_eq!(e[2].message, "unexpected character `é`");
        assert_eq!(e[2].col, 9);
    }

    #[test]
    fn control_characters_are_named_by_code_point() {
        let (_, e) = toks("a \u{7} b");
        assert_eq!(e[0].message, "unexpected character U+0007");
    }

    #[test]
    fn crlf_is_whitespace() {
        let (t, e) = toks("sync\r\nreclaim\r\n");
        assert!(e.is_empty());
        assert_eq!(t, vec![w("sync"), w("reclaim")]);
    }

    #[test]
    fn dangling_continuation_chars_do_not_join_words() {
        let (t, e) = toks("a- b");
        assert_eq!(t, vec![w("a"), Tok::Bad, w("b")]);
        assert_eq!(e.len(), 1);
    }
}
