//! The national trust list (DESIGN §5): which node holds which namespace, under which keys.
//! It lives in the national node's own log as `Delegated`, `KeyRotated` and `KeyRevoked` entries;
//! this module folds those entries into one record per node and refuses the ones that would
//! make the list inconsistent. Pure.
//!
//! A node's keys are kept in order with their status: the newest is `Active` (or `Revoked`);
//! rotation retires the one before it, whose signatures stay verifiable for what it signed.
use super::Refused;
use crate::domain::certificate::key_id;
use crate::domain::codes::Region;
use crate::log::entry::Body;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyStatus {
    Active,
    Retired,
    Revoked,
}

impl KeyStatus {
    pub fn name(self) -> &'static str {
        match self {
            KeyStatus::Active => "ACTIVE",
            KeyStatus::Retired => "RETIRED",
            KeyStatus::Revoked => "REVOKED",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeKey {
    /// ed25519 public key, 64 hex digits.
    pub key: String,
    pub status: KeyStatus,
    /// Index of the national log entry that made it active.
    pub since: u64,
}

impl NodeKey {
    pub fn verifying_key(&self) -> VerifyingKey {
        parse_key(&self.key).expect("keys are checked before they enter the list")
    }
}

/// One province node in the trust list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedNode {
    pub node_id: String,
    /// The namespace delegated to it.
    pub region: String,
    /// Oldest first; the last one is the current key.
    pub keys: Vec<NodeKey>,
}

impl TrustedNode {
    /// The key that signs the node's checkpoints now; `None` once it is revoked.
    pub fn active_key(&self) -> Option<VerifyingKey> {
        self.keys
            .last()
            .filter(|k| k.status == KeyStatus::Active)
            .map(NodeKey::verifying_key)
    }

    /// Every key of the node that is not revoked: its certificates signed before a rotation
    /// stay valid.
    pub fn certificate_keys(&self) -> Vec<VerifyingKey> {
        self.keys
            .iter()
            .filter(|k| k.status != KeyStatus::Revoked)
            .map(NodeKey::verifying_key)
            .collect()
    }

    /// The key a certificate names by its key id (`certificate::key_id`), if it was ever this
    /// node's.
    pub fn key_by_id(&self, id: &[u8; 8]) -> Option<&NodeKey> {
        self.keys.iter().find(|k| key_id(&k.verifying_key()) == *id)
    }

    /// The log origin the node signs its checkpoints under.
    pub fn origin(&self) -> String {
        crate::log::checkpoint::origin(&self.region, &self.node_id)
    }
}

/// Parses a public key written as 64 hex digits.
pub fn parse_key(hex_key: &str) -> Result<VerifyingKey, String> {
    let bytes: [u8; 32] = hex::decode(hex_key.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| format!("{hex_key:?} is not an ed25519 public key in 64 hex digits"))?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| format!("{hex_key:?}: {e}"))
}

/// Node ids name store keys and log origins: 1-64 of `a-z A-Z 0-9 - _ .`.
pub fn check_node_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "node id {id:?} must be 1-64 characters of a-z A-Z 0-9 - _ ."
        ))
    }
}

fn refuse(reason: &'static str, message: String) -> Refused {
    Refused::Trust { reason, message }
}

/// What the list holds that a change must be checked against.
pub struct View<'a> {
    /// The node the change is about, if listed.
    pub node: Option<&'a TrustedNode>,
    /// The node that holds the region a delegation names, if any.
    pub region_holder: Option<&'a str>,
    /// Whether the key is already listed for any node (keys are never reused).
    pub key_known: bool,
    /// The national node's own namespace (`100000`), never delegated.
    pub own_region: Region,
    /// Whether the region a delegation or handover names is hosted by the national node now.
    pub hosted: bool,
}

/// What a trust-list entry concerns: the node, and the region and key it names, if any; `None`
/// for any other entry. What a caller must look up to build the [`View`].
pub fn concerns(body: &Body) -> Option<(&str, Option<&str>, Option<&str>)> {
    match body {
        Body::Delegated {
            node_id,
            region,
            key,
        }
        | Body::HandedOver {
            node_id,
            region,
            key,
            ..
        } => Some((node_id, Some(region), Some(key))),
        Body::KeyRotated { node_id, key } => Some((node_id, None, Some(key))),
        Body::KeyRevoked { node_id, .. } => Some((node_id, None, None)),
        _ => None,
    }
}

/// Applies one trust-list entry at national log index `index`. Returns the node's new record.
pub fn apply(view: View, body: &Body, index: u64) -> Result<TrustedNode, Refused> {
    let fresh_key = |key: &str| -> Result<String, Refused> {
        let k = parse_key(key).map_err(|m| refuse("BAD_KEY", m))?;
        if view.key_known {
            return Err(refuse(
                "KEY_REUSED",
                format!("key {key} is already in the trust list; keys are never reused"),
            ));
        }
        Ok(hex::encode(k.to_bytes()))
    };
    match body {
        Body::Delegated {
            node_id,
            region,
            key,
        }
        | Body::HandedOver {
            node_id,
            region,
            key,
            ..
        } => {
            let handover = matches!(body, Body::HandedOver { .. });
            if view.hosted && !handover {
                return Err(refuse(
                    "REGION_HOSTED",
                    format!("the national node hosts {region}; hand it over to the node instead"),
                ));
            }
            if handover && !view.hosted {
                return Err(refuse(
                    "REGION_NOT_HOSTED",
                    format!("the national node does not host {region}; delegate it instead"),
                ));
            }
            check_node_id(node_id).map_err(|m| refuse("BAD_NODE_ID", m))?;
            let r = Region::parse(region).map_err(|e| refuse("BAD_REGION", e.to_string()))?;
            if !r.is_namespace() || r == view.own_region || r == Region::CENTRAL {
                return Err(refuse(
                    "BAD_REGION",
                    format!("{region} is not a province namespace (XX0000)"),
                ));
            }
            if view.node.is_some() {
                return Err(refuse(
                    "NODE_EXISTS",
                    format!("node {node_id} is already in the trust list; rotate its key instead"),
                ));
            }
            if let Some(holder) = view.region_holder {
                return Err(refuse(
                    "REGION_DELEGATED",
                    format!("{region} is already delegated to {holder}"),
                ));
            }
            Ok(TrustedNode {
                node_id: node_id.clone(),
                region: r.to_string(),
                keys: vec![NodeKey {
                    key: fresh_key(key)?,
                    status: KeyStatus::Active,
                    since: index,
                }],
            })
        }
        Body::KeyRotated { node_id, key } => {
            let mut node = listed(view.node, node_id)?.clone();
            let key = fresh_key(key)?;
            if let Some(last) = node.keys.last_mut() {
                if last.status == KeyStatus::Active {
                    last.status = KeyStatus::Retired;
                }
            }
            node.keys.push(NodeKey {
                key,
                status: KeyStatus::Active,
                since: index,
            });
            Ok(node)
        }
        Body::KeyRevoked { node_id, reason } => {
            let mut node = listed(view.node, node_id)?.clone();
            if reason.trim().is_empty() {
                return Err(refuse(
                    "REASON_REQUIRED",
                    "a revocation states its reason".into(),
                ));
            }
            match node.keys.last_mut() {
                Some(k) if k.status == KeyStatus::Active => k.status = KeyStatus::Revoked,
                _ => {
                    return Err(refuse(
                        "KEY_ALREADY_REVOKED",
                        format!("node {node_id} has no active key to revoke"),
                    ))
                }
            }
            Ok(node)
        }
        _ => Err(refuse("NOT_TRUST", "not a trust-list entry".into())),
    }
}

fn listed<'a>(node: Option<&'a TrustedNode>, id: &str) -> Result<&'a TrustedNode, Refused> {
    node.ok_or_else(|| {
        refuse(
            "NODE_NOT_FOUND",
            format!("node {id} is not in the trust list"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    fn key(seed: u8) -> String {
        hex::encode(
            SigningKey::from_bytes(&[seed; 32])
                .verifying_key()
                .to_bytes(),
        )
    }

    fn view<'a>(node: Option<&'a TrustedNode>, holder: Option<&'a str>) -> View<'a> {
        View {
            node,
            region_holder: holder,
            key_known: false,
            own_region: Region::parse("100000").unwrap(),
            hosted: false,
        }
    }

    fn delegated() -> TrustedNode {
        let body = Body::Delegated {
            node_id: "bj".into(),
            region: "110000".into(),
            key: key(1),
        };
        apply(view(None, None), &body, 3).unwrap()
    }

    #[test]
    fn rotation_retires_the_old_key_and_keeps_it_for_history() {
        let node = delegated();
        assert_eq!(node.origin(), "sjdj/110000/bj");
        let old = node.active_key().unwrap();
        let body = Body::KeyRotated {
            node_id: "bj".into(),
            key: key(2),
        };
        let node = apply(view(Some(&node), None), &body, 9).unwrap();
        assert_eq!(node.keys[0].status, KeyStatus::Retired);
        assert_eq!(node.keys[1].since, 9);
        assert_ne!(node.active_key().unwrap(), old);
        assert!(node.key_by_id(&key_id(&old)).is_some());
        let revoke = Body::KeyRevoked {
            node_id: "bj".into(),
            reason: "leaked".into(),
        };
        let node = apply(view(Some(&node), None), &revoke, 10).unwrap();
        assert_eq!(node.active_key(), None);
        let again = apply(view(Some(&node), None), &revoke, 11).unwrap_err();
        assert_eq!(again.reason(), "KEY_ALREADY_REVOKED");
    }

    #[test]
    fn refusals_name_what_is_wrong() {
        let node = delegated();
        let d = |region: &str, k: String| Body::Delegated {
            node_id: "sh".into(),
            region: region.into(),
            key: k,
        };
        let cases = [
            (
                apply(view(None, None), &d("110100", key(5)), 1),
                "BAD_REGION",
            ),
            (
                apply(view(None, None), &d("100000", key(5)), 1),
                "BAD_REGION",
            ),
            (
                apply(view(None, Some("bj")), &d("110000", key(5)), 1),
                "REGION_DELEGATED",
            ),
            (
                apply(view(Some(&node), None), &d("310000", key(5)), 1),
                "NODE_EXISTS",
            ),
            (
                apply(view(None, None), &d("310000", "00".into()), 1),
                "BAD_KEY",
            ),
            (
                apply(
                    View {
                        key_known: true,
                        ..view(None, None)
                    },
                    &d("310000", key(1)),
                    1,
                ),
                "KEY_REUSED",
            ),
            (
                apply(
                    view(None, None),
                    &Body::KeyRotated {
                        node_id: "gd".into(),
                        key: key(6),
                    },
                    1,
                ),
                "NODE_NOT_FOUND",
            ),
        ];
        for (got, reason) in cases {
            assert_eq!(got.unwrap_err().reason(), reason);
        }
    }

    #[test]
    fn a_hosted_region_moves_only_by_handover() {
        let hosted = |h| View {
            hosted: h,
            ..view(None, None)
        };
        let d = Body::Delegated {
            node_id: "gz".into(),
            region: "520000".into(),
            key: key(8),
        };
        assert_eq!(
            apply(hosted(true), &d, 1).unwrap_err().reason(),
            "REGION_HOSTED"
        );
        let h = Body::HandedOver {
            region: "520000".into(),
            node_id: "gz".into(),
            key: key(8),
            serials: [(2026, 7)].into(),
            codes: vec![],
        };
        assert_eq!(
            apply(hosted(false), &h, 1).unwrap_err().reason(),
            "REGION_NOT_HOSTED"
        );
        let node = apply(hosted(true), &h, 1).unwrap();
        assert_eq!((node.region.as_str(), node.keys.len()), ("520000", 1));
    }
}
