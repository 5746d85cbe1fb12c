//! `sjdj app import FILE`: bulk registration from a catalogue file (CSV or `.xlsx` with the
//! columns of `domain::catalogue`, or JSON lines of materials), as the portal's import does it. Every row is checked first and its
//! problems printed; then the valid rows become drafts (CreateApplication), each under its
//! row's request id, so importing a file again makes no second draft of a row. A progress bar
//! on the terminal follows the creation.
use super::client::Client;
use super::output::rpc_error;
use crate::domain::catalogue::read;
use crate::grpc::{pb, CarriedAnswer};
use anyhow::Context;
use std::path::Path;

/// What an import did: rows read, drafts made (or found made before), rows not made.
pub struct Imported {
    pub rows: usize,
    pub made: usize,
    pub failed: usize,
}

pub async fn run(
    c: &Client,
    path: &Path,
    subject: &str,
    dry_run: bool,
) -> anyhow::Result<Imported> {
    let bytes = std::fs::read(path).with_context(|| format!("read {}", path.display()))?;
    // The node holds each creation to its quotas; the file itself is not limited here.
    let rows = read(&bytes, subject, usize::MAX, crate::grpc::json::materials)
        .map_err(|e| anyhow::anyhow!("{}: {} ({e})", path.display(), e.reason()))?;
    let mut failed = 0;
    for r in rows.iter().filter(|r| !r.problems.is_empty()) {
        failed += 1;
        for p in &r.problems {
            eprintln!("line {}: {}: {} ({})", r.line, p.field, p.message, p.reason);
        }
    }
    let valid: Vec<_> = rows.iter().filter(|r| r.problems.is_empty()).collect();
    eprintln!(
        "{}: {} rows, {} valid, {} with problems",
        path.display(),
        rows.len(),
        valid.len(),
        failed
    );
    if dry_run {
        return Ok(Imported {
            rows: rows.len(),
            made: 0,
            failed,
        });
    }
    let bar = indicatif::ProgressBar::new(valid.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} drafts {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut reg = c.registration();
    let mut made = 0;
    for r in valid {
        let req = pb::CreateApplicationRequest {
            request_id: r.request_id(),
            registration_type: pb::RegistrationType::Initial as i32,
            materials: Some(pb::Materials::from(&r.materials)),
            target_code: String::new(),
        };
        match reg.create_application(c.req(req)?).await.carried() {
            Ok(app) => {
                made += 1;
                bar.set_message(app.id.clone());
                bar.suspend(|| println!("line {}: {}", r.line, app.id));
            }
            Err(e) => {
                failed += 1;
                let e = rpc_error(e);
                bar.suspend(|| eprintln!("line {}: {e:#}", r.line));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(Imported {
        rows: rows.len(),
        made,
        failed,
    })
}
