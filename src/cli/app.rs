//! Registrant commands: draft, edit, submit, supplement, withdraw, read, attach.
use super::client::Client;
use super::output::{self, rpc_error, show};
use super::Global;
use crate::grpc::json::from_json;
use crate::grpc::{pb, CarriedAnswer, Carries};
use anyhow::{bail, Context};
use clap::{Subcommand, ValueEnum};
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum AppCmd {
    /// Create a draft from a materials file (proto3 JSON of sjdj.v1.Materials). An initial
    /// registration by default; `--type change|correction|renewal|deregistration --code CODE`
    /// acts on an existing code.
    Create {
        #[arg(long)]
        materials: PathBuf,
        #[arg(long = "type", default_value = "initial", value_parser = ["initial", "change", "correction", "renewal", "deregistration"])]
        registration_type: String,
        /// The unified code a change, correction, renewal or deregistration acts on.
        #[arg(long)]
        code: Option<String>,
        /// Upload a file and attach it: KIND=PATH, KIND one of description, undertaking, agreement, other.
        #[arg(long = "attach", value_name = "KIND=PATH")]
        attach: Vec<String>,
    },
    /// Bulk registration: every row of a catalogue file (CSV or Excel .xlsx with the catalogue's
    /// column names, or JSON lines of materials; README "Bulk registration") is checked, then each valid row becomes a draft; a row
    /// imported again makes no second draft. Exits 1 if any row was not made.
    Import {
        file: PathBuf,
        /// The subject's credit code, for rows that name none (the token's subject).
        #[arg(long, default_value = "")]
        subject: String,
        /// Only check the rows; create nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Replace a draft's materials.
    Update {
        id: String,
        #[arg(long)]
        materials: PathBuf,
        #[arg(long = "attach", value_name = "KIND=PATH")]
        attach: Vec<String>,
    },
    /// Follow the changes of the registrant's applications as they happen, one line each with
    /// its cursor; `--after CURSOR` resumes after the last one seen. Runs until interrupted.
    Watch {
        #[arg(long, default_value = "")]
        after: String,
    },
    /// Submit a draft. Prints the publicity text first; --yes acknowledges exactly that text.
    Submit {
        id: String,
        /// Acknowledge the publicity text shown.
        #[arg(long, conflicts_with = "ack")]
        yes: bool,
        /// Acknowledge a publicity text by its SHA-256 (from `app get --json`).
        #[arg(long)]
        ack: Option<String>,
    },
    /// Answer a return-for-supplement with corrected materials.
    Supplement {
        id: String,
        #[arg(long)]
        materials: PathBuf,
        #[arg(long = "attach", value_name = "KIND=PATH")]
        attach: Vec<String>,
        #[arg(long, default_value = "")]
        note: String,
        /// Acknowledge the publicity text the supplemented materials produce (shown first).
        #[arg(long)]
        yes: bool,
    },
    /// Withdraw an application before publicity.
    Withdraw {
        id: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    Get {
        id: String,
    },
    List {
        /// Only this state (draft, submitted, returned, in-review, in-publicity, registered, ...).
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i32,
    },
    /// Upload one attachment; prints its reference.
    Attach {
        path: PathBuf,
        #[arg(long, value_enum)]
        kind: Kind,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Kind {
    Description,
    Undertaking,
    Agreement,
    Other,
}

impl Kind {
    fn pb(self) -> pb::AttachmentKind {
        match self {
            Kind::Description => pb::AttachmentKind::DescriptionDocument,
            Kind::Undertaking => pb::AttachmentKind::RegistrationUndertaking,
            Kind::Agreement => pb::AttachmentKind::AuthorisationAgreement,
            Kind::Other => pb::AttachmentKind::Other,
        }
    }
}

const APP: &str = "sjdj.v1.Application";

async fn upload(c: &Client, path: &Path, kind: Kind) -> anyhow::Result<pb::AttachmentRef> {
    let content = std::fs::read(path).with_context(|| format!("read {}", path.display()))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let req = pb::UploadAttachmentRequest {
        kind: kind.pb() as i32,
        file_name,
        content,
    };
    let answer = c
        .registration()
        .upload_attachment(c.req(req)?)
        .await
        .map_err(rpc_error)?;
    answer.into_inner().carried().map_err(rpc_error)
}

/// Reads a materials file and uploads/attaches every `--attach KIND=PATH`.
async fn materials(c: &Client, path: &Path, attach: &[String]) -> anyhow::Result<pb::Materials> {
    let text = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
    let mut m: pb::Materials = from_json("sjdj.v1.Materials", &text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    for a in attach {
        let (kind, file) = a
            .split_once('=')
            .with_context(|| format!("--attach {a}: expected KIND=PATH"))?;
        let kind = Kind::from_str(kind, true).map_err(|_| {
            anyhow::anyhow!(
                "--attach {a}: kind is one of description, undertaking, agreement, other"
            )
        })?;
        m.attachments.push(upload(c, Path::new(file), kind).await?);
    }
    Ok(m)
}

fn parse_state(s: &str) -> anyhow::Result<i32> {
    let name = format!(
        "APPLICATION_STATE_{}",
        s.to_ascii_uppercase().replace('-', "_")
    );
    pb::ApplicationState::from_str_name(&name)
        .map(|s| s as i32)
        .with_context(|| format!("unknown state {s}"))
}

pub async fn run(cmd: AppCmd, g: &Global) -> anyhow::Result<()> {
    let c = Client::connect(g).await?;
    let mut reg = c.registration();
    let app = match cmd {
        AppCmd::Create {
            materials: path,
            registration_type,
            code,
            attach,
        } => {
            let name = format!(
                "REGISTRATION_TYPE_{}",
                registration_type.to_ascii_uppercase()
            );
            let registration_type = pb::RegistrationType::from_str_name(&name)
                .with_context(|| format!("unknown registration type {registration_type}"))?;
            let req = pb::CreateApplicationRequest {
                request_id: c.request_id(),
                registration_type: registration_type as i32,
                materials: Some(materials(&c, &path, &attach).await?),
                target_code: code.unwrap_or_default(),
            };
            reg.create_application(c.req(req)?).await.carried()
        }
        AppCmd::Update {
            id,
            materials: path,
            attach,
        } => {
            let req = pb::UpdateApplicationRequest {
                request_id: c.request_id(),
                application_id: id,
                materials: Some(materials(&c, &path, &attach).await?),
            };
            reg.update_application(c.req(req)?).await.carried()
        }
        AppCmd::Watch { after } => {
            let req = pb::WatchApplicationsRequest {
                after_cursor: after,
            };
            let mut stream = reg
                .watch_applications(c.req(req)?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            while let Some(change) = stream.message().await.map_err(rpc_error)? {
                show(g.json, "sjdj.v1.WatchApplicationsResponse", &change, |c| {
                    let state = pb::ApplicationState::try_from(c.state)
                        .map(|s| s.as_str_name().trim_start_matches("APPLICATION_STATE_"))
                        .unwrap_or("?");
                    format!(
                        "{}  {}  {:<24} {}\n",
                        c.cursor,
                        c.application_id,
                        output::step(c.step),
                        state
                    )
                });
            }
            return Ok(());
        }
        AppCmd::Submit { id, yes, ack } => {
            let sha = match ack {
                Some(sha) => sha,
                None => {
                    let current = reg
                        .get_application(c.req(pb::GetApplicationRequest {
                            application_id: id.clone(),
                        })?)
                        .await
                        .map_err(rpc_error)?
                        .into_inner();
                    let current = current.carried().map_err(rpc_error)?;
                    eprintln!(
                        "Publicity text (公示内容) to be published:\n\n{}",
                        current.publicity_text
                    );
                    if !yes {
                        bail!("not submitted: run again with --yes to acknowledge this text (or --ack {})", current.publicity_text_sha256);
                    }
                    current.publicity_text_sha256
                }
            };
            reg.submit_application(c.req(pb::SubmitApplicationRequest {
                request_id: c.request_id(),
                application_id: id,
                publicity_text_sha256: sha,
            })?)
            .await
            .carried()
        }
        AppCmd::Supplement {
            id,
            materials: path,
            attach,
            note,
            yes,
        } => {
            let m = materials(&c, &path, &attach).await?;
            let domain: crate::domain::materials::Materials =
                m.clone().try_into().map_err(rpc_error)?;
            let text = crate::domain::flow::publicity_text(
                crate::domain::types::RegistrationType::Initial,
                &domain,
            );
            eprintln!("Publicity text (公示内容) of the supplemented materials:\n\n{text}");
            if !yes {
                bail!("not supplemented: run again with --yes to acknowledge this text");
            }
            let req = pb::SupplementApplicationRequest {
                request_id: c.request_id(),
                application_id: id,
                materials: Some(m),
                note,
                publicity_text_sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
                    text.as_bytes(),
                )),
            };
            reg.supplement_application(c.req(req)?).await.carried()
        }
        AppCmd::Withdraw { id, reason } => reg
            .withdraw_application(c.req(pb::WithdrawApplicationRequest {
                request_id: c.request_id(),
                application_id: id,
                reason,
            })?)
            .await
            .carried(),
        AppCmd::Get { id } => reg
            .get_application(c.req(pb::GetApplicationRequest { application_id: id })?)
            .await
            .carried(),
        AppCmd::List { state, limit } => {
            let state = state.as_deref().map(parse_state).transpose()?.unwrap_or(0);
            let list = reg
                .list_applications(c.req(pb::ListApplicationsRequest {
                    state,
                    page_size: limit,
                    page_token: String::new(),
                })?)
                .await
                .map_err(rpc_error)?
                .into_inner();
            show(g.json, "sjdj.v1.ListApplicationsResponse", &list, |l| {
                l.applications.iter().map(output::application).collect()
            });
            return Ok(());
        }
        AppCmd::Import {
            file,
            subject,
            dry_run,
        } => {
            let done = super::import::run(&c, &file, &subject, dry_run).await?;
            eprintln!(
                "{} rows: {} drafts made or found made before, {} not made",
                done.rows, done.made, done.failed
            );
            if done.failed > 0 {
                std::process::exit(1);
            }
            return Ok(());
        }
        AppCmd::Attach { path, kind } => {
            let r = upload(&c, &path, kind).await?;
            show(g.json, "sjdj.v1.AttachmentRef", &r, |r| {
                format!("{}  {}  {} bytes\n", r.sha256, r.file_name, r.size)
            });
            return Ok(());
        }
    };
    let app = app.map_err(rpc_error)?;
    show(g.json, APP, &app, output::application);
    Ok(())
}
