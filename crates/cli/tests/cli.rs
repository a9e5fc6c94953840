//! The command line as a user runs it: exit codes, determinism, bad input, and snapshots of the
//! matrix and of `explain` traces.

use pinlab_model::design::PRESETS;
use std::process::Output;

mod common;
use common::{pinlab, root};

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Writes a litmus file under target/ and returns its path relative to the workspace root.
fn scratch(name: &str, text: &str) -> String {
    let dir = root().join("target/cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    format!("target/cli-tests/{name}")
}

const EXAMPLE: &str = "litmus ex\nfs ext4 blocks=4\nfile f pages=1\nmmap m = f shared rw\ndevice nic rdma\nthread app {\n  store m[0] = A\n  pin p = nic m[0..1] write longterm\n  dma p[0] = B\n  fsync f\n  dma p[0] = C\n  fsync f\n  unpin p dirty\n}\nthread flusher {\n  writeback f\n}\nexists (disk f[0] = B)\n";

#[test]
fn matrix_of_the_catalog_agrees_with_every_expect_line_and_is_deterministic() {
    let a = pinlab(&["matrix"]);
    assert_eq!(
        a.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        stdout(&a),
        stderr(&a)
    );
    let b = pinlab(&["matrix"]);
    assert_eq!(a.stdout, b.stdout, "two runs printed different bytes");
    assert!(stderr(&a).contains("states/s"), "timings go to stderr");
    assert!(
        !stdout(&a).contains("states/s"),
        "stdout must not carry timings"
    );
    insta::assert_snapshot!("matrix", stdout(&a));
}

#[test]
fn matrix_json_has_the_schema_and_every_cell() {
    let o = pinlab(&["matrix", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["schema"], "pinlab.matrix/2");
    let designs = v["designs"].as_array().unwrap().len();
    assert_eq!(designs, PRESETS.len());
    let mut pinned = vec![0; designs];
    for row in v["scenarios"].as_array().unwrap() {
        assert_eq!(
            row["cells"].as_array().unwrap().len(),
            designs,
            "{}",
            row["scenario"]
        );
        for (i, c) in row["cells"].as_array().unwrap().iter().enumerate() {
            assert_eq!(
                c["agrees"], true,
                "{} under {}",
                row["scenario"], c["design"]
            );
            pinned[i] += c["cost"]["pin_pages"]
                .as_u64()
                .expect("every cell has a cost");
        }
    }
    assert_eq!(v["totals"]["mismatches"], 0);
    // The per-design summary is the cells' costs summed, column by column.
    let costs = v["costs"].as_array().unwrap();
    assert_eq!(costs.len(), designs);
    for (i, c) in costs.iter().enumerate() {
        assert_eq!(c["design"], v["designs"][i]);
        assert_eq!(c["cost"]["pin_pages"].as_u64().unwrap(), pinned[i]);
    }
}

#[test]
fn explain_traces_name_kernel_functions() {
    let f = "litmus/ext4-rdma-redirty-after-writeback.litmus";
    let o = pinlab(&["explain", f, "--design", "legacy"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let t = stdout(&o);
    for name in [
        "page_mkwrite",
        "folio_mkclean",
        "folio_clear_dirty_for_io",
        "get_user_pages",
        "!! mkwrite-contract",
    ] {
        assert!(t.contains(name), "trace lacks {name}:\n{t}");
    }
    insta::assert_snapshot!("explain-redirty-legacy", t);

    let o = pinlab(&[
        "explain",
        f,
        "--design",
        "legacy",
        "--property",
        "durability",
    ]);
    assert_eq!(o.status.code(), Some(0));
    insta::assert_snapshot!("explain-redirty-legacy-durability", stdout(&o));

    let o = pinlab(&["explain", f, "--design", "pin-wait"]);
    assert_eq!(o.status.code(), Some(0));
    let t = stdout(&o);
    assert!(
        t.contains("bounded-wait") && t.contains("waits forever"),
        "{t}"
    );
    insta::assert_snapshot!("explain-redirty-pin-wait", t);

    let o = pinlab(&["explain", f, "--design", "upstream", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["schema"], "pinlab.explain/1");
    assert_eq!(v["verdict"], "refused");
    assert!(v["steps"].as_array().unwrap().last().unwrap()["calls"][0]
        .as_str()
        .unwrap()
        .contains("EFAULT"));
}

#[test]
fn check_exit_1_names_the_disagreeing_expect_line() {
    let f = scratch(
        "wrong-expect.litmus",
        &format!("{EXAMPLE}expect legacy: safe\nexpect upstream: refused\n"),
    );
    let o = pinlab(&["check", &f]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let t = stdout(&o);
    assert!(t.contains(&format!("{f}:19:1: expect legacy: safe, but the model says unsafe(mkwrite-contract, durability)")), "{t}");
    assert!(
        !t.contains("expect upstream"),
        "agreeing lines are not mismatches:\n{t}"
    );
}

#[test]
fn a_pinned_answer_the_model_does_not_give_exits_1_like_a_wrong_verdict() {
    // Under legacy B reaches the disk in 1 of 3 final outcomes: `Sometimes`.
    let wrong = scratch(
        "wrong-answer.litmus",
        &format!("{EXAMPLE}expect legacy: unsafe(mkwrite-contract, durability) Never\nexpect upstream: refused Never\n"),
    );
    let o = pinlab(&["check", &wrong]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let t = stdout(&o);
    assert!(t.contains(&format!("  {wrong}:19:1: expect legacy: unsafe(mkwrite-contract, durability) Never, but the model answers Sometimes (exists (disk f[0] = B): 1 of 3 outcomes)\n")), "{t}");
    assert!(
        !t.contains("expect upstream"),
        "the right answer is no mismatch:\n{t}"
    );
    assert!(
        t.contains("2 checks, 2 judged by expect lines, 1 disagree"),
        "{t}"
    );
    assert!(
        stderr(&o).contains("pinlab: 1 expect line disagrees with the model\n"),
        "{}",
        stderr(&o)
    );

    // The matrix marks the cell and exits 1 too, and so does its JSON.
    let o = pinlab(&["matrix", &wrong, "-d", "legacy,upstream"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("unsafe(MC,DU)!"), "{}", stdout(&o));
    assert!(stdout(&o).contains("but the model answers Sometimes"));
    assert!(stderr(&o).contains("pinlab: 1 expect line disagrees with the model"));
    let o = pinlab(&["matrix", &wrong, "--format", "json", "-d", "legacy"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["scenarios"][0]["cells"][0]["expected_answer"], "Never");
    assert_eq!(v["scenarios"][0]["cells"][0]["agrees"], false);
    assert_eq!(v["totals"]["mismatches"], 1);

    // The right answers: exit 0 and nothing said about disagreeing.
    let right = scratch(
        "right-answer.litmus",
        &format!("{EXAMPLE}expect legacy: unsafe(mkwrite-contract, durability) Sometimes\nexpect upstream: refused Never\n"),
    );
    for args in [
        vec!["check", right.as_str()],
        vec!["matrix", right.as_str(), "-d", "legacy,upstream"],
    ] {
        let o = pinlab(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
        assert!(!stderr(&o).contains("disagree"), "{}", stderr(&o));
    }
}

#[test]
fn check_reports_the_final_condition_herd_style() {
    let f = scratch(
        "cond.litmus",
        &format!("{EXAMPLE}expect legacy: unsafe(mkwrite-contract, durability)\n"),
    );
    let o = pinlab(&["check", &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("exists (disk f[0] = B): Sometimes"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn bad_input_exits_2_with_a_located_error_and_no_verdict() {
    let f = scratch("bad.litmus", "litmus bad\nfs ext5\nfile f pages=1\n");
    let o = pinlab(&["check", &f]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(&format!("{f}:2:4")), "{}", stderr(&o));
    assert!(
        !stdout(&o).contains("bad ("),
        "no verdict for a bad file:\n{}",
        stdout(&o)
    );

    let o = pinlab(&["matrix", "--design", "pincount+teleport"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown handling `teleport`"),
        "{}",
        stderr(&o)
    );

    let o = pinlab(&[
        "explain",
        "litmus/ext4-rdma-redirty-after-writeback.litmus",
        "--design",
        "legacy",
        "--property",
        "speed",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown property `speed`"));

    let o = pinlab(&["check", "no/such/file.litmus"]);
    assert_eq!(o.status.code(), Some(2));
    let o = pinlab(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_state_limit_gives_incomplete_never_safe() {
    let f = scratch(
        "limit.litmus",
        &format!("{EXAMPLE}expect upstream: refused\n"),
    );
    let o = pinlab(&["check", &f, "--design", "upstream", "--max-states", "3"]);
    let t = stdout(&o);
    assert!(t.contains("incomplete"), "{t}");
    assert!(!t.contains(" safe "), "{t}");
    assert_eq!(
        o.status.code(),
        Some(1),
        "incomplete does not satisfy an expect line"
    );
}

#[test]
fn designs_lists_every_axis_with_its_source() {
    let o = pinlab(&["designs"]);
    assert_eq!(o.status.code(), Some(0));
    let t = stdout(&o);
    for name in [
        "get",
        "put-user-page",
        "pincount",
        "none",
        "wait",
        "refuse-longterm",
        "legacy",
        "pin-wait",
        "longterm-refuse",
        "upstream",
        "seed 00",
    ] {
        assert!(t.contains(name), "designs lacks {name}");
    }
}

/// Every pair's figures as `rank --format json` gives them, for the front check.
fn objectives(p: &serde_json::Value) -> [f64; 4] {
    let n = |k: &str| p[k].as_u64().unwrap() as f64;
    [
        n("unsafe") + n("incomplete"),
        n("hang"),
        n("refused_or_revoked"),
        p["ops_per_page"].as_f64().unwrap(),
    ]
}

#[test]
fn rank_checks_every_pair_and_marks_the_pareto_front() {
    let a = pinlab(&["rank"]);
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    let b = pinlab(&["rank"]);
    assert_eq!(a.stdout, b.stdout, "two runs printed different bytes");
    assert!(stderr(&a).contains("states/s"), "timings go to stderr");
    let t = stdout(&a);
    assert!(!t.contains("states/s"), "stdout must not carry timings");
    let pairs = pinlab_model::design::Design::pairs().len();
    assert!(
        t.contains(&format!("{pairs} tracking x handling pairs")),
        "{t}"
    );
    assert!(t.contains("Reading:"), "{t}");
    insta::assert_snapshot!("rank", t);

    let o = pinlab(&["rank", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["schema"], "pinlab.rank/1");
    let scenarios = v["scenarios"].as_u64().unwrap();
    let pairs = v["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), pinlab_model::design::Design::pairs().len());
    for p in pairs {
        let sum: u64 = ["unsafe", "hang", "refused_or_revoked", "incomplete", "safe"]
            .iter()
            .map(|k| p[*k].as_u64().unwrap())
            .sum();
        assert_eq!(sum, scenarios, "{}: each scenario counted once", p["pair"]);
    }
    // The front is exactly the pairs no other pair dominates, and it comes first.
    let dominated = |p: &serde_json::Value| {
        let o = objectives(p);
        pairs.iter().any(|q| {
            let x = objectives(q);
            x.iter().zip(&o).all(|(a, b)| a <= b) && x.iter().zip(&o).any(|(a, b)| a < b)
        })
    };
    let mut seen_off = false;
    for p in pairs {
        assert_eq!(p["front"], !dominated(p), "{}", p["pair"]);
        if p["front"] == false {
            seen_off = true;
            assert!(p["dominated_by"].is_string(), "{}", p["pair"]);
        } else {
            assert!(!seen_off, "front pairs come first: {}", p["pair"]);
        }
    }
    assert_eq!(
        v["front"].as_array().unwrap().len(),
        pairs.iter().filter(|p| p["front"] == true).count()
    );
    assert_eq!(v["reference"][0]["preset"], "upstream");

    let o = pinlab(&["rank", "no/such/file.litmus"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn designs_costs_reports_every_tracking_and_preset() {
    let a = pinlab(&["designs", "--costs"]);
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    let b = pinlab(&["designs", "--costs"]);
    assert_eq!(a.stdout, b.stdout, "two runs printed different bytes");
    let t = stdout(&a);
    assert!(!t.contains("states/s"), "stdout must not carry timings");
    for col in [
        "atomics/pin",
        "locks/unpin",
        "page bytes",
        "off LRU",
        "false pos",
        "legend",
    ] {
        assert!(t.contains(col), "costs lack {col}:\n{t}");
    }
    insta::assert_snapshot!("designs-costs", t);

    let o = pinlab(&["designs", "--costs", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["schema"], "pinlab.costs/1");
    let tracking = v["tracking"].as_array().unwrap();
    assert_eq!(tracking.len(), pinlab_model::design::TRACKINGS.len());
    assert_eq!(v["presets"].as_array().unwrap().len(), PRESETS.len());
    for t in tracking {
        assert_eq!(t["handling"], "none", "{}", t["name"]);
    }
    let page_got = tracking.iter().find(|t| t["name"] == "page-got").unwrap();
    assert_eq!(page_got["struct_page_bytes"], 16);
    assert_eq!(page_got["off_lru"], true);

    // `designs` takes paths only with --costs.
    let o = pinlab(&["designs", "litmus"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn many_ordinary_references_make_pincount_see_a_pin_that_is_not_there() {
    let f = scratch(
        "many-refs.litmus",
        "litmus many-refs\ndoc \"seed 002\"\nfs ext4 blocks=4\nfile f pages=1 refs=1100\nmmap m = f shared rw\nthread app {\n  store m[0] = A\n  fsync f\n}\n",
    );
    let o = pinlab(&["designs", "--costs", &f, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let fp = |rows: &str, name: &str| {
        v[rows]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no row {name}"))["cost"]["false_positives"]
            .as_u64()
            .unwrap()
    };
    assert!(
        fp("presets", "pin-wait") > 0,
        "the 1024 bias is crossed by refs alone"
    );
    assert_eq!(
        fp("presets", "page-got"),
        0,
        "an exact count has no false positive"
    );
    assert_eq!(fp("presets", "legacy"), 0);
    let t = stdout(&pinlab(&["designs", "--costs", &f]));
    assert!(t.contains("1 (1)"), "{t}");
}

/// `pinlab check FILE ARGS --format json`, which must exit 0: the scenario's cells.
fn check_cells(file: &str, args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["check", file, "--format", "json"];
    all.extend_from_slice(args);
    let o = pinlab(&all);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    v["scenarios"][0]["cells"].as_array().unwrap().clone()
}

/// Two identical workers that store and fsync, a NIC and two identical flushers: thread symmetry
/// has two classes to merge.
const TWINS: &str = "litmus twins\nfs ext4\nfile f pages=2 data=0,0\nmmap m = f shared rw\ndevice nic rdma\nthread a {\n  store m[0] = A\n  fsync f\n}\nthread b {\n  store m[0] = A\n  fsync f\n}\nthread dev {\n  pin p = nic m[0..2] write longterm\n  dma p[0] = D\n  unpin p dirty\n}\nthread fl1 {\n  writeback f\n}\nthread fl2 {\n  writeback f\n}\n";

#[test]
fn no_reduce_stores_more_states_for_the_same_verdicts_and_explain_replays() {
    let f = scratch("twins.litmus", TWINS);
    let run = |extra: &[&str]| {
        let mut args = vec!["-j", "1"];
        args.extend_from_slice(extra);
        let checks = check_cells(&f, &args);
        let verdicts: Vec<String> = checks
            .iter()
            .map(|c| format!("{} {}", c["design"], c["verdict"]))
            .collect();
        let states: u64 = checks
            .iter()
            .map(|c| c["stats"]["states"].as_u64().unwrap())
            .sum();
        (verdicts, states)
    };
    let (all, reduced) = run(&[]);
    let (no_sym, without_threads) = run(&["--no-reduce=threads"]);
    let (none, plain) = run(&["--no-reduce"]);
    assert_eq!(all, no_sym);
    assert_eq!(all, none);
    assert!(
        reduced < without_threads && without_threads < plain,
        "{reduced} {without_threads} {plain}"
    );
    // The counterexample found in the quotient replays on the plain model and shows its
    // violation (crates/check/tests/reduce.rs checks this path by path).
    let o = pinlab(&["explain", &f, "-d", "legacy"]);
    let t = stdout(&o);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    assert!(t.contains("shortest execution violating"), "{t}");
    let bad = pinlab(&["check", &f, "--no-reduce=threadz"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("threads"), "{}", stderr(&bad));
}

/// A NIC reads page 1 while the application stores to page 0, after a completion orders both
/// after the pin: every op of one thread commutes with every op of the other.
const APART: &str = "litmus apart\nfs ext4\nfile f pages=2 data=0,0\nmmap m = f shared rw\ndevice nic rdma\nthread dev {\n  pin p = nic m[0..2] longterm\n  complete pinned\n  dma p[1] -> r1\n  dma p[1] -> r2\n}\nthread app {\n  wait_for_completion pinned\n  store m[0] = A\n  store m[0] = B\n}\nexists (r1 = 0 /\\ r2 = 0)\n";

#[test]
fn the_partial_order_reduction_prunes_threads_that_work_apart_and_no_reduce_por_turns_it_off() {
    let f = scratch("apart.litmus", APART);
    let run = |extra: &[&str]| {
        let mut args = vec!["-d", "upstream"];
        args.extend_from_slice(extra);
        check_cells(&f, &args)[0].clone()
    };
    let (on, off) = (run(&[]), run(&["--no-reduce=por"]));
    assert_eq!(on["verdict"], off["verdict"]);
    assert_eq!(on["condition"], off["condition"]);
    let states = |c: &serde_json::Value| c["stats"]["states"].as_u64().unwrap();
    assert!(
        states(&on) < states(&off),
        "{} {}",
        states(&on),
        states(&off)
    );
    assert!(on["stats"]["por_states"].as_u64().unwrap() > 0);
    assert_eq!(off["stats"]["por_states"], 0);
}
