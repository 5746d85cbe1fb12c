//! What a forged push costs the national node: envelopes at the size limit, naming the
//! delegated node and its key id, with a forged signature (the costliest bogus envelope: the
//! one signature it may carry is verified, hashing the whole payload once). Measured as node CPU
//! per push, beside a genuine batch's in the same run.
use super::*;
use sjdj::grpc::federation::push_batch_type;

/// Pushes sent: the national node's share of refused envelopes per address (`refused_burst`,
/// default 10), so each one is opened and checked rather than cut off unread.
pub(super) const PUSHES: usize = 10;

pub(super) struct Bogus {
    pub(super) pushes: usize,
    pub(super) payload_bytes: usize,
    /// Node CPU per push, in ms.
    pub(super) cpu_ms: Option<f64>,
    /// The refusal each got.
    pub(super) reason: String,
}

pub(super) async fn pushes(
    ch: Channel,
    node: Option<u32>,
    node_id: &str,
    keyid: &str,
) -> anyhow::Result<Bogus> {
    let payload_bytes = sjdj::sync::envelope::MAX_PAYLOAD - 4096;
    let envelope = pb::Envelope {
        payload_type: push_batch_type(),
        payload: vec![0x5a; payload_bytes],
        signatures: vec![pb::EnvelopeSignature {
            keyid: keyid.into(),
            sig: vec![7; 64],
        }],
    };
    let mut fed = pb::federation_service_client::FederationServiceClient::new(ch)
        .max_encoding_message_size(usize::MAX);
    let cpu0 = cpu_now(node)[0];
    let mut reason = String::new();
    for _ in 0..PUSHES {
        let req = pb::PushRequest {
            node_id: node_id.into(),
            envelope: Some(envelope.clone()),
        };
        match fed.push(req).await {
            Ok(_) => anyhow::bail!("a forged push was accepted"),
            Err(s) => reason = status_text(&s),
        }
    }
    let cpu_ms = cpu_now(node)[0]
        .zip(cpu0)
        .map(|(b, a)| (b - a) * 1000.0 / PUSHES as f64);
    Ok(Bogus {
        pushes: PUSHES,
        payload_bytes,
        cpu_ms,
        reason,
    })
}
