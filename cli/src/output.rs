//! Printing results and errors, for people or (with `--json`) for scripts.

use companion_core::Error;
use serde::Serialize;

/// A failed command: a core error or a usage problem.
#[derive(Debug)]
pub enum CliError {
    Core(Error),
    Usage(String),
}

impl std::error::Error for CliError {}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Core(e) => write!(f, "{e}"),
            CliError::Usage(m) => write!(f, "{m}"),
        }
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError::Core(e)
    }
}

impl CliError {
    /// A stable word for scripts, matching the FFI error's variants.
    pub fn kind(&self) -> &'static str {
        match self {
            CliError::Usage(_) => "usage",
            CliError::Core(e) => match e {
                Error::Offline(_) => "offline",
                Error::Unauthorized(_) | Error::NotSignedIn => "unauthorized",
                Error::InvalidInput { .. } => "invalid_input",
                Error::Server { .. } | Error::Protocol(_) => "server",
                Error::Storage(_) | Error::CorruptDatabase { .. } | Error::CorruptFile { .. } => {
                    "storage"
                }
                Error::Platform { .. } => "platform",
                Error::NotFound(_) => "not_found",
                Error::Conflict(_) => "conflict",
                Error::Cancelled => "cancelled",
                Error::Internal(_) => "internal",
            },
        }
    }
}

pub fn print_error(json: bool, e: &CliError) {
    if json {
        let field = match e {
            CliError::Core(Error::InvalidInput { field, .. }) => Some(field.clone()),
            _ => None,
        };
        let doc = serde_json::json!({"error": {"kind": e.kind(), "detail": e.to_string(), "field": field}});
        println!("{doc}");
    } else {
        eprintln!("error ({}): {e}", e.kind());
    }
}

/// Prints `value` as JSON, or `human` for people.
pub fn emit<T: Serialize>(json: bool, value: &T, human: impl FnOnce() -> String) {
    if json {
        match serde_json::to_string(value) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("error: cannot encode output: {e}"),
        }
    } else {
        println!("{}", human());
    }
}
