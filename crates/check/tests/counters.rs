//! Every counter the model keeps stays in range at the largest values the parser accepts (a
//! debug build panics on an overflow, and a wrapped counter would be a wrong verdict), and the
//! crashes the fuzz targets found stay fixed (docs/fuzzing.md). Each scenario is explored under
//! every preset, with the model's invariants checked in every state.

use pinlab_check::{check, Limits, Verdict};
use pinlab_model::design::{Design, GUP_PIN_COUNTING_BIAS};
use pinlab_model::limits::{MAX_FRAMES, MAX_REFCOUNT, MAX_REFS};
use pinlab_model::scenario::Scenario;
use pinlab_model::state::State;
use pinlab_model::{Step, World};
use std::collections::{HashSet, VecDeque};

fn parse(text: &str) -> Scenario {
    pinlab_litmus::parse("limits.litmus", text).unwrap_or_else(|d| panic!("{}", d.render(text)))
}

/// Every state reachable under `design` (at most `max` of them), each checked against the
/// model's invariants; the states, for tests that look at them.
fn explore(sc: &Scenario, design: Design, max: usize) -> Vec<State> {
    let w = World::new(sc, design);
    let init = w.init();
    let key = |s: &State| {
        let mut b = Vec::new();
        s.encode(&mut b);
        b
    };
    let mut seen = HashSet::from([key(&init)]);
    let mut queue = VecDeque::from([init]);
    let mut out = Vec::new();
    while let Some(s) = queue.pop_front() {
        if let Err(e) = w.check_invariants(&s) {
            panic!("{} under {}: {e}", sc.name, design.name());
        }
        for t in 0..w.actors() {
            if let Step::Done(n, _) = w.step(&s, t, false) {
                if seen.len() < max && seen.insert(key(&n)) {
                    queue.push_back(n);
                }
            }
        }
        out.push(s);
    }
    out
}

/// The scenario checked and explored under every preset: nothing panics, every check completes.
fn every_preset(text: &str) -> Scenario {
    let sc = parse(text);
    for d in Design::presets() {
        let r = check(&sc, d, Limits::default());
        assert!(
            !matches!(r.verdict, Verdict::Incomplete { .. }),
            "{}",
            d.name()
        );
        explore(&sc, d, 100_000);
    }
    sc
}

/// The largest refcount the model can reach: `refs=50000`, a PTE in each of the 8 mappings,
/// and as many one-page pins as the frame limit lets the parser accept, under the 1024 bias.
fn refcount_scenario(fs: &str, pins: usize) -> String {
    let mut t = format!("litmus refcount\nfs {fs}\nfile f pages=1 data=A refs={MAX_REFS}\n");
    for m in 0..8 {
        t.push_str(&format!("mmap m{m} = f shared rw\n"));
    }
    t.push_str("device nic rdma\nthread app {\n");
    for p in 0..pins {
        t.push_str(&format!("  pin p{p} = nic m{}[0..1] write\n", p % 8));
    }
    t.push_str("}\n");
    t
}

/// Pins of one page the parser accepts with 8 mappings of a 1-page `refs=` file: each may add
/// two frames (limits::frames_per_pin) to the 8 cache slots, 8 mapped pages, the `refs=` page
/// and the spare.
const MOST_PINS: usize = (MAX_FRAMES - 18) / 2;

#[test]
fn sixteen_pins_of_a_refs_50000_page_do_not_overflow_the_refcount() {
    // Found by the fuzzer (issue 12): `attempt to add with overflow` in pin_user_pages with a
    // u16 refcount (50000 + 16 * 1024 > 65535); a release build wrapped and went on to a verdict.
    let mut t = format!("litmus ov\nfs ext4\nfile f pages=1 refs={MAX_REFS}\nmmap m = f shared rw\ndevice d rdma\nthread t {{\n");
    for i in 0..16 {
        t.push_str(&format!("  pin p{i} = d m[0..1]\n"));
    }
    t.push_str("}\n");
    let sc = every_preset(&t);
    let states = explore(&sc, Design::preset("pin-wait").unwrap(), 1_000);
    let last = states.last().unwrap();
    let rc = last.frames.iter().map(|f| f.refcount).max().unwrap();
    assert_eq!(
        rc,
        MAX_REFS as u32 + 1 + 1 + 16 * GUP_PIN_COUNTING_BIAS as u32,
        "refs, page cache, PTE, sixteen biased pins"
    );
}

#[test]
fn the_largest_legal_refcount_fits_and_survives_the_state_encoding() {
    for fs in ["ext4", "btrfs"] {
        let sc = every_preset(&refcount_scenario(fs, MOST_PINS));
        let states = explore(&sc, Design::preset("pin-wait").unwrap(), 1_000);
        let last = states.last().unwrap();
        let rc = last.frames.iter().map(|f| f.refcount).max().unwrap();
        let want = MAX_REFS as u32 + 1 + 8 + MOST_PINS as u32 * GUP_PIN_COUNTING_BIAS as u32;
        assert_eq!(rc, want, "{fs}: refs, page cache, 8 PTEs, every pin biased");
        assert!(rc <= MAX_REFCOUNT);
        let mut b = Vec::new();
        last.encode(&mut b);
        let mut back = last.clone();
        back.frames.clear();
        back.decode_from(&b);
        assert_eq!(&back, last, "{fs}: the refcount's three encoded bytes");
    }
}

#[test]
fn one_pin_more_than_the_frame_limit_is_a_parse_error() {
    let text = refcount_scenario("ext4", MOST_PINS + 1);
    let d = pinlab_litmus::parse("x.litmus", &text).unwrap_err();
    assert_eq!(d.errors.len(), 1, "{}", d.render(&text));
    let e = &d.errors[0];
    assert_eq!(
        e.message,
        format!(
            "the scenario's states could hold {} page frames, more than the model's 255",
            18 + 2 * (MOST_PINS + 1)
        )
    );
    // The pin that passes the limit: the last one, on the line after the 8 mmaps and `thread`.
    assert_eq!(e.line as usize, 13 + MOST_PINS + 1);
    assert!(e
        .help
        .as_deref()
        .unwrap()
        .contains("pin fewer pages, or use fewer files or mappings"));
}

#[test]
fn the_most_pinned_pages_the_parser_accepts_stay_below_255_frames() {
    // gup-bounce gives every long-term pin of a shared file page a copy of its own: 14 pins of 8
    // pages are 112 bounce pages besides the 8 page-cache pages. The bound (17 + 14 * 16 = 241)
    // also covers every orphan a truncate between the pins could leave.
    let mut t = String::from(
        "litmus many\nfs btrfs\nfile f pages=8\nmmap m = f shared rw\ndevice nic rdma\nthread app {\n",
    );
    for p in 0..14 {
        t.push_str(&format!("  pin p{p} = nic m[0..8] write\n"));
    }
    // One thread, so that each preset has a few hundred states to explore.
    t.push_str("  truncate f 0\n  write f[7] = A\n  unpin p0 dirty\n}\n");
    let sc = every_preset(&t);
    let states = explore(&sc, Design::preset("gup-bounce").unwrap(), 10_000);
    let most = states.iter().map(|s| s.frames.len()).max().unwrap();
    assert!((112..=241).contains(&most), "{most} frames");
    // One more pin of 7 pages brings the bound to 255, of 8 pages past it.
    let fifteen = |pages: u8| {
        t.replace(
            "  truncate f 0\n",
            &format!("  pin p14 = nic m[0..{pages}]\n  truncate f 0\n"),
        )
    };
    assert!(pinlab_litmus::parse("x.litmus", &fifteen(7)).is_ok());
    assert!(pinlab_litmus::parse("x.litmus", &fifteen(8)).is_err());
}

#[test]
fn two_hundred_writes_have_two_hundred_write_ids() {
    // Write ids, acknowledgement order and fsync promises are bytes: one per store, write(2) or
    // DMA write, at most 200 of them (the op limit).
    // One thread: the acknowledgement order of two threads' writes would make C(200, 100) states.
    let mut t =
        String::from("litmus writes\nfs xfs\nfile f pages=1\nmmap m = f shared rw\nthread a {\n");
    for i in 0..99 {
        t.push_str(&format!("  store m[0] = V{i}\n"));
    }
    t.push_str("  fsync f\n");
    for i in 99..199 {
        t.push_str(&format!("  write f[0] = V{i}\n"));
    }
    t.push_str("}\nforall (disk f[0] = V98 /\\ file f[0] = V198)\n");
    let sc = every_preset(&t);
    assert_eq!(sc.values.len(), 200);
    for d in Design::presets() {
        let r = check(&sc, d, Limits::default());
        assert_eq!(r.verdict, Verdict::Safe, "{}", d.name());
        assert!(
            r.condition.unwrap().holds,
            "{}: the fsync wrote V98",
            d.name()
        );
    }
    let states = explore(&sc, Design::preset("legacy").unwrap(), 1_000);
    let acks = states.iter().map(|s| s.next_ack).max().unwrap();
    assert_eq!(
        acks, 199,
        "every store and write acknowledged, each with its own id"
    );
}

#[test]
fn a_pin_through_the_zero_page_fails_on_munmap_without_releasing_the_zero_page() {
    // Found by an outside fuzzing run (issue 12): a read-only pin of a PROT_READ anonymous
    // mapping takes the zero page for its first page (no frame); `munmap` before its second
    // page makes the pin fail, and releasing the pages taken indexed the frame table with NONE
    // (`index out of bounds: the len is 0 but the index is 255`). Fixed by 9ee5a17 (the zero
    // page holds no reference); this keeps it fixed.
    let text = "litmus zp\nfs ext4\nfile f pages=1\nanon a pages=2 ro\ndevice d dio\nthread t {\n  pin p = d a[0..2]\n}\nthread u {\n  munmap a\n}\nexists (p = EFAULT)\n";
    let sc = every_preset(text);
    let r = check(&sc, Design::preset("legacy").unwrap(), Limits::default());
    assert_eq!(r.verdict, Verdict::Safe);
    assert_eq!(r.condition.unwrap().answer.text(), "Sometimes");
}

#[test]
fn a_vmsplice_reference_to_the_zero_page_fails_on_munmap_without_a_put() {
    // The same with a read-write mapping and vmsplice's plain FOLL_GET references: the release
    // of the zero page went to folio_put(NONE).
    let text = "litmus zp\nfs ext4\nfile f pages=1\nanon a pages=2\ndevice d vmsplice\nthread t {\n  pin p = d a[0..2]\n}\nthread u {\n  munmap a\n}\nexists (p = EFAULT)\n";
    let sc = every_preset(text);
    let r = check(&sc, Design::preset("upstream").unwrap(), Limits::default());
    assert_eq!(r.condition.unwrap().answer.text(), "Sometimes");
}

#[test]
fn invariants_count_the_pages_a_pin_in_progress_holds() {
    // Found by the check fuzz target on the catalog: a two-page pin holds its first page before
    // it completes, and check_invariants() did not count it ("#0 refcount 1026 but 2 references
    // are held" in the state between the pin's two steps).
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../litmus");
    let text = std::fs::read_to_string(dir.join("xfs-rdma-punch-lease-revoked.litmus")).unwrap();
    every_preset(&text);
}

#[test]
fn generated_scenarios_at_the_limits_check_under_every_preset() {
    // The check fuzz target's generator (pinlab-gen's FULL shape: every op, ops repeated up to
    // the limits) without cargo-fuzz: a few dozen scenarios in a debug build, where an overflow
    // panics, each cut at 300 states under every preset.
    let (mut checked, mut states) = (0, 0);
    for text in pinlab_gen::generated(0x2545_f491_4f6c_dd1d, 60, 256, 32) {
        let Ok(sc) = pinlab_litmus::parse("gen.litmus", &text) else {
            continue;
        };
        for d in Design::presets() {
            // Any other limit keeps its default.
            #[allow(clippy::needless_update)] // for the fields Limits may gain
            let limits = Limits {
                max_states: 300,
                ..Limits::default()
            };
            let r = std::panic::catch_unwind(|| check(&sc, d, limits));
            let r = r.unwrap_or_else(|_| panic!("{} panicked on\n{text}", d.name()));
            states += r.stats.states;
        }
        checked += 1;
    }
    println!("{checked} generated scenarios checked, {states} states");
    assert!(checked >= 30, "only {checked} of 60 parsed");
    assert!(
        states >= checked * 12 * 20,
        "{states} states: the scenarios do next to nothing"
    );
}
