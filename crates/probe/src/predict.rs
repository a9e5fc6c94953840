//! The model's side: runs a scenario under a design along one order of whole ops, as the kernel
//! runs it, and observes the same things the probe observes on the kernel.

use crate::obs::{Obs, Observations};
use crate::schedule::{OpRef, Schedule};
use pinlab_model::design::Design;
use pinlab_model::property::PropertySet;
use pinlab_model::scenario::{Loc, Observed, PinResult, Scenario};
use pinlab_model::state::State;
use pinlab_model::world::{Step, World};
use std::collections::VecDeque;

/// What a run observes, with names, in report order: every pin's result, every register, the final
/// condition's locations, and `file F[i]` (what read(2) returns) of every page of every file.
pub fn observables(sc: &Scenario) -> Vec<(String, Loc)> {
    let mut out: Vec<(String, Loc)> = Vec::new();
    let mut push = |l: Loc| {
        if !out.iter().any(|(_, x)| *x == l) {
            out.push((loc_name(sc, l), l));
        }
    };
    (0..sc.handles.len()).for_each(|h| push(Loc::Pin(h)));
    (0..sc.regs.len()).for_each(|r| push(Loc::Reg(r)));
    if let Some(c) = &sc.condition {
        pinlab_check::condition_locs(&c.expr)
            .into_iter()
            .for_each(&mut push);
    }
    for (file, f) in sc.files.iter().enumerate() {
        for page in 0..f.pages {
            push(Loc::File { file, page });
        }
    }
    out
}

pub fn loc_name(sc: &Scenario, l: Loc) -> String {
    match l {
        Loc::Disk { file, page } => format!("disk {}[{page}]", sc.files[file].name),
        Loc::Cache { file, page } => format!("cache {}[{page}]", sc.files[file].name),
        Loc::File { file, page } => format!("file {}[{page}]", sc.files[file].name),
        Loc::Mem { map, page } => format!("mem {}[{page}]", sc.maps[map].name),
        Loc::Reg(r) => sc.regs[r].clone(),
        Loc::Pin(h) => sc.handles[h].clone(),
    }
}

/// Runs ops in a schedule's order. `start` runs an op and says whether it completed; an op that
/// did not is blocked, and `poll` gives it another chance after every later op (the kernel wakes a
/// waiter as soon as what it waits for happens). Ops of a thread behind a blocked op wait for it.
pub trait Executor {
    fn start(&mut self, r: OpRef) -> bool;
    fn poll(&mut self, thread: usize) -> bool;
}

/// Drives an executor through a schedule. Returns the ops still blocked at the end, one per
/// waiting thread.
pub fn drive(sc: &Scenario, schedule: &Schedule, ex: &mut impl Executor) -> Vec<OpRef> {
    let n = sc.threads.len();
    let mut blocked: Vec<Option<OpRef>> = vec![None; n];
    let mut backlog: Vec<VecDeque<OpRef>> = vec![VecDeque::new(); n];
    fn settle(
        ex: &mut impl Executor,
        blocked: &mut [Option<OpRef>],
        backlog: &mut [VecDeque<OpRef>],
    ) {
        loop {
            let mut progressed = false;
            for t in 0..blocked.len() {
                if blocked[t].is_some() && ex.poll(t) {
                    blocked[t] = None;
                    progressed = true;
                    while let Some(r) = backlog[t].pop_front() {
                        if !ex.start(r) {
                            blocked[t] = Some(r);
                            break;
                        }
                    }
                }
            }
            if !progressed {
                return;
            }
        }
    }
    for &r in &schedule.ops {
        if blocked[r.thread].is_some() {
            backlog[r.thread].push_back(r);
            continue;
        }
        if !ex.start(r) {
            blocked[r.thread] = Some(r);
        }
        settle(ex, &mut blocked, &mut backlog);
    }
    blocked.into_iter().flatten().collect()
}

/// The model's run along one order.
#[derive(Clone, Debug)]
pub struct Prediction {
    pub obs: Observations,
    /// Properties this one execution violates (the checker's verdict covers every order).
    pub violated: PropertySet,
    /// A pin was refused by the design.
    pub refused: bool,
}

struct ModelExec<'w, 'a> {
    world: &'w World<'a>,
    s: State,
    violated: PropertySet,
    refused: bool,
}

impl ModelExec<'_, '_> {
    /// Steps thread `t` until its op `op` is done (true) or it waits (false).
    fn run(&mut self, t: usize, op: usize) -> bool {
        loop {
            if self.s.threads[t].pc as usize > op {
                return true;
            }
            match self.world.step(&self.s, t, false) {
                Step::Done(next, info) => {
                    self.violated.0 |= info.violations.0;
                    self.refused |= info.refused;
                    self.s = next;
                }
                Step::Blocked => return false,
                Step::Finished => return true,
            }
        }
    }
}

impl ModelExec<'_, '_> {
    /// The filesystem's kernel threads (btrfs's fixup worker) do what is queued: the kernel
    /// runs them soon after the op that queued it.
    fn run_kernel_threads(&mut self) {
        for t in self.world.sc.threads.len()..self.world.actors() {
            while let Step::Done(next, info) = self.world.step(&self.s, t, false) {
                self.violated.0 |= info.violations.0;
                self.s = next;
            }
        }
    }
}

impl Executor for ModelExec<'_, '_> {
    fn start(&mut self, r: OpRef) -> bool {
        debug_assert_eq!(self.s.threads[r.thread].pc as usize, r.op);
        let done = self.run(r.thread, r.op);
        self.run_kernel_threads();
        done
    }
    fn poll(&mut self, t: usize) -> bool {
        let op = self.s.threads[t].pc as usize;
        let done = self.run(t, op);
        self.run_kernel_threads();
        done
    }
}

/// Runs `sc` under `design` along `schedule` and observes what the probe observes.
pub fn predict(sc: &Scenario, design: Design, schedule: &Schedule) -> Prediction {
    let world = World::new(sc, design);
    let mut ex = ModelExec {
        s: world.init(),
        world: &world,
        violated: PropertySet::default(),
        refused: false,
    };
    let blocked = drive(sc, schedule, &mut ex);
    let items = observables(sc)
        .into_iter()
        .map(|(name, l)| {
            let o = match l {
                Loc::Reg(r) => ex.s.regs[r],
                Loc::Pin(h) => Observed::Pin(ex.s.handles[h].result),
                l => world.observe(&ex.s, l),
            };
            (name, model_obs(sc, o))
        })
        .collect();
    Prediction {
        obs: Observations {
            items,
            blocked: blocked.iter().map(|r| blocked_name(sc, *r)).collect(),
        },
        violated: ex.violated,
        refused: ex.refused,
    }
}

pub fn blocked_name(sc: &Scenario, r: OpRef) -> String {
    format!(
        "{}: {}",
        sc.threads[r.thread].name,
        sc.op_text(&sc.threads[r.thread].ops[r.op].op)
    )
}

fn model_obs(sc: &Scenario, o: Observed) -> Obs {
    match o {
        Observed::Val(v) => Obs::Val(sc.value_name(v).to_string()),
        Observed::None => Obs::None,
        Observed::Pin(PinResult::Ok) => Obs::Status("ok".into()),
        Observed::Pin(PinResult::Err(e)) => Obs::Status(e.name().into()),
        Observed::Pin(PinResult::Pending) => Obs::Status("not run".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upstream() -> Design {
        Design::parse("upstream").unwrap()
    }

    #[test]
    fn upstream_refuses_a_writable_longterm_pin_of_a_shared_ext4_mapping() {
        let text = "litmus s\nfs ext4\nfile f pages=1 data=F\nmmap m = f shared rw\n\
            device ring io_uring\nthread app {\n  store m[0] = A\n  pin p = ring m[0..1]\n  \
            unpin p\n}\n";
        let sc = pinlab_litmus::parse("s.litmus", text).unwrap();
        let p = predict(&sc, upstream(), &Schedule::sequential(&sc));
        assert_eq!(p.obs.items[0], ("p".into(), Obs::Status("EFAULT".into())));
        assert!(p.refused);
        assert!(p
            .obs
            .items
            .contains(&("file f[0]".into(), Obs::Val("A".into()))));
    }

    #[test]
    fn a_thread_blocked_by_freeze_resumes_when_another_thaws() {
        let text = "litmus s\nfs ext4\nfile f pages=1 data=F\n\
            thread app {\n  write f[0] = A\n}\nthread admin {\n  thaw\n}\nthread first {\n  freeze\n}\n";
        let sc = pinlab_litmus::parse("s.litmus", text).unwrap();
        // freeze, then the write waits, then thaw wakes it.
        let order = Schedule::from_list(&sc, "first,app,admin").unwrap();
        let p = predict(&sc, upstream(), &order);
        assert!(p.obs.blocked.is_empty(), "{:?}", p.obs.blocked);
        assert!(p
            .obs
            .items
            .contains(&("file f[0]".into(), Obs::Val("A".into()))));
        // Without the thaw first in the order, the write still completes once admin thaws.
        let order = Schedule::from_list(&sc, "first,app").unwrap();
        assert!(predict(&sc, upstream(), &order).obs.blocked.is_empty());
    }

    #[test]
    fn a_thread_that_waits_forever_is_reported_blocked() {
        let text = "litmus s\nfs ext4\nfile f pages=1 data=F\n\
            thread app {\n  freeze\n  write f[0] = A\n}\n";
        let sc = pinlab_litmus::parse("s.litmus", text).unwrap();
        let p = predict(&sc, upstream(), &Schedule::sequential(&sc));
        assert_eq!(p.obs.blocked, vec!["app: write f[0] = A".to_string()]);
    }
}
