//! `pinlab completions` and `pinlab man`: generated from the parser, so every subcommand the
//! help lists is completed and has a page.

mod common;
use common::{ok_stdout, pinlab, root};

/// The subcommands `pinlab --help` lists, but clap's own `help`.
fn subcommands() -> Vec<String> {
    let help = ok_stdout(&["--help"]);
    let list: Vec<String> = help
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A description wrapped to the terminal continues further in.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    for c in ["matrix", "check", "explain", "completions", "man"] {
        assert!(list.iter().any(|x| x == c), "--help lists no {c}: {list:?}");
    }
    list
}

#[test]
fn bash_completions_know_every_subcommand_and_their_options() {
    let script = ok_stdout(&["completions", "bash"]);
    assert!(script.contains("complete -F _pinlab"), "not a bash script");
    for c in subcommands() {
        assert!(script.contains(&format!("pinlab,{c})")), "bash: no {c}");
    }
    for opt in ["--all-designs", "--max-states", "--pin-matrix", "--color"] {
        assert!(script.contains(opt), "bash: no {opt}");
    }
    // Values of enums complete too (explain's formats).
    assert!(
        script.contains("text json svg"),
        "bash: explain's --format values"
    );
}

#[test]
fn no_shell_offers_the_probes_internal_worker_option() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = ok_stdout(&["completions", shell]);
        assert!(!script.contains("worker"), "{shell} offers --worker");
        assert!(
            script.contains("pin-matrix"),
            "{shell} lost the probe's options"
        );
    }
}

#[test]
fn every_shell_gets_a_script_in_its_own_language() {
    for (shell, marker) in [
        ("bash", "complete -F _pinlab"),
        ("zsh", "#compdef pinlab"),
        ("fish", "complete -c pinlab"),
        ("elvish", "edit:completion:arg-completer[pinlab]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = ok_stdout(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: no `{marker}`");
        assert!(script.contains("explain"), "{shell}: no subcommands");
    }
    let o = pinlab(&["completions", "tcsh"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

/// Checks that `page` is a roff man page titled `name`: only the string-definition preamble
/// clap_mangen writes comes before the `.TH` header.
fn assert_man_page(page: &str, name: &str) {
    let mut lines = page
        .lines()
        .skip_while(|l| l.starts_with(".ie ") || l.starts_with(".el "));
    let th = lines.next().unwrap_or_default();
    assert!(
        th.starts_with(&format!(".TH {name} 1 ")),
        "{name}: the first macro is not a .TH header: {th:?}"
    );
    assert!(
        th.contains(concat!("pinlab ", env!("CARGO_PKG_VERSION"))),
        "{th}"
    );
    assert!(page.contains(".SH NAME\n"), "{name}: no NAME section");
}

#[test]
fn man_prints_a_roff_page_that_names_every_subcommand() {
    let page = ok_stdout(&["man"]);
    assert_man_page(&page, "pinlab");
    for c in subcommands() {
        // roff escapes the hyphen.
        assert!(
            page.contains(&format!("pinlab\\-{c}(1)")),
            "pinlab.1 does not mention pinlab-{c}(1)"
        );
    }
    assert!(
        page.contains("\\-\\-quiet"),
        "the global options are documented"
    );
}

#[test]
fn man_out_dir_writes_a_page_per_subcommand() {
    let dir = root().join("target/extras-tests/man");
    let _ = std::fs::remove_dir_all(&dir);
    let o = pinlab(&["man", "-o", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let mut want: Vec<String> = subcommands()
        .iter()
        .map(|c| format!("pinlab-{c}.1"))
        .collect();
    want.push("pinlab.1".into());
    want.sort();
    let mut got: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    got.sort();
    assert_eq!(got, want);
    for f in &got {
        let page = std::fs::read_to_string(dir.join(f)).unwrap();
        assert_man_page(&page, f.strip_suffix(".1").unwrap());
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("pinlab.1")).unwrap(),
        ok_stdout(&["man"]),
        "the written pinlab.1 is the printed one"
    );
    let matrix = std::fs::read_to_string(dir.join("pinlab-matrix.1")).unwrap();
    assert!(
        matrix.contains("\\-\\-design"),
        "the matrix page lists its options"
    );
}

#[test]
fn man_into_a_folder_that_cannot_be_made_is_an_error_not_a_panic() {
    let file = root().join("target/extras-tests/a-file");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "").unwrap();
    let o = pinlab(&["man", "-o", file.join("sub").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.starts_with("error: cannot write man pages to "), "{e}");
}
