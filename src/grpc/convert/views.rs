//! Domain values to wire messages, for responses.
use super::super::pb;
use super::enums::*;
use super::materials::timestamp;
use crate::domain::certificate::Certificate;
use crate::domain::flow::{self, Application, Decision, Objection};
use crate::domain::record::Record;
use crate::engine::tokens::TokenRecord;
use crate::engine::{CertificateView, Logged};
use time::Date;

fn date(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn decision(d: &Decision) -> pb::Decision {
    pb::Decision {
        step: step_pb(&d.step),
        reason: d.reason.clone(),
        actor: d.actor.clone(),
        at: timestamp(d.at),
        log_index: d.log_index,
        log_origin: String::new(),
    }
}

pub fn objection(o: &Objection) -> pb::Objection {
    pb::Objection {
        id: o.id.clone(),
        objector_name: o.objector_name.clone(),
        reason: o.reason.clone(),
        state: objection_state_pb(o.state),
        resolution_reason: o.resolution_reason.clone(),
        filed_at: timestamp(o.filed_at),
        objector_contact: o.objector_contact.clone(),
    }
}

impl From<&Application> for pb::Application {
    fn from(a: &Application) -> Self {
        // Drafts show the text they would publish, so the registrant can acknowledge it.
        let text = a
            .publicity_text
            .clone()
            .unwrap_or_else(|| flow::publicity_text(a.registration_type, &a.materials));
        pb::Application {
            id: a.id.clone(),
            registration_type: registration_type_pb(a.registration_type),
            state: state_pb(a.state),
            materials: Some((&a.materials).into()),
            subject_credit_code: a.subject.clone(),
            publicity_text_sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
                text.as_bytes(),
            )),
            publicity_text: text,
            created_at: timestamp(a.created_at),
            due_date: date(a.current_due()),
            publicity_start: date(a.publicity.map(|p| p.start)),
            publicity_end: date(a.publicity.map(|p| p.end)),
            supplement_items: a.supplement_items.clone(),
            decisions: a.decisions.iter().map(decision).collect(),
            objections: a.objections.iter().map(objection).collect(),
            code: a.code.clone().unwrap_or_default(),
            revision: a.revision,
            target_code: a.target_code.clone().unwrap_or_default(),
        }
    }
}

/// The notice as published: only the four public facts, never contacts.
pub fn notice(a: &Application) -> pb::PublicityNotice {
    let m = &a.materials;
    pb::PublicityNotice {
        application_id: a.id.clone(),
        subject_name: m.subject.name.clone(),
        registration_type: registration_type_pb(a.registration_type),
        data_name: m.resource.name.clone(),
        summary: m.resource.summary.clone(),
        publicity_start: date(a.publicity.map(|p| p.start)),
        publicity_end: date(a.publicity.map(|p| p.end)),
        text: a.publicity_text.clone().unwrap_or_default(),
    }
}

/// A public record. History shows steps and reasons; actors are staff token ids, not names.
pub fn record(r: &Record, history: &[Logged]) -> pb::Record {
    pb::Record {
        code: r.code.clone(),
        current_version: r.current_version,
        status: record_status_pb(r.status),
        subject_name: r.subject_name.clone(),
        subject_credit_code: r.subject_credit_code.clone(),
        data_type: data_type_pb(r.data_type),
        region: r.region.clone(),
        industry: r.industry.clone(),
        data_name: r.data_name.clone(),
        summary: r.summary.clone(),
        access_mode: r.access_mode.map_or(0, access_mode_pb),
        valid_from: r.valid_from.to_string(),
        valid_until: r.valid_until.to_string(),
        versions: r
            .versions
            .iter()
            .map(|v| pb::RecordVersion {
                version: v.version,
                registration_type: registration_type_pb(v.registration_type),
                application_id: v.application_id.clone(),
                query_code: v.query_code.clone(),
                assigned_on: v.assigned_on.to_string(),
                valid_from: v.valid_from.to_string(),
                valid_until: v.valid_until.to_string(),
            })
            .collect(),
        history: history
            .iter()
            .filter(|d| d.decision.step != "EDITED")
            .map(|d| pb::Decision {
                log_origin: d.log_origin.clone(),
                ..decision(&d.decision)
            })
            .collect(),
        issuer_node: r.issuer_node.clone(),
        ended_on: r
            .ended
            .as_ref()
            .map(|e| e.on.to_string())
            .unwrap_or_default(),
        ended_by_application: r
            .ended
            .as_ref()
            .map(|e| e.application_id.clone())
            .unwrap_or_default(),
        end_reason: r
            .ended
            .as_ref()
            .map(|e| e.reason.clone())
            .unwrap_or_default(),
    }
}

pub fn certificate(v: &CertificateView) -> pb::Certificate {
    let c: &Certificate = &v.certificate;
    pb::Certificate {
        signed: v.signed.as_bytes().to_vec(),
        armored: v.signed.to_armored(),
        query_code: v.query_code.clone(),
        code: c.code.to_string(),
        version: c.version,
        registration_type: registration_type_pb(c.registration_type),
        data_type: data_type_pb(c.data_type),
        subject_name: c.subject_name.clone(),
        subject_credit_code: c.subject_credit_code.as_str().to_string(),
        data_name: c.data_name.clone(),
        summary: c.summary.clone(),
        issuer_node: c.issuer_node.clone(),
        issuer_key_id: hex::encode(c.issuer_key_id),
        assigned_on: c.assigned_on.to_string(),
        valid_from: c.valid_from.to_string(),
        valid_until: c.valid_until.to_string(),
        issued_at: timestamp(c.issued_at),
        log_index: c.log_index,
        nationally_confirmed: v.confirmation.is_some(),
        national_receipt: v
            .confirmation
            .as_ref()
            .map(|c| c.receipt.clone())
            .unwrap_or_default(),
        confirmation_entry: v
            .confirmation
            .as_ref()
            .map(|c| c.entry.clone())
            .unwrap_or_default(),
        confirmation_proof: v
            .confirmation
            .as_ref()
            .map(|c| c.proof.iter().map(|h| h.to_vec()).collect())
            .unwrap_or_default(),
        issuer_public_key: v
            .issuer_key
            .map(|k| k.to_bytes().to_vec())
            .unwrap_or_default(),
    }
}

pub fn token(t: &TokenRecord) -> pb::TokenInfo {
    pb::TokenInfo {
        token_id: t.token_id.clone(),
        role: role_pb(t.role),
        holder: t.holder.clone(),
        subject_credit_code: t.subject.clone().unwrap_or_default(),
        created_at: timestamp(t.created_at),
        revoked: t.revoked,
        expires_at: timestamp(t.expires_at),
    }
}
