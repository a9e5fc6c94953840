//! Property tests: random scenarios under every tracking × handling pair never break the model's invariants
//! (refcount never negative and equal to the references held, a freed frame is never mapped or
//! cached, pins balance, reservations never exceed free space), in every reachable state.

use pinlab_model::design::Design;
use pinlab_model::device::{DeviceKind, DEVICES};
use pinlab_model::fs::{FsKind, FILESYSTEMS};
use pinlab_model::scenario::*;
use pinlab_model::{Step, World};
use proptest::prelude::*;
use std::collections::{HashSet, VecDeque};

/// Ops that need no handle, over file 0, mappings 0 (shared), 1 (private) and 2 (anonymous,
/// read-only until an mprotect).
fn plain_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize, 0..2u8, 1..4u8).prop_map(|(map, page, v)| Op::Store {
            map,
            page,
            value: Value(v)
        }),
        (0..3usize, 0..2u8).prop_map(|(map, page)| Op::Load { map, page, reg: 0 }),
        (0..2u8, 1..4u8).prop_map(|(page, v)| Op::Write {
            file: 0,
            page,
            value: Value(v)
        }),
        (0..2u8).prop_map(|page| Op::Read {
            file: 0,
            page,
            reg: 0
        }),
        Just(Op::Fsync { file: 0 }),
        Just(Op::Writeback { file: 0 }),
        Just(Op::Sync),
        (0..3u8).prop_map(|pages| Op::Truncate { file: 0, pages }),
        (0..2u8).prop_map(|page| Op::Punch { file: 0, page }),
        Just(Op::Reclaim),
        (0..3usize).prop_map(|map| Op::Munmap { map }),
        (0..3usize, any::<bool>()).prop_map(|(map, writable)| Op::Mprotect { map, writable }),
        Just(Op::Seal { file: 0, reg: 0 }),
    ]
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        0..FILESYSTEMS.len(),
        0..4u8,
        any::<bool>(),
        prop::collection::vec(prop::option::of(1..3u8), 2),
        0..DEVICES.len(),
        (0..3usize, 0..2u8, any::<bool>(), any::<bool>()),
        prop::collection::vec(plain_op(), 1..4),
        prop::collection::vec(plain_op(), 0..3),
        prop::collection::vec((0..3u8, 1..4u8, any::<bool>()), 1..3),
    )
        .prop_map(
            |(
                fs,
                blocks,
                integrity,
                data,
                dev,
                (map, start, write, longterm),
                ops_a,
                ops_b,
                dmas,
            )| {
                let kind = FsKind(fs as u8);
                let dkind = DeviceKind(dev as u8);
                let rules = dkind.rules();
                use pinlab_model::device::Flag;
                let write = match rules.write {
                    Flag::Implied => true,
                    Flag::Forbidden => false,
                    Flag::Optional => write,
                };
                let longterm = match rules.longterm {
                    Flag::Implied => true,
                    Flag::Forbidden => false,
                    Flag::Optional => longterm,
                };
                let mut a: Vec<OpDecl> = ops_a
                    .into_iter()
                    .map(|op| OpDecl {
                        op,
                        pos: Pos::default(),
                    })
                    .collect();
                a.push(OpDecl {
                    op: Op::Pin {
                        handle: 0,
                        device: 0,
                        map,
                        start,
                        end: start + 1,
                        write,
                        longterm,
                    },
                    pos: Pos::default(),
                });
                let mut b: Vec<OpDecl> = ops_b
                    .into_iter()
                    .map(|op| OpDecl {
                        op,
                        pos: Pos::default(),
                    })
                    .collect();
                for (kind, v, _) in &dmas {
                    let op = match kind {
                        0 => Op::DmaWrite {
                            handle: 0,
                            page: 0,
                            value: Value(*v),
                        },
                        1 => Op::DmaRead {
                            handle: 0,
                            page: 0,
                            reg: 0,
                        },
                        _ => Op::Writeback { file: 0 },
                    };
                    b.push(OpDecl {
                        op,
                        pos: Pos::default(),
                    });
                }
                b.push(OpDecl {
                    op: Op::Unpin {
                        handle: 0,
                        dirty: dmas[0].2,
                    },
                    pos: Pos::default(),
                });
                if dmas.len() > 1 {
                    b.push(OpDecl {
                        op: Op::DmaWrite {
                            handle: 0,
                            page: 0,
                            value: Value(3),
                        },
                        pos: Pos::default(),
                    });
                }
                let data: Vec<Option<Value>> = data.into_iter().map(|d| d.map(Value)).collect();
                Scenario {
                    name: "random".into(),
                    doc: None,
                    source: "proptest".into(),
                    fs: FsConfig {
                        kind,
                        blocks,
                        integrity,
                    },
                    files: vec![FileDecl {
                        name: "f".into(),
                        pages: 2,
                        data,
                        refs: 0,
                    }],
                    maps: vec![
                        MapDecl {
                            name: "m".into(),
                            kind: MapKind::File {
                                file: 0,
                                shared: true,
                                writable: true,
                            },
                        },
                        MapDecl {
                            name: "pm".into(),
                            kind: MapKind::File {
                                file: 0,
                                shared: false,
                                writable: true,
                            },
                        },
                        MapDecl {
                            name: "a".into(),
                            kind: MapKind::Anon {
                                pages: 2,
                                writable: false,
                            },
                        },
                    ],
                    devices: vec![DeviceDecl {
                        name: "d".into(),
                        kind: dkind,
                    }],
                    handles: vec!["p".into()],
                    regs: vec!["r".into()],
                    completions: vec![],
                    values: vec!["0".into(), "A".into(), "B".into(), "C".into()],
                    threads: vec![
                        ThreadDecl {
                            name: "a".into(),
                            ops: a,
                        },
                        ThreadDecl {
                            name: "b".into(),
                            ops: b,
                        },
                    ],
                    condition: None,
                    expects: vec![],
                }
            },
        )
}

/// Every tracking × handling pair (the `upstream` composite included).
fn all_designs() -> Vec<Design> {
    let mut v = Vec::new();
    for t in pinlab_model::design::TRACKINGS {
        for h in pinlab_model::design::HANDLINGS {
            v.push(Design {
                tracking: t,
                handling: h,
                preset: None,
            });
        }
    }
    v
}

/// Explores up to `limit` states breadth-first, checking the invariants of each.
fn explore(sc: &Scenario, d: Design, limit: usize) -> Result<usize, String> {
    let w = World::new(sc, d);
    let init = w.init();
    w.check_invariants(&init)
        .map_err(|e| format!("initial state: {e}"))?;
    let init_copy = init.clone();
    let mut seen = HashSet::new();
    let mut q = VecDeque::new();
    seen.insert(init.clone());
    q.push_back(init);
    while let Some(s) = q.pop_front() {
        for t in 0..sc.threads.len() {
            let again = match w.step(&s, t, false) {
                Step::Done(n, _) => Some(n),
                _ => None,
            };
            if let Step::Done(n, _) = w.step(&s, t, false) {
                if again.as_ref() != Some(&n) {
                    return Err("a step is not a pure function of the state".into());
                }
                let mut bytes = Vec::new();
                n.encode(&mut bytes);
                let mut back = init_copy.clone();
                back.decode_from(&bytes);
                if back != n {
                    return Err("decode(encode(state)) differs from the state".into());
                }
                if let Err(e) = w.check_invariants(&n) {
                    return Err(format!(
                        "after a step of thread {t} ({}): {e}",
                        sc.op_text(&sc.threads[t].ops[s.threads[t].pc as usize].op)
                    ));
                }
                if seen.len() < limit && seen.insert(n.clone()) {
                    q.push_back(n);
                }
            }
        }
    }
    Ok(seen.len())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn random_scenarios_keep_the_invariants(sc in scenario()) {
        for d in all_designs() {
            if let Err(e) = explore(&sc, d, 4000) {
                let ops: Vec<Vec<String>> = sc.threads.iter().map(|t| t.ops.iter().map(|o| sc.op_text(&o.op)).collect()).collect();
                prop_assert!(false, "{} on {}: {e}\nthreads: {ops:?}", d.name(), sc.fs.kind.name());
            }
        }
    }
}
