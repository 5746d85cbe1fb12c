//! Rate limiting of the public RPCs (DESIGN §5): a token bucket per client IP address. Public
//! calls need no token, so this is what keeps one client from starving the registry for others.
use super::status::DOMAIN;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// Buckets kept before idle ones are dropped, bounding memory under many distinct clients.
const MAX_CLIENTS: usize = 10_000;

pub struct RateLimiter {
    /// Calls per second a client may sustain.
    rate: f64,
    /// Calls a client may make at once after being idle.
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(rate_per_second: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            rate: f64::from(rate_per_second),
            burst: f64::from(burst),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one call from the client's bucket, or refuses with RESOURCE_EXHAUSTED.
    pub fn check(&self, peer: Option<SocketAddr>) -> Result<(), Status> {
        // Without a peer address (in-process transports) there is no one to attribute calls to.
        let Some(ip) = peer.map(|p| p.ip()) else {
            return Ok(());
        };
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&ip) {
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, (tokens, at)| *tokens + at.elapsed().as_secs_f64() * rate < burst);
        }
        let (tokens, at) = buckets.entry(ip).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            return Ok(());
        }
        let details = ErrorDetails::with_error_info("RATE_LIMITED", DOMAIN, HashMap::new());
        let msg = format!(
            "RATE_LIMITED: more than {} public calls per second from {ip}; retry shortly",
            self.rate
        );
        Err(Status::with_error_details(
            Code::ResourceExhausted,
            msg,
            details,
        ))
    }
}

/// Admits a public call: a caller with a valid bearer token is accountable and not limited; an
/// anonymous one takes a call from its address's bucket. A token that does not authenticate is
/// refused (UNAUTHENTICATED) rather than silently treated as anonymous.
pub fn admit<T>(
    limiter: &RateLimiter,
    engine: &crate::engine::Engine,
    req: &tonic::Request<T>,
) -> Result<(), Status> {
    match super::auth::bearer(req) {
        Some(_) => super::auth::actor(engine, req).map(|_| ()),
        None => limiter.check(req.remote_addr()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_burst_then_is_refused_and_others_are_not() {
        let limiter = RateLimiter::new(1, 3);
        let a: SocketAddr = "127.0.0.1:1000".parse().unwrap();
        let b: SocketAddr = "127.0.0.2:1000".parse().unwrap();
        for _ in 0..3 {
            limiter.check(Some(a)).unwrap();
        }
        let refused = limiter.check(Some(a)).unwrap_err();
        assert_eq!(refused.code(), Code::ResourceExhausted);
        assert_eq!(
            refused.get_details_error_info().unwrap().reason,
            "RATE_LIMITED"
        );
        limiter.check(Some(b)).unwrap();
        limiter.check(None).unwrap();
    }
}
