//! pinlab-probe: runs litmus scenarios on the real running kernel and holds the model of `upstream`
//! to what the kernel did (as klitmus7 does for herd7's models).
//!
//! The kernel runs each op of a scenario as real system calls, in one chosen order of whole ops
//! (`schedule`); the model is asked about the same order (`predict`); both observe the same
//! things (`obs`): every pin's result, every register, the final condition's locations and what
//! read(2) returns for every file page. `docs/probe.md` says how each op and observable maps to
//! the kernel.
//!
//! The kernel side is Linux only and the only code of pinlab with `unsafe` (system calls on memory
//! the probe mapped itself); everything else here builds and is tested anywhere.

pub mod obs;
pub mod predict;
pub mod schedule;

pub use obs::{compare, Difference, Obs, Observations};
pub use predict::{predict, Prediction};
pub use schedule::{OpRef, Schedule};
