//! What a run of a scenario showed, on the kernel or in the model, in one vocabulary, so the two can
//! be compared observable by observable.

// The vocabulary is plain data in its own crate, so the report renders it without the runner.
pub use pinlab_probe_data::{Difference, Obs, Observations};

/// Compares observable by observable. Returns the differences and the observables the kernel side
/// could not observe (neither agreement nor disagreement).
pub fn compare(kernel: &Observations, model: &Observations) -> (Vec<Difference>, Vec<String>) {
    let mut diffs = Vec::new();
    let mut unobserved = Vec::new();
    for ((name, k), (_, m)) in kernel.items.iter().zip(&model.items) {
        match k {
            Obs::Unobserved(_) => unobserved.push(name.clone()),
            _ if k != m => diffs.push(Difference {
                observable: name.clone(),
                kernel: k.text(),
                model: m.text(),
            }),
            _ => {}
        }
    }
    if kernel.blocked != model.blocked {
        let show = |b: &[String]| {
            if b.is_empty() {
                "every thread finished".to_string()
            } else {
                format!("waiting: {}", b.join(", "))
            }
        };
        diffs.push(Difference {
            observable: "threads".into(),
            kernel: show(&kernel.blocked),
            model: show(&model.blocked),
        });
    }
    (diffs, unobserved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(items: &[(&str, Obs)]) -> Observations {
        Observations {
            items: items
                .iter()
                .map(|(n, o)| (n.to_string(), o.clone()))
                .collect(),
            blocked: vec![],
        }
    }

    #[test]
    fn a_differing_value_is_reported_and_an_unobserved_one_is_not_agreement() {
        let k = obs(&[
            ("p", Obs::Status("EFAULT".into())),
            ("r", Obs::Val("B".into())),
            (
                "cache f[0]",
                Obs::Unobserved("cachestat unsupported".into()),
            ),
        ]);
        let m = obs(&[
            ("p", Obs::Status("ok".into())),
            ("r", Obs::Val("B".into())),
            ("cache f[0]", Obs::Val("A".into())),
        ]);
        let (d, u) = compare(&k, &m);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].observable, "p");
        assert_eq!(
            (d[0].kernel.as_str(), d[0].model.as_str()),
            ("EFAULT", "ok")
        );
        assert_eq!(u, vec!["cache f[0]".to_string()]);
    }

    #[test]
    fn a_thread_waiting_on_one_side_only_is_a_difference() {
        let k = Observations {
            blocked: vec!["app: write f[0] = B".into()],
            ..Default::default()
        };
        let (d, _) = compare(&k, &Observations::default());
        assert_eq!(d[0].observable, "threads");
    }
}
