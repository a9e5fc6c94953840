//! pinlab as a Unix tool (issue 12): `-` is stdin and `--catalog` the catalog; a closed stdout
//! is no panic; directory walks survive symlink loops and check each file once; `-o` is checked
//! before any work; every non-zero exit says why; incomplete checks do not pass for answers;
//! typos get a "did you mean"; help and man pages carry examples and exit statuses.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;
use common::{pinlab, probe_cannot_run, root, skip};

const SMALL: &str = "litmus/xfs-two-fsyncs-no-pin.litmus";
const REDIRTY: &str = "litmus/ext4-rdma-redirty-after-writeback.litmus";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pinlab"));
    c.current_dir(root());
    c
}

/// Runs pinlab with `input` on its stdin.
fn with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // pinlab may exit before reading (a usage error): a closed pipe is fine then.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().unwrap()
}

/// A fresh directory under target/ for one test.
fn scratch_dir(name: &str) -> PathBuf {
    let d = root().join("target/unix-tests").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn small_text() -> String {
    std::fs::read_to_string(root().join(SMALL)).unwrap()
}

/// The scenarios a `check --format json` run checked, by source, in order.
fn checked_sources(o: &Output) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o.stderr)));
    v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"].as_str().unwrap().to_string())
        .collect()
}

// 1. `-` is stdin; the catalog is `--catalog`.

#[test]
fn a_dash_reads_one_scenario_from_stdin_not_the_catalog() {
    let o = with_stdin(
        &["-q", "check", "-", "--format", "json"],
        small_text().as_bytes(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(checked_sources(&o), ["<stdin>"]);

    // Empty stdin is an empty (so bad) scenario, never the catalog.
    let o = with_stdin(&["-q", "check", "-"], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
    assert!(text(&o.stderr).contains("<stdin>"), "{}", text(&o.stderr));

    // A parse error on stdin is located in `<stdin>`.
    let o = with_stdin(
        &["-q", "check", "-"],
        b"litmus bad\nfs ext5\nfile f pages=1\n",
    );
    assert_eq!(o.status.code(), Some(2));
    let e = text(&o.stderr);
    assert!(e.contains("<stdin>:2:4"), "{e}");
    assert!(e.contains("did you mean `ext4`?"), "{e}");

    // Stdin holds one scenario: `-` twice is a usage error, before anything is read.
    let o = with_stdin(&["check", "-", "-"], small_text().as_bytes());
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("`-` (stdin) is given twice"));
}

#[test]
fn every_command_that_takes_paths_takes_stdin() {
    let input = small_text();
    for (args, code, want) in [
        (
            vec!["matrix", "-", "-d", "legacy"],
            0,
            "xfs-two-fsyncs-no-pin",
        ),
        (vec!["rank", "-"], 0, "pairs on <stdin> (1 scenario)"),
        (vec!["designs", "--costs", "-"], 0, "<stdin>"),
        (
            vec!["explain", "-", "-d", "legacy"],
            0,
            "nothing to explain",
        ),
        (
            vec!["report", "-", "-d", "legacy", "-o", "-"],
            0,
            "&lt;stdin&gt;",
        ),
    ] {
        let mut a = vec!["-q"];
        a.extend(&args);
        let o = with_stdin(&a, input.as_bytes());
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", text(&o.stderr));
        assert!(
            text(&o.stdout).contains(want),
            "{args:?}: {}",
            text(&o.stdout)
        );
    }
}

#[test]
fn the_catalog_has_its_own_flag_and_stays_the_default() {
    let default = pinlab(&["-q", "check", "--format", "json", "-d", "legacy"]);
    let flagged = pinlab(&[
        "-q",
        "check",
        "--catalog",
        "--format",
        "json",
        "-d",
        "legacy",
    ]);
    assert_eq!(default.status.code(), Some(0));
    assert_eq!(default.stdout, flagged.stdout);
    let catalog = checked_sources(&default);
    assert!(catalog.len() > 20 && catalog.iter().all(|s| s.starts_with("litmus/")));

    // With paths, --catalog adds the catalog first.
    let o = with_stdin(
        &[
            "-q",
            "check",
            "--catalog",
            "-",
            "--format",
            "json",
            "-d",
            "legacy",
        ],
        small_text().as_bytes(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let mut want = catalog.clone();
    want.push("<stdin>".into());
    assert_eq!(checked_sources(&o), want);
}

#[test]
fn the_probe_reads_stdin_in_its_worker_too() {
    if let Some(why) = probe_cannot_run() {
        skip(why);
        return;
    }
    // The supervisor reads stdin; the worker it starts must get the same scenario.
    let o = with_stdin(
        &["-q", "probe", "-", "--fs", "ext4", "--format", "json"],
        small_text().as_bytes(),
    );
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o.stderr)));
    assert_eq!(v["runs"][0]["source"], "<stdin>");
    assert_eq!(v["runs"][0]["scenario"], "xfs-two-fsyncs-no-pin");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

// 2. A closed stdout ends quietly; other write errors are one line and exit 2.

/// Runs pinlab with stdout and stderr both the write end of a pipe whose read end is already
/// closed: every write fails with EPIPE, from the first byte on.
fn into_a_closed_pipe(args: &[&str], input: Option<&str>) -> Option<i32> {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut c = bin();
    c.args(args)
        .stdout(writer.try_clone().unwrap())
        .stderr(writer);
    c.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = c.spawn().unwrap();
    drop(c);
    if let Some(i) = input {
        let _ = child.stdin.take().unwrap().write_all(i.as_bytes());
    }
    child.wait().unwrap().code()
}

#[test]
fn a_closed_stdout_is_no_panic_and_keeps_the_exit_status() {
    // 101 would be a panic (print! on EPIPE), and eprintln! panics the same way on stderr.
    assert_eq!(into_a_closed_pipe(&["matrix"], None), Some(0));
    assert_eq!(into_a_closed_pipe(&["designs"], None), Some(0));
    assert_eq!(into_a_closed_pipe(&["man"], None), Some(0));
    assert_eq!(into_a_closed_pipe(&["--help"], None), Some(0));
    // The reader went away; the checks still disagree: 1, not 0.
    let wrong = small_text().replace("expect legacy: safe", "expect legacy: hang");
    assert_eq!(into_a_closed_pipe(&["check", "-"], Some(&wrong)), Some(1));
}

#[test]
fn a_full_disk_is_one_line_on_stderr_and_exit_2() {
    if !Path::new("/dev/full").exists() {
        eprintln!("SKIPPED: no /dev/full on this system");
        return;
    }
    for args in [
        vec!["-q", "matrix", "-d", "legacy"],
        vec!["-q", "check", SMALL, "-o", "/dev/full"],
        vec!["designs"],
    ] {
        let full = std::fs::File::create("/dev/full").unwrap();
        let o = bin().args(&args).stdout(full).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let e = text(&o.stderr);
        assert_eq!(e.lines().count(), 1, "{args:?}: {e}");
        assert!(e.starts_with("error: cannot write "), "{args:?}: {e}");
        assert!(e.contains("No space left on device"), "{args:?}: {e}");
    }
}

// 3. Directory walks.

#[cfg(unix)]
#[test]
fn a_directory_linking_to_itself_is_walked_once_and_each_file_checked_once() {
    use std::os::unix::fs::symlink;
    let d = scratch_dir("loops");
    std::fs::write(d.join("a.litmus"), small_text()).unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    std::fs::write(
        d.join("sub/b.litmus"),
        small_text().replace("litmus xfs-two-fsyncs-no-pin", "litmus b"),
    )
    .unwrap();
    symlink(".", d.join("self")).unwrap();
    symlink(".", d.join("dot")).unwrap();
    symlink("..", d.join("sub/up")).unwrap();
    symlink("../sub", d.join("sub/again")).unwrap();
    symlink("a.litmus", d.join("z-link.litmus")).unwrap();
    let dir = d.to_str().unwrap();
    let o = pinlab(&["-q", "check", dir, "--format", "json", "-d", "legacy"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let a = format!("{dir}/a.litmus");
    let b = format!("{dir}/sub/b.litmus");
    assert_eq!(checked_sources(&o), [a.as_str(), b.as_str()]);

    // The same file named again, directly or through a link, is still checked once.
    let link = format!("{dir}/z-link.litmus");
    let o = pinlab(&[
        "-q", "check", &a, dir, &link, "--format", "json", "-d", "legacy",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(checked_sources(&o), [a.as_str(), b.as_str()]);
}

// 4. -o.

#[test]
fn check_matrix_and_rank_write_to_o_as_they_print() {
    let d = scratch_dir("output");
    for args in [
        vec!["check", SMALL],
        vec!["matrix", SMALL, "-d", "legacy"],
        vec!["rank", SMALL],
    ] {
        let mut a = vec!["-q"];
        a.extend(&args);
        let printed = pinlab(&a);
        let file = d.join(format!("{}.txt", args[0]));
        let mut to_file = a.clone();
        to_file.extend(["-o", file.to_str().unwrap()]);
        let o = pinlab(&to_file);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
        assert!(o.stdout.is_empty(), "{args:?}");
        assert_eq!(std::fs::read(&file).unwrap(), printed.stdout, "{args:?}");
        let mut dash = a.clone();
        dash.extend(["-o", "-"]);
        assert_eq!(
            pinlab(&dash).stdout,
            printed.stdout,
            "{args:?}: -o - is stdout"
        );
    }
}

#[test]
fn a_bad_output_path_fails_before_any_work_and_a_good_old_file_survives_a_failed_run() {
    let d = scratch_dir("bad-output");
    let bad = d.join("bad.litmus");
    std::fs::write(&bad, "litmus bad\nfs ext5\n").unwrap();
    let bad = bad.to_str().unwrap();
    let missing = d.join("no/such/dir/out.txt");
    for cmd in ["check", "matrix", "rank", "report", "explain"] {
        let mut args = vec!["-q", cmd, bad, "-o", missing.to_str().unwrap()];
        if cmd == "explain" {
            args.extend(["-d", "legacy"]);
        }
        let o = pinlab(&args);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        let e = text(&o.stderr);
        // Only the output's error: the input was never read, let alone checked.
        assert_eq!(e.lines().count(), 1, "{cmd}: {e}");
        assert!(
            e.starts_with("error: cannot write ") && e.contains("out.txt"),
            "{cmd}: {e}"
        );
    }
    let o = pinlab(&["-q", "check", SMALL, "-o", d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("it is a directory"),
        "{}",
        text(&o.stderr)
    );

    // A run that fails after the output was opened leaves an old file as it was, and removes
    // one it created.
    let old = d.join("old.txt");
    std::fs::write(&old, "keep me\n").unwrap();
    let o = pinlab(&["-q", "check", bad, "-o", old.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&old).unwrap(), "keep me\n");
    let new = d.join("new.txt");
    let o = pinlab(&[
        "-q",
        "check",
        SMALL,
        "-d",
        "nosuch",
        "-o",
        new.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!new.exists(), "a file the failed run created is removed");
    // A successful run replaces the old contents entirely.
    std::fs::write(&old, "x".repeat(100_000)).unwrap();
    let o = pinlab(&["-q", "check", SMALL, "-o", old.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        std::fs::read(&old).unwrap(),
        pinlab(&["-q", "check", SMALL]).stdout
    );
}

// 5. report, and why every non-zero exit happened.

#[test]
fn report_names_the_inputs_that_failed_and_writes_nothing_when_none_was_checked() {
    let d = scratch_dir("report");
    let bad = d.join("bad.litmus");
    std::fs::write(&bad, "litmus bad\nfs ext5\n").unwrap();
    let bad = bad.to_str().unwrap();
    let html = d.join("r.html");
    let o = pinlab(&[
        "-q",
        "report",
        SMALL,
        bad,
        "-d",
        "legacy",
        "-o",
        html.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = text(&o.stderr);
    assert!(
        e.contains(&format!("pinlab: 1 input could not be parsed: {bad}\n")),
        "{e}"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains(&format!("<strong>1 input could not be read or parsed</strong> and is not in this report: <code>{bad}</code>")),
        "the report says it is partial"
    );
    assert!(page.contains("xfs-two-fsyncs-no-pin"));
    // A whole report has no such notice.
    let o = pinlab(&["-q", "report", SMALL, "-d", "legacy", "-o", "-"]);
    assert!(!text(&o.stdout).contains("could not be read or parsed"));

    // Nothing checked: no HTML, exit 2, and why.
    let none = d.join("none.html");
    let o = pinlab(&["-q", "report", bad, "-o", none.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!none.exists(), "no report of nothing");
    assert!(
        text(&o.stderr).contains("error: nothing could be checked (1 input could not be parsed:"),
        "{}",
        text(&o.stderr)
    );
    let o = pinlab(&["-q", "report", bad, "-o", "-"]);
    assert!(o.stdout.is_empty(), "no HTML on stdout either");
}

#[test]
fn every_non_zero_exit_says_why_on_stderr() {
    let d = scratch_dir("why");
    let bad = d.join("bad.litmus");
    std::fs::write(&bad, "litmus bad\nfs ext5\n").unwrap();
    let bad = bad.to_str().unwrap();
    let wrong = d.join("wrong.litmus");
    std::fs::write(
        &wrong,
        small_text().replace("expect legacy: safe", "expect legacy: hang"),
    )
    .unwrap();
    let wrong = wrong.to_str().unwrap();
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            vec!["check", SMALL, bad],
            2,
            "pinlab: 1 input could not be parsed: ",
        ),
        (
            vec!["matrix", SMALL, bad, "-d", "legacy"],
            2,
            "pinlab: 1 input could not be parsed: ",
        ),
        (
            vec!["rank", SMALL, bad],
            2,
            "pinlab: 1 input could not be parsed: ",
        ),
        (
            vec!["designs", "--costs", SMALL, bad],
            2,
            "pinlab: 1 input could not be parsed: ",
        ),
        (
            vec!["explain", bad, "-d", "legacy"],
            2,
            "pinlab: 1 input could not be parsed: ",
        ),
        (
            vec!["check", "no/such.litmus", SMALL],
            2,
            "pinlab: 1 input could not be read: no/such.litmus",
        ),
        (
            vec!["check", wrong],
            1,
            "pinlab: 1 expect line disagrees with the model",
        ),
        (
            vec!["matrix", wrong, "-d", "legacy"],
            1,
            "pinlab: 1 expect line disagrees with the model",
        ),
        (
            vec!["explain", SMALL, "-d", "legacy", "-p", "durability"],
            1,
            "durability is not violated in any execution",
        ),
        (
            vec!["explain", SMALL, "-d", "legacy", "--format", "json"],
            1,
            "nothing to explain",
        ),
        (
            vec!["rank", SMALL, "--max-states", "1"],
            1,
            "pinlab: every check hit a limit (incomplete)",
        ),
        (
            vec!["explain", SMALL, "-d", "legacy", "--max-states", "1"],
            1,
            "incomplete",
        ),
        (
            vec!["check", SMALL, "-d", "pin-wiat"],
            2,
            "error: --design: unknown design `pin-wiat`",
        ),
    ];
    for (args, code, why) in cases {
        let mut a = vec!["-q"];
        a.extend(&args);
        let o = pinlab(&a);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains(why),
            "{args:?}: stderr lacks {why:?}:\n{}",
            text(&o.stderr)
        );
    }
}

// 6. Incomplete checks are no answer.

#[test]
fn rank_draws_no_front_from_incomplete_checks() {
    // Every check cut short: nothing to rank, exit 1, and no pair marked.
    let o = pinlab(&["-q", "rank", SMALL, "--max-states", "1"]);
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o.stdout);
    assert!(
        t.contains("No Pareto front: 66 of the pairs' 66 checks hit a limit"),
        "{t}"
    );
    assert!(
        !t.lines().any(|l| l.starts_with("  * ")),
        "a pair marked on a front:\n{t}"
    );
    let o = pinlab(&["-q", "rank", SMALL, "--max-states", "1", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["front"], serde_json::json!([]));
    assert!(v["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["front"] == false));

    // Some checks cut short (the redirty scenario takes 15 to 44 states, depending on the
    // pair): a ranking, exit 0, but still no front.
    let o = pinlab(&[
        "-q",
        "rank",
        REDIRTY,
        "--max-states",
        "30",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let pairs = v["pairs"].as_array().unwrap();
    let incomplete = pairs.iter().filter(|p| p["incomplete"] == 1).count();
    assert!(incomplete > 0 && incomplete < pairs.len(), "{incomplete}");
    assert_eq!(v["front"], serde_json::json!([]));
    assert!(pairs
        .iter()
        .all(|p| p["front"] == false && p["dominated_by"].is_null()));
    let t = text(&pinlab(&["-q", "rank", REDIRTY, "--max-states", "30"]).stdout);
    assert!(t.contains("No Pareto front:"), "{t}");
    assert!(!t.lines().any(|l| l.starts_with("  * ")), "{t}");
}

#[test]
fn explain_exits_1_when_its_check_is_incomplete_trace_or_not() {
    for format in ["text", "json", "svg"] {
        let o = pinlab(&[
            "-q",
            "explain",
            SMALL,
            "-d",
            "legacy",
            "--max-states",
            "1",
            "--format",
            format,
        ]);
        assert_eq!(o.status.code(), Some(1), "{format}");
        assert!(o.stdout.is_empty(), "{format}: no answer on stdout");
        assert!(text(&o.stderr).contains("incomplete"), "{format}");
    }
    // A counterexample found before the limit is printed (BFS: it is the shortest), but the
    // verdict is not settled: exit 1, and stderr says so.
    let o = pinlab(&[
        "-q",
        "explain",
        REDIRTY,
        "-d",
        "legacy",
        "--max-states",
        "30",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("!! mkwrite-contract"),
        "{}",
        text(&o.stdout)
    );
    assert!(
        text(&o.stderr).contains("stopped the search after"),
        "{}",
        text(&o.stderr)
    );
}

// 7. Typos and bad bytes.

/// The `= help:` line of an error.
fn help_line(stderr: &str) -> String {
    stderr
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("= help: "))
        .unwrap_or_else(|| panic!("no help line in {stderr}"))
        .to_string()
}

#[test]
fn a_design_or_property_typo_gets_the_help_the_same_typo_gets_in_a_file() {
    let d = scratch_dir("typos");
    let in_file = d.join("typo.litmus");
    std::fs::write(
        &in_file,
        small_text().replace("expect legacy:", "expect pin-wiat:"),
    )
    .unwrap();
    let file_help = help_line(&text(
        &pinlab(&["-q", "check", in_file.to_str().unwrap()]).stderr,
    ));
    assert!(
        file_help.starts_with("did you mean `pin-wait`?"),
        "{file_help}"
    );
    for flag in ["-d", "--design"] {
        let o = pinlab(&["-q", "matrix", SMALL, flag, "legacy,pin-wiat"]);
        assert_eq!(o.status.code(), Some(2));
        assert_eq!(help_line(&text(&o.stderr)), file_help);
    }
    let o = pinlab(&["-q", "explain", SMALL, "-d", "pin-wiat"]);
    assert_eq!(help_line(&text(&o.stderr)), file_help);

    let in_file = d.join("prop.litmus");
    std::fs::write(
        &in_file,
        small_text().replace("expect legacy: safe", "expect legacy: unsafe(durabilty)"),
    )
    .unwrap();
    let file_help = help_line(&text(
        &pinlab(&["-q", "check", in_file.to_str().unwrap()]).stderr,
    ));
    let o = pinlab(&["-q", "explain", SMALL, "-d", "legacy", "-p", "durabilty"]);
    assert_eq!(o.status.code(), Some(2));
    let cli_help = help_line(&text(&o.stderr));
    assert!(
        cli_help.starts_with("did you mean `durability`? properties: "),
        "{cli_help}"
    );
    // The file's list leaves out bounded-wait (never part of an unsafe verdict); -p takes it.
    assert_eq!(cli_help.replace(", bounded-wait", ""), file_help);
}

#[test]
fn invalid_utf8_is_reported_with_its_byte_offset_for_files_and_stdin() {
    let d = scratch_dir("utf8");
    let f = d.join("latin1.litmus");
    std::fs::write(&f, b"litmus x\ndoc \"caf\xe9\"\n").unwrap();
    let o = pinlab(&["-q", "check", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains(&format!(
            "error: {}: invalid UTF-8 at byte 17\n",
            f.display()
        )),
        "{}",
        text(&o.stderr)
    );
    let o = with_stdin(&["-q", "check", "-"], b"litmus x\n\xff");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("error: <stdin>: invalid UTF-8 at byte 9\n"),
        "{}",
        text(&o.stderr)
    );
}

// 8. Help and man pages.

const SUBCOMMANDS: &[&str] = &[
    "matrix",
    "check",
    "explain",
    "report",
    "rank",
    "designs",
    "probe",
    "completions",
    "man",
];

fn help(sub: Option<&str>, columns: &str) -> String {
    let mut c = bin();
    if let Some(s) = sub {
        c.arg(s);
    }
    let o = c.arg("--help").env("COLUMNS", columns).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    text(&o.stdout)
}

#[test]
fn help_is_wrapped_to_the_terminal_width() {
    for sub in std::iter::once(None).chain(SUBCOMMANDS.iter().copied().map(Some)) {
        for width in [60, 120] {
            let h = help(sub, &width.to_string());
            let long = h
                .lines()
                .filter(|l| l.chars().count() > width)
                .collect::<Vec<_>>();
            assert!(long.is_empty(), "{sub:?} at {width} columns: {long:#?}");
        }
    }
}

#[test]
fn help_documents_every_option_and_shows_examples_and_exit_statuses() {
    for sub in std::iter::once(None).chain(SUBCOMMANDS.iter().copied().map(Some)) {
        let h = help(sub, "200");
        // In long help an entry is indented by 2 and its description follows, indented by 10.
        let lines: Vec<&str> = h.lines().collect();
        let mut section = "";
        for (i, l) in lines.iter().enumerate() {
            if !l.starts_with(' ') && l.ends_with(':') {
                section = l;
                continue;
            }
            if (section == "Arguments:" || section == "Options:")
                && l.starts_with("  ")
                && !l.starts_with("   ")
                || (section == "Options:" && l.starts_with("      --") && !l.starts_with("       "))
            {
                let next = lines.get(i + 1).copied().unwrap_or("");
                assert!(
                    next.starts_with("          ") && !next.trim().is_empty(),
                    "{sub:?}: `{}` has no description",
                    l.trim()
                );
            }
        }
        assert!(h.contains("\nExamples:\n  "), "{sub:?}: no examples");
        assert!(
            h.contains("\nExit status:\n  0 "),
            "{sub:?}: no exit status"
        );
        assert!(h.contains("\n  2    "), "{sub:?}: exit 2 undocumented");
    }
    let formats = help(Some("explain"), "200");
    for v in ["- text:", "- json:", "- svg:"] {
        assert!(
            formats.contains(v),
            "explain --format value {v} undocumented"
        );
    }
    assert!(
        formats.contains("<FILE>\n          The litmus file"),
        "{formats}"
    );
}

/// The example command lines of a `--help` text, with shell continuations joined.
fn help_examples(h: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = h
        .lines()
        .skip_while(|l| *l != "Examples:")
        .skip(1)
        .take_while(|l| !l.is_empty());
    while let Some(l) = lines.next() {
        if l.starts_with("  ") && !l.starts_with("   ") {
            let mut cmd = l.trim().to_string();
            while let Some(rest) = cmd.strip_suffix(" \\") {
                cmd = format!("{rest} {}", lines.next().unwrap().trim());
            }
            out.push(cmd);
        }
    }
    out
}

#[test]
fn man_pages_have_exit_status_examples_and_see_also_from_the_help_text() {
    let dir = scratch_dir("man");
    let o = pinlab(&["man", "-o", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for sub in std::iter::once(None).chain(SUBCOMMANDS.iter().copied().map(Some)) {
        let name = sub.map_or("pinlab".to_string(), |s| format!("pinlab-{s}"));
        let page = std::fs::read_to_string(dir.join(format!("{name}.1"))).unwrap();
        let sections: Vec<&str> = page.lines().filter(|l| l.starts_with(".SH ")).collect();
        for s in [".SH \"EXIT STATUS\"", ".SH EXAMPLES", ".SH \"SEE ALSO\""] {
            assert!(sections.contains(&s), "{name}: no {s} in {sections:?}");
        }
        assert!(
            !page.contains(".SH EXTRA"),
            "{name}: help text pasted as EXTRA"
        );
        assert_eq!(
            page.matches(".ie \\n(.g").count(),
            1,
            "{name}: one preamble"
        );
        // One source: every example of --help is on the page (roff escapes `-`).
        let examples = help_examples(&help(sub, "80"));
        assert!(!examples.is_empty(), "{name}");
        for e in examples {
            assert!(
                page.contains(&e.replace('-', "\\-")),
                "{name}: lacks example {e}"
            );
        }
    }
}
