//! The scenario clock: real time scaled by `--speed`.

use std::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: Instant,
    /// Unix time (seconds) at `start`, for APIs that speak wall-clock time.
    origin_unix: f64,
    speed: f64,
}

impl Clock {
    pub fn new(speed: f64) -> Clock {
        Clock {
            start: Instant::now(),
            origin_unix: wall().as_nanosecond() as f64 / 1e9,
            speed: if speed.is_finite() && speed > 0.0 {
                speed
            } else {
                1.0
            },
        }
    }

    /// Scenario seconds since start.
    pub fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * self.speed
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Scenario time against Unix time.
    pub fn time_map(&self) -> crate::sim::prometheus::promql::TimeMap {
        crate::sim::prometheus::promql::TimeMap {
            origin_unix: self.origin_unix,
            speed: self.speed,
        }
    }
}

/// Wall-clock time for object timestamps; kubectl computes AGE from it.
pub fn wall() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

pub fn rfc3339(t: jiff::Timestamp) -> String {
    // Kubernetes timestamps carry whole seconds.
    let secs = t.as_second();
    jiff::Timestamp::from_second(secs)
        .map(|s| s.to_string())
        .unwrap_or_else(|_| t.to_string())
}
