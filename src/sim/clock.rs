//! The scenario clock: real time scaled by `--speed`.

use std::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: Instant,
    /// Unix time (seconds) at `start`, for APIs that speak wall-clock time.
    origin_unix: f64,
    speed: f64,
    /// Set for a clock that only moves when told to (tests step the world).
    manual: Option<f64>,
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
            manual: None,
        }
    }

    /// A clock at scenario second 0 that moves only by [`Clock::advance`].
    pub fn manual() -> Clock {
        Clock {
            manual: Some(0.0),
            ..Clock::new(1.0)
        }
    }

    /// Moves a manual clock forward; a real clock ignores it.
    pub fn advance(&mut self, seconds: f64) {
        if let Some(t) = self.manual.as_mut() {
            *t += seconds;
        }
    }

    /// Scenario seconds since start.
    pub fn now(&self) -> f64 {
        match self.manual {
            Some(t) => t,
            None => self.start.elapsed().as_secs_f64() * self.speed,
        }
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Scenario time against Unix time. A manual clock maps its second 0
    /// to the moment it was made.
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
