//! Settings, profiles and paths.

pub mod duration;
pub mod env;
pub mod error;
pub mod paths;
pub mod profile;
pub mod profiles;
pub mod slo;

pub use error::ConfigError;
pub use paths::Paths;
pub use profile::{Check, Profile, Service};
pub use slo::{Objective, ProcedureRef, Slo, SloState, SloUnit};
