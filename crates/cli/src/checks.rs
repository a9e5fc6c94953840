//! Where the command line runs the checker: every call into `pinlab_check` is here, so a change
//! in how the checker is driven is one file's change.

use crate::limits::LimitOpts;
use crate::progress::Progress;
use pinlab_check::{check_counting, CheckResult};
use pinlab_model::design::Design;
use pinlab_model::scenario::Scenario;
use pinlab_report::{Cell, Row, Selection};
use rayon::prelude::*;

/// Checks every scenario under the designs `selection` picks for it, in parallel; rows come back
/// in input order, a cell per design in the selection's order.
pub fn run<'a>(
    scenarios: &'a [Scenario],
    selection: &Selection,
    limits: &LimitOpts,
) -> Vec<Row<'a>> {
    let jobs: Vec<(usize, Design)> = scenarios
        .iter()
        .enumerate()
        .flat_map(|(i, s)| selection.for_scenario(s).into_iter().map(move |d| (i, d)))
        .collect();
    // Each check gets an even share of the memory and the threads, whichever runs when.
    let (limits, at_once) = limits.plan(jobs.len());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(at_once)
        .build()
        .expect("a thread pool");
    let mut per_scenario = vec![0; scenarios.len()];
    for &(i, _) in &jobs {
        per_scenario[i] += 1;
    }
    let progress = Progress::start(&per_scenario);
    let results: Vec<(usize, Cell)> = pool.install(|| {
        jobs.par_iter()
            .map(|&(i, d)| {
                let sc = &scenarios[i];
                let result = check_counting(sc, d, limits, progress.states());
                progress.done(i);
                (
                    i,
                    Cell {
                        design: d,
                        result,
                        expect: pinlab_report::expect_for(sc, &d),
                    },
                )
            })
            .collect()
    });
    let mut rows: Vec<Row> = scenarios
        .iter()
        .map(|s| Row {
            scenario: s,
            cells: Vec::new(),
        })
        .collect();
    for (i, c) in results {
        rows[i].cells.push(c);
    }
    let (states, transitions) = pinlab_report::totals(&rows);
    progress.finish(jobs.len(), states, transitions);
    rows
}

/// Checks one scenario under one design with every thread (`explain`), with a progress bar.
pub fn one(sc: &Scenario, design: Design, limits: &LimitOpts) -> CheckResult {
    let progress = Progress::start(&[1]);
    let r = check_counting(sc, design, limits.plan(1).0, progress.states());
    progress.clear();
    r
}
