//! The BFS frontier, compressed: one level's states as segments of records, each record the
//! XOR of a state's encoding with the record before it, its runs of zero bytes counted instead
//! of stored.
//!
//! States stored one after the other in a level are mostly siblings and cousins — a step
//! changes a thread's program counter and a page or two — so the XOR with the previous state is
//! nearly all zeros: a 150-byte encoding typically takes 10–25 bytes. Each segment starts from
//! an all-zero previous state, so segments are read and freed independently, and each worker
//! of a parallel search writes its own.
//!
//! A record: the encoding's length (LEB128), then until the length is covered: a run of zero
//! bytes of the XOR (LEB128), and unless that reaches the end, a count of literal bytes (LEB128)
//! followed by those bytes of the XOR.

fn put_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn get_varint(b: &[u8], at: &mut usize) -> usize {
    let mut n = 0usize;
    let mut shift = 0;
    loop {
        let x = b[*at];
        *at += 1;
        n |= ((x & 0x7f) as usize) << shift;
        if x < 0x80 {
            return n;
        }
        shift += 7;
    }
}

/// The most bytes `push` can write for an encoding of `len` bytes.
pub(crate) fn worst_case(len: usize) -> usize {
    // Length, then at worst alternating one zero and one literal byte: three bytes per two.
    10 + len * 3 / 2 + 4
}

/// Writes the records of one segment.
#[derive(Default)]
pub(crate) struct Writer {
    prev: Vec<u8>,
}

impl Writer {
    /// Appends `state` as a record to `out`.
    pub(crate) fn push(&mut self, state: &[u8], out: &mut Vec<u8>) {
        let n = state.len();
        if self.prev.len() != n {
            self.prev.clear();
            self.prev.resize(n, 0);
        }
        put_varint(out, n);
        let mut i = 0;
        while i < n {
            let z = common_prefix(&state[i..], &self.prev[i..]);
            put_varint(out, z);
            i += z;
            if i == n {
                break;
            }
            // Literals run until two equal bytes in a row (one equal byte costs less as a literal).
            let mut j = i;
            while j < n
                && !(state[j] == self.prev[j] && (j + 1 == n || state[j + 1] == self.prev[j + 1]))
            {
                j += 1;
            }
            put_varint(out, j - i);
            out.extend(state[i..j].iter().zip(&self.prev[i..j]).map(|(a, b)| a ^ b));
            i = j;
        }
        self.prev.copy_from_slice(state);
    }
}

/// How many leading bytes `a` and `b` share, eight at a time (most of a state repeats the one
/// before it).
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let x = u64::from_le_bytes(a[i..i + 8].try_into().expect("8 bytes"))
            ^ u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        if x != 0 {
            return i + (x.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// Reads the records of one segment, in order. It holds no borrow of the segment, so that the
/// segment can stay where it is between batches.
#[derive(Default)]
pub(crate) struct Reader {
    at: usize,
    cur: Vec<u8>,
}

impl Reader {
    /// The next state's encoding in `seg`, which must be the segment every earlier call read.
    pub(crate) fn next_state(&mut self, seg: &[u8]) -> Option<&[u8]> {
        if self.at >= seg.len() {
            return None;
        }
        let b = seg;
        let n = get_varint(b, &mut self.at);
        if self.cur.len() != n {
            self.cur.clear();
            self.cur.resize(n, 0);
        }
        let mut i = 0;
        while i < n {
            i += get_varint(b, &mut self.at);
            if i == n {
                break;
            }
            let l = get_varint(b, &mut self.at);
            for (c, x) in self.cur[i..i + l].iter_mut().zip(&b[self.at..self.at + l]) {
                *c ^= x;
            }
            self.at += l;
            i += l;
        }
        Some(&self.cur)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn records_read_back_as_written(states in proptest::collection::vec(
            proptest::collection::vec(prop_oneof![Just(0u8), Just(7u8), any::<u8>()], 0..300), 0..40)) {
            let mut w = Writer::default();
            let mut seg = Vec::new();
            for s in &states {
                let before = seg.len();
                w.push(s, &mut seg);
                prop_assert!(seg.len() - before <= worst_case(s.len()));
            }
            let mut r = Reader::default();
            for s in &states {
                prop_assert_eq!(r.next_state(&seg), Some(&s[..]));
            }
            prop_assert_eq!(r.next_state(&seg), None);
        }
    }

    #[test]
    fn siblings_take_a_few_bytes() {
        let a: Vec<u8> = (0..150).map(|i| (i * 7) as u8).collect();
        let mut b = a.clone();
        b[3] ^= 1;
        b[90] = 0xff;
        let mut w = Writer::default();
        let mut seg = Vec::new();
        w.push(&a, &mut seg);
        let first = seg.len();
        w.push(&b, &mut seg);
        assert!(seg.len() - first <= 10, "{} bytes", seg.len() - first);
    }
}
