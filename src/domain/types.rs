//! Shared domain vocabulary: the enums of the registration regime and who acts.
use serde::{Deserialize, Serialize};

/// 数据类型, numbered as the national platform numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DataType {
    PublicDataResource = 1,
    DataProductOrService = 2,
    OpenDataResource = 3,
}

impl DataType {
    /// Its name on the national platform and in catalogues.
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::PublicDataResource => "公共数据资源",
            Self::DataProductOrService => "数据产品和服务",
            Self::OpenDataResource => "开放数据资源",
        }
    }

    pub fn digit(self) -> u8 {
        self as u8
    }
    pub fn from_digit(d: u8) -> Option<Self> {
        match d {
            1 => Some(Self::PublicDataResource),
            2 => Some(Self::DataProductOrService),
            3 => Some(Self::OpenDataResource),
            _ => None,
        }
    }
}

/// 登记类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RegistrationType {
    Initial = 1,
    Change = 2,
    Correction = 3,
    Deregistration = 4,
    Renewal = 5,
}

impl RegistrationType {
    pub fn number(self) -> u8 {
        self as u8
    }
    pub fn from_number(n: u8) -> Option<Self> {
        match n {
            1 => Some(Self::Initial),
            2 => Some(Self::Change),
            3 => Some(Self::Correction),
            4 => Some(Self::Deregistration),
            5 => Some(Self::Renewal),
            _ => None,
        }
    }
    /// The name used in publicity notices.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Initial => "首次登记",
            Self::Change => "变更登记",
            Self::Correction => "更正登记",
            Self::Deregistration => "注销登记",
            Self::Renewal => "续展登记",
        }
    }
}

/// 登记主体类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubjectKind {
    GovernmentDepartment,
    PublicInstitution,
    AuthorisedOperator,
}

impl SubjectKind {
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::GovernmentDepartment => "党政机关",
            Self::PublicInstitution => "事业单位",
            Self::AuthorisedOperator => "授权运营机构",
        }
    }
}

/// Legal basis of the data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceBasis {
    StatutoryDuty,
    AuthorisationAgreement,
}

/// 数据分级.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DataGrade {
    General,
    Important,
    Core,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccessMode {
    Open,
    Shared,
    AuthorisedOperation,
    OnApplication,
}

impl AccessMode {
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::Open => "开放",
            Self::Shared => "共享",
            Self::AuthorisedOperation => "授权运营",
            Self::OnApplication => "依申请",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttachmentKind {
    DescriptionDocument,
    RegistrationUndertaking,
    AuthorisationAgreement,
    Other,
}

impl AttachmentKind {
    pub const fn label_zh(self) -> &'static str {
        match self {
            Self::DescriptionDocument => "数据资源说明",
            Self::RegistrationUndertaking => "登记承诺书",
            Self::AuthorisationAgreement => "授权运营协议",
            Self::Other => "其他",
        }
    }
}

/// Caller roles (DESIGN §5). `Public` and `System` are never carried by a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Registrant,
    Clerk,
    Reviewer,
    Registrar,
    Auditor,
    Admin,
    /// Anyone without a token (objections, public reads).
    Public,
    /// The node itself (deadline sweeps, code assignment).
    System,
}

impl Role {
    /// The token-bearing roles, in the order dev tokens are issued.
    pub const STAFF_AND_REGISTRANT: [Role; 6] = [
        Role::Registrant,
        Role::Clerk,
        Role::Reviewer,
        Role::Registrar,
        Role::Auditor,
        Role::Admin,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Registrant => "registrant",
            Role::Clerk => "clerk",
            Role::Reviewer => "reviewer",
            Role::Registrar => "registrar",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
            Role::Public => "public",
            Role::System => "system",
        }
    }

    pub fn from_name(s: &str) -> Option<Role> {
        Role::STAFF_AND_REGISTRANT
            .into_iter()
            .find(|r| r.name() == s)
    }
}

/// Who performs a command. Authorisation is part of the domain rules, so the flow sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Token id, or "system" / "public"; recorded with every event.
    pub id: String,
    pub role: Role,
    /// The person behind the token: separation of duties compares their normalised
    /// [`staff_identity`], not tokens and not the free text.
    pub holder: String,
    /// For registrants: the one subject (credit code) the token acts for.
    pub subject: Option<String>,
}

/// A staff member's identity as separation of duties compares it, from the holder text of their
/// token: Unicode NFKC (so full-width `ＬＩ　０７` is `LI 07`, and a compatibility character its
/// plain form), case-folded, runs of white space as one space and none at the ends. Two tokens
/// whose holders differ only in such ways are one person.
pub fn staff_identity(holder: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let folded: String = holder.nfkc().collect::<String>().to_lowercase();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Actor {
    /// The normalised identity of the person behind the actor ([`staff_identity`]).
    pub fn identity(&self) -> String {
        staff_identity(&self.holder)
    }

    pub fn system() -> Actor {
        Actor {
            id: "system".into(),
            role: Role::System,
            holder: "system".into(),
            subject: None,
        }
    }

    pub fn public(name: &str) -> Actor {
        Actor {
            id: "public".into(),
            role: Role::Public,
            holder: name.into(),
            subject: None,
        }
    }
}

/// Which tier a node is (`node.role`): the national registration platform, or a province's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeRole {
    National,
    Province,
}

impl NodeRole {
    /// From its config spelling, `national` or `province`.
    pub fn parse(s: &str) -> Option<NodeRole> {
        match s {
            "national" => Some(NodeRole::National),
            "province" => Some(NodeRole::Province),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            NodeRole::National => "national",
            NodeRole::Province => "province",
        }
    }
}

impl std::fmt::Display for NodeRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
