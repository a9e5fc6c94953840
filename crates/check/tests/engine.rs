//! The engine on toy models whose state spaces are known in closed form: state and transition
//! counts, shortest counterexamples, hangs, the final condition, the canonicalizing and the
//! partial-order reductions, the limits, and the independence of the result from the number
//! of workers. Every count below is derived in the comment above it, not read off a run.

use pinlab_check::{Answer, CheckResult, Checker, Cut, Model, Verdict};
use pinlab_model::property::{Property, PropertySet};
use pinlab_model::scenario::Quantifier;
use pinlab_model::{Moved, Reduction, StepInfo};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// No limit but the ones a test sets, on one worker.
fn checker<M: Model>(m: M) -> Checker<'static, M> {
    Checker::new(m).max_memory(usize::MAX).jobs(1)
}

/// Everything a check reports but its bytes (which depend on the number of workers).
fn summary(r: &CheckResult) -> String {
    let mut st = r.stats.clone();
    st.bytes = 0;
    format!(
        "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {st:?}",
        r.verdict, r.violated, r.counterexamples, r.hang, r.refused, r.revoked, r.condition
    )
}

fn bytes(s: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(s)
}

fn from_bytes(b: &[u8], into: &mut Vec<u8>) {
    into.clear();
    into.extend_from_slice(b);
}

/// `n` threads, each counting its own counter from 0 to `k`; nothing is shared, nothing is
/// violated. With `por`, every step commutes with every other, so the lowest unfinished
/// thread's step alone is a persistent set. With `sym`, the threads are interchangeable and
/// the canonical state sorts the counters (thread i of a canonical state is the one at the
/// i-th smallest count). `bug` says which steps violate `durability` (a stand-in property).
#[derive(Clone, Copy)]
struct Counters {
    n: usize,
    k: u8,
    por: bool,
    sym: bool,
    bug: Bug,
}

#[derive(Clone, Copy)]
enum Bug {
    None,
    /// A counter reaching `k` while another is still 0 (only some orders show it).
    Early,
    /// Counter `t` reaching `k` (every order shows it, at different depths).
    Finishes(usize),
}

impl Counters {
    fn new(n: usize, k: u8) -> Counters {
        Counters {
            n,
            k,
            por: false,
            sym: false,
            bug: Bug::None,
        }
    }

    /// The successor's counters, and the permutation the canonical form applied (position i
    /// of the result holds position perm[i] of the stepped state).
    fn next(&self, s: &[u8], t: usize, next: &mut Vec<u8>, info: &mut StepInfo) -> Vec<usize> {
        info.reset();
        next.clear();
        next.extend_from_slice(s);
        next[t] += 1;
        let violates = match self.bug {
            Bug::None => false,
            Bug::Early => next[t] == self.k && next.contains(&0),
            Bug::Finishes(u) => u == t && next[t] == self.k,
        };
        if violates {
            info.violations.insert(Property::Durability);
        }
        let mut perm: Vec<usize> = (0..self.n).collect();
        if self.sym {
            // Stable, so that equal counters keep their order.
            perm.sort_by_key(|&i| next[i]);
            *next = perm.iter().map(|&i| next[i]).collect();
        }
        perm
    }
}

impl Model for Counters {
    type State = Vec<u8>;
    type Outcome = ();

    fn init(&self) -> Vec<u8> {
        vec![0; self.n]
    }
    fn threads(&self) -> usize {
        self.n
    }
    fn encode(&self, s: &Vec<u8>, out: &mut Vec<u8>) {
        bytes(s, out)
    }
    fn decode(&self, b: &[u8], into: &mut Vec<u8>) {
        from_bytes(b, into)
    }
    fn step(&self, s: &Vec<u8>, t: usize, next: &mut Vec<u8>, info: &mut StepInfo) -> Moved {
        if s[t] == self.k {
            return Moved::Finished;
        }
        self.next(s, t, next, info);
        Moved::Done
    }
    fn por_on(&self) -> bool {
        self.por
    }
    fn por_thread(&self, s: &Vec<u8>, next: &mut Vec<u8>, info: &mut StepInfo) -> Option<usize> {
        if !self.por {
            return None;
        }
        let t = (0..self.n).find(|&t| s[t] < self.k)?;
        self.next(s, t, next, info);
        Some(t)
    }
    fn finished(&self, s: &Vec<u8>) -> bool {
        s.iter().all(|&c| c == self.k)
    }
    fn outcome(&self, _: &Vec<u8>) -> ((), bool) {
        unreachable!("no condition")
    }
    /// Replays the canonical path, following where each real thread went.
    fn real_path(&self, path: &[usize]) -> Vec<usize> {
        let mut s = self.init();
        let mut real: Vec<usize> = (0..self.n).collect();
        let (mut next, mut info) = (Vec::new(), StepInfo::default());
        path.iter()
            .map(|&t| {
                let r = real[t];
                let perm = self.next(&s, t, &mut next, &mut info);
                real = perm.iter().map(|&i| real[i]).collect();
                std::mem::swap(&mut s, &mut next);
                r
            })
            .collect()
    }
}

/// C(n, r), small.
fn binomial(n: u64, r: u64) -> u64 {
    (1..=r).fold(1, |acc, i| acc * (n + 1 - i) / i)
}

#[test]
fn independent_counters_store_every_combination() {
    // n counters in 0..=k, each reachable independently: (k+1)^n states. A state has a step
    // for each counter below k; summing over states, counter i is below k in k·(k+1)^(n-1)
    // of them, so there are n·k·(k+1)^(n-1) transitions. The deepest state is the final one,
    // n·k steps away, and it is the only final state.
    for (n, k) in [(1usize, 1u8), (2, 3), (3, 2), (4, 3)] {
        let r = checker(Counters::new(n, k)).run();
        let (n1, k1) = (n as u32, k as usize);
        assert_eq!(r.verdict, Verdict::Safe);
        assert!(r.complete && r.cut.is_none());
        assert_eq!(r.stats.states, (k1 + 1).pow(n1), "n={n} k={k}");
        assert_eq!(r.stats.transitions, n * k1 * (k1 + 1).pow(n1 - 1));
        assert_eq!(r.stats.max_depth, n * k1);
        assert_eq!(r.stats.final_states, 1);
        assert_eq!(r.stats.hung_states, 0);
        assert_eq!(r.stats.por_states, 0);
        assert!(r.counterexamples.is_empty() && r.hang.is_none());
    }
}

#[test]
fn the_progress_counter_ends_at_the_state_count() {
    let states = AtomicUsize::new(0);
    let r = checker(Counters::new(3, 4)).counting(&states).run();
    // 5^3 states.
    assert_eq!(r.stats.states, 125);
    assert_eq!(states.load(Ordering::Relaxed), 125);
}

/// Two threads, each `r = x; x = r + 1` on a shared `x`, in two steps. The step that finishes
/// the second thread violates `durability` unless x is 2 (an increment was lost). The final
/// condition is `q x=1` (`exists`, `forall`, ...).
struct LostUpdate {
    q: Option<Quantifier>,
}

/// [pc0, pc1, r0, r1, x]
const X: usize = 4;

impl Model for LostUpdate {
    type State = [u8; 5];
    type Outcome = u8;

    fn init(&self) -> [u8; 5] {
        [0; 5]
    }
    fn threads(&self) -> usize {
        2
    }
    fn encode(&self, s: &[u8; 5], out: &mut Vec<u8>) {
        bytes(s, out)
    }
    fn decode(&self, b: &[u8], into: &mut [u8; 5]) {
        into.copy_from_slice(b)
    }
    fn step(&self, s: &[u8; 5], t: usize, next: &mut [u8; 5], info: &mut StepInfo) -> Moved {
        info.reset();
        *next = *s;
        match s[t] {
            0 => next[2 + t] = s[X],
            1 => {
                next[X] = s[2 + t] + 1;
                if next[t ^ 1] == 2 && next[X] != 2 {
                    info.violations.insert(Property::Durability);
                }
            }
            _ => return Moved::Finished,
        }
        next[t] += 1;
        Moved::Done
    }
    fn finished(&self, s: &[u8; 5]) -> bool {
        s[0] == 2 && s[1] == 2
    }
    fn condition(&self) -> Option<Quantifier> {
        self.q
    }
    fn outcome(&self, s: &[u8; 5]) -> (u8, bool) {
        (s[X], s[X] == 1)
    }
}

#[test]
fn a_lost_update_is_found_with_its_shortest_path() {
    // Breadth-first, ids in (parent, thread) order, [pc0 pc1 r0 r1 x]:
    // depth 0: #0 [0 0 0 0 0]
    // depth 1: #1 = #0+T0 [1 0 0 0 0], #2 = #0+T1 [0 1 0 0 0]
    // depth 2: #3 = #1+T0 [2 0 0 0 1], #4 = #1+T1 [1 1 0 0 0] (= #2+T0), #5 = #2+T1 [0 2 0 0 1]
    // depth 3: #6 = #3+T1 [2 1 0 1 1], #7 = #4+T0 [2 1 0 0 1], #8 = #4+T1 [1 2 0 0 1],
    //          #9 = #5+T0 [1 2 1 0 1]
    // depth 4: #6+T1 [2 2 0 1 2], #7+T1 [2 2 0 0 1] (= #8+T0; the lost update), #9+T0 [2 2 1 0 2]
    // 13 states; transitions 2 + 4 + 4 + 4 = 14 (#3 and #5 have one thread finished, #6..#9
    // one thread each); the first violating transition is #7+T1: T0 T1 T0 T1. Three final
    // states, whose x are {2, 1}: two outcomes, one with x=1.
    let r = checker(LostUpdate {
        q: Some(Quantifier::Exists),
    })
    .run();
    assert_eq!(
        r.verdict,
        Verdict::Unsafe(PropertySet::from_slice(&[Property::Durability]))
    );
    assert_eq!(
        r.counterexamples,
        vec![(Property::Durability, vec![0, 1, 0, 1])]
    );
    assert_eq!(r.path_for(Property::Durability), Some(&vec![0, 1, 0, 1]));
    assert_eq!(r.stats.states, 13);
    assert_eq!(r.stats.transitions, 14);
    assert_eq!(r.stats.max_depth, 4);
    assert_eq!(r.stats.final_states, 3);
    let c = r.condition.expect("a condition");
    assert_eq!(
        (c.answer, c.positive, c.outcomes, c.holds),
        (Answer::Sometimes, 1, 2, true)
    );

    // The same outcomes under the other quantifiers: some x=1, so `~exists` fails, and not
    // every x=1, so `forall` fails; without a condition there is no answer.
    let q = |q| checker(LostUpdate { q: Some(q) }).run().condition.unwrap();
    assert!(!q(Quantifier::NotExists).holds);
    assert!(!q(Quantifier::Forall).holds);
    assert_eq!(q(Quantifier::Forall).answer, Answer::Sometimes);
    assert_eq!(checker(LostUpdate { q: None }).run().condition, None);
}

/// Two threads taking two locks in opposite orders (T0: A then B, T1: B then A), then
/// releasing both in one step. A thread waits while the lock it wants is held.
struct Abba;

impl Abba {
    /// Whether lock `l` (0: A, 1: B) is held in `s = [pc0, pc1]`. Thread t's first lock is
    /// lock t (T0 takes A first, T1 takes B): it holds that one at pc 1 and 2, the other at
    /// pc 2.
    fn held(s: &[u8; 2], l: usize) -> bool {
        (0..2).any(|t| s[t] == 2 || (l == t && s[t] == 1))
    }
}

impl Model for Abba {
    type State = [u8; 2];
    type Outcome = ();

    fn init(&self) -> [u8; 2] {
        [0; 2]
    }
    fn threads(&self) -> usize {
        2
    }
    fn encode(&self, s: &[u8; 2], out: &mut Vec<u8>) {
        bytes(s, out)
    }
    fn decode(&self, b: &[u8], into: &mut [u8; 2]) {
        into.copy_from_slice(b)
    }
    fn step(&self, s: &[u8; 2], t: usize, next: &mut [u8; 2], info: &mut StepInfo) -> Moved {
        info.reset();
        let wants = match s[t] {
            0 => Some(t),
            1 => Some(t ^ 1),
            2 => None,
            _ => return Moved::Finished,
        };
        if wants.is_some_and(|l| Abba::held(s, l)) {
            return Moved::Blocked(0);
        }
        *next = *s;
        next[t] += 1;
        Moved::Done
    }
    fn finished(&self, s: &[u8; 2]) -> bool {
        *s == [3, 3]
    }
    fn outcome(&self, _: &[u8; 2]) -> ((), bool) {
        unreachable!("no condition")
    }
}

#[test]
fn a_deadlock_is_a_hang_with_its_shortest_path() {
    // States are pairs of pcs in 0..=3 where no lock has two holders: A is held by T0 at pc
    // 1-2 and by T1 at pc 2, B by T1 at pc 1-2 and by T0 at pc 2, so (1,2), (2,1), (2,2) are
    // excluded: 16 - 3 = 13 states, all reachable. Only (1,1) has no step and is not final
    // (each holds what the other wants); (3,3) is the one final state. T0 steps at pc 0
    // unless T1 holds A (T1 at 2): 3 states; at pc 1 unless T1 holds B (T1 at 1; 2 is
    // excluded): 2 states, T1 at 0 or 3; at pc 2 always: 2 states, T1 at 0 or 3. 7 for T0,
    // 7 for T1 by symmetry: 14 transitions. Breadth-first, #1 = T0 takes A, #2 = T1 takes
    // B, and #1+T1 = (1,1): the hang, at T0 T1.
    let r = checker(Abba).run();
    assert_eq!(r.verdict, Verdict::Hang);
    assert_eq!(r.hang, Some(vec![0, 1]));
    assert!(r.violated.contains(Property::BoundedWait));
    assert!(r.counterexamples.is_empty());
    assert_eq!(
        r.most_relevant(),
        Some((Some(Property::BoundedWait), &vec![0, 1]))
    );
    assert_eq!(r.stats.states, 13);
    assert_eq!(r.stats.transitions, 14);
    assert_eq!(r.stats.hung_states, 1);
    assert_eq!(r.stats.final_states, 1);
}

#[test]
fn symmetric_threads_are_stored_once_per_orbit() {
    // n interchangeable counters in 0..=k: a canonical state is a multiset of n counts from
    // k+1 values, C(n+k, n) of them, against (k+1)^n without the symmetry. Still one final
    // state, n·k steps deep.
    for (n, k) in [(2usize, 2u8), (3, 2), (3, 4), (4, 3)] {
        let plain = checker(Counters::new(n, k)).run();
        let sym = checker(Counters {
            sym: true,
            ..Counters::new(n, k)
        })
        .run();
        assert_eq!(plain.stats.states, (k as usize + 1).pow(n as u32));
        assert_eq!(
            sym.stats.states as u64,
            binomial(n as u64 + k as u64, n as u64),
            "n={n} k={k}"
        );
        assert_eq!(sym.stats.final_states, 1);
        assert_eq!(sym.stats.max_depth, n * k as usize);
        assert_eq!(sym.verdict, Verdict::Safe);
    }
}

#[test]
fn paths_through_the_quotient_name_the_real_threads() {
    // 3 counters to 2; a counter reaching 2 while another is still 0 violates. Shortest: one
    // thread steps twice. In the quotient, depth 1 is the one state [0 0 1] (T0's step,
    // sorted: positions are old 1, 2, 0); from it canonical T0 gives [0 1 1] and T2 (the
    // counter at 1, real T0) gives [0 0 2], the violation: canonical path [0, 2], real [0, 0].
    // The plain model finds [0, 0] directly. States: C(5,3) = 10 against 3^3 = 27.
    let m = Counters {
        bug: Bug::Early,
        ..Counters::new(3, 2)
    };
    let plain = checker(m).run();
    let sym = checker(Counters { sym: true, ..m }).run();
    let want = vec![(Property::Durability, vec![0, 0])];
    assert_eq!(plain.counterexamples, want);
    assert_eq!(sym.counterexamples, want);
    assert_eq!(plain.verdict, sym.verdict);
    assert_eq!((plain.stats.states, sym.stats.states), (27, 10));
}

#[test]
fn partial_order_reduction_follows_one_thread_where_steps_commute() {
    // Every step commutes, so from every non-final state the lowest unfinished thread alone
    // is followed: a single chain of n·k steps, n·k + 1 states, every non-final one expanded
    // through one thread.
    for (n, k) in [(2usize, 2u8), (3, 3), (4, 2)] {
        let m = Counters {
            por: true,
            ..Counters::new(n, k)
        };
        let r = checker(m).run();
        let steps = n * k as usize;
        assert_eq!(r.stats.states, steps + 1);
        assert_eq!(r.stats.transitions, steps);
        assert_eq!(r.stats.por_states, steps);
        assert_eq!(r.stats.max_depth, steps);
        assert_eq!(r.verdict, Verdict::Safe);
        // Turned off in the engine, the model's persistent sets are not asked for.
        let off = checker(m)
            .reduce(Reduction {
                por: false,
                ..Reduction::all()
            })
            .run();
        assert_eq!(off.stats.states, (k as usize + 1).pow(n as u32));
        assert_eq!(off.stats.por_states, 0);
    }
}

#[test]
fn partial_order_reduction_keeps_the_shortest_counterexample() {
    // 2 counters to 2; counter 1 reaching 2 violates. Reduced, the chain is T0 T0 T1 T1 (5
    // states, 4 expanded through one thread) and meets the violation at depth 4; the
    // shortest execution that shows it is T1 T1, which the engine reports by searching again
    // without the reduction. The statistics stay the reduced search's.
    let m = Counters {
        por: true,
        bug: Bug::Finishes(1),
        ..Counters::new(2, 2)
    };
    let r = checker(m).run();
    assert_eq!(
        r.verdict,
        Verdict::Unsafe(PropertySet::from_slice(&[Property::Durability]))
    );
    assert_eq!(r.counterexamples, vec![(Property::Durability, vec![1, 1])]);
    assert_eq!((r.stats.states, r.stats.por_states), (5, 4));
}

#[test]
fn a_limit_hit_is_incomplete_never_safe() {
    // 3 counters to 2: 27 states, safe when complete.
    let m = Counters::new(3, 2);
    assert_eq!(checker(m).run().verdict, Verdict::Safe);
    let states = checker(m).max_states(10).run();
    assert_eq!(
        states.verdict,
        Verdict::Incomplete {
            found: PropertySet::default()
        }
    );
    assert_eq!(states.cut, Some(Cut::States { limit: 10 }));
    assert!(!states.complete);
    assert_eq!(states.stats.states, 10);

    let memory = checker(Counters::new(4, 9)).max_memory(64 << 10).run();
    assert_eq!(memory.cut, Some(Cut::Memory { limit: 64 << 10 }));
    assert!(matches!(memory.verdict, Verdict::Incomplete { .. }));
    assert!(memory.stats.bytes <= 64 << 10);
    assert!(memory.stats.states < 10_000);

    let time = checker(m).timeout(Duration::ZERO).run();
    assert_eq!(
        time.cut,
        Some(Cut::Timeout {
            limit: Duration::ZERO
        })
    );
    assert!(matches!(time.verdict, Verdict::Incomplete { .. }));

    // A violation found before the limit is reported as found, not as the verdict.
    let lost = checker(LostUpdate { q: None }).max_states(12).run();
    assert_eq!(
        lost.verdict,
        Verdict::Incomplete {
            found: PropertySet::from_slice(&[Property::Durability])
        }
    );
}

#[test]
fn the_result_does_not_depend_on_the_number_of_workers() {
    // Large enough that a level is split among the workers: 3 counters to 30 is 31^3 states.
    let big = Counters {
        bug: Bug::Early,
        ..Counters::new(3, 30)
    };
    let models: Vec<Box<dyn Fn(usize) -> CheckResult>> = vec![
        Box::new(move |j| checker(big).jobs(j).run()),
        Box::new(move |j| checker(Counters { sym: true, ..big }).jobs(j).run()),
        Box::new(move |j| checker(Counters { por: true, ..big }).jobs(j).run()),
        Box::new(|j| {
            checker(LostUpdate {
                q: Some(Quantifier::Forall),
            })
            .jobs(j)
            .run()
        }),
        Box::new(|j| checker(Abba).jobs(j).run()),
    ];
    for (i, run) in models.iter().enumerate() {
        let one = summary(&run(1));
        for jobs in [2, 3] {
            assert_eq!(summary(&run(jobs)), one, "model {i} on {jobs} workers");
        }
    }
    assert_eq!(checker(big).jobs(2).run().stats.states, 31 * 31 * 31);
}
