//! `pinlab probe --pin-matrix`: the kernel selftest-style matrix (tools/testing/selftests/mm/
//! gup_longterm.c, widened as in docs/sources.md#what-a-real-kernel-does-measured): backing × MAP_SHARED/MAP_PRIVATE ×
//! PROT_READ/PROT_READ|PROT_WRITE × pin method. Each cell is a small litmus scenario, so the
//! kernel runs it and the model of `upstream` predicts it through the same path as any scenario.

use crate::lab::BackingKind;

/// One cell: where, how, and the scenario that does it.
#[derive(Clone, Debug)]
pub struct Cell {
    pub backing: &'static str,
    pub shared: bool,
    pub writable: bool,
    pub method: &'static str,
    pub text: String,
}

impl Cell {
    pub fn label(&self) -> String {
        format!(
            "{} {} {}",
            if self.shared {
                "MAP_SHARED"
            } else {
                "MAP_PRIVATE"
            },
            if self.writable {
                "PROT_READ|PROT_WRITE"
            } else {
                "PROT_READ"
            },
            self.method
        )
    }
}

pub const BACKINGS: [&str; 8] = [
    "ext4",
    "xfs",
    "btrfs",
    "tmpfs",
    "hugetlbfs",
    "memfd",
    "memfd-hugetlb",
    "anon",
];

/// The pin methods: io_uring fixed buffers (a long-term FOLL_WRITE pin), an O_DIRECT read into
/// the mapping (a short-term FOLL_WRITE pin), vmsplice (FOLL_GET references, read-only) and
/// process_vm_writev (pin_user_pages_remote, short-term FOLL_WRITE).
pub const METHODS: [&str; 4] = ["io_uring", "O_DIRECT", "vmsplice", "process_vm_writev"];

/// The litmus text of a cell. The page is read-faulted first (write-faulted for io_uring on a
/// writable mapping, as the selftest does), so that a shared file page starts clean and
/// write-protected: the case the refusal and the dirty tracking are about.
pub fn cell_text(backing: &str, shared: bool, writable: bool, method: &str) -> String {
    let anon_private = backing == "anon" && !shared;
    let disk = matches!(backing, "ext4" | "xfs" | "btrfs");
    let fs = if backing == "anon" {
        "tmpfs"
    } else {
        BackingKind::from_name(backing)
            .expect("a backing of BACKINGS")
            .model_fs()
            .name()
    };
    let prot = if writable { "rw" } else { "ro" };
    let mut t = format!(
        "litmus {backing}-{}-{prot}-{}\nfs {fs}\n",
        if shared { "shared" } else { "private" },
        method.to_lowercase().replace('_', "-")
    );
    if anon_private {
        t.push_str(&format!(
            "anon m pages=1{}\n",
            if writable { "" } else { " ro" }
        ));
    } else if backing == "anon" {
        // MAP_SHARED|MAP_ANONYMOUS is a shmem file (shmem_zero_setup): modelled as a tmpfs hole.
        t.push_str(&format!("file f pages=1\nmmap m = f shared {prot}\n"));
    } else {
        t.push_str(&format!(
            "file f pages=1 data=F\nmmap m = f {} {prot}\n",
            if shared { "shared" } else { "private" }
        ));
    }
    let has_file = !anon_private;
    let fsync = if has_file { "  fsync f\n" } else { "" };
    let landed = |v: &str| {
        if disk {
            format!("exists (mem m[0] = {v} /\\ disk f[0] = {v})\n")
        } else {
            format!("exists (mem m[0] = {v})\n")
        }
    };
    match method {
        "io_uring" => {
            let fault = if writable {
                "  store m[0] = A\n"
            } else {
                "  load m[0] -> x\n"
            };
            t.push_str(&format!(
                "device ring io_uring\nthread app {{\n{fault}  pin p = ring m[0..1]\n  unpin p\n}}\n"
            ));
        }
        "O_DIRECT" => {
            t.push_str(&format!(
                "device d dio\nthread app {{\n  load m[0] -> x\n  pin p = d m[0..1] write\n  dma p[0] = S\n  unpin p dirty\n{fsync}}}\n"
            ));
            t.push_str(&landed("S"));
        }
        "vmsplice" => {
            let store = if writable { "  store m[0] = B\n" } else { "" };
            t.push_str(&format!(
                "device pipe vmsplice\nthread app {{\n  load m[0] -> x\n  pin p = pipe m[0..1]\n{store}  dma p[0] -> r\n  unpin p\n}}\n"
            ));
        }
        _ => {
            t.push_str(&format!(
                "device pv process_vm_writev\nthread app {{\n  load m[0] -> x\n  pin p = pv m[0..1] write\n  dma p[0] = P\n  unpin p dirty\n{fsync}}}\n"
            ));
            t.push_str(&landed("P"));
        }
    }
    t
}

/// Every cell of the matrix on the backings asked for (all by default).
pub fn cells(backings: Option<&[String]>) -> Result<Vec<Cell>, String> {
    let list: Vec<&'static str> = match backings {
        None => BACKINGS.to_vec(),
        Some(b) => b
            .iter()
            .map(|x| {
                BACKINGS
                    .iter()
                    .find(|y| **y == x.as_str())
                    .copied()
                    .ok_or_else(|| format!("--fs {x}: not a backing of the pin matrix"))
            })
            .collect::<Result<_, _>>()?,
    };
    let mut out = Vec::new();
    for backing in list {
        for shared in [true, false] {
            for writable in [false, true] {
                for method in METHODS {
                    out.push(Cell {
                        backing,
                        shared,
                        writable,
                        method,
                        text: cell_text(backing, shared, writable, method),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// Runs the cells on the kernel and asks the model about each.
#[cfg(target_os = "linux")]
pub fn run(
    lab: &mut crate::lab::Lab,
    cells: &[Cell],
    design: pinlab_model::design::Design,
    bounds: crate::kernel::Bounds,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    progress: crate::run::Progress,
) -> Vec<crate::run::Entry> {
    use crate::run::{run_one, Entry, Outcome};
    let mut out = Vec::new();
    for (i, c) in cells.iter().enumerate() {
        let t0 = std::time::Instant::now();
        if stop.load(std::sync::atomic::Ordering::SeqCst) {
            break;
        }
        let name = format!("pin-matrix:{}", c.label());
        let mut e = Entry {
            scenario: c.label(),
            source: name.clone(),
            backing: c.backing.to_string(),
            schedule: vec![],
            schedule_notes: vec![],
            outcome: Outcome::skipped(String::new()),
        };
        e.outcome = match pinlab_litmus::parse(&name, &c.text) {
            Err(d) => Outcome::skipped(format!(
                "the model cannot express this cell: {}",
                d.errors.first().map_or("", |e| e.message.as_str())
            )),
            Ok(sc) => {
                let kind = crate::lab::BackingKind::from_name(c.backing).expect("a backing");
                let schedule = crate::schedule::Schedule::sequential(&sc);
                e.schedule = schedule
                    .ops
                    .iter()
                    .map(|o| sc.threads[o.thread].name.clone())
                    .collect();
                run_one(
                    lab,
                    &sc,
                    kind,
                    &schedule,
                    design,
                    bounds,
                    stop.clone(),
                    10_000 + i,
                )
            }
        };
        progress(&e, t0.elapsed().as_secs_f64());
        out.push(e);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cell_the_model_can_express_parses() {
        // The cells are generated text: each must parse, except where the model lacks a piece
        // (reported as a skip with the parser's reason, never silently).
        let cells = cells(None).unwrap();
        assert_eq!(cells.len(), 8 * 2 * 2 * 4);
        let mut parsed = 0;
        for c in &cells {
            match pinlab_litmus::parse("cell", &c.text) {
                Ok(_) => parsed += 1,
                Err(d) => {
                    let r = d.render(&c.text);
                    assert!(
                        r.contains("process_vm_writev") || r.contains("ro") || r.contains("memfd"),
                        "{}:\n{}\n{r}",
                        c.label(),
                        c.text
                    );
                }
            }
        }
        assert!(parsed >= 80, "{parsed}");
    }
}
