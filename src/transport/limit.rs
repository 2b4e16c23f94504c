//! Client-side rate limit: at most N request starts in any one-second window per key
//! (an API action). The first N start at once; the next waits for the oldest to age out.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug)]
pub struct RateLimiter {
    per_window: usize,
    window: Duration,
    windows: std::sync::Mutex<HashMap<String, Arc<Mutex<VecDeque<Instant>>>>>,
}

impl RateLimiter {
    pub fn new(per_window: usize, window: Duration) -> Self {
        Self {
            per_window: per_window.max(1),
            window,
            windows: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Waits until a request for `key` may start, and records its start.
    pub async fn acquire(&self, key: &str) {
        let starts = {
            // A poisoned lock only means another task panicked; the map is still valid.
            let mut map = self
                .windows
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            map.entry(key.to_string()).or_default().clone()
        };
        // Holding the per-key lock while sleeping queues the waiters in order.
        let mut starts = starts.lock().await;
        loop {
            let now = Instant::now();
            while starts
                .front()
                .is_some_and(|oldest| now.duration_since(*oldest) >= self.window)
            {
                starts.pop_front();
            }
            if starts.len() < self.per_window {
                starts.push_back(now);
                return;
            }
            if let Some(oldest) = starts.front() {
                tokio::time::sleep_until(*oldest + self.window).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_twenty_then_the_rest_a_second_later() {
        let limiter = RateLimiter::new(20, Duration::from_secs(1));
        let begin = Instant::now();
        let mut offsets = Vec::new();
        for _ in 0..35 {
            limiter.acquire("DescribeAigcUsageData").await;
            offsets.push(begin.elapsed());
        }
        assert!(offsets[..20].iter().all(|d| *d == Duration::ZERO));
        assert!(offsets[20..].iter().all(|d| *d == Duration::from_secs(1)));
    }

    #[tokio::test(start_paused = true)]
    async fn keys_are_limited_separately() {
        let limiter = RateLimiter::new(2, Duration::from_secs(1));
        let begin = Instant::now();
        for _ in 0..2 {
            limiter.acquire("a").await;
            limiter.acquire("b").await;
        }
        assert_eq!(begin.elapsed(), Duration::ZERO);
        limiter.acquire("a").await;
        assert_eq!(begin.elapsed(), Duration::from_secs(1));
    }
}
