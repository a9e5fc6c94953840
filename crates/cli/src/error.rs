//! The command line's one error type. Every variant ends the command with exit code 2 ("bad input
//! or usage", help.rs) after its message on stderr; exits 0 and 1 are answers, not errors, and a
//! command returns them as its `ExitCode`.

use std::fmt;
use std::process::ExitCode;

#[derive(Debug)]
pub enum CliError {
    /// The command line asks for something no run can do: an unknown design or property, an
    /// option value out of range, options that do not go together.
    Usage(String),
    /// The inputs could not be read or parsed, or left nothing to check.
    Input(String),
    /// The output could not be written (a full disk, a folder that is not there; never a closed
    /// stdout, which `out` treats as the reader going away).
    Output(String),
    /// The probe could not run here, or its worker failed to set up.
    Probe(String),
}

impl CliError {
    /// The exit code the command ends with: 2, whatever went wrong (help.rs, EXIT STATUS).
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(2)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Input(m) | CliError::Output(m) | CliError::Probe(m) => {
                f.write_str(m)
            }
        }
    }
}
