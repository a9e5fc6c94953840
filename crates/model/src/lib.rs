//! The model of the kernel: page frames, page tables, the page cache, filesystems, the disk and
//! DMA devices, with every design as a pluggable policy. Names follow the kernel's.
//!
//! `World::new(scenario, design)` gives the initial state and `World::step`, which runs one
//! thread's next atomic step; the checker (pinlab-check) interleaves them.

// A dependency nothing uses is a build cost and a supply-chain risk: warn (an error under
// clippy -D warnings). Test builds see the dev-dependencies too, so only the library is checked.
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod cost;
mod dax;
mod describe;
pub mod design;
pub mod device;
pub mod fs;
mod gup;
pub mod history;
mod invariants;
pub use invariants::BrokenInvariant;
pub mod limits;
mod memfd;
mod mm;
mod ops;
mod por;
pub mod property;
mod reduce;
pub mod scenario;
pub mod state;
#[cfg(test)]
mod test_scenario;
pub mod trace;
mod truncate;
pub mod verdict;
mod vmscan;
pub mod world;
mod writeback;

pub use describe::{flag_names, BlockView, OwnerKind, PageView, PteView};
pub use history::Event;
pub use reduce::Reduction;
pub use world::{Moved, Mutation, Step, StepInfo, StepInto, World};
