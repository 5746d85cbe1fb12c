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

/// A required enum: UNSPECIFIED is refused.
pub fn required<T>(field: &str, v: Result<Option<T>, Status>) -> Result<T, Status> {
    v?.ok_or_else(|| invalid("FIELD_REQUIRED", format!("{field} is required")))
}
