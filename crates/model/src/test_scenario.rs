//! Scenarios for the model's unit tests, built without the litmus parser (which depends on this
//! crate): one file `f` of one page holding `0`, on `fs` with 4 blocks; a shared writable mapping
//! `m` of it; one device `nic` of kind `device` with handle `p`; one thread `t` running `ops`.

use crate::device::DeviceKind;
use crate::fs::FsKind;
use crate::scenario::*;

pub(crate) fn one_page(fs: &str, device: &str, ops: Vec<Op>) -> Scenario {
    Scenario {
        name: "t".into(),
        doc: None,
        source: "unit".into(),
        fs: FsConfig {
            kind: FsKind::from_name(fs).unwrap(),
            blocks: 4,
            integrity: false,
        },
        files: vec![FileDecl {
            name: "f".into(),
            pages: 1,
            data: vec![Some(Value(0))],
            refs: 0,
        }],
        maps: vec![MapDecl {
            name: "m".into(),
            kind: MapKind::File {
                file: 0,
                shared: true,
                writable: true,
            },
        }],
        devices: vec![DeviceDecl {
            name: "nic".into(),
            kind: DeviceKind::from_name(device).unwrap(),
        }],
        handles: vec!["p".into()],
        regs: vec![],
        completions: vec![],
        values: vec!["0".into(), "A".into()],
        threads: vec![ThreadDecl {
            name: "t".into(),
            ops: ops
                .into_iter()
                .map(|op| OpDecl {
                    op,
                    pos: Pos::default(),
                })
                .collect(),
        }],
        condition: None,
        expects: vec![],
    }
}
