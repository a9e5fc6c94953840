//! The seam between the engine and what it explores: `Model` is all the search asks of a
//! model, and `World` (the page-cache model) is one. The engine's own tests
//! (tests/engine.rs) check it on toy models whose state counts are known in closed form.
//!
//! The seam abstracts the state space, not the vocabulary: a step reports through the model's
//! `StepInfo` (properties violated, refusal, revocation, cost), so a verdict means the same
//! whatever the model.

use pinlab_model::scenario::{CondExpr, Loc, Observed, Quantifier};
use pinlab_model::{Moved, StepInfo, World};
use std::hash::Hash;

/// A transition system the checker explores: threads that each take atomic steps from a state.
///
/// Canonicalizing reductions (symmetry, renumbering, dead values) are the model's: `step` and
/// `por_thread` give successors already in canonical form, so two states the model considers
/// one encode the same, and `real_path` maps a path through canonical states back to the
/// threads of the model itself.
pub trait Model: Sync {
    /// A state. Workers keep a few each and overwrite them step after step.
    type State: Clone + Send + Sync;
    /// What a final state shows for the final condition (hashed to tell outcomes apart).
    type Outcome: Hash;

    /// The initial state.
    fn init(&self) -> Self::State;

    /// How many threads the search interleaves (numbered `0..threads()`, at most 255).
    fn threads(&self) -> usize;

    /// Appends `s`'s encoding to `out`: equal encodings are the same state.
    fn encode(&self, s: &Self::State, out: &mut Vec<u8>);

    /// Overwrites `into` with the state `encode` wrote as `bytes`.
    fn decode(&self, bytes: &[u8], into: &mut Self::State);

    /// Thread `t`'s next step from `s`: on `Moved::Done` the successor, in canonical form, is
    /// in `next` and the step's report in `info` (both overwritten whatever they held, so the
    /// search can reuse their allocations); otherwise their content is meaningless.
    fn step(&self, s: &Self::State, t: usize, next: &mut Self::State, info: &mut StepInfo)
        -> Moved;

    /// Whether `por_thread` may ever name a thread (the search skips asking otherwise).
    fn por_on(&self) -> bool {
        false
    }

    /// The partial-order reduction: a thread whose step alone the search may follow from `s`
    /// (a persistent set of one), with that step's successor and report left in `next` and
    /// `info` as `step` leaves them; `None` to follow every thread.
    fn por_thread(
        &self,
        _s: &Self::State,
        _next: &mut Self::State,
        _info: &mut StepInfo,
    ) -> Option<usize> {
        None
    }

    /// Whether every thread has finished in `s` (a state where no thread can step and this
    /// is false hangs).
    fn finished(&self, s: &Self::State) -> bool;

    /// The final condition's quantifier, if the model has one.
    fn condition(&self) -> Option<Quantifier> {
        None
    }

    /// For a final state: its outcome, and whether the condition's body holds there. Only
    /// asked when `condition` is Some.
    fn outcome(&self, s: &Self::State) -> (Self::Outcome, bool);

    /// A path of canonical states (each step names a thread of the state it leaves) as the
    /// same execution of the model from its initial state. The identity where the
    /// canonical form never permutes threads.
    fn real_path(&self, path: &[usize]) -> Vec<usize> {
        path.to_vec()
    }
}

impl<M: Model + ?Sized> Model for &M {
    type State = M::State;
    type Outcome = M::Outcome;
    #[inline]
    fn init(&self) -> Self::State {
        (**self).init()
    }
    #[inline]
    fn threads(&self) -> usize {
        (**self).threads()
    }
    #[inline]
    fn encode(&self, s: &Self::State, out: &mut Vec<u8>) {
        (**self).encode(s, out)
    }
    #[inline]
    fn decode(&self, bytes: &[u8], into: &mut Self::State) {
        (**self).decode(bytes, into)
    }
    #[inline]
    fn step(
        &self,
        s: &Self::State,
        t: usize,
        next: &mut Self::State,
        info: &mut StepInfo,
    ) -> Moved {
        (**self).step(s, t, next, info)
    }
    #[inline]
    fn por_on(&self) -> bool {
        (**self).por_on()
    }
    #[inline]
    fn por_thread(
        &self,
        s: &Self::State,
        next: &mut Self::State,
        info: &mut StepInfo,
    ) -> Option<usize> {
        (**self).por_thread(s, next, info)
    }
    #[inline]
    fn finished(&self, s: &Self::State) -> bool {
        (**self).finished(s)
    }
    fn condition(&self) -> Option<Quantifier> {
        (**self).condition()
    }
    fn outcome(&self, s: &Self::State) -> (Self::Outcome, bool) {
        (**self).outcome(s)
    }
    fn real_path(&self, path: &[usize]) -> Vec<usize> {
        (**self).real_path(path)
    }
}

/// The page-cache model: a litmus scenario's threads (and the filesystem's kernel threads)
/// under a design, in the quotient `World::with_reduction` chose.
impl Model for World<'_> {
    type State = pinlab_model::state::State;
    /// The values the condition's equalities read, in the order they appear (a location read
    /// twice appears twice: the same outcomes as the values of its distinct locations).
    type Outcome = Vec<Observed>;

    fn init(&self) -> Self::State {
        World::init(self)
    }

    fn threads(&self) -> usize {
        self.actors()
    }

    #[inline]
    fn encode(&self, s: &Self::State, out: &mut Vec<u8>) {
        s.encode(out)
    }

    #[inline]
    fn decode(&self, bytes: &[u8], into: &mut Self::State) {
        into.decode_from(bytes)
    }

    #[inline]
    fn step(
        &self,
        s: &Self::State,
        t: usize,
        next: &mut Self::State,
        info: &mut StepInfo,
    ) -> Moved {
        self.step_reusing(s, t, next, info, false)
    }

    fn por_on(&self) -> bool {
        World::por_on(self)
    }

    #[inline]
    fn por_thread(
        &self,
        s: &Self::State,
        next: &mut Self::State,
        info: &mut StepInfo,
    ) -> Option<usize> {
        World::por_thread(self, s, next, info)
    }

    fn finished(&self, s: &Self::State) -> bool {
        World::finished(self, s)
    }

    fn condition(&self) -> Option<Quantifier> {
        self.sc.condition.as_ref().map(|c| c.quantifier)
    }

    fn outcome(&self, s: &Self::State) -> (Self::Outcome, bool) {
        let c = self
            .sc
            .condition
            .as_ref()
            .expect("asked only with a condition");
        let mut o = Vec::new();
        let holds = eval(&c.expr, &mut |l| {
            let v = self.observe(s, l);
            o.push(v);
            v
        });
        (o, holds)
    }

    fn real_path(&self, path: &[usize]) -> Vec<usize> {
        World::real_path(self, path)
    }
}

/// The locations a condition reads, in first-use order, without repeats.
pub fn condition_locs(e: &CondExpr) -> Vec<Loc> {
    fn walk(e: &CondExpr, out: &mut Vec<Loc>) {
        match e {
            CondExpr::Eq(l, _) => {
                if !out.contains(l) {
                    out.push(*l)
                }
            }
            CondExpr::Not(x) => walk(x, out),
            CondExpr::And(xs) | CondExpr::Or(xs) => xs.iter().for_each(|x| walk(x, out)),
        }
    }
    let mut v = Vec::new();
    walk(e, &mut v);
    v
}

/// Whether `e` holds where `read` gives each location's value. Every equality is read, in
/// order (no short cut), so that the values read are the whole outcome.
fn eval(e: &CondExpr, read: &mut impl FnMut(Loc) -> Observed) -> bool {
    match e {
        CondExpr::Eq(l, v) => read(*l) == *v,
        CondExpr::Not(x) => !eval(x, read),
        CondExpr::And(xs) => xs.iter().fold(true, |all, x| eval(x, read) & all),
        CondExpr::Or(xs) => xs.iter().fold(false, |any, x| eval(x, read) | any),
    }
}
