//! What each design's mechanism does, seen from outside: final-state answers and cost counters of
//! small scenarios, so a mechanism that silently stopped working fails here even where the
//! catalog's verdicts would not move.

use pinlab_check::{check, Answer, Limits, Verdict};
use pinlab_model::design::Design;
use pinlab_model::scenario::Scenario;

fn parse(text: &str) -> Scenario {
    pinlab_litmus::parse("mechanism.litmus", text).unwrap_or_else(|d| panic!("{}", d.render(text)))
}

fn run(text: &str, design: &str) -> pinlab_check::CheckResult {
    let r = check(
        &parse(text),
        Design::parse(design).unwrap(),
        Limits::default(),
    );
    assert!(r.complete);
    r
}

fn answer(text: &str, design: &str) -> Answer {
    run(text, design).condition.expect("a condition").answer
}

#[test]
fn gup_bounce_hides_device_writes_from_the_file_until_unpin() {
    // seed 002 (Kara): "data won't be visible in the file until GUP user is done with it".
    let body = "fs ext4\nfile f pages=1 data=0\nmmap m = f shared rw\ndevice nic rdma\nthread a {\n  pin p = nic m[0..1] write\n  dma p[0] = B\n  fsync f\n  UNPIN\n  fsync f\n}\n";
    let before = format!(
        "litmus t\n{}exists (disk f[0] = B)\n",
        body.replace("UNPIN", "load m[0] -> r")
    );
    assert_eq!(answer(&before, "gup-bounce"), Answer::Never);
    assert_eq!(answer(&before, "legacy"), Answer::Always);
    let after = format!(
        "litmus t\n{}exists (disk f[0] = B)\n",
        body.replace("UNPIN", "unpin p dirty")
    );
    assert_eq!(answer(&after, "gup-bounce"), Answer::Always);
    let r = run(&after, "gup-bounce");
    assert!(r.stats.cost.page_copies > 0, "a bounce page is a copy");
}

#[test]
fn fault_capable_devices_hold_no_references_and_refault_after_writeback() {
    // pin_user_pages.rst CASE 3: the NIC's mapping is invalidated by folio_mkclean and refaults
    // through ->page_mkwrite, so the page is dirty again and the second fsync writes C.
    let text = "litmus t\nfs ext4\nfile f pages=1 data=0\nmmap m = f shared rw\ndevice nic rdma-odp\nthread a {\n  pin p = nic m[0..1] write\n  dma p[0] = B\n  fsync f\n  dma p[0] = C\n  fsync f\n  unpin p\n}\nforall (disk f[0] = C)\n";
    for d in ["legacy", "pin-wait", "upstream", "odp"] {
        let r = run(text, d);
        assert_eq!(r.verdict, Verdict::Safe, "{d}");
        assert!(r.condition.unwrap().holds, "{d}");
        assert!(
            r.stats.cost.invalidations > 0 && r.stats.cost.refaults > 0,
            "{d}"
        );
        assert_eq!(
            r.stats.cost.pin_pages, 0,
            "{d}: an ODP registration pins nothing"
        );
    }
}

#[test]
fn page_got_takes_pinned_pages_off_the_lru_and_reclaim_leaves_them() {
    // seed 004 (Wilcox): "Pages which are 'got' don't need to be on the LRU list". With no
    // handling at all, reclaim then never strips a pinned page's buffers, so the unpin's
    // set_page_dirty finds them (mkwrite-contract still breaks: writeback cleaned the page).
    let text = "litmus t\nfs ext4\nfile f pages=1 data=0\nmmap m = f shared rw\ndevice d dio\nthread a {\n  pin p = d m[0..1] write\n  writeback f\n  reclaim\n  unpin p dirty\n  writeback f\n}\n";
    use pinlab_model::property::Property as P;
    let got = run(text, "page-got+none");
    assert!(got.stats.cost.lru_removals > 0);
    let Verdict::Unsafe(ps) = got.verdict else {
        panic!("{}", got.verdict.text())
    };
    assert!(ps.contains(P::MkwriteContract) && !ps.contains(P::FsIntegrity));
    // Under legacy, reclaim strips the pinned page's buffers and ext4 meets a dirty page without
    // them (seed 002's report).
    let Verdict::Unsafe(ps) = run(text, "legacy").verdict else {
        panic!()
    };
    assert!(ps.contains(P::FsIntegrity));
    assert_eq!(run(text, "pincount+none").stats.cost.lru_removals, 0);
}

#[test]
fn the_1024_bias_makes_pincount_see_pins_nobody_took() {
    // include/linux/mm.h folio_maybe_dma_pinned(): refcount >= 1024 looks pinned.
    let text = "litmus t\nfs ext4\nfile f pages=1 data=0 refs=1100\nmmap m = f shared rw\nthread a {\n  store m[0] = A\n  fsync f\n}\n";
    let pw = run(text, "pin-wait");
    assert_eq!(pw.verdict, Verdict::Hang);
    assert!(pw.stats.cost.false_positives > 0);
    let pg = run(text, "page-got");
    assert_eq!(pg.verdict, Verdict::Safe);
    assert_eq!(pg.stats.cost.false_positives, 0);
    // Below the bias nothing is seen.
    let few = text.replace("refs=1100", "refs=1000");
    assert_eq!(run(&few, "pin-wait").verdict, Verdict::Safe);
}

#[test]
fn virtual_vma_sees_the_file_range_not_the_frame() {
    // A long-term write pin of a private mapping holds an anonymous COW copy; the pseudo-VMA still
    // covers f[0], so writeback of the page-cache page waits for an unpin that comes after it.
    let text = "litmus t\nfs ext4\nfile f pages=1 data=0\nmmap m = f private rw\ndevice nic rdma\nthread a {\n  pin p = nic m[0..1] write\n  write f[0] = A\n  fsync f\n  unpin p\n}\n";
    let vv = run(text, "virtual-vma");
    assert_eq!(vv.verdict, Verdict::Hang);
    assert!(vv.stats.cost.false_positives > 0);
    assert_eq!(run(text, "page-got").verdict, Verdict::Safe);
}

#[test]
fn dax_truncate_frees_storage_a_pin_still_reaches() {
    // seed 001 (Chinner): "a use after free of the physical storage"; the freed block goes to g,
    // so the NIC's write shows up in another file.
    let text = "litmus t\nfs ext4-dax blocks=0\nfile f pages=1 data=0\nfile g pages=1\nmmap m = f shared rw\ndevice nic rdma\nthread a {\n  pin p = nic m[0..1] write\n  truncate f 0\n  write g[0] = A\n  dma p[0] = B\n  unpin p\n}\nexists (file g[0] = B)\n";
    let legacy = run(text, "legacy");
    assert!(
        matches!(legacy.verdict, Verdict::Unsafe(ps) if ps.contains(pinlab_model::property::Property::NoStorageUaf))
    );
    assert_eq!(legacy.condition.unwrap().answer, Answer::Always);
    // Upstream refuses long-term pins of fs-DAX (check_vma_flags: -EOPNOTSUPP).
    assert_eq!(run(text, "upstream").verdict, Verdict::Refused);
    // A layout lease revokes the NIC before the storage is freed.
    let ll = run(text, "layout-lease");
    assert_eq!(ll.verdict, Verdict::Revoked);
    assert_eq!(ll.condition.unwrap().answer, Answer::Never);
}

#[test]
fn upstream_dax_truncate_waits_for_a_short_term_pin() {
    // docs/sources.md#fs-dax: dax_break_layout() waits until the DIO's pin is released.
    let text = "litmus t\nfs xfs-dax\nfile f pages=1 data=0\nmmap m = f shared rw\ndevice d dio\nthread io {\n  pin p = d m[0..1] write\n  dma p[0] = B\n  unpin p\n}\nthread t {\n  truncate f 0\n}\n";
    assert_eq!(run(text, "upstream").verdict, Verdict::Safe);
    assert!(matches!(run(text, "legacy").verdict, Verdict::Unsafe(_)));
}

#[test]
fn bounce_writeback_keeps_checksummed_data_stable_but_not_the_mkwrite_contract() {
    // seed 003: Glisse's bounce page vs Chinner's "->page_mkwrite ... Every. Time."
    let text = "litmus t\nfs btrfs\nfile f pages=1 data=0\nmmap m = f shared rw\ndevice d dio\nthread a {\n  store m[0] = A\n  pin p = d m[0..1] write\n  dma p[0] = B\n  unpin p dirty\n}\nthread b {\n  writeback f\n}\n";
    let pb = run(text, "pin-bounce");
    let Verdict::Unsafe(ps) = pb.verdict else {
        panic!("{}", pb.verdict.text())
    };
    use pinlab_model::property::Property as P;
    assert!(!ps.contains(P::StableWrites) && ps.contains(P::MkwriteContract));
    assert!(pb.stats.cost.page_copies > 0);
    let Verdict::Unsafe(ps) = run(text, "legacy").verdict else {
        panic!()
    };
    assert!(ps.contains(P::StableWrites));
}

/// Every preset, for mechanisms no design changes.
fn presets() -> Vec<&'static str> {
    pinlab_model::design::PRESETS
        .iter()
        .map(|p| p.name)
        .collect()
}

#[test]
fn process_vm_writev_pins_as_direct_io_does() {
    // mm/process_vm_access.c: pin_user_pages_remote(), short-term, FOLL_WRITE when writing into the
    // target: every catalog scenario that uses dio gets the same verdicts with it.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../litmus");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        if !text.contains(" dio\n") {
            continue;
        }
        let pvm = text.replace(" dio\n", " process_vm_writev\n");
        for d in presets() {
            let a = run(&text, d);
            let b = run(&pvm, d);
            assert_eq!(a.verdict, b.verdict, "{} under {d}", p.display());
            assert_eq!(a.stats.states, b.stats.states, "{} under {d}", p.display());
        }
        n += 1;
    }
    assert!(n >= 5, "only {n} catalog scenarios use dio");
}

#[test]
fn a_readonly_anonymous_page_is_the_zero_page_until_upstream_unshares_it() {
    // mm/gup.c try_grab_folio(): FOLL_PIN returns the zero page unpinned, so a long-term R/O pin
    // taken before the first write keeps reading 0 after the CPU's store COWs away from it;
    // gup_must_unshare() (v6.2) gives the pin an exclusive page instead, which the store then writes.
    let text = "litmus t\nfs ext4\nanon m pages=1 ro\ndevice nic rdma\nthread a {\n  pin p = nic m[0..1]\n  mprotect m rw\n  store m[0] = A\n  dma p[0] -> r\n  unpin p\n}\nforall (r = A)\n";
    assert_eq!(answer(text, "upstream"), Answer::Always);
    assert_eq!(answer(text, "legacy"), Answer::Never);
    let r = run(text, "legacy");
    assert_eq!(r.stats.cost.pin_pages, 0, "the zero page is not pinned");
    // A short-term (dio) read pin is not unshared, upstream included.
    let dio = text.replace("device nic rdma", "device nic dio");
    assert_eq!(answer(&dio, "upstream"), Answer::Never);
}

#[test]
fn a_load_of_a_zero_page_reads_0_not_none() {
    // A read fault on an fs-DAX hole (dax_load_hole) or on a PROT_READ anonymous page
    // (do_anonymous_page) maps the shared zero page: the load succeeds and reads 0.
    for decl in [
        "fs xfs-dax\nfile f pages=1\nmmap m = f shared rw",
        "fs ext4\nanon m pages=1 ro",
    ] {
        let text = format!("litmus t\n{decl}\nthread a {{\n  load m[0] -> r\n}}\nforall (r = 0)\n");
        assert_eq!(answer(&text, "legacy"), Answer::Always, "{decl}");
    }
}

#[test]
fn a_write_seal_waits_for_no_mapping_and_no_extra_reference_under_every_design() {
    // mm/memfd.c memfd_add_seals(): mapping_deny_writable() counts every MAP_SHARED mapping of the
    // O_RDWR memfd, even after mprotect(PROT_READ); memfd_wait_for_pins() counts every reference
    // beyond the page cache's and the mappings' (a read-only dio pin of the private mapping's page
    // here), whatever the design tracks. A private mapping's own PTE is an expected reference.
    let text = "litmus t\nfs memfd\nfile f pages=1 data=A\nmmap m = f shared rw\nmmap pm = f private rw\ndevice d dio\nthread a {\n  load pm[0] -> x\n  mprotect m ro\n  seal f write -> r1\n  munmap m\n  pin p = d pm[0..1]\n  seal f write -> r2\n  unpin p\n  seal f write -> r3\n  seal f write -> r4\n}\nforall (x = A /\\ r1 = EBUSY /\\ r2 = EBUSY /\\ r3 = ok /\\ r4 = ok)\n";
    for d in presets() {
        let r = run(text, d);
        assert_eq!(r.verdict, Verdict::Safe, "{d}");
        assert_eq!(r.condition.unwrap().answer, Answer::Always, "{d}");
    }
    // A read-only shared mapping counts too: it is VM_SHARED|VM_MAYWRITE.
    let ro = "litmus t\nfs memfd\nfile f pages=1\nmmap m = f shared ro\nthread a {\n  load m[0] -> x\n  seal f write -> r\n}\nforall (r = EBUSY)\n";
    assert_eq!(answer(ro, "upstream"), Answer::Always);
}

#[test]
fn a_sealed_memfd_refuses_writes_but_not_a_private_cow() {
    // shmem_write_begin() and shmem_fallocate(PUNCH_HOLE) return -EPERM under F_SEAL_WRITE; a store
    // through a private mapping breaks COW into an anonymous copy and leaves the file alone.
    let text = "litmus t\nfs memfd\nfile f pages=1 data=A\nmmap pm = f private rw\nthread a {\n  seal f write -> r\n  write f[0] = B\n  write f[1] = B\n  punch f 0\n  store pm[0] = C\n}\nforall (r = ok /\\ cache f[0] = A /\\ file f[1] = none /\\ mem pm[0] = C)\n";
    for d in presets() {
        assert_eq!(answer(text, d), Answer::Always, "{d}");
    }
    // The refused write is not acknowledged: only the store is.
    let sc = parse(text);
    let (steps, s) = pinlab_check::replay(&sc, Design::parse("upstream").unwrap(), &[0; 5]);
    assert_eq!(s.next_ack, 1, "one acknowledged write, the store");
    let calls: Vec<String> = steps
        .iter()
        .flat_map(|t| t.calls.iter().map(|c| c.text.clone()))
        .collect();
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("memfd_add_seals(f, F_SEAL_WRITE)")),
        "{calls:?}"
    );
    assert!(
        calls
            .iter()
            .any(|c| c.contains("shmem_write_begin(f[0]): F_SEAL_WRITE -> -EPERM")),
        "{calls:?}"
    );
}

#[test]
fn the_seal_trace_names_memfd_wait_for_pins() {
    let text = "litmus t\nfs memfd\nfile f pages=1\nmmap m = f shared rw\ndevice ring io_uring\nthread a {\n  store m[0] = A\n  pin p = ring m[0..1]\n  munmap m\n  seal f write -> r\n}\n";
    let sc = parse(text);
    for d in ["legacy", "upstream"] {
        let (steps, _) = pinlab_check::replay(&sc, Design::parse(d).unwrap(), &[0; 4]);
        let seal = &steps[3];
        assert!(
            seal.calls[0].text.contains("memfd_wait_for_pins: f[0]")
                && seal.calls[0].text.ends_with("-> -EBUSY"),
            "{d}: {:?}",
            seal.calls
        );
        assert!(seal.changes.contains(&"r = EBUSY".to_string()), "{d}");
    }
}

#[test]
fn a_completion_orders_the_device_dma_before_the_unpin() {
    // The engine-thread + submit-thread pattern: the NIC's DMA thread signals `complete done`
    // when its transfer is over, the application waits for it before unpinning. Without the
    // completion the DMA may come after the unpin and the truncate that frees the tmpfs page
    // (litmus/tmpfs-rdma-dma-after-unpin.litmus); with it, never, under every design.
    let with = "litmus t\nfs tmpfs\nfile f pages=1 data=F\nmmap m = f shared rw\ndevice nic rdma\nthread app {\n  pin p = nic m[0..1] write\n  wait_for_completion done\n  read f[0] -> r\n  unpin p\n  truncate f 0\n}\nthread engine {\n  dma p[0] = B\n  complete done\n}\nforall (r = B)\n";
    let without: String = with
        .lines()
        .filter(|l| !l.contains("done"))
        .map(|l| format!("{l}\n"))
        .collect();
    let r = run(&without, "legacy");
    assert_eq!(
        r.verdict,
        Verdict::Unsafe(pinlab_model::property::PropertySet::from_slice(&[
            pinlab_model::property::Property::NoFrameUaf
        ])),
        "{}",
        r.verdict.text()
    );
    assert_eq!(r.condition.unwrap().answer, Answer::Sometimes);
    for d in presets() {
        let r = run(with, d);
        assert_eq!(r.verdict, Verdict::Safe, "{d}: {}", r.verdict.text());
        assert_eq!(r.condition.unwrap().answer, Answer::Always, "{d}");
    }
    // The trace names the kernel calls.
    let sc = parse(with);
    let (steps, _) = pinlab_check::replay(&sc, Design::parse("legacy").unwrap(), &[0, 1, 1, 0]);
    let calls: Vec<String> = steps
        .iter()
        .flat_map(|t| t.calls.iter().map(|c| c.text.clone()))
        .collect();
    assert!(calls.iter().any(|c| c == "complete(done)"), "{calls:?}");
    assert!(
        calls.iter().any(|c| c == "wait_for_completion(done): done"),
        "{calls:?}"
    );
}

#[test]
fn a_completion_counts_its_completes() {
    // struct completion counts: each complete() releases one wait_for_completion().
    let two = "litmus t\nfs tmpfs\nfile f pages=1\nthread a {\n  wait_for_completion x\n  write f[0] = A\n}\nthread b {\n  wait_for_completion x\n  write f[0] = B\n}\nthread c {\n  complete x\n  complete x\n}\nforall (file f[0] = A \\/ file f[0] = B)\n";
    let r = run(two, "legacy");
    assert_eq!(r.verdict, Verdict::Safe);
    assert_eq!(r.condition.unwrap().answer, Answer::Always);
    let one = two.replacen("  complete x\n", "", 1);
    assert_eq!(run(&one, "legacy").verdict, Verdict::Hang);
}

#[test]
fn fallocate_preallocates_so_a_mapped_store_reaches_the_disk() {
    // fallocate(fd, 0, 0, PAGE_SIZE) on ext4/xfs: an unwritten extent takes the only free block;
    // the store's ->page_mkwrite needs no reservation for it and writeback converts the extent
    // at I/O completion, so fsync puts the data on disk whether or not the flusher got there
    // first. With no free block, fallocate is -ENOSPC and the store SIGBUSes.
    for fs in ["ext4", "xfs"] {
        let text = format!("litmus t\nfs {fs} blocks=1\nfile f pages=1\nmmap m = f shared rw\nthread a {{\n  fallocate f 0\n  store m[0] = A\n  fsync f\n}}\nthread flusher {{\n  writeback f\n}}\nforall (disk f[0] = A)\n");
        for d in ["legacy", "upstream", "pin-wait"] {
            let r = run(&text, d);
            assert_eq!(r.verdict, Verdict::Safe, "{fs} {d}: {}", r.verdict.text());
            assert_eq!(r.condition.unwrap().answer, Answer::Always, "{fs} {d}");
        }
        let full = text.replace("blocks=1", "blocks=0");
        assert_eq!(answer(&full, "legacy"), Answer::Never, "{fs}");
    }
}

#[test]
fn fallocate_beyond_eof_grows_the_file_unless_enospc() {
    // i_size grows to cover the page; the pages between read zeros; ENOSPC changes nothing.
    for fs in pinlab_model::fs::FsKind::names() {
        let text = format!("litmus t\nfs {fs} blocks=1\nfile f pages=1 data=A\nthread a {{\n  fallocate f 2\n}}\nforall (file f[0] = A /\\ file f[1] = 0 /\\ file f[2] = 0 /\\ file f[3] = none)\n");
        assert_eq!(answer(&text, "legacy"), Answer::Always, "{fs}");
        let full = text.replace("blocks=1", "blocks=0");
        let backing = pinlab_model::fs::FsKind::from_name(fs)
            .unwrap()
            .rules()
            .backing;
        let unchanged = full.replace(
            "file f[1] = 0 /\\ file f[2] = 0",
            "file f[1] = none /\\ file f[2] = none",
        );
        // Memory-only filesystems do not allocate from the disk's blocks.
        let want = if backing {
            Answer::Always
        } else {
            Answer::Never
        };
        assert_eq!(answer(&unchanged, "legacy"), want, "{fs} with no space");
    }
}

#[test]
fn the_documented_completion_pattern_is_safe_and_unsafe_without_it() {
    // docs/litmus.md, "Ordering threads with completions": what it claims of its example.
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/litmus.md"))
        .unwrap();
    let section = &doc[doc
        .find("### Ordering threads with completions")
        .expect("the section")..];
    let start = section.find("```\nlitmus ").expect("an example") + 4;
    let text = &section[start..start + section[start..].find("```").unwrap()];
    let sc = parse(text);
    assert_eq!(sc.completions, vec!["done"]);
    for d in presets() {
        let r = run(text, d);
        assert_eq!(r.verdict, Verdict::Safe, "{d}: {}", r.verdict.text());
        assert_eq!(r.condition.unwrap().answer, Answer::Always, "{d}");
    }
    let without: String = text
        .lines()
        .filter(|l| !l.contains("done") && !l.starts_with("expect"))
        .map(|l| format!("{l}\n"))
        .collect();
    for d in presets() {
        let r = run(&without, d);
        assert!(
            matches!(r.verdict, Verdict::Unsafe(ps) if ps.contains(pinlab_model::property::Property::NoFrameUaf)),
            "{d}: {}",
            r.verdict.text()
        );
    }
}
