//! Reports: the designs × scenarios matrix, per-scenario check results and `explain` traces, as
//! text a kernel developer reads in a terminal or a mail, and as JSON (schema in docs/json.md).
//!
//! Everything here is a pure function of its input: the same results print the same bytes.
//! Wall-clock figures never appear here; the CLI prints them to stderr.

// A dependency nothing uses is a build cost and a supply-chain risk: warn (an error under
// clippy -D warnings). Test builds see the dev-dependencies too, so only the library is checked.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

use pinlab_check::{CheckResult, Cut, TraceStep, Verdict};
use pinlab_model::design::Design;
use pinlab_model::property::{Property, PropertySet};
use pinlab_model::scenario::{Expect, Quantifier, Scenario};
use serde::Serialize;
use std::fmt::Write as _;

pub mod costs;
pub mod designs;
pub mod designs_doc;
pub mod diagram;
pub mod html;
pub mod probe;
pub mod rank;
pub mod views;

pub use costs::{costs_json, costs_text, CostTables, DesignCost, COSTS_SCHEMA};
pub use designs::{designs_json, designs_text, Selection, DESIGNS_SCHEMA};
pub use rank::{rank, rank_json, rank_text, Ranking, RANK_SCHEMA};

pub const MATRIX_SCHEMA: &str = "pinlab.matrix/2";
pub const CHECK_SCHEMA: &str = "pinlab.check/1";
pub const EXPLAIN_SCHEMA: &str = "pinlab.explain/1";

/// One scenario checked under one design, with the `expect` line that judges it (if any).
pub struct Cell<'a> {
    pub design: Design,
    pub result: CheckResult,
    pub expect: Option<&'a Expect>,
}

impl Cell<'_> {
    /// None when no expect line judges this cell. A cell agrees when its verdict matches the
    /// expect line and, if the line pins the final condition's answer, the model answers that.
    pub fn agrees(&self) -> Option<bool> {
        self.expect
            .map(|e| self.result.verdict.matches(&e.verdict) && self.answer_agrees() != Some(false))
    }

    /// Whether the final condition's answer is the one the expect line pins: None when no line
    /// pins one, or when the check is incomplete (its answer covers part of the executions, and
    /// its verdict, `incomplete`, disagrees already). A pinned answer for a scenario the model
    /// gives no answer for (no condition) disagrees.
    pub fn answer_agrees(&self) -> Option<bool> {
        let want = self.expect?.answer?;
        if !self.result.complete {
            return None;
        }
        Some(
            self.result
                .condition
                .as_ref()
                .is_some_and(|c| c.answer.is(want)),
        )
    }
}

pub struct Row<'a> {
    pub scenario: &'a Scenario,
    pub cells: Vec<Cell<'a>>,
}

/// The expect line of `sc` for `design`, matched by name (a preset or `tracking+handling`).
pub fn expect_for<'a>(sc: &'a Scenario, design: &Design) -> Option<&'a Expect> {
    let name = design.name();
    sc.expects.iter().find(|e| {
        e.design == name
            || Design::parse(&e.design).is_ok_and(|d| {
                std::ptr::eq(d.tracking, design.tracking)
                    && std::ptr::eq(d.handling, design.handling)
            })
    })
}

/// `s` made safe as XML/HTML text or a quoted attribute value (the SVG diagrams and the HTML
/// report).
pub(crate) fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// Why a check has no trace to show: nothing went wrong, or the search stopped before it found
/// anything (never to be read as the former).
pub fn nothing_to_explain(r: &CheckResult) -> String {
    match &r.cut {
        None => "nothing to explain: no execution violates a property, hangs or is refused".into(),
        Some(cut) => format!(
            "nothing to explain yet: the search stopped at {} after {} states, before any execution violated a property, hung or was refused (incomplete, not safe; raise {})",
            cut.text(),
            r.stats.states,
            cut.option()
        ),
    }
}

/// What stopped an incomplete check, and what it had seen by then; `None` for a complete one.
/// `x under legacy: incomplete: stopped at the memory limit (6.0 GiB, --max-memory) after
/// 41000000 states, depth 37; violated so far: durability`.
pub fn cut_line(sc: &Scenario, c: &Cell) -> Option<String> {
    let cut = c.result.cut?;
    let st = &c.result.stats;
    let so_far = if c.result.violated.is_empty() {
        "nothing violated so far".to_string()
    } else {
        format!("violated so far: {}", props(c.result.violated).join(", "))
    };
    Some(format!(
        "{} under {}: incomplete: stopped at {} after {} states, depth {}; {so_far}",
        sc.name,
        c.design.name(),
        cut.text(),
        st.states,
        st.max_depth
    ))
}

fn cut_lines(rows: &[Row]) -> Vec<String> {
    rows.iter()
        .flat_map(|r| r.cells.iter().filter_map(|c| cut_line(r.scenario, c)))
        .collect()
}

/// Two-letter abbreviations for matrix cells (the legend spells them out).
pub fn abbrev(p: Property) -> &'static str {
    match p {
        Property::MkwriteContract => "MC",
        Property::StableWrites => "SW",
        Property::Durability => "DU",
        Property::NoLateEnospc => "EN",
        Property::NoStorageUaf => "SU",
        Property::NoFrameUaf => "FU",
        Property::FreezeConsistency => "FZ",
        Property::FsIntegrity => "FI",
        Property::BoundedWait => "BW",
    }
}

pub(crate) fn short_verdict(v: &Verdict) -> String {
    match v {
        Verdict::Unsafe(ps) => format!(
            "unsafe({})",
            ps.iter().map(abbrev).collect::<Vec<_>>().join(",")
        ),
        other => other.text(),
    }
}

pub(crate) fn expected_text(e: &Expect) -> String {
    e.verdict.text()
}

/// An expect line as written after `expect DESIGN: `: the verdict, normalised, and the answer
/// it pins, if any (`unsafe(durability) Sometimes`).
pub(crate) fn expect_line_text(e: &Expect) -> String {
    match e.answer {
        Some(a) => format!("{} {}", expected_text(e), a.name()),
        None => expected_text(e),
    }
}

fn quantifier_text(q: Quantifier) -> &'static str {
    match q {
        Quantifier::Exists => "exists",
        Quantifier::NotExists => "~exists",
        Quantifier::Forall => "forall",
    }
}

/// `; N hung states not counted`, or nothing: executions that hang never reach a final state.
fn hung_note(r: &CheckResult) -> String {
    match r.stats.hung_states {
        0 => String::new(),
        n => format!(
            "; {n} hung state{} not counted",
            if n == 1 { "" } else { "s" }
        ),
    }
}

pub(crate) fn condition_text(sc: &Scenario, r: &CheckResult) -> Option<String> {
    let c = sc.condition.as_ref()?;
    let cr = r.condition.as_ref()?;
    Some(format!(
        "{} ({}): {} ({} of {} outcomes{})",
        quantifier_text(c.quantifier),
        c.text,
        cr.answer.text(),
        cr.positive,
        cr.outcomes,
        hung_note(r)
    ))
}

/// What the model answers, for a mismatch line: `Never (exists (disk f[0] = B): 0 of 2
/// outcomes)`.
fn answered_text(sc: &Scenario, r: &CheckResult) -> String {
    match (&sc.condition, &r.condition) {
        (Some(c), Some(cr)) => format!(
            "{} ({} ({}): {} of {} outcomes{})",
            cr.answer.text(),
            quantifier_text(c.quantifier),
            c.text,
            cr.positive,
            cr.outcomes,
            hung_note(r)
        ),
        _ => "nothing (the scenario has no condition)".into(),
    }
}

/// A mismatch line: where the expect line is, what it says, what the model says (its verdict
/// when that disagrees, its answer to the final condition when that does).
pub fn mismatch_line(sc: &Scenario, cell: &Cell) -> Option<String> {
    let e = cell.expect?;
    let verdict_ok = cell.result.verdict.matches(&e.verdict);
    let answer_ok = cell.answer_agrees() != Some(false);
    let model = match (verdict_ok, answer_ok) {
        (true, true) => return None,
        (false, true) => format!("says {}", cell.result.verdict.text()),
        (true, false) => format!("answers {}", answered_text(sc, &cell.result)),
        (false, false) => format!(
            "says {} and answers {}",
            cell.result.verdict.text(),
            answered_text(sc, &cell.result)
        ),
    };
    Some(format!(
        "{}:{}:{}: expect {}: {}, but the model {model}",
        sc.source,
        e.pos.line,
        e.pos.col,
        e.design,
        expect_line_text(e),
    ))
}

/// The matrix as text: one row per scenario, one column per design, a legend and a footer.
pub fn matrix_text(rows: &[Row], designs: &[Design]) -> String {
    matrix_text_styled(rows, designs, false)
}

/// ANSI SGR parameters of a verdict's colour: a kind reads at a glance in a terminal.
fn verdict_sgr(v: &Verdict) -> &'static str {
    match v {
        Verdict::Safe => "32",
        Verdict::Unsafe(_) => "1;31",
        Verdict::Hang => "33",
        Verdict::Refused | Verdict::Revoked => "34",
        Verdict::Incomplete { .. } => "35",
    }
}

/// `matrix_text`, with each verdict cell coloured by its kind when `colour` is set (for a
/// terminal). The padding goes outside the escape codes, so with the escapes removed the bytes
/// are `matrix_text`'s and the columns line up the same.
pub fn matrix_text_styled(rows: &[Row], designs: &[Design], colour: bool) -> String {
    let mut out = String::new();
    let name_w = rows
        .iter()
        .map(|r| r.scenario.name.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.cells
                .iter()
                .map(|c| {
                    let mark = match c.agrees() {
                        Some(false) => "!",
                        None => "?",
                        Some(true) => "",
                    };
                    format!("{}{mark}", short_verdict(&c.result.verdict))
                })
                .collect()
        })
        .collect();
    let widths: Vec<usize> = designs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            cells
                .iter()
                .map(|r| r[i].len())
                .chain([d.name().len()])
                .max()
                .unwrap_or(4)
        })
        .collect();
    let _ = write!(out, "{:name_w$}", "scenario");
    for (d, w) in designs.iter().zip(&widths) {
        let _ = write!(out, "  {:w$}", d.name());
    }
    out = out.trim_end().to_string();
    out.push('\n');
    for (r, row) in rows.iter().zip(&cells) {
        let mut line = format!("{:name_w$}", r.scenario.name);
        for ((c, w), cell) in row.iter().zip(&widths).zip(&r.cells) {
            if colour {
                let pad = w.saturating_sub(c.chars().count());
                let _ = write!(
                    line,
                    "  \x1b[{}m{c}\x1b[0m{:pad$}",
                    verdict_sgr(&cell.result.verdict),
                    ""
                );
            } else {
                let _ = write!(line, "  {c:w$}");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push('\n');
    out.push_str("legend: safe | refused (a pin the application could have had got an errno) | revoked | hang (a thread waits forever)\n");
    out.push_str("        unsafe(...) with ");
    out.push_str(
        &Property::ALL
            .iter()
            .filter(|p| **p != Property::BoundedWait)
            .map(|p| format!("{}={}", abbrev(*p), p.name()))
            .collect::<Vec<_>>()
            .join(" "),
    );
    out.push_str("\n        incomplete (a limit was hit; never read as safe)\n");
    out.push_str(
        "        a trailing ! disagrees with the scenario's expect line (its verdict or its answer), ? has no expect line\n\n",
    );
    let mismatches: Vec<String> = rows
        .iter()
        .flat_map(|r| r.cells.iter().filter_map(|c| mismatch_line(r.scenario, c)))
        .collect();
    let (states, transitions) = totals(rows);
    let _ = writeln!(
        out,
        "{} scenarios x {} designs: {} states, {} transitions explored; {} expect line{} disagree{} with the model",
        rows.len(),
        designs.len(),
        states,
        transitions,
        mismatches.len(),
        if mismatches.len() == 1 { "" } else { "s" },
        if mismatches.len() == 1 { "s" } else { "" },
    );
    for m in mismatches {
        let _ = writeln!(out, "  {m}");
    }
    for m in cut_lines(rows) {
        let _ = writeln!(out, "  {m}");
    }
    out
}

pub fn totals(rows: &[Row]) -> (usize, usize) {
    rows.iter()
        .flat_map(|r| &r.cells)
        .fold((0, 0), |(s, t), c| {
            (s + c.result.stats.states, t + c.result.stats.transitions)
        })
}

/// Per-scenario results as text (`pinlab check`).
pub fn check_text(rows: &[Row]) -> String {
    let mut out = String::new();
    for r in rows {
        let sc = r.scenario;
        let _ = writeln!(out, "{} ({})", sc.name, sc.source);
        if let Some(d) = &sc.doc {
            let _ = writeln!(out, "  {d}");
        }
        let dw = r
            .cells
            .iter()
            .map(|c| c.design.name().len())
            .max()
            .unwrap_or(6);
        let vw = r
            .cells
            .iter()
            .map(|c| c.result.verdict.text().len())
            .max()
            .unwrap_or(4);
        for c in &r.cells {
            let judged = match c.agrees() {
                Some(true) => "ok",
                Some(false) => "MISMATCH",
                None => "(no expect)",
            };
            let st = &c.result.stats;
            let mut stats = format!(
                "{} states, {} transitions, depth {}",
                st.states, st.transitions, st.max_depth
            );
            if st.hung_states > 0 {
                // An unsafe verdict outranks hang; still say that some executions hang.
                stats.push_str(&format!(", {} hung", st.hung_states));
            }
            let _ = write!(
                out,
                "  {:dw$}  {:vw$}  {judged:11}  {stats:36}",
                c.design.name(),
                c.result.verdict.text(),
            );
            if let Some(ct) = condition_text(sc, &c.result) {
                let _ = write!(out, "  {ct}");
            }
            let trimmed = out.trim_end_matches(' ').len();
            out.truncate(trimmed);
            out.push('\n');
        }
        for c in &r.cells {
            if let Some(m) = mismatch_line(sc, c) {
                let _ = writeln!(out, "  {m}");
            }
            if let Some(m) = cut_line(sc, c) {
                let _ = writeln!(out, "  {m}");
            }
        }
        out.push('\n');
    }
    let cells: Vec<&Cell> = rows.iter().flat_map(|r| &r.cells).collect();
    let mism = cells.iter().filter(|c| c.agrees() == Some(false)).count();
    let judged = cells.iter().filter(|c| c.agrees().is_some()).count();
    let _ = writeln!(
        out,
        "{} checks, {} judged by expect lines, {} disagree",
        cells.len(),
        judged,
        mism
    );
    out
}

#[derive(Serialize)]
struct JsonStats {
    states: usize,
    transitions: usize,
    max_depth: usize,
    final_states: usize,
    hung_states: usize,
    /// States the partial-order reduction expanded through one thread's step alone.
    por_states: usize,
    complete: bool,
    /// Peak bytes the check held (visited set, path nodes, frontier).
    bytes: usize,
    bytes_per_state: f64,
    cut: Option<JsonCut>,
}

#[derive(Serialize)]
struct JsonCut {
    limit: &'static str,
    text: String,
}

#[derive(Serialize)]
struct JsonCondition {
    quantifier: &'static str,
    text: String,
    answer: &'static str,
    positive: usize,
    outcomes: usize,
    holds: bool,
}

#[derive(Serialize)]
struct JsonCell {
    design: String,
    tracking: &'static str,
    handling: &'static str,
    verdict: String,
    kind: &'static str,
    violated: Vec<&'static str>,
    expected: Option<String>,
    /// The final condition's answer the expect line pins (`Always`, `Sometimes`, `Never`).
    expected_answer: Option<&'static str>,
    /// The line of the expect line that judges this cell.
    expect_line: Option<u32>,
    agrees: Option<bool>,
    condition: Option<JsonCondition>,
    stats: JsonStats,
    /// What the design's mechanisms cost over this check's explored transitions.
    cost: pinlab_model::cost::Cost,
}

#[derive(Serialize)]
struct JsonRow {
    scenario: String,
    source: String,
    doc: Option<String>,
    fs: &'static str,
    cells: Vec<JsonCell>,
}

#[derive(Serialize)]
struct JsonReport {
    schema: &'static str,
    designs: Vec<String>,
    scenarios: Vec<JsonRow>,
    totals: JsonTotals,
    /// The matrix only: per design (column), the cells' costs summed.
    #[serde(skip_serializing_if = "Option::is_none")]
    costs: Option<Vec<costs::JsonDesignCost>>,
}

#[derive(Serialize)]
struct JsonTotals {
    checks: usize,
    states: usize,
    transitions: usize,
    mismatches: usize,
}

/// The verdict's kind: the `kind` of JSON cells and the HTML report's CSS class.
pub(crate) fn verdict_kind(v: &Verdict) -> &'static str {
    v.kind().name()
}

fn props(ps: PropertySet) -> Vec<&'static str> {
    ps.iter().map(|p| p.name()).collect()
}

fn json_cell(sc: &Scenario, c: &Cell) -> JsonCell {
    let r = &c.result;
    JsonCell {
        design: c.design.name(),
        tracking: c.design.tracking.name,
        handling: c.design.handling.name,
        verdict: r.verdict.text(),
        kind: verdict_kind(&r.verdict),
        violated: props(r.violated),
        expected: c.expect.map(expected_text),
        expected_answer: c.expect.and_then(|e| e.answer).map(|a| a.name()),
        expect_line: c.expect.map(|e| e.pos.line),
        agrees: c.agrees(),
        condition: sc
            .condition
            .as_ref()
            .zip(r.condition.as_ref())
            .map(|(cd, cr)| JsonCondition {
                quantifier: quantifier_text(cd.quantifier),
                text: cd.text.clone(),
                answer: cr.answer.text(),
                positive: cr.positive,
                outcomes: cr.outcomes,
                holds: cr.holds,
            }),
        stats: JsonStats {
            states: r.stats.states,
            transitions: r.stats.transitions,
            max_depth: r.stats.max_depth,
            final_states: r.stats.final_states,
            hung_states: r.stats.hung_states,
            por_states: r.stats.por_states,
            complete: r.complete,
            bytes: r.stats.bytes,
            bytes_per_state: (r.stats.bytes as f64 / r.stats.states.max(1) as f64 * 10.0).round()
                / 10.0,
            cut: r.cut.map(|c| JsonCut {
                limit: match c {
                    Cut::States { .. } => "states",
                    Cut::Memory { .. } => "memory",
                    Cut::Allocator { .. } => "allocator",
                    Cut::Timeout { .. } => "timeout",
                },
                text: c.text(),
            }),
        },
        cost: r.stats.cost,
    }
}

/// The matrix or check results as JSON (`schema` names which). The matrix also gets a `costs`
/// summary per design: every column covers the same scenarios, so the sums compare.
pub fn results_json(rows: &[Row], designs: &[Design], schema: &'static str) -> String {
    let (states, transitions) = totals(rows);
    let report = JsonReport {
        schema,
        designs: designs.iter().map(|d| d.name()).collect(),
        scenarios: rows
            .iter()
            .map(|r| JsonRow {
                scenario: r.scenario.name.clone(),
                source: r.scenario.source.clone(),
                doc: r.scenario.doc.clone(),
                fs: r.scenario.fs.kind.name(),
                cells: r.cells.iter().map(|c| json_cell(r.scenario, c)).collect(),
            })
            .collect(),
        totals: JsonTotals {
            checks: rows.iter().map(|r| r.cells.len()).sum(),
            states,
            transitions,
            mismatches: rows
                .iter()
                .flat_map(|r| &r.cells)
                .filter(|c| c.agrees() == Some(false))
                .count(),
        },
        costs: (schema == MATRIX_SCHEMA).then(|| costs::matrix_costs(rows, designs)),
    };
    serde_json::to_string_pretty(&report).expect("serialisable") + "\n"
}

/// What `explain` shows: a path replayed with its steps.
pub struct Explanation<'a> {
    pub scenario: &'a Scenario,
    pub design: Design,
    pub verdict: Verdict,
    /// The property the trace demonstrates (None: a refusal or revocation).
    pub property: Option<Property>,
    pub steps: Vec<TraceStep>,
    /// Threads still waiting at the end of a hang, with the op each waits in.
    pub waiting: Vec<(usize, usize)>,
}

pub fn explain_text(x: &Explanation) -> String {
    let sc = x.scenario;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} under {}: {}",
        sc.name,
        x.design.name(),
        x.verdict.text()
    );
    match x.property {
        Some(p) => {
            let _ = writeln!(
                out,
                "shortest execution violating {}: {}",
                p.name(),
                p.meaning()
            );
        }
        None if x.verdict == Verdict::Revoked => {
            let _ = writeln!(
                out,
                "shortest execution in which the design revokes a device's access"
            );
        }
        None => {
            let _ = writeln!(out, "shortest execution in which the design refuses a pin");
        }
    }
    out.push('\n');
    let tw = x
        .steps
        .iter()
        .map(|st| sc.actor_name(st.thread).len())
        .chain(sc.threads.iter().map(|t| t.name.len()))
        .max()
        .unwrap_or(6);
    for (i, st) in x.steps.iter().enumerate() {
        let where_ = match sc.op_line(st.thread, st.op) {
            Some(line) => format!("(line {line})"),
            None => "(kernel thread)".into(),
        };
        let _ = writeln!(
            out,
            "{:>3}  {:tw$}  {}    {where_}",
            i + 1,
            sc.actor_name(st.thread),
            sc.step_text(st.thread, st.op),
        );
        let pad = " ".repeat(tw + 7);
        for c in &st.calls {
            let _ = writeln!(out, "{pad}{c}");
        }
        for c in &st.changes {
            let _ = writeln!(out, "{pad}  => {c}");
        }
        for (p, why) in &st.violations {
            let _ = writeln!(out, "{pad}!! {}: {why}", p.name());
        }
    }
    if !x.waiting.is_empty() {
        out.push('\n');
        for &(t, op) in &x.waiting {
            let th = &sc.threads[t];
            let od = &th.ops[op];
            let _ = writeln!(
                out,
                "!! bounded-wait: thread {} waits forever in `{}` (line {})",
                th.name,
                sc.op_text(&od.op),
                od.pos.line
            );
        }
    }
    out
}

#[derive(Serialize)]
struct JsonStep {
    step: usize,
    thread: String,
    op: String,
    /// The op's litmus line; null for a filesystem kernel thread's step.
    line: Option<u32>,
    /// The sentence of each kernel call, as the text trace prints it.
    calls: Vec<String>,
    /// The same calls as data: function, what each touches, arrow kind, state changes.
    events: Vec<views::EventView>,
    changes: Vec<String>,
    violations: Vec<JsonViolation>,
    /// The frames and blocks this step changed, as they are after it.
    pages: Vec<views::PageView>,
    blocks: Vec<views::BlockView>,
}

#[derive(Serialize)]
struct JsonInitial {
    pages: Vec<views::PageView>,
    blocks: Vec<views::BlockView>,
}

#[derive(Serialize)]
struct JsonViolation {
    property: &'static str,
    why: String,
}

#[derive(Serialize)]
struct JsonExplain {
    schema: &'static str,
    scenario: String,
    source: String,
    design: String,
    verdict: String,
    property: Option<&'static str>,
    meaning: Option<&'static str>,
    schedule: Vec<String>,
    /// The frames allocated and the blocks in use before the first step.
    initial: JsonInitial,
    steps: Vec<JsonStep>,
    waiting: Vec<String>,
}

pub fn explain_json(x: &Explanation) -> String {
    let sc = x.scenario;
    let w = pinlab_model::World::new(sc, x.design);
    let init = w.init();
    let before = |i: usize| if i == 0 { &init } else { &x.steps[i - 1].after };
    let j = JsonExplain {
        schema: EXPLAIN_SCHEMA,
        scenario: sc.name.clone(),
        source: sc.source.clone(),
        design: x.design.name(),
        verdict: x.verdict.text(),
        property: x.property.map(|p| p.name()),
        meaning: x.property.map(|p| p.meaning()),
        schedule: x
            .steps
            .iter()
            .map(|s| sc.actor_name(s.thread).to_string())
            .collect(),
        initial: JsonInitial {
            pages: (0..init.frames.len())
                .filter_map(|f| views::page_view(&w, &init, f))
                .collect(),
            blocks: (0..init.blocks.len())
                .map(|b| views::block_view(&w, &init, b))
                .filter(|b| b.used)
                .collect(),
        },
        steps: x
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| JsonStep {
                step: i + 1,
                thread: sc.actor_name(s.thread).to_string(),
                op: sc.step_text(s.thread, s.op),
                line: sc.op_line(s.thread, s.op),
                calls: s.calls.iter().map(|c| c.text.clone()).collect(),
                events: s.calls.iter().map(|c| views::event_view(sc, c)).collect(),
                changes: s.changes.clone(),
                violations: s
                    .violations
                    .iter()
                    .map(|(p, why)| JsonViolation {
                        property: p.name(),
                        why: why.clone(),
                    })
                    .collect(),
                pages: views::changed_pages(&w, before(i), &s.after),
                blocks: views::changed_blocks(&w, before(i), &s.after),
            })
            .collect(),
        waiting: x
            .waiting
            .iter()
            .map(|&(t, _)| sc.threads[t].name.clone())
            .collect(),
    };
    serde_json::to_string_pretty(&j).expect("serialisable") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use pinlab_check::{check, Limits};

    /// The scenario of docs/model.md#where-the-litmus-language-comes-from: under legacy B reaches the disk in 1 of 3 final outcomes.
    const REDIRTY: &str = "litmus ex\nfs ext4 blocks=4\nfile f pages=1\nmmap m = f shared rw\ndevice nic rdma\nthread app {\n  store m[0] = A\n  pin p = nic m[0..1] write longterm\n  dma p[0] = B\n  fsync f\n  dma p[0] = C\n  fsync f\n  unpin p dirty\n}\nthread flusher {\n  writeback f\n}\nexists (disk f[0] = B)\n";

    fn scenario(expect: &str) -> Scenario {
        let text = format!("{REDIRTY}{expect}\n");
        pinlab_litmus::parse("x.litmus", &text).unwrap_or_else(|d| panic!("{}", d.render(&text)))
    }

    fn cell(sc: &Scenario, max_states: usize) -> Cell<'_> {
        let design = Design::preset("legacy").unwrap();
        Cell {
            design,
            result: check(
                sc,
                design,
                Limits {
                    max_states,
                    ..Default::default()
                },
            ),
            expect: expect_for(sc, &design),
        }
    }

    #[test]
    fn a_pinned_answer_is_judged_with_the_verdict() {
        // The right answer, and no answer: both agree.
        for line in [
            "expect legacy: unsafe(mkwrite-contract, durability) Sometimes",
            "expect legacy: unsafe(mkwrite-contract, durability)",
        ] {
            let sc = scenario(line);
            let c = cell(&sc, 1_000_000);
            assert_eq!(c.agrees(), Some(true), "{line}");
            assert_eq!(mismatch_line(&sc, &c), None, "{line}");
        }
        let sc = scenario("expect legacy: unsafe(mkwrite-contract, durability)");
        assert_eq!(cell(&sc, 1_000_000).answer_agrees(), None);

        // The right verdict, the wrong answer.
        let sc = scenario("expect legacy: unsafe(mkwrite-contract, durability) Never");
        let c = cell(&sc, 1_000_000);
        assert_eq!(c.answer_agrees(), Some(false));
        assert_eq!(c.agrees(), Some(false));
        assert_eq!(
            mismatch_line(&sc, &c).as_deref(),
            Some("x.litmus:19:1: expect legacy: unsafe(mkwrite-contract, durability) Never, but the model answers Sometimes (exists (disk f[0] = B): 1 of 3 outcomes)")
        );

        // Both wrong: the line says both.
        let sc = scenario("expect legacy: safe Always");
        let c = cell(&sc, 1_000_000);
        assert_eq!(
            mismatch_line(&sc, &c).as_deref(),
            Some("x.litmus:19:1: expect legacy: safe Always, but the model says unsafe(mkwrite-contract, durability) and answers Sometimes (exists (disk f[0] = B): 1 of 3 outcomes)")
        );

        // The wrong verdict, the right answer: only the verdict is named.
        let sc = scenario("expect legacy: hang Sometimes");
        let c = cell(&sc, 1_000_000);
        assert_eq!(c.answer_agrees(), Some(true));
        assert_eq!(
            mismatch_line(&sc, &c).as_deref(),
            Some("x.litmus:19:1: expect legacy: hang Sometimes, but the model says unsafe(mkwrite-contract, durability)")
        );
    }

    #[test]
    fn an_incomplete_check_has_its_verdict_judged_not_its_answer() {
        let sc = scenario("expect legacy: unsafe(mkwrite-contract, durability) Always");
        let c = cell(&sc, 3);
        assert!(!c.result.complete);
        assert_eq!(c.answer_agrees(), None);
        assert_eq!(c.agrees(), Some(false));
        assert_eq!(
            mismatch_line(&sc, &c).as_deref(),
            Some("x.litmus:19:1: expect legacy: unsafe(mkwrite-contract, durability) Always, but the model says incomplete")
        );
    }

    #[test]
    fn every_output_marks_a_wrong_answer() {
        let sc = scenario("expect legacy: unsafe(mkwrite-contract, durability) Never");
        let design = Design::preset("legacy").unwrap();
        let rows = vec![Row {
            scenario: &sc,
            cells: vec![cell(&sc, 1_000_000)],
        }];
        let m = matrix_text(&rows, &[design]);
        assert!(m.contains("unsafe(MC,DU)!"), "{m}");
        assert!(m.contains("; 1 expect line disagrees with the model\n  x.litmus:19:1: expect legacy: unsafe(mkwrite-contract, durability) Never, but the model answers Sometimes"), "{m}");
        let t = check_text(&rows);
        assert!(t.contains("MISMATCH"), "{t}");
        assert!(t.contains("but the model answers Sometimes"), "{t}");
        assert!(
            t.ends_with("1 checks, 1 judged by expect lines, 1 disagree\n"),
            "{t}"
        );

        let v: serde_json::Value =
            serde_json::from_str(&results_json(&rows, &[design], CHECK_SCHEMA)).unwrap();
        let c = &v["scenarios"][0]["cells"][0];
        assert_eq!(c["expected"], "unsafe(mkwrite-contract, durability)");
        assert_eq!(c["expected_answer"], "Never");
        assert_eq!(c["expect_line"], 19);
        assert_eq!(c["condition"]["answer"], "Sometimes");
        assert_eq!(c["agrees"], false);
        assert_eq!(v["totals"]["mismatches"], 1);

        let html = html::report_html(
            &rows,
            &[design],
            &html::ReportMeta {
                source: "x.litmus",
                texts: &[String::new()],
                seconds: 1.0,
                version: "test",
                failed: &[],
            },
        );
        assert!(html.contains("class=\"cell v-unsafe mismatch\""));
        assert!(html.contains("<strong>disagrees</strong> with <code>expect legacy: unsafe(mkwrite-contract, durability) Never</code> (line 19): the model answers Sometimes"));
        assert!(
            html.contains("<dt>checks judged by expect lines</dt><dd>1, of which 1 disagree</dd>")
        );
    }

    #[test]
    fn explain_json_carries_each_call_as_an_event_with_its_sentence() {
        let sc = scenario("");
        let design = Design::preset("legacy").unwrap();
        let r = check(&sc, design, Limits::default());
        let x = designs_doc::explanation(&sc, design, &r, Some(Property::Durability))
            .expect("a durability trace");
        let j: serde_json::Value = serde_json::from_str(&explain_json(&x)).unwrap();
        let mut arrows = Vec::new();
        for st in j["steps"].as_array().unwrap() {
            let (calls, events) = (
                st["calls"].as_array().unwrap(),
                st["events"].as_array().unwrap(),
            );
            assert_eq!(calls.len(), events.len(), "{st}");
            for (c, e) in calls.iter().zip(events) {
                assert_eq!(&e["text"], c);
                arrows.push(e["arrow"].as_str().unwrap().to_string());
            }
        }
        // Writeback's bio goes from frame #0 to the block delalloc conversion allocated.
        let submit = j["steps"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|st| st["events"].as_array().unwrap())
            .find(|e| e["arrow"] == "bio-submit")
            .expect("a bio submitted");
        assert_eq!(submit["function"], "folio_start_writeback");
        assert_eq!(
            submit["touches"][0],
            serde_json::json!({"kind": "frame", "frame": 0})
        );
        assert_eq!(submit["touches"][1]["kind"], "block");
        for a in [
            "fault",
            "page-mkwrite",
            "dma-write",
            "bio-submit",
            "bio-complete",
        ] {
            assert!(arrows.iter().any(|x| x == a), "no {a} in {arrows:?}");
        }
    }
}
