//! The path nodes: for every stored state, its parent's id and the thread whose step reached
//! it — what counterexamples are read back from, and what the frontier regenerates states
//! from. Packed to about a byte a state.
//!
//! Ids are given in breadth-first order, and states are stored in the order of their parents'
//! ids, so parents never decrease from one id to the next: a node is the difference from the
//! previous node's parent (mostly 0 to 3) and the thread, in one byte when both are below 15.
//! Every 64th node starts a group whose place and first parent an index records (12 bytes a
//! group), so any node is at most 63 decodes away, and a `Cursor` reading ids in order decodes
//! each group once.

use crate::memory::{Budget, Chunked, Refusal};

const GROUP: usize = 64;
/// A node takes at most: the byte of both nibbles, a thread byte and a 5-byte LEB128 delta.
const MAX_NODE: usize = 7;
/// Bytes a chunk holds at most; the first starts small and doubles to this.
const CHUNK: usize = 256 << 10;
const FIRST: usize = 256;

pub(crate) struct Nodes {
    chunks: Vec<Vec<u8>>,
    /// Per group: its chunk, its offset there, and its first node's parent.
    index: Chunked<(u32, u32, u32)>,
    len: usize,
    prev: u32,
}

impl Nodes {
    pub(crate) fn new() -> Nodes {
        Nodes {
            chunks: Vec::new(),
            index: Chunked::new(),
            len: 0,
            prev: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Room for a whole group in the last chunk.
    fn room(&mut self, budget: &mut Budget) -> Result<(), Refusal> {
        let need = GROUP * MAX_NODE;
        if let Some(last) = self.chunks.last_mut() {
            if last.capacity() - last.len() >= need {
                return Ok(());
            }
            if last.capacity() < CHUNK {
                // The first chunk doubles (the catalog's small checks stay small).
                let before = last.capacity();
                let want = (before * 2).min(CHUNK).max(last.len() + need);
                budget.ask(want)?;
                let mut v = Vec::new();
                v.try_reserve_exact(want)
                    .map_err(|_| Refusal::Allocator { wanted: want })?;
                v.extend_from_slice(last);
                *last = v;
                budget.grew(want, before, last.capacity());
                return Ok(());
            }
        }
        let want = if self.chunks.is_empty() {
            FIRST.max(need)
        } else {
            CHUNK
        };
        let outer = if self.chunks.len() == self.chunks.capacity() {
            self.chunks.capacity().max(4) * std::mem::size_of::<Vec<u8>>()
        } else {
            0
        };
        budget.ask(want + outer)?;
        let mut v = Vec::new();
        v.try_reserve_exact(want)
            .map_err(|_| Refusal::Allocator { wanted: want })?;
        self.chunks
            .try_reserve(1)
            .map_err(|_| Refusal::Allocator { wanted: outer })?;
        budget.grew(want + outer, 0, v.capacity() + outer);
        self.chunks.push(v);
        Ok(())
    }

    /// Appends the node of the next id. `parent` is at least the previous node's.
    pub(crate) fn push(
        &mut self,
        parent: u32,
        thread: u8,
        budget: &mut Budget,
    ) -> Result<(), Refusal> {
        if self.len.is_multiple_of(GROUP) {
            self.room(budget)?;
            let c = self.chunks.len() - 1;
            let off = self.chunks[c].len();
            self.index.push((c as u32, off as u32, parent), budget)?;
            self.prev = parent;
        }
        debug_assert!(parent >= self.prev, "parents in id order");
        let delta = (parent - self.prev) as usize;
        let out = self.chunks.last_mut().expect("room was made");
        out.push(thread.min(15) | (delta.min(15) as u8) << 4);
        if thread >= 15 {
            out.push(thread);
        }
        if delta >= 15 {
            let mut d = delta - 15;
            while d >= 0x80 {
                out.push(d as u8 | 0x80);
                d >>= 7;
            }
            out.push(d as u8);
        }
        self.prev = parent;
        self.len += 1;
        Ok(())
    }

    /// The parent and thread of `id`, through `cur` (which keeps the group it last decoded).
    pub(crate) fn get(&self, cur: &mut Cursor, id: u32) -> (u32, u8) {
        let g = id as usize / GROUP;
        if cur.group != g {
            let (c, off, mut parent) = *self.index.get(g);
            let b = &self.chunks[c as usize];
            let mut at = off as usize;
            let n = GROUP.min(self.len - g * GROUP);
            for i in 0..n {
                let x = b[at];
                at += 1;
                let mut thread = x & 15;
                if thread == 15 {
                    thread = b[at];
                    at += 1;
                }
                let mut delta = (x >> 4) as u32;
                if delta == 15 {
                    let mut shift = 0;
                    let mut d = 0u32;
                    loop {
                        let y = b[at];
                        at += 1;
                        d |= ((y & 0x7f) as u32) << shift;
                        if y < 0x80 {
                            break;
                        }
                        shift += 7;
                    }
                    delta += d;
                }
                parent += delta;
                cur.nodes[i] = (parent, thread);
            }
            cur.group = g;
        }
        cur.nodes[id as usize % GROUP]
    }
}

/// One decoded group of nodes, so that reading ids in order decodes each group once.
pub(crate) struct Cursor {
    group: usize,
    nodes: [(u32, u8); GROUP],
}

impl Default for Cursor {
    fn default() -> Cursor {
        Cursor {
            group: usize::MAX,
            nodes: [(0, 0); GROUP],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_read_back_as_pushed_and_take_about_a_byte() {
        let mut b = Budget::new(usize::MAX);
        let mut n = Nodes::new();
        let mut want = Vec::new();
        let mut parent = 0u32;
        for i in 0..100_000u32 {
            // Mostly small steps, now and then a long jump and a thread past 15.
            parent += match i % 97 {
                0 => 100_000,
                _ => i % 3,
            };
            let thread = if i % 89 == 0 { 200 } else { (i % 7) as u8 };
            n.push(parent, thread, &mut b).unwrap();
            want.push((parent, thread));
        }
        let mut cur = Cursor::default();
        for (id, w) in want.iter().enumerate() {
            assert_eq!(n.get(&mut cur, id as u32), *w, "{id}");
        }
        // Backwards, and jumping about, through a fresh cursor each time.
        for id in (0..want.len()).rev().step_by(997) {
            assert_eq!(n.get(&mut Cursor::default(), id as u32), want[id]);
        }
        let per = b.peak() as f64 / want.len() as f64;
        assert!(per < 2.0, "{per} bytes a node");
    }

    #[test]
    fn nodes_stop_at_the_budget() {
        let mut b = Budget::new(4096);
        let mut n = Nodes::new();
        let r = (0..).find_map(|i| n.push(i, 0, &mut b).err());
        assert_eq!(r, Some(Refusal::OverBudget));
        assert!(b.peak() <= 4096);
        let mut cur = Cursor::default();
        assert_eq!(n.get(&mut cur, n.len() as u32 - 1), (n.len() as u32 - 1, 0));
    }
}
