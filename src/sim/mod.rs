//! The simulated environment: the seed systems on a loopback Kubernetes API,
//! health endpoints and metrics.

pub mod cli;
