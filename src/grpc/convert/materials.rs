//! Wire materials to domain materials and back. Structure only: the rules live in
//! `domain::materials`, so a gRPC client and a test get the same answers.
use super::super::pb;
use super::enums::*;
use crate::domain::materials as m;
use tonic::Status;

impl TryFrom<pb::Materials> for m::Materials {
    type Error = Status;

    fn try_from(p: pb::Materials) -> Result<Self, Status> {
        let s = p.subject.unwrap_or_default();
        let src = p.source.unwrap_or_default();
        let r = p.resource.unwrap_or_default();
        let e = p.evidence.unwrap_or_default();
        let sec = p.security.unwrap_or_default();
        let c = s.contact.unwrap_or_default();
        Ok(m::Materials {
            subject: m::Subject {
                name: s.name,
                credit_code: s.credit_code.trim().to_ascii_uppercase(),
                kind: subject_kind("materials.subject.kind", s.kind)?,
                region: s.region,
                contact: m::Contact {
                    name: c.name,
                    phone: c.phone,
                    email: c.email,
                },
                agent: s.agent.map(|a| m::Agent {
                    name: a.name,
                    credit_code: a.credit_code.trim().to_ascii_uppercase(),
                    mandate: a.mandate,
                }),
            },
            source: m::Source {
                basis: source_basis("materials.source.basis", src.basis)?,
                statutory_duty: src.statutory_duty,
                authorisation: src.authorisation.map(|a| m::Authorisation {
                    agreement_number: a.agreement_number,
                    scope: a.scope,
                    term_start: a.term_start,
                    term_end: a.term_end,
                }),
            },
            resource: m::Resource {
                name: r.name,
                summary: r.summary,
                data_type: data_type("materials.resource.data_type", r.data_type)?,
                industry: r.industry,
                format: r.format,
                fields: r
                    .fields
                    .into_iter()
                    .map(|f| m::Field {
                        name: f.name,
                        r#type: f.r#type,
                        description: f.description,
                    })
                    .collect(),
                volume: r.volume,
                time_span: r.time_span,
                update_frequency: r.update_frequency,
                storage_location: r.storage_location,
                classification: r.classification,
                grade: data_grade("materials.resource.grade", r.grade)?,
                access_mode: access_mode("materials.resource.access_mode", r.access_mode)?,
            },
            evidence: m::Evidence {
                sha256: e.sha256,
                taken_at: e.taken_at.map(|t| t.seconds).unwrap_or(0),
                description: e.description,
            },
            products: p
                .products
                .into_iter()
                .map(|x| m::Product {
                    name: x.name,
                    description: x.description,
                    resource_codes: x.resource_codes,
                })
                .collect(),
            scenarios: p
                .scenarios
                .into_iter()
                .map(|x| m::Scenario {
                    name: x.name,
                    description: x.description,
                })
                .collect(),
            security: m::SecurityAssessment {
                conclusion: sec.conclusion,
                contains_personal_information: sec.contains_personal_information,
                contains_important_data: sec.contains_important_data,
                deidentification_measures: sec.deidentification_measures,
            },
            attachments: p
                .attachments
                .into_iter()
                .map(|a| {
                    Ok(m::AttachmentRef {
                        kind: required(
                            "materials.attachments.kind",
                            attachment_kind("materials.attachments.kind", a.kind),
                        )?,
                        sha256: a.sha256.to_ascii_lowercase(),
                        file_name: a.file_name,
                        size: a.size,
                    })
                })
                .collect::<Result<_, Status>>()?,
        })
    }
}

/// A required materials message: absent is refused.
pub fn materials(p: Option<pb::Materials>) -> Result<m::Materials, Status> {
    p.ok_or_else(|| super::super::status::invalid("FIELD_REQUIRED", "materials is required"))?
        .try_into()
}

pub fn timestamp(seconds: i64) -> Option<prost_types::Timestamp> {
    (seconds > 0).then_some(prost_types::Timestamp { seconds, nanos: 0 })
}

impl From<&m::Materials> for pb::Materials {
    fn from(x: &m::Materials) -> Self {
        let s = &x.subject;
        pb::Materials {
            subject: Some(pb::Subject {
                name: s.name.clone(),
                credit_code: s.credit_code.clone(),
                kind: s.kind.map_or(0, subject_kind_pb),
                region: s.region.clone(),
                contact: Some(pb::Contact {
                    name: s.contact.name.clone(),
                    phone: s.contact.phone.clone(),
                    email: s.contact.email.clone(),
                }),
                agent: s.agent.as_ref().map(|a| pb::Agent {
                    name: a.name.clone(),
                    credit_code: a.credit_code.clone(),
                    mandate: a.mandate.clone(),
                }),
            }),
            source: Some(pb::Source {
                basis: x.source.basis.map_or(0, source_basis_pb),
                statutory_duty: x.source.statutory_duty.clone(),
                authorisation: x.source.authorisation.as_ref().map(|a| pb::Authorisation {
                    agreement_number: a.agreement_number.clone(),
                    scope: a.scope.clone(),
                    term_start: a.term_start.clone(),
                    term_end: a.term_end.clone(),
                }),
            }),
            resource: Some({
                let r = &x.resource;
                pb::Resource {
                    name: r.name.clone(),
                    summary: r.summary.clone(),
                    data_type: r.data_type.map_or(0, data_type_pb),
                    industry: r.industry.clone(),
                    format: r.format.clone(),
                    fields: r
                        .fields
                        .iter()
                        .map(|f| pb::Field {
                            name: f.name.clone(),
                            r#type: f.r#type.clone(),
                            description: f.description.clone(),
                        })
                        .collect(),
                    volume: r.volume.clone(),
                    time_span: r.time_span.clone(),
                    update_frequency: r.update_frequency.clone(),
                    storage_location: r.storage_location.clone(),
                    classification: r.classification.clone(),
                    grade: r.grade.map_or(0, data_grade_pb),
                    access_mode: r.access_mode.map_or(0, access_mode_pb),
                }
            }),
            evidence: Some(pb::Evidence {
                sha256: x.evidence.sha256.clone(),
                taken_at: timestamp(x.evidence.taken_at),
                description: x.evidence.description.clone(),
            }),
            products: x
                .products
                .iter()
                .map(|p| pb::Product {
                    name: p.name.clone(),
                    description: p.description.clone(),
                    resource_codes: p.resource_codes.clone(),
                })
                .collect(),
            scenarios: x
                .scenarios
                .iter()
                .map(|s| pb::Scenario {
                    name: s.name.clone(),
                    description: s.description.clone(),
                })
                .collect(),
            security: Some(pb::SecurityAssessment {
                conclusion: x.security.conclusion.clone(),
                contains_personal_information: x.security.contains_personal_information,
                contains_important_data: x.security.contains_important_data,
                deidentification_measures: x.security.deidentification_measures.clone(),
            }),
            attachments: x
                .attachments
                .iter()
                .map(|a| pb::AttachmentRef {
                    kind: attachment_kind_pb(a.kind),
                    sha256: a.sha256.clone(),
                    file_name: a.file_name.clone(),
                    size: a.size,
                })
                .collect(),
        }
    }
}
