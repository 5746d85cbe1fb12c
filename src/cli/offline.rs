//! Commands that need no node: code checks, key generation, offline certificate verification;
//! plus `cert get`, which fetches a certificate to verify later.
use super::client::Client;
use super::output::{self, rpc_error, show};
use super::Global;
use crate::domain::certificate::SignedCertificate;
use crate::domain::codes::{CreditCode, UnifiedCode};
use crate::grpc::{pb, Carries};
use crate::log::bundle::CertificateProof;
use crate::node::keyfile;
use anyhow::{bail, Context};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum CodeCmd {
    /// Check a unified registration code: exit 0 if valid, non-zero with the reason otherwise.
    Check { code: String },
    /// Check a unified social credit code (统一社会信用代码).
    CheckCredit { code: String },
}

#[derive(Subcommand)]
pub enum KeyCmd {
    /// Generate a node key file (mode 0600) and FILE.pub beside it.
    Generate {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum CertCmd {
    /// Fetch a certificate by code or query code; with --out, save it (armored) for offline use.
    Get {
        code: Option<String>,
        #[arg(long, conflicts_with = "code")]
        query_code: Option<String>,
        /// Version (default: current).
        #[arg(long, default_value_t = 0)]
        version: u32,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Verify a certificate file offline against the issuing node's public key; with --proof,
    /// also that it is in the node's transparency log.
    Verify {
        file: PathBuf,
        /// The issuer's public key: 64 hex digits, or a file holding them (node.key.pub).
        #[arg(long)]
        key: String,
        /// A proof file from `sjdj cert proof` (its certificate must be FILE's).
        #[arg(long)]
        proof: Option<PathBuf>,
    },
    /// Fetch a certificate's proof of inclusion in the log (certificate, its entry, the audit
    /// path and the signed checkpoint) and save it for offline verification.
    Proof {
        code: String,
        /// Version (default: current).
        #[arg(long, default_value_t = 0)]
        version: u32,
        #[arg(long)]
        out: PathBuf,
    },
    /// Print a certificate file's fields without verifying it.
    Show { file: PathBuf },
}

pub fn code(cmd: CodeCmd, g: &Global) -> anyhow::Result<()> {
    match cmd {
        CodeCmd::Check { code } => match UnifiedCode::parse(&code) {
            Ok(c) => {
                if g.json {
                    println!(
                        "{}",
                        serde_json::json!({"valid": true, "code": c.to_string(), "data_type": c.data_type.digit(), "region": c.region.to_string(), "year": c.year, "serial": c.serial})
                    );
                } else {
                    println!(
                        "{c}: valid (data type {}, region {}, year {}, serial {})",
                        c.data_type.digit(),
                        c.region,
                        c.year,
                        c.serial
                    );
                }
                Ok(())
            }
            Err(e) => bail!("{code}: invalid: {} ({e})", e.reason()),
        },
        CodeCmd::CheckCredit { code } => match CreditCode::parse(&code) {
            Ok(c) => {
                println!("{}: valid", c.as_str());
                Ok(())
            }
            Err(e) => bail!("{code}: invalid: {} ({e})", e.reason()),
        },
    }
}

pub fn key(cmd: KeyCmd) -> anyhow::Result<()> {
    match cmd {
        KeyCmd::Generate { out } => {
            let key = keyfile::generate(&out)?;
            println!(
                "wrote {} (mode 0600) and {}.pub",
                out.display(),
                out.display()
            );
            println!("public key {}", hex::encode(key.verifying_key().to_bytes()));
            Ok(())
        }
    }
}

/// Reads a certificate file: armored text, or the raw signed bytes.
fn read_cert(path: &PathBuf) -> anyhow::Result<SignedCertificate> {
    let bytes = std::fs::read(path).with_context(|| format!("read {}", path.display()))?;
    let parsed = match std::str::from_utf8(&bytes) {
        Ok(text) if text.contains("-----BEGIN SJDJ CERTIFICATE-----") => {
            SignedCertificate::from_armored(text)
        }
        _ => SignedCertificate::from_bytes(bytes),
    };
    parsed.map_err(|e| {
        anyhow::anyhow!(
            "{}: not a certificate: {} ({e})",
            path.display(),
            e.reason()
        )
    })
}

fn describe(s: &SignedCertificate) -> String {
    let c = s.certificate();
    format!(
        "certificate {} v{}\n  query code  {}\n  subject     {} ({})\n  data        {}\n  valid       {} .. {}\n  issuer      {} (key {})\n  log index   {}\n",
        c.code,
        c.version,
        s.query_code(),
        c.subject_name,
        c.subject_credit_code.as_str(),
        c.data_name,
        c.valid_from,
        c.valid_until,
        c.issuer_node,
        hex::encode(c.issuer_key_id),
        c.log_index
    )
}

pub async fn cert(cmd: CertCmd, g: &Global) -> anyhow::Result<()> {
    match cmd {
        CertCmd::Get {
            code,
            query_code,
            version,
            out,
        } => {
            let key = match (code, query_code) {
                (Some(c), _) => pb::get_certificate_request::Key::Code(c),
                (None, Some(q)) => pb::get_certificate_request::Key::QueryCode(q),
                (None, None) => bail!("give a CODE or --query-code"),
            };
            let c = Client::connect(g).await?;
            let cert = c
                .registry()
                .get_certificate(c.req(pb::GetCertificateRequest {
                    key: Some(key),
                    version,
                })?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            let cert = cert.carried().map_err(rpc_error)?;
            if let Some(out) = out {
                std::fs::write(&out, &cert.armored)
                    .with_context(|| format!("write {}", out.display()))?;
                eprintln!("saved {}", out.display());
            }
            show(g.json, "sjdj.v1.Certificate", &cert, output::certificate);
            Ok(())
        }
        CertCmd::Verify { file, key, proof } => {
            let signed = read_cert(&file)?;
            let key = keyfile::parse_public(&key).map_err(anyhow::Error::msg)?;
            if let Err(e) = signed.verify(&key) {
                bail!("INVALID: {} ({e})", e.reason());
            }
            let Some(proof) = proof else {
                print!("VALID signature\n{}", describe(&signed));
                return Ok(());
            };
            let text = std::fs::read_to_string(&proof)
                .with_context(|| format!("read {}", proof.display()))?;
            let bundle: CertificateProof = serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{}: not a proof file: {e}", proof.display()))?;
            let included = match bundle.verify(&key) {
                Ok(i) => i,
                Err(e) => bail!("NOT PROVEN: {} ({e})", e.reason()),
            };
            if included.certificate.as_bytes() != signed.as_bytes() {
                bail!("NOT PROVEN: ENTRY_MISMATCH (the proof is for another certificate)");
            }
            let c = &included.checkpoint;
            print!(
                "VALID signature\nINCLUDED in log {} as entry {} of {} (checkpoint time {}, root {})\n{}",
                c.origin,
                included.index,
                c.size,
                c.time,
                hex::encode(c.root),
                describe(&signed)
            );
            Ok(())
        }
        CertCmd::Proof { code, version, out } => {
            let c = Client::connect(g).await?;
            let cert = c
                .registry()
                .get_certificate(c.req(pb::GetCertificateRequest {
                    key: Some(pb::get_certificate_request::Key::Code(code)),
                    version,
                })?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            let cert = cert.carried().map_err(rpc_error)?;
            let signed = SignedCertificate::from_armored(&cert.armored)
                .map_err(|e| anyhow::anyhow!("the node sent a malformed certificate: {e}"))?;
            let index = signed.certificate().log_index;
            let issuer = signed.certificate().issuer_node.clone();
            let serving = c
                .registry()
                .get_node_info(c.req(pb::GetNodeInfoRequest {})?)
                .await
                .map_err(rpc_error)?
                .into_inner()
                .node_id;
            if issuer != serving {
                // Its entry is in the issuer's log, not this node's: the bundle is the
                // confirmation this node keeps (the issuer's checkpoint it holds, the entry and
                // its inclusion proof), checked with the issuer's key like any other.
                anyhow::ensure!(
                    cert.nationally_confirmed,
                    "{issuer} issued this certificate and {serving} holds no confirmation of \
                     it yet; ask {issuer}'s node, or try again once it is confirmed"
                );
                let hashes: Vec<[u8; 32]> = cert
                    .confirmation_proof
                    .iter()
                    .map(|h| h.as_slice().try_into())
                    .collect::<Result<_, _>>()
                    .context("a proof hash is not 32 bytes")?;
                let size = receipt_size(&cert.national_receipt)?;
                let bundle = CertificateProof::new(
                    cert.armored,
                    &cert.confirmation_entry,
                    index,
                    size,
                    &hashes,
                    &cert.national_receipt,
                );
                std::fs::write(&out, serde_json::to_string_pretty(&bundle)? + "\n")
                    .with_context(|| format!("write {}", out.display()))?;
                println!(
                    "saved {}: entry {index} in {issuer}'s log of {size} entries (as {serving} holds it)",
                    out.display()
                );
                return Ok(());
            }
            let t = c.transparency();
            // A checkpoint covers a new entry within the node's checkpoint interval: wait for it.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            let checkpoint = loop {
                let cp = t
                    .clone()
                    .get_checkpoint(c.req(pb::GetCheckpointRequest {})?)
                    .await;
                match cp {
                    Ok(cp) if cp.get_ref().size > index => break cp.into_inner(),
                    Ok(_) | Err(_) if std::time::Instant::now() < deadline => {
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await
                    }
                    Ok(cp) => bail!(
                        "no checkpoint covers entry {index} yet (the latest has {} entries); try again shortly",
                        cp.get_ref().size
                    ),
                    Err(e) => return Err(rpc_error(e)),
                }
            };
            let path = t
                .clone()
                .get_inclusion_proof(c.req(pb::GetInclusionProofRequest {
                    index,
                    tree_size: checkpoint.size,
                })?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            let entry = c.log_entry(index).await?;
            let hashes: Vec<[u8; 32]> = path
                .hashes
                .iter()
                .map(|h| h.as_slice().try_into())
                .collect::<Result<_, _>>()
                .context("a proof hash is not 32 bytes")?;
            let bundle = CertificateProof::new(
                cert.armored,
                &entry.data,
                index,
                path.tree_size,
                &hashes,
                &checkpoint.note,
            );
            std::fs::write(&out, serde_json::to_string_pretty(&bundle)? + "\n")
                .with_context(|| format!("write {}", out.display()))?;
            println!(
                "saved {}: entry {index} in the log of {} entries ({})",
                out.display(),
                path.tree_size,
                checkpoint.origin
            );
            Ok(())
        }
        CertCmd::Show { file } => {
            print!("(not verified)\n{}", describe(&read_cert(&file)?));
            Ok(())
        }
    }
}

/// The size a checkpoint note states (checked when the bundle is verified).
fn receipt_size(note: &[u8]) -> anyhow::Result<u64> {
    crate::log::checkpoint::note_size(note)
        .ok_or_else(|| anyhow::anyhow!("the node sent a receipt that is not a checkpoint"))
}
