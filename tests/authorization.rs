//! The authorization matrix: every RPC, called by every kind of caller, against one real node.
//! Each cell is what admission and the rules decided: `ok` (admitted: answered, or refused for
//! its content or state, not for who called), `UNAUTH` (no valid token), `EXPIRED`, `ROLE`
//! (PERMISSION_DENIED for the caller's role), `HIDDEN` (NOT_FOUND: another subject's
//! application, answered as if it did not exist), `SIG` (a node call without a trusted
//! signature). Printed as the markdown table the README shows.
mod common;

use common::{authed, reason, rid, Node, Spec};
use ed25519_dalek::SigningKey;
use prost::Message;
use sjdj::grpc::federation::{follow_log_type, push_batch_type, to_wire};
use sjdj::grpc::pb;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::Channel;
use tonic::{Code, Request, Status};

const CALLERS: [&str; 11] = [
    "anonymous",
    "invalid token",
    "expired token",
    "registrant (own)",
    "registrant (other)",
    "clerk",
    "reviewer",
    "registrar",
    "auditor",
    "admin",
    "node",
];

/// Calls `path` with `req` (as bytes of a prost message) as `token`; unary.
async fn unary<Req: Message + Default + 'static>(
    ch: &Channel,
    path: &'static str,
    req: Req,
    token: Option<&str>,
) -> Result<(), Status> {
    let mut grpc = tonic::client::Grpc::new(ch.clone());
    grpc.ready()
        .await
        .map_err(|e| Status::unknown(e.to_string()))?;
    let mut r = Request::new(req);
    if let Some(t) = token {
        r = authed(t, r.into_inner());
    }
    // The answer's content does not matter here, only whether it was refused and how: it is
    // decoded as an empty message (every field unknown, skipped).
    let codec = tonic_prost::ProstCodec::<Req, ()>::default();
    grpc.unary(r, PathAndQuery::from_static(path), codec)
        .await
        .map(|_| ())
}

/// Opens a server stream (`WatchApplications`) and reads its first answer or refusal.
async fn watch(ch: &Channel, token: Option<&str>) -> Result<(), Status> {
    let mut reg = pb::registration_service_client::RegistrationServiceClient::new(ch.clone());
    let req = pb::WatchApplicationsRequest::default();
    let r = match token {
        Some(t) => authed(t, req),
        None => Request::new(req),
    };
    reg.watch_applications(r).await.map(|_| ())
}

/// Opens a push stream with one batch and reads its answer.
async fn push_stream(
    ch: &Channel,
    push: pb::PushRequest,
    token: Option<&str>,
) -> Result<(), Status> {
    let mut fed = pb::federation_service_client::FederationServiceClient::new(ch.clone());
    let batches = tokio_stream::iter(vec![pb::PushStreamRequest { push: Some(push) }]);
    let r = match token {
        Some(t) => authed(t, batches),
        None => Request::new(batches),
    };
    let mut answers = fed.push_stream(r).await?.into_inner();
    answers.message().await.map(|_| ())
}

fn cell(r: Result<(), Status>) -> String {
    match r {
        Ok(()) => "ok".into(),
        Err(s) => {
            let why = reason(&s);
            match (s.code(), why.as_str()) {
                (Code::Unauthenticated, "TOKEN_EXPIRED") => "EXPIRED".into(),
                (Code::Unauthenticated, _) => "UNAUTH".into(),
                (Code::PermissionDenied, "WRONG_ROLE" | "NOT_OWNER") => "ROLE".into(),
                (Code::NotFound, "NOT_FOUND") => "HIDDEN".into(),
                (Code::PermissionDenied, r) if r.starts_with("ENVELOPE_") => "SIG".into(),
                (Code::PermissionDenied, "SYNC_UNKNOWN_NODE") => "SIG".into(),
                // Refused for the content or the state, after the caller was let in.
                _ => "ok".into(),
            }
        }
    }
}

struct World {
    node: Node,
    ch: Channel,
    tokens: Vec<Option<String>>,
    /// The registrant's application, in publicity.
    app: String,
    node_key: SigningKey,
}

impl World {
    fn sealed<M: Message>(&self, payload_type: &str, msg: &M, signed: bool) -> pb::Envelope {
        let origin = sjdj::log::checkpoint::origin("440000", "mx");
        let keyid = sjdj::log::checkpoint::note_key_id(&origin, &self.node_key.verifying_key());
        let mut env =
            sjdj::sync::envelope::seal(payload_type, msg.encode_to_vec(), &keyid, &self.node_key);
        if !signed {
            env.signatures.clear();
        }
        to_wire(env)
    }

    fn push(&self, signed: bool) -> pb::PushRequest {
        let batch = pb::PushBatch {
            node_id: "mx".into(),
            ..Default::default()
        };
        pb::PushRequest {
            node_id: "mx".into(),
            envelope: Some(self.sealed(&push_batch_type(), &batch, signed)),
        }
    }

    fn follow(&self, signed: bool) -> pb::FollowLogRequest {
        let q = pb::FollowLogQuery {
            node_id: "mx".into(),
            from: 0,
            accepted: 0,
        };
        pb::FollowLogRequest {
            node_id: "mx".into(),
            envelope: Some(self.sealed(&follow_log_type(), &q, signed)),
        }
    }

    /// One RPC as caller `who` (an index into CALLERS).
    async fn call(&self, rpc: &str, who: usize) -> Result<(), Status> {
        let t = self.tokens[who].as_deref();
        let node = who == CALLERS.len() - 1;
        let ch = &self.ch;
        let app = self.app.clone();
        macro_rules! decision {
            ($t:ident) => {
                pb::$t {
                    request_id: rid(),
                    application_id: app.clone(),
                    reason: "理由".into(),
                }
            };
        }
        macro_rules! u {
            ($svc:literal, $m:literal, $req:expr) => {
                unary(ch, concat!("/sjdj.v1.", $svc, "/", $m), $req, t).await
            };
        }
        match rpc {
            "CreateApplication" => u!(
                "RegistrationService",
                "CreateApplication",
                pb::CreateApplicationRequest {
                    request_id: rid(),
                    registration_type: pb::RegistrationType::Initial as i32,
                    materials: Some(common::example_materials()),
                    ..Default::default()
                }
            ),
            "UpdateApplication" => u!(
                "RegistrationService",
                "UpdateApplication",
                pb::UpdateApplicationRequest {
                    request_id: rid(),
                    application_id: app,
                    materials: Some(common::example_materials())
                }
            ),
            "SubmitApplication" => u!(
                "RegistrationService",
                "SubmitApplication",
                pb::SubmitApplicationRequest {
                    request_id: rid(),
                    application_id: app,
                    ..Default::default()
                }
            ),
            "SupplementApplication" => u!(
                "RegistrationService",
                "SupplementApplication",
                pb::SupplementApplicationRequest {
                    request_id: rid(),
                    application_id: app,
                    materials: Some(common::example_materials()),
                    ..Default::default()
                }
            ),
            "WithdrawApplication" => u!(
                "RegistrationService",
                "WithdrawApplication",
                pb::WithdrawApplicationRequest {
                    request_id: rid(),
                    application_id: app,
                    reason: String::new()
                }
            ),
            "GetApplication" => u!(
                "RegistrationService",
                "GetApplication",
                pb::GetApplicationRequest {
                    application_id: app
                }
            ),
            "ListApplications" => u!(
                "RegistrationService",
                "ListApplications",
                pb::ListApplicationsRequest::default()
            ),
            "WatchApplications" => watch(ch, t).await,
            "UploadAttachment" => u!(
                "RegistrationService",
                "UploadAttachment",
                pb::UploadAttachmentRequest {
                    kind: pb::AttachmentKind::RegistrationUndertaking as i32,
                    file_name: "a.txt".into(),
                    content: b"x".to_vec()
                }
            ),
            "ListQueue" => u!(
                "ReviewService",
                "ListQueue",
                pb::ListQueueRequest {
                    step: pb::QueueStep::Acceptance as i32,
                    page_size: 1,
                    page_token: String::new(),
                }
            ),
            "AcceptApplication" => u!(
                "ReviewService",
                "AcceptApplication",
                decision!(AcceptApplicationRequest)
            ),
            "ReturnForSupplement" => u!(
                "ReviewService",
                "ReturnForSupplement",
                pb::ReturnForSupplementRequest {
                    request_id: rid(),
                    application_id: app,
                    items: vec!["补充".into()],
                    reason: String::new()
                }
            ),
            "RefuseAcceptance" => u!(
                "ReviewService",
                "RefuseAcceptance",
                decision!(RefuseAcceptanceRequest)
            ),
            "PassReview" => u!("ReviewService", "PassReview", decision!(PassReviewRequest)),
            "RefuseReview" => u!(
                "ReviewService",
                "RefuseReview",
                decision!(RefuseReviewRequest)
            ),
            "ResolveObjection" => u!(
                "ReviewService",
                "ResolveObjection",
                pb::ResolveObjectionRequest {
                    request_id: rid(),
                    application_id: app,
                    objection_id: "none".into(),
                    resolution: pb::ObjectionResolution::Dismiss as i32,
                    reason: "理由".into()
                }
            ),
            "CorrectRecord" => u!(
                "ReviewService",
                "CorrectRecord",
                pb::CorrectRecordRequest {
                    request_id: rid(),
                    code: "110000020260000015".into(),
                    data_name: Some("新名".into()),
                    reason: "理由".into(),
                    ..Default::default()
                }
            ),
            "RevokeRecord" => u!(
                "ReviewService",
                "RevokeRecord",
                pb::RevokeRecordRequest {
                    request_id: rid(),
                    code: "110000020260000015".into(),
                    reason: "理由".into()
                }
            ),
            "GetRecord" => u!(
                "RegistryService",
                "GetRecord",
                pb::GetRecordRequest {
                    code: "110000020260000015".into()
                }
            ),
            "SearchRecords" => u!(
                "RegistryService",
                "SearchRecords",
                pb::SearchRecordsRequest {
                    query: "企业".into(),
                    ..Default::default()
                }
            ),
            "ListPublicityNotices" => u!(
                "RegistryService",
                "ListPublicityNotices",
                pb::ListPublicityNoticesRequest::default()
            ),
            "FileObjection" => u!(
                "RegistryService",
                "FileObjection",
                pb::FileObjectionRequest {
                    request_id: rid(),
                    application_id: app,
                    objector_name: String::new(),
                    objector_contact: String::new(),
                    reason: "x".into()
                }
            ),
            "GetCertificate" => u!(
                "RegistryService",
                "GetCertificate",
                pb::GetCertificateRequest {
                    key: Some(pb::get_certificate_request::Key::Code(
                        "110000020260000015".into()
                    )),
                    ..Default::default()
                }
            ),
            "VerifyCertificate" => u!(
                "RegistryService",
                "VerifyCertificate",
                pb::VerifyCertificateRequest::default()
            ),
            "GetNodeInfo" => u!("RegistryService", "GetNodeInfo", pb::GetNodeInfoRequest {}),
            "GetStatistics" => u!(
                "RegistryService",
                "GetStatistics",
                pb::GetStatisticsRequest::default()
            ),
            "ListProvinces" => u!(
                "RegistryService",
                "ListProvinces",
                pb::ListProvincesRequest {}
            ),
            "GetCheckpoint" => u!(
                "TransparencyService",
                "GetCheckpoint",
                pb::GetCheckpointRequest {}
            ),
            "ListEntries" => u!(
                "TransparencyService",
                "ListEntries",
                pb::ListEntriesRequest { start: 0, end: 1 }
            ),
            "GetInclusionProof" => u!(
                "TransparencyService",
                "GetInclusionProof",
                pb::GetInclusionProofRequest {
                    index: 0,
                    tree_size: 0
                }
            ),
            "GetConsistencyProof" => u!(
                "TransparencyService",
                "GetConsistencyProof",
                pb::GetConsistencyProofRequest {
                    first: 1,
                    second: 2
                }
            ),
            "CreateToken" => u!(
                "AdminService",
                "CreateToken",
                pb::CreateTokenRequest {
                    request_id: rid(),
                    role: pb::Role::Clerk as i32,
                    holder: "新受理员".into(),
                    ..Default::default()
                }
            ),
            "RevokeToken" => u!(
                "AdminService",
                "RevokeToken",
                pb::RevokeTokenRequest {
                    request_id: rid(),
                    token_id: "000000000000".into()
                }
            ),
            "ListTokens" => u!(
                "AdminService",
                "ListTokens",
                pb::ListTokensRequest::default()
            ),
            "GetClock" => u!("AdminService", "GetClock", pb::GetClockRequest {}),
            "AdvanceClock" => u!(
                "AdminService",
                "AdvanceClock",
                pb::AdvanceClockRequest { seconds: 0 }
            ),
            "DelegateRegion" => u!(
                "AdminService",
                "DelegateRegion",
                pb::DelegateRegionRequest {
                    node_id: "mx".into(),
                    region: "440000".into(),
                    public_key: "00".into()
                }
            ),
            "RotateNodeKey" => u!(
                "AdminService",
                "RotateNodeKey",
                pb::RotateNodeKeyRequest {
                    node_id: "nobody".into(),
                    public_key: "00".into()
                }
            ),
            "RevokeNodeKey" => u!(
                "AdminService",
                "RevokeNodeKey",
                pb::RevokeNodeKeyRequest {
                    node_id: "nobody".into(),
                    reason: "理由".into()
                }
            ),
            "HostRegion" => u!(
                "AdminService",
                "HostRegion",
                pb::HostRegionRequest {
                    region: "440000".into()
                }
            ),
            "HandOverRegion" => u!(
                "AdminService",
                "HandOverRegion",
                pb::HandOverRegionRequest {
                    region: "520000".into(),
                    node_id: "gz".into(),
                    public_key: "00".into()
                }
            ),
            "ListAlarms" => u!(
                "AdminService",
                "ListAlarms",
                pb::ListAlarmsRequest::default()
            ),
            "GetLogOpenings" => u!(
                "AdminService",
                "GetLogOpenings",
                pb::GetLogOpeningsRequest { index: 0 }
            ),
            "Push" => u!("FederationService", "Push", self.push(node)),
            "PushStream" => push_stream(ch, self.push(node), t).await,
            "GetSyncState" => u!(
                "FederationService",
                "GetSyncState",
                pb::GetSyncStateRequest {
                    node_id: "mx".into()
                }
            ),
            "GetTrustList" => u!(
                "FederationService",
                "GetTrustList",
                pb::GetTrustListRequest {}
            ),
            "FollowLog" => u!("FederationService", "FollowLog", self.follow(node)),
            "GetMirror" => u!(
                "FederationService",
                "GetMirror",
                pb::GetMirrorRequest {
                    node_id: "mx".into(),
                    from: 0
                }
            ),
            other => panic!("no call for {other}"),
        }
    }
}

/// Every RPC with what each caller gets, in CALLERS order.
const MATRIX: &[(&str, [&str; 11])] = {
    const U: &str = "UNAUTH";
    const X: &str = "EXPIRED";
    const R: &str = "ROLE";
    const H: &str = "HIDDEN";
    const S: &str = "SIG";
    const K: &str = "ok";
    &[
        ("CreateApplication", [U, U, X, K, R, R, R, R, R, R, U]),
        ("UpdateApplication", [U, U, X, K, H, R, R, R, R, R, U]),
        ("SubmitApplication", [U, U, X, K, H, R, R, R, R, R, U]),
        ("SupplementApplication", [U, U, X, K, H, R, R, R, R, R, U]),
        ("WithdrawApplication", [U, U, X, K, H, R, R, R, R, R, U]),
        ("GetApplication", [U, U, X, K, H, K, K, K, K, R, U]),
        ("ListApplications", [U, U, X, K, K, K, K, K, K, R, U]),
        ("WatchApplications", [U, U, X, K, K, R, R, R, R, R, U]),
        ("UploadAttachment", [U, U, X, K, K, R, R, R, R, R, U]),
        ("ListQueue", [U, U, X, R, R, K, K, K, K, R, U]),
        ("AcceptApplication", [U, U, X, R, H, K, R, R, R, R, U]),
        ("ReturnForSupplement", [U, U, X, R, H, K, R, R, R, R, U]),
        ("RefuseAcceptance", [U, U, X, R, H, K, R, R, R, R, U]),
        ("PassReview", [U, U, X, R, H, R, K, R, R, R, U]),
        ("RefuseReview", [U, U, X, R, H, R, K, R, R, R, U]),
        ("ResolveObjection", [U, U, X, R, H, R, R, K, R, R, U]),
        ("CorrectRecord", [U, U, X, R, R, R, R, K, R, R, U]),
        ("RevokeRecord", [U, U, X, R, R, R, R, K, R, R, U]),
        ("GetRecord", [K, U, X, K, K, K, K, K, K, K, K]),
        ("SearchRecords", [K, U, X, K, K, K, K, K, K, K, K]),
        ("ListPublicityNotices", [K, U, X, K, K, K, K, K, K, K, K]),
        ("FileObjection", [K, U, X, K, K, K, K, K, K, K, K]),
        ("GetCertificate", [K, U, X, K, K, K, K, K, K, K, K]),
        ("VerifyCertificate", [K, U, X, K, K, K, K, K, K, K, K]),
        ("GetNodeInfo", [K, U, X, K, K, K, K, K, K, K, K]),
        ("GetStatistics", [K, U, X, K, K, K, K, K, K, K, K]),
        ("ListProvinces", [K, U, X, K, K, K, K, K, K, K, K]),
        ("GetCheckpoint", [K, U, X, K, K, K, K, K, K, K, K]),
        ("ListEntries", [K, U, X, K, K, K, K, K, K, K, K]),
        ("GetInclusionProof", [K, U, X, K, K, K, K, K, K, K, K]),
        ("GetConsistencyProof", [K, U, X, K, K, K, K, K, K, K, K]),
        ("CreateToken", [U, U, X, R, R, R, R, R, R, K, U]),
        ("RevokeToken", [U, U, X, R, R, R, R, R, R, K, U]),
        ("ListTokens", [U, U, X, R, R, R, R, R, R, K, U]),
        ("GetClock", [U, U, X, R, R, R, R, R, R, K, U]),
        ("AdvanceClock", [U, U, X, R, R, R, R, R, R, K, U]),
        ("DelegateRegion", [U, U, X, R, R, R, R, R, R, K, U]),
        ("RotateNodeKey", [U, U, X, R, R, R, R, R, R, K, U]),
        ("RevokeNodeKey", [U, U, X, R, R, R, R, R, R, K, U]),
        ("HostRegion", [U, U, X, R, R, R, R, R, R, K, U]),
        ("HandOverRegion", [U, U, X, R, R, R, R, R, R, K, U]),
        ("ListAlarms", [U, U, X, R, R, R, R, R, K, K, U]),
        ("GetLogOpenings", [U, U, X, R, R, R, R, R, K, K, U]),
        ("Push", [S, U, X, S, S, S, S, S, S, S, K]),
        ("PushStream", [S, U, X, S, S, S, S, S, S, S, K]),
        ("GetSyncState", [K, U, X, K, K, K, K, K, K, K, K]),
        ("GetTrustList", [K, U, X, K, K, K, K, K, K, K, K]),
        ("FollowLog", [S, U, X, S, S, S, S, S, S, S, K]),
        ("GetMirror", [K, U, X, K, K, K, K, K, K, K, K]),
    ]
};

#[tokio::test(flavor = "multi_thread")]
async fn every_rpc_by_every_caller_is_admitted_or_refused_as_the_matrix_says() {
    // A national drill node: the node column is a province it delegated 440000 to. Its share
    // of refused envelopes per address is large: the matrix sends dozens from one address.
    let node = Spec::new("national", "matrix", "100000")
        .drill()
        .set("federation.refused_burst", 10000)
        .start()
        .await;
    let node_key = SigningKey::from_bytes(&[42; 32]);
    node.delegate(
        "mx",
        "440000",
        &hex::encode(node_key.verifying_key().to_bytes()),
    )
    .await
    .unwrap();
    let ch = node.channel().await;
    let other = node
        .issue_token(pb::Role::Registrant, "其他单位", "91110000802100433B", 0)
        .await
        .token;
    let expired = node
        .issue_token(pb::Role::Auditor, "审计员", "", 1)
        .await
        .token;
    let app = node.in_publicity().await;
    node.advance_days(2).await;
    let tokens = vec![
        None,
        Some("sjdj_not_a_token".to_string()),
        Some(expired),
        Some(node.token("registrant")),
        Some(other),
        Some(node.token("clerk")),
        Some(node.token("reviewer")),
        Some(node.token("registrar")),
        Some(node.token("auditor")),
        Some(node.token("admin")),
        None,
    ];
    let world = World {
        ch,
        tokens,
        app: app.id.clone(),
        node_key,
        node,
    };
    let mut table = String::from("| RPC |");
    for c in CALLERS {
        table += &format!(" {c} |");
    }
    table += "\n|---|";
    table += &"---|".repeat(CALLERS.len());
    table += "\n";
    let mut wrong = Vec::new();
    for (rpc, want) in MATRIX {
        table += &format!("| {rpc} |");
        for (who, want) in want.iter().enumerate() {
            let got = cell(world.call(rpc, who).await);
            table += &format!(" {got} |");
            if got != *want {
                wrong.push(format!("{rpc} by {}: {got}, want {want}", CALLERS[who]));
            }
        }
        table += "\n";
    }
    println!("{table}");
    assert!(
        wrong.is_empty(),
        "{} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    let _ = &world.node;
}
