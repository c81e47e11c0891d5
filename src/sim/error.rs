use std::path::PathBuf;

/// Why the simulated environment could not start or serve.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("unknown scenario `{name}`: choose one of {known}")]
    UnknownScenario { name: String, known: String },
    #[error("scenario `{name}` is invalid: {reason}")]
    Scenario { name: String, reason: String },
    #[error(
        "refusing to bind {address}: the simulated environment listens on loopback only (use 127.0.0.1)"
    )]
    NotLoopback { address: String },
    #[error(
        "cannot listen on {address}: {reason} (choose another --port, or omit it for a free one)"
    )]
    Bind { address: String, reason: String },
    #[error(
        "cannot write {path}: {reason} (make the temp dir writable, or point TMPDIR elsewhere)"
    )]
    Write { path: PathBuf, reason: String },
    #[error(
        "--speed {speed} is not a positive number: give scenario seconds per real second, e.g. 1 or 20"
    )]
    Speed { speed: f64 },
}
