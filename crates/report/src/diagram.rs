//! The sequence diagram of an `explain` trace (`pinlab explain --format svg`, and every trace in
//! `pinlab report`): the ASCII timeline kernel developers draw in mail, as a picture.
//!
//! Time runs down. There is one lane per thread and per device the trace uses, one per page
//! frame (struct page: owner, flags, refcount and pins, the PTEs that map it) and one per disk
//! block. Each model call of a step is one row: an arrow from the lane that acts to the lane the
//! call touches, labelled with the call as the trace prints it (kernel function names), or a
//! note on the acting lane when it touches neither a page nor a block. After each step the
//! page and block lanes show their new state where it changed. The step that broke the
//! explained property is highlighted with the property's one-line meaning.
//!
//! Which lanes a call touches and which arrow it draws come from the call as data
//! (`pinlab_model::trace::Call`: the frames and blocks it touches, its arrow kind), never from
//! its sentence, which is only the arrow's label: rewording a trace line changes a label, not
//! the picture.
//!
//! Only SVG attributes, no `<style>`, no `id`s: the picture survives being pasted into a
//! document or inlined many times in one HTML page.

use crate::views::{block_view, page_view, OwnerKind};
use crate::{xml_escape as escape, Explanation};
use pinlab_check::Verdict;
use pinlab_model::property::Property;
use pinlab_model::scenario::Op;
use pinlab_model::state::State;
use pinlab_model::trace::{Arrow, Call};
use pinlab_model::World;
use std::fmt::Write as _;

const FONT: f64 = 12.0;
/// Advance of one character of the monospace font, in px (0.6 em, true of the common ones).
const CW: f64 = FONT * 0.6;
const LINE: f64 = 15.0;
const GUTTER: f64 = 44.0;
const LANE_MIN: f64 = 150.0;
const LANE_PAD: f64 = 24.0;
const MARGIN: f64 = 16.0;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum LaneKind {
    Thread,
    Device,
    Page,
    Disk,
}

struct Lane {
    kind: LaneKind,
    /// Thread or device index, frame number or block number.
    id: usize,
    title: String,
    sub: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ArrowKind {
    /// A kernel call on a page or block.
    Call,
    /// DMA by a device into or out of a frame.
    Dma,
    /// Writeback: the bio is submitted (page to disk) or completes (disk to page).
    Submit,
    Complete,
    /// The filesystem's ->page_mkwrite, called from the write fault.
    Mkwrite,
}

impl ArrowKind {
    fn colour(self) -> &'static str {
        match self {
            ArrowKind::Call => "#374151",
            ArrowKind::Dma => "#c2410c",
            ArrowKind::Submit | ArrowKind::Complete => "#1d4ed8",
            ArrowKind::Mkwrite => "#15803d",
        }
    }
    /// Dash patterns tell the kinds apart without colour.
    fn dash(self) -> Option<&'static str> {
        match self {
            ArrowKind::Call => None,
            ArrowKind::Dma => Some("8 3 2 3"),
            ArrowKind::Submit => Some("6 3"),
            ArrowKind::Complete => Some("2 3"),
            ArrowKind::Mkwrite => None,
        }
    }
    fn width(self) -> f64 {
        match self {
            ArrowKind::Dma | ArrowKind::Mkwrite => 2.2,
            _ => 1.3,
        }
    }
}

enum Item {
    Head {
        lane: usize,
        text: String,
    },
    Arrow {
        from: usize,
        to: usize,
        label: String,
        kind: ArrowKind,
    },
    Note {
        lane: usize,
        text: String,
    },
    /// New states of page and disk lanes: per lane, its lines and whether each changed.
    States(Vec<(usize, Vec<(String, bool)>)>),
    /// A highlighted callout across the diagram.
    Callout(Vec<String>),
    /// A property violated in passing (not the one explained).
    Remark(String),
}

struct Band {
    step: Option<usize>,
    highlight: bool,
    items: Vec<Item>,
}

/// The frames a call touches, in the order it names them.
fn frames_of(c: &Call) -> impl Iterator<Item = usize> + '_ {
    c.frames().map(usize::from)
}

/// The disk blocks a call touches, in the order it names them.
fn blocks_of(c: &Call) -> impl Iterator<Item = usize> + '_ {
    c.blocks().map(usize::from)
}

/// A page lane's state box: owner and content, flags, references, PTEs.
fn frame_lines(w: &World, s: &State, fr: usize) -> Vec<String> {
    let Some(v) = page_view(w, s, fr) else {
        return vec!["no page yet".into()];
    };
    let fp = v.file_page();
    // Shorter than the text trace's owner sentences (`World::owner_text`): a box is narrow.
    let owner = match v.owner {
        OwnerKind::Free => return vec!["free".into()],
        OwnerKind::Cache => format!("{fp} (page cache)"),
        OwnerKind::Orphan => format!("orphan of {fp}"),
        OwnerKind::Anon => "anonymous".into(),
        OwnerKind::Bounce => format!("bounce for {fp}"),
        OwnerKind::Dax => format!("pmem of {fp}"),
        OwnerKind::DaxFree => "pmem, free".into(),
    };
    let ptes: Vec<String> = v
        .ptes
        .iter()
        .map(|p| {
            format!(
                "{}[{}] {}",
                p.map,
                p.page,
                if p.writable { "rw" } else { "ro" }
            )
        })
        .collect();
    vec![
        format!("{owner} = {}", v.content),
        v.flags_text(),
        format!("refcount {} · pins {}", v.refcount, v.pins),
        if ptes.is_empty() {
            "PTE: none".into()
        } else {
            format!("PTE {}", ptes.join(", "))
        },
    ]
}

/// A disk lane's state box. On fs-DAX the content is the frame's, shown on the page lane.
fn block_lines(w: &World, s: &State, b: usize) -> Vec<String> {
    let v = block_view(w, s, b);
    let used = if v.used { "in use" } else { "free" }.to_string();
    match v.content {
        Some(c) => vec![format!("= {c}"), used],
        None => vec![used],
    }
}

fn lane_lines(w: &World, s: &State, l: &Lane) -> Vec<String> {
    match l.kind {
        LaneKind::Page => frame_lines(w, s, l.id),
        LaneKind::Disk => block_lines(w, s, l.id),
        _ => Vec::new(),
    }
}

/// The device a DMA op acts through, if the op is one.
fn dma_device(w: &World, op: &Op) -> Option<usize> {
    match *op {
        Op::DmaWrite { handle, .. } | Op::DmaRead { handle, .. } => Some(w.handle_device(handle)),
        _ => None,
    }
}

fn text_w(s: &str) -> f64 {
    s.chars().count() as f64 * CW
}

/// The lanes and rows of a trace.
struct Plan {
    title: String,
    subtitle: String,
    lanes: Vec<Lane>,
    bands: Vec<Band>,
}

fn plan(x: &Explanation) -> Plan {
    let sc = x.scenario;
    let w = World::new(sc, x.design);
    let init = w.init();
    let states: Vec<&State> = std::iter::once(&init)
        .chain(x.steps.iter().map(|s| &s.after))
        .collect();

    // Lanes: every thread, the devices DMA ops use, then every frame and block the trace names
    // or changes.
    // A filesystem's kernel thread gets a lane when it ran in the trace; a thread's lane is
    // its index either way (kernel threads come after the litmus threads).
    let mut lanes: Vec<Lane> = (0..sc.actors())
        .filter(|&i| i < sc.threads.len() || x.steps.iter().any(|st| st.thread == i))
        .map(|i| Lane {
            kind: LaneKind::Thread,
            id: i,
            title: sc.actor_name(i).to_string(),
            sub: if i < sc.threads.len() {
                "thread".into()
            } else {
                "kernel thread".into()
            },
        })
        .collect();
    // Every device the trace pins through or DMAs with.
    let mut devices: Vec<usize> = x
        .steps
        .iter()
        .filter_map(
            |st| match sc.threads.get(st.thread).map(|t| t.ops[st.op].op) {
                Some(Op::Pin { device, .. }) => Some(device),
                Some(ref op) => dma_device(&w, op),
                None => None,
            },
        )
        .collect();
    devices.sort();
    devices.dedup();
    for d in devices {
        lanes.push(Lane {
            kind: LaneKind::Device,
            id: d,
            title: sc.devices[d].name.clone(),
            sub: format!("device ({})", sc.devices[d].kind.name()),
        });
    }
    let mut frames = Vec::new();
    let mut blocks = Vec::new();
    for (i, st) in x.steps.iter().enumerate() {
        for c in &st.calls {
            frames.extend(frames_of(c));
            blocks.extend(blocks_of(c));
        }
        let (a, b) = (states[i], states[i + 1]);
        frames.extend((0..b.frames.len()).filter(|&f| a.frames.get(f) != b.frames.get(f)));
        blocks.extend((0..b.blocks.len()).filter(|&k| a.blocks.get(k) != b.blocks.get(k)));
    }
    // Frames are allocated as the trace goes; a frame a call names that no state has (the
    // zero page's NONE) has no lane to draw on.
    let most_frames = states.iter().map(|s| s.frames.len()).max().unwrap_or(0);
    frames.retain(|&f| f < most_frames);
    blocks.retain(|&b| b < init.blocks.len());
    frames.sort();
    frames.dedup();
    blocks.sort();
    blocks.dedup();
    for f in frames {
        lanes.push(Lane {
            kind: LaneKind::Page,
            id: f,
            title: format!("page #{f}"),
            sub: "struct page".into(),
        });
    }
    for b in blocks {
        lanes.push(Lane {
            kind: LaneKind::Disk,
            id: b,
            title: format!("disk block {b}"),
            sub: "storage".into(),
        });
    }
    let lane_of =
        |kind: LaneKind, id: usize| lanes.iter().position(|l| l.kind == kind && l.id == id);

    let mut bands = Vec::new();
    // The initial state of every page and block lane.
    let first: Vec<(usize, Vec<(String, bool)>)> = lanes
        .iter()
        .enumerate()
        .filter(|(_, l)| matches!(l.kind, LaneKind::Page | LaneKind::Disk))
        .map(|(i, l)| {
            (
                i,
                lane_lines(&w, &init, l)
                    .into_iter()
                    .map(|t| (t, false))
                    .collect(),
            )
        })
        .collect();
    if !first.is_empty() {
        bands.push(Band {
            step: None,
            highlight: false,
            items: vec![Item::States(first)],
        });
    }
    let explained = x.property;
    let mut highlighted = false;
    for (i, st) in x.steps.iter().enumerate() {
        let thread_lane = lane_of(LaneKind::Thread, st.thread).expect("a lane per thread");
        let op = sc.threads.get(st.thread).map(|t| t.ops[st.op].op);
        let actor = op
            .and_then(|op| dma_device(&w, &op))
            .and_then(|d| lane_of(LaneKind::Device, d))
            .unwrap_or(thread_lane);
        let mut items = vec![Item::Head {
            lane: thread_lane,
            text: match sc.op_line(st.thread, st.op) {
                Some(line) => format!("{}   (line {line})", sc.step_text(st.thread, st.op)),
                None => sc.step_text(st.thread, st.op),
            },
        }];
        // ->page_mkwrite touches the file page, not a frame: its arrow goes to the page the
        // fault is on, the frame the step last touched (or touches next).
        let mut last_frame: Option<usize> = None;
        let frames_in_step: Vec<usize> = st.calls.iter().flat_map(frames_of).collect();
        for call in &st.calls {
            let fr = frames_of(call).next();
            let blk = blocks_of(call).next();
            let page_lane = fr.and_then(|f| lane_of(LaneKind::Page, f));
            let disk_lane = blk.and_then(|b| lane_of(LaneKind::Disk, b));
            let c = &call.text;
            let item = if call.arrow == Arrow::PageMkwrite {
                let target = last_frame.or_else(|| frames_in_step.first().copied());
                match target.and_then(|f| lane_of(LaneKind::Page, f)) {
                    Some(to) => Item::Arrow {
                        from: thread_lane,
                        to,
                        label: c.clone(),
                        kind: ArrowKind::Mkwrite,
                    },
                    None => Item::Note {
                        lane: thread_lane,
                        text: c.clone(),
                    },
                }
            } else if matches!(call.arrow, Arrow::DmaRead | Arrow::DmaWrite) {
                match page_lane {
                    Some(to) => Item::Arrow {
                        from: actor,
                        to,
                        label: c.clone(),
                        kind: ArrowKind::Dma,
                    },
                    None => Item::Note {
                        lane: actor,
                        text: c.clone(),
                    },
                }
            } else if call.arrow == Arrow::BioComplete {
                match (disk_lane, page_lane) {
                    (Some(from), Some(to)) => Item::Arrow {
                        from,
                        to,
                        label: c.clone(),
                        kind: ArrowKind::Complete,
                    },
                    _ => Item::Note {
                        lane: thread_lane,
                        text: c.clone(),
                    },
                }
            } else {
                match (page_lane, disk_lane) {
                    (Some(from), Some(to)) if call.arrow == Arrow::BioSubmit => Item::Arrow {
                        from,
                        to,
                        label: c.clone(),
                        kind: ArrowKind::Submit,
                    },
                    (Some(to), _) | (None, Some(to)) => Item::Arrow {
                        from: actor,
                        to,
                        label: c.clone(),
                        kind: ArrowKind::Call,
                    },
                    (None, None) => Item::Note {
                        lane: actor,
                        text: c.clone(),
                    },
                }
            };
            if fr.is_some() {
                last_frame = fr;
            }
            items.push(item);
        }
        let (a, b) = (states[i], states[i + 1]);
        let changed: Vec<(usize, Vec<(String, bool)>)> = lanes
            .iter()
            .enumerate()
            .filter(|(_, l)| matches!(l.kind, LaneKind::Page | LaneKind::Disk))
            .filter_map(|(li, l)| {
                let (old, new) = (lane_lines(&w, a, l), lane_lines(&w, b, l));
                (old != new).then(|| {
                    let lines = new
                        .iter()
                        .enumerate()
                        .map(|(k, t)| (t.clone(), old.get(k) != Some(t)))
                        .collect();
                    (li, lines)
                })
            })
            .collect();
        if !changed.is_empty() {
            items.push(Item::States(changed));
        }
        let mut highlight = false;
        for (p, why) in &st.violations {
            if Some(*p) == explained && !highlighted {
                highlight = true;
                items.push(Item::Callout(vec![
                    format!("{} violated: {}", p.name(), p.meaning()),
                    why.clone(),
                ]));
            } else {
                items.push(Item::Remark(format!("{}: {why}", p.name())));
            }
        }
        if explained.is_none() && !highlighted {
            if st.refused {
                highlight = true;
                items.push(Item::Callout(vec![format!(
                    "pin refused: {} does not let the application have this pin",
                    x.design.name()
                )]));
            } else if a
                .handles
                .iter()
                .zip(&b.handles)
                .any(|(h0, h1)| h1.revoked && !h0.revoked)
            {
                highlight = true;
                items.push(Item::Callout(vec![format!(
                    "access revoked: {} takes the pages away from the device",
                    x.design.name()
                )]));
            }
        }
        highlighted |= highlight;
        bands.push(Band {
            step: Some(i + 1),
            highlight,
            items,
        });
    }
    if !x.waiting.is_empty() {
        let mut items = Vec::new();
        for &(t, op) in &x.waiting {
            let od = &sc.threads[t].ops[op];
            items.push(Item::Note {
                lane: t,
                text: format!(
                    "waits forever in `{}` (line {})",
                    sc.op_text(&od.op),
                    od.pos.line
                ),
            });
        }
        items.push(Item::Callout(vec![format!(
            "{} violated: {}",
            Property::BoundedWait.name(),
            Property::BoundedWait.meaning()
        )]));
        bands.push(Band {
            step: None,
            highlight: true,
            items,
        });
    }
    let subtitle = match x.property {
        Some(p) => format!("shortest execution violating {}: {}", p.name(), p.meaning()),
        None if x.verdict == Verdict::Revoked => {
            "shortest execution in which the design revokes a device's access".into()
        }
        None => "shortest execution in which the design refuses a pin".into(),
    };
    Plan {
        title: format!(
            "{} under {}: {}",
            sc.name,
            x.design.name(),
            x.verdict.text()
        ),
        subtitle,
        lanes,
        bands,
    }
}

/// The trace as a standalone SVG document.
pub fn explain_svg(x: &Explanation) -> String {
    render(&plan(x))
}

fn box_w(lines: &[(String, bool)]) -> f64 {
    lines.iter().map(|(t, _)| text_w(t)).fold(0.0, f64::max) + 12.0
}

fn render(p: &Plan) -> String {
    // Lane widths: wide enough for the title and every box drawn on the lane.
    let mut lane_w: Vec<f64> = p
        .lanes
        .iter()
        .map(|l| (text_w(&l.title).max(text_w(&l.sub)) + 16.0).max(LANE_MIN))
        .collect();
    for b in &p.bands {
        for it in &b.items {
            match it {
                Item::Head { lane, text } => {
                    lane_w[*lane] = lane_w[*lane].max(text_w(text) + 16.0 + LANE_PAD)
                }
                Item::States(v) => {
                    for (lane, lines) in v {
                        lane_w[*lane] = lane_w[*lane].max(box_w(lines) + LANE_PAD);
                    }
                }
                _ => {}
            }
        }
    }
    let mut x = Vec::new();
    let mut cur = MARGIN + GUTTER;
    for w in &lane_w {
        x.push(cur + w / 2.0);
        cur += w;
    }
    let lanes_right = cur;
    // The width must also hold every arrow label and note, which start at their lane.
    let mut width = lanes_right + MARGIN;
    for b in &p.bands {
        for it in &b.items {
            let right = match it {
                Item::Arrow {
                    from, to, label, ..
                } => label_left(x[*from], x[*to], text_w(label), lanes_right) + text_w(label),
                Item::Note { lane, text } => {
                    let w = text_w(text) + 12.0;
                    note_left(x[*lane], w) + w
                }
                Item::Callout(lines) => MARGIN + GUTTER + 16.0 + lines_w(lines),
                Item::Remark(t) => MARGIN + GUTTER + 16.0 + text_w(t),
                _ => 0.0,
            };
            width = width.max(right + 2.0 * MARGIN);
        }
    }
    width = width.max(text_w(&p.title) * 14.0 / 12.0 + 2.0 * MARGIN);
    width = width.max(text_w(&p.subtitle) + 2.0 * MARGIN);

    let mut body = String::new();
    let mut y = MARGIN + 16.0;
    let _ = writeln!(
        body,
        r##"<text x="{MARGIN}" y="{y:.1}" font-size="14" font-weight="bold">{}</text>"##,
        escape(&p.title)
    );
    y += 18.0;
    let _ = writeln!(
        body,
        r##"<text x="{MARGIN}" y="{y:.1}" fill="#374151">{}</text>"##,
        escape(&p.subtitle)
    );
    y += 16.0;
    // Lane headers.
    let head_top = y;
    for (i, l) in p.lanes.iter().enumerate() {
        let (fill, stroke) = match l.kind {
            LaneKind::Thread => ("#eef2ff", "#4338ca"),
            LaneKind::Device => ("#fff7ed", "#c2410c"),
            LaneKind::Page => ("#f0fdf4", "#15803d"),
            LaneKind::Disk => ("#eff6ff", "#1d4ed8"),
        };
        let w = lane_w[i] - 12.0;
        let _ = writeln!(
            body,
            r##"<rect x="{:.1}" y="{head_top:.1}" width="{w:.1}" height="36" rx="4" fill="{fill}" stroke="{stroke}"/>"##,
            x[i] - w / 2.0
        );
        let _ = writeln!(
            body,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-weight="bold">{}</text>"##,
            x[i],
            head_top + 15.0,
            escape(&l.title)
        );
        let _ = writeln!(
            body,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="10" fill="#4b5563">{}</text>"##,
            x[i],
            head_top + 29.0,
            escape(&l.sub)
        );
    }
    y = head_top + 36.0 + 10.0;
    let lifeline_top = y - 10.0;
    let mut fg = String::new();
    let mut bg = String::new();
    for b in &p.bands {
        let top = y;
        y += 4.0;
        for it in &b.items {
            match it {
                Item::Head { lane, text } => {
                    let w = text_w(text) + 16.0;
                    let _ = writeln!(
                        fg,
                        r##"<rect x="{:.1}" y="{:.1}" width="{w:.1}" height="20" rx="3" fill="#ffffff" stroke="#4338ca" stroke-width="1.5"/>"##,
                        x[*lane] - w / 2.0,
                        y
                    );
                    let _ = writeln!(
                        fg,
                        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-weight="bold">{}</text>"##,
                        x[*lane],
                        y + 14.0,
                        escape(text)
                    );
                    if let Some(n) = b.step {
                        let _ = writeln!(
                            fg,
                            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" font-weight="bold" fill="#6b7280">{n}</text>"##,
                            MARGIN + GUTTER - 10.0,
                            y + 14.0
                        );
                    }
                    y += 26.0;
                }
                Item::Arrow {
                    from,
                    to,
                    label,
                    kind,
                } => {
                    let (x1, x2) = (x[*from], x[*to]);
                    let ly = y + 11.0;
                    let ay = y + 17.0;
                    let _ = writeln!(
                        fg,
                        r##"<text x="{:.1}" y="{ly:.1}" fill="{}" stroke="#ffffff" stroke-width="3" paint-order="stroke">{}</text>"##,
                        label_left(x1, x2, text_w(label), lanes_right),
                        kind.colour(),
                        escape(label)
                    );
                    let dash = kind
                        .dash()
                        .map(|d| format!(r#" stroke-dasharray="{d}""#))
                        .unwrap_or_default();
                    let dir = if x2 >= x1 { 1.0 } else { -1.0 };
                    let tip = x2 - dir * 2.0;
                    let _ = writeln!(
                        fg,
                        r##"<line x1="{:.1}" y1="{ay:.1}" x2="{:.1}" y2="{ay:.1}" stroke="{}" stroke-width="{}"{dash}/>"##,
                        x1,
                        tip - dir * 6.0,
                        kind.colour(),
                        kind.width()
                    );
                    let _ = writeln!(
                        fg,
                        r##"<path d="M{:.1},{ay:.1} l{:.1},-4.5 v9 z" fill="{}"/>"##,
                        tip,
                        -dir * 9.0,
                        kind.colour()
                    );
                    y += 24.0;
                }
                Item::Note { lane, text } => {
                    let w = text_w(text) + 12.0;
                    let left = note_left(x[*lane], w);
                    let _ = writeln!(
                        fg,
                        r##"<rect x="{left:.1}" y="{:.1}" width="{w:.1}" height="18" fill="#f9fafb" stroke="#9ca3af" stroke-dasharray="3 2"/>"##,
                        y
                    );
                    let _ = writeln!(
                        fg,
                        r##"<text x="{:.1}" y="{:.1}" fill="#374151">{}</text>"##,
                        left + 6.0,
                        y + 13.0,
                        escape(text)
                    );
                    y += 24.0;
                }
                Item::States(v) => {
                    let rows = v.iter().map(|(_, l)| l.len()).max().unwrap_or(1);
                    let h = rows as f64 * LINE + 8.0;
                    for (lane, lines) in v {
                        let w = box_w(lines);
                        let _ = writeln!(
                            fg,
                            r##"<rect x="{:.1}" y="{:.1}" width="{w:.1}" height="{:.1}" rx="2" fill="#ffffff" stroke="#6b7280"/>"##,
                            x[*lane] - w / 2.0,
                            y,
                            lines.len() as f64 * LINE + 8.0
                        );
                        for (k, (t, changed)) in lines.iter().enumerate() {
                            let weight = if *changed {
                                r##" font-weight="bold" fill="#111827""##
                            } else {
                                r##" fill="#4b5563""##
                            };
                            let _ = writeln!(
                                fg,
                                r##"<text x="{:.1}" y="{:.1}"{weight}>{}</text>"##,
                                x[*lane] - w / 2.0 + 6.0,
                                y + 4.0 + LINE * (k as f64 + 1.0) - 3.0,
                                escape(t)
                            );
                        }
                    }
                    y += h + 6.0;
                }
                Item::Callout(lines) => {
                    let h = lines.len() as f64 * LINE + 10.0;
                    let w = lines_w(lines) + 16.0;
                    let _ = writeln!(
                        fg,
                        r##"<rect x="{:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" rx="4" fill="#fee2e2" stroke="#b91c1c" stroke-width="1.5"/>"##,
                        MARGIN + GUTTER + 8.0
                    );
                    for (k, t) in lines.iter().enumerate() {
                        let bold = if k == 0 { r#" font-weight="bold""# } else { "" };
                        let _ = writeln!(
                            fg,
                            r##"<text x="{:.1}" y="{:.1}" fill="#7f1d1d"{bold}>{}</text>"##,
                            MARGIN + GUTTER + 16.0,
                            y + 5.0 + LINE * (k as f64 + 1.0) - 3.0,
                            escape(t)
                        );
                    }
                    y += h + 6.0;
                }
                Item::Remark(t) => {
                    let _ = writeln!(
                        fg,
                        r##"<text x="{:.1}" y="{:.1}" fill="#991b1b">! {}</text>"##,
                        MARGIN + GUTTER + 16.0,
                        y + 12.0,
                        escape(t)
                    );
                    y += 18.0;
                }
            }
        }
        y += 4.0;
        if b.highlight {
            let _ = writeln!(
                bg,
                r##"<rect x="{:.1}" y="{top:.1}" width="{:.1}" height="{:.1}" fill="#fef2f2" stroke="#fca5a5"/>"##,
                MARGIN / 2.0,
                width - MARGIN,
                y - top
            );
            let _ = writeln!(
                bg,
                r##"<rect x="{:.1}" y="{top:.1}" width="5" height="{:.1}" fill="#b91c1c"/>"##,
                MARGIN / 2.0,
                y - top
            );
        } else if b.step.is_some() {
            let _ = writeln!(
                bg,
                r##"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e5e7eb"/>"##,
                MARGIN,
                width - MARGIN
            );
        }
    }
    let bottom = y + 6.0;
    let mut lifelines = String::new();
    for (i, l) in p.lanes.iter().enumerate() {
        let dash = if matches!(l.kind, LaneKind::Thread | LaneKind::Device) {
            "4 4"
        } else {
            "1 3"
        };
        let _ = writeln!(
            lifelines,
            r##"<line x1="{:.1}" y1="{lifeline_top:.1}" x2="{:.1}" y2="{bottom:.1}" stroke="#9ca3af" stroke-dasharray="{dash}"/>"##,
            x[i], x[i]
        );
    }
    // Legend: kinds of arrow by colour, dash and name.
    let mut legend = String::new();
    let mut ly = bottom + 18.0;
    let mut lx = MARGIN;
    for (kind, name) in [
        (ArrowKind::Call, "kernel call"),
        (ArrowKind::Mkwrite, "->page_mkwrite"),
        (ArrowKind::Dma, "DMA by a device"),
        (ArrowKind::Submit, "writeback bio submitted"),
        (ArrowKind::Complete, "bio completes"),
    ] {
        let span = 40.0 + text_w(name) + 24.0;
        if lx + span > width - MARGIN {
            lx = MARGIN;
            ly += 18.0;
        }
        let dash = kind
            .dash()
            .map(|d| format!(r#" stroke-dasharray="{d}""#))
            .unwrap_or_default();
        let _ = writeln!(
            legend,
            r##"<line x1="{lx:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-width="{}"{dash}/>"##,
            ly - 4.0,
            lx + 32.0,
            ly - 4.0,
            kind.colour(),
            kind.width()
        );
        let _ = writeln!(
            legend,
            r##"<text x="{:.1}" y="{ly:.1}" fill="#374151">{}</text>"##,
            lx + 38.0,
            escape(name)
        );
        lx += span;
    }
    let height = ly + MARGIN;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="trace-diagram" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="{FONT}">"##
    );
    let _ = writeln!(out, "<title>{}</title>", escape(&p.title));
    let _ = writeln!(
        out,
        r##"<rect width="{width:.0}" height="{height:.0}" fill="#ffffff"/>"##
    );
    out.push_str(&bg);
    out.push_str(&body);
    out.push_str(&lifelines);
    out.push_str(&fg);
    out.push_str(&legend);
    out.push_str("</svg>\n");
    out
}

/// Where an arrow's label starts: just right of the arrow's left end, unless the label would
/// then run past the last lane while ending it at the arrow's right end fits (a long label on
/// an arrow into the rightmost lanes stays inside the picture instead of widening it).
fn label_left(x1: f64, x2: f64, w: f64, lanes_right: f64) -> f64 {
    let left = x1.min(x2) + 8.0;
    let flush_right = x1.max(x2) - 8.0 - w;
    if left + w > lanes_right && flush_right >= MARGIN + GUTTER {
        flush_right
    } else {
        left
    }
}

/// A note is centred on its lane unless that would push it past the step-number gutter.
fn note_left(lane_x: f64, w: f64) -> f64 {
    (lane_x - w / 2.0).max(MARGIN + GUTTER)
}

fn lines_w(lines: &[String]) -> f64 {
    lines.iter().map(|t| text_w(t)).fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::designs_doc::explanation;
    use pinlab_check::{check, Limits};
    use pinlab_model::design::Design;
    use pinlab_model::scenario::Scenario;

    /// A write-pinned page redirtied by DMA around two fsyncs, with a flusher: its legacy trace
    /// has every kind of arrow (->page_mkwrite, DMA, bio submitted and completed, plain calls).
    const REDIRTY: &str = "litmus ex\nfs ext4 blocks=4\nfile f pages=1\nmmap m = f shared rw\ndevice nic rdma\nthread app {\n  store m[0] = A\n  pin p = nic m[0..1] write longterm\n  dma p[0] = B\n  fsync f\n  dma p[0] = C\n  fsync f\n  unpin p dirty\n}\nthread flusher {\n  writeback f\n}\nexists (disk f[0] = B)\n";

    fn scenario() -> Scenario {
        pinlab_litmus::parse("x.litmus", REDIRTY)
            .unwrap_or_else(|d| panic!("{}", d.render(REDIRTY)))
    }

    /// The picture without its words: the lanes, and per row which lanes an arrow joins (and
    /// its kind) or which lane a note sits on.
    fn shape(p: &Plan) -> Vec<String> {
        let mut out: Vec<String> = p
            .lanes
            .iter()
            .map(|l| format!("lane {:?} {}", l.kind, l.id))
            .collect();
        for b in &p.bands {
            for it in &b.items {
                match it {
                    Item::Arrow { from, to, kind, .. } => {
                        out.push(format!("arrow {kind:?} {from} -> {to}"))
                    }
                    Item::Note { lane, .. } => out.push(format!("note on {lane}")),
                    _ => {}
                }
            }
        }
        out
    }

    #[test]
    fn the_picture_is_drawn_from_the_calls_not_from_their_wording() {
        let sc = scenario();
        let d = Design::preset("legacy").unwrap();
        let r = check(&sc, d, Limits::default());
        let x = explanation(&sc, d, &r, Some(Property::Durability)).expect("a counterexample");
        let before = shape(&plan(&x));
        for kind in ["Mkwrite", "Dma", "Submit", "Complete", "Call"] {
            assert!(
                before
                    .iter()
                    .any(|l| l.starts_with(&format!("arrow {kind} "))),
                "no {kind} arrow in {before:#?}"
            );
        }
        // Every sentence now names another frame and block and begins like another kind of
        // call: a diagram that read the text would move every arrow.
        let mut y = explanation(&sc, d, &r, Some(Property::Durability)).unwrap();
        for st in &mut y.steps {
            for c in &mut st.calls {
                c.text = "page_mkwrite: DMA bio completes folio_start_writeback #7 block 3".into();
            }
        }
        assert_eq!(shape(&plan(&y)), before);
        // Without what the calls touch, nothing has a page or disk lane to point at.
        let mut z = explanation(&sc, d, &r, Some(Property::Durability)).unwrap();
        for st in &mut z.steps {
            for c in &mut st.calls {
                c.touches.clear();
            }
        }
        let bare = shape(&plan(&z));
        assert_ne!(bare, before);
        assert!(
            !bare
                .iter()
                .any(|l| l.starts_with("arrow Dma ") || l.starts_with("arrow Submit ")),
            "{bare:#?}"
        );
    }
}
