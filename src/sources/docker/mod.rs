//! Docker engine source (bollard): containers, stats, events and logs.
