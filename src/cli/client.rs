//! Connection and credentials shared by every online command.
use super::Global;
use crate::grpc::pb;
use anyhow::{bail, Context};
use tonic::transport::{Channel, Endpoint};
use tonic::Request;

pub struct Client {
    pub channel: Channel,
    token: Option<String>,
    request_id: Option<String>,
}

impl Client {
    pub async fn connect(g: &Global) -> anyhow::Result<Client> {
        let addr = if g.addr.contains("://") {
            g.addr.clone()
        } else {
            format!("http://{}", g.addr)
        };
        let mut endpoint =
            Endpoint::from_shared(addr.clone()).with_context(|| format!("bad address {addr}"))?;
        if let Some(ca) = &g.ca_file {
            let identity = g.client_cert.as_deref().zip(g.client_key.as_deref());
            let tls = crate::grpc::tls::client(ca, identity).map_err(anyhow::Error::msg)?;
            endpoint = endpoint.tls_config(tls)?;
        } else if addr.starts_with("https://") {
            bail!("an https:// address needs --ca-file (or SJDJ_CA_FILE)");
        }
        let channel = endpoint
            .connect()
            .await
            .with_context(|| format!("cannot reach a node at {addr}"))?;
        Ok(Client {
            channel,
            token: resolve_token(g)?,
            request_id: g.request_id.clone(),
        })
    }

    /// Wraps a message with the bearer token, when one is configured.
    pub fn req<T>(&self, msg: T) -> anyhow::Result<Request<T>> {
        let mut r = Request::new(msg);
        if let Some(t) = &self.token {
            r.metadata_mut().insert(
                "authorization",
                format!("Bearer {t}")
                    .parse()
                    .context("the token has characters not allowed in a header")?,
            );
        }
        Ok(r)
    }

    /// The request id of a write: `--request-id`, or a fresh random one.
    pub fn request_id(&self) -> String {
        self.request_id.clone().unwrap_or_else(|| {
            let mut b = [0u8; 12];
            getrandom::getrandom(&mut b).expect("OS randomness");
            format!("cli-{}", hex::encode(b))
        })
    }

    pub fn registration(
        &self,
    ) -> pb::registration_service_client::RegistrationServiceClient<Channel> {
        pb::registration_service_client::RegistrationServiceClient::new(self.channel.clone())
            .max_decoding_message_size(64 << 20)
            .max_encoding_message_size(300 << 20)
    }
    pub fn review(&self) -> pb::review_service_client::ReviewServiceClient<Channel> {
        pb::review_service_client::ReviewServiceClient::new(self.channel.clone())
    }
    pub fn registry(&self) -> pb::registry_service_client::RegistryServiceClient<Channel> {
        pb::registry_service_client::RegistryServiceClient::new(self.channel.clone())
    }
    pub fn transparency(
        &self,
    ) -> pb::transparency_service_client::TransparencyServiceClient<Channel> {
        pb::transparency_service_client::TransparencyServiceClient::new(self.channel.clone())
    }
    pub fn federation(&self) -> pb::federation_service_client::FederationServiceClient<Channel> {
        pb::federation_service_client::FederationServiceClient::new(self.channel.clone())
    }

    pub fn admin(&self) -> pb::admin_service_client::AdminServiceClient<Channel> {
        pb::admin_service_client::AdminServiceClient::new(self.channel.clone())
    }

    /// Log entry `index`, as the node serves it.
    pub async fn log_entry(&self, index: u64) -> anyhow::Result<pb::LogEntry> {
        self.transparency()
            .list_entries(self.req(pb::ListEntriesRequest {
                start: index,
                end: index + 1,
            })?)
            .await
            .map_err(super::output::rpc_error)?
            .into_inner()
            .entries
            .pop()
            .ok_or_else(|| anyhow::anyhow!("the node returned no entry {index}"))
    }
}

/// `--token`/`SJDJ_TOKEN`, or `--as ROLE` looked up in `--tokens FILE` (a dev-tokens.json).
fn resolve_token(g: &Global) -> anyhow::Result<Option<String>> {
    if let Some(t) = &g.token {
        return Ok(Some(t.clone()));
    }
    if let Some(file) = &g.token_file {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("read {}", file.display()))?;
        let token = text.trim();
        anyhow::ensure!(!token.is_empty(), "{} holds no token", file.display());
        return Ok(Some(token.to_string()));
    }
    let Some(role) = &g.as_role else {
        return Ok(None);
    };
    let Some(file) = &g.tokens else {
        bail!("--as {role} needs --tokens FILE (or SJDJ_TOKENS), e.g. DIR/dev-tokens.json")
    };
    let text = std::fs::read_to_string(file).with_context(|| format!("read {}", file.display()))?;
    let map: std::collections::BTreeMap<String, String> = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a JSON object of role -> token", file.display()))?;
    map.get(role)
        .cloned()
        .map(Some)
        .with_context(|| format!("{} has no token for role {role}", file.display()))
}
