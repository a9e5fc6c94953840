//! What reaches a terminal and what reaches a pipe: `--color`, NO_COLOR, `--quiet` and the
//! progress bar. On a pipe the bytes are the plain ones; colour adds escapes and nothing else.

use std::process::{Command, Output};

mod common;
use common::{root, skip, Skip};

fn pinlab_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pinlab"));
    c.args(args).current_dir(root()).env_remove("NO_COLOR");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run pinlab")
}

fn pinlab(args: &[&str]) -> Output {
    pinlab_env(args, &[])
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

/// `s` without its ANSI SGR sequences (`ESC [ ... m`).
fn strip_sgr(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('\x1b') {
        out.push_str(&rest[..i]);
        let m = rest[i..].find('m').expect("an SGR sequence ends with m");
        rest = &rest[i + m + 1..];
    }
    out.push_str(rest);
    out
}

const BAD: &str =
    "litmus x\nfs ext4\nfile f pages=1\nmmap m = f sharde rw\nthread a {\n  sync\n}\n";

fn scratch(name: &str, contents: &str) -> String {
    let dir = root().join("target/output-tests");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), contents).unwrap();
    format!("target/output-tests/{name}")
}

#[test]
fn color_always_colours_the_matrix_verdicts_without_moving_a_column() {
    let plain = pinlab(&["matrix"]);
    let coloured = pinlab(&["matrix", "--color", "always"]);
    assert_eq!(coloured.status.code(), Some(0));
    let c = text(&coloured.stdout);
    assert!(c.contains("\x1b[32msafe\x1b[0m"), "safe is green");
    assert!(c.contains("\x1b[1;31munsafe("), "unsafe is red");
    assert!(c.contains("\x1b[33mhang\x1b[0m"), "hang is yellow");
    assert!(c.contains("\x1b[34mrefused\x1b[0m"), "refused is blue");
    assert!(c.contains("\x1b[34mrevoked\x1b[0m"), "revoked is blue");
    assert_eq!(
        strip_sgr(&c),
        text(&plain.stdout),
        "colour must add escapes and change nothing else (padding outside the escapes)"
    );
}

#[test]
fn a_pipe_and_no_color_get_no_escapes_but_an_explicit_flag_wins() {
    let plain = pinlab(&["matrix"]);
    assert!(!plain.stdout.contains(&0x1b), "piped output is plain");
    for (args, env) in [
        (vec!["matrix", "--color", "auto"], vec![("NO_COLOR", "1")]),
        (vec!["matrix", "--color", "never"], vec![]),
        (vec!["matrix"], vec![("NO_COLOR", "")]),
    ] {
        let o = pinlab_env(&args, &env);
        assert_eq!(o.stdout, plain.stdout, "{args:?} {env:?}");
    }
    let o = pinlab_env(&["--color", "always", "matrix"], &[("NO_COLOR", "1")]);
    assert!(
        text(&o.stdout).contains("\x1b[32msafe"),
        "--color always is an explicit request and overrides NO_COLOR"
    );
}

#[test]
fn parse_errors_are_coloured_only_when_asked_and_read_the_same_without_escapes() {
    let bad = scratch("bad.litmus", BAD);
    // --quiet: no timing line, so stderr holds only the diagnostic.
    let plain = pinlab(&["-q", "check", &bad]);
    let coloured = pinlab(&["-q", "check", &bad, "--color", "always"]);
    assert_eq!(plain.status.code(), Some(2));
    assert_eq!(coloured.status.code(), Some(2));
    let (p, c) = (text(&plain.stderr), text(&coloured.stderr));
    assert!(
        p.starts_with("error: expected `shared` or `private`"),
        "{p}"
    );
    assert!(!p.contains('\x1b'));
    assert!(c.contains("\x1b[1;31merror\x1b[0m"), "{c:?}");
    assert_eq!(strip_sgr(&c), p);
}

#[test]
fn quiet_drops_the_timing_line_before_or_after_the_subcommand_and_keeps_stdout() {
    let loud = pinlab(&["matrix"]);
    assert!(text(&loud.stderr).contains("states/s"));
    for args in [["-q", "matrix"], ["matrix", "--quiet"]] {
        let o = pinlab(&args);
        assert_eq!(o.status.code(), Some(0));
        assert_eq!(text(&o.stderr), "", "{args:?}");
        assert_eq!(o.stdout, loud.stdout, "{args:?}");
    }
}

#[test]
fn quiet_still_prints_errors() {
    let o = pinlab(&["-q", "check", "no/such/file.litmus"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("error: cannot read no/such/file.litmus"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn with_stderr_not_a_terminal_there_is_no_progress_bar() {
    let o = pinlab(&["rank"]);
    assert_eq!(o.status.code(), Some(0));
    let e = text(&o.stderr);
    assert!(!e.contains('\x1b') && !e.contains('\r'), "{e:?}");
    assert_eq!(e.lines().count(), 1, "only the timing line: {e:?}");
    assert!(e.starts_with("pinlab: ") && e.contains("states/s"), "{e:?}");
}

/// Why pinlab cannot be run on a pseudo-terminal here, if it cannot: no util-linux `script`, or
/// a `script` that cannot make a terminal (no /dev/pts) even for `true`.
fn no_terminal() -> Option<Skip> {
    match Command::new("script")
        .args(["-qec", "true", "/dev/null"])
        .output()
    {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(Skip::Missing(
            "script not found (Debian: bsdutils), to run pinlab on a terminal".into(),
        )),
        Err(e) => Some(Skip::Machine(format!("cannot run `script`: {e}"))),
        Ok(o) if !o.status.success() => Some(Skip::Machine(format!(
            "`script -qec true` fails here, so no pseudo-terminal: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ))),
        Ok(_) => None,
    }
}

/// Runs pinlab on a pseudo-terminal (util-linux `script`, which `no_terminal` found working),
/// stdout and stderr together. pinlab failing there is the test failing: `script -e` returns
/// pinlab's exit status.
fn on_a_terminal(args: &str, env: &[(&str, &str)]) -> String {
    let bin = env!("CARGO_BIN_EXE_pinlab");
    let mut c = Command::new("script");
    c.args(["-qec", &format!("'{bin}' {args}"), "/dev/null"])
        .current_dir(root())
        .env_remove("NO_COLOR");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().expect("run script");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "pinlab {args} on a terminal: {}\n{out}{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

#[test]
fn on_a_terminal_auto_colours_and_shows_progress_unless_told_not_to() {
    if let Some(why) = no_terminal() {
        skip(why);
        return;
    }
    let tty = on_a_terminal("rank", &[]);
    assert!(
        tty.contains("checks, ") && tty.contains(" scenarios, ") && tty.contains("\x1b[2K"),
        "a progress bar on a terminal: {tty:?}"
    );
    let quiet = on_a_terminal("-q rank", &[]);
    assert!(
        !quiet.contains('\x1b') && !quiet.contains("states/s"),
        "{quiet:?}"
    );

    let matrix = on_a_terminal("-q matrix", &[]);
    assert!(matrix.contains("\x1b[32msafe"), "auto colours a terminal");
    let no_color = on_a_terminal("-q matrix", &[("NO_COLOR", "1")]);
    assert!(!no_color.contains('\x1b'), "NO_COLOR=1: {no_color:?}");
    let empty = on_a_terminal("-q matrix", &[("NO_COLOR", "")]);
    assert!(empty.contains("\x1b[32msafe"), "an empty NO_COLOR is unset");
}
