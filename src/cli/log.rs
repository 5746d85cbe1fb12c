//! `sjdj log`: a node's transparency log — its checkpoint, its entries, and a monitor that
//! follows its checkpoints and checks each is consistent with the last.
use super::client::Client;
use super::output::rpc_error;
use super::Global;
use crate::grpc::pb;
use crate::log::checkpoint::{self, SignedCheckpoint};
use crate::log::entry::Record;
use crate::log::monitor;
use crate::node::keyfile;
use anyhow::{bail, Context};
use clap::Subcommand;
use ed25519_dalek::VerifyingKey;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Subcommand)]
pub enum LogCmd {
    /// Fetch the latest checkpoint; with --key, verify its signature.
    Checkpoint {
        /// The node's public key (64 hex digits, or a file holding them).
        #[arg(long)]
        key: Option<String>,
        /// Save the signed note to this file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print entries START..END (END exclusive), one JSON record per line.
    Entries { start: u64, end: u64 },
    /// Auditors: the openings of entry INDEX's commitments, each checked against the entry.
    Open { index: u64 },
    /// Follow a node's checkpoints; check each against the last (growth, time, consistency).
    /// Exits non-zero at the first violation.
    Monitor {
        /// The node to follow (default: --addr).
        addr: Option<String>,
        /// The node's public key. Without it the key the node reports first is pinned (TOFU).
        #[arg(long)]
        key: Option<String>,
        /// Poll interval in milliseconds.
        #[arg(long, default_value_t = 1000)]
        interval_ms: u64,
        /// Stop after this many checkpoints with new entries (default: run until stopped).
        #[arg(long)]
        count: Option<u64>,
        /// Keep the last verified checkpoint here, so a restarted monitor resumes from it.
        #[arg(long)]
        state: Option<PathBuf>,
    },
}

pub async fn run(cmd: LogCmd, g: &Global) -> anyhow::Result<()> {
    match cmd {
        LogCmd::Checkpoint { key, out } => {
            let c = Client::connect(g).await?;
            let cp = get_checkpoint(&c).await?;
            let verified = match &key {
                Some(k) => Some(verify(&cp, &parse_key(k)?)?),
                None => None,
            };
            if let Some(out) = out {
                std::fs::write(&out, &cp.note)
                    .with_context(|| format!("write {}", out.display()))?;
                eprintln!("saved {}", out.display());
            }
            if g.json {
                println!(
                    "{}",
                    crate::grpc::json::to_json("sjdj.v1.GetCheckpointResponse", &cp)
                );
            } else {
                println!(
                    "{}checkpoint of {}\n  size  {}\n  root  {}\n  time  {}\n  key   {}",
                    if verified.is_some() {
                        "VALID "
                    } else {
                        "(not verified) "
                    },
                    cp.origin,
                    cp.size,
                    hex::encode(&cp.root_hash),
                    cp.time,
                    cp.verifier_key
                );
            }
            Ok(())
        }
        LogCmd::Entries { start, end } => {
            let c = Client::connect(g).await?;
            // The node answers a long range in parts (bounded by bytes): ask on from each end.
            let mut next = start;
            while next < end {
                let list = c
                    .transparency()
                    .list_entries(c.req(pb::ListEntriesRequest { start: next, end })?)
                    .await
                    .map_err(rpc_error)?
                    .into_inner();
                if list.entries.is_empty() {
                    anyhow::bail!("the node returned no entry from {next}");
                }
                next += list.entries.len() as u64;
                for e in list.entries {
                    let record = Record::decode(&e.data)
                        .map_err(|err| anyhow::anyhow!("entry {}: {err}", e.index))?;
                    println!("{}", serde_json::to_string(&record)?);
                }
            }
            Ok(())
        }
        LogCmd::Open { index } => {
            let c = Client::connect(g).await?;
            let entry = c.log_entry(index).await?;
            let opened = c
                .admin()
                .get_log_openings(c.req(pb::GetLogOpeningsRequest { index })?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            let text = String::from_utf8_lossy(&entry.data).into_owned();
            for o in opened.openings {
                let opening = crate::log::commitment::Opening {
                    field: o.field,
                    salt: o.salt,
                    value: o.value,
                };
                let ok = text.contains(&format!("\"{}_commitment\":\"", opening.field))
                    && commitments_of(&text).any(|c| opening.opens(c));
                println!(
                    "{}  {}  {}",
                    opening.field,
                    if ok { "OPENS" } else { "DOES NOT OPEN" },
                    opening.value
                );
            }
            Ok(())
        }
        LogCmd::Monitor {
            addr,
            key,
            interval_ms,
            count,
            state,
        } => {
            let mut g = g.clone();
            if let Some(a) = addr {
                g.addr = a;
            }
            monitor_loop(
                &g,
                key,
                Duration::from_millis(interval_ms.max(10)),
                count,
                state,
            )
            .await
        }
    }
}

fn parse_key(k: &str) -> anyhow::Result<VerifyingKey> {
    keyfile::parse_public(k).map_err(anyhow::Error::msg)
}

async fn get_checkpoint(c: &Client) -> anyhow::Result<pb::GetCheckpointResponse> {
    Ok(c.transparency()
        .get_checkpoint(c.req(pb::GetCheckpointRequest {})?)
        .await
        .map_err(rpc_error)?
        .into_inner())
}

/// Verifies the signed note itself; the parsed fields of the response are not trusted.
fn verify(cp: &pb::GetCheckpointResponse, key: &VerifyingKey) -> anyhow::Result<SignedCheckpoint> {
    checkpoint::verify(&cp.note, key, None).map_err(|e| anyhow::anyhow!("checkpoint: {e}"))
}

async fn monitor_loop(
    g: &Global,
    key: Option<String>,
    every: Duration,
    count: Option<u64>,
    state: Option<PathBuf>,
) -> anyhow::Result<()> {
    let c = Client::connect(g).await?;
    let key = match key {
        Some(k) => parse_key(&k)?,
        None => {
            let info = c
                .registry()
                .get_node_info(c.req(pb::GetNodeInfoRequest {})?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            eprintln!(
                "warning: no --key; pinning the key the node reports ({}), trust on first use",
                hex::encode(&info.public_key)
            );
            parse_key(&hex::encode(&info.public_key))?
        }
    };
    let mut last: Option<SignedCheckpoint> = match &state {
        Some(p) if p.exists() => {
            let note = std::fs::read(p).with_context(|| format!("read {}", p.display()))?;
            Some(checkpoint::verify(&note, &key, None).map_err(|e| {
                anyhow::anyhow!("{}: the saved checkpoint does not verify: {e}", p.display())
            })?)
        }
        _ => None,
    };
    let mut seen = 0;
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let cp = match get_checkpoint(&c).await {
            Ok(cp) => cp,
            Err(e) if e.to_string().contains("NO_CHECKPOINT") => continue,
            Err(e) => return Err(e),
        };
        let next = verify(&cp, &key)?;
        let proof = match &last {
            Some(l) if next.size > l.size => {
                c.transparency()
                    .get_consistency_proof(c.req(pb::GetConsistencyProofRequest {
                        first: l.size,
                        second: next.size,
                    })?)
                    .await
                    .map_err(rpc_error)?
                    .into_inner()
                    .hashes
            }
            _ => Vec::new(),
        };
        let proof: Vec<[u8; 32]> = proof
            .iter()
            .map(|h| h.as_slice().try_into())
            .collect::<Result<_, _>>()
            .context("a proof hash is not 32 bytes")?;
        if let Some(l) = &last {
            if let Err(v) = monitor::check(l, &next, &proof) {
                println!("VIOLATION {}: {v}", next.origin);
                bail!("log {} violated its promises: {v}", next.origin);
            }
        }
        let grew = last.as_ref().is_none_or(|l| next.size > l.size);
        if grew {
            println!(
                "ok {} size {} root {} time {}{}",
                next.origin,
                next.size,
                hex::encode(next.root),
                next.time,
                match &last {
                    Some(l) => format!(" (consistent with {})", l.size),
                    None => String::new(),
                }
            );
            if let Some(p) = &state {
                std::fs::write(p, &next.note).with_context(|| format!("write {}", p.display()))?;
            }
            last = Some(next);
            seen += 1;
            if count.is_some_and(|n| seen >= n) {
                return Ok(());
            }
        }
    }
}

/// The commitments an entry's JSON carries (values of its `…_commitment` fields).
fn commitments_of(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices("_commitment\":\"").filter_map(|(i, m)| {
        let start = i + m.len();
        text.get(start..start + 64)
    })
}
