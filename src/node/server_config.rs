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
    /// Objections one application takes (OBJECTIONS_PER_APPLICATION). Default 20.
    pub objections_per_application: usize,
    /// Objections one caller (address, or token) may file on one application a day
    /// (OBJECTIONS_PER_CALLER). Default 3.
    pub objections_per_caller: u32,
    /// Edits of one draft (DRAFT_EDITS_EXHAUSTED). Default 100.
    pub draft_edits: u64,
    /// Bytes one draft's edits may store, all together (each stores the whole application
    /// again) (DRAFT_STORAGE_EXHAUSTED). Default 16 MiB.
    pub draft_bytes: u64,
    /// Bytes of a request carrying materials (create, edit, supplement), serialised as the
    /// node stores it (MATERIALS_TOO_LARGE). Default 1 MiB.
    pub materials_bytes: usize,
    /// Bytes of attachments one subject's registrants may upload (ATTACHMENT_QUOTA).
    /// Default 1 GiB.
    pub attachment_bytes_per_subject: u64,
    /// Bytes of log entries in one ListEntries or FollowLog answer; a longer range is answered
    /// in part (at least one entry) and the caller asks again from where it ends. Default 4 MiB.
    pub entries_bytes: usize,
    /// Bytes of before images an online backup may hold while the writer goes on ahead of its
    /// reader (a slow backup client); past it the backup fails with RESOURCE_EXHAUSTED /
    /// `BACKUP_TOO_SLOW` and writes are untouched. Default 256 MiB.
    pub backup_held_bytes: u64,
}

impl Default for QuotasSection {
    fn default() -> Self {
        let e = crate::engine::Quotas::default();
        QuotasSection {
            uploads_in_flight: 16,
            streams_per_token: 8,
            token_rate_per_second: 500,
            token_burst: 1000,
            objections_per_application: e.objections_per_application,
            objections_per_caller: 3,
            draft_edits: e.draft_edits,
            draft_bytes: e.draft_bytes,
            materials_bytes: e.materials_bytes,
            attachment_bytes_per_subject: e.attachment_bytes_per_subject,
            entries_bytes: e.entries_bytes,
            backup_held_bytes: e.backup_held_bytes,
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
        for (name, v) in [
            (
                "objections_per_application",
                self.objections_per_application as u64,
            ),
            (
                "objections_per_caller",
                u64::from(self.objections_per_caller),
            ),
            ("draft_edits", self.draft_edits),
            ("draft_bytes", self.draft_bytes),
            ("materials_bytes", self.materials_bytes as u64),
            (
                "attachment_bytes_per_subject",
                self.attachment_bytes_per_subject,
            ),
            ("entries_bytes", self.entries_bytes as u64),
            ("backup_held_bytes", self.backup_held_bytes),
        ] {
            if v == 0 {
                errors.push(format!("quotas.{name} must be at least 1"));
            }
        }
    }

    /// The engine's share of the quotas.
    pub fn engine(&self) -> crate::engine::Quotas {
        crate::engine::Quotas {
            objections_per_application: self.objections_per_application,
            draft_edits: self.draft_edits,
            draft_bytes: self.draft_bytes,
            materials_bytes: self.materials_bytes,
            attachment_bytes_per_subject: self.attachment_bytes_per_subject,
            entries_bytes: self.entries_bytes,
            backup_held_bytes: self.backup_held_bytes,
        }
    }
}
