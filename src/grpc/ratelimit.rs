//! Rate limits (DESIGN §5): token buckets keyed by who is calling. Anonymous callers are keyed by
//! their address (IPv6 grouped by /64, since one subscriber holds a whole /64), token holders by
//! their token, nodes by node id and by address. The buckets are what keep one caller from
//! starving everyone else; `grpc::admission` takes a call from them before a request body is read.
use super::status::DOMAIN;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// Buckets kept before idle ones are dropped, bounding memory under many distinct callers.
const MAX_KEYS: usize = 10_000;

pub struct RateLimiter<K = IpAddr> {
    /// Calls per second a caller may sustain.
    rate: f64,
    /// Calls a caller may make at once after being idle.
    burst: f64,
    /// The limit in words, for the refusal ("50 public calls from this address per second").
    limit: String,
    /// The config keys that set it, named in the refusal so an operator knows what to raise.
    config: &'static str,
    buckets: Mutex<HashMap<K, (f64, Instant)>>,
}

/// The bucket an address counts against: an IPv4 address, or the /64 an IPv6 address is in
/// (an IPv4-mapped IPv6 address counts as its IPv4 address).
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    pub fn new(
        rate_per_second: u32,
        burst: u32,
        what: &'static str,
        config: &'static str,
    ) -> RateLimiter<K> {
        RateLimiter::with(
            f64::from(rate_per_second),
            f64::from(burst),
            format!("{rate_per_second} {what} per second"),
            config,
        )
    }

    fn with(rate: f64, burst: f64, limit: String, config: &'static str) -> RateLimiter<K> {
        RateLimiter {
            rate,
            burst,
            limit,
            config,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// `per_day` calls a day sustained, all of them at once after a quiet day.
    pub fn per_day(per_day: u32, what: &'static str, config: &'static str) -> RateLimiter<K> {
        RateLimiter::with(
            f64::from(per_day) / 86_400.0,
            f64::from(per_day),
            format!("{per_day} {what}"),
            config,
        )
    }

    /// Takes one call from `key`'s bucket, or refuses with RESOURCE_EXHAUSTED / `reason`.
    pub fn check(&self, key: &K, reason: &'static str) -> Result<(), Status> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, (tokens, at)| *tokens + at.elapsed().as_secs_f64() * rate < burst);
        }
        let (tokens, at) = buckets.entry(key.clone()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            return Ok(());
        }
        Err(exhausted(
            reason,
            format!(
                "more than {}; retry later (limit: {})",
                self.limit, self.config
            ),
        ))
    }
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// Whether `key` has a call left, without taking it.
    pub fn has_left(&self, key: &K) -> bool {
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        buckets
            .get(key)
            .is_none_or(|(tokens, at)| tokens + at.elapsed().as_secs_f64() * self.rate >= 1.0)
    }

    /// Who the limit is for and the config keys that set it.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.limit, self.config)
    }
}

/// RESOURCE_EXHAUSTED with a stable reason code: every quota and rate refusal looks like this.
pub fn exhausted(reason: &'static str, message: impl std::fmt::Display) -> Status {
    let details = ErrorDetails::with_error_info(reason, DOMAIN, HashMap::new());
    Status::with_error_details(
        Code::ResourceExhausted,
        format!("{reason}: {message}"),
        details,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_gets_its_burst_then_is_refused_and_others_are_not() {
        let limiter = RateLimiter::new(1, 3, "public calls", "public_api.rate_per_second");
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        for _ in 0..3 {
            limiter.check(&a, "RATE_LIMITED").unwrap();
        }
        let refused = limiter.check(&a, "RATE_LIMITED").unwrap_err();
        assert_eq!(refused.code(), Code::ResourceExhausted);
        assert_eq!(
            refused.get_details_error_info().unwrap().reason,
            "RATE_LIMITED"
        );
        assert!(
            refused.message().contains("public_api.rate_per_second"),
            "{}",
            refused.message()
        );
        limiter.check(&b, "RATE_LIMITED").unwrap();
    }

    #[test]
    fn ipv6_addresses_of_one_64_share_a_bucket_and_mapped_ipv4_is_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:10.1.2.3".parse().unwrap();
        assert_eq!(address_key(mapped), "10.1.2.3".parse::<IpAddr>().unwrap());
        let limiter = RateLimiter::new(1, 1, "public calls", "public_api.burst");
        limiter.check(&address_key(a), "RATE_LIMITED").unwrap();
        assert!(limiter.check(&address_key(b), "RATE_LIMITED").is_err());
        limiter.check(&address_key(c), "RATE_LIMITED").unwrap();
    }
}
