//! The state-space reductions (`pinlab_model::Reduction`) change nothing but the number of states
//! stored. Over the catalog under every preset and over generated scenarios:
//! - with and without each reduction, the verdict, the violated properties, the condition's
//!   answer and counts, and the length of every shortest path (each counterexample, the hang,
//!   the refusal, the revocation) are the same;
//! - every path the reduced check reports replays on the plain model from the real initial state
//!   and shows what it is reported for;
//! - `canonicalize` is a bisimulation's quotient map: in every reachable state `s` of the plain
//!   model, every thread's step from `s` and from `canonicalize(s)` agrees (waits, finishes,
//!   violates, refuses, revokes alike) and leads to states with the same canonical form; final
//!   states agree on every location the condition reads; and the initial state is canonical.

use pinlab_check::{check, condition_locs, CheckResult, Limits, Path};
use pinlab_model::design::Design;
use pinlab_model::property::Property;
use pinlab_model::scenario::Scenario;
use pinlab_model::state::State;
use pinlab_model::{Reduction, Step, World};
use std::collections::{HashSet, VecDeque};

fn catalog() -> Vec<Scenario> {
    pinlab_litmus::repository_catalog()
}

/// Scenarios the catalog lacks that met a reduction's corner: a pin that fails part-way (no
/// space for its second page) holds no page, though an unpin of it is still to run and reclaim
/// frees the page it had taken; a device reading one page while the application stores to
/// another, after a completion orders them after the pin (every op independent of the other
/// thread's: the partial-order reduction's case, which no catalog scenario has).
const CORNERS: &[&str] = &[
    "litmus failed-pin-then-reclaim
fs ext4 blocks=1
file f pages=2
mmap m = f shared rw
device nic rdma
thread app {
  fsync f
}
thread dev {
  pin p = nic m[0..2] write
  unpin p dirty
}
thread flusher {
  reclaim
}
",
    "litmus dma-reads-beside-stores
fs ext4
file f pages=2 data=0,0
mmap m = f shared rw
device nic rdma
thread dev {
  pin p = nic m[0..2] longterm
  complete pinned
  dma p[1] -> r1
  dma p[1] -> r2
  dma p[1] -> r3
}
thread app {
  wait_for_completion pinned
  store m[0] = A
  store m[0] = B
  store m[0] = C
}
exists (r1 = 0 /\\ r3 = 0)
",
];

/// Scenarios written blind — from the seed threads and docs/litmus.md, by someone who had not
/// read the model — for the reductions' sake: identical threads (9 of them) and threads that
/// work on other files or pages (7) (tests/blind/).
fn blind() -> Vec<Scenario> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/blind");
    let files = pinlab_litmus::litmus_files(&dir).expect("tests/blind");
    assert!(files.len() >= 14, "{} blind scenarios", files.len());
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            pinlab_litmus::parse(&f.display().to_string(), &text)
                .unwrap_or_else(|d| panic!("{}", d.render(&text)))
        })
        .collect()
}

fn corners() -> Vec<Scenario> {
    CORNERS
        .iter()
        .map(|t| {
            pinlab_litmus::parse("corner.litmus", t).unwrap_or_else(|d| panic!("{}", d.render(t)))
        })
        .collect()
}

/// Small scenarios nobody wrote: the fuzzer's generator over every op (`Spec::arbitrary_full`),
/// rendered with the oracle's small shape, from one seeded xorshift stream.
fn generated(seed: u64, cases: usize) -> Vec<(String, Scenario)> {
    texts(seed, cases)
        .into_iter()
        .filter_map(|text| {
            let sc = pinlab_litmus::parse("gen.litmus", &text).ok()?;
            Some((text, sc))
        })
        .collect()
}

fn texts(seed: u64, cases: usize) -> Vec<String> {
    pinlab_gen::generated_shaped(
        seed,
        cases,
        |case| 64 + case % 7 * 24,
        &pinlab_gen::Shape::SMALL,
    )
}

/// Generated scenarios with a twin: the first thread with no op on a handle is copied
/// under another name, so thread symmetry has something to merge (the generator alone seldom
/// writes two identical threads).
fn twinned(seed: u64, cases: usize) -> Vec<(String, Scenario)> {
    texts(seed, cases)
        .into_iter()
        .filter_map(|text| {
            let lines: Vec<&str> = text.lines().collect();
            let start = lines.iter().enumerate().position(|(i, l)| {
                l.starts_with("thread ") && {
                    let body = lines[i + 1..].iter().take_while(|l| l.trim() != "}");
                    body.clone().next().is_some()
                        && body.clone().all(|l| {
                            let op = l.split_whitespace().next().unwrap_or("");
                            !["dma", "pin", "unpin"].contains(&op)
                        })
                }
            })?;
            let end = start + lines[start..].iter().position(|l| l.trim() == "}")?;
            let name = lines[start].split_whitespace().nth(1)?;
            let mut twin = vec![format!("thread {name}twin {{")];
            twin.extend(lines[start + 1..=end].iter().map(|l| l.to_string()));
            let text = format!("{text}{}\n", twin.join("\n"));
            let sc = pinlab_litmus::parse("twin.litmus", &text).ok()?;
            Some((text, sc))
        })
        .collect()
}

/// The reductions compared with none: all, then each alone.
fn variants() -> [(&'static str, Reduction); 5] {
    [
        ("all", Reduction::all()),
        (
            "frames",
            Reduction {
                frames: true,
                ..Reduction::none()
            },
        ),
        (
            "dead",
            Reduction {
                dead: true,
                ..Reduction::none()
            },
        ),
        (
            "threads",
            Reduction {
                threads: true,
                ..Reduction::none()
            },
        ),
        (
            "por",
            Reduction {
                por: true,
                ..Reduction::none()
            },
        ),
    ]
}

fn run(sc: &Scenario, d: Design, r: Reduction, max_states: usize) -> CheckResult {
    check(
        sc,
        d,
        Limits {
            max_states,
            reduce: r,
            ..Limits::default()
        },
    )
}

fn lengths(r: &CheckResult) -> Vec<(Property, usize)> {
    r.counterexamples
        .iter()
        .map(|(p, x)| (*p, x.len()))
        .collect()
}

/// Replays `path` on the plain model; the last step's flags, and the state it ends in.
fn replay(w: &World, path: &Path, what: &str) -> (pinlab_model::StepInfo, State) {
    let mut s = w.init();
    let mut last = pinlab_model::StepInfo::default();
    for &t in path {
        match w.step(&s, t, false) {
            Step::Done(n, info) => {
                s = n;
                last = info;
            }
            _ => panic!("{what}: path {path:?} does not replay"),
        }
    }
    (last, s)
}

/// `reduced` reports what `plain` reports, with shortest paths of the same lengths, and its
/// paths replay on the plain model and show what they are reported for.
fn agree(sc: &Scenario, d: Design, plain: &CheckResult, reduced: &CheckResult, what: &str) {
    assert_eq!(reduced.verdict, plain.verdict, "{what}: verdict");
    assert_eq!(reduced.violated, plain.violated, "{what}: violated");
    assert_eq!(reduced.condition, plain.condition, "{what}: condition");
    assert_eq!(lengths(reduced), lengths(plain), "{what}: counterexamples");
    let len = |p: &Option<Path>| p.as_ref().map(|p| p.len());
    assert_eq!(len(&reduced.hang), len(&plain.hang), "{what}: hang");
    assert_eq!(
        len(&reduced.refused),
        len(&plain.refused),
        "{what}: refused"
    );
    assert_eq!(
        len(&reduced.revoked),
        len(&plain.revoked),
        "{what}: revoked"
    );
    assert!(
        reduced.stats.states <= plain.stats.states,
        "{what}: the reduction stored more states"
    );
    let w = World::new(sc, d);
    for (p, path) in &reduced.counterexamples {
        let (info, _) = replay(&w, path, what);
        assert!(info.violations.contains(*p), "{what}: {p:?} path {path:?}");
    }
    if let Some(path) = &reduced.refused {
        assert!(replay(&w, path, what).0.refused, "{what}: refused path");
    }
    if let Some(path) = &reduced.revoked {
        assert!(replay(&w, path, what).0.revoked, "{what}: revoked path");
    }
    if let Some(path) = &reduced.hang {
        let (_, s) = replay(&w, path, what);
        let stuck = (0..w.actors()).all(|t| !matches!(w.step(&s, t, false), Step::Done(..)));
        assert!(stuck && !w.finished(&s), "{what}: hang path {path:?}");
    }
}

#[test]
fn the_catalog_checks_alike_with_and_without_each_reduction() {
    let (mut plain_states, mut reduced_states, mut frames_only, mut por_only) = (0, 0, 0, 0);
    for sc in catalog().into_iter().chain(corners()).chain(blind()) {
        for d in Design::presets() {
            let plain = run(&sc, d, Reduction::none(), usize::MAX);
            assert!(plain.complete);
            plain_states += plain.stats.states;
            for (name, r) in variants() {
                let what = format!("{} under {} ({name})", sc.name, d.name());
                let reduced = run(&sc, d, r, usize::MAX);
                agree(&sc, d, &plain, &reduced, &what);
                match name {
                    "all" => reduced_states += reduced.stats.states,
                    "frames" => frames_only += reduced.stats.states,
                    "por" => por_only += reduced.stats.states,
                    _ => {}
                }
            }
        }
    }
    println!("catalog: {plain_states} states without reduction, {reduced_states} with, {frames_only} with frames alone, {por_only} with the partial-order reduction alone");
    // The tests above would pass for a reduction that does nothing: each must do something.
    assert!(reduced_states < plain_states);
    assert!(frames_only < plain_states);
    assert!(por_only < plain_states);
}

#[test]
fn generated_scenarios_check_alike_with_and_without_each_reduction() {
    let (mut compared, mut saved, mut by_symmetry, mut by_por) = (0, 0, 0, 0);
    let scenarios = generated(0x853c_49e6_748f_ea9b, 160)
        .into_iter()
        .chain(twinned(0x6a09_e667_f3bc_c908, 60))
        .chain(describable(0x510e_527f_ade6_82d1, 60));
    for (text, sc) in scenarios {
        for d in Design::presets() {
            let plain = run(&sc, d, Reduction::none(), 20_000);
            if !plain.complete {
                continue;
            }
            for (name, r) in variants() {
                let what = format!("{} under {} ({name}):\n{text}", sc.name, d.name());
                let reduced = run(&sc, d, r, usize::MAX);
                agree(&sc, d, &plain, &reduced, &what);
                match name {
                    "all" => saved += plain.stats.states - reduced.stats.states,
                    "threads" => by_symmetry += plain.stats.states - reduced.stats.states,
                    "por" => by_por += plain.stats.states - reduced.stats.states,
                    _ => {}
                }
            }
            compared += 1;
        }
    }
    println!("{compared} generated checks compared, {saved} states saved, {by_symmetry} by thread symmetry alone, {by_por} by the partial-order reduction alone");
    assert!(compared >= 300, "only {compared} generated checks finished");
    assert!(saved > 0);
    assert!(
        by_symmetry > 0,
        "no generated scenario had identical threads"
    );
    assert!(by_por > 0, "the partial-order reduction pruned nothing");
}

/// Every state reachable on the plain model (at most `max`): the quotient map's conditions.
fn bisimulation(sc: &Scenario, d: Design, max: usize, what: &str) -> usize {
    let plain = World::new(sc, d);
    let w = World::new(sc, d).with_reduction(Reduction::all());
    let canon = |s: &State| {
        let mut c = s.clone();
        w.canonicalize(&mut c);
        c
    };
    // perm[t]: the thread of `s` that is thread t of its canonical form (thread symmetry).
    let mut perm = Vec::new();
    let init = plain.init();
    assert_eq!(
        canon(&init),
        init,
        "{what}: the initial state is not canonical"
    );
    let locs = sc
        .condition
        .as_ref()
        .map(|c| condition_locs(&c.expr))
        .unwrap_or_default();
    let key = |s: &State| {
        let mut b = Vec::new();
        s.encode(&mut b);
        b
    };
    let mut seen = HashSet::from([key(&init)]);
    let mut queue = VecDeque::from([init]);
    let mut n = 0;
    while let Some(s) = queue.pop_front() {
        n += 1;
        let mut c = s.clone();
        w.canonicalize_permuting(&mut c, Some(&mut perm));
        assert_eq!(canon(&c), c, "{what}: canonicalize is not idempotent");
        kept_what_is_read(&w, &s, &c, &perm, what);
        assert_eq!(plain.finished(&s), plain.finished(&c), "{what}");
        for l in &locs {
            assert_eq!(
                plain.observe(&s, *l),
                plain.observe(&c, *l),
                "{what}: {l:?}"
            );
        }
        assert_eq!(
            perm.len(),
            plain.actors(),
            "{what}: a permutation of every thread"
        );
        // Thread t of the canonical form is thread `from` of `s`.
        for (t, &from) in perm.iter().enumerate() {
            match (plain.step(&s, from, false), plain.step(&c, t, false)) {
                (Step::Done(a, ia), Step::Done(b, ib)) => {
                    assert_eq!(ia.violations, ib.violations, "{what}: thread {t}");
                    assert_eq!(ia.refused, ib.refused, "{what}: thread {t}");
                    assert_eq!(ia.revoked, ib.revoked, "{what}: thread {t}");
                    assert_eq!(
                        canon(&a),
                        canon(&b),
                        "{what}: thread {t} from\n{s:?}\nand its canonical form\n{c:?}"
                    );
                    if seen.len() < max && seen.insert(key(&a)) {
                        queue.push_back(a);
                    }
                }
                (Step::Blocked, Step::Blocked) | (Step::Finished, Step::Finished) => {}
                _ => panic!("{what}: thread {t} steps differently from the canonical form"),
            }
        }
    }
    n
}

/// What the reductions rely on, checked directly (a difference here may need a long run to
/// show in a verdict): the acknowledgement order of the writes the canonical form still holds,
/// and whether each handle page's recorded generation is its frame's.
fn kept_what_is_read(w: &World, s: &State, c: &State, perm: &[usize], what: &str) {
    // Write id in `c` -> the write id it was in `s` (thread symmetry renames ids with threads).
    let mut was: Vec<u8> = (0..=255).collect();
    for (t, th) in w.sc.threads.iter().enumerate() {
        for i in 0..th.ops.len() {
            was[w.write_id(t, i) as usize] = w.write_id(perm[t], i);
        }
    }
    let mut live = Vec::new();
    for f in &c.frames {
        live.extend([f.content.write, f.wb_snapshot.write]);
    }
    live.extend(c.blocks.iter().map(|b| b.content.write));
    live.extend(c.pages.iter().map(|p| p.durable));
    live.extend(c.promises.iter().copied());
    live.retain(|&x| x != pinlab_model::state::NONE);
    for &a in &live {
        for &b in &live {
            assert_eq!(
                s.older(was[a as usize], was[b as usize]),
                c.older(a, b),
                "{what}: writes {a} and {b} change order"
            );
        }
    }
    for (i, (&(fs, gs), &(fc, gc))) in s.pinned.iter().zip(&c.pinned).enumerate() {
        if fc == pinlab_model::state::NONE || w.fault_slots().contains(&i) {
            continue;
        }
        let (own_s, own_c) = (s.frames[fs as usize].gen, c.frames[fc as usize].gen);
        assert_eq!(
            gs == own_s,
            gc == own_c,
            "{what}: handle page {i}'s generation"
        );
        assert!(gc <= own_c, "{what}: handle page {i} newer than its frame");
        let (a, b) = (s.frames[fs as usize], c.frames[fc as usize]);
        if gs != own_s || a.owner == pinlab_model::state::Owner::Free {
            continue;
        }
        assert_eq!(
            (a.owner, a.refcount, a.content.value),
            (b.owner, b.refcount, b.content.value),
            "{what}: handle page {i} now reaches another frame"
        );
    }
}

#[test]
fn canonicalize_is_a_quotient_map_on_the_catalog() {
    for sc in catalog().into_iter().chain(corners()).chain(blind()) {
        for d in Design::presets() {
            bisimulation(&sc, d, 20_000, &format!("{} under {}", sc.name, d.name()));
        }
    }
}

#[test]
fn canonicalize_is_a_quotient_map_on_generated_scenarios() {
    let mut states = 0;
    let scenarios = generated(0x2f6b_1a0d_c3e5_9477, 120)
        .into_iter()
        .chain(twinned(0xbb67_ae85_84ca_a73b, 40));
    for (text, sc) in scenarios {
        for d in Design::presets() {
            states += bisimulation(
                &sc,
                d,
                3_000,
                &format!("{} under {}:\n{text}", sc.name, d.name()),
            );
        }
    }
    println!("{states} generated states checked");
}

/// The partial-order reduction's independence, checked as what it claims: in every reachable
/// state of the plain model where the footprints call thread t's op independent of every op
/// the others may still run, t's step and each other thread's step from there commute — each
/// leaves the other's outcome (done, waiting, finished) and report alone, and both orders reach
/// the same state. Every op a thread may still run is its current op in some reachable state,
/// so this covers every pair the reduction relies on in these scenarios. Returns how many
/// (state, t, u) triples were checked.
fn commutes(sc: &Scenario, d: Design, max: usize, what: &str) -> usize {
    let plain = World::new(sc, d);
    let w = World::new(sc, d).with_reduction(Reduction {
        por: true,
        ..Reduction::none()
    });
    let key = |s: &State| {
        let mut b = Vec::new();
        s.encode(&mut b);
        b
    };
    let report = |st: &Step| match st {
        Step::Done(n, i) => Some((key(n), i.violations, i.refused, i.revoked)),
        _ => None,
    };
    let kind = |st: &Step| match st {
        Step::Done(..) => 0,
        Step::Blocked => 1,
        Step::Finished => 2,
    };
    let init = plain.init();
    let mut seen = HashSet::from([key(&init)]);
    let mut queue = VecDeque::from([init]);
    let mut checked = 0;
    while let Some(s) = queue.pop_front() {
        let steps: Vec<Step> = (0..plain.actors())
            .map(|t| plain.step(&s, t, false))
            .collect();
        for t in 0..sc.threads.len() {
            if !w.por_independent(&s, t) {
                continue;
            }
            let Step::Done(after_t, _) = &steps[t] else {
                continue;
            };
            for u in (0..plain.actors()).filter(|&u| u != t) {
                checked += 1;
                let u_after_t = plain.step(after_t, u, false);
                assert_eq!(
                    kind(&u_after_t),
                    kind(&steps[u]),
                    "{what}: thread {t}'s step changes whether thread {u} can step, from\n{s:?}"
                );
                let Step::Done(after_u, _) = &steps[u] else {
                    continue;
                };
                let t_after_u = plain.step(after_u, t, false);
                let (tu, ut) = (report(&u_after_t), report(&t_after_u));
                assert!(
                    ut.is_some(),
                    "{what}: thread {u}'s step stops thread {t}'s, from\n{s:?}"
                );
                let (Some(tu), Some(ut)) = (tu, ut) else {
                    unreachable!()
                };
                assert_eq!(
                    tu.0, ut.0,
                    "{what}: threads {t} and {u} do not commute from\n{s:?}"
                );
                assert_eq!(
                    report(&steps[u]).map(|r| (r.1, r.2, r.3)),
                    Some((tu.1, tu.2, tu.3)),
                    "{what}: thread {t}'s step changes what thread {u}'s reports"
                );
                assert_eq!(
                    report(&steps[t]).map(|r| (r.1, r.2, r.3)),
                    Some((ut.1, ut.2, ut.3)),
                    "{what}: thread {u}'s step changes what thread {t}'s reports"
                );
            }
        }
        for st in steps {
            if let Step::Done(n, _) = st {
                if seen.len() < max && seen.insert(key(&n)) {
                    queue.push_back(n);
                }
            }
        }
    }
    checked
}

/// Scenarios made of the ops the partial-order reduction has footprints for, so that it is on in
/// most of their states: a NIC pins both pages of a shared mapping of `f` and completes `pinned`;
/// then threads (one waits for `pinned` first) store and load through the mapping, write and
/// read `f` or `g`, DMA through the pin, fsync or write back, complete and wait for `c` — from
/// one seeded xorshift stream, every op on one of two pages, so same-page and other-page pairs
/// both occur.
fn describable(seed: u64, cases: usize) -> Vec<(String, Scenario)> {
    let mut x = seed;
    let mut next = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let mut out = Vec::new();
    for case in 0..cases {
        let mut text = format!(
            "litmus describable-{case}\nfs {}\nfile f pages=2 data=0,0\nfile g pages=2\nmmap m = f shared rw\ndevice nic rdma\nthread dev {{\n  pin p = nic m[0..2] write longterm\n  complete pinned\n",
            ["ext4", "xfs", "tmpfs"][next(3) as usize]
        );
        let threads = 2 + next(2);
        let mut reg = 0;
        let mut value = 0;
        for t in 0..threads {
            if t > 0 {
                text += &format!("}}\nthread t{t} {{\n  wait_for_completion pinned\n");
            }
            for _ in 0..1 + next(3) {
                let page = next(2);
                let file = ["f", "g"][next(2) as usize];
                reg += 1;
                value += 1;
                let v = ["A", "B", "C"][value % 3];
                text += &match next(9) {
                    0 => format!("  store m[{page}] = {v}\n"),
                    1 => format!("  load m[{page}] -> r{reg}\n"),
                    2 => format!("  write {file}[{page}] = {v}\n"),
                    3 => format!("  read {file}[{page}] -> r{reg}\n"),
                    4 => format!("  dma p[{page}] = {v}\n"),
                    5 => format!("  dma p[{page}] -> r{reg}\n"),
                    6 => format!("  fsync {file}\n"),
                    7 => format!("  writeback {file}\n"),
                    _ => ["  complete c\n", "  wait_for_completion c\n"][next(2) as usize]
                        .to_string(),
                };
            }
        }
        text += "}\n";
        // Some draws are not scenarios (a wait for a `c` nobody completes): skipped.
        if let Ok(sc) = pinlab_litmus::parse("describable.litmus", &text) {
            out.push((text, sc));
        }
    }
    assert!(
        out.len() >= cases / 2,
        "only {} of {cases} parse",
        out.len()
    );
    out
}

#[test]
fn what_the_partial_order_reduction_calls_independent_commutes() {
    let mut checked = 0;
    for (text, sc) in describable(0x2545_f491_4f6c_dd1d, 150) {
        for d in Design::presets() {
            let what = format!("{} under {}:\n{text}", sc.name, d.name());
            checked += commutes(&sc, d, 20_000, &what);
        }
    }
    println!("{checked} independent pairs of steps checked in the describable scenarios");
    for sc in catalog().into_iter().chain(corners()).chain(blind()) {
        for d in Design::presets() {
            checked += commutes(&sc, d, 20_000, &format!("{} under {}", sc.name, d.name()));
        }
    }
    let scenarios = generated(0x9e37_79b9_7f4a_7c15, 160)
        .into_iter()
        .chain(twinned(0x3c6e_f372_fe94_f82b, 60));
    for (text, sc) in scenarios {
        for d in Design::presets() {
            checked += commutes(
                &sc,
                d,
                3_000,
                &format!("{} under {}:\n{text}", sc.name, d.name()),
            );
        }
    }
    println!("{checked} independent pairs of steps checked");
    assert!(checked > 0, "the reduction called nothing independent");
}
