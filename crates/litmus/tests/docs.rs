//! `docs/litmus.md` states facts the model owns (device flags, filesystem rules) and shows
//! examples; these tests keep what it says true.

use pinlab_model::device::{DeviceKind, Flag};
use pinlab_model::fs::FsKind;

fn doc() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/litmus.md");
    std::fs::read_to_string(path).expect("docs/litmus.md")
}

/// The table rows of `doc` whose first cell is a backquoted name: (name, other cells).
fn rows(doc: &str, header_start: &str) -> Vec<(String, Vec<String>)> {
    let start = doc
        .find(header_start)
        .unwrap_or_else(|| panic!("no table starting with {header_start:?}"));
    doc[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            // `\|` is a `|` inside a cell.
            let cells: Vec<String> = l
                .trim_matches('|')
                .replace("\\|", "\u{0}")
                .split('|')
                .map(|c| c.trim().replace('\u{0}', "|"))
                .collect();
            (cells[0].trim_matches('`').to_string(), cells[1..].to_vec())
        })
        .collect()
}

fn flag(s: &str) -> Flag {
    match s {
        "implied" => Flag::Implied,
        "optional" => Flag::Optional,
        "forbidden" => Flag::Forbidden,
        other => panic!("unknown flag cell {other:?}"),
    }
}

fn yes(s: &str) -> bool {
    match s {
        "yes" => true,
        "no" => false,
        other => panic!("expected yes/no, found {other:?}"),
    }
}

#[test]
fn the_device_table_matches_the_model() {
    let doc = doc();
    let rows = rows(&doc, "| device | takes references with |");
    let listed: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        listed,
        DeviceKind::names(),
        "docs/litmus.md lists every device, in registry order"
    );
    for (name, cells) in rows {
        let r = DeviceKind::from_name(&name)
            .unwrap_or_else(|| panic!("docs list device `{name}` the model lacks"))
            .rules();
        assert_eq!(cells[0], format!("`{}`", r.gup_caller), "{name}");
        assert_eq!(yes(&cells[1]), r.foll_pin, "{name}: FOLL_PIN");
        assert_eq!(flag(&cells[2]), r.longterm, "{name}: longterm");
        assert_eq!(flag(&cells[3]), r.write, "{name}: write");
    }
}

#[test]
fn the_filesystem_table_matches_the_model() {
    let doc = doc();
    let rows = rows(&doc, "| fs | `->page_mkwrite` |");
    let listed: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        listed,
        FsKind::names(),
        "docs/litmus.md lists every filesystem, in registry order"
    );
    for (name, cells) in rows {
        let r = FsKind::from_name(&name)
            .unwrap_or_else(|| panic!("docs list filesystem `{name}` the model lacks"))
            .rules();
        assert_eq!(yes(&cells[0]), r.has_page_mkwrite(), "{name}: page_mkwrite");
        assert_eq!(yes(&cells[1]), r.backing, "{name}: backing");
        assert_eq!(yes(&cells[2]), r.cow, "{name}: cow");
        assert_eq!(yes(&cells[3]), r.data_checksums, "{name}: checksums");
        assert_eq!(yes(&cells[4]), r.write_syscall, "{name}: write(2)");
        assert_eq!(yes(&cells[5]), r.sealable, "{name}: seal");
    }
}

#[test]
fn the_op_table_lists_every_op_in_the_parsers_order_and_syntax() {
    let doc = doc();
    let rows = rows(&doc, "| op | what it does |");
    let mut keywords: Vec<&str> = Vec::new();
    let mut documented: Vec<String> = Vec::new();
    for (cell, _) in &rows {
        let kw = cell.split(' ').next().unwrap_or("");
        if keywords.last() != Some(&kw) {
            keywords.push(kw);
        }
        documented.push(cell.clone());
    }
    let ops = pinlab_litmus::operations();
    let want: Vec<&str> = ops.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        keywords, want,
        "docs/litmus.md's op table lists every op once, in the parser's order"
    );
    let syntax: Vec<String> = ops
        .iter()
        .flat_map(|(_, s)| s.split("` or `").map(str::to_string))
        .collect();
    assert_eq!(
        documented, syntax,
        "each row's first cell is the op's syntax as the parser's help prints it"
    );
}

#[test]
fn every_example_parses() {
    let doc = doc();
    let mut n = 0;
    for (i, _) in doc.match_indices("```\nlitmus ") {
        let start = i + 4;
        let end = start + doc[start..].find("```").expect("closed example");
        let text = &doc[start..end];
        if let Err(d) = pinlab_litmus::parse("docs/litmus.md", text) {
            panic!("{}", d.render(text));
        }
        n += 1;
    }
    assert!(n >= 2, "only {n} examples");
}

#[test]
fn the_example_parses() {
    let doc = doc();
    let start = doc.find("```\nlitmus ").expect("an example") + 4;
    let end = start + doc[start..].find("```").expect("closed example");
    let text = &doc[start..end];
    match pinlab_litmus::parse("docs/litmus.md", text) {
        Ok(s) => {
            assert_eq!(s.name, "ext4-rdma-redirty-after-writeback");
            assert_eq!(s.expects.len(), 4);
        }
        Err(d) => panic!("{}", d.render(text)),
    }
}

#[test]
fn the_documented_error_is_what_the_parser_prints() {
    let doc = doc();
    let text = "litmus x\nfs ext4\nfile f pages=1\nmmap m = f sharde rw\nthread a {\n  sync\n}\n";
    let out = pinlab_litmus::parse("litmus/x.litmus", text)
        .unwrap_err()
        .render(text);
    assert!(doc.contains(&out), "docs/litmus.md should show:\n{out}");
}
