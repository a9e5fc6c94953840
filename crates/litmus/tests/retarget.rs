//! `parse_with(.., LowerOptions { fs })`: a scenario lowered for another filesystem than its `fs`
//! line names (what the probe does to run one scenario on every backing) is the scenario a file
//! naming that filesystem gives, and is refused with the same diagnostics when it does not fit.

use pinlab_litmus::{parse, parse_with, LowerOptions};
use pinlab_model::fs::FsKind;

const BODY: &str = "file f pages=1 data=A\nmmap m = f shared rw\nthread app {\n  write f[0] = B\n  read f[0] -> r\n  store m[0] = C\n}\nexists (cache f[0] = C /\\ r = B)\n";

fn with_fs(fs: &str) -> String {
    format!("litmus t\nfs {fs} blocks=3\n{BODY}")
}

fn fs(name: &str) -> FsKind {
    FsKind::from_name(name).expect("a filesystem of the model")
}

#[test]
fn retargeting_gives_the_scenario_a_file_naming_that_fs_gives() {
    let text = with_fs("ext4");
    for target in ["xfs", "btrfs", "tmpfs", "memfd"] {
        let got = parse_with(
            "t.litmus",
            &text,
            LowerOptions {
                fs: Some(fs(target)),
            },
        )
        .unwrap_or_else(|d| panic!("{target}: {}", d.render(&text)));
        let want = parse("t.litmus", &with_fs(target)).unwrap();
        assert_eq!(got.fs.kind, fs(target));
        assert_eq!(got.fs.blocks, 3, "blocks= stays as written");
        assert_eq!(format!("{got:?}"), format!("{want:?}"), "{target}");
    }
}

#[test]
fn a_target_that_cannot_do_an_op_is_refused_as_a_file_naming_it_is() {
    let text = with_fs("ext4");
    let got = parse_with(
        "t.litmus",
        &text,
        LowerOptions {
            fs: Some(fs("hugetlbfs")),
        },
    )
    .expect_err("hugetlbfs has no write(2)");
    let want = parse("t.litmus", &with_fs("hugetlbfs")).unwrap_err();
    let messages = |d: &pinlab_litmus::Diagnostics| -> Vec<(u32, String)> {
        d.errors
            .iter()
            .map(|e| (e.line, e.message.clone()))
            .collect()
    };
    assert_eq!(messages(&got), messages(&want));
    assert!(messages(&got)
        .iter()
        .any(|(_, m)| m == "hugetlbfs has no write(2); store through a mapping"));
}

#[test]
fn without_options_parse_with_is_parse() {
    let text = with_fs("xfs");
    let a = parse_with("t.litmus", &text, LowerOptions::default()).unwrap();
    assert_eq!(
        format!("{a:?}"),
        format!("{:?}", parse("t.litmus", &text).unwrap())
    );
}
