//! A device that exists only in the model's unit tests, added by following README.md's "Adding a
//! filesystem or a device": a short-term FOLL_GET user (a driver not yet converted to FOLL_PIN),
//! which the probe has no mechanism for, so it says so.

use super::{DeviceRules, Flag, ProbeDrive};

pub static TESTDEV: DeviceRules = DeviceRules {
    name: "testdev",
    summary: "test only: short-term plain FOLL_GET references, FOLL_WRITE optional",
    longterm: Flag::Forbidden,
    write: Flag::Optional,
    foll_pin: false,
    gup_caller: "testdev_get_user_pages",
    faults: false,
    probe: ProbeDrive::Skip("testdev exists only in the model's unit tests"),
};

#[cfg(test)]
mod tests {
    use crate::design::Design;
    use crate::device::{DeviceKind, ProbeDrive};
    use crate::fs::FsKind;
    use crate::scenario::*;
    use crate::world::{Step, World};

    fn pin_one_page(device: &str) -> Scenario {
        Scenario {
            name: "t".into(),
            doc: None,
            source: "unit".into(),
            fs: FsConfig {
                kind: FsKind::from_name("tmpfs").unwrap(),
                blocks: 0,
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
                name: "d".into(),
                kind: DeviceKind::from_name(device).unwrap(),
            }],
            handles: vec!["p".into()],
            regs: vec![],
            completions: vec![],
            values: vec!["0".into()],
            threads: vec![ThreadDecl {
                name: "t".into(),
                ops: vec![OpDecl {
                    op: Op::Pin {
                        handle: 0,
                        device: 0,
                        map: 0,
                        start: 0,
                        end: 1,
                        write: true,
                        longterm: false,
                    },
                    pos: Pos::default(),
                }],
            }],
            condition: None,
            expects: vec![],
        }
    }

    /// Under pin-wait, a FOLL_PIN device's pin adds the 1024 bias; testdev's FOLL_GET adds one
    /// plain reference, through its own caller, and the probe is told it cannot drive it.
    #[test]
    fn testdev_takes_plain_references_and_the_probe_skips_it() {
        let mut refcounts = vec![];
        for device in ["dio", "testdev"] {
            let sc = pin_one_page(device);
            let w = World::new(&sc, Design::preset("pin-wait").unwrap());
            let (mut s, mut calls) = (w.init(), vec![]);
            while let Step::Done(n, info) = w.step(&s, 0, true) {
                calls.extend(info.calls);
                s = n;
            }
            let fr = s.pinned[0].0;
            refcounts.push(s.frames[fr as usize].refcount);
            if device == "testdev" {
                assert!(
                    calls
                        .iter()
                        .any(|c| c.text.starts_with("testdev_get_user_pages -> ")),
                    "{calls:#?}"
                );
            }
        }
        assert_eq!(refcounts[1] + 1023, refcounts[0], "{refcounts:?}");
        assert!(matches!(
            DeviceKind::from_name("testdev").unwrap().rules().probe,
            ProbeDrive::Skip(_)
        ));
    }
}
