//! The visited set: 64-bit fingerprints in ordered linear-probing tables, sharded by 8 more bits
//! of the state's hash — about 9–10 bytes per state, where a general-purpose hash set of 128-bit
//! fingerprints took 24–36.
//!
//! A state's 128-bit xxh3 hash picks one of 256 shards with its top 8 bits and is stored as its
//! low 64 bits, so two distinct states merge only if 72 bits of their hashes agree: probability
//! about n²/2⁷³ for n states — 10⁻⁶ at 10⁸ states, as SPIN's 64-bit hash compaction (`-DHC`)
//! and LTSmin's fingerprint tables accept.
//!
//! Each shard is an *ordered* hash table (Amble and Knuth, 1974): a key's home slot is
//! `key * capacity >> 64`, which never decreases as the key grows, and every run of occupied
//! slots is kept sorted, so the whole table is sorted. A lookup stops at the first slot that
//! holds a key at least as large; an insert shifts the rest of the run right by one. Sorted
//! tables grow by one linear merge pass, so a shard may grow by 10 % at a time instead of
//! doubling, keeping the load between 84 % and 93 %. Shards grow one at a time: the moment one
//! holds its old and its new array costs 1/256 of the set, not twice the set. And shards are
//! what the parallel search splits among its workers: each worker owns the shards whose number
//! is its own modulo the number of workers, so no two workers ever touch one table.

use crate::memory::{Budget, Refusal};

/// Bits of the hash that pick a shard.
const SHARD_BITS: u32 = 8;
pub(crate) const SHARDS: usize = 1 << SHARD_BITS;
/// Grow a shard before it is fuller than this (per mille).
const MAX_LOAD: usize = 930;
/// Slots per block. A shard's slots live in blocks of 64 (512 bytes), never in one array: a
/// shard that grows frees blocks of the very size every other shard's growth allocates, so the
/// allocator reuses them all instead of keeping arrays of every size a shard ever had.
const BLOCK: usize = 64;

type Block = Box<[u64; BLOCK]>;

/// The shard a fingerprint belongs to.
pub(crate) fn shard_of(fp: u128) -> usize {
    (fp >> (128 - SHARD_BITS)) as usize
}

/// The key a fingerprint is stored as: its low 64 bits, 0 standing for an empty slot (a key of
/// 0 is stored as 1, merging two of the 2⁶⁴ keys of a shard).
pub(crate) fn key_of(fp: u128) -> u64 {
    (fp as u64).max(1)
}

/// Blocks for a table of `cap` home slots, with slots past the last home slot so that the runs
/// at the end need not wrap around.
fn blocks_for(cap: usize) -> usize {
    (cap + 16 + cap / 64).div_ceil(BLOCK)
}

fn home(key: u64, cap: usize) -> usize {
    ((key as u128 * cap as u128) >> 64) as usize
}

/// The bytes a table of `cap` home slots holds: its blocks and the pointers to them.
fn bytes(cap: usize) -> usize {
    if cap == 0 {
        0
    } else {
        blocks_for(cap) * (BLOCK * 8 + std::mem::size_of::<Block>())
    }
}

fn new_block() -> Result<Block, Refusal> {
    let mut v: Vec<u64> = Vec::new();
    v.try_reserve_exact(BLOCK)
        .map_err(|_| Refusal::Allocator { wanted: BLOCK * 8 })?;
    v.resize(BLOCK, 0);
    Ok(v.into_boxed_slice().try_into().expect("a block's length"))
}

#[derive(Default)]
pub(crate) struct Shard {
    blocks: Vec<Block>,
    cap: usize,
    len: usize,
}

/// What `Shard::insert` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Insert {
    Added,
    Present,
    /// No empty slot right of the key's place: the shard must grow first.
    Full,
}

impl Shard {
    fn slots(&self) -> usize {
        self.blocks.len() * BLOCK
    }

    fn at(&self, i: usize) -> u64 {
        self.blocks[i / BLOCK][i % BLOCK]
    }

    fn set(&mut self, i: usize, k: u64) {
        self.blocks[i / BLOCK][i % BLOCK] = k;
    }

    /// The first slot at or right of `key`'s home holding no key below it, and whether it holds
    /// `key` itself.
    fn find(&self, key: u64) -> (usize, bool) {
        let mut i = home(key, self.cap);
        let mut b = i / BLOCK;
        while b < self.blocks.len() {
            let blk = &self.blocks[b];
            for (j, &v) in blk.iter().enumerate().skip(i % BLOCK) {
                if v == 0 || v >= key {
                    return (b * BLOCK + j, v == key);
                }
            }
            b += 1;
            i = b * BLOCK;
        }
        (self.slots(), false)
    }

    pub(crate) fn insert(&mut self, key: u64) -> Insert {
        if self.cap == 0 {
            return Insert::Full;
        }
        let (i, there) = self.find(key);
        if there {
            return Insert::Present;
        }
        if i == self.slots() {
            return Insert::Full;
        }
        // Put the key at `i` and carry what was there right, block by block, to the first
        // empty slot.
        let mut carry = key;
        let (mut b, mut j) = (i / BLOCK, i % BLOCK);
        loop {
            let Some(blk) = self.blocks.get_mut(b) else {
                // No empty slot: undo the shift (what fell off the end goes back last).
                self.unshift(i, carry);
                return Insert::Full;
            };
            match blk[j..].iter().position(|&v| v == 0) {
                Some(e) => {
                    blk.copy_within(j..j + e, j + 1);
                    blk[j] = carry;
                    self.len += 1;
                    return Insert::Added;
                }
                None => {
                    let last = blk[BLOCK - 1];
                    blk.copy_within(j..BLOCK - 1, j + 1);
                    blk[j] = carry;
                    carry = last;
                    b += 1;
                    j = 0;
                }
            }
        }
    }

    /// Undoes a shift that ran off the end: slots `i + 1..` move back left by one, and `last`,
    /// which fell off, is the last again.
    fn unshift(&mut self, i: usize, last: u64) {
        let n = self.slots();
        for k in i..n - 1 {
            let v = self.at(k + 1);
            self.set(k, v);
        }
        self.set(n - 1, last);
    }

    #[cfg(test)]
    pub(crate) fn contains(&self, key: u64) -> bool {
        self.cap != 0 && self.find(key).1
    }

    /// Grows to hold `more` keys beyond the ones it has within `MAX_LOAD`, if it must. The old
    /// and the new blocks are held together for a moment: the budget is asked for both.
    fn reserve(&mut self, more: usize, budget: &mut Budget) -> Result<(), Refusal> {
        let want = self.len + more;
        if want * 1000 <= self.cap * MAX_LOAD {
            return Ok(());
        }
        self.grow_to(want, budget)
    }

    fn grow_to(&mut self, want: usize, budget: &mut Budget) -> Result<(), Refusal> {
        let mut cap = (want * 1000)
            .div_ceil(MAX_LOAD)
            .max(self.cap + self.cap / 10)
            .max(8);
        loop {
            let new = bytes(cap);
            let old = bytes(self.cap);
            budget.ask(new)?;
            let mut table = Shard {
                blocks: Vec::new(),
                cap,
                len: self.len,
            };
            let nb = blocks_for(cap);
            table
                .blocks
                .try_reserve_exact(nb)
                .map_err(|_| Refusal::Allocator { wanted: new })?;
            for _ in 0..nb {
                table.blocks.push(new_block()?);
            }
            // Keys come out of the old table in order, and homes never decrease with the key:
            // each key goes to its home or just right of the one before.
            let mut next = 0;
            let mut fits = true;
            let n = table.slots();
            for k in self
                .blocks
                .iter()
                .flat_map(|b| b.iter())
                .copied()
                .filter(|&k| k != 0)
            {
                let at = home(k, cap).max(next);
                if at >= n {
                    fits = false;
                    break;
                }
                table.set(at, k);
                next = at + 1;
            }
            if !fits {
                // A run reached past the end: one step larger (only ever seen in tests that
                // force tiny tables).
                cap += cap / 7 + 8;
                continue;
            }
            budget.grew(new, old, new);
            *self = table;
            return Ok(());
        }
    }

    #[cfg(test)]
    fn sorted(&self) -> bool {
        let keys: Vec<u64> = (0..self.slots())
            .map(|i| self.at(i))
            .filter(|&k| k != 0)
            .collect();
        keys.windows(2).all(|w| w[0] < w[1])
            && (0..self.slots()).all(|i| self.at(i) == 0 || home(self.at(i), self.cap) <= i)
    }
}

/// The set of fingerprints of every stored state.
pub(crate) struct Visited {
    shards: Vec<Shard>,
}

impl Visited {
    pub(crate) fn new() -> Visited {
        Visited {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
        }
    }

    /// The bytes of the shard array itself, charged when the check starts.
    pub(crate) fn header_bytes() -> usize {
        SHARDS * std::mem::size_of::<Shard>()
    }

    /// Makes room in each shard for the keys `counts` says may come (one count per shard),
    /// shard by shard in order, so which growth a budget refuses does not depend on timing.
    pub(crate) fn reserve(&mut self, counts: &[u32], budget: &mut Budget) -> Result<(), Refusal> {
        for (s, &c) in self.shards.iter_mut().zip(counts) {
            if c > 0 {
                s.reserve(c as usize, budget)?;
            }
        }
        Ok(())
    }

    /// Grows shard `s` until it has room right of `key` (after `Insert::Full`).
    pub(crate) fn grow(&mut self, s: usize, budget: &mut Budget) -> Result<(), Refusal> {
        let sh = &mut self.shards[s];
        let want = sh.len + sh.len / 7 + 8;
        sh.grow_to(want, budget)
    }

    pub(crate) fn shards_mut(&mut self) -> &mut [Shard] {
        &mut self.shards
    }

    #[cfg(test)]
    pub(crate) fn contains(&self, fp: u128) -> bool {
        self.shards[shard_of(fp)].contains(key_of(fp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(i: u64) -> u128 {
        xxhash_rust::xxh3::xxh3_128(&i.to_le_bytes())
    }

    #[test]
    fn every_key_is_found_once_and_tables_stay_sorted() {
        let mut b = Budget::new(usize::MAX);
        let mut v = Visited::new();
        let n = 200_000u64;
        for round in 0..2 {
            for i in 0..n {
                let f = fp(i);
                let s = shard_of(f);
                v.shards[s].reserve(1, &mut b).unwrap();
                let r = v.shards[s].insert(key_of(f));
                assert_eq!(
                    r,
                    if round == 0 {
                        Insert::Added
                    } else {
                        Insert::Present
                    }
                );
            }
        }
        assert!((0..n).all(|i| v.contains(fp(i))));
        assert!(!(n..n + 1000).any(|i| v.contains(fp(i))));
        assert!(v.shards.iter().all(|s| s.sorted()));
        let len: usize = v.shards.iter().map(|s| s.len).sum();
        assert_eq!(len, n as usize);
        // Loads between 78 % and 90 %: at most 11.5 bytes a key with the overflow slots.
        let held: usize = v.shards.iter().map(|s| bytes(s.cap)).sum();
        assert!(
            held as f64 / (n as f64) < 11.5,
            "{} bytes/key",
            held as f64 / n as f64
        );
    }

    #[test]
    fn a_full_run_at_the_end_grows_instead_of_losing_a_key() {
        let mut b = Budget::new(usize::MAX);
        let mut s = Shard::default();
        s.reserve(8, &mut b).unwrap();
        // Keys whose homes are all the last slot.
        let mut added = 0;
        for k in (0..100u64).map(|i| u64::MAX - i) {
            loop {
                match s.insert(k) {
                    Insert::Added => break,
                    Insert::Present => panic!("{k} was not there"),
                    Insert::Full => s.grow_to(s.len + 8, &mut b).unwrap(),
                }
            }
            added += 1;
        }
        assert_eq!(s.len, added);
        assert!(s.sorted());
        assert!((0..100u64).all(|i| s.contains(u64::MAX - i)));
    }

    #[test]
    fn growth_asks_the_budget_for_both_arrays() {
        let mut b = Budget::new(4096);
        let mut s = Shard::default();
        let mut k = 1u64;
        let r = loop {
            if let Err(r) = s.reserve(1, &mut b) {
                break r;
            }
            assert_eq!(
                s.insert(k.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
                Insert::Added
            );
            k += 1;
        };
        assert_eq!(r, Refusal::OverBudget);
        assert!(b.peak() <= 4096);
    }
}
