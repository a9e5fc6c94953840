//! Why the probe cannot run something here: the machine lacks a privilege, a tool or a resource,
//! or setting up the lab failed. A run that meets one is `skipped` with this as its reason (its
//! text is the reason's, word for word), never counted as agreeing or disagreeing.

/// How the reason of a run skipped because the probe is not root starts (in the JSON too, where
/// the reason is all a reader has).
const NOT_ROOT: &str = "not root: ";

/// What stopped the lab from setting a backing up. `Clone`: a backing's failure is remembered
/// and given again to every run that asks for it, so a causing `io::Error` is kept as its text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    /// The probe is not root and `what` needs it (the CLI counts these runs instead of listing
    /// each: `NotRun::is_not_root`).
    #[error("{prefix}{what} needs root (run the probe as root, as CI does)", prefix = NOT_ROOT)]
    NotRoot { what: &'static str },
    /// A program the lab runs is not on PATH; `package` is Debian's that has it.
    #[error("{tool} not found (Debian: {package})")]
    ToolMissing {
        tool: &'static str,
        package: &'static str,
    },
    #[error("no loop devices: /dev/loop-control is missing")]
    NoLoopDevices,
    #[error("huge pages unavailable: asked for {want} more 2 MiB pages, {free} are free (memory too fragmented or too small)")]
    HugePages { want: u64, free: u64 },
    /// A program the lab ran did not do its job (`why` says how: not installed, timed out,
    /// failed with its first line of stderr, printed something unexpected).
    #[error("{0}")]
    Command(String),
    /// A system call or file operation failed: what the lab was doing, and the error's text.
    #[error("{what}: {cause}")]
    Io { what: String, cause: String },
}

impl Unavailable {
    /// `Io` from what the lab was doing and the error it got.
    pub(crate) fn io(what: impl Into<String>, cause: impl std::fmt::Display) -> Unavailable {
        Unavailable::Io {
            what: what.into(),
            cause: cause.to_string(),
        }
    }
}

/// A `--schedule` that does not fit the scenario (the text says which entry and why).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("--schedule: {0}")]
pub struct BadSchedule(pub String);

/// Why one scenario is not run on one backing: the run is `skipped` with this text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotRun {
    #[error("unknown backing {0}")]
    UnknownBacking(String),
    /// The scenario's filesystem is one the probe cannot make (`ProbeBacking::Skip`).
    #[error("{0}")]
    Skip(&'static str),
    /// Lowered for the backing's filesystem, the scenario has an error (the lowering's first).
    #[error("does not fit {fs}: {why}")]
    DoesNotFit { fs: &'static str, why: String },
    #[error(transparent)]
    Schedule(#[from] BadSchedule),
    #[error(transparent)]
    Unavailable(#[from] Unavailable),
    /// The kernel side could not run it: the scenario needs what the probe cannot make (an
    /// integrity device, a schedule the kernel cannot follow), setting it up failed, or a stop
    /// signal came.
    #[error("{0}")]
    Kernel(String),
    /// The probe runs on Linux only.
    #[error("the probe runs on Linux only")]
    NotLinux,
}

impl NotRun {
    /// The run needed root and the probe is not: the CLI counts these instead of listing each.
    pub fn is_not_root(&self) -> bool {
        matches!(self, NotRun::Unavailable(Unavailable::NotRoot { .. }))
    }
}

/// A run that did not happen is `skipped`, with the reason's text.
impl From<NotRun> for pinlab_probe_data::Outcome {
    fn from(e: NotRun) -> Self {
        pinlab_probe_data::Outcome::Skipped {
            not_root: e.is_not_root(),
            reason: e.to_string(),
        }
    }
}
