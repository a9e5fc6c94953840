//! `pinlab report`: one self-contained HTML file a reviewer clicks through. The designs ×
//! scenarios matrix; a click on a cell shows its verdict, the properties violated, the final
//! condition's answer, and the trace as text and as a sequence diagram; a section per design
//! with its seed source; the run's statistics.
//!
//! Everything is inline (CSS, SVG, a few lines of script) and nothing is fetched, so the file
//! opens from disk, offline, and can be mailed. Each cell's detail is pre-rendered into a
//! `<template>`, inert until clicked, so the page needs no data format of its own and the
//! script only moves nodes.
//!
//! The page's contract with its browser test (crates/cli/tests/browser.rs): the matrix is
//! `table#matrix`; a cell is `td.cell.v-KIND[data-scenario][data-design]` holding one
//! `button`; a click fills `section#detail` with `h2#detail-title` ("S under D"),
//! `pre.trace-text` and `svg.trace-diagram`, one of each per violated property when there are
//! several, each under `h3#ID-PROPERTY`, which the list of violated properties links to.
//! The twelve presets' columns fit a 1400 px wide window.

use crate::{condition_text, expect_line_text, short_verdict, xml_escape as esc, Cell, Row};
use pinlab_check::{Verdict, VerdictKind};
use pinlab_model::design::{Design, PRESETS};
use pinlab_model::property::Property;
use std::fmt::Write as _;

/// What a report is made of besides the checked rows.
pub struct ReportMeta<'a> {
    /// What the scenarios came from (`the embedded catalog`, or the paths given).
    pub source: &'a str,
    /// Each row's litmus text, in row order.
    pub texts: &'a [String],
    /// Wall-clock time of the checks, in seconds.
    pub seconds: f64,
    pub version: &'a str,
    /// The inputs that could not be read or parsed, by name: the report says at its top that
    /// they are missing from it, so a partial report does not pass for a whole one.
    pub failed: &'a [String],
}

/// A verdict's kind and symbol.
fn badge(v: &Verdict) -> (&'static str, &'static str) {
    (v.kind().name(), v.kind().symbol())
}

const STYLE: &str = r#"
:root { --safe:#dcfce7; --safe-b:#15803d; --unsafe:#fee2e2; --unsafe-b:#b91c1c; --hang:#fef9c3; --hang-b:#a16207;
  --refused:#e0e7ff; --refused-b:#4338ca; --revoked:#f3e8ff; --revoked-b:#7e22ce; --incomplete:#f3f4f6; --incomplete-b:#374151; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 16px 48px; color: #111827; }
h1 { font-size: 22px; margin: 18px 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; } h3 { font-size: 15px; margin: 16px 0 4px; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
nav a { margin-right: 14px; }
.failed { border: 2px solid var(--unsafe-b); background: var(--unsafe); padding: 6px 10px; }
.wrap { overflow-x: auto; max-width: 100%; border: 1px solid #e5e7eb; }
table#matrix { border-collapse: collapse; }
#matrix th, #matrix td { border: 1px solid #e5e7eb; padding: 0; }
#matrix thead th { position: sticky; top: 0; background: #f9fafb; font-size: 12px; padding: 4px 6px; writing-mode: vertical-rl; transform: rotate(180deg); text-align: left; height: 120px; }
#matrix th.scn { position: sticky; left: 0; background: #fff; text-align: left; padding: 2px 6px; font-weight: normal; font-size: 13px; white-space: nowrap; z-index: 1; }
#matrix thead th.scn { writing-mode: horizontal-tb; transform: none; z-index: 2; vertical-align: bottom; }
td.cell button { all: unset; box-sizing: border-box; display: block; width: 100%; padding: 3px 4px; cursor: pointer; white-space: normal;
  font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; border-left: 4px solid transparent; }
td.cell button:focus-visible { outline: 3px solid #2563eb; outline-offset: -3px; }
td.cell.selected button { outline: 3px solid #111827; outline-offset: -3px; }
td.v-safe button { background: var(--safe); border-left-color: var(--safe-b); }
td.v-unsafe button { background: var(--unsafe); border-left-color: var(--unsafe-b); }
td.v-hang button { background: var(--hang); border-left-color: var(--hang-b); }
td.v-refused button { background: var(--refused); border-left-color: var(--refused-b); }
td.v-revoked button { background: var(--revoked); border-left-color: var(--revoked-b); }
td.v-incomplete button { background: var(--incomplete); border-left-color: var(--incomplete-b); }
td.mismatch button { box-shadow: inset 0 0 0 2px #000; font-weight: bold; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 10px 0; font-size: 13px; }
.legend span.sw { display: inline-block; padding: 1px 8px; margin-right: 6px; font-family: ui-monospace, monospace; border-left: 4px solid; }
.sw.v-safe { background: var(--safe); border-color: var(--safe-b); } .sw.v-unsafe { background: var(--unsafe); border-color: var(--unsafe-b); }
.sw.v-hang { background: var(--hang); border-color: var(--hang-b); } .sw.v-refused { background: var(--refused); border-color: var(--refused-b); }
.sw.v-revoked { background: var(--revoked); border-color: var(--revoked-b); } .sw.v-incomplete { background: var(--incomplete); border-color: var(--incomplete-b); }
#detail { margin-top: 18px; padding: 12px 16px; border: 1px solid #d1d5db; border-radius: 6px; background: #fcfcfd; min-height: 60px; }
#detail .hint { color: #6b7280; }
.verdict { display: inline-block; padding: 2px 10px; border-left: 5px solid; font-family: ui-monospace, monospace; }
.verdict.v-safe { background: var(--safe); border-color: var(--safe-b); } .verdict.v-unsafe { background: var(--unsafe); border-color: var(--unsafe-b); }
.verdict.v-hang { background: var(--hang); border-color: var(--hang-b); } .verdict.v-refused { background: var(--refused); border-color: var(--refused-b); }
.verdict.v-revoked { background: var(--revoked); border-color: var(--revoked-b); } .verdict.v-incomplete { background: var(--incomplete); border-color: var(--incomplete-b); }
pre.trace-text { background: #f9fafb; border: 1px solid #e5e7eb; padding: 10px; overflow-x: auto; }
.diagram { overflow-x: auto; border: 1px solid #e5e7eb; background: #fff; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; } dl.kv dt { color: #4b5563; } dl.kv dd { margin: 0; }
.design { border-top: 1px solid #e5e7eb; padding-top: 6px; }
.counts span { margin-right: 12px; }
"#;

const SCRIPT: &str = r#"
(function () {
  var detail = document.getElementById('detail');
  var selected = null;
  function show(td) {
    var t = document.getElementById(td.getAttribute('data-detail'));
    if (!t) return;
    detail.replaceChildren(t.content.cloneNode(true));
    var src = document.getElementById(td.getAttribute('data-source'));
    if (src) detail.appendChild(src.content.cloneNode(true));
    if (selected) {
      selected.classList.remove('selected');
      var pb = selected.querySelector('button'); if (pb) pb.setAttribute('aria-pressed', 'false');
    }
    selected = td; td.classList.add('selected');
    var b = td.querySelector('button'); if (b) b.setAttribute('aria-pressed', 'true');
    history.replaceState(null, '', '#' + td.getAttribute('data-detail'));
    detail.scrollIntoView({ block: 'nearest' });
  }
  document.getElementById('matrix').addEventListener('click', function (e) {
    var td = e.target.closest('td.cell');
    if (td) show(td);
  });
  // `#c3-4` opens that cell; `#c3-4-durability`, that cell with its trace of a property in view:
  // on load, and when the fragment changes (a link, back and forward).
  function follow() {
    var h = location.hash.slice(1), parts = h.split('-');
    var td = document.querySelector('td.cell[data-detail="' + parts.slice(0, 2).join('-') + '"]');
    if (!td) return;
    if (td !== selected) show(td);
    var t = parts.length > 2 && document.getElementById(h);
    if (t) { history.replaceState(null, '', '#' + h); t.scrollIntoView(); }
  }
  follow();
  window.addEventListener('hashchange', follow);
})();
"#;

fn cell_detail(row: &Row, c: &Cell, id: &str) -> String {
    let sc = row.scenario;
    let r = &c.result;
    let (kind, sym) = badge(&r.verdict);
    let mut o = String::new();
    let _ = writeln!(o, r#"<template id="{id}">"#);
    let _ = writeln!(
        o,
        r#"<h2 id="detail-title">{} under {}</h2>"#,
        esc(&sc.name),
        esc(&c.design.name())
    );
    if let Some(d) = &sc.doc {
        let _ = writeln!(o, "<p>{}</p>", esc(d));
    }
    o.push_str(r#"<dl class="kv">"#);
    let _ = writeln!(
        o,
        r#"<dt>verdict</dt><dd><span class="verdict v-{kind}">{sym} {}</span></dd>"#,
        esc(&r.verdict.text())
    );
    let expect = expect_html(c);
    let _ = writeln!(o, "<dt>expected</dt><dd>{expect}</dd>");
    let props: Vec<Property> = r.violated.iter().collect();
    // Several properties violated: a trace each, linked from the list (`#ID-PROPERTY`).
    let per_property = props.len() > 1;
    violated_html(&mut o, &props, per_property, id);
    if let Some(ct) = condition_text(sc, r) {
        let _ = writeln!(
            o,
            "<dt>final condition</dt><dd><code>{}</code></dd>",
            esc(&ct)
        );
    }
    let st = &r.stats;
    let _ = writeln!(
        o,
        "<dt>explored</dt><dd>{} states, {} transitions, depth {}, {} final states{}</dd>",
        st.states,
        st.transitions,
        st.max_depth,
        st.final_states,
        if st.hung_states > 0 {
            format!(", {} hung", st.hung_states)
        } else {
            String::new()
        }
    );
    o.push_str("</dl>\n");
    traces_html(&mut o, row, c, &props, per_property, id);
    o.push_str("</template>\n");
    o
}

/// How the cell's result stands against the scenario's `expect` line for its design.
fn expect_html(c: &Cell) -> String {
    let r = &c.result;
    match c.expect {
        Some(e) if c.agrees() == Some(true) => format!(
            "agrees with <code>expect {}: {}</code> (line {})",
            esc(&e.design),
            esc(&expect_line_text(e)),
            e.pos.line
        ),
        Some(e) => {
            // Say which part disagrees when the verdict matches: the answer.
            let why = if r.verdict.matches(&e.verdict) {
                format!(
                    ": the model answers {}",
                    r.condition
                        .as_ref()
                        .map_or("nothing", |cr| cr.answer.text())
                )
            } else {
                String::new()
            };
            format!(
                "<strong>disagrees</strong> with <code>expect {}: {}</code> (line {}){why}",
                esc(&e.design),
                esc(&expect_line_text(e)),
                e.pos.line
            )
        }
        None => "no expect line for this design".into(),
    }
}

/// The properties violated, each with its meaning; linked to its own trace when there are several.
fn violated_html(o: &mut String, props: &[Property], per_property: bool, id: &str) {
    if props.is_empty() {
        o.push_str("<dt>properties violated</dt><dd>none</dd>\n");
    } else {
        o.push_str("<dt>properties violated</dt><dd><ul>");
        for p in props {
            if per_property {
                let _ = write!(
                    o,
                    "<li><a href=\"#{id}-{n}\"><code>{n}</code></a>: {}</li>",
                    esc(p.meaning()),
                    n = p.name(),
                );
            } else {
                let _ = write!(
                    o,
                    "<li><code>{}</code>: {}</li>",
                    p.name(),
                    esc(p.meaning())
                );
            }
        }
        o.push_str("</ul></dd>\n");
    }
}

/// The shortest trace (one per property when several are violated), as text and as a sequence
/// diagram, or why there is nothing to explain.
fn traces_html(
    o: &mut String,
    row: &Row,
    c: &Cell,
    props: &[Property],
    per_property: bool,
    id: &str,
) {
    let (sc, r) = (row.scenario, &c.result);
    let traces: Vec<_> = if per_property {
        props
            .iter()
            .filter_map(|p| crate::designs_doc::explanation(sc, c.design, r, Some(*p)))
            .collect()
    } else {
        crate::designs_doc::explanation(sc, c.design, r, None)
            .into_iter()
            .collect()
    };
    for x in &traces {
        match x.property.filter(|_| per_property) {
            Some(p) => {
                let _ = writeln!(
                    o,
                    "<h3 id=\"{id}-{n}\">Trace: <code>{n}</code></h3><p class=\"mono\">pinlab explain {} --design {} -p {n}</p>",
                    esc(&sc.source),
                    esc(&c.design.name()),
                    n = p.name(),
                );
            }
            None => {
                let _ = writeln!(
                    o,
                    "<h3>Trace</h3><p class=\"mono\">pinlab explain {} --design {}</p>",
                    esc(&sc.source),
                    esc(&c.design.name())
                );
            }
        }
        let _ = writeln!(
            o,
            r#"<pre class="trace-text">{}</pre>"#,
            esc(&crate::explain_text(x))
        );
        o.push_str("<h3>Sequence diagram</h3><div class=\"diagram\">\n");
        o.push_str(&crate::diagram::explain_svg(x));
        o.push_str("</div>\n");
    }
    if traces.is_empty() {
        let why = crate::nothing_to_explain(r);
        let _ = writeln!(
            o,
            "<p class=\"hint\">{}{}.</p>",
            why[..1].to_uppercase(),
            esc(&why[1..])
        );
    }
}

/// A scenario's litmus text, shown under each of its cells' details (one copy per scenario,
/// not per cell: the catalog's commented sources are most of a report's bytes otherwise).
fn source_template(sc_source: &str, text: &str, id: &str) -> String {
    format!(
        "<template id=\"{id}\"><details><summary>litmus source ({})</summary><pre>{}</pre></details></template>\n",
        esc(sc_source),
        esc(text)
    )
}

fn design_section(d: &Design, rows: &[Row], col: usize) -> String {
    let mut o = String::new();
    let name = d.name();
    let _ = writeln!(
        o,
        r#"<div class="design" id="design-{}"><h3>{}</h3>"#,
        esc(&name),
        esc(&name)
    );
    let preset = d.preset.and_then(|p| PRESETS.iter().find(|q| q.name == p));
    o.push_str(r#"<dl class="kv">"#);
    if let Some(p) = preset {
        let _ = write!(
            o,
            "<dt>source</dt><dd>{}</dd><dt>mechanism</dt><dd>{}</dd>",
            esc(p.source),
            esc(p.mechanism)
        );
    }
    let _ = write!(
        o,
        "<dt>tracking</dt><dd><code>{}</code>: {} <em>({})</em></dd>",
        esc(d.tracking.name),
        esc(d.tracking.summary),
        esc(d.tracking.seed)
    );
    let _ = write!(
        o,
        "<dt>handling</dt><dd><code>{}</code>: {} <em>({})</em></dd>",
        esc(d.handling.name),
        esc(d.handling.summary),
        esc(d.handling.seed)
    );
    o.push_str("</dl>\n<p class=\"counts\">");
    // The legend's order (VerdictKind::ALL), a CSS class and a word for each kind.
    for k in VerdictKind::ALL {
        let kind = k.name();
        let n = rows
            .iter()
            .filter_map(|r| r.cells.get(col))
            .filter(|c| c.result.verdict.kind() == k)
            .count();
        if n > 0 {
            let _ = write!(o, "<span>{kind}: {n}</span>");
        }
    }
    o.push_str("</p></div>\n");
    o
}

/// The whole report.
pub fn report_html(rows: &[Row], designs: &[Design], meta: &ReportMeta) -> String {
    let mut o = String::new();
    head(&mut o, rows, designs, meta);
    legend(&mut o);
    let templates = matrix(&mut o, rows, designs, meta);
    o.push_str("<section id=\"designs\"><h2>Designs</h2>\n<p>Each design is a way of tracking pinned pages combined with a way of handling them; the presets are the designs the seed threads proposed, and <code>upstream</code> is Linux as it is.</p>\n");
    for (i, d) in designs.iter().enumerate() {
        o.push_str(&design_section(d, rows, i));
    }
    o.push_str("</section>\n");

    statistics(&mut o, rows, designs, meta);
    o.push_str(&templates);
    let _ = writeln!(o, "<script>{SCRIPT}</script>\n</body>\n</html>");
    o
}

/// The document's head, title and introduction, with the inputs that failed.
fn head(o: &mut String, rows: &[Row], designs: &[Design], meta: &ReportMeta) {
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        o,
        "<title>pinlab report: {} scenarios × {} designs</title>",
        rows.len(),
        designs.len()
    );
    let _ = writeln!(o, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(
        o,
        "<h1>pinlab: get_user_pages() pins on file-backed pages</h1>\n<p>Every design × every scenario of {}, checked over all interleavings. Click a cell for its verdict, the properties violated, the final condition's answer and the shortest trace, as text and as a sequence diagram.</p>",
        esc(meta.source)
    );
    if !meta.failed.is_empty() {
        let n = meta.failed.len();
        let _ = writeln!(
            o,
            "<p class=\"failed\" role=\"alert\"><strong>{n} input{} could not be read or parsed</strong> and {} not in this report: {}.</p>",
            if n == 1 { "" } else { "s" },
            if n == 1 { "is" } else { "are" },
            meta.failed
                .iter()
                .map(|f| format!("<code>{}</code>", esc(f)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    o.push_str("<nav><a href=\"#matrix-section\">matrix</a><a href=\"#designs\">designs</a><a href=\"#statistics\">statistics</a></nav>\n");
}

/// The legend: each verdict kind's symbol, colour and words (so it reads in greyscale too), and
/// the properties' abbreviations.
fn legend(o: &mut String) {
    o.push_str(
        "<section id=\"matrix-section\"><h2>Designs × scenarios</h2>\n<div class=\"legend\">",
    );
    for k in VerdictKind::ALL {
        let (kind, sym, words) = (k.name(), k.symbol(), k.meaning());
        let _ = write!(
            o,
            r#"<span><span class="sw v-{kind}">{sym} {kind}</span>{}</span>"#,
            esc(words)
        );
    }
    o.push_str("</div>\n<div class=\"legend\">");
    for p in Property::ALL {
        if p != Property::BoundedWait {
            let _ = write!(
                o,
                "<span><code>{}</code> {}</span>",
                crate::abbrev(p),
                p.name()
            );
        }
    }
    o.push_str("<span><strong>!</strong> and a black frame: the verdict or the condition's answer disagrees with the scenario's <code>expect</code> line; <strong>?</strong>: no expect line</span></div>\n");
}

/// The matrix, a row per scenario and a cell per design; returns the templates of every cell's
/// detail and every scenario's source, which the page shows on a click.
fn matrix(o: &mut String, rows: &[Row], designs: &[Design], meta: &ReportMeta) -> String {
    o.push_str(
        "<div class=\"wrap\"><table id=\"matrix\">\n<thead><tr><th class=\"scn\">scenario</th>",
    );
    for d in designs {
        let _ = write!(
            o,
            r##"<th scope="col"><a href="#design-{n}">{n}</a></th>"##,
            n = esc(&d.name())
        );
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    let mut templates = String::new();
    for (ri, row) in rows.iter().enumerate() {
        let sc = row.scenario;
        let _ = write!(
            o,
            r#"<tr><th class="scn" scope="row" title="{}">{}</th>"#,
            esc(sc.doc.as_deref().unwrap_or("")),
            esc(&sc.name)
        );
        for (ci, c) in row.cells.iter().enumerate() {
            let (kind, sym) = badge(&c.result.verdict);
            let id = format!("c{ri}-{ci}");
            let (mark, cls) = match c.agrees() {
                Some(false) => ("!", " mismatch"),
                None => ("?", ""),
                Some(true) => ("", ""),
            };
            let _ = write!(
                o,
                r#"<td class="cell v-{kind}{cls}" data-scenario="{}" data-design="{}" data-detail="{id}" data-source="s{ri}"><button type="button" aria-pressed="false" title="{} under {}: {}">{sym}&nbsp;{}{mark}</button></td>"#,
                esc(&sc.name),
                esc(&c.design.name()),
                esc(&sc.name),
                esc(&c.design.name()),
                esc(&c.result.verdict.text()),
                // Twelve columns fit 1400 px: `unsafe(MC,SW,DU)` may wrap before its list and
                // after each comma, never between the symbol and the kind.
                esc(&short_verdict(&c.result.verdict))
                    .replace('(', "<wbr>(")
                    .replace(',', ",<wbr>"),
            );
            templates.push_str(&cell_detail(row, c, &id));
        }
        let text = meta.texts.get(ri).map(String::as_str).unwrap_or("");
        templates.push_str(&source_template(&sc.source, text, &format!("s{ri}")));
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody></table></div>\n");
    o.push_str("<section id=\"detail\" aria-live=\"polite\"><p class=\"hint\">Click a cell of the matrix to see its verdict and trace here.</p></section>\n</section>\n");

    templates
}

/// The run's statistics: checks, states, memory, expect-line agreement, limits hit, time.
fn statistics(o: &mut String, rows: &[Row], designs: &[Design], meta: &ReportMeta) {
    let (states, transitions) = crate::totals(rows);
    let checks: usize = rows.iter().map(|r| r.cells.len()).sum();
    let mismatches = rows
        .iter()
        .flat_map(|r| &r.cells)
        .filter(|c| c.agrees() == Some(false))
        .count();
    let judged = rows
        .iter()
        .flat_map(|r| &r.cells)
        .filter(|c| c.agrees().is_some())
        .count();
    let incomplete = rows
        .iter()
        .flat_map(|r| &r.cells)
        .filter(|c| !c.result.complete)
        .count();
    let bytes: usize = rows
        .iter()
        .flat_map(|r| &r.cells)
        .map(|c| c.result.stats.bytes)
        .sum();
    o.push_str("<section id=\"statistics\"><h2>Run statistics</h2>\n<dl class=\"kv\">");
    let _ = write!(
        o,
        "<dt>scenarios</dt><dd>{}</dd><dt>designs</dt><dd>{}</dd><dt>checks</dt><dd>{checks}</dd>\
         <dt>states explored</dt><dd>{states}</dd><dt>transitions</dt><dd>{transitions}</dd>\
         <dt>peak bytes the checks held (visited sets, path nodes, frontiers; summed)</dt><dd>{bytes}</dd>\
         <dt>checks judged by expect lines</dt><dd>{judged}, of which {mismatches} disagree</dd>\
         <dt>checks cut short by a limit</dt><dd>{incomplete}</dd>\
         <dt>time</dt><dd>{:.3} s ({:.0} states/s, wall clock)</dd><dt>pinlab</dt><dd>{}</dd>",
        rows.len(),
        designs.len(),
        meta.seconds,
        states as f64 / meta.seconds.max(1e-9),
        esc(meta.version)
    );
    o.push_str("</dl></section>\n");
}
