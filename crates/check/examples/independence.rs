//! How much could partial-order reduction save on a scenario? A measurement, not a reduction.
//!
//! A persistent set {a} of one thread's step `a` at state `s` needs, at the least, that `a`
//! commutes with the step every other enabled thread can take from `s`: both orders enabled,
//! the same state after both, and each step showing the same violations, refusals and
//! revocations in either order (the one-step diamond). That is necessary, not sufficient (a
//! persistent set must also commute with every step the other threads can take later), so:
//! - the share of states with such an `a` bounds from above the states at which any
//!   singleton persistent set could prune anything;
//! - a search that, at those states, follows only the first such `a` (unsound in general:
//!   it ignores later steps) stores at most as few states as a sound singleton-set POR could;
//!   its count is an optimistic estimate of what POR would leave.
//!
//! - a search that follows a single thread's step only where the model's footprint table
//!   (`World::por_independent`, crates/model/src/por.rs) calls its op independent of every op
//!   the other threads may still run, and the step advances its thread, is the checker's own
//!   partial-order reduction (`por`) on the states without thread symmetry: what it prunes.
//!
//! `cargo run --release -p pinlab-check --example independence -- FILE.litmus DESIGN [MAX]`

use pinlab_model::design::Design;
use pinlab_model::state::State;
use pinlab_model::{Reduction, StepInto, World};
use std::collections::{HashSet, VecDeque};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: independence FILE.litmus DESIGN [MAX_STATES]");
        std::process::exit(2);
    }
    let text = std::fs::read_to_string(&args[1]).expect("readable litmus file");
    let sc = pinlab_litmus::parse(&args[1], &text).unwrap_or_else(|d| {
        eprintln!("{}", d.render(&text));
        std::process::exit(2)
    });
    let design = Design::parse(&args[2]).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let max: usize = args
        .get(3)
        .map_or(2_000_000, |m| m.parse().expect("a number"));
    // Without thread symmetry: it renumbers threads, and the diamond needs each thread to keep
    // its number from one state to the next. The searches here choose their own steps, so the
    // partial-order reduction's plan is only consulted, never applied by `step_into`.
    let w = World::new(&sc, design).with_reduction(Reduction {
        threads: false,
        ..Reduction::all()
    });
    let n = w.actors();
    let step = |s: &State, t: usize| {
        let mut next = s.clone();
        match w.step_into(s, t, &mut next, false) {
            StepInto::Done(info) => Some((next, (info.violations, info.refused, info.revoked))),
            _ => None,
        }
    };
    let key = |s: &State| {
        let mut b = Vec::new();
        s.encode(&mut b);
        b
    };
    for pass in 0..3 {
        let pruned = pass > 0;
        let init = w.init();
        let mut seen = HashSet::from([key(&init)]);
        let mut queue = VecDeque::from([init]);
        let (mut states, mut branching, mut candidates) = (0usize, 0usize, 0usize);
        let mut kinds = std::collections::BTreeMap::new();
        while let Some(s) = queue.pop_front() {
            states += 1;
            let succ: Vec<_> = (0..n).filter_map(|t| step(&s, t).map(|x| (t, x))).collect();
            let mut ample = None;
            if pass == 2 {
                if succ.len() > 1 {
                    branching += 1;
                    ample = succ.iter().position(|(t, (a, _))| {
                        w.por_independent(&s, *t) && {
                            let (x, y) = (s.threads[*t], a.threads[*t]);
                            (y.pc, y.cursor, y.phase) > (x.pc, x.cursor, x.phase)
                        }
                    });
                    if ample.is_some() {
                        candidates += 1;
                    }
                }
            } else if succ.len() > 1 {
                branching += 1;
                ample = succ.iter().position(|(t, (a, fa))| {
                    succ.iter().all(|(u, (b, fb))| {
                        u == t || {
                            let ab = step(a, *u);
                            let ba = step(b, *t);
                            match (ab, ba) {
                                (Some((x, gb)), Some((y, ga))) => x == y && ga == *fa && gb == *fb,
                                _ => false,
                            }
                        }
                    })
                });
                if let Some(i) = ample {
                    candidates += 1;
                    let t = succ[i].0;
                    let ts = s.threads[t];
                    let op = match sc.threads.get(t).and_then(|th| th.ops.get(ts.pc as usize)) {
                        Some(od) => format!("{:?}", od.op),
                        None => "kernel thread".into(),
                    };
                    let op = op.split([' ', '{']).next().unwrap_or("").to_string();
                    *kinds.entry((op, ts.phase)).or_insert(0usize) += 1;
                }
            }
            for (i, (_, (next, _))) in succ.into_iter().enumerate() {
                if pruned && ample.is_some_and(|a| a != i) {
                    continue;
                }
                if seen.len() < max && seen.insert(key(&next)) {
                    queue.push_back(next);
                }
            }
        }
        if pass == 2 {
            println!(
                "following one thread's step only where its op is independent, by op footprints, of every op the others may still run: {states} states ({candidates} states expanded through one step{})",
                if w.por_on() { "" } else { "; not applicable to this world" }
            );
        } else if pruned {
            println!("following only such a step where there is one (unsound): {states} states");
        } else {
            println!(
                "{states} states ({}), {branching} with two or more threads enabled, {candidates} where one thread's step commutes with every other enabled step ({:.1} % of the branching states)",
                if seen.len() >= max { "cut at the maximum" } else { "all" },
                100.0 * candidates as f64 / branching.max(1) as f64
            );
            println!("  the first such step, by op and phase:");
            for ((op, phase), v) in &kinds {
                println!("    {op} phase {phase}: {v}");
            }
        }
    }
}
