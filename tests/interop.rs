//! What a client that knows nothing but the address relies on (health, reflection), the CLI as a
//! user runs it, and the node's start-up refusals.
mod common;
use common::*;
use std::process::Command;
use tokio_stream::StreamExt;

async fn reflected_services_v1(node: &Node) -> Vec<String> {
    use tonic_reflection::pb::v1::{
        server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
        ServerReflectionRequest,
    };
    let mut c = ServerReflectionClient::new(node.channel().await);
    let req = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = c
        .server_reflection_info(tokio_stream::iter(vec![req]))
        .await
        .unwrap()
        .into_inner();
    match stream
        .next()
        .await
        .unwrap()
        .unwrap()
        .message_response
        .unwrap()
    {
        MessageResponse::ListServicesResponse(l) => l.service.into_iter().map(|s| s.name).collect(),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn reflection_v1_and_v1alpha_and_health_describe_the_node() {
    let node = Node::dev().await;
    let services = reflected_services_v1(&node).await;
    for s in [
        "sjdj.v1.RegistrationService",
        "sjdj.v1.ReviewService",
        "sjdj.v1.RegistryService",
        "sjdj.v1.AdminService",
        "grpc.health.v1.Health",
    ] {
        assert!(
            services.iter().any(|x| x == s),
            "{s} missing from {services:?}"
        );
    }
    // v1alpha, which older grpcurl and grpcio-reflection versions use, resolves a symbol to its file.
    use tonic_reflection::pb::v1alpha::{
        server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
        ServerReflectionRequest,
    };
    let mut c = ServerReflectionClient::new(node.channel().await);
    let req = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::FileContainingSymbol(
            "sjdj.v1.RegistrationService".into(),
        )),
    };
    let mut stream = c
        .server_reflection_info(tokio_stream::iter(vec![req]))
        .await
        .unwrap()
        .into_inner();
    match stream
        .next()
        .await
        .unwrap()
        .unwrap()
        .message_response
        .unwrap()
    {
        MessageResponse::FileDescriptorResponse(f) => assert!(!f.file_descriptor_proto.is_empty()),
        other => panic!("unexpected {other:?}"),
    }
    let mut h = tonic_health::pb::health_client::HealthClient::new(node.channel().await);
    let status = h
        .check(tonic_health::pb::HealthCheckRequest {
            service: "sjdj.v1.RegistryService".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .status;
    assert_eq!(
        status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
}

/// A refusal's details (`google.rpc.ErrorInfo` with its reason, `BadRequest` with the bad
/// fields) decode in a client that knows only the address: reflection serves their file and
/// every file it imports.
#[tokio::test]
async fn reflection_serves_the_error_details_a_refusal_carries() {
    use prost::Message;
    use tonic_reflection::pb::v1::{
        server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
        ServerReflectionRequest,
    };
    let node = Node::dev().await;
    let mut c = ServerReflectionClient::new(node.channel().await);
    let mut ask = async |request: MessageRequest| {
        let req = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(request),
        };
        let mut stream = c
            .server_reflection_info(tokio_stream::iter(vec![req]))
            .await
            .unwrap()
            .into_inner();
        match stream.next().await.unwrap().unwrap().message_response {
            Some(MessageResponse::FileDescriptorResponse(f)) => f
                .file_descriptor_proto
                .iter()
                .map(|b| prost_types::FileDescriptorProto::decode(b.as_slice()).unwrap())
                .collect::<Vec<_>>(),
            other => panic!("unexpected {other:?}"),
        }
    };
    for symbol in [
        "google.rpc.ErrorInfo",
        "google.rpc.BadRequest",
        "google.rpc.Status",
    ] {
        let files = ask(MessageRequest::FileContainingSymbol(symbol.into())).await;
        let file = &files[0];
        let name = symbol.rsplit('.').next().unwrap();
        assert!(
            file.message_type.iter().any(|m| m.name() == name),
            "{symbol} not in {}",
            file.name()
        );
        for dependency in &file.dependency {
            let found = ask(MessageRequest::FileByFilename(dependency.clone())).await;
            assert_eq!(found[0].name(), dependency, "{symbol} imports {dependency}");
        }
    }
}

#[test]
fn code_check_exits_zero_only_for_valid_codes_and_names_the_reason() {
    let (ok, out, _) = sjdj(&["code", "check", "110000020260000015"]);
    assert!(ok && out.contains("valid"), "{out}");
    let (ok, _, err) = sjdj(&["code", "check", "110000020260000016"]);
    assert!(!ok && err.contains("CODE_BAD_CHECK_CHARACTER"), "{err}");
    let (ok, _, err) = sjdj(&["code", "check", "11000002026000001"]);
    assert!(!ok && err.contains("CODE_LENGTH"), "{err}");
    let (ok, _, err) = sjdj(&["code", "check", "410000020260000015"]);
    assert!(!ok && err.contains("CODE_DATA_TYPE"), "{err}");
    let (ok, _, _) = sjdj(&["code", "check-credit", "91350100M000100Y43"]);
    assert!(ok);
}

#[tokio::test]
async fn the_cli_runs_the_flow_and_verifies_the_certificate_offline() {
    let node = Node::dev().await;
    let dir = node.data_dir().display().to_string();
    let tokens = format!("{dir}/dev-tokens.json");
    let addr = node.addr.clone();
    let run = |role: &str, args: &[&str]| {
        let mut full = vec![
            "--addr",
            addr.as_str(),
            "--tokens",
            tokens.as_str(),
            "--as",
            role,
        ];
        full.extend_from_slice(args);
        let (ok, out, err) = sjdj(&full);
        assert!(ok, "sjdj {args:?} failed: {err}");
        out
    };
    let undertaking = format!("{dir}/承诺书.txt");
    std::fs::write(&undertaking, "本单位承诺。").unwrap();
    let materials = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/examples/materials.json"
    );
    let created = run(
        "registrant",
        &[
            "--json",
            "app",
            "create",
            "--materials",
            materials,
            "--attach",
            &format!("undertaking={undertaking}"),
        ],
    );
    let app: serde_json::Value = serde_json::from_str(&created).unwrap();
    let id = app["id"].as_str().unwrap().to_string();
    // Submitting without acknowledging the text is refused and shows the text.
    let (ok, _, err) = sjdj(&[
        "--addr",
        &addr,
        "--tokens",
        &tokens,
        "--as",
        "registrant",
        "app",
        "submit",
        &id,
    ]);
    assert!(!ok && err.contains("数据名称：企业登记信息"), "{err}");
    run("registrant", &["app", "submit", &id, "--yes"]);
    run("clerk", &["review", "accept", &id]);
    run("reviewer", &["review", "pass", &id, "--reason", "通过"]);
    run("admin", &["admin", "advance-clock", "--days", "30"]);
    let got: serde_json::Value =
        serde_json::from_str(&run("auditor", &["--json", "app", "get", &id])).unwrap();
    assert_eq!(got["state"], "APPLICATION_STATE_REGISTERED");
    let code = got["code"].as_str().unwrap().to_string();

    let cert = format!("{dir}/cert.txt");
    run("auditor", &["cert", "get", &code, "--out", &cert]);
    let key = format!("{dir}/node.key.pub");
    let (ok, out, err) = sjdj(&["cert", "verify", &cert, "--key", &key]);
    assert!(ok && out.contains("VALID"), "{out}{err}");
    // Another key: refused offline, with the reason.
    let other = format!("{dir}/other.key");
    sjdj::node::keyfile::generate(std::path::Path::new(&other)).unwrap();
    let (ok, _, err) = sjdj(&["cert", "verify", &cert, "--key", &format!("{other}.pub")]);
    assert!(!ok && err.contains("CERT_WRONG_KEY"), "{err}");
}

#[test]
fn an_invalid_config_is_refused_at_start_naming_every_bad_field() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "[node]\nid = \"bad id\"\nrole = \"city\"\nregion = \"440100\"\nlisten = \"nowhere\"\ndata_dir = \"/tmp/x\"\nkey_file = \"/tmp/x.key\"\n[limits]\nreview_days = 0\n[web]\npublic_url = \"sjdj.example/\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sjdj-node"))
        .arg("--config")
        .arg(&cfg)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    for field in [
        "node.id",
        "node.role",
        "node.region",
        "node.listen",
        "limits.review_days",
        "web.public_url",
    ] {
        assert!(err.contains(field), "{field} not named in: {err}");
    }
    std::fs::write(&cfg, "[node]\nid = \"x\"\nunknown_field = 1\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sjdj-node"))
        .arg("--config")
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("unknown_field")
    );
}

#[test]
fn a_world_readable_key_file_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("node.key");
    sjdj::node::keyfile::generate(&key).unwrap();
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = sjdj::node::keyfile::load(&key).unwrap_err().to_string();
    assert!(err.contains("chmod 600"), "{err}");
    assert!(sjdj::node::keyfile::generate(&key)
        .unwrap_err()
        .to_string()
        .contains("already exists"));
}

#[tokio::test]
async fn public_calls_are_rate_limited_per_client() {
    let node = Spec::province("limited", "440000")
        .set("public_api.rate_per_second", 1)
        .set("public_api.burst", 3)
        .start()
        .await;
    let mut registry =
        sjdj::grpc::pb::registry_service_client::RegistryServiceClient::new(node.channel().await);
    for _ in 0..3 {
        registry
            .get_node_info(sjdj::grpc::pb::GetNodeInfoRequest {})
            .await
            .expect("within the burst");
    }
    let refused = registry
        .get_node_info(sjdj::grpc::pb::GetNodeInfoRequest {})
        .await
        .unwrap_err();
    assert_eq!(
        (refused.code(), reason(&refused).as_str()),
        (tonic::Code::ResourceExhausted, "RATE_LIMITED")
    );
    // Staff and registrant services are authenticated and not limited this way.
    let mut h = tonic_health::pb::health_client::HealthClient::new(node.channel().await);
    h.check(tonic_health::pb::HealthCheckRequest {
        service: String::new(),
    })
    .await
    .expect("health is not limited");
}

/// `sjdj admin token-list` reads every page of ListTokens (100 a page) into one list.
#[tokio::test]
async fn the_cli_lists_every_page_of_tokens() {
    let node = Node::dev().await;
    for i in 0..120 {
        node.issue_token(sjdj::grpc::pb::Role::Clerk, &format!("clerk-{i:03}"), "", 0)
            .await;
    }
    let tokens = format!("{}/dev-tokens.json", node.data_dir().display());
    let args = [
        "--addr",
        &node.addr,
        "--tokens",
        &tokens,
        "--as",
        "admin",
        "--json",
        "admin",
        "token-list",
    ];
    let (ok, out, err) = sjdj(&args);
    assert!(ok, "{err}");
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    let listed = list["tokens"].as_array().expect("tokens");
    // The six dev tokens and the 120 issued, each once.
    assert_eq!(listed.len(), 126);
    let ids: std::collections::BTreeSet<&str> = listed
        .iter()
        .map(|t| t["tokenId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 126);
    assert!(list.get("nextPageToken").is_none_or(|t| t == ""), "{list}");
}
