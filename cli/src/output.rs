//! Printing results and errors, for people or (with `--json`) for scripts: the CLI's
//! contract, documented in `docs/cli.md`.
//!
//! - Results go to stdout: text, or one JSON document per result with `--json` (JSON lines
//!   for streams such as `sync` progress).
//! - Every failure, argument errors included, prints `{"error": {"kind", "code", "detail",
//!   "field", "retryable", "retry_after_ms"}}` on stdout with `--json` (text on stderr
//!   without), and exits with the code of its kind ([`CliError::exit_code`]).

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

/// Exit codes, one per kind of failure, so a script can branch without parsing JSON.
pub const EXIT_CODES: &[(&str, u8)] = &[
    ("internal", 1),
    ("usage", 2),
    ("invalid_input", 3),
    ("not_found", 4),
    ("conflict", 5),
    ("offline", 10),
    ("unauthorized", 11),
    ("not_signed_in", 12),
    ("server", 13),
    ("protocol", 14),
    ("storage", 20),
    ("storage_corrupt", 21),
    ("platform", 22),
    ("cancelled", 130),
];

impl CliError {
    /// A stable word for scripts: the core's error kind, or `usage`.
    pub fn kind(&self) -> &'static str {
        match self {
            CliError::Usage(_) => "usage",
            CliError::Core(e) => e.kind().code(),
        }
    }

    pub fn exit_code(&self) -> u8 {
        EXIT_CODES
            .iter()
            .find(|(k, _)| *k == self.kind())
            .map_or(1, |(_, c)| *c)
    }

    fn field(&self) -> Option<&str> {
        match self {
            CliError::Core(Error::InvalidInput { field, .. }) => Some(field),
            _ => None,
        }
    }
}

pub fn print_error(json: bool, e: &CliError) {
    if json {
        let (retryable, retry_after_ms, code) = match e {
            CliError::Core(e) => (
                e.is_transient(),
                e.retry_after().map(|d| d.as_millis() as u64),
                match e {
                    Error::Server { code, .. } => code.clone(),
                    other => other.kind().code().to_string(),
                },
            ),
            CliError::Usage(_) => (false, None, "usage".to_string()),
        };
        let doc = serde_json::json!({"error": {
            "kind": e.kind(),
            "code": code,
            "detail": e.to_string(),
            "field": e.field(),
            "retryable": retryable,
            "retry_after_ms": retry_after_ms,
        }});
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
