//! Enum values both ways. An unknown wire value is refused, never mapped to a default; the
//! UNSPECIFIED value means "not given" (`None`).
use super::super::pb;
use super::super::status::invalid;
use crate::domain::flow::{ObjectionState, Resolution, State};
use crate::domain::record::RecordStatus;
use crate::domain::types::*;
use tonic::Status;

fn unknown(field: &str, v: i32) -> Status {
    invalid(
        "UNKNOWN_ENUM_VALUE",
        format!("{field}: {v} is not a known value"),
    )
}

/// Declares `fn $name(field, i32) -> Result<Option<Domain>, Status>` and `fn $back(Domain) -> i32`.
macro_rules! enum_map {
    ($name:ident, $back:ident, $pb:ty, $dom:ty, { $($p:ident <=> $d:expr),+ $(,)? }) => {
        pub fn $name(field: &str, v: i32) -> Result<Option<$dom>, Status> {
            match <$pb>::try_from(v).map_err(|_| unknown(field, v))? {
                <$pb>::Unspecified => Ok(None),
                $(<$pb>::$p => Ok(Some($d)),)+
            }
        }
        pub fn $back(d: $dom) -> i32 {
            $(if d == $d { return <$pb>::$p as i32; })+
            <$pb>::Unspecified as i32
        }
    };
}

enum_map!(data_type, data_type_pb, pb::DataType, DataType, {
    PublicDataResource <=> DataType::PublicDataResource,
    DataProductOrService <=> DataType::DataProductOrService,
    OpenDataResource <=> DataType::OpenDataResource,
});

enum_map!(registration_type, registration_type_pb, pb::RegistrationType, RegistrationType, {
    Initial <=> RegistrationType::Initial,
    Change <=> RegistrationType::Change,
    Correction <=> RegistrationType::Correction,
    Deregistration <=> RegistrationType::Deregistration,
    Renewal <=> RegistrationType::Renewal,
});

enum_map!(subject_kind, subject_kind_pb, pb::SubjectKind, SubjectKind, {
    GovernmentDepartment <=> SubjectKind::GovernmentDepartment,
    PublicInstitution <=> SubjectKind::PublicInstitution,
    AuthorisedOperator <=> SubjectKind::AuthorisedOperator,
});

enum_map!(source_basis, source_basis_pb, pb::SourceBasis, SourceBasis, {
    StatutoryDuty <=> SourceBasis::StatutoryDuty,
    AuthorisationAgreement <=> SourceBasis::AuthorisationAgreement,
});

enum_map!(data_grade, data_grade_pb, pb::DataGrade, DataGrade, {
    General <=> DataGrade::General,
    Important <=> DataGrade::Important,
    Core <=> DataGrade::Core,
});

enum_map!(access_mode, access_mode_pb, pb::AccessMode, AccessMode, {
    Open <=> AccessMode::Open,
    Shared <=> AccessMode::Shared,
    AuthorisedOperation <=> AccessMode::AuthorisedOperation,
    OnApplication <=> AccessMode::OnApplication,
});

enum_map!(attachment_kind, attachment_kind_pb, pb::AttachmentKind, AttachmentKind, {
    DescriptionDocument <=> AttachmentKind::DescriptionDocument,
    RegistrationUndertaking <=> AttachmentKind::RegistrationUndertaking,
    AuthorisationAgreement <=> AttachmentKind::AuthorisationAgreement,
    Other <=> AttachmentKind::Other,
});

enum_map!(role, role_pb, pb::Role, Role, {
    Registrant <=> Role::Registrant,
    Clerk <=> Role::Clerk,
    Reviewer <=> Role::Reviewer,
    Registrar <=> Role::Registrar,
    Auditor <=> Role::Auditor,
    Admin <=> Role::Admin,
});

enum_map!(state, state_pb, pb::ApplicationState, State, {
    Draft <=> State::Draft,
    Submitted <=> State::Submitted,
    Returned <=> State::Returned,
    InReview <=> State::InReview,
    InPublicity <=> State::InPublicity,
    Registered <=> State::Registered,
    NotAccepted <=> State::NotAccepted,
    Refused <=> State::Refused,
    Withdrawn <=> State::Withdrawn,
    Closed <=> State::Closed,
});

enum_map!(record_status, record_status_pb, pb::RecordStatus, RecordStatus, {
    Valid <=> RecordStatus::Valid,
    Expired <=> RecordStatus::Expired,
    Deregistered <=> RecordStatus::Deregistered,
    Revoked <=> RecordStatus::Revoked,
});

enum_map!(resolution, resolution_pb, pb::ObjectionResolution, Resolution, {
    Dismiss <=> Resolution::Dismiss,
    UpholdRefuse <=> Resolution::UpholdRefuse,
    UpholdBackToReview <=> Resolution::UpholdBackToReview,
});

enum_map!(objection_state, objection_state_pb, pb::ObjectionState, ObjectionState, {
    Open <=> ObjectionState::Open,
    Dismissed <=> ObjectionState::Dismissed,
    Upheld <=> ObjectionState::Upheld,
    Superseded <=> ObjectionState::Superseded,
});

pub fn node_role_pb(r: NodeRole) -> i32 {
    match r {
        NodeRole::National => pb::NodeRole::National as i32,
        NodeRole::Province => pb::NodeRole::Province as i32,
    }
}

pub fn key_status_pb(s: crate::sync::trust::KeyStatus) -> i32 {
    use crate::sync::trust::KeyStatus;
    match s {
        KeyStatus::Active => pb::KeyStatus::Active as i32,
        KeyStatus::Retired => pb::KeyStatus::Retired as i32,
        KeyStatus::Revoked => pb::KeyStatus::Revoked as i32,
    }
}

pub fn alarm_kind_pb(k: crate::engine::AlarmKind) -> i32 {
    match k {
        crate::engine::AlarmKind::Fork => pb::AlarmKind::Fork as i32,
    }
}

/// A history step by its stored name (`EventKind::step`, e.g. `SUBMITTED`).
pub fn step_pb(name: &str) -> i32 {
    pb::Step::from_str_name(&format!("STEP_{name}")).map_or_else(
        || {
            // Every name EventKind::step gives has a value (tested); an older store's unknown
            // step still answers, as UNSPECIFIED, rather than failing the whole read.
            tracing::warn!(step = name, "history step without a wire value");
            pb::Step::Unspecified as i32
        },
        |s| s as i32,
    )
}

/// A required enum: UNSPECIFIED is refused.
pub fn required<T>(field: &str, v: Result<Option<T>, Status>) -> Result<T, Status> {
    v?.ok_or_else(|| invalid("FIELD_REQUIRED", format!("{field} is required")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every step name a history can hold (the ones `EventKind::step` gives) has its own wire
    /// value, so no step reaches a client as UNSPECIFIED.
    #[test]
    fn every_history_step_has_a_wire_value() {
        let source = include_str!("../../domain/flow/event.rs");
        let body = &source[source.find("pub fn step(&self)").expect("EventKind::step")..];
        let body = &body[..body.find("\n    }\n").expect("its end")];
        let names: Vec<&str> = body.split('"').skip(1).step_by(2).collect();
        assert_eq!(names.len(), 16, "{names:?}");
        for name in names {
            let v = step_pb(name);
            assert_ne!(v, pb::Step::Unspecified as i32, "{name}");
            let wire = pb::Step::try_from(v).unwrap().as_str_name();
            assert_eq!(wire.strip_prefix("STEP_"), Some(name));
        }
        assert_eq!(step_pb("no-such-step"), pb::Step::Unspecified as i32);
    }
}
