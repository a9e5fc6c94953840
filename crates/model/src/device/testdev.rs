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
    use crate::scenario::*;
    use crate::world::{Step, World};

    /// Under pin-wait, a FOLL_PIN device's pin adds the 1024 bias; testdev's FOLL_GET adds one
    /// plain reference, through its own caller, and the probe is told it cannot drive it.
    #[test]
    fn testdev_takes_plain_references_and_the_probe_skips_it() {
        let mut refcounts = vec![];
        for device in ["dio", "testdev"] {
            let pin = Op::Pin {
                handle: 0,
                device: 0,
                map: 0,
                start: 0,
                end: 1,
                write: true,
                longterm: false,
            };
            let sc = crate::test_scenario::one_page("tmpfs", device, vec![pin]);
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
