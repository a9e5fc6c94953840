//! The order in which the probe runs a scenario's operations. The kernel runs each litmus op as one
//! system call (or a few), so an order is a sequence of whole ops; the model is asked about exactly
//! the same sequence (`predict`), never about every interleaving.

use crate::error::BadSchedule;
use pinlab_model::scenario::Scenario;
use serde::Serialize;

/// Op `op` (index into the thread's ops) of thread `thread`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct OpRef {
    pub thread: usize,
    pub op: usize,
}

/// Every op of every thread exactly once, each thread's ops in their order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub ops: Vec<OpRef>,
    /// What the probe had to change to run the order asked for (ops it could not split).
    pub notes: Vec<String>,
}

impl Schedule {
    /// The default: one thread after another, in file order.
    pub fn sequential(sc: &Scenario) -> Schedule {
        let ops = sc
            .threads
            .iter()
            .enumerate()
            .flat_map(|(t, th)| (0..th.ops.len()).map(move |op| OpRef { thread: t, op }))
            .collect();
        Schedule { ops, notes: vec![] }
    }

    /// `--schedule app,app,flusher,...`: each name runs that thread's next op. Ops the list does not
    /// reach run afterwards, one thread after another in file order.
    pub fn from_list(sc: &Scenario, list: &str) -> Result<Schedule, BadSchedule> {
        let mut next = vec![0usize; sc.threads.len()];
        let mut ops = Vec::new();
        for (i, name) in list.split(',').map(str::trim).enumerate() {
            if name.is_empty() {
                return Err(BadSchedule(format!("entry {} is empty", i + 1)));
            }
            let Some(t) = sc.threads.iter().position(|th| th.name == name) else {
                let names: Vec<&str> = sc.threads.iter().map(|t| t.name.as_str()).collect();
                return Err(BadSchedule(format!(
                    "`{name}` is not a thread of {} (its threads: {})",
                    sc.name,
                    names.join(", ")
                )));
            };
            if next[t] >= sc.threads[t].ops.len() {
                return Err(BadSchedule(format!(
                    "entry {} asks for op {} of thread `{name}`, which has {} ops",
                    i + 1,
                    next[t] + 1,
                    sc.threads[t].ops.len()
                )));
            }
            ops.push(OpRef {
                thread: t,
                op: next[t],
            });
            next[t] += 1;
        }
        Ok(Self::complete(sc, ops, next, vec![]))
    }

    /// The order of a trace printed by `pinlab explain --format json`: each op runs where its
    /// first step ran. The model splits some ops into steps (a pin per page, writeback's submit
    /// and completion); the kernel runs each as one call, so an op whose steps the trace
    /// interleaves with another thread's is run whole at its first step, and a note says so.
    pub fn from_explain_json(sc: &Scenario, json: &str) -> Result<Schedule, BadSchedule> {
        let v: serde_json::Value =
            serde_json::from_str(json).map_err(|e| BadSchedule(format!("not JSON: {e}")))?;
        if v.get("scenario").and_then(|s| s.as_str()) != Some(sc.name.as_str()) {
            return Err(BadSchedule(format!(
                "this trace is of scenario {}, not {}",
                v.get("scenario")
                    .and_then(|s| s.as_str())
                    .unwrap_or("(none)"),
                sc.name
            )));
        }
        let steps = v.get("steps").and_then(|s| s.as_array()).ok_or_else(|| {
            BadSchedule(
                "no `steps` array (expected `pinlab explain --format json` output)".to_string(),
            )
        })?;
        let mut next = vec![0usize; sc.threads.len()];
        let mut ops = Vec::new();
        let mut notes = Vec::new();
        // The op each thread's previous step belonged to, and whether another thread ran since.
        let mut open: Vec<Option<(usize, bool)>> = vec![None; sc.threads.len()];
        for (i, st) in steps.iter().enumerate() {
            let name = st.get("thread").and_then(|t| t.as_str()).unwrap_or("");
            if (sc.threads.len()..sc.actors()).any(|k| sc.actor_name(k) == name) {
                // A filesystem kernel thread's step: the kernel runs its worker by itself.
                continue;
            }
            let line = st.get("line").and_then(|l| l.as_u64()).unwrap_or(0) as u32;
            let t = sc
                .threads
                .iter()
                .position(|th| th.name == name)
                .ok_or_else(|| BadSchedule(format!("step {}: no thread `{name}`", i + 1)))?;
            let op = sc.threads[t]
                .ops
                .iter()
                .position(|o| o.pos.line == line)
                .ok_or_else(|| {
                    BadSchedule(format!(
                        "step {}: thread `{name}` has no op on line {line}",
                        i + 1
                    ))
                })?;
            for (u, o) in open.iter_mut().enumerate() {
                if u != t {
                    if let Some((_, interleaved)) = o {
                        *interleaved = true;
                    }
                }
            }
            match open[t] {
                Some((cur, interleaved)) if cur == op => {
                    if interleaved {
                        let text = sc.op_text(&sc.threads[t].ops[op].op);
                        let note = format!(
                            "`{name}: {text}` is interleaved with other threads' steps in the trace; the probe runs it as one call, at its first step"
                        );
                        if !notes.contains(&note) {
                            notes.push(note);
                        }
                    }
                }
                _ => {
                    if op != next[t] {
                        return Err(BadSchedule(format!(
                            "step {}: thread `{name}` runs op {} before op {}",
                            i + 1,
                            op + 1,
                            next[t] + 1
                        )));
                    }
                    ops.push(OpRef { thread: t, op });
                    next[t] += 1;
                    open[t] = Some((op, false));
                }
            }
        }
        Ok(Self::complete(sc, ops, next, notes))
    }

    fn complete(
        sc: &Scenario,
        mut ops: Vec<OpRef>,
        next: Vec<usize>,
        notes: Vec<String>,
    ) -> Schedule {
        for (t, th) in sc.threads.iter().enumerate() {
            ops.extend((next[t]..th.ops.len()).map(|op| OpRef { thread: t, op }));
        }
        Schedule { ops, notes }
    }

    /// `app, app, flusher` as thread names, for reports.
    pub fn text(&self, sc: &Scenario) -> String {
        self.ops
            .iter()
            .map(|o| sc.threads[o.thread].name.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SC: &str = "litmus s\nfs ext4\nfile f pages=1\nmmap m = f shared rw\n\
        thread app {\n  store m[0] = A\n  fsync f\n}\nthread flusher {\n  writeback f\n}\n";

    fn sc() -> Scenario {
        pinlab_litmus::parse("s.litmus", SC).unwrap()
    }

    #[test]
    fn sequential_is_thread_after_thread() {
        let s = Schedule::sequential(&sc());
        assert_eq!(s.text(&sc()), "app,app,flusher");
    }

    #[test]
    fn a_list_runs_its_prefix_then_the_rest_in_file_order() {
        let s = Schedule::from_list(&sc(), "app,flusher").unwrap();
        assert_eq!(s.text(&sc()), "app,flusher,app");
        assert_eq!(s.ops[2], OpRef { thread: 0, op: 1 });
    }

    #[test]
    fn a_list_with_an_unknown_thread_or_too_many_ops_is_an_error() {
        assert!(Schedule::from_list(&sc(), "app,nic")
            .unwrap_err()
            .to_string()
            .contains("app, flusher"));
        assert!(Schedule::from_list(&sc(), "flusher,flusher")
            .unwrap_err()
            .to_string()
            .starts_with("--schedule: entry 2 asks for op 2"));
    }

    #[test]
    fn an_explain_trace_is_projected_on_whole_ops_with_a_note() {
        // writeback's submit, then the app's store, then writeback's completion.
        let json = r#"{"scenario":"s","steps":[
            {"thread":"flusher","line":10},{"thread":"app","line":6},{"thread":"flusher","line":10},
            {"thread":"app","line":7}]}"#;
        let s = Schedule::from_explain_json(&sc(), json).unwrap();
        assert_eq!(s.text(&sc()), "flusher,app,app");
        assert_eq!(s.notes.len(), 1, "{:?}", s.notes);
        assert!(s.notes[0].contains("flusher: writeback f"));
    }

    #[test]
    fn a_trace_of_another_scenario_is_refused() {
        let e = Schedule::from_explain_json(&sc(), r#"{"scenario":"x","steps":[]}"#).unwrap_err();
        assert!(e.to_string().contains("scenario x"));
    }
}
