//! The example of docs/model.md#where-the-litmus-language-comes-from (the scenario the project's
//! specification first wrote), verbatim, lowered field by field.

use pinlab_model::device::DeviceKind;
use pinlab_model::fs::FsKind;
use pinlab_model::property::Property;
use pinlab_model::scenario::*;

pub const DESIGN_EXAMPLE: &str = r#"litmus ext4-rdma-redirty-after-writeback
doc "RDMA keeps writing a file page after writeback cleaned it (seed 003: 'things go boom')"

fs ext4 blocks=4
file f pages=1
mmap m = f shared rw
device nic rdma

thread app {
  store m[0] = A
  pin p = nic m[0..1] write longterm
  dma p[0] = B
  fsync f
  dma p[0] = C
  fsync f
  unpin p dirty
}

thread flusher {
  writeback f
}

exists (disk f[0] = B)
expect legacy: unsafe(mkwrite-contract, durability)
expect pin-wait: hang
expect longterm-refuse: refused
expect upstream: refused
"#;

fn pos(line: u32, col: u32) -> Pos {
    Pos { line, col }
}

#[test]
fn the_design_example_lowers_field_by_field() {
    let s = match pinlab_litmus::parse("docs/model.md", DESIGN_EXAMPLE) {
        Ok(s) => s,
        Err(d) => panic!("{}", d.render(DESIGN_EXAMPLE)),
    };
    assert_eq!(s.name, "ext4-rdma-redirty-after-writeback");
    assert_eq!(s.doc.as_deref(), Some("RDMA keeps writing a file page after writeback cleaned it (seed 003: 'things go boom')"));
    assert_eq!(s.source, "docs/model.md");
    assert_eq!(
        s.fs,
        FsConfig {
            kind: FsKind::from_name("ext4").unwrap(),
            blocks: 4,
            integrity: false
        }
    );
    assert_eq!(
        s.files,
        vec![FileDecl {
            name: "f".to_string(),
            pages: 1,
            data: vec![None],
            refs: 0
        }]
    );
    assert_eq!(
        s.maps,
        vec![MapDecl {
            name: "m".to_string(),
            kind: MapKind::File {
                file: 0,
                shared: true,
                writable: true
            }
        }]
    );
    assert_eq!(
        s.devices,
        vec![DeviceDecl {
            name: "nic".to_string(),
            kind: DeviceKind::from_name("rdma").unwrap()
        }]
    );
    assert_eq!(s.handles, vec!["p".to_string()]);
    assert!(s.regs.is_empty());
    assert_eq!(s.values, vec!["0", "A", "B", "C"]);
    let (a, b, c) = (Value(1), Value(2), Value(3));

    assert_eq!(s.threads.len(), 2);
    let app = &s.threads[0];
    assert_eq!(app.name, "app");
    assert_eq!(
        app.ops,
        vec![
            OpDecl {
                op: Op::Store {
                    map: 0,
                    page: 0,
                    value: a
                },
                pos: pos(10, 3)
            },
            OpDecl {
                op: Op::Pin {
                    handle: 0,
                    device: 0,
                    map: 0,
                    start: 0,
                    end: 1,
                    write: true,
                    longterm: true
                },
                pos: pos(11, 3)
            },
            OpDecl {
                op: Op::DmaWrite {
                    handle: 0,
                    page: 0,
                    value: b
                },
                pos: pos(12, 3)
            },
            OpDecl {
                op: Op::Fsync { file: 0 },
                pos: pos(13, 3)
            },
            OpDecl {
                op: Op::DmaWrite {
                    handle: 0,
                    page: 0,
                    value: c
                },
                pos: pos(14, 3)
            },
            OpDecl {
                op: Op::Fsync { file: 0 },
                pos: pos(15, 3)
            },
            OpDecl {
                op: Op::Unpin {
                    handle: 0,
                    dirty: true
                },
                pos: pos(16, 3)
            },
        ]
    );
    let flusher = &s.threads[1];
    assert_eq!(flusher.name, "flusher");
    assert_eq!(
        flusher.ops,
        vec![OpDecl {
            op: Op::Writeback { file: 0 },
            pos: pos(20, 3)
        }]
    );

    let cond = s.condition.as_ref().expect("a condition");
    assert_eq!(cond.quantifier, Quantifier::Exists);
    assert_eq!(
        cond.expr,
        CondExpr::Eq(Loc::Disk { file: 0, page: 0 }, Observed::Val(b))
    );
    assert_eq!(cond.text, "disk f[0] = B");

    assert_eq!(
        s.expects,
        vec![
            Expect {
                design: "legacy".to_string(),
                verdict: ExpectedVerdict::Unsafe(vec![
                    Property::MkwriteContract,
                    Property::Durability
                ]),
                answer: None,
                pos: pos(24, 1),
            },
            Expect {
                design: "pin-wait".to_string(),
                verdict: ExpectedVerdict::Hang,
                answer: None,
                pos: pos(25, 1)
            },
            Expect {
                design: "longterm-refuse".to_string(),
                verdict: ExpectedVerdict::Refused,
                answer: None,
                pos: pos(26, 1)
            },
            Expect {
                design: "upstream".to_string(),
                verdict: ExpectedVerdict::Refused,
                answer: None,
                pos: pos(27, 1)
            },
        ]
    );
}

#[test]
fn the_design_example_is_in_docs_model_md() {
    // Guards the copy above against drifting from the document that shows it.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/model.md");
    let doc = std::fs::read_to_string(path).expect("docs/model.md");
    assert!(
        doc.contains(DESIGN_EXAMPLE),
        "the example in docs/model.md#where-the-litmus-language-comes-from changed: update tests/design_example.rs"
    );
}
