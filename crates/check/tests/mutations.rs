//! Mutation tests: a deliberately broken copy of a model rule or of a design must make the
//! checker report the property that rule protects, in a scenario where the correct model keeps
//! it. One test per property.

use pinlab_check::{check_world, Limits, Verdict};
use pinlab_model::design::{self, Design, Handling, OnPinned};
use pinlab_model::property::Property;
use pinlab_model::scenario::Scenario;
use pinlab_model::{Mutation, World};

fn parse(text: &str) -> Scenario {
    pinlab_litmus::parse("mutation.litmus", text).unwrap_or_else(|d| panic!("{}", d.render(text)))
}

fn violated(sc: &Scenario, d: Design, m: Option<Mutation>) -> (bool, Verdict, Vec<Property>) {
    let mut w = World::new(sc, d);
    if let Some(m) = m {
        w = w.mutated(m);
    }
    let r = check_world(&w, Limits::default());
    assert!(r.complete);
    (true, r.verdict.clone(), r.violated.iter().collect())
}

/// The correct model keeps `p`; the mutant breaks it.
fn assert_mutant_breaks(text: &str, design: &str, m: Mutation, p: Property) {
    let sc = parse(text);
    let d = Design::parse(design).unwrap();
    let (_, v0, good) = violated(&sc, d, None);
    assert!(
        !good.contains(&p),
        "the correct model already violates {} ({})",
        p.name(),
        v0.text()
    );
    let (_, v1, bad) = violated(&sc, d, Some(m));
    assert!(
        bad.contains(&p),
        "mutant {m:?} was not caught: verdict {}",
        v1.text()
    );
}

/// A broken copy of a handling, as a design with the given tracking.
fn broken(tracking: &str, h: Handling) -> Design {
    Design {
        tracking: design::tracking(tracking).unwrap(),
        handling: Box::leak(Box::new(h)),
        preset: None,
    }
}

#[test]
fn mkwrite_contract_needs_folio_mkclean() {
    let text = "litmus m\nfs ext4\nfile f pages=1 data=0\nmmap m = f shared rw\nthread a {\n  store m[0] = A\n  writeback f\n  store m[0] = B\n}\n";
    assert_mutant_breaks(
        text,
        "legacy",
        Mutation::NoMkclean,
        Property::MkwriteContract,
    );
}

#[test]
fn stable_writes_needs_folio_wait_stable() {
    let text = "litmus m\nfs btrfs\nfile f pages=1 data=0\nmmap m = f shared rw\nthread a {\n  store m[0] = A\n  store m[0] = B\n}\nthread b {\n  writeback f\n}\n";
    assert_mutant_breaks(
        text,
        "legacy",
        Mutation::NoStableWait,
        Property::StableWrites,
    );
}

#[test]
fn durability_needs_fsync_to_wait_for_writeback_in_flight() {
    let text = "litmus m\nfs ext4\nfile f pages=1 data=0\nmmap m = f shared rw\nthread a {\n  store m[0] = A\n  writeback f\n}\nthread b {\n  fsync f\n}\n";
    assert_mutant_breaks(
        text,
        "legacy",
        Mutation::IntegrityNoWait,
        Property::Durability,
    );
}

#[test]
fn no_late_enospc_needs_reservation_at_page_mkwrite() {
    let text = "litmus m\nfs ext4 blocks=1\nfile f pages=2\nmmap m = f shared rw\nthread a {\n  store m[0] = A\n  store m[1] = B\n  fsync f\n}\n";
    assert_mutant_breaks(text, "legacy", Mutation::NoReserve, Property::NoLateEnospc);
}

#[test]
fn no_storage_uaf_needs_truncate_to_wait_for_writeback() {
    let text = "litmus m\nfs ext4\nfile f pages=1 data=0\nmmap m = f shared rw\nthread a {\n  store m[0] = A\n  writeback f\n}\nthread b {\n  truncate f 0\n}\n";
    assert_mutant_breaks(
        text,
        "legacy",
        Mutation::TruncateNoWritebackWait,
        Property::NoStorageUaf,
    );
}

#[test]
fn no_frame_uaf_needs_gup_to_take_a_reference() {
    let text = "litmus m\nfs tmpfs\nfile f pages=1 data=0\nmmap m = f shared rw\ndevice nic rdma\nthread a {\n  pin p = nic m[0..1] write\n  truncate f 0\n  dma p[0] = A\n  unpin p\n}\n";
    assert_mutant_breaks(text, "legacy", Mutation::PinNoRef, Property::NoFrameUaf);
}

#[test]
fn freeze_consistency_needs_write_faults_to_wait_for_thaw() {
    let text = "litmus m\nfs ext4\nfile f pages=1 data=0\nmmap m = f shared rw\nthread a {\n  freeze\n  thaw\n}\nthread b {\n  store m[0] = A\n}\n";
    assert_mutant_breaks(
        text,
        "legacy",
        Mutation::NoFreezeWait,
        Property::FreezeConsistency,
    );
}

#[test]
fn fs_integrity_needs_reclaim_to_keep_pinned_buffers() {
    // Upstream keeps a maybe-pinned folio's buffers in reclaim (docs/sources.md#pin-consumers); a
    // copy of upstream that releases them lets ext4 meet a dirty page without buffers.
    let text = "litmus m\nfs ext4\nfile f pages=1 data=0\nmmap m = f shared rw\ndevice d dio\nthread a {\n  pin p = d m[0..1] write\n  writeback f\n  reclaim\n  unpin p dirty\n  writeback f\n}\n";
    let sc = parse(text);
    let good = Design::parse("upstream").unwrap();
    let (_, v0, ok) = violated(&sc, good, None);
    assert!(
        !ok.contains(&Property::FsIntegrity),
        "upstream already violates fs-integrity: {}",
        v0.text()
    );
    let bad = broken(
        "pincount",
        Handling {
            reclaim_pinned: OnPinned::Proceed,
            ..*design::handling("upstream").unwrap()
        },
    );
    let (_, v1, b) = violated(&sc, bad, None);
    assert!(
        b.contains(&Property::FsIntegrity),
        "broken upstream not caught: {}",
        v1.text()
    );
}

#[test]
fn bounded_wait_is_reported_as_hang() {
    // A copy of `none` whose writeback waits for pins is `wait`: the flusher then waits on a pin
    // its holder never drops (seed 002: "blocking e.g. writeback for hours").
    let text = "litmus m\nfs ext4\nfile f pages=1 data=0\nmmap m = f shared rw\ndevice nic rdma\nthread a {\n  store m[0] = A\n  pin p = nic m[0..1] write\n  fsync f\n  unpin p\n}\n";
    let sc = parse(text);
    let (_, v0, ok) = violated(&sc, Design::parse("pincount+none").unwrap(), None);
    assert!(!ok.contains(&Property::BoundedWait), "{}", v0.text());
    let bad = broken(
        "pincount",
        Handling {
            writeback_pinned: OnPinned::Wait,
            ..*design::handling("none").unwrap()
        },
    );
    let (_, v1, b) = violated(&sc, bad, None);
    assert!(
        b.contains(&Property::BoundedWait) && v1 == Verdict::Hang,
        "{}",
        v1.text()
    );
}

/// Issue 3: each new handling, broken as data, must flip a verdict the correct one gets right.
/// `fix` turns the correct handling into the broken copy; the correct design must not show
/// `outcome`, the broken one must.
fn assert_broken_handling_flips(
    text: &str,
    tracking: &str,
    handling: &str,
    fix: impl FnOnce(&mut Handling),
    outcome: impl Fn(&Verdict) -> bool,
) {
    let sc = parse(text);
    let good = Design::parse(&format!("{tracking}+{handling}")).unwrap();
    let (_, v0, _) = violated(&sc, good, None);
    assert!(
        !outcome(&v0),
        "the correct {handling} already gets {}",
        v0.text()
    );
    let mut h = Handling {
        ..*design::handling(handling).unwrap()
    };
    fix(&mut h);
    let (_, v1, _) = violated(&sc, broken(tracking, h), None);
    assert!(outcome(&v1), "broken {handling} not caught: {}", v1.text());
}

fn unsafe_with(p: Property) -> impl Fn(&Verdict) -> bool {
    move |v| matches!(v, Verdict::Unsafe(ps) if ps.contains(p))
}

#[test]
fn bounce_writeback_needs_its_bounce_page() {
    // A DIO read into a btrfs page while writeback is in flight: the bounce copy keeps the
    // checksummed data stable (seed 003, Glisse); writing the page itself does not.
    let text = "litmus m\nfs btrfs\nfile f pages=1 data=0\nmmap m = f shared rw\ndevice d dio\nthread a {\n  store m[0] = A\n  pin p = d m[0..1] write\n  dma p[0] = B\n  unpin p dirty\n}\nthread b {\n  writeback f\n}\n";
    assert_broken_handling_flips(
        text,
        "pincount",
        "bounce-writeback",
        |h| h.writeback_pinned = OnPinned::Proceed,
        unsafe_with(Property::StableWrites),
    );
}

#[test]
fn layout_lease_must_revoke_before_dax_storage_is_freed() {
    // seed 001 (Chinner): the lease break revokes the NIC before truncate frees its DAX storage;
    // without it, truncate is left waiting on dax_layout_busy_page() for a pin that its own
    // thread drops only later: a hang instead of `revoked`.
    let text = "litmus m\nfs ext4-dax\nfile f pages=1 data=0\nmmap m = f shared rw\ndevice nic rdma\nthread a {\n  pin p = nic m[0..1] write\n  truncate f 0\n  dma p[0] = A\n  unpin p\n}\n";
    assert_broken_handling_flips(
        text,
        "pincount",
        "layout-lease",
        |h| h.layout_lease = false,
        |v| *v == Verdict::Hang,
    );
}

#[test]
fn mmu_notifier_must_refuse_devices_that_cannot_fault() {
    // seed 003 (Glisse): a NIC that cannot fault keeps writing after writeback cleaned the page.
    let text = "litmus m\nfs ext4\nfile f pages=1 data=0\nmmap m = f shared rw\ndevice nic rdma\nthread a {\n  pin p = nic m[0..1] write\n  dma p[0] = A\n  fsync f\n  dma p[0] = B\n  unpin p dirty\n}\n";
    assert_broken_handling_flips(
        text,
        "pincount",
        "mmu-notifier",
        |h| h.refuse = design::allow_all,
        unsafe_with(Property::MkwriteContract),
    );
}

#[test]
fn gup_bounce_must_keep_the_device_off_the_page_cache() {
    let text = "litmus m\nfs ext4\nfile f pages=1 data=0\nmmap m = f shared rw\ndevice nic rdma\nthread a {\n  pin p = nic m[0..1] write\n  dma p[0] = A\n  fsync f\n  dma p[0] = B\n  unpin p dirty\n}\n";
    assert_broken_handling_flips(
        text,
        "pincount",
        "gup-bounce",
        |h| h.longterm_bounce = false,
        unsafe_with(Property::MkwriteContract),
    );
}

#[test]
fn fs_tolerant_must_write_pages_dirtied_without_buffers() {
    // Reclaim drops the buffers of a page a DIO read still targets; the unpin dirties it behind
    // ext4's back (seed 002's report). fs-tolerant writes it; ext4 as it is warns and drops it.
    let text = "litmus m\nfs ext4\nfile f pages=1 data=0\nmmap m = f shared rw\ndevice d dio\nthread a {\n  pin p = d m[0..1] write\n  writeback f\n  reclaim\n  unpin p dirty\n  writeback f\n}\n";
    assert_broken_handling_flips(
        text,
        "pincount",
        "fs-tolerant",
        |h| h.fs_tolerant = false,
        unsafe_with(Property::FsIntegrity),
    );
}
