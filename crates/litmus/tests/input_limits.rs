//! Oversized input is refused early, with one clear error, instead of being parsed at length.

use pinlab_litmus::{parse, MAX_INPUT_BYTES, MAX_STRING, MAX_WORD};

#[test]
fn a_huge_input_gets_one_error_at_the_limit() {
    // 22 MB of a plausible line: without the limit this took seconds and a gigabyte.
    let line = "  store m[0] = A\n";
    let text = format!(
        "litmus big\nfs ext4\n{}",
        line.repeat(22_000_000 / line.len())
    );
    let e = parse("big.litmus", &text).unwrap_err();
    assert_eq!(e.errors.len(), 1, "one error, not one per line");
    let r = e.render(&text);
    assert!(
        r.contains(&format!("the input is {} bytes", text.len())) && r.contains("at most 1024 KiB"),
        "{r}"
    );
    // The position is where the limit is passed.
    let line_no = text[..MAX_INPUT_BYTES].matches('\n').count() + 1;
    assert!(r.contains(&format!("big.litmus:{line_no}:")), "{r}");
}

#[test]
fn input_at_the_limit_is_parsed() {
    let mut text = String::from("litmus edge\nfs ext4\nfile f pages=1\nthread t {\n  fsync f\n}\n");
    text.push_str(&"#".repeat(MAX_INPUT_BYTES - text.len()));
    assert_eq!(text.len(), MAX_INPUT_BYTES);
    parse("edge.litmus", &text).expect("a file of exactly the limit parses");
}

#[test]
fn long_names_and_docs_are_refused_with_a_hint() {
    let long = "n".repeat(MAX_WORD + 1);
    let text = format!("litmus x\nfs ext4\nfile {long} pages=1\nthread t {{\n  fsync {long}\n}}\n");
    let r = parse("x.litmus", &text).unwrap_err().render(&text);
    assert!(
        r.contains(&format!(
            "is {} characters long; names, numbers and values are at most {MAX_WORD}",
            MAX_WORD + 1
        )),
        "{r}"
    );
    assert!(r.contains("x.litmus:3:6"), "{r}");

    let ok = "n".repeat(MAX_WORD);
    let text = format!("litmus x\nfs ext4\nfile {ok} pages=1\nthread t {{\n  fsync {ok}\n}}\n");
    parse("x.litmus", &text).expect("a name of exactly the limit is fine");

    let doc = "d".repeat(MAX_STRING + 1);
    let text =
        format!("litmus x\ndoc \"{doc}\"\nfs ext4\nfile f pages=1\nthread t {{\n  fsync f\n}}\n");
    let r = parse("x.litmus", &text).unwrap_err().render(&text);
    assert!(
        r.contains(&format!(
            "a string of {} bytes; strings are at most {MAX_STRING}",
            MAX_STRING + 1
        )),
        "{r}"
    );

    let name = "l".repeat(MAX_WORD + 1);
    let text = format!("litmus {name}\nfs ext4\nfile f pages=1\nthread t {{\n  fsync f\n}}\n");
    assert!(parse("x.litmus", &text).is_err());
}
