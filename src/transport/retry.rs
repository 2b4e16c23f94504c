//! Retry policy as plain data: how many retries, how long to wait, what `Retry-After` means,
//! and the one per-attempt decision (`RetryPolicy::decide`) the transport follows, including
//! the command's overall `--deadline` (spec §7).

use std::time::Duration;

use rand::Rng;

/// Exponential backoff with jitter. `Default` is what the CLI uses; tests shorten it.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (`--retries`).
    pub max_retries: u32,
    /// The wait before the first retry, before jitter.
    pub base_delay: Duration,
    /// No computed wait exceeds this.
    pub max_delay: Duration,
    /// A server's `Retry-After` is honoured up to this long.
    pub max_retry_after: Duration,
    /// The whole command's time limit (`--deadline`): no wait is started that would end
    /// after it.
    pub deadline: Duration,
}

/// What to do after an attempt that did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then send the request again.
    RetryAfter(Duration),
    /// Stop: the failure is not retryable, or the retries are used up.
    GiveUp,
    /// Stop: the wait before the next attempt would end after the deadline.
    DeadlineReached,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            deadline: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0 for the first retry): half of the
    /// exponential step plus a random part of the other half ("equal jitter"), so that
    /// concurrent callers spread out but never retry at once.
    pub fn backoff(&self, retry: u32, rng: &mut impl Rng) -> Duration {
        let step = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.min(16)))
            .min(self.max_delay);
        let half = step / 2;
        let jitter_ms = rng.gen_range(0..=half.as_millis().max(1) as u64);
        half + Duration::from_millis(jitter_ms)
    }

    /// The wait before a retry when the server said `Retry-After`; else the backoff.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>, rng: &mut impl Rng) -> Duration {
        match retry_after {
            Some(wait) => wait.min(self.max_retry_after),
            None => self.backoff(retry, rng),
        }
    }
}

impl RetryPolicy {
    /// The decision after a failed attempt: `retries_done` retries were already made,
    /// `retryable` says whether the failure is worth another attempt, `retry_after` is the
    /// server's wish, `time_left` what remains of the deadline.
    pub fn decide(
        &self,
        retries_done: u32,
        retryable: bool,
        retry_after: Option<Duration>,
        time_left: Duration,
        rng: &mut impl Rng,
    ) -> Decision {
        if !retryable || retries_done >= self.max_retries {
            return Decision::GiveUp;
        }
        let wait = self.delay(retries_done, retry_after, rng);
        if wait > time_left {
            Decision::DeadlineReached
        } else {
            Decision::RetryAfter(wait)
        }
    }
}

/// `Retry-After` as delay-seconds or as an HTTP date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.with_timezone(&chrono::Utc) - now;
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn backoff_grows_exponentially_within_jitter_bounds() {
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(7);
        for retry in 0..4 {
            let step = Duration::from_millis(250 * 2u64.pow(retry));
            for _ in 0..50 {
                let d = policy.backoff(retry, &mut rng);
                assert!(d >= step / 2 && d <= step, "retry {retry}: {d:?}");
            }
        }
    }

    #[test]
    fn backoff_is_capped() {
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(1);
        assert!(policy.backoff(30, &mut rng) <= policy.max_delay);
    }

    #[test]
    fn retry_after_wins_over_backoff_and_is_capped() {
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(2)), &mut rng),
            Duration::from_secs(2)
        );
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(3600)), &mut rng),
            policy.max_retry_after
        );
    }

    fn seconds(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn decide_gives_up_on_what_is_not_retryable_and_when_retries_run_out() {
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(3);
        assert_eq!(
            policy.decide(0, false, None, seconds(300), &mut rng),
            Decision::GiveUp
        );
        assert_eq!(
            policy.decide(3, true, None, seconds(300), &mut rng),
            Decision::GiveUp
        );
        assert!(matches!(
            policy.decide(2, true, None, seconds(300), &mut rng),
            Decision::RetryAfter(_)
        ));
    }

    #[test]
    fn decide_waits_what_the_server_asks_capped_at_60_s() {
        let policy = RetryPolicy {
            max_retries: 10,
            ..RetryPolicy::default()
        };
        let mut rng = StdRng::seed_from_u64(3);
        assert_eq!(
            policy.decide(0, true, Some(seconds(5)), seconds(300), &mut rng),
            Decision::RetryAfter(seconds(5))
        );
        assert_eq!(
            policy.decide(0, true, Some(seconds(3600)), seconds(300), &mut rng),
            Decision::RetryAfter(seconds(60))
        );
    }

    #[test]
    fn decide_starts_no_wait_that_would_end_after_the_deadline() {
        let policy = RetryPolicy {
            max_retries: 10,
            ..RetryPolicy::default()
        };
        let mut rng = StdRng::seed_from_u64(3);
        assert_eq!(
            policy.decide(0, true, Some(seconds(60)), seconds(2), &mut rng),
            Decision::DeadlineReached
        );
        // A capped Retry-After counts as 60 s: 61 s left is enough.
        assert_eq!(
            policy.decide(0, true, Some(seconds(3600)), seconds(61), &mut rng),
            Decision::RetryAfter(seconds(60))
        );
        assert_eq!(
            policy.decide(0, true, Some(seconds(1)), Duration::ZERO, &mut rng),
            Decision::DeadlineReached
        );
        // Not retryable stays a plain give-up even past the deadline.
        assert_eq!(
            policy.decide(0, false, None, Duration::ZERO, &mut rng),
            Decision::GiveUp
        );
    }

    proptest::proptest! {
        #[test]
        fn a_retry_wait_never_outlasts_the_time_left(
            retries_done in 0u32..10,
            after in proptest::option::of(0u64..10_000),
            left_ms in 0u64..100_000,
            seed in 0u64..1000,
        ) {
            let policy = RetryPolicy { max_retries: 10, ..RetryPolicy::default() };
            let mut rng = StdRng::seed_from_u64(seed);
            let left = Duration::from_millis(left_ms);
            let decision = policy.decide(
                retries_done,
                true,
                after.map(Duration::from_secs),
                left,
                &mut rng,
            );
            if let Decision::RetryAfter(wait) = decision {
                proptest::prop_assert!(wait <= left);
                proptest::prop_assert!(wait <= policy.max_retry_after.max(policy.max_delay));
            }
        }
    }

    #[test]
    fn retry_after_parses_seconds_and_http_dates() {
        let now = chrono::DateTime::parse_from_rfc3339("2025-11-18T08:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Tue, 18 Nov 2025 08:00:05 GMT", now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            parse_retry_after("Tue, 18 Nov 2025 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
