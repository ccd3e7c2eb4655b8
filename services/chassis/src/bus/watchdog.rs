//! Why a consumer gives up its connection, and the progress watchdog that notices a
//! consumer the broker stopped feeding: messages wait in its queue, none arrives. Pure
//! rules; the consume loop asks them.
use std::time::{Duration, Instant};

/// Why a consumer closed its connection to open a new one (`reason` of
/// `llo.consumer.restarts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restart {
    /// lapin reports the connection is no longer connected (reset, missed heartbeats).
    ConnectionLost,
    /// A wait on the broker passed its deadline, or a broker call failed.
    BrokerTimeout,
    /// The delivery stream failed or ended.
    StreamFailed,
    /// Messages were ready in the queue while none was delivered for the stall timeout.
    Stalled,
}

impl Restart {
    pub fn as_str(self) -> &'static str {
        match self {
            Restart::ConnectionLost => "connection_lost",
            Restart::BrokerTimeout => "broker_timeout",
            Restart::StreamFailed => "stream_failed",
            Restart::Stalled => "stalled",
        }
    }
}

/// When the consumer last made progress (a delivery arrived or a batch finished).
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    last: Instant,
    stall_after: Duration,
}

impl Progress {
    pub fn new(now: Instant, stall_after: Duration) -> Self {
        Self {
            last: now,
            stall_after,
        }
    }

    pub fn made(&mut self, now: Instant) {
        self.last = now;
    }

    /// Stalled: `ready` messages wait in the queue (and this consumer holds none), yet
    /// nothing arrived for the stall timeout. An empty queue is never a stall.
    pub fn stalled(&self, ready: u32, now: Instant) -> bool {
        ready > 0 && now.saturating_duration_since(self.last) >= self.stall_after
    }

    /// How often to look: often enough to notice a stall within about 1.5 times its
    /// timeout, at most every 10 s (the lag gauge's pace).
    pub fn check_every(&self) -> Duration {
        (self.stall_after / 2).clamp(Duration::from_millis(100), Duration::from_secs(10))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_with_waiting_messages_and_no_delivery_for_the_timeout_is_a_stall() {
        let start = Instant::now();
        let progress = Progress::new(start, Duration::from_secs(30));
        assert!(!progress.stalled(5, start + Duration::from_secs(29)));
        assert!(progress.stalled(5, start + Duration::from_secs(30)));
        assert!(progress.stalled(1, start + Duration::from_secs(31)));
    }

    #[test]
    fn an_empty_queue_is_never_a_stall_however_long_it_is_quiet() {
        let start = Instant::now();
        let progress = Progress::new(start, Duration::from_secs(30));
        assert!(!progress.stalled(0, start + Duration::from_secs(3_600)));
    }

    #[test]
    fn progress_restarts_the_clock() {
        let start = Instant::now();
        let mut progress = Progress::new(start, Duration::from_secs(30));
        progress.made(start + Duration::from_secs(25));
        assert!(!progress.stalled(5, start + Duration::from_secs(50)));
        assert!(progress.stalled(5, start + Duration::from_secs(55)));
    }

    #[test]
    fn the_check_runs_at_half_the_timeout_within_bounds() {
        let at = |ms| Progress::new(Instant::now(), Duration::from_millis(ms)).check_every();
        assert_eq!(at(30_000), Duration::from_secs(10));
        assert_eq!(at(4_000), Duration::from_secs(2));
        assert_eq!(at(50), Duration::from_millis(100));
    }

    #[test]
    fn each_restart_reason_has_its_own_label() {
        let labels: std::collections::BTreeSet<_> = [
            Restart::ConnectionLost,
            Restart::BrokerTimeout,
            Restart::StreamFailed,
            Restart::Stalled,
        ]
        .into_iter()
        .map(Restart::as_str)
        .collect();
        assert_eq!(labels.len(), 4);
    }
}
