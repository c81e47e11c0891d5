//! The plain data every layer shares: what the sources report, what the operator
//! can ask for, and the words both sides use (platform, risk, severity). This
//! module imports nothing else of the crate; everything else may import it.

pub mod action;
pub mod alerts;
pub mod command;
pub mod health;
pub mod keymap;
pub mod platform;
pub mod risk;
pub mod source;

pub use action::Action;
pub use health::{CheckOutcome, HealthResult};
pub use keymap::Section;
pub use platform::Platform;
pub use risk::Risk;
pub use source::{
    ContainerInfo, EventRecord, LogLine, Owner, OwnerKind, RestartKind, Severity, SourceState,
    SourceUpdate, StreamId, Termination, Usage, Workload,
};
