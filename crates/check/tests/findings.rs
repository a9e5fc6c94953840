//! The verdicts a review against the seeds and the kernel found wrong (issue 11), each pinned by
//! what the fixed mechanism does — the trace's kernel calls, the final answers — not only by the
//! verdict, so a regression shows where it is.

use pinlab_check::{check, replay, Answer, CheckResult, Limits, Verdict};
use pinlab_model::design::{Design, PRESETS};
use pinlab_model::property::Property;
use pinlab_model::scenario::Scenario;

fn parse(text: &str) -> Scenario {
    pinlab_litmus::parse("finding.litmus", text).unwrap_or_else(|d| panic!("{}", d.render(text)))
}

fn run(sc: &Scenario, design: &str) -> CheckResult {
    let r = check(sc, Design::parse(design).unwrap(), Limits::default());
    assert!(r.complete);
    r
}

/// Every kernel call of the shortest trace that shows `p` under `design`.
fn calls(sc: &Scenario, design: &str, p: Property) -> Vec<String> {
    let d = Design::parse(design).unwrap();
    let r = check(sc, d, Limits::default());
    let path = r
        .path_for(p)
        .unwrap_or_else(|| panic!("{design}: no {p:?}"));
    replay(sc, d, path)
        .0
        .into_iter()
        .flat_map(|s| s.calls)
        .map(|c| c.text)
        .collect()
}

#[test]
fn two_fsyncs_in_flight_each_keep_their_own_promise() {
    let sc = parse(
        "litmus t\nfs xfs\nfile f pages=2 data=A,A\nthread t1 {\n  write f[1] = X\n  fsync f\n}\nthread t2 {\n  write f[0] = B\n  fsync f\n}\nforall (disk f[0] = B /\\ disk f[1] = X)\n",
    );
    for p in PRESETS {
        let r = run(&sc, p.name);
        assert_eq!(r.verdict, Verdict::Safe, "{}", p.name);
        assert_eq!(r.condition.unwrap().answer, Answer::Always, "{}", p.name);
    }
    // A promise still binds its own fsync: a write acknowledged before the fsync started, which
    // the fsync cannot write (a DMA into a page ext4 has clean), is a durability violation.
    let lost = parse(
        "litmus t\nfs ext4\nfile f pages=1\nmmap m = f shared rw\ndevice nic rdma\nthread a {\n  store m[0] = A\n  pin p = nic m[0..1] write longterm\n  fsync f\n  dma p[0] = B\n  fsync f\n}\n",
    );
    assert!(run(&lost, "legacy").violated.contains(Property::Durability));
}

#[test]
fn freeze_blocks_writers_then_write_faults_before_it_syncs() {
    let sc = parse(
        "litmus t\nfs xfs\nfile f pages=2 data=A,A\nmmap m = f shared rw\nthread app {\n  store m[0] = B\n  store m[1] = C\n}\nthread admin {\n  freeze\n  fsync f\n  thaw\n}\n",
    );
    for p in PRESETS {
        assert_eq!(run(&sc, p.name).verdict, Verdict::Safe, "{}", p.name);
    }
    // A truncate in flight holds sb_start_write: freeze_super() waits for it to drain before it
    // blocks write faults and syncs, so no execution has SB_FREEZE_PAGEFAULT between the
    // truncate's first and last step; and a freeze that is never thawed leaves later writers
    // waiting forever.
    let sc = parse(
        "litmus t\nfs ext4\nfile f pages=2 data=A,A\nthread a {\n  truncate f 0\n}\nthread admin {\n  freeze\n}\nthread w {\n  write f[0] = B\n}\n",
    );
    assert_eq!(run(&sc, "legacy").verdict, Verdict::Hang);
    let d = Design::parse("legacy").unwrap();
    let texts = |steps: &[pinlab_check::TraceStep]| -> Vec<String> {
        steps
            .iter()
            .flat_map(|s| s.calls.iter().map(|c| c.text.clone()))
            .collect()
    };
    let at = |t: &[String], what: &str| t.iter().position(|c| c.contains(what));
    assert!(
        find_path(&sc, d, |steps| {
            let t = texts(steps);
            matches!(
                (at(&t, "truncate_setsize"), at(&t, "SB_FREEZE_WRITE"), at(&t, "block 1 freed"), at(&t, "SB_FREEZE_PAGEFAULT")),
                (Some(a), Some(b), Some(c), Some(e)) if a < b && b < c && c < e
            )
        }),
        "a truncate in flight finishes after SB_FREEZE_WRITE, before SB_FREEZE_PAGEFAULT"
    );
    assert!(!find_path(&sc, d, |steps| {
        let t = texts(steps);
        matches!(
            (at(&t, "truncate_setsize"), at(&t, "SB_FREEZE_PAGEFAULT"), at(&t, "block 1 freed")),
            (Some(a), Some(b), None) if a < b
        )
    }));
}

#[test]
fn reclaim_moves_pages_a_pseudo_vma_covers_aside_instead_of_waiting() {
    let sc = parse(
        "litmus t\nfs ext4\nfile f pages=1 data=F\nmmap m = f shared ro\ndevice nic rdma\nthread a {\n  pin p = nic m[0..1] longterm\n  reclaim\n  unpin p\n}\n",
    );
    assert_eq!(run(&sc, "virtual-vma").verdict, Verdict::Safe);
    assert_eq!(run(&sc, "page-got").verdict, Verdict::Safe);
    assert_eq!(
        run(&sc, "pin-wait").verdict,
        Verdict::Hang,
        "the refcount bias alone does not take a page off the LRU"
    );
}

const BTRFS_FIXUP: &str = "litmus t\nfs btrfs BLOCKS\nfile f pages=1 data=F\nmmap m = f shared rw\ndevice nic rdma\nthread app {\n  store m[0] = A\n  pin p = nic m[0..1] write longterm\n  fsync f\n  dma p[0] = B\n  unpin p dirty\n  fsync f\n  writeback f\n}\nexists (disk f[0] = B)\n";

#[test]
fn btrfs_fixup_runs_in_its_own_kernel_thread_and_fsync_does_not_wait_for_it() {
    let sc = parse(&BTRFS_FIXUP.replace("BLOCKS", "blocks=4"));
    assert_eq!(sc.actors(), 2, "app and kworker/btrfs-fixup");
    assert_eq!(sc.actor_name(1), "kworker/btrfs-fixup");
    let r = run(&sc, "legacy");
    assert!(r.violated.contains(Property::Durability));
    // B reaches the disk only in executions where the worker ran before the last writeback.
    assert_eq!(r.condition.unwrap().answer, Answer::Sometimes);
    let c = calls(&sc, "legacy", Property::Durability);
    assert!(c.iter().any(|c| c.contains("btrfs_writepage_cow_fixup")
        && c.contains("-EAGAIN")
        && c.contains("skipped in this pass")));
    // The worker's own step, in a trace that writes B: reserved, then written by `writeback f`.
    let d = Design::parse("legacy").unwrap();
    let path = find_path(&sc, d, |steps| {
        steps
            .iter()
            .any(|s| s.thread == 1 && s.calls.iter().any(|c| c.text.contains("a later writeback")))
    });
    assert!(path, "some execution runs btrfs_writepage_fixup_worker");
    // Without space the worker drops the data: no-late-enospc.
    let full = parse(
        &BTRFS_FIXUP
            .replace("BLOCKS", "blocks=1")
            .replace(" data=F", ""),
    );
    assert!(run(&full, "legacy")
        .violated
        .contains(Property::NoLateEnospc));
}

/// Whether some execution's trace (replayed along every maximal path the checker's BFS would
/// find by exhausting the thread orders of a small scenario) satisfies `want`.
fn find_path(sc: &Scenario, d: Design, want: impl Fn(&[pinlab_check::TraceStep]) -> bool) -> bool {
    fn walk(
        sc: &Scenario,
        d: Design,
        path: &mut Vec<usize>,
        want: &dyn Fn(&[pinlab_check::TraceStep]) -> bool,
    ) -> bool {
        let w = pinlab_model::World::new(sc, d);
        let (steps, s) = replay(sc, d, path);
        if want(&steps) {
            return true;
        }
        for t in 0..sc.actors() {
            if matches!(w.step(&s, t, false), pinlab_model::Step::Done(..)) {
                path.push(t);
                if walk(sc, d, path, want) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    walk(sc, d, &mut Vec::new(), &want)
}

#[test]
fn a_read_pin_of_a_dax_hole_gets_the_zero_page() {
    let sc = parse(
        "litmus t\nfs ext4-dax blocks=2\nfile f pages=1\nmmap m = f shared rw\ndevice bio dio\nthread a {\n  pin p = bio m[0..1]\n  write f[0] = B\n  dma p[0] -> r\n  unpin p\n}\nforall (p = ok /\\ r = 0 /\\ file f[0] = B)\n",
    );
    for p in PRESETS {
        let r = run(&sc, p.name);
        assert_eq!(r.verdict, Verdict::Safe, "{}", p.name);
        assert_eq!(r.condition.unwrap().answer, Answer::Always, "{}", p.name);
    }
}

#[test]
fn ext4_warns_when_a_bufferless_page_is_dirtied_even_with_no_writeback_after() {
    let sc = parse(
        "litmus t\nfs ext4\nfile f pages=1 data=F\nmmap m = f shared rw\ndevice bio dio\nthread a {\n  pin p = bio m[0..1] write\n  fsync f\n  reclaim\n  unpin p dirty\n}\n",
    );
    let c = calls(&sc, "legacy", Property::FsIntegrity);
    assert!(
        c.iter().any(|c| c.contains("ext4_dirty_folio"))
            && !c.iter().any(|c| c.contains("does not have buffers")),
        "warned at the dirtying, with no writeback: {c:#?}"
    );
    // Upstream's reclaim keeps a pinned folio's buffers; fs-tolerant filesystems do not warn.
    for d in ["upstream", "fs-tolerant"] {
        assert!(!run(&sc, d).violated.contains(Property::FsIntegrity), "{d}");
    }
}

#[test]
fn longterm_refuse_refuses_page_cache_pages_not_private_cow_copies() {
    let pin = |map: &str, write: &str| {
        parse(&format!(
            "litmus t\nfs ext4\nfile f pages=1 data=F\nmmap m = f {map} rw\ndevice nic rdma\nthread a {{\n  pin p = nic m[0..1] {write}\n  unpin p\n}}\n"
        ))
    };
    assert_eq!(
        run(&pin("private", "write"), "longterm-refuse").verdict,
        Verdict::Safe
    );
    for (map, write) in [("private", ""), ("shared", ""), ("shared", "write")] {
        assert_eq!(
            run(&pin(map, write), "longterm-refuse").verdict,
            Verdict::Refused,
            "{map} {write}"
        );
    }
}

#[test]
fn fs_tolerant_discards_what_has_no_storage_which_on_btrfs_is_every_rewrite() {
    let text = "litmus t\nfs FS\nfile f pages=1 data=F\nmmap m = f shared rw\ndevice nic rdma\nthread a {\n  store m[0] = A\n  pin p = nic m[0..1] write longterm\n  fsync f\n  dma p[0] = B\n  unpin p dirty\n  fsync f\n}\nforall (disk f[0] = B)\n";
    let xfs = run(&parse(&text.replace("FS", "xfs")), "fs-tolerant");
    assert_eq!(xfs.condition.unwrap().answer, Answer::Always);
    let btrfs = parse(&text.replace("FS", "btrfs"));
    let r = run(&btrfs, "fs-tolerant");
    assert_eq!(r.verdict, Verdict::Unsafe(durability()));
    assert_eq!(r.condition.unwrap().answer, Answer::Never);
    assert!(calls(&btrfs, "fs-tolerant", Property::Durability)
        .iter()
        .any(|c| c.contains("data discarded")));
}

fn durability() -> pinlab_model::property::PropertySet {
    pinlab_model::property::PropertySet::from_slice(&[Property::Durability])
}

#[test]
fn pin_bounce_calls_page_mkwrite_light_at_unpin() {
    // The unpin's dirtying is announced; a COW filesystem reserves then, and may fail.
    let text = "litmus t\nfs FS\nfile f pages=1 data=F\nmmap m = f shared rw\ndevice nic rdma\nthread a {\n  pin p = nic m[0..1] write longterm\n  dma p[0] = B\n  fsync f\n  unpin p dirty\n  fsync f\n}\n";
    assert_eq!(
        run(&parse(&text.replace("FS", "xfs")), "pin-bounce").verdict,
        Verdict::Safe
    );
    // No data yet: the pin's ->page_mkwrite reserves the only free block, fsync spends it.
    let full = parse(&text.replace("FS", "btrfs blocks=1").replace(" data=F", ""));
    let r = run(&full, "pin-bounce");
    assert!(
        r.violated.contains(Property::NoLateEnospc),
        "{:?}",
        r.verdict
    );
    assert!(calls(&full, "pin-bounce", Property::NoLateEnospc)
        .iter()
        .any(|c| c.starts_with("page_mkwrite_light")));
}

#[test]
fn the_seeds_variants_each_do_what_their_author_said() {
    let redirty = parse(
        "litmus t\nfs ext4\nfile f pages=1 data=F\nmmap m = f shared rw\ndevice nic rdma\nthread a {\n  store m[0] = A\n  pin p = nic m[0..1] write longterm\n  dma p[0] = B\n  writeback f\n  dma p[0] = C\n  unpin p dirty\n}\n",
    );
    // Kara's revocable pins: writeback revokes the NIC first.
    assert_eq!(run(&redirty, "pincount+revoke").verdict, Verdict::Revoked);
    // Chinner's PageWriteback mark: background writeback skips the page, nothing is cleaned.
    assert_eq!(
        run(&redirty, "pincount+writeback-mark").verdict,
        Verdict::Safe
    );
    // Kara's refuse-and-wait: the NIC is refused; a direct-I/O pin is waited for.
    assert_eq!(
        run(&redirty, "pincount+refuse-longterm-wait").verdict,
        Verdict::Refused
    );
    // Wilcox's PageGot kept until eviction: once pinned, writeback waits forever.
    let after = parse(
        "litmus t\nfs ext4\nfile f pages=1 data=F\nmmap m = f shared rw\ndevice nic rdma\nthread a {\n  pin p = nic m[0..1] write longterm\n  unpin p dirty\n  fsync f\n}\n",
    );
    assert_eq!(run(&after, "page-got+wait").verdict, Verdict::Safe);
    assert_eq!(run(&after, "page-got-evict+wait").verdict, Verdict::Hang);
}
