//! The second oracle against the model: on random scenarios, on the catalog and on small
//! hand-written cases, every execution's in-step verdicts must be what the history oracle
//! (`pinlab_check::oracle`) decides from the execution's events, and the union over all
//! executions must be `check()`'s verdict.
//!
//! `PINLAB_ORACLE_CASES=N` sets the number of random scenarios (each under every design);
//! `PINLAB_ORACLE_SEED=S` another seed; `PINLAB_ORACLE_KEEP_GOING=1` collects every
//! disagreement instead of stopping (and shrinking) at the first, and prints one example of
//! each kind at the end.

use pinlab_check::oracle::{cross_check, cross_check_world, CrossCheck, CrossLimits, Disagreement};
use pinlab_gen::{render, FileSpec, MapSpec, OpSpec, Shape, Spec, DEVICES};
use pinlab_model::design::Design;
use pinlab_model::property::Property;
use pinlab_model::scenario::Scenario;
use pinlab_model::{Mutation, World};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

// Designs -----------------------------------------------------------------------------------------

/// Every preset, and every tracking × handling pair that is not a preset.
fn designs() -> Vec<Design> {
    let mut d = Design::presets();
    d.extend(
        Design::pairs()
            .into_iter()
            .filter(|p| p.preset_name().is_none()),
    );
    d
}

// Random scenarios --------------------------------------------------------------------------------

// The scenario types and their rendering are pinlab-gen's (shared with the fuzz targets); the
// strategies here keep them small, so that every interleaving can usually be enumerated.

fn file_spec() -> impl Strategy<Value = FileSpec> {
    (
        1..=2u8,
        prop::option::of(prop::collection::vec(prop::option::of(0..3u8), 2)),
        prop_oneof![8 => Just(0u16), 1 => Just(1u16), 1 => Just(1100u16)],
    )
        .prop_map(|(pages, data, refs)| FileSpec {
            pages,
            data: data.map(|mut d| {
                d.truncate(pages as usize);
                d
            }),
            refs,
        })
}

fn map_spec() -> impl Strategy<Value = MapSpec> {
    prop_oneof![
        6 => (0..2u8, prop::bool::weighted(0.7), prop::bool::weighted(0.75))
            .prop_map(|(file, shared, rw)| MapSpec::File { file, shared, rw }),
        1 => (1..=2u8, prop::bool::weighted(0.75)).prop_map(|(pages, rw)| MapSpec::Anon { pages, rw }),
    ]
}

/// What a thread mostly does: random threads of random ops rarely meet, so each thread has a
/// role that weights its ops (every op stays possible in every role).
#[derive(Clone, Copy, Debug)]
enum Role {
    /// Stores, write(2), pins.
    App,
    /// DMA through the handles, unpins.
    Device,
    /// Writeback, fsync, truncate, reclaim, freeze.
    Kernel,
}

fn op_spec(role: Role, extended: bool) -> BoxedStrategy<OpSpec> {
    let i = || 0..4u8;
    // (app, device, kernel) weights.
    let w = |a: u32, d: u32, k: u32| match role {
        Role::App => a,
        Role::Device => d,
        Role::Kernel => k,
    };
    let base = prop_oneof![
        w(6, 1, 1) => (i(), i(), i()).prop_map(|(m, p, v)| OpSpec::Store(m, p, v)),
        w(2, 1, 1) => (i(), i()).prop_map(|(m, p)| OpSpec::Load(m, p)),
        w(3, 1, 1) => (i(), i(), i()).prop_map(|(f, p, v)| OpSpec::Write(f, p, v)),
        w(1, 1, 1) => (i(), i()).prop_map(|(f, p)| OpSpec::Read(f, p)),
        w(8, 4, 1) => (i(), i(), i(), i(), prop::bool::weighted(0.75), any::<bool>()).prop_map(
            |(dev, map, start, len, write, longterm)| OpSpec::Pin { dev, map, start, len, write, longterm }
        ),
        w(3, 10, 1) => (i(), i(), i()).prop_map(|(h, k, v)| OpSpec::DmaWrite(h, k, v)),
        w(1, 2, 1) => (i(), i()).prop_map(|(h, k)| OpSpec::DmaRead(h, k)),
        w(3, 5, 1) => (i(), any::<bool>()).prop_map(|(h, d)| OpSpec::Unpin(h, d)),
        w(3, 1, 6) => i().prop_map(OpSpec::Fsync),
        w(1, 1, 2) => Just(OpSpec::Sync),
        w(1, 1, 8) => i().prop_map(OpSpec::Writeback),
        w(1, 1, 3) => (i(), prop_oneof![3 => Just(0u8), 2 => Just(1), 1 => Just(2)]).prop_map(|(f, n)| OpSpec::Truncate(f, n)),
        w(1, 1, 3) => (i(), i()).prop_map(|(f, p)| OpSpec::Punch(f, p)),
        w(2, 1, 4) => Just(OpSpec::Reclaim),
        w(1, 1, 2) => Just(OpSpec::Freeze),
        w(1, 1, 2) => Just(OpSpec::Thaw),
        w(1, 1, 1) => i().prop_map(OpSpec::Munmap),
        w(1, 1, 1) => (i(), any::<bool>()).prop_map(|(m, w)| OpSpec::Mprotect(m, w)),
        w(1, 1, 1) => i().prop_map(OpSpec::Seal),
    ];
    if extended {
        prop_oneof![
            24 => base,
            w(1, 0, 1) => (i(), i()).prop_map(|(f, p)| OpSpec::Fallocate(f, p)),
            1 => i().prop_map(OpSpec::Complete),
            1 => i().prop_map(OpSpec::WaitForCompletion),
        ]
        .boxed()
    } else {
        base.boxed()
    }
}

fn thread_spec(extended: bool) -> impl Strategy<Value = Vec<OpSpec>> {
    prop_oneof![
        3 => Just(Role::App),
        2 => Just(Role::Device),
        2 => Just(Role::Kernel),
    ]
    .prop_flat_map(move |role| prop::collection::vec(op_spec(role, extended), 1..=5))
}

fn spec(extended: bool) -> impl Strategy<Value = Spec> {
    (
        // The filesystems with backing store have most to get wrong.
        prop_oneof![
            3 => Just(0usize), 3 => Just(1), 3 => Just(2), 1 => Just(3), 1 => Just(4),
            1 => Just(5), 2 => Just(6), 2 => Just(7),
        ],
        0..=3u8,
        prop::bool::weighted(0.15),
        prop::collection::vec(file_spec(), 1..=2),
        prop_oneof![1 => prop::collection::vec(map_spec(), 0..=0), 8 => prop::collection::vec(map_spec(), 1..=2)],
        prop_oneof![1 => prop::collection::vec(0..DEVICES.len(), 0..=0), 8 => prop::collection::vec(0..DEVICES.len(), 1..=2)],
        prop::collection::vec(thread_spec(extended), 2..=3),
    )
        .prop_map(Spec::from)
}

fn parse(text: &str) -> Option<Scenario> {
    pinlab_litmus::parse("random.litmus", text).ok()
}

/// Does the parser know the ops of branch `parser` (fallocate, completions)?
fn parser_extended() -> bool {
    parse("litmus x\nfs ext4\nfile f pages=1\nthread t {\n  fallocate f 0\n}\n").is_some()
}

/// A random scenario: its litmus text and what it parses to (shown as the text alone).
#[derive(Clone)]
struct Case {
    text: String,
    sc: Scenario,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\n{}", self.text)
    }
}

fn scenarios() -> impl Strategy<Value = Case> {
    spec(parser_extended()).prop_filter_map("does not parse", |s| {
        let text = render(&s, &Shape::SMALL);
        parse(&text).map(|sc| Case { text, sc })
    })
}

// Running -----------------------------------------------------------------------------------------

#[derive(Default)]
struct Counts {
    checks: AtomicUsize,
    executions: AtomicUsize,
    complete: AtomicUsize,
    with_checker: AtomicUsize,
    /// Checks whose executions violate each property (`Property::ALL` order), refuse, revoke.
    found: [AtomicUsize; 11],
}

impl Counts {
    fn add(&self, c: &CrossCheck) {
        self.checks.fetch_add(1, Ordering::Relaxed);
        self.executions.fetch_add(c.executions, Ordering::Relaxed);
        if c.complete {
            self.complete.fetch_add(1, Ordering::Relaxed);
        }
        if c.compared_with_checker {
            self.with_checker.fetch_add(1, Ordering::Relaxed);
        }
        for (i, p) in Property::ALL.iter().enumerate() {
            if c.outcome.violated.contains(*p) {
                self.found[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        if c.outcome.refused {
            self.found[9].fetch_add(1, Ordering::Relaxed);
        }
        if c.outcome.revoked {
            self.found[10].fetch_add(1, Ordering::Relaxed);
        }
    }
    fn report(&self, what: &str) {
        println!(
            "{what}: {} scenario x design checks, {} executions; {} enumerated completely, {} of them also compared with check()",
            self.checks.load(Ordering::Relaxed),
            self.executions.load(Ordering::Relaxed),
            self.complete.load(Ordering::Relaxed),
            self.with_checker.load(Ordering::Relaxed),
        );
        let names = Property::ALL
            .iter()
            .map(|p| p.name())
            .chain(["refused", "revoked"]);
        let found: Vec<String> = names
            .zip(&self.found)
            .map(|(n, c)| format!("{n} {}", c.load(Ordering::Relaxed)))
            .collect();
        println!("  checks where some execution has: {}", found.join(", "));
    }
}

/// Cross-checks one scenario under each design with each of the mutations (`None`: the
/// correct model), on every core; the disagreements in job order.
fn cross_check_mutants(
    text: &str,
    sc: &Scenario,
    designs: &[Design],
    mutations: &[Option<Mutation>],
    limits: CrossLimits,
    counts: &Counts,
) -> Vec<Disagreement> {
    let jobs: Vec<(Design, Option<Mutation>)> = mutations
        .iter()
        .flat_map(|m| designs.iter().map(move |d| (*d, *m)))
        .collect();
    let next = AtomicUsize::new(0);
    let found: Mutex<Vec<(usize, Box<Disagreement>)>> = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(jobs.len());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((d, m)) = jobs.get(i) else { break };
                let mut w = World::new(sc, *d);
                if let Some(m) = m {
                    w = w.mutated(*m);
                }
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    cross_check_world(&w, limits)
                }));
                match r {
                    Ok(Ok(c)) => counts.add(&c),
                    // A pin that takes no reference makes its release a double free: that is
                    // the mutant's bug (no property covers a refcount), not a history out of
                    // place.
                    Ok(Err(e))
                        if *m == Some(Mutation::PinNoRef)
                            && e.kind == "history"
                            && e.note
                                .as_deref()
                                .is_some_and(|n| n.contains("freed while free")) =>
                    {
                        counts.checks.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(Err(e)) => found.lock().unwrap().push((i, e.with_litmus(text))),
                    Err(p) => {
                        let why = p
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default();
                        found
                            .lock()
                            .unwrap()
                            .push((i, panicked(text, sc, *d, *m, why)));
                    }
                }
            });
        }
    });
    let mut found = found.into_inner().unwrap();
    found.sort_by_key(|(i, _)| *i);
    found.into_iter().map(|(_, d)| *d).collect()
}

/// A panic inside the model (or the oracle) as a disagreement, so that it is reported with
/// its scenario like the others.
fn panicked(
    text: &str,
    sc: &Scenario,
    d: Design,
    m: Option<Mutation>,
    why: String,
) -> Box<Disagreement> {
    Box::new(Disagreement {
        litmus: Some(text.to_string()),
        scenario: sc.name.clone(),
        design: match m {
            Some(m) => format!("{} (mutant {m:?})", d.name()),
            None => d.name(),
        },
        kind: "panic",
        path: Vec::new(),
        thread_names: Vec::new(),
        model: Default::default(),
        oracle: Default::default(),
        init: Vec::new(),
        steps: Vec::new(),
        note: Some(why),
    })
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Random scenarios by default, each under all 67 designs: a few seconds in a debug build.
const DEFAULT_CASES: usize = 32;

/// The enumeration's bounds: a debug build (CI) gives up on completeness sooner.
fn limits() -> CrossLimits {
    if cfg!(debug_assertions) {
        CrossLimits {
            max_executions: 1_500,
            random_executions: 100,
            ..CrossLimits::default()
        }
    } else {
        CrossLimits::default()
    }
}

/// Cross-checks `PINLAB_<prefix>_CASES` random scenarios (default `default_cases`), each under
/// every design in `designs` with each of `mutations`.
fn random_run(
    prefix: &str,
    default_cases: usize,
    designs: &[Design],
    mutations: &[Option<Mutation>],
) {
    let cases = env_usize(&format!("PINLAB_{prefix}_CASES"), default_cases);
    let seed = env_usize("PINLAB_ORACLE_SEED", 1) as u64;
    let keep_going = std::env::var("PINLAB_ORACLE_KEEP_GOING").is_ok_and(|v| v == "1");
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    seed_bytes[8..8 + prefix.len().min(24)]
        .copy_from_slice(&prefix.as_bytes()[..prefix.len().min(24)]);
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: cases as u32,
            failure_persistence: None,
            max_shrink_iters: 2000,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let counts = Counts::default();
    let kept: Mutex<BTreeMap<String, Disagreement>> = Mutex::new(BTreeMap::new());
    let started = std::time::Instant::now();
    let r = runner.run(&scenarios(), |Case { text, sc }| {
        let found = cross_check_mutants(&text, &sc, designs, mutations, limits(), &counts);
        if keep_going {
            let mut k = kept.lock().unwrap();
            for d in found {
                let sig = d.signature();
                let shorter = k
                    .get(&sig)
                    .is_none_or(|old| old.litmus.as_ref().unwrap().len() > text.len());
                if shorter {
                    k.insert(sig, d);
                }
            }
            return Ok(());
        }
        match found.into_iter().next() {
            Some(d) => Err(TestCaseError::fail(d.to_string())),
            None => Ok(()),
        }
    });
    counts.report(&format!(
        "random scenarios, {prefix} ({cases} cases, seed {seed}, {:.1} s)",
        started.elapsed().as_secs_f64()
    ));
    let kept = kept.into_inner().unwrap();
    for d in kept.values() {
        println!("==== {}\n{d}", d.signature());
    }
    if let Err(e) = r {
        panic!("{e}");
    }
    assert!(
        kept.is_empty(),
        "{} kinds of disagreement (above)",
        kept.len()
    );
}

#[test]
fn random_scenarios_model_and_oracle_agree() {
    random_run("ORACLE", DEFAULT_CASES, &designs(), &[None]);
}

/// Every deliberate bug of `Mutation`.
const MUTATIONS: [Mutation; 7] = [
    Mutation::NoMkclean,
    Mutation::NoStableWait,
    Mutation::IntegrityNoWait,
    Mutation::NoReserve,
    Mutation::TruncateNoWritebackWait,
    Mutation::PinNoRef,
    Mutation::NoFreezeWait,
];

/// A mutated model reaches states the correct one never does (a completion to a freed block,
/// a store to a page writeback cleaned, a DMA to a frame nobody referenced): its verdicts and
/// the oracle must agree there too. Under the presets.
#[test]
fn random_scenarios_mutated_model_and_oracle_agree() {
    let mutations: Vec<Option<Mutation>> = MUTATIONS.into_iter().map(Some).collect();
    random_run(
        "ORACLE_MUTANT",
        DEFAULT_CASES / 4,
        &Design::presets(),
        &mutations,
    );
}

// The catalog as a fixture ------------------------------------------------------------------------

/// Every catalog file under every preset, with each of `mutations`.
fn catalog_run(what: &str, mutations: &[Option<Mutation>]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../litmus");
    let files = pinlab_litmus::litmus_files(&dir).expect("the catalog");
    assert!(!files.is_empty());
    let counts = Counts::default();
    let mut failures = Vec::new();
    let limits = CrossLimits {
        max_executions: if cfg!(debug_assertions) { 300 } else { 5_000 },
        random_executions: if cfg!(debug_assertions) { 30 } else { 200 },
        ..CrossLimits::default()
    };
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let sc = pinlab_litmus::parse(&f.display().to_string(), &text).expect("catalog parses");
        failures.extend(cross_check_mutants(
            &text,
            &sc,
            &Design::presets(),
            mutations,
            limits,
            &counts,
        ));
    }
    counts.report(what);
    for d in &failures {
        println!("{d}");
    }
    assert!(
        failures.is_empty(),
        "{} disagreements (above)",
        failures.len()
    );
}

#[test]
fn catalog_model_and_oracle_agree() {
    catalog_run("catalog", &[None]);
}

#[test]
fn catalog_mutated_model_and_oracle_agree() {
    let mutations: Vec<Option<Mutation>> = MUTATIONS.into_iter().map(Some).collect();
    catalog_run("catalog, mutants", &mutations);
}

// One case per property --------------------------------------------------------------------------

fn agree(text: &str, design: &str) -> CrossCheck {
    let sc =
        pinlab_litmus::parse("case.litmus", text).unwrap_or_else(|d| panic!("{}", d.render(text)));
    let d = Design::parse(design).unwrap();
    match cross_check(&sc, d, CrossLimits::default()) {
        Ok(c) => {
            assert!(c.complete, "{design}: enumeration incomplete");
            c
        }
        Err(e) => panic!("{}", e.with_litmus(text)),
    }
}

fn finds(text: &str, design: &str, p: Property) {
    let c = agree(text, design);
    assert!(
        c.outcome.violated.contains(p),
        "{design}: expected {} in {}",
        p.name(),
        c.outcome
    );
}

fn clean(text: &str, design: &str) {
    let c = agree(text, design);
    assert!(
        c.outcome.violated.is_empty(),
        "{design}: expected no violation, got {}",
        c.outcome
    );
}

fn catalog(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../litmus")
            .join(format!("{name}.litmus")),
    )
    .unwrap()
}

#[test]
fn mkwrite_contract_a_dma_write_to_a_page_writeback_cleaned() {
    let text = "litmus t\nfs ext4\nfile f pages=1 data=A\nmmap m = f shared rw\ndevice nic rdma\nthread a {\n  pin p = nic m[0..1] write\n  fsync f\n  dma p[0] = B\n}\n";
    finds(text, "legacy", Property::MkwriteContract);
    // Not checked where filesystems tolerate it.
    clean(text, "fs-tolerant");
    // tmpfs has no ->page_mkwrite.
    clean(&text.replace("ext4", "tmpfs"), "legacy");
}

#[test]
fn stable_writes_a_dma_write_between_submit_and_completion() {
    let text = catalog("ext4-integrity-rdma-dma-during-writeback");
    finds(&text, "legacy", Property::StableWrites);
    // Without an integrity device ext4 does not need stable pages.
    let plain = text.replace("fs ext4 integrity", "fs ext4");
    let c = agree(&plain, "legacy");
    assert!(
        !c.outcome.violated.contains(Property::StableWrites),
        "{}",
        c.outcome
    );
    // btrfs checksums data: stable pages whatever the device.
    finds(
        &plain.replace("fs ext4", "fs btrfs"),
        "legacy",
        Property::StableWrites,
    );
}

#[test]
fn durability_a_dma_write_after_writeback_is_not_on_disk_at_the_next_fsync() {
    let text = "litmus t\nfs xfs\nfile f pages=1 data=A\nmmap m = f shared rw\ndevice nic rdma\nthread a {\n  pin p = nic m[0..1] write\n  store m[0] = B\n  fsync f\n  dma p[0] = C\n  fsync f\n}\n";
    finds(text, "legacy", Property::Durability);
    clean(
        &text.replace("  dma p[0] = C\n", "  store m[0] = C\n"),
        "legacy",
    );
}

#[test]
fn durability_two_fsyncs_of_one_file_without_pins_are_safe_under_every_design() {
    // The bug this oracle was written for: one promise per page shared by every fsync in
    // flight gave a false durability violation under every design.
    let text = "litmus t\nfs xfs\nfile f pages=1 data=A\nmmap m = f shared rw\nthread a {\n  store m[0] = B\n  fsync f\n}\nthread b {\n  store m[0] = C\n  fsync f\n}\n";
    for d in designs() {
        let c = agree(text, &d.name());
        assert_eq!(c.outcome, Default::default(), "{}", d.name());
    }
}

#[test]
fn no_late_enospc_btrfs_has_no_space_for_a_page_dirtied_behind_its_back() {
    let text = catalog("btrfs-rdma-redirty-late-enospc");
    finds(&text, "legacy", Property::NoLateEnospc);
    let c = agree(&text.replace("blocks=1", "blocks=4"), "legacy");
    assert!(
        !c.outcome.violated.contains(Property::NoLateEnospc),
        "{}",
        c.outcome
    );
}

#[test]
fn no_storage_uaf_a_dma_to_dax_storage_truncate_freed() {
    let text = catalog("xfs-dax-dio-truncate");
    finds(&text, "legacy", Property::NoStorageUaf);
    clean(&text, "upstream");
}

#[test]
fn no_frame_uaf_a_dma_after_unpin_and_truncate() {
    let text = catalog("tmpfs-rdma-dma-after-unpin");
    finds(&text, "legacy", Property::NoFrameUaf);
    // Without the truncate the frame stays in the page cache: a driver bug, but no UAF.
    clean(&text.replace("  truncate f 0\n", ""), "legacy");
}

#[test]
fn freeze_consistency_a_page_dirtied_while_frozen() {
    let text = catalog("xfs-rdma-freeze");
    finds(&text, "legacy", Property::FreezeConsistency);
    clean(&text, "pin-wait");
}

#[test]
fn fs_integrity_ext4_dirtied_without_buffers() {
    let text = catalog("ext4-dio-reclaim-drops-buffers");
    finds(&text, "legacy", Property::FsIntegrity);
    let c = agree(&text, "fs-tolerant");
    assert!(
        !c.outcome.violated.contains(Property::FsIntegrity),
        "{}",
        c.outcome
    );
    // xfs does not warn: iomap writes what is mapped.
    let c = agree(&text.replace("fs ext4", "fs xfs"), "legacy");
    assert!(
        !c.outcome.violated.contains(Property::FsIntegrity),
        "{}",
        c.outcome
    );
}

#[test]
fn refused_and_revoked() {
    let text = "litmus t\nfs ext4\nfile f pages=1 data=A\nmmap m = f shared rw\ndevice nic rdma\nthread a {\n  pin p = nic m[0..1] write\n  dma p[0] = B\n  unpin p dirty\n}\n";
    let c = agree(text, "upstream");
    assert!(
        c.outcome.refused && c.outcome.violated.is_empty(),
        "{}",
        c.outcome
    );
    let c = agree(&catalog("xfs-rdma-punch-lease-revoked"), "layout-lease");
    assert!(
        c.outcome.revoked && c.outcome.violated.is_empty(),
        "{}",
        c.outcome
    );
    let c = agree(text, "legacy");
    assert!(!c.outcome.refused && !c.outcome.revoked, "{}", c.outcome);
}

#[test]
fn bounded_wait_is_the_enumerators() {
    let c = agree(&catalog("ext4-rdma-writeback-waits-forever"), "pin-wait");
    assert!(
        c.outcome.violated.contains(Property::BoundedWait),
        "{}",
        c.outcome
    );
}

// Regressions: disagreements found, with the side docs/model.md says is right -------------------------

/// A DMA write of the value a page already holds, between writeback submit and completion:
/// the bytes under the bio do not change, so the checksum / integrity tag still matches and
/// docs/model.md#properties's `stable-writes` ("page content changed ... the checksum/tag no longer matches")
/// is not violated. The model flags it, comparing write ids; docs/model.md says that only
/// `durability` identifies writes rather than values, and only `mkwrite-contract` counts a
/// write of an equal value as a change. (It still breaks `mkwrite-contract`: the page was
/// clean to btrfs.) Model side; fails until the model compares contents' values.
#[test]
fn regression_stable_writes_an_equal_value_keeps_the_checksum() {
    let text = "litmus random\nfs btrfs blocks=2\nfile f0 pages=1 data=A\nmmap m0 = f0 shared rw\ndevice d0 rdma\nthread t0 {\n  fsync f0\n}\nthread t1 {\n  pin p0 = d0 m0[0..1] write\n  dma p0[0] = A\n}\n";
    let c = agree(text, "legacy");
    assert!(
        c.outcome.violated.contains(Property::MkwriteContract)
            && !c.outcome.violated.contains(Property::StableWrites),
        "{}",
        c.outcome
    );
}

/// The mutant `TruncateNoWritebackWait` (a deliberately broken model, for the mutation tests)
/// panics instead of reporting: a punch meets the page under writeback, and the writeback's
/// completion indexes a block slot with NONE (crates/model/src/writeback.rs:657, "the len is
/// 1 but the index is 255"). A mutant must report what its bug breaks, not crash the checker.
/// Model side (the mutation harness); fails until the model copes.
#[test]
fn regression_mutant_truncate_no_writeback_wait_does_not_panic() {
    let text = "litmus random\nfs ext4 blocks=1\nfile f0 pages=1\nmmap m0 = f0 shared rw\ndevice d0 rdma\nthread t0 {\n  punch f0 0\n  pin p0 = d0 m0[0..1]\n}\nthread t1 {\n  store m0[0] = A\n  fsync f0\n}\n";
    let sc = pinlab_litmus::parse("regression.litmus", text).unwrap();
    let w = World::new(&sc, Design::parse("legacy").unwrap())
        .mutated(Mutation::TruncateNoWritebackWait);
    if let Err(e) = cross_check_world(&w, CrossLimits::default()) {
        panic!("{}", e.with_litmus(text));
    }
}

/// Cross-checks a mutant on one small scenario under `legacy`.
fn agree_mutant(text: &str, m: Mutation) {
    let sc = pinlab_litmus::parse("regression.litmus", text).unwrap();
    let w = World::new(&sc, Design::parse("legacy").unwrap()).mutated(m);
    if let Err(e) = cross_check_world(&w, CrossLimits::default()) {
        panic!("{}", e.with_litmus(text));
    }
}

/// On fs-DAX a CPU store is a disk write ("stores and write(2) reach the storage at once"),
/// so a store that reaches the storage while the filesystem is frozen is a
/// `freeze-consistency` violation ("a frozen filesystem gets ... a disk write"). The correct
/// model never lets one through (the fault waits, freeze write-protects), but the mutants
/// `NoFreezeWait` and `NoMkclean` do, and the model does not flag it: the oracle does (a
/// `Write` to fs-DAX storage between `Frozen` and `Thawed`). A DMA write there is flagged by
/// both. Model side; fails until the model judges CPU writes to DAX storage like DMA ones.
#[test]
fn regression_mutant_dax_store_while_frozen_is_a_disk_write() {
    // path [a, a, b]: freeze (two steps), then the store, whose fault does not wait.
    agree_mutant(
        "litmus t\nfs xfs-dax\nfile f pages=1 data=A\nmmap m = f shared rw\nthread a {\n  freeze\n}\nthread b {\n  store m[0] = B\n}\n",
        Mutation::NoFreezeWait,
    );
    // One thread: the first store maps the storage writable; freeze does not write-protect it.
    agree_mutant(
        "litmus t\nfs xfs-dax\nfile f pages=1 data=A\nmmap m = f shared rw\nthread a {\n  store m[0] = B\n  freeze\n  store m[0] = C\n}\n",
        Mutation::NoMkclean,
    );
}

/// fallocate gives a page an unwritten extent, which "reads as zeros" (the `Extent` event's
/// doc, docs/litmus.md's `fallocate`: "it reads `0`"). Its block may be one another file just
/// freed, still holding that file's data. The `read` op and loads do read 0, but
/// `World::observe` reads the final condition's `disk F[i]` (and through it `file F[i]`,
/// "what a read(2) would return") from the block without looking at `unwritten`, so f1 shows
/// f0's truncated data C, the stale-data exposure unwritten extents exist to prevent. The
/// history says the extent is unwritten, so the oracle's final state differs from the
/// model's. Model side (`World::observe`); fails until it reads unwritten as 0.
#[test]
fn regression_an_unwritten_extent_reads_zeros_not_the_blocks_old_data() {
    let text = "litmus t\nfs ext4 blocks=0\nfile f0 pages=1 data=C\nfile f1 pages=1\nthread a {\n  truncate f0 0\n  fallocate f1 0\n}\nexists (file f1[0] = C)\n";
    let sc = pinlab_litmus::parse("regression.litmus", text).unwrap();
    let r = pinlab_check::check(&sc, Design::parse("legacy").unwrap(), Default::default());
    assert_eq!(
        r.condition.unwrap().answer,
        pinlab_check::Answer::Never,
        "f1 shows the data f0 had"
    );
    agree(text, "legacy");
}

/// gup-bounce on fs-DAX: the long-term pin gets a bounce copy of the storage (A); the
/// application stores B, which reaches the storage at once, and fsync promises it; the
/// `unpin dirty` copies the bounce page back over the storage, so the disk holds A again: an
/// acknowledged, fsynced write "later replaced on disk by older data" (docs/model.md#properties,
/// `durability`). On xfs (page cache) the model reports it when the next fsync writes the
/// copy back; on fs-DAX the copy-back is itself the disk write (a `Write` to the storage
/// frame, `CopyBack`), which the model does not judge against the standing promise. One
/// thread: path [a, a, a, a, a]; the oracle flags step 3 (`unpin p dirty`). Model side.
#[test]
fn regression_gup_bounce_copy_back_on_dax_replaces_fsynced_data() {
    let text = "litmus t\nfs xfs-dax\nfile f pages=1 data=A\nmmap m = f shared rw\ndevice nic rdma\nthread a {\n  pin p = nic m[0..1] write\n  store m[0] = B\n  fsync f\n  unpin p dirty\n  fsync f\n}\n";
    finds(text, "gup-bounce", Property::Durability);
    finds(
        &text.replace("xfs-dax", "xfs"),
        "gup-bounce",
        Property::Durability,
    );
}
