//! What a check may spend, and what it spent: the memory budget every check runs under, the
//! storage that grows only within it, and the machine's limits the default budget is drawn from.
//!
//! A check stores three things that grow with the state space: the visited set (fingerprints,
//! `visited`), the path nodes (parent and thread per state, for counterexamples) and the BFS
//! frontier (the compressed states of the current and the next level, `frontier`), and its
//! workers hold buffers for a batch of states. Each grows only through
//! this module, which asks the budget first: a growth that would take the check past its limit
//! — counting the moment a hash table holds its old and its new array — stops the check
//! (`incomplete`, naming the limit) instead of letting the kernel's OOM killer stop the process.
//! Every growth also goes through `try_reserve`, so an allocator that refuses (a `ulimit -v` or
//! a cgroup smaller than the budget) ends the check the same way instead of aborting.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// The bytes a check may hold, and what it has held.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    limit: usize,
    used: usize,
    peak: usize,
}

/// Why a growth did not happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// It would have passed the budget.
    OverBudget,
    /// The allocator refused it (the process's own limits are smaller than the budget).
    Allocator { wanted: usize },
}

impl Budget {
    pub(crate) fn new(limit: usize) -> Budget {
        Budget {
            limit,
            used: 0,
            peak: 0,
        }
    }

    /// May the check hold `transient` more bytes, at least for a moment?
    pub(crate) fn ask(&self, transient: usize) -> Result<(), Refusal> {
        match self.used.checked_add(transient) {
            Some(t) if t <= self.limit => Ok(()),
            _ => Err(Refusal::OverBudget),
        }
    }

    pub(crate) fn grew(&mut self, transient: usize, before: usize, after: usize) {
        self.peak = self.peak.max(self.used + transient);
        self.used = self.used + after - before;
        self.peak = self.peak.max(self.used);
    }

    pub(crate) fn freed(&mut self, n: usize) {
        self.used -= n;
    }

    pub(crate) fn peak(&self) -> usize {
        self.peak
    }
}

/// Fingerprints are already uniformly distributed: their low 64 bits are the hash.
#[derive(Default)]
pub(crate) struct FingerprintHasher(u64);

impl Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ *b as u64;
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64;
    }
}

/// A set of 128-bit fingerprints that grows only within a budget.
pub(crate) struct FingerprintSet {
    set: HashSet<u128, BuildHasherDefault<FingerprintHasher>>,
}

/// The bytes a `HashSet<u128>` (hashbrown) holds at `capacity`: one 16-byte slot and one
/// control byte per bucket, plus a group of trailing control bytes. hashbrown keeps 7/8 of the
/// buckets usable once there are 8 or more, and sizes buckets as powers of two.
fn table_bytes(capacity: usize) -> usize {
    if capacity == 0 {
        return 0;
    }
    let buckets = if capacity < 8 {
        capacity + 1
    } else {
        capacity / 7 * 8
    };
    buckets * (std::mem::size_of::<u128>() + 1) + 16
}

impl FingerprintSet {
    pub(crate) fn new() -> FingerprintSet {
        FingerprintSet {
            set: HashSet::default(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.set.len()
    }

    #[cfg(test)]
    pub(crate) fn contains(&self, fp: u128) -> bool {
        self.set.contains(&fp)
    }

    /// Inserts `fp`; `Ok(false)` if it was there already.
    pub(crate) fn insert(&mut self, fp: u128, budget: &mut Budget) -> Result<bool, Refusal> {
        if self.set.len() == self.set.capacity() {
            if self.set.contains(&fp) {
                return Ok(false);
            }
            // Growing doubles the buckets (hashbrown's own policy: reserve enough for twice the
            // items), and the old array lives until its items are moved.
            let before = table_bytes(self.set.capacity());
            let additional = self.set.capacity().max(3);
            let after = table_bytes_exact(self.set.len() + additional);
            budget.ask(after)?;
            self.set
                .try_reserve(additional)
                .map_err(|_| Refusal::Allocator { wanted: after })?;
            budget.grew(after, before, table_bytes(self.set.capacity()));
        }
        Ok(self.set.insert(fp))
    }

    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        table_bytes(self.set.capacity())
    }
}

/// An upper bound of what a table that must hold `items` takes (buckets a power of two, 7/8 of
/// them usable): the figure the budget asks before a growth.
fn table_bytes_exact(items: usize) -> usize {
    let buckets = if items < 8 {
        items.next_power_of_two().max(4)
    } else {
        (items * 8 / 7).next_power_of_two()
    };
    buckets * (std::mem::size_of::<u128>() + 1) + 16
}

/// A growable sequence in fixed-size chunks: it never copies what it holds to grow, so it never
/// holds twice its size, and never more than one chunk it does not use.
pub(crate) struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

/// Items per chunk: 65,536 (768 KiB of the node index's 12-byte group entries, one per 64 nodes).
const CHUNK_SHIFT: u32 = 16;

impl<T> Chunked<T> {
    pub(crate) fn new() -> Chunked<T> {
        Chunked {
            chunks: Vec::new(),
            len: 0,
        }
    }

    pub(crate) fn push(&mut self, x: T, budget: &mut Budget) -> Result<(), Refusal> {
        let full = 1usize << CHUNK_SHIFT;
        let size = std::mem::size_of::<T>();
        let room = self.chunks.last().is_some_and(|c| c.len() < c.capacity());
        if !room {
            match self.chunks.last_mut() {
                // The first chunk starts small and doubles up to a whole chunk, so the catalog's
                // hundred-state checks stay small; later chunks are whole from the start.
                Some(last) if last.capacity() < full => {
                    let before = last.capacity() * size;
                    let want = (last.capacity() * 2).min(full);
                    budget.ask(want * size)?;
                    last.try_reserve_exact(want - last.len())
                        .map_err(|_| Refusal::Allocator {
                            wanted: want * size,
                        })?;
                    budget.grew(want * size, before, last.capacity() * size);
                }
                _ => {
                    let want = if self.chunks.is_empty() { 64 } else { full };
                    let outer = if self.chunks.len() == self.chunks.capacity() {
                        self.chunks.capacity().max(4) * std::mem::size_of::<Vec<T>>()
                    } else {
                        0
                    };
                    let bytes = want * size + outer;
                    budget.ask(bytes)?;
                    let mut v = Vec::new();
                    v.try_reserve_exact(want)
                        .map_err(|_| Refusal::Allocator { wanted: bytes })?;
                    self.chunks
                        .try_reserve(1)
                        .map_err(|_| Refusal::Allocator { wanted: bytes })?;
                    self.chunks.push(v);
                    budget.grew(bytes, 0, bytes);
                }
            }
        }
        let last = self.chunks.last_mut().expect("a chunk with room");
        last.push(x);
        self.len += 1;
        Ok(())
    }

    pub(crate) fn get(&self, i: usize) -> &T {
        &self.chunks[i >> CHUNK_SHIFT][i & ((1 << CHUNK_SHIFT) - 1)]
    }
}

/// The machine's memory limits a default budget is drawn from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineMemory {
    /// The smallest of the limits found, in bytes.
    pub bytes: u64,
    /// Where that figure comes from: `MemTotal`, `cgroup memory.max` (with its path), or
    /// `RLIMIT_AS`.
    pub source: String,
}

/// The memory this process can use at most: the smallest of the machine's RAM (`MemTotal`),
/// the memory limit of its cgroup and every ancestor (v2 `memory.max`, v1
/// `memory.limit_in_bytes`) and its address-space limit (`ulimit -v`). `None` when none could
/// be read (not Linux).
pub fn machine_memory() -> Option<MachineMemory> {
    let mut best: Option<MachineMemory> = None;
    let mut offer = |bytes: u64, source: String| {
        if best.as_ref().is_none_or(|b| bytes < b.bytes) {
            best = Some(MachineMemory { bytes, source });
        }
    };
    if let Ok(s) = std::fs::read_to_string("/proc/meminfo") {
        if let Some(kb) = field_kb(&s, "MemTotal:") {
            offer(kb * 1024, "MemTotal".into());
        }
    }
    if let Ok(s) = std::fs::read_to_string("/proc/self/cgroup") {
        for line in s.lines() {
            let mut parts = line.splitn(3, ':');
            let (_, controllers, path) = match (parts.next(), parts.next(), parts.next()) {
                (Some(a), Some(b), Some(c)) => (a, b, c),
                _ => continue,
            };
            let candidates: Vec<(String, &str)> = if controllers.is_empty() {
                vec![
                    ("/sys/fs/cgroup".to_string(), "memory.max"),
                    ("/sys/fs/cgroup/unified".to_string(), "memory.max"),
                ]
            } else if controllers.split(',').any(|c| c == "memory") {
                vec![("/sys/fs/cgroup/memory".to_string(), "memory.limit_in_bytes")]
            } else {
                continue;
            };
            for (root, file) in candidates {
                // The effective limit is the smallest on the way up to the root.
                let mut p = std::path::PathBuf::from(path);
                loop {
                    let f = std::path::Path::new(&root)
                        .join(p.strip_prefix("/").unwrap_or(&p))
                        .join(file);
                    if let Ok(v) = std::fs::read_to_string(&f) {
                        if let Ok(n) = v.trim().parse::<u64>() {
                            offer(n, format!("cgroup {}", f.display()));
                        }
                    }
                    if !p.pop() {
                        break;
                    }
                }
            }
        }
    }
    if let Ok(s) = std::fs::read_to_string("/proc/self/limits") {
        if let Some(line) = s.lines().find(|l| l.starts_with("Max address space")) {
            if let Some(n) = line
                .split_whitespace()
                .nth(3)
                .and_then(|v| v.parse::<u64>().ok())
            {
                offer(n, "RLIMIT_AS (ulimit -v)".into());
            }
        }
    }
    best
}

fn field_kb(s: &str, name: &str) -> Option<u64> {
    s.lines()
        .find(|l| l.starts_with(name))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The memory every check of a command may share when the user sets no `--max-memory`: half of
/// what `machine_memory` finds — the other half is the rest of the machine's, and covers what a
/// check holds outside its budget (the program, the model's working states, allocator slack).
/// 4 GiB when nothing can be read.
pub fn default_total_budget() -> u64 {
    machine_memory().map_or(4 << 30, |m| m.bytes / 2)
}

/// The peak resident set of this process so far (`VmHWM`), in bytes.
pub fn peak_rss() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    field_kb(&s, "VmHWM:").map(|kb| kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_bytes_follow_the_capacity_hashbrown_reports() {
        // The accounting is only as good as this formula: check it against real tables.
        for n in [1usize, 3, 7, 8, 14, 15, 100, 1000, 100_000] {
            let mut s: HashSet<u128, BuildHasherDefault<FingerprintHasher>> = HashSet::default();
            s.reserve(n);
            let cap = s.capacity();
            let b = table_bytes(cap);
            assert!(
                b >= cap * 17,
                "{n}: {cap} items need at least {} bytes",
                cap * 17
            );
            assert!(b <= table_bytes_exact(cap), "{n}: {b} over the upper bound");
        }
    }

    #[test]
    fn a_set_stops_at_its_budget_and_counts_its_peak() {
        let mut b = Budget::new(64 << 10);
        let mut s = FingerprintSet::new();
        let mut stored = 0u128;
        let refusal = loop {
            match s.insert(stored, &mut b) {
                Ok(true) => stored += 1,
                Ok(false) => unreachable!("distinct fingerprints"),
                Err(r) => break r,
            }
        };
        assert_eq!(refusal, Refusal::OverBudget);
        assert!(b.peak() <= 64 << 10, "peak {} over the budget", b.peak());
        // It filled what the budget allowed: the next doubling would not have fit.
        assert!(b.peak() + s.bytes() * 2 > 64 << 10);
        assert_eq!(s.len() as u128, stored);
        // Every stored fingerprint is still there and a repeat is not re-added.
        assert!(s.contains(0) && s.contains(stored - 1));
        assert_eq!(s.insert(0, &mut b), Ok(false));
    }

    #[test]
    fn chunked_storage_never_holds_twice_its_size() {
        let mut b = Budget::new(usize::MAX);
        let mut c: Chunked<u64> = Chunked::new();
        for i in 0..200_000u64 {
            c.push(i, &mut b).unwrap();
        }
        assert_eq!(*c.get(0), 0);
        assert_eq!(*c.get(65_536), 65_536);
        assert_eq!(*c.get(199_999), 199_999);
        let held = 200_000 * 8;
        assert!(b.peak() < held + (8 << 16) + 4096, "peak {}", b.peak());
    }

    #[test]
    fn the_machine_has_some_memory() {
        let m = machine_memory().expect("Linux exposes /proc/meminfo");
        assert!(m.bytes > 64 << 20, "{m:?}");
        assert!(peak_rss().expect("VmHWM") > 0);
    }
}
