//! `parse` never panics: random strings, random token soup and random mutations of valid files
//! all come back as `Ok` or as `Err` with at least one error, every error positioned inside the
//! text, and rendering works.

use proptest::prelude::*;

const VALID: &[&str] = &[
    // The docs/model.md example as the catalog carries it (with its argument comments).
    include_str!("../../../litmus/ext4-rdma-redirty-after-writeback.litmus"),
    "litmus every-op
fs btrfs blocks=8 integrity
file f pages=2 data=A,hole
file g pages=1
mmap m = f private ro
anon a pages=2
device d dio
device u io_uring
device v vmsplice
thread t {
  store a[1] = 7
  load m[0] -> r
  write g[3] = B
  read f[1] -> s
  pin p = d a[0..2] write
  pin q = u m[0..1]
  pin w = v m[1..2]
  dma p[1] = C
  dma q[0] -> x
  unpin p dirty
  unpin q
  fsync f
  sync
  writeback g
  truncate f 0
  punch g 0
  reclaim
  freeze
  thaw
  munmap m
  mprotect a ro
  fallocate g 7
  complete done
  wait_for_completion done
}
~exists (r = 0 \\/ ~(s = none /\\ x = C) /\\ (q = EFAULT \\/ w = ok) /\\ mem a[1] = 7 /\\ cache g[0] = none /\\ file f[1] = B)
expect pincount+wait: safe Never
expect upstream: unsafe
",
    "litmus seals
fs memfd
file f pages=1 data=A
mmap m = f shared rw
anon a pages=1 ro
device pv process_vm_writev
thread t {
  pin p = pv a[0..1]
  dma p[0] -> x
  unpin p
  munmap m
  seal f write -> r
  seal f write -> s
}
forall (r = ok /\\ s = EBUSY \\/ x = 0 /\\ p = ok)
",
];

/// Words and symbols of the language, for token soup.
const PIECES: &[&str] = &[
    "litmus",
    "doc",
    "fs",
    "file",
    "mmap",
    "anon",
    "device",
    "thread",
    "exists",
    "~exists",
    "forall",
    "expect",
    "Always",
    "Sometimes",
    "Never",
    "store",
    "load",
    "write",
    "read",
    "pin",
    "dma",
    "unpin",
    "fsync",
    "sync",
    "writeback",
    "truncate",
    "punch",
    "reclaim",
    "freeze",
    "thaw",
    "munmap",
    "mprotect",
    "seal",
    "fallocate",
    "complete",
    "wait_for_completion",
    "done",
    "ext4",
    "memfd",
    "process_vm_writev",
    "EBUSY",
    "tmpfs",
    "hugetlbfs",
    "rdma",
    "dio",
    "vmsplice",
    "io_uring",
    "shared",
    "private",
    "rw",
    "ro",
    "pages=",
    "data=",
    "blocks=",
    "integrity",
    "write",
    "longterm",
    "dirty",
    "none",
    "ok",
    "hole",
    "EFAULT",
    "legacy",
    "upstream",
    "pincount+wait",
    "unsafe",
    "safe",
    "hang",
    "durability",
    "f",
    "m",
    "p",
    "r",
    "A",
    "B",
    "0",
    "1",
    "8",
    "99999999999999999999999",
    "[",
    "]",
    "[0..1]",
    "(",
    ")",
    "{",
    "}",
    "=",
    ",",
    ":",
    "->",
    "..",
    "/\\",
    "\\/",
    "~",
    "\"",
    "\"s\"",
    "#",
    "\n",
    " ",
    "\t",
    "\r\n",
    "é",
    "\u{0}",
    "\u{7f}",
    "🦀",
    ";",
    "&&",
    "\\",
];

fn check(text: &str) -> Result<(), TestCaseError> {
    match pinlab_litmus::parse("fuzz.litmus", text) {
        Ok(s) => {
            prop_assert!(!s.threads.is_empty());
            prop_assert!(s.values.len() <= 201);
        }
        Err(d) => {
            prop_assert!(!d.errors.is_empty());
            let lines: Vec<&str> = text.split('\n').collect();
            for e in &d.errors {
                prop_assert!(
                    e.line >= 1 && (e.line as usize) <= lines.len(),
                    "line {} of {}: {:?}",
                    e.line,
                    lines.len(),
                    e
                );
                let line = lines[e.line as usize - 1];
                prop_assert!(
                    e.col >= 1 && (e.col as usize) <= line.chars().count() + 1,
                    "col {} in {:?}: {:?}",
                    e.col,
                    line,
                    e
                );
                prop_assert!(e.span.start <= e.span.end && e.span.end <= text.len());
                prop_assert!(
                    text.is_char_boundary(e.span.start) && text.is_char_boundary(e.span.end)
                );
                prop_assert!(!e.message.is_empty());
            }
            let r = d.render(text);
            prop_assert!(r.starts_with("error: "));
            prop_assert!(!d.to_string().is_empty());
            // rendering against some other text must not panic either
            let _ = d.render("");
        }
    }
    Ok(())
}

/// A mutation of a valid file: delete, duplicate or replace a byte range, or insert a piece.
#[derive(Clone, Debug)]
enum Mutation {
    Delete(usize, usize),
    Duplicate(usize, usize),
    Insert(usize, usize),
    Replace(usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0usize..12).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<usize>(), 0usize..40).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, p)| Mutation::Insert(a, p)),
        (any::<usize>(), 0usize..8, any::<usize>())
            .prop_map(|(a, n, p)| Mutation::Replace(a, n, p)),
    ]
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &str, m: &Mutation) -> String {
    let pos = |a: usize| floor_boundary(text, a % (text.len() + 1));
    match *m {
        Mutation::Delete(a, n) => {
            let s = pos(a);
            let e = floor_boundary(text, s + n);
            format!("{}{}", &text[..s], &text[e..])
        }
        Mutation::Duplicate(a, n) => {
            let s = pos(a);
            let e = floor_boundary(text, s + n);
            format!("{}{}", &text[..e], &text[s..])
        }
        Mutation::Insert(a, p) => {
            let s = pos(a);
            format!("{}{}{}", &text[..s], PIECES[p % PIECES.len()], &text[s..])
        }
        Mutation::Replace(a, n, p) => {
            let s = pos(a);
            let e = floor_boundary(text, s + n);
            format!("{}{}{}", &text[..s], PIECES[p % PIECES.len()], &text[e..])
        }
    }
}

#[test]
fn the_seed_files_are_valid() {
    for text in VALID {
        if let Err(d) = pinlab_litmus::parse("seed.litmus", text) {
            panic!("{}", d.render(text));
        }
    }
}

/// 512 cases per property, unless `PROPTEST_CASES` asks for more (or fewer).
fn config() -> ProptestConfig {
    let mut c = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        c.cases = 512;
    }
    c
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_strings(text in any::<String>()) {
        check(&text)?;
    }

    #[test]
    fn random_ascii_lines(text in "[ -~\t\n]{0,300}") {
        check(&text)?;
    }

    #[test]
    fn token_soup(pieces in prop::collection::vec(0..PIECES.len(), 0..80)) {
        let text: String = pieces.iter().map(|&i| PIECES[i]).collect::<Vec<_>>().join(" ");
        check(&text)?;
    }

    #[test]
    fn mutated_valid_files(which in 0..VALID.len(), muts in prop::collection::vec(mutation(), 1..6)) {
        let mut text = VALID[which].to_string();
        for m in &muts {
            text = apply(&text, m);
        }
        check(&text)?;
    }
}

#[test]
fn pathological_inputs() {
    let deep = format!("litmus t\nexists ({}", "(".repeat(100_000));
    let tildes = format!("litmus t\nexists ({}a = 1)", "~".repeat(100_000));
    let long_word = format!("litmus {}\nfs {}", "a".repeat(100_000), "b".repeat(100_000));
    let many_values: String = {
        let mut s = String::from("litmus t\nfs ext4\nfile f pages=1\nthread t {\n");
        for i in 0..300 {
            s.push_str(&format!("  write f[0] = V{i}\n"));
        }
        s.push_str("}\n");
        s
    };
    for text in [
        deep,
        tildes,
        long_word,
        many_values,
        "\u{feff}litmus x".to_string(),
        "\r\r\r".to_string(),
        "}".repeat(1000),
    ] {
        check(&text).unwrap();
    }
    let err = pinlab_litmus::parse("x", &{
        let mut s = String::from("litmus t\nfs ext4\nfile f pages=1\nthread t {\n");
        for i in 0..300 {
            s.push_str(&format!("  write f[0] = V{i}\n"));
        }
        s + "}\n"
    })
    .unwrap_err();
    // 300 writes also exceed the operation limit; each limit is reported once.
    let msgs: Vec<&str> = err.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        msgs,
        ["more than 200 operations", "more than 200 distinct values"]
    );
}
