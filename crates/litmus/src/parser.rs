//! The recursive-descent parser. Each function's doc comment is the production it implements.
//!
//! The grammar is line-oriented: every statement and every op is one line (a condition may
//! continue on the next line when a line ends in, or the next one starts with, `/\`, `\/` or a
//! parenthesis). A syntax error abandons the rest of its line and the parser resumes at the next
//! one, so one run reports every broken line; inside a thread block it resumes at the next op.

use pinlab_model::design::Design;
use pinlab_model::device::DeviceKind;
use pinlab_model::fs::FsKind;
use pinlab_model::property::Property;
use pinlab_model::scenario::{Errno, ExpectedAnswer, Quantifier};
use pinlab_model::verdict::VerdictKind;

use crate::ast::*;
use crate::diag::{Diagnostic, LineIndex};
use crate::lexer::{shorten, Line, Span, Tok, Token};
use crate::suggest::{
    closest, closest_keyword, design_help, did_you_mean, property_help, with_suggestion,
};

/// Top-level statement keywords.
pub(crate) const STATEMENTS: &[&str] = &[
    "litmus", "doc", "fs", "file", "mmap", "anon", "device", "thread", "exists", "forall", "expect",
];

/// Op keywords and their syntax (for help lines).
pub(crate) const OPS: &[(&str, &str)] = &[
    ("store", "store M[i] = V"),
    ("load", "load M[i] -> r"),
    ("write", "write F[i] = V"),
    ("read", "read F[i] -> r"),
    ("pin", "pin P = D M[a..b] [write] [longterm]"),
    ("dma", "dma P[k] = V` or `dma P[k] -> r"),
    ("unpin", "unpin P [dirty]"),
    ("fsync", "fsync F"),
    ("sync", "sync"),
    ("writeback", "writeback F"),
    ("truncate", "truncate F N"),
    ("punch", "punch F i"),
    ("fallocate", "fallocate F i"),
    ("reclaim", "reclaim"),
    ("freeze", "freeze"),
    ("thaw", "thaw"),
    ("munmap", "munmap M"),
    ("mprotect", "mprotect M ro|rw"),
    ("seal", "seal F write -> r"),
    ("complete", "complete X"),
    ("wait_for_completion", "wait_for_completion X"),
];

/// Words that cannot name a file, map, device, thread, handle or register: they stand for
/// something else where a value is expected. (`disk`, `cache`, `file` and `mem` are not reserved:
/// in a condition they are keywords only when a name follows, so `disk = A` tests a register.)
pub(crate) const RESERVED: &[&str] = &[
    "none",
    "ok",
    "hole",
    "EFAULT",
    "EOPNOTSUPP",
    "ENOSPC",
    "EIO",
    "EBUSY",
];

const THREAD_HELP: &str = "a thread is `thread NAME {`, one op per line, then `}` on its own line";

/// The verdict words an `expect` line takes, in the order diagnostics list them.
const VERDICTS: [&str; VerdictKind::EXPECTABLE.len()] = {
    let mut names = [""; VerdictKind::EXPECTABLE.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = VerdictKind::EXPECTABLE[i].name();
        i += 1;
    }
    names
};

/// The answers an `expect` line may pin for the final condition, as herd prints them.
const ANSWERS: [&str; 3] = ["Always", "Sometimes", "Never"];

const ANSWER_HELP: &str = "after the verdict may come the final condition's answer, `Always`, `Sometimes` or `Never` (with a capital, as herd prints it)";

/// How deep `~` and parentheses may nest in a condition (the parser recurses on them).
const MAX_COND_DEPTH: usize = 64;

pub(crate) fn is_ident(w: &str) -> bool {
    let mut cs = w.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_number(w: &str) -> bool {
    !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit())
}

/// Classifies a word in a value position; `None` if it cannot be a value at all.
fn classify_value(w: &str) -> Option<ValKind> {
    if is_number(w) {
        let canonical = w.trim_start_matches('0');
        return Some(ValKind::Val(if canonical.is_empty() {
            "0".to_string()
        } else {
            canonical.to_string()
        }));
    }
    if !is_ident(w) {
        return None;
    }
    Some(match w {
        "none" => ValKind::None,
        "ok" => ValKind::Ok,
        "hole" => ValKind::Hole,
        _ => match Errno::from_name(w) {
            Some(e) => ValKind::Errno(e),
            None => ValKind::Val(w.to_string()),
        },
    })
}

struct Fail;
type PResult<T> = Result<T, Fail>;

/// A cursor over the tokens of one statement.
struct Cur<'t> {
    toks: &'t [Token],
    i: usize,
    /// The production's syntax, for the default help line.
    syntax: &'static str,
    /// The line has a character the lexer already reported: say nothing more about it.
    has_bad: bool,
}

impl<'t> Cur<'t> {
    fn new(toks: &'t [Token], syntax: &'static str) -> Cur<'t> {
        Cur {
            toks,
            i: 0,
            syntax,
            has_bad: toks.iter().any(|t| t.tok == Tok::Bad),
        }
    }
    fn peek(&self) -> Option<&'t Tok> {
        self.toks.get(self.i).map(|t| &t.tok)
    }
    fn peek_word(&self) -> Option<&'t str> {
        match self.peek() {
            Some(Tok::Word(w)) => Some(w),
            _ => None,
        }
    }
    fn at_end(&self) -> bool {
        self.i >= self.toks.len()
    }
    /// The current token's span, or an empty span just after the last token.
    fn span(&self) -> Span {
        match self.toks.get(self.i) {
            Some(t) => t.span.clone(),
            None => {
                let end = self.toks.last().map_or(0, |t| t.span.end);
                end..end
            }
        }
    }
    fn prev_span(&self) -> Span {
        match self.i.checked_sub(1).and_then(|j| self.toks.get(j)) {
            Some(t) => t.span.clone(),
            None => self.span(),
        }
    }
    fn found(&self) -> String {
        match self.peek() {
            Some(t) => t.describe(),
            None => "end of line".to_string(),
        }
    }
    fn bump(&mut self) -> Option<&'t Token> {
        let t = self.toks.get(self.i);
        if t.is_some() {
            self.i += 1;
        }
        t
    }
    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek() == Some(tok) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn eat_word(&mut self, w: &str) -> bool {
        if self.peek_word() == Some(w) {
            self.i += 1;
            true
        } else {
            false
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    index: &'a LineIndex,
    errors: &'a mut Vec<Diagnostic>,
    out: Parsed,
    /// Line of the first `litmus` statement, for the duplicate message.
    litmus_line: Option<u32>,
}

/// Parses the lexed lines. Syntax errors go to `errors`.
pub(crate) fn parse(
    text: &str,
    index: &LineIndex,
    lines: &[Line],
    errors: &mut Vec<Diagnostic>,
) -> Parsed {
    let mut p = Parser {
        text,
        index,
        errors,
        out: Parsed::default(),
        litmus_line: None,
    };
    let mut i = 0;
    while i < lines.len() {
        if lines[i].tokens.is_empty() {
            i += 1;
            continue;
        }
        i = p.statement(lines, i);
    }
    if p.out.first.is_none() {
        p.push(
            0..0,
            "empty litmus file".to_string(),
            "expected `litmus NAME`".to_string(),
            Some("a scenario starts with a line `litmus NAME`; see docs/litmus.md".to_string()),
        );
    }
    p.out
}

fn stmt_syntax(kw: &str) -> &'static str {
    match kw {
        "litmus" => "litmus NAME",
        "doc" => "doc \"text\"",
        "fs" => "fs KIND [blocks=N] [integrity]",
        "file" => "file F pages=N [data=V,V,...]",
        "mmap" => "mmap M = F shared|private rw|ro",
        "anon" => "anon M pages=N [ro|rw]",
        "device" => "device D KIND",
        "thread" => "thread NAME {",
        "expect" => "expect DESIGN: VERDICT [ANSWER]",
        "exists" => "exists (COND)",
        "forall" => "forall (COND)",
        "~exists" => "~exists (COND)",
        _ => "STATEMENT",
    }
}

fn list(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Parser<'_> {
    fn push(&mut self, span: Span, message: String, label: String, help: Option<String>) {
        self.errors
            .push(Diagnostic::new(self.text, span, message, label, help));
    }

    /// Reports an error at the cursor (unless the line has a lexical error already).
    fn err(&mut self, cur: &Cur, message: String, label: &str, help: Option<String>) -> Fail {
        self.err_at(cur, cur.span(), message, label, help)
    }

    fn err_at(
        &mut self,
        cur: &Cur,
        span: Span,
        message: String,
        label: &str,
        help: Option<String>,
    ) -> Fail {
        if !cur.has_bad {
            let help = help.or_else(|| Some(format!("the syntax is `{}`", cur.syntax)));
            self.push(span, message, label.to_string(), help);
        }
        Fail
    }

    fn line_of(&self, span: &Span) -> u32 {
        self.index.line_col(self.text, span.start).0
    }

    // ----- terminals -----

    /// Expects the end of the line.
    fn eol(&mut self, cur: &Cur) -> PResult<()> {
        if cur.at_end() {
            return Ok(());
        }
        let msg = format!("expected end of line, found {}", cur.found());
        Err(self.err(
            cur,
            msg,
            "unexpected",
            Some("one statement or op per line; `#` starts a comment".to_string()),
        ))
    }

    fn punct(&mut self, cur: &mut Cur, tok: Tok, message: &str, label: &str) -> PResult<Span> {
        if cur.eat(&tok) {
            return Ok(cur.prev_span());
        }
        let msg = format!("{message}, found {}", cur.found());
        Err(self.err(cur, msg, label, None))
    }

    /// NAME: an identifier `[A-Za-z_][A-Za-z0-9_]*` that is not a reserved word.
    fn ident(&mut self, cur: &mut Cur, what: &str) -> PResult<Name> {
        match cur.peek_word() {
            Some(w) if is_ident(w) && !RESERVED.contains(&w) => {
                let span = cur.span();
                cur.bump();
                Ok(Name {
                    text: w.to_string(),
                    span,
                })
            }
            Some(w) if RESERVED.contains(&w) => {
                let msg = format!("expected {what}, found the keyword `{w}`");
                let help = format!("{} are keywords and cannot name anything", list(RESERVED));
                Err(self.err(cur, msg, "a keyword", Some(help)))
            }
            Some(w) => {
                let msg = format!("expected {what}, found `{}`", shorten(w));
                Err(self.err(
                    cur,
                    msg,
                    "not a name",
                    Some(
                        "a name is a letter or `_` followed by letters, digits and `_`".to_string(),
                    ),
                ))
            }
            None => {
                let msg = format!("expected {what}, found {}", cur.found());
                Err(self.err(cur, msg, &format!("expected {what}"), None))
            }
        }
    }

    /// N: a non-negative decimal integer.
    fn number(&mut self, cur: &mut Cur, what: &str) -> PResult<Num> {
        match cur.peek_word() {
            Some(w) if is_number(w) => {
                let span = cur.span();
                match w.parse::<u64>() {
                    Ok(value) => {
                        cur.bump();
                        Ok(Num { value, span })
                    }
                    Err(_) => Err(self.err(
                        cur,
                        format!("{what} `{}` is too large", shorten(w)),
                        "too large",
                        None,
                    )),
                }
            }
            _ => {
                let msg = format!(
                    "expected {what} (a non-negative integer), found {}",
                    cur.found()
                );
                Err(self.err(cur, msg, "expected a number", None))
            }
        }
    }

    /// V: an identifier or a non-negative integer (or a keyword `none`, `ok`, `hole`, ERRNO, which
    /// `lower` accepts only where they make sense).
    fn value(&mut self, cur: &mut Cur) -> PResult<ValTok> {
        if let Some(w) = cur.peek_word() {
            if let Some(kind) = classify_value(w) {
                let span = cur.span();
                cur.bump();
                return Ok(ValTok { kind, span });
            }
            let msg = format!("`{}` is not a value", shorten(w));
            return Err(self.err(
                cur,
                msg,
                "not a value",
                Some("a value is an identifier (`A`, `B1`) or a non-negative integer".to_string()),
            ));
        }
        let msg = format!("expected a value, found {}", cur.found());
        Err(self.err(cur, msg, "expected a value", None))
    }

    /// One of `choices`, with a did-you-mean.
    fn choice(
        &mut self,
        cur: &mut Cur,
        choices: &[&'static str],
        message: &str,
        label: &str,
    ) -> PResult<&'static str> {
        if let Some(w) = cur.peek_word() {
            if let Some(c) = choices.iter().find(|c| **c == w) {
                cur.bump();
                return Ok(c);
            }
        }
        let help = cur
            .peek_word()
            .and_then(|w| did_you_mean(w, choices.iter().copied()));
        let msg = if cur.at_end() {
            format!("{message}, found end of line")
        } else {
            message.to_string()
        };
        Err(self.err(cur, msg, label, help))
    }

    /// X[i]
    fn indexed(&mut self, cur: &mut Cur, what: &str) -> PResult<Indexed> {
        let name = self.ident(cur, what)?;
        self.punct(
            cur,
            Tok::LBracket,
            &format!("expected `[` after `{}`", name.text),
            "expected `[i]`",
        )?;
        let index = self.number(cur, "a page index")?;
        if cur.peek() == Some(&Tok::DotDot) {
            return Err(self.err(
                cur,
                "expected `]`, found `..`".to_string(),
                "a range is not allowed here",
                Some("only `pin` takes a page range; other ops name one page: `X[i]`".to_string()),
            ));
        }
        self.punct(
            cur,
            Tok::RBracket,
            "expected `]` after the page index",
            "expected `]`",
        )?;
        Ok(Indexed { name, index })
    }

    // ----- statements -----

    /// Parses the statement starting at `lines[i]`; returns the index of the next line to parse.
    fn statement(&mut self, lines: &[Line], i: usize) -> usize {
        let line = &lines[i];
        let first = &line.tokens[0];
        let kw: &str = match &first.tok {
            Tok::Word(w) => w,
            Tok::Tilde => "~exists",
            _ => "",
        };
        if self.out.first.is_none() {
            self.out.first = Some(first.span.clone());
            if kw != "litmus" {
                self.out.failed.insert("litmus");
                if STATEMENTS.contains(&kw) || kw == "~exists" {
                    self.push(
                        first.span.clone(),
                        "the first statement must be `litmus NAME`".to_string(),
                        "expected `litmus NAME` before this".to_string(),
                        Some(
                            "every scenario starts with a line `litmus NAME` naming it".to_string(),
                        ),
                    );
                }
            }
        }
        match kw {
            "thread" => return self.thread(lines, i),
            "exists" | "forall" | "~exists" => return self.condition(lines, i),
            _ => {}
        }
        let Some(kw) = STATEMENTS.iter().copied().find(|s| *s == kw) else {
            self.unknown_statement(line);
            return i + 1;
        };
        let mut cur = Cur::new(&line.tokens, stmt_syntax(kw));
        cur.bump();
        let stmt = match kw {
            "litmus" => self.litmus(&mut cur),
            "doc" => self.doc(&mut cur),
            "fs" => self.fs(&mut cur),
            "file" => self.file(&mut cur),
            "mmap" => self.mmap(&mut cur),
            "anon" => self.anon(&mut cur),
            "device" => self.device(&mut cur),
            _ => self.expect(&mut cur),
        };
        match stmt.and_then(|s| self.eol(&cur).map(|()| s)) {
            Ok(stmt) => {
                if kw == "litmus" {
                    if let Some(prev) = self.litmus_line {
                        self.push(
                            first.span.clone(),
                            "`litmus` appears twice".to_string(),
                            "second `litmus` line".to_string(),
                            Some(format!("the scenario is already named on line {prev}; one file is one scenario")),
                        );
                    }
                    self.litmus_line.get_or_insert(line.number);
                }
                self.out.items.push(Item {
                    stmt,
                    kw: first.span.clone(),
                    line: line.number,
                });
            }
            Err(Fail) => {
                if matches!(kw, "litmus" | "fs") {
                    self.out.failed.insert(kw);
                }
                if matches!(kw, "file" | "mmap" | "anon" | "device") {
                    self.poison_word(&line.tokens, 1);
                }
            }
        }
        i + 1
    }

    fn poison_word(&mut self, toks: &[Token], at: usize) {
        if let Some(Token {
            tok: Tok::Word(w), ..
        }) = toks.get(at)
        {
            self.out.poisoned.insert(w.clone());
        }
    }

    fn unknown_statement(&mut self, line: &Line) {
        let first = &line.tokens[0];
        if line.tokens.iter().any(|t| t.tok == Tok::Bad) && first.tok == Tok::Bad {
            return;
        }
        match &first.tok {
            Tok::Word(w) if OPS.iter().any(|(k, _)| k == w) => {
                self.push(
                    first.span.clone(),
                    format!("`{w}` is an operation, not a statement"),
                    "outside any thread".to_string(),
                    Some(
                        "operations go inside a thread: `thread NAME {`, one op per line, then `}`"
                            .to_string(),
                    ),
                );
            }
            Tok::Word(w) => {
                let sugg = did_you_mean(
                    w,
                    STATEMENTS
                        .iter()
                        .copied()
                        .chain(OPS.iter().map(|(k, _)| *k)),
                );
                let help = with_suggestion(sugg, format!("statements are {}", list(STATEMENTS)));
                self.push(
                    first.span.clone(),
                    format!("unknown statement `{}`", shorten(w)),
                    "not a statement".to_string(),
                    Some(help),
                );
            }
            Tok::RBrace => self.push(
                first.span.clone(),
                "unmatched `}`".to_string(),
                "no thread is open here".to_string(),
                Some("a thread block starts with `thread NAME {`".to_string()),
            ),
            Tok::Bad => {}
            t => {
                let msg = format!("expected a statement, found {}", t.describe());
                self.push(
                    first.span.clone(),
                    msg,
                    "expected a statement".to_string(),
                    Some(format!("statements are {}", list(STATEMENTS))),
                );
            }
        }
    }

    /// `litmus NAME`, NAME = `[A-Za-z0-9_.+-]+`
    fn litmus(&mut self, cur: &mut Cur) -> PResult<Stmt> {
        let Some(w) = cur.peek_word() else {
            let msg = format!(
                "expected the scenario's name after `litmus`, found {}",
                cur.found()
            );
            return Err(self.err(cur, msg, "expected a name", None));
        };
        if let Some(bad) = w
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "_.+-".contains(*c)))
        {
            let msg = format!(
                "invalid character `{}` in the scenario name",
                bad.escape_debug()
            );
            return Err(self.err(
                cur,
                msg,
                "not a valid name",
                Some(
                    "a scenario name is made of letters, digits, `_`, `.`, `+` and `-`".to_string(),
                ),
            ));
        }
        let span = cur.span();
        cur.bump();
        Ok(Stmt::Litmus {
            name: Name {
                text: w.to_string(),
                span,
            },
        })
    }

    /// `doc "..."`
    fn doc(&mut self, cur: &mut Cur) -> PResult<Stmt> {
        match cur.peek() {
            Some(Tok::Str(s)) => {
                cur.bump();
                Ok(Stmt::Doc { text: s.clone() })
            }
            _ => {
                let msg = format!(
                    "expected a string in double quotes after `doc`, found {}",
                    cur.found()
                );
                Err(self.err(cur, msg, "expected \"...\"", None))
            }
        }
    }

    /// `fs KIND [blocks=N] [integrity]`
    fn fs(&mut self, cur: &mut Cur) -> PResult<Stmt> {
        let names = FsKind::names();
        let kind = match cur.peek_word() {
            Some(w) => match FsKind::from_name(w) {
                Some(k) => {
                    cur.bump();
                    k
                }
                None => {
                    let help = with_suggestion(
                        did_you_mean(w, names.iter().copied()),
                        format!("known filesystems: {}", names.join(", ")),
                    );
                    let msg = format!("unknown filesystem `{}`", shorten(w));
                    return Err(self.err(cur, msg, "not a filesystem the model knows", Some(help)));
                }
            },
            None => {
                let msg = format!("expected a filesystem after `fs`, found {}", cur.found());
                return Err(self.err(
                    cur,
                    msg,
                    "expected a filesystem",
                    Some(format!("known filesystems: {}", names.join(", "))),
                ));
            }
        };
        let mut blocks: Option<Num> = None;
        let mut integrity: Option<Span> = None;
        while let Some(w) = cur.peek_word() {
            let span = cur.span();
            match w {
                "blocks" if blocks.is_none() => {
                    cur.bump();
                    self.punct(cur, Tok::Eq, "expected `=` after `blocks`", "expected `=N`")?;
                    blocks = Some(self.number(cur, "a block count")?);
                }
                "integrity" if integrity.is_none() => {
                    cur.bump();
                    integrity = Some(span);
                }
                "blocks" | "integrity" => {
                    return Err(self.err(
                        cur,
                        format!("`{w}` is given twice"),
                        "given twice",
                        None,
                    ));
                }
                _ => {
                    let help = with_suggestion(
                        did_you_mean(w, ["blocks", "integrity"]),
                        "the options are `blocks=N` and `integrity`".to_string(),
                    );
                    return Err(self.err(
                        cur,
                        format!("unknown fs option `{}`", shorten(w)),
                        "not an fs option",
                        Some(help),
                    ));
                }
            }
        }
        Ok(Stmt::Fs {
            kind,
            blocks,
            integrity: integrity.is_some(),
        })
    }

    /// `file F pages=N [data=V,V,...] [refs=K]`
    fn file(&mut self, cur: &mut Cur) -> PResult<Stmt> {
        let name = self.ident(cur, "a file name")?;
        let mut pages: Option<Num> = None;
        let mut refs: Option<Num> = None;
        let mut data: Option<(Vec<ValTok>, Span)> = None;
        while let Some(w) = cur.peek_word() {
            match w {
                "pages" if pages.is_none() => {
                    cur.bump();
                    self.punct(cur, Tok::Eq, "expected `=` after `pages`", "expected `=N`")?;
                    pages = Some(self.number(cur, "a page count")?);
                }
                "data" if data.is_none() => {
                    let start = cur.span().start;
                    cur.bump();
                    self.punct(
                        cur,
                        Tok::Eq,
                        "expected `=` after `data`",
                        "expected `=V,V,...`",
                    )?;
                    let mut vals = vec![self.value(cur)?];
                    while cur.eat(&Tok::Comma) {
                        vals.push(self.value(cur)?);
                    }
                    data = Some((vals, start..cur.prev_span().end));
                }
                "refs" if refs.is_none() => {
                    cur.bump();
                    self.punct(cur, Tok::Eq, "expected `=` after `refs`", "expected `=K`")?;
                    refs = Some(self.number(cur, "a reference count")?);
                }
                "pages" | "data" | "refs" => {
                    return Err(self.err(cur, format!("`{w}` is given twice"), "given twice", None))
                }
                _ => {
                    // A value right after the `data=` list: a missing comma.
                    let after_data = data
                        .as_ref()
                        .is_some_and(|(_, s)| s.end == cur.prev_span().end);
                    let help = if after_data {
                        "separate the values of `data=` with commas: `data=A,B`".to_string()
                    } else {
                        with_suggestion(
                            did_you_mean(w, ["pages", "data", "refs"]),
                            "a file takes `pages=N` and optionally `data=V,V,...` and `refs=K`"
                                .to_string(),
                        )
                    };
                    return Err(self.err(
                        cur,
                        format!("unknown file option `{}`", shorten(w)),
                        "not a file option",
                        Some(help),
                    ));
                }
            }
        }
        let Some(pages) = pages else {
            return Err(self.err(
                cur,
                format!("file `{}` needs `pages=N`", name.text),
                "expected `pages=N`",
                None,
            ));
        };
        let (data, data_span) = match data {
            Some((v, s)) => (Some(v), s),
            None => (None, pages.span.clone()),
        };
        Ok(Stmt::File {
            name,
            pages,
            data,
            data_span,
            refs,
        })
    }

    /// `mmap M = F shared|private rw|ro`
    fn mmap(&mut self, cur: &mut Cur) -> PResult<Stmt> {
        let name = self.ident(cur, "a mapping name")?;
        self.punct(
            cur,
            Tok::Eq,
            &format!("expected `=` after `mmap {}`", name.text),
            "expected `= FILE`",
        )?;
        let file = self.ident(cur, "a file name")?;
        if matches!(cur.peek_word(), Some("rw" | "ro")) {
            let help = format!(
                "the sharing comes first: `mmap {} = {} shared rw`",
                name.text, file.text
            );
            return Err(self.err(
                cur,
                "expected `shared` or `private` after the file name".to_string(),
                "expected `shared` or `private`",
                Some(help),
            ));
        }
        let sharing = self.choice(
            cur,
            &["shared", "private"],
            "expected `shared` or `private` after the file name",
            "expected `shared` or `private`",
        )?;
        let access = self.choice(
            cur,
            &["rw", "ro"],
            "expected `rw` or `ro` after the sharing",
            "expected `rw` or `ro`",
        )?;
        Ok(Stmt::Mmap {
            name,
            file,
            shared: sharing == "shared",
            writable: access == "rw",
        })
    }

    /// `anon M pages=N [ro|rw]`
    fn anon(&mut self, cur: &mut Cur) -> PResult<Stmt> {
        let name = self.ident(cur, "a mapping name")?;
        if !cur.eat_word("pages") {
            let msg = format!(
                "expected `pages=N` after `anon {}`, found {}",
                name.text,
                cur.found()
            );
            return Err(self.err(cur, msg, "expected `pages=N`", None));
        }
        self.punct(cur, Tok::Eq, "expected `=` after `pages`", "expected `=N`")?;
        let pages = self.number(cur, "a page count")?;
        let writable = cur.at_end()
            || self.choice(
                cur,
                &["ro", "rw"],
                "expected `ro`, `rw` or end of line after the page count",
                "expected `ro` or `rw`",
            )? == "rw";
        Ok(Stmt::Anon {
            name,
            pages,
            writable,
        })
    }

    /// `device D KIND`
    fn device(&mut self, cur: &mut Cur) -> PResult<Stmt> {
        let name = self.ident(cur, "a device name")?;
        let names = DeviceKind::names();
        match cur.peek_word() {
            Some(w) => match DeviceKind::from_name(w) {
                Some(kind) => {
                    cur.bump();
                    Ok(Stmt::Device { name, kind })
                }
                None => {
                    let help = with_suggestion(
                        did_you_mean(w, names.iter().copied()),
                        format!("known devices: {}", names.join(", ")),
                    );
                    Err(self.err(
                        cur,
                        format!("unknown device kind `{}`", shorten(w)),
                        "not a device the model knows",
                        Some(help),
                    ))
                }
            },
            None => {
                let msg = format!(
                    "expected a device kind after `device {}`, found {}",
                    name.text,
                    cur.found()
                );
                Err(self.err(
                    cur,
                    msg,
                    "expected a device kind",
                    Some(format!("known devices: {}", names.join(", "))),
                ))
            }
        }
    }

    /// `expect DESIGN: VERDICT [ANSWER]`, VERDICT = `safe|refused|revoked|hang|unsafe|unsafe(P, ...)`,
    /// ANSWER = `Always|Sometimes|Never`
    fn expect(&mut self, cur: &mut Cur) -> PResult<Stmt> {
        let Some(w) = cur.peek_word() else {
            let msg = format!("expected a design after `expect`, found {}", cur.found());
            return Err(self.err(cur, msg, "expected a design", None));
        };
        let design = Name {
            text: w.to_string(),
            span: cur.span(),
        };
        let key = match Design::parse(w) {
            Ok(d) => (d.tracking.name, d.handling.name),
            Err(e) => {
                let help = design_help(w, &e);
                return Err(self.err(
                    cur,
                    format!("unknown design `{}`", shorten(w)),
                    "not a design",
                    Some(help),
                ));
            }
        };
        cur.bump();
        self.punct(
            cur,
            Tok::Colon,
            "expected `:` after the design",
            "expected `:`",
        )?;
        let word = self.choice(cur, &VERDICTS, "expected a verdict", "expected a verdict")?;
        let verdict = match VerdictKind::from_name(word) {
            Some(VerdictKind::Safe) => VerdictAst::Safe,
            Some(VerdictKind::Refused) => VerdictAst::Refused,
            Some(VerdictKind::Revoked) => VerdictAst::Revoked,
            Some(VerdictKind::Hang) => VerdictAst::Hang,
            _ => {
                if cur.eat(&Tok::LParen) {
                    VerdictAst::Unsafe(self.properties(cur)?)
                } else if cur
                    .peek_word()
                    .is_some_and(|w| closest(w, ANSWERS).is_none() && !ANSWERS.contains(&w))
                {
                    // A word that is no answer (nor close to one): a property list without
                    // its parentheses, most likely.
                    let msg = format!(
                        "expected `(`, an answer or end of line after `unsafe`, found {}",
                        cur.found()
                    );
                    let help = "list the properties in parentheses, `unsafe(P, Q)`, or write `unsafe` alone";
                    return Err(self.err(cur, msg, "expected `(`", Some(help.to_string())));
                } else {
                    VerdictAst::UnsafeAny
                }
            }
        };
        let answer = self.answer(cur)?;
        Ok(Stmt::Expect {
            design,
            key,
            verdict,
            answer,
        })
    }

    /// `[ANSWER]` after an expect line's verdict: `Always`, `Sometimes` or `Never`, exactly so
    /// spelled. Nothing there is no answer (the end of the line is checked by the caller).
    fn answer(&mut self, cur: &mut Cur) -> PResult<Option<(ExpectedAnswer, Span)>> {
        let Some(w) = cur.peek_word() else {
            return Ok(None);
        };
        if let Some(a) = ExpectedAnswer::from_name(w) {
            let span = cur.span();
            cur.bump();
            return Ok(Some((a, span)));
        }
        let msg = format!(
            "expected `Always`, `Sometimes`, `Never` or end of line after the verdict, found `{}`",
            shorten(w)
        );
        let help = with_suggestion(did_you_mean(w, ANSWERS), ANSWER_HELP.to_string());
        Err(self.err(cur, msg, "not an answer", Some(help)))
    }

    /// `P, Q, ... )` after `unsafe(`
    fn properties(&mut self, cur: &mut Cur) -> PResult<Vec<Property>> {
        // `bounded-wait` is reported as the verdict `hang`, never in an unsafe set.
        let names: Vec<&str> = Property::ALL
            .iter()
            .filter(|p| **p != Property::BoundedWait)
            .map(|p| p.name())
            .collect();
        let mut props: Vec<(Property, Span)> = Vec::new();
        if cur.peek() == Some(&Tok::RParen) {
            return Err(self.err(
                cur,
                "empty property list".to_string(),
                "expected a property",
                Some(
                    "list the violated properties, or write `unsafe` alone to accept any"
                        .to_string(),
                ),
            ));
        }
        loop {
            let Some(w) = cur.peek_word() else {
                let msg = format!("expected a property name, found {}", cur.found());
                return Err(self.err(
                    cur,
                    msg,
                    "expected a property",
                    Some(format!("properties: {}", names.join(", "))),
                ));
            };
            let Some(p) = Property::from_name(w) else {
                let help = property_help(w, &names);
                return Err(self.err(
                    cur,
                    format!("unknown property `{}`", shorten(w)),
                    "not a property",
                    Some(help),
                ));
            };
            if p == Property::BoundedWait {
                return Err(self.err(cur, "`bounded-wait` is never part of an unsafe verdict".to_string(), "reported as `hang`", Some("a thread that waits forever gives the verdict `hang`: write `expect DESIGN: hang`".to_string())));
            }
            if props.iter().any(|(q, _)| *q == p) {
                return Err(self.err(
                    cur,
                    format!("property `{w}` is listed twice"),
                    "listed twice",
                    Some("`unsafe(P, Q)` is a set: list each property once".to_string()),
                ));
            }
            props.push((p, cur.span()));
            cur.bump();
            if cur.eat(&Tok::Comma) {
                continue;
            }
            self.punct(
                cur,
                Tok::RParen,
                "expected `,` or `)` in the property list",
                "expected `,` or `)`",
            )?;
            break;
        }
        let mut props: Vec<Property> = props.into_iter().map(|(p, _)| p).collect();
        props.sort();
        Ok(props)
    }

    // ----- conditions -----

    /// `exists (COND)`, `~exists (COND)`, `forall (COND)`; a condition may continue on the next
    /// lines while its parentheses are open and the break is at `/\`, `\/` or a parenthesis.
    fn condition(&mut self, lines: &[Line], i: usize) -> usize {
        let mut toks: Vec<Token> = lines[i].tokens.clone();
        let mut next = i + 1;
        let depth = |toks: &[Token]| -> i64 {
            toks.iter()
                .map(|t| match t.tok {
                    Tok::LParen => 1,
                    Tok::RParen => -1,
                    _ => 0,
                })
                .sum()
        };
        while depth(&toks) > 0 && next < lines.len() {
            let line = &lines[next];
            if line.tokens.is_empty() {
                next += 1;
                continue;
            }
            let ends_open = matches!(
                toks.last().map(|t| &t.tok),
                Some(Tok::And | Tok::Or | Tok::LParen | Tok::Tilde)
            );
            let starts_cont = matches!(line.tokens[0].tok, Tok::And | Tok::Or | Tok::RParen);
            if !(ends_open || starts_cont) {
                break;
            }
            toks.extend(line.tokens.iter().cloned());
            next += 1;
        }
        let kw = toks[0].span.clone();
        let syntax = match &toks[0].tok {
            Tok::Tilde => "~exists (COND)",
            Tok::Word(w) if w == "forall" => "forall (COND)",
            _ => "exists (COND)",
        };
        let mut cur = Cur::new(&toks, syntax);
        match self.condition_stmt(&mut cur) {
            Ok(stmt) => self.out.items.push(Item {
                stmt,
                kw,
                line: lines[i].number,
            }),
            // The scenario has a condition, if a broken one: an expect line's answer to it is
            // not reported on top.
            Err(Fail) => {
                self.out.failed.insert("condition");
            }
        }
        next
    }

    fn condition_stmt(&mut self, cur: &mut Cur) -> PResult<Stmt> {
        let quantifier = if cur.eat(&Tok::Tilde) {
            if !cur.eat_word("exists") {
                let msg = format!("expected `exists` after `~`, found {}", cur.found());
                return Err(self.err(cur, msg, "expected `exists`", None));
            }
            Quantifier::NotExists
        } else if cur.eat_word("forall") {
            Quantifier::Forall
        } else {
            cur.bump();
            Quantifier::Exists
        };
        let open = self.punct(
            cur,
            Tok::LParen,
            "expected `(` to open the condition",
            "expected `(`",
        )?;
        let expr = self.cond_or(cur, 0)?;
        if cur.peek() != Some(&Tok::RParen) {
            let msg = format!("expected `/\\`, `\\/` or `)`, found {}", cur.found());
            let help = if cur.at_end() {
                format!("the `(` on line {} is never closed", self.line_of(&open))
            } else {
                "atoms are joined with `/\\` (and) and `\\/` (or)".to_string()
            };
            return Err(self.err(cur, msg, "expected `)`", Some(help)));
        }
        let close = cur.span();
        cur.bump();
        if !cur.at_end() {
            let msg = format!(
                "expected end of line after the condition, found {}",
                cur.found()
            );
            return Err(self.err(
                cur,
                msg,
                "unexpected",
                Some("wrap the whole condition in one pair of parentheses".to_string()),
            ));
        }
        Ok(Stmt::Cond {
            quantifier,
            expr,
            text: self.cond_text(open.end..close.start),
        })
    }

    /// The condition as written, comments dropped and whitespace normalised to single spaces.
    fn cond_text(&self, span: Span) -> String {
        let raw = self.text.get(span).unwrap_or("");
        let words: Vec<&str> = raw
            .split('\n')
            .flat_map(|l| l.split('#').next().unwrap_or("").split_whitespace())
            .collect();
        words.join(" ")
    }

    /// `or := and ( \/ and )*`
    fn cond_or(&mut self, cur: &mut Cur, depth: usize) -> PResult<CondAst> {
        let mut v = vec![self.cond_and(cur, depth)?];
        while cur.eat(&Tok::Or) {
            v.push(self.cond_and(cur, depth)?);
        }
        Ok(if v.len() == 1 {
            v.remove(0)
        } else {
            CondAst::Or(v)
        })
    }

    /// `and := unary ( /\ unary )*`
    fn cond_and(&mut self, cur: &mut Cur, depth: usize) -> PResult<CondAst> {
        let mut v = vec![self.cond_unary(cur, depth)?];
        while cur.eat(&Tok::And) {
            v.push(self.cond_unary(cur, depth)?);
        }
        Ok(if v.len() == 1 {
            v.remove(0)
        } else {
            CondAst::And(v)
        })
    }

    /// `unary := ~ unary | ( or ) | atom`
    fn cond_unary(&mut self, cur: &mut Cur, depth: usize) -> PResult<CondAst> {
        if depth >= MAX_COND_DEPTH {
            let msg = format!("condition nested more than {MAX_COND_DEPTH} levels deep");
            return Err(self.err(
                cur,
                msg,
                "too deep",
                Some("simplify the condition".to_string()),
            ));
        }
        if cur.eat(&Tok::Tilde) {
            return Ok(CondAst::Not(Box::new(self.cond_unary(cur, depth + 1)?)));
        }
        if cur.eat(&Tok::LParen) {
            let open = cur.prev_span();
            let e = self.cond_or(cur, depth + 1)?;
            if !cur.eat(&Tok::RParen) {
                let msg = format!("expected `/\\`, `\\/` or `)`, found {}", cur.found());
                let help = format!(
                    "to close the `(` at column {}",
                    self.index.line_col(self.text, open.start).1
                );
                return Err(self.err(cur, msg, "expected `)`", Some(help)));
            }
            return Ok(e);
        }
        Ok(CondAst::Atom(self.atom(cur)?))
    }

    /// `atom := (disk|cache|file) F[i] = V | mem M[i] = V | NAME = V`
    fn atom(&mut self, cur: &mut Cur) -> PResult<Atom> {
        let kw = cur.span();
        let name_follows = matches!(cur.toks.get(cur.i + 1).map(|t| &t.tok), Some(Tok::Word(_)));
        let loc = match cur.peek_word() {
            Some(k @ ("disk" | "cache" | "file" | "mem")) if name_follows => {
                cur.bump();
                let what = if k == "mem" {
                    "a mapping name"
                } else {
                    "a file name"
                };
                let at = self.indexed(cur, what)?;
                match k {
                    "disk" => AtomLoc::Disk(at),
                    "cache" => AtomLoc::Cache(at),
                    "file" => AtomLoc::File(at),
                    _ => AtomLoc::Mem(at),
                }
            }
            Some(w) if is_ident(w) && !RESERVED.contains(&w) => {
                AtomLoc::Name(self.ident(cur, "a register or handle")?)
            }
            _ => {
                let msg = format!("expected a condition, found {}", cur.found());
                let help = "a condition tests `disk F[i] = V`, `cache F[i] = V`, `file F[i] = V`, `mem M[i] = V`, a register `r = V` or a pin `p = ok`";
                return Err(self.err(cur, msg, "expected a condition", Some(help.to_string())));
            }
        };
        self.punct(
            cur,
            Tok::Eq,
            "expected `=` in the condition",
            "expected `=`",
        )?;
        let value = self.value(cur)?;
        Ok(Atom { loc, kw, value })
    }

    // ----- threads and ops -----

    /// `thread NAME {` (the `{` may also stand alone on the next line), ops one per line, `}` on
    /// its own line (an op line may also end with `}`).
    fn thread(&mut self, lines: &[Line], i: usize) -> usize {
        let toks = &lines[i].tokens;
        let kw = toks[0].span.clone();
        let mut cur = Cur::new(toks, "thread NAME {");
        cur.bump();
        let mut th = ThreadAst {
            name: None,
            kw: kw.clone(),
            ops: Vec::new(),
            had_errors: false,
        };
        let mut next = i + 1;
        let mut open_span = kw.clone();
        let mut closed = false;
        match self.ident(&mut cur, "a thread name") {
            Ok(n) => th.name = Some(n),
            Err(Fail) => {
                // Skip the bad name so that a `{` after it still opens the block.
                if cur.peek() != Some(&Tok::LBrace) {
                    cur.bump();
                }
            }
        }
        if cur.eat(&Tok::LBrace) {
            open_span = cur.prev_span();
            if !cur.at_end() {
                let op_start = cur.i;
                let (op, c) = self.op_line(&mut cur);
                match op {
                    Ok(op) => th.ops.push(op),
                    Err(Fail) => {
                        th.had_errors = true;
                        self.poison_op(&toks[op_start..]);
                    }
                }
                closed = c;
            }
        } else {
            let brace_next = lines[next..]
                .iter()
                .position(|l| !l.tokens.is_empty())
                .map(|k| next + k);
            let lone_brace =
                |k: usize| lines[k].tokens.len() == 1 && lines[k].tokens[0].tok == Tok::LBrace;
            match brace_next {
                Some(k) if cur.at_end() && lone_brace(k) => {
                    open_span = lines[k].tokens[0].span.clone();
                    next = k + 1;
                }
                _ => {
                    if th.name.is_some() {
                        let msg =
                            format!("expected `{{` after the thread name, found {}", cur.found());
                        self.err(&cur, msg, "expected `{`", Some(THREAD_HELP.to_string()));
                    }
                    th.had_errors = true;
                    // Without a `{`, the op lines that follow (up to a `}`) are still the block,
                    // or a `{` later on this line opens it.
                    let brace_later = toks[cur.i..].iter().any(|t| t.tok == Tok::LBrace);
                    let op_follows = brace_next.is_some_and(|k| {
                        matches!(&lines[k].tokens[0].tok, Tok::Word(w) if OPS.iter().any(|(o, _)| o == w))
                    });
                    closed = !(op_follows || brace_later);
                }
            }
        }
        while !closed {
            let Some(line) = lines.get(next) else {
                if !th.had_errors || open_span != kw {
                    self.unclosed(&th, open_span.clone(), None);
                }
                break;
            };
            if line.tokens.is_empty() {
                next += 1;
                continue;
            }
            let first = &line.tokens[0];
            let top = match &first.tok {
                Tok::Word(w) => STATEMENTS.contains(&w.as_str()),
                Tok::Tilde => true,
                _ => false,
            };
            if top {
                if !th.had_errors || open_span != kw {
                    self.unclosed(&th, open_span.clone(), Some(line.number));
                }
                break;
            }
            next += 1;
            let mut cur = Cur::new(&line.tokens, "}");
            if cur.eat(&Tok::RBrace) {
                if !cur.at_end() {
                    let msg = format!("expected end of line after `}}`, found {}", cur.found());
                    self.err(
                        &cur,
                        msg,
                        "unexpected",
                        Some("put the next statement on its own line".to_string()),
                    );
                }
                break;
            }
            let (op, c) = self.op_line(&mut cur);
            match op {
                Ok(op) => th.ops.push(op),
                Err(Fail) => {
                    th.had_errors = true;
                    self.poison_op(&line.tokens);
                }
            }
            closed = c;
        }
        self.out.items.push(Item {
            stmt: Stmt::Thread(th),
            kw,
            line: lines[i].number,
        });
        next
    }

    fn unclosed(&mut self, th: &ThreadAst, open: Span, before: Option<u32>) {
        let name = th
            .name
            .as_ref()
            .map_or(String::from("thread"), |n| format!("thread `{}`", n.text));
        let help = match before {
            Some(l) => {
                format!("add `}}` on its own line after the thread's last op, before line {l}")
            }
            None => "add `}` on its own line after the thread's last op".to_string(),
        };
        self.push(
            open,
            format!("{name} is never closed"),
            "this block has no matching `}`".to_string(),
            Some(help),
        );
    }

    /// Names a failed op line would have declared: a pinned handle, a completed completion, a
    /// register after `->`.
    fn poison_op(&mut self, toks: &[Token]) {
        if matches!(toks.first().map(|t| &t.tok), Some(Tok::Word(w)) if w == "pin" || w == "complete")
        {
            self.poison_word(toks, 1);
        }
        for (j, t) in toks.iter().enumerate() {
            if t.tok == Tok::Arrow {
                self.poison_word(toks, j + 1);
            }
        }
    }

    /// An op, optionally followed by `}`, then the end of the line. Returns the op and whether the
    /// block was closed.
    fn op_line(&mut self, cur: &mut Cur) -> (PResult<OpAst>, bool) {
        let op = self.op(cur);
        if op.is_err() {
            let closed = cur.toks.last().map(|t| &t.tok) == Some(&Tok::RBrace);
            return (op, closed);
        }
        let closed = cur.eat(&Tok::RBrace);
        match self.eol(cur) {
            Ok(()) => (op, closed),
            Err(f) => (Err(f), closed),
        }
    }

    /// One op.
    fn op(&mut self, cur: &mut Cur) -> PResult<OpAst> {
        let kw = cur.span();
        let Some(w) = cur.peek_word() else {
            let msg = format!("expected an operation, found {}", cur.found());
            let help = format!(
                "operations are {}; a thread ends with `}}` on its own line",
                OPS.iter()
                    .map(|(k, _)| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return Err(self.err(cur, msg, "expected an operation", Some(help)));
        };
        let Some((name, syntax)) = OPS.iter().find(|(k, _)| *k == w).copied() else {
            let help = with_suggestion(
                closest_keyword(w, OPS.iter().map(|(k, _)| *k))
                    .map(|k| format!("did you mean `{k}`?")),
                format!(
                    "operations are {}",
                    OPS.iter()
                        .map(|(k, _)| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            return Err(self.err(
                cur,
                format!("unknown operation `{}`", shorten(w)),
                "not an operation",
                Some(help),
            ));
        };
        cur.syntax = syntax;
        cur.bump();
        let op = match name {
            "store" => {
                let at = self.indexed(cur, "a mapping name")?;
                self.punct(
                    cur,
                    Tok::Eq,
                    "expected `=` after the page",
                    "expected `= V`",
                )?;
                OpKind::Store {
                    at,
                    value: self.value(cur)?,
                }
            }
            "load" => {
                let at = self.indexed(cur, "a mapping name")?;
                self.arrow(cur)?;
                OpKind::Load {
                    at,
                    reg: self.ident(cur, "a register name")?,
                }
            }
            "write" => {
                let at = self.indexed(cur, "a file name")?;
                self.punct(
                    cur,
                    Tok::Eq,
                    "expected `=` after the page",
                    "expected `= V`",
                )?;
                OpKind::Write {
                    at,
                    value: self.value(cur)?,
                }
            }
            "read" => {
                let at = self.indexed(cur, "a file name")?;
                self.arrow(cur)?;
                OpKind::Read {
                    at,
                    reg: self.ident(cur, "a register name")?,
                }
            }
            "pin" => self.pin(cur)?,
            "dma" => {
                let at = self.indexed(cur, "a pin handle")?;
                if cur.eat(&Tok::Eq) {
                    OpKind::DmaWrite {
                        at,
                        value: self.value(cur)?,
                    }
                } else if cur.eat(&Tok::Arrow) {
                    OpKind::DmaRead {
                        at,
                        reg: self.ident(cur, "a register name")?,
                    }
                } else {
                    let msg = format!(
                        "expected `=` (device writes) or `->` (device reads), found {}",
                        cur.found()
                    );
                    return Err(self.err(cur, msg, "expected `=` or `->`", None));
                }
            }
            "unpin" => {
                let handle = self.ident(cur, "a pin handle")?;
                let dirty = if cur.at_end() || cur.peek() == Some(&Tok::RBrace) {
                    false
                } else {
                    self.choice(
                        cur,
                        &["dirty"],
                        "expected `dirty` or end of line",
                        "expected `dirty`",
                    )?;
                    true
                };
                OpKind::Unpin { handle, dirty }
            }
            "fsync" => OpKind::Fsync {
                file: self.ident(cur, "a file name")?,
            },
            "writeback" => OpKind::Writeback {
                file: self.ident(cur, "a file name")?,
            },
            "truncate" => {
                let file = self.ident(cur, "a file name")?;
                OpKind::Truncate {
                    file,
                    pages: self.number(cur, "the new size in pages")?,
                }
            }
            "punch" => {
                let file = self.ident(cur, "a file name")?;
                OpKind::Punch {
                    file,
                    page: self.number(cur, "a page index")?,
                }
            }
            "fallocate" => {
                let file = self.ident(cur, "a file name")?;
                if cur.peek() == Some(&Tok::LBracket) {
                    let help = format!(
                        "`fallocate` takes the page index after the file, as `punch` does: `fallocate {} i`",
                        file.text
                    );
                    return Err(self.err(
                        cur,
                        "expected a page index after the file name, found `[`".to_string(),
                        "no brackets here",
                        Some(help),
                    ));
                }
                OpKind::Fallocate {
                    file,
                    page: self.number(cur, "a page index")?,
                }
            }
            "complete" => OpKind::Complete {
                completion: self.ident(cur, "a completion name")?,
            },
            "wait_for_completion" => OpKind::WaitForCompletion {
                completion: self.ident(cur, "a completion name")?,
            },
            "munmap" => OpKind::Munmap {
                map: self.ident(cur, "a mapping name")?,
            },
            "mprotect" => {
                let map = self.ident(cur, "a mapping name")?;
                let access = self.choice(
                    cur,
                    &["rw", "ro"],
                    "expected `ro` or `rw` after the mapping",
                    "expected `ro` or `rw`",
                )?;
                OpKind::Mprotect {
                    map,
                    writable: access == "rw",
                }
            }
            "seal" => {
                let file = self.ident(cur, "a file name")?;
                self.choice(
                    cur,
                    &["write"],
                    "expected the seal after the file: only `write` (F_SEAL_WRITE) is modelled",
                    "expected `write`",
                )?;
                self.arrow(cur)?;
                OpKind::Seal {
                    file,
                    reg: self.ident(cur, "a register name")?,
                }
            }
            "sync" => OpKind::Sync,
            "reclaim" => OpKind::Reclaim,
            "freeze" => OpKind::Freeze,
            _ => OpKind::Thaw,
        };
        Ok(OpAst { kw, op })
    }

    fn arrow(&mut self, cur: &mut Cur) -> PResult<()> {
        self.punct(
            cur,
            Tok::Arrow,
            "expected `->` and a register",
            "expected `-> r`",
        )
        .map(|_| ())
    }

    /// `pin P = D M[a..b] [write] [longterm]`
    fn pin(&mut self, cur: &mut Cur) -> PResult<OpKind> {
        let handle = self.ident(cur, "a handle name")?;
        self.punct(
            cur,
            Tok::Eq,
            &format!("expected `=` after `pin {}`", handle.text),
            "expected `= DEVICE`",
        )?;
        let device = self.ident(cur, "a device name")?;
        let name = self.ident(cur, "a mapping name")?;
        let open = self.punct(
            cur,
            Tok::LBracket,
            &format!("expected a page range `[a..b]` after `{}`", name.text),
            "expected `[a..b]`",
        )?;
        let start = self.number(cur, "the first page")?;
        if !cur.eat(&Tok::DotDot) {
            let msg = format!("expected `..` in the page range, found {}", cur.found());
            let help = format!(
                "a pin takes a half-open range: `{}[{}..{}]` is page {}",
                name.text,
                start.value,
                start.value.saturating_add(1),
                start.value
            );
            return Err(self.err(cur, msg, "expected `..`", Some(help)));
        }
        let end = self.number(cur, "the end of the range")?;
        let close = self.punct(
            cur,
            Tok::RBracket,
            "expected `]` after the page range",
            "expected `]`",
        )?;
        let range = Ranged {
            name,
            start,
            end,
            span: open.start..close.end,
        };
        let mut write = None;
        let mut longterm = None;
        while let Some(w) = cur.peek_word() {
            let slot = match w {
                "write" => &mut write,
                "longterm" => &mut longterm,
                _ => {
                    let help = with_suggestion(
                        did_you_mean(w, ["write", "longterm"]),
                        "a pin's flags are `write` (FOLL_WRITE) and `longterm` (FOLL_LONGTERM)"
                            .to_string(),
                    );
                    return Err(self.err(
                        cur,
                        format!("unknown pin flag `{}`", shorten(w)),
                        "not a pin flag",
                        Some(help),
                    ));
                }
            };
            if slot.is_some() {
                return Err(self.err(cur, format!("`{w}` is given twice"), "given twice", None));
            }
            *slot = Some(cur.span());
            cur.bump();
        }
        Ok(OpKind::Pin {
            handle,
            device,
            range,
            write,
            longterm,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::lex;

    fn run(src: &str) -> (Parsed, Vec<Diagnostic>) {
        let mut errors = Vec::new();
        let lines = lex(src, &mut errors);
        let parsed = parse(src, &LineIndex::new(src), &lines, &mut errors);
        crate::diag::fix_positions(src, &mut errors);
        (parsed, errors)
    }

    fn stmts(src: &str) -> Vec<Stmt> {
        let (p, e) = run(src);
        assert!(e.is_empty(), "unexpected errors: {e:#?}");
        p.items.into_iter().map(|i| i.stmt).collect()
    }

    fn one_error(src: &str) -> Diagnostic {
        let (_, e) = run(src);
        assert_eq!(e.len(), 1, "{e:#?}");
        e.into_iter().next().unwrap()
    }

    fn ops(src: &str) -> Vec<OpKind> {
        let text = format!("litmus t\nthread a {{\n{src}\n}}\n");
        match stmts(&text).pop() {
            Some(Stmt::Thread(t)) => t.ops.into_iter().map(|o| o.op).collect(),
            s => panic!("{s:?}"),
        }
    }

    fn name(t: &str, s: usize) -> Name {
        Name {
            text: t.to_string(),
            span: s..s + t.len(),
        }
    }

    #[test]
    fn litmus_and_doc() {
        let s = stmts("litmus a-b.c\ndoc \"say \\\"hi\\\"\"");
        assert_eq!(
            s[0],
            Stmt::Litmus {
                name: name("a-b.c", 7)
            }
        );
        assert_eq!(
            s[1],
            Stmt::Doc {
                text: "say \"hi\"".to_string()
            }
        );
        let e = one_error("litmus a@b");
        assert_eq!(e.message, "invalid character `@` in the scenario name");
        let e = one_error("doc \"x\"");
        assert_eq!(e.message, "the first statement must be `litmus NAME`");
    }

    #[test]
    fn fs_statement() {
        let s = stmts("litmus t\nfs btrfs integrity blocks=3");
        match &s[1] {
            Stmt::Fs {
                kind,
                blocks,
                integrity,
            } => {
                assert_eq!(kind.name(), "btrfs");
                assert_eq!(blocks.as_ref().map(|b| b.value), Some(3));
                assert!(*integrity);
            }
            s => panic!("{s:?}"),
        }
        let e = one_error("litmus t\nfs ext5");
        assert_eq!(e.message, "unknown filesystem `ext5`");
        assert_eq!(
            e.help,
            Some(format!(
                "did you mean `ext4`? known filesystems: {}",
                FsKind::names().join(", ")
            ))
        );
        let e = one_error("litmus t\nfs ext4 blocks=1 blocks=2");
        assert_eq!(e.message, "`blocks` is given twice");
        let e = one_error("litmus t\nfs ext4 blocks=99999999999999999999999");
        assert!(e.message.contains("too large"), "{}", e.message);
    }

    #[test]
    fn file_statement() {
        let s = stmts("litmus t\nfile f pages=3 data=A,hole,007");
        match &s[1] {
            Stmt::File {
                name: n,
                pages,
                data,
                ..
            } => {
                assert_eq!(n.text, "f");
                assert_eq!(pages.value, 3);
                let kinds: Vec<_> = data
                    .as_ref()
                    .unwrap()
                    .iter()
                    .map(|v| v.kind.clone())
                    .collect();
                assert_eq!(
                    kinds,
                    vec![
                        ValKind::Val("A".into()),
                        ValKind::Hole,
                        ValKind::Val("7".into())
                    ]
                );
            }
            s => panic!("{s:?}"),
        }
        let e = one_error("litmus t\nfile f data=A");
        assert_eq!(e.message, "file `f` needs `pages=N`");
        let e = one_error("litmus t\nfile f pages=1 dat=A");
        assert_eq!(
            e.help.as_deref(),
            Some("did you mean `data`? a file takes `pages=N` and optionally `data=V,V,...` and `refs=K`")
        );
        let e = one_error("litmus t\nfile f pages=2 data=A B");
        assert_eq!(
            e.help.as_deref(),
            Some("separate the values of `data=` with commas: `data=A,B`")
        );
        let e = one_error("litmus t\nfile none pages=1");
        assert_eq!(e.message, "expected a file name, found the keyword `none`");
    }

    #[test]
    fn mmap_anon_device() {
        let s = stmts("litmus t\nmmap m = f private ro\nanon a pages=2\ndevice d io_uring");
        assert!(matches!(
            &s[1],
            Stmt::Mmap {
                shared: false,
                writable: false,
                ..
            }
        ));
        assert!(matches!(
            &s[2],
            Stmt::Anon {
                pages: Num { value: 2, .. },
                writable: true,
                ..
            }
        ));
        assert!(matches!(&s[3], Stmt::Device { kind, .. } if kind.name() == "io_uring"));
        let s = stmts(
            "litmus t
anon a pages=1 ro
anon b pages=1 rw",
        );
        assert!(matches!(
            &s[1],
            Stmt::Anon {
                writable: false,
                ..
            }
        ));
        assert!(matches!(&s[2], Stmt::Anon { writable: true, .. }));
        let e = one_error(
            "litmus t
anon a pages=1 readonly",
        );
        assert_eq!(
            e.message,
            "expected `ro`, `rw` or end of line after the page count"
        );
        let e = one_error("litmus t\nmmap m = f sharde rw");
        assert_eq!(
            e.message,
            "expected `shared` or `private` after the file name"
        );
        assert_eq!(e.help.as_deref(), Some("did you mean `shared`?"));
        assert_eq!((e.line, e.col), (2, 12));
        let e = one_error("litmus t\nmmap m = f rw shared");
        assert!(e
            .help
            .as_deref()
            .unwrap()
            .contains("the sharing comes first"));
        let e = one_error("litmus t\ndevice d rdam");
        assert_eq!(e.message, "unknown device kind `rdam`");
        assert!(e
            .help
            .as_deref()
            .unwrap()
            .starts_with("did you mean `rdma`?"));
    }

    #[test]
    fn expect_statement() {
        let s = stmts("litmus t\nexpect legacy: unsafe(durability, mkwrite-contract)\nexpect pincount+wait: hang\nexpect upstream: unsafe");
        assert_eq!(
            s[1],
            Stmt::Expect {
                design: name("legacy", 16),
                key: ("get", "none"),
                verdict: VerdictAst::Unsafe(vec![Property::MkwriteContract, Property::Durability]),
                answer: None,
            }
        );
        assert!(matches!(
            &s[2],
            Stmt::Expect {
                key: ("pincount", "wait"),
                verdict: VerdictAst::Hang,
                ..
            }
        ));
        assert!(matches!(
            &s[3],
            Stmt::Expect {
                verdict: VerdictAst::UnsafeAny,
                ..
            }
        ));
        let e = one_error("litmus t\nexpect legacy: unsafe(durabilty)");
        assert_eq!(e.message, "unknown property `durabilty`");
        let e = one_error("litmus t\nexpect pin-wiat: safe");
        let h = e.help.unwrap();
        assert!(
            h.starts_with("did you mean `pin-wait`? use a preset (legacy, "),
            "{h}"
        );
        assert!(!h.contains("unknown design"), "{h}");
        let e = one_error("litmus t\nexpect pincount+wiat: safe");
        assert!(
            e.help
                .as_deref()
                .unwrap()
                .starts_with("unknown handling `wiat`; known: "),
            "{:?}",
            e.help
        );
        let e = one_error("litmus t\nexpect legacy: unsafe(durability, durability)");
        assert_eq!(e.message, "property `durability` is listed twice");
        let e = one_error("litmus t\nexpect legacy: unsafe(bounded-wait)");
        assert!(e.message.contains("bounded-wait"));
        let e = one_error("litmus t\nexpect legacy: unsafe durability");
        assert_eq!(
            e.message,
            "expected `(`, an answer or end of line after `unsafe`, found `durability`"
        );
        let e = one_error("litmus t\nexpect legacy: saf");
        assert_eq!(e.help.as_deref(), Some("did you mean `safe`?"));
    }

    #[test]
    fn expect_answers() {
        let s = stmts("litmus t\nexpect legacy: unsafe(durability) Sometimes\nexpect pin-wait: hang Never\nexpect upstream: unsafe Always\nexpect odp: safe");
        let answers: Vec<Option<(ExpectedAnswer, Span)>> = s
            .iter()
            .filter_map(|st| match st {
                Stmt::Expect { answer, .. } => Some(answer.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            answers,
            vec![
                Some((ExpectedAnswer::Sometimes, 43..52)),
                Some((ExpectedAnswer::Never, 75..80)),
                Some((ExpectedAnswer::Always, 105..111)),
                None,
            ]
        );
        assert!(matches!(
            &s[1],
            Stmt::Expect {
                verdict: VerdictAst::Unsafe(ps),
                ..
            } if *ps == vec![Property::Durability]
        ));
        assert!(matches!(
            &s[3],
            Stmt::Expect {
                verdict: VerdictAst::UnsafeAny,
                ..
            }
        ));

        // A wrong case or a typo: a did-you-mean, after `unsafe` alone too.
        for (line, want) in [
            ("safe sometimes", "Sometimes"),
            ("hang NEVER", "Never"),
            ("refused Alway", "Always"),
            ("unsafe(durability) Somtimes", "Sometimes"),
            ("unsafe always", "Always"),
        ] {
            let e = one_error(&format!("litmus t\nexpect legacy: {line}"));
            let word = line.rsplit(' ').next().unwrap();
            assert_eq!(
                e.message,
                format!("expected `Always`, `Sometimes`, `Never` or end of line after the verdict, found `{word}`"),
                "{line}"
            );
            assert_eq!(e.label, "not an answer");
            assert_eq!(
                e.help,
                Some(format!("did you mean `{want}`? {ANSWER_HELP}")),
                "{line}"
            );
            assert_eq!(
                (e.line, e.col),
                (2, 16 + line.rfind(' ').unwrap() as u32 + 1)
            );
        }
        // A word far from every answer gets the list without a guess.
        let e = one_error("litmus t\nexpect legacy: safe maybe");
        assert_eq!(e.help.as_deref(), Some(ANSWER_HELP));
        // One answer, then the end of the line.
        let e = one_error("litmus t\nexpect legacy: safe Never Always");
        assert_eq!(e.message, "expected end of line, found `Always`");
    }

    #[test]
    fn conditions_and_precedence() {
        let s = stmts("litmus t\n~exists (a = 1 \\/ ~disk f[0] = B /\\ (mem m[1] = none))");
        let Stmt::Cond {
            quantifier,
            expr,
            text,
        } = &s[1]
        else {
            panic!()
        };
        assert_eq!(*quantifier, Quantifier::NotExists);
        assert_eq!(text, "a = 1 \\/ ~disk f[0] = B /\\ (mem m[1] = none)");
        let CondAst::Or(v) = expr else {
            panic!("{expr:?}")
        };
        assert_eq!(v.len(), 2);
        let CondAst::And(w) = &v[1] else {
            panic!("{:?}", v[1])
        };
        assert!(matches!(&w[0], CondAst::Not(_)));
        assert!(matches!(
            &w[1],
            CondAst::Atom(Atom {
                loc: AtomLoc::Mem(_),
                value: ValTok {
                    kind: ValKind::None,
                    ..
                },
                ..
            })
        ));
    }

    #[test]
    fn conditions_may_continue_on_the_next_line() {
        let s = stmts("litmus t\nforall (r = 1 /\\   # first\n        p = EFAULT)\n");
        let Stmt::Cond {
            quantifier,
            expr,
            text,
        } = &s[1]
        else {
            panic!()
        };
        assert_eq!(*quantifier, Quantifier::Forall);
        assert_eq!(text, "r = 1 /\\ p = EFAULT");
        assert!(matches!(expr, CondAst::And(v) if v.len() == 2));
    }

    #[test]
    fn condition_errors() {
        let e = one_error("litmus t\nexists (a = 1\nexpect legacy: safe");
        assert!(
            e.message.starts_with("expected `/\\`, `\\/` or `)`"),
            "{}",
            e.message
        );
        assert_eq!(e.help.as_deref(), Some("the `(` on line 2 is never closed"));
        let e = one_error("litmus t\nexists (a = 1) /\\ (b = 2)");
        assert_eq!(
            e.help.as_deref(),
            Some("wrap the whole condition in one pair of parentheses")
        );
        let deep = format!(
            "litmus t\nexists ({}a = 1{})",
            "(".repeat(500),
            ")".repeat(500)
        );
        let e = one_error(&deep);
        assert!(e.message.contains("nested more than 64"), "{}", e.message);
        let e = one_error("litmus t\nexists (~~ = 1)");
        assert!(e.message.starts_with("expected a condition"));
    }

    #[test]
    fn every_op() {
        let o = ops("store m[0] = A\nload m[1] -> r\nwrite f[2] = 3\nread f[0] -> s\npin p = d m[0..2] longterm write\ndma p[1] = B\ndma p[0] -> t\nunpin p dirty\nunpin q\nfsync f\nsync\nwriteback f\ntruncate f 0\npunch f 1\nreclaim\nfreeze\nthaw\nmunmap m\nmprotect m ro\nseal f write -> u\nfallocate f 3\ncomplete done\nwait_for_completion done");
        assert_eq!(o.len(), 23);
        assert!(
            matches!(&o[0], OpKind::Store { at, value } if at.name.text == "m" && at.index.value == 0 && value.kind == ValKind::Val("A".into()))
        );
        assert!(matches!(&o[1], OpKind::Load { reg, .. } if reg.text == "r"));
        assert!(matches!(&o[2], OpKind::Write { at, .. } if at.index.value == 2));
        assert!(matches!(&o[3], OpKind::Read { .. }));
        assert!(
            matches!(&o[4], OpKind::Pin { range, write: Some(_), longterm: Some(_), .. } if range.start.value == 0 && range.end.value == 2)
        );
        assert!(matches!(&o[5], OpKind::DmaWrite { .. }));
        assert!(matches!(&o[6], OpKind::DmaRead { .. }));
        assert!(matches!(&o[7], OpKind::Unpin { dirty: true, .. }));
        assert!(matches!(&o[8], OpKind::Unpin { dirty: false, .. }));
        assert!(matches!(
            &o[12],
            OpKind::Truncate {
                pages: Num { value: 0, .. },
                ..
            }
        ));
        assert!(matches!(
            &o[13],
            OpKind::Punch {
                page: Num { value: 1, .. },
                ..
            }
        ));
        assert_eq!(o[14], OpKind::Reclaim);
        assert!(matches!(
            &o[18],
            OpKind::Mprotect {
                writable: false,
                ..
            }
        ));
        assert!(
            matches!(&o[19], OpKind::Seal { file, reg } if file.text == "f" && reg.text == "u")
        );
        assert!(
            matches!(&o[20], OpKind::Fallocate { file, page: Num { value: 3, .. } } if file.text == "f")
        );
        assert!(matches!(&o[21], OpKind::Complete { completion } if completion.text == "done"));
        assert!(
            matches!(&o[22], OpKind::WaitForCompletion { completion } if completion.text == "done")
        );
    }

    #[test]
    fn completion_and_fallocate_spans() {
        let text =
            "litmus t\nthread a {\n  fallocate f 7\n  complete x_1\n  wait_for_completion x_1\n}\n";
        let Some(Stmt::Thread(t)) = stmts(text).pop() else {
            panic!()
        };
        let at = |span: &Span| &text[span.clone()];
        assert_eq!(at(&t.ops[0].kw), "fallocate");
        let OpKind::Fallocate { file, page } = &t.ops[0].op else {
            panic!()
        };
        assert_eq!((at(&file.span), at(&page.span)), ("f", "7"));
        assert_eq!(at(&t.ops[2].kw), "wait_for_completion");
        let OpKind::WaitForCompletion { completion } = &t.ops[2].op else {
            panic!()
        };
        assert_eq!(at(&completion.span), "x_1");
        assert_eq!(text[..completion.span.start].matches('\n').count(), 4);
    }

    #[test]
    fn completion_and_fallocate_errors() {
        let wrap = |op: &str| format!("litmus t\nthread a {{\n  {op}\n}}\n");
        for (op, want) in [
            ("fallocat f 0", "fallocate"),
            ("falloc f 0", "fallocate"),
            ("wait_for_complete done", "wait_for_completion"),
            ("wait done", "wait_for_completion"),
            ("wait_for_completon done", "wait_for_completion"),
            ("completion done", "complete"),
            ("compelte done", "complete"),
        ] {
            let e = one_error(&wrap(op));
            let word = op.split(' ').next().unwrap();
            assert_eq!(e.message, format!("unknown operation `{word}`"), "{op}");
            assert_eq!((e.line, e.col), (3, 3), "{op}");
            let h = e.help.unwrap();
            assert!(
                h.starts_with(&format!("did you mean `{want}`? operations are ")),
                "{op}: {h}"
            );
        }
        let e = one_error(&wrap("fallocate f[1]"));
        assert_eq!(
            e.message,
            "expected a page index after the file name, found `[`"
        );
        assert_eq!((e.line, e.col), (3, 14));
        assert_eq!(
            e.help.as_deref(),
            Some(
                "`fallocate` takes the page index after the file, as `punch` does: `fallocate f i`"
            )
        );
        let e = one_error(&wrap("fallocate f"));
        assert_eq!(
            e.message,
            "expected a page index (a non-negative integer), found end of line"
        );
        assert_eq!(e.help.as_deref(), Some("the syntax is `fallocate F i`"));
        let e = one_error(&wrap("fallocate f 1 keep_size"));
        assert_eq!(e.message, "expected end of line, found `keep_size`");
        let e = one_error(&wrap("complete"));
        assert_eq!(e.message, "expected a completion name, found end of line");
        assert_eq!(e.help.as_deref(), Some("the syntax is `complete X`"));
        let e = one_error(&wrap("wait_for_completion ok"));
        assert_eq!(
            e.message,
            "expected a completion name, found the keyword `ok`"
        );
        let e = one_error(&wrap("wait_for_completion a b"));
        assert_eq!(e.message, "expected end of line, found `b`");
        // A `complete` line that fails poisons its name, so waits on it are not reported again.
        let (p, e) = run(&wrap("complete done now"));
        assert_eq!(e.len(), 1, "{e:#?}");
        assert!(p.poisoned.contains("done"));
    }

    #[test]
    fn op_errors_recover_at_the_next_line() {
        let (p, e) = run("litmus t\nthread a {\n  stor m[0] = A\n  pin p = d m[0]\n  load m[0] -> r extra\n  sync\n}\n");
        assert_eq!(e.len(), 3, "{e:#?}");
        assert_eq!(e[0].message, "unknown operation `stor`");
        assert_eq!(
            e[0].help
                .as_deref()
                .map(|h| h.starts_with("did you mean `store`?")),
            Some(true)
        );
        assert!(e[1].message.starts_with("expected `..` in the page range"));
        assert_eq!(
            e[1].help.as_deref(),
            Some("a pin takes a half-open range: `m[0..1]` is page 0")
        );
        assert_eq!(e[2].message, "expected end of line, found `extra`");
        let Stmt::Thread(t) = &p.items[1].stmt else {
            panic!()
        };
        assert_eq!(t.ops.len(), 1);
        assert!(p.poisoned.contains("p") && p.poisoned.contains("r"));
    }

    #[test]
    fn thread_block_forms() {
        let s =
            stmts("litmus t\nthread a\n{\n sync\n}\nthread b { reclaim }\nthread c {\n freeze }\n");
        let names: Vec<_> = s[1..]
            .iter()
            .map(|s| match s {
                Stmt::Thread(t) => (t.name.as_ref().unwrap().text.clone(), t.ops.len()),
                s => panic!("{s:?}"),
            })
            .collect();
        assert_eq!(
            names,
            vec![
                ("a".to_string(), 1),
                ("b".to_string(), 1),
                ("c".to_string(), 1)
            ]
        );
    }

    #[test]
    fn missing_brace_is_reported_at_the_block() {
        let (p, e) = run("litmus t\nthread a {\n  sync\nexists (r = 1)\n");
        assert_eq!(e.len(), 1, "{e:#?}");
        assert_eq!(e[0].message, "thread `a` is never closed");
        assert_eq!((e[0].line, e[0].col), (2, 10));
        assert_eq!(
            e[0].help.as_deref(),
            Some("add `}` on its own line after the thread's last op, before line 4")
        );
        // the condition after it is still parsed
        assert!(matches!(
            p.items.last().map(|i| &i.stmt),
            Some(Stmt::Cond { .. })
        ));
        let e = one_error("litmus t\nthread a {\n sync\n");
        assert_eq!(
            e.help.as_deref(),
            Some("add `}` on its own line after the thread's last op")
        );
    }

    #[test]
    fn ops_outside_threads_and_unknown_statements() {
        let e = one_error("litmus t\nsync");
        assert_eq!(e.message, "`sync` is an operation, not a statement");
        let e = one_error("litmus t\nfiel f pages=1");
        assert!(e
            .help
            .as_deref()
            .unwrap()
            .starts_with("did you mean `file`?"));
        let e = one_error("litmus t\n}");
        assert_eq!(e.message, "unmatched `}`");
        let e = one_error("");
        assert_eq!(e.message, "empty litmus file");
        let e = one_error("# only a comment\n\n");
        assert_eq!(e.message, "empty litmus file");
    }

    #[test]
    fn lexical_errors_are_not_reported_twice() {
        let (_, e) = run("litmus t\nthread a {\n  store m[0] = A;\n}\n");
        assert_eq!(e.len(), 1, "{e:#?}");
        assert_eq!(e[0].message, "unexpected character `;`");
    }
}
