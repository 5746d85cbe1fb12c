//! The `[server]` and `[quotas]` config sections: what any one caller can make the node spend.
//! Every limit here is one a caller can hit; each refusal names its reason code and the key that
//! sets it. The defaults are ones a bureau can keep on the government extranet.
use serde::Deserialize;
use std::net::IpAddr;

/// Connections, streams and timeouts of the gRPC listener.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSection {
    /// Connections open at once, node-wide. Past it a new connection is answered
    /// RESOURCE_EXHAUSTED / `TOO_MANY_CONNECTIONS` and closed. Keep it well under the process's
    /// open-file limit. Default 1000.
    pub max_connections: usize,
    /// Connections open at once from one address (IPv6: one /64); trusted proxies are exempt.
    /// Default 100.
    pub max_connections_per_address: usize,
    /// HTTP/2 streams (calls) open at once on one connection. Default 64.
    pub max_concurrent_streams: u32,
    /// Longest a call may take to answer, body upload included (a streaming call: to start
    /// answering). Past it: DEADLINE_EXCEEDED / `REQUEST_TIMEOUT`. Default 30000 ms.
    pub request_timeout_ms: u64,
    /// A connection from which nothing arrives for this long is closed. Live clients answer
    /// the node's keepalive pings, so only silent ones are dropped. Default 120000 ms.
    pub idle_timeout_ms: u64,
    /// How often the node pings a connection (HTTP/2 keepalive). Default 30000 ms.
    pub keepalive_interval_ms: u64,
    /// How long a ping may go unanswered before the connection is closed. Default 10000 ms.
    pub keepalive_timeout_ms: u64,
    /// Largest header block of a call, in bytes. Default 16384.
    pub max_header_list_bytes: u32,
    /// Streams a client may open and reset before the node has accepted them (h2's guard
    /// against rapid reset). Default 20.
    pub max_pending_reset_streams: usize,
    /// Streams the node may reset for a client's protocol errors before it closes the
    /// connection (h2's guard, off in tonic's default). Default 1024.
    pub max_local_reset_streams: usize,
    /// Longest a TLS handshake may take. Default 10000 ms.
    pub tls_handshake_timeout_ms: u64,
    /// Reverse proxies trusted to name the client's address in `client_address_header`.
    /// Default none: the peer address is the client's.
    pub trusted_proxies: Vec<IpAddr>,
    /// The header a trusted proxy names the client in. Default `x-forwarded-for`.
    pub client_address_header: String,
}

impl Default for ServerSection {
    fn default() -> Self {
        ServerSection {
            max_connections: 1000,
            max_connections_per_address: 100,
            max_concurrent_streams: 64,
            request_timeout_ms: 30_000,
            idle_timeout_ms: 120_000,
            keepalive_interval_ms: 30_000,
            keepalive_timeout_ms: 10_000,
            max_header_list_bytes: 16 * 1024,
            max_pending_reset_streams: 20,
            max_local_reset_streams: 1024,
            tls_handshake_timeout_ms: 10_000,
            trusted_proxies: Vec::new(),
            client_address_header: "x-forwarded-for".into(),
        }
    }
}

/// What one caller may hold or store.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QuotasSection {
    /// Uploads one token may have in flight (each holds up to `attachments.max_bytes` in
    /// memory). Past it: RESOURCE_EXHAUSTED / `UPLOADS_IN_FLIGHT`. Default 16.
    pub uploads_in_flight: usize,
    /// Notification streams (`WatchApplications`) one token may hold open. Past it:
    /// RESOURCE_EXHAUSTED / `TOO_MANY_STREAMS`. Default 8.
    pub streams_per_token: usize,
    /// Public calls per second one token holder may sustain (anonymous callers are limited per
    /// address by `public_api`). Past it: RESOURCE_EXHAUSTED / `TOKEN_RATE_LIMITED`.
    /// Default 500.
    pub token_rate_per_second: u32,
    /// Public calls one token holder may make at once after being idle. Default 1000.
    pub token_burst: u32,
}

impl Default for QuotasSection {
    fn default() -> Self {
        QuotasSection {
            uploads_in_flight: 16,
            streams_per_token: 8,
            token_rate_per_second: 500,
            token_burst: 1000,
        }
    }
}

/// How long bearer tokens live, in days on the node clock.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokensSection {
    /// Lifetime of a token created without `--ttl-days`. Default 365.
    pub ttl_days: u32,
    /// Longest lifetime a token may be given (TOKEN_TTL_TOO_LONG past it). Default 3650.
    pub max_ttl_days: u32,
}

impl Default for TokensSection {
    fn default() -> Self {
        let d = crate::engine::TokenLimits::default();
        TokensSection {
            ttl_days: d.ttl_days,
            max_ttl_days: d.max_ttl_days,
        }
    }
}

impl TokensSection {
    pub fn validate(&self, errors: &mut Vec<String>) {
        if self.ttl_days == 0 || self.ttl_days > self.max_ttl_days || self.max_ttl_days > 36_500 {
            errors.push(format!(
                "tokens.ttl_days = {} must be 1..=tokens.max_ttl_days ({}), at most 36500",
                self.ttl_days, self.max_ttl_days
            ));
        }
    }

    pub fn limits(&self) -> crate::engine::TokenLimits {
        crate::engine::TokenLimits {
            ttl_days: self.ttl_days,
            max_ttl_days: self.max_ttl_days,
        }
    }
}

impl ServerSection {
    pub fn validate(&self, errors: &mut Vec<String>) {
        for (name, v, min, max) in [
            ("max_connections", self.max_connections as u64, 1, 1_000_000),
            (
                "max_connections_per_address",
                self.max_connections_per_address as u64,
                1,
                1_000_000,
            ),
            (
                "max_concurrent_streams",
                u64::from(self.max_concurrent_streams),
                1,
                10_000,
            ),
            (
                "request_timeout_ms",
                self.request_timeout_ms,
                100,
                3_600_000,
            ),
            ("idle_timeout_ms", self.idle_timeout_ms, 1000, 86_400_000),
            (
                "keepalive_interval_ms",
                self.keepalive_interval_ms,
                1000,
                86_400_000,
            ),
            (
                "keepalive_timeout_ms",
                self.keepalive_timeout_ms,
                100,
                3_600_000,
            ),
            (
                "max_header_list_bytes",
                u64::from(self.max_header_list_bytes),
                1024,
                1 << 20,
            ),
            (
                "max_pending_reset_streams",
                self.max_pending_reset_streams as u64,
                1,
                100_000,
            ),
            (
                "max_local_reset_streams",
                self.max_local_reset_streams as u64,
                1,
                100_000,
            ),
            (
                "tls_handshake_timeout_ms",
                self.tls_handshake_timeout_ms,
                100,
                600_000,
            ),
        ] {
            if !(min..=max).contains(&v) {
                errors.push(format!("server.{name} = {v} must be {min}..={max}"));
            }
        }
        if self.keepalive_interval_ms >= self.idle_timeout_ms {
            errors.push(
                "server.keepalive_interval_ms must be below server.idle_timeout_ms, or live \
                 clients would be dropped as idle"
                    .into(),
            );
        }
        if self.client_address_header.is_empty()
            || tonic::codegen::http::HeaderName::from_bytes(self.client_address_header.as_bytes())
                .is_err()
        {
            errors.push(format!(
                "server.client_address_header {:?} is not a header name",
                self.client_address_header
            ));
        }
    }
}

impl QuotasSection {
    pub fn validate(&self, errors: &mut Vec<String>) {
        if self.uploads_in_flight == 0 || self.streams_per_token == 0 {
            errors.push("quotas.uploads_in_flight and streams_per_token must be at least 1".into());
        }
        if self.token_rate_per_second == 0 || self.token_burst == 0 {
            errors.push("quotas.token_rate_per_second and token_burst must be at least 1".into());
        }
    }
}
