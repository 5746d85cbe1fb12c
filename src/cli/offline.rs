//! Commands that need no node: code checks, key generation, offline certificate verification;
//! plus `cert get`, which fetches a certificate to verify later.
use super::client::Client;
use super::output::{self, rpc_error, show};
use super::Global;
use crate::domain::certificate::SignedCertificate;
use crate::domain::codes::{CreditCode, UnifiedCode};
use crate::grpc::pb;
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
    /// Verify a certificate file offline against the issuing node's public key.
    Verify {
        file: PathBuf,
        /// The issuer's public key: 64 hex digits, or a file holding them (node.key.pub).
        #[arg(long)]
        key: String,
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
            if let Some(out) = out {
                std::fs::write(&out, &cert.armored)
                    .with_context(|| format!("write {}", out.display()))?;
                eprintln!("saved {}", out.display());
            }
            show(g.json, "sjdj.v1.Certificate", &cert, output::certificate);
            Ok(())
        }
        CertCmd::Verify { file, key } => {
            let signed = read_cert(&file)?;
            let key = keyfile::parse_public(&key).map_err(anyhow::Error::msg)?;
            match signed.verify(&key) {
                Ok(_) => {
                    print!("VALID signature\n{}", describe(&signed));
                    Ok(())
                }
                Err(e) => bail!("INVALID: {} ({e})", e.reason()),
            }
        }
        CertCmd::Show { file } => {
            print!("(not verified)\n{}", describe(&read_cert(&file)?));
            Ok(())
        }
    }
}
