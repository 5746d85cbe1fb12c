//! A node in front of anonymous callers: what one caller can make it spend is bounded, and
//! past a bound the caller is told why while everyone else is still served. Each test is named
//! for the finding it guards against, measured over the wire on a real node.
mod common;

use common::{authed, reason, Node};
use sjdj::grpc::pb;
use std::time::{Duration, Instant};
use tonic::codegen::Bytes;
use tonic::Code;

fn registry(
    ch: tonic::transport::Channel,
) -> pb::registry_service_client::RegistryServiceClient<tonic::transport::Channel> {
    pb::registry_service_client::RegistryServiceClient::new(ch)
}

/// Opens a raw HTTP/2 connection to the node: calls whose bodies are sent only in part.
async fn h2_connection(node: &Node) -> h2::client::SendRequest<Bytes> {
    let tcp = tokio::net::TcpStream::connect(&node.addr).await.unwrap();
    let (send, conn) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(async move {
        let _ = conn.await;
    });
    send.ready().await.unwrap()
}

/// Starts an upload that declares a `declared`-byte message and sends `sent` bytes of it, then
/// stops sending. Returns the answer's grpc-status and grpc-message, once there is one.
async fn half_sent_upload(
    send: &mut h2::client::SendRequest<Bytes>,
    token: Option<&str>,
    declared: usize,
    sent: usize,
) -> tokio::task::JoinHandle<(String, String)> {
    let mut req = tonic::codegen::http::Request::builder()
        .method("POST")
        .uri("http://sjdj/sjdj.v1.RegistrationService/UploadAttachment")
        .header("content-type", "application/grpc")
        .header("te", "trailers");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let mut ready = send.clone().ready().await.unwrap();
    let (response, mut body) = ready.send_request(req.body(()).unwrap(), false).unwrap();
    let mut frame = vec![0u8];
    frame.extend_from_slice(&(declared as u32).to_be_bytes());
    frame.extend(std::iter::repeat_n(0x5a, sent));
    // Queued whatever the window; the node sees as much as it lets in, and never the rest.
    // (A call refused at its headers may already be reset: then there is nothing to send.)
    let _ = body.send_data(Bytes::from(frame), false);
    tokio::spawn(async move {
        let _keep_open = body;
        let r = response.await.expect("an answer");
        let header = |name: &str| {
            r.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        let (status, message) = (header("grpc-status"), header("grpc-message"));
        let message = percent_decode(&message);
        (status, message)
    })
}

/// grpc-message is percent-encoded.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn half_sent_uploads_are_refused_at_their_headers_or_cut_by_the_request_timeout() {
    let node = Node::province_dev_with(
        "uploads",
        "440000",
        "[server]\nrequest_timeout_ms = 3000\n[quotas]\nuploads_in_flight = 4\n",
    )
    .await;
    let before = node.rss_kib();
    let mut send = h2_connection(&node).await;
    // 60 anonymous uploads of 9 MiB each, 1 MiB sent: refused before a byte of body is read.
    let mut anonymous = Vec::new();
    for _ in 0..60 {
        anonymous.push(half_sent_upload(&mut send, None, 9 << 20, 1 << 20).await);
    }
    for a in anonymous {
        let (status, message) = a.await.unwrap();
        assert_eq!(status, "16", "UNAUTHENTICATED: {message}");
        assert!(message.starts_with("UNAUTHENTICATED"), "{message}");
    }
    let grown = node.rss_kib().saturating_sub(before);
    assert!(
        grown < 32 * 1024,
        "60 refused uploads grew the node by {grown} KiB"
    );
    // A registrant: four in flight at once, the rest refused with the quota's reason.
    let token = node.token("registrant");
    let started = Instant::now();
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(half_sent_upload(&mut send, Some(&token), 2 << 20, 1 << 20).await);
    }
    // The node admits a connection's calls in the order they arrive: the fifth finds four.
    let (status, message) = half_sent_upload(&mut send, Some(&token), 2 << 20, 16)
        .await
        .await
        .unwrap();
    assert_eq!(status, "8", "RESOURCE_EXHAUSTED: {message}");
    assert!(message.starts_with("UPLOADS_IN_FLIGHT"), "{message}");
    assert!(message.contains("quotas.uploads_in_flight"), "{message}");
    // Everyone else is served meanwhile.
    let info = registry(node.channel().await)
        .get_node_info(pb::GetNodeInfoRequest {})
        .await
        .expect("served while uploads stall");
    assert_eq!(info.into_inner().node_id, "uploads");
    // The stalled ones end by themselves at the request timeout, saying so.
    for h in held {
        let (status, message) = h.await.unwrap();
        assert_eq!(status, "4", "DEADLINE_EXCEEDED: {message}");
        assert!(message.starts_with("REQUEST_TIMEOUT"), "{message}");
    }
    assert!(started.elapsed() < Duration::from_secs(20));
    // With them gone the registrant uploads again.
    let mut reg =
        pb::registration_service_client::RegistrationServiceClient::new(node.channel().await);
    let upload = pb::UploadAttachmentRequest {
        kind: pb::AttachmentKind::RegistrationUndertaking as i32,
        file_name: "承诺书.txt".into(),
        content: "本单位承诺。".as_bytes().to_vec(),
    };
    reg.upload_attachment(authed(&token, upload))
        .await
        .expect("an upload after the stalled ones ended");
}

/// Opens `n` TCP connections from `local` that never send a byte.
async fn idle_connections(node: &Node, local: &str, n: usize) -> Vec<tokio::net::TcpStream> {
    let mut out = Vec::new();
    for _ in 0..n {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(format!("{local}:0").parse().unwrap()).unwrap();
        out.push(socket.connect(node.addr.parse().unwrap()).await.unwrap());
    }
    out
}

async fn node_info_from(node: &Node, local: &str) -> Result<pb::NodeInfo, tonic::Status> {
    let ch = node
        .channel_from(local)
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    registry(ch)
        .get_node_info(pb::GetNodeInfoRequest {})
        .await
        .map(|r| r.into_inner())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_idle_connections_leave_the_node_serving_everyone_else() {
    let node = Node::province_dev_with(
        "idle",
        "440000",
        "[server]\nmax_connections = 300\nmax_connections_per_address = 100\n\
         idle_timeout_ms = 6000\nkeepalive_interval_ms = 1000\n",
    )
    .await;
    // 1000 silent connections from ten addresses, 100 each.
    let mut idle = Vec::new();
    for i in 0..10 {
        idle.extend(idle_connections(&node, &format!("127.0.0.{}", 10 + i), 100).await);
    }
    let cpu = node.cpu_ticks();
    // The node holds 300; a new client past that is told why, once the 700 silent ones past
    // the limit have been let go (each gets half a second to speak).
    let refused = common::eventually(5, "a refusal that says why", || async {
        match node_info_from(&node, "127.0.0.2").await {
            Ok(_) => panic!("served while 300 idle connections were held"),
            Err(e) => Some(e).filter(|e| e.code() == Code::ResourceExhausted),
        }
    })
    .await;
    assert_eq!(reason(&refused), "TOO_MANY_CONNECTIONS", "{refused:?}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let spent = node.cpu_ticks() - cpu;
    assert!(
        spent < 50,
        "1000 idle connections cost {spent} ticks of CPU in a second"
    );
    // The silent ones are closed at the idle timeout; then everyone is served again.
    let info = common::eventually(
        20,
        "a client served once the idle ones are closed",
        || async { node_info_from(&node, "127.0.0.2").await.ok() },
    )
    .await;
    assert_eq!(info.node_id, "idle");
    let mut first = idle.remove(0);
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(10), async {
        use tokio::io::AsyncReadExt;
        loop {
            match first.read(&mut buf).await {
                Ok(0) | Err(_) => return 0,
                Ok(_) => continue, // the node's HTTP/2 preface, then the close
            }
        }
    })
    .await
    .expect("an idle connection is closed");
    assert_eq!(n, 0);
    drop(idle);
    // One address at its own limit does not take the others' places.
    let _held = idle_connections(&node, "127.0.0.5", 100).await;
    let refused = common::eventually(
        10,
        "the 101st connection from one address refused",
        || async { node_info_from(&node, "127.0.0.5").await.err() },
    )
    .await;
    assert_eq!(reason(&refused), "TOO_MANY_CONNECTIONS");
    node_info_from(&node, "127.0.0.6")
        .await
        .expect("another address is served");
}

#[tokio::test]
async fn a_refusal_repeats_at_most_64_characters_of_a_1_mib_input() {
    let node = Node::dev().await;
    let code = "1".repeat(1 << 20);
    let refused = registry(node.channel().await)
        .get_record(pb::GetRecordRequest { code })
        .await
        .unwrap_err();
    assert_eq!(reason(&refused), "CODE_LENGTH");
    assert!(
        refused.message().len() < 512,
        "{} bytes: {}",
        refused.message().len(),
        refused.message()
    );
    assert!(
        refused.details().len() < 1024,
        "{} bytes",
        refused.details().len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registrant_holds_at_most_its_quota_of_notification_streams() {
    let node =
        Node::province_dev_with("streams", "440000", "[quotas]\nstreams_per_token = 2\n").await;
    let token = node.token("registrant");
    let watch = || async {
        let mut reg =
            pb::registration_service_client::RegistrationServiceClient::new(node.channel().await);
        reg.watch_applications(authed(&token, pb::WatchApplicationsRequest::default()))
            .await
    };
    let one = watch().await.expect("first stream");
    let _two = watch().await.expect("second stream");
    let refused = watch().await.unwrap_err();
    assert_eq!(
        (refused.code(), reason(&refused).as_str()),
        (Code::ResourceExhausted, "TOO_MANY_STREAMS")
    );
    assert!(
        refused.message().contains("quotas.streams_per_token"),
        "{}",
        refused.message()
    );
    // Another token's streams are its own.
    let mut reg =
        pb::registration_service_client::RegistrationServiceClient::new(node.channel().await);
    let other = node.token("auditor");
    let staff = reg
        .watch_applications(authed(&other, pb::WatchApplicationsRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(
        reason(&staff),
        "WRONG_ROLE",
        "staff watch nothing, but were admitted"
    );
    // Closing a stream gives its place back.
    drop(one);
    common::eventually(10, "a stream once one was closed", || async {
        watch().await.ok()
    })
    .await;
}

#[tokio::test]
async fn token_holders_have_their_own_public_rate_limit_and_anonymous_callers_theirs() {
    let node = Node::province_dev_with(
        "rates",
        "440000",
        "[public_api]\nrate_per_second = 1\nburst = 2\n[quotas]\ntoken_rate_per_second = 1\ntoken_burst = 4\n",
    )
    .await;
    let mut r = registry(node.channel().await);
    let auditor = node.token("auditor");
    for _ in 0..4 {
        r.get_node_info(authed(&auditor, pb::GetNodeInfoRequest {}))
            .await
            .expect("within the token's burst");
    }
    let refused = r
        .get_node_info(authed(&auditor, pb::GetNodeInfoRequest {}))
        .await
        .unwrap_err();
    assert_eq!(
        (refused.code(), reason(&refused).as_str()),
        (Code::ResourceExhausted, "TOKEN_RATE_LIMITED")
    );
    // The same address without a token has its own bucket.
    for _ in 0..2 {
        r.get_node_info(pb::GetNodeInfoRequest {})
            .await
            .expect("within the address's burst");
    }
    let refused = r
        .get_node_info(pb::GetNodeInfoRequest {})
        .await
        .unwrap_err();
    assert_eq!(reason(&refused), "RATE_LIMITED");
    assert!(
        refused.message().contains("public_api"),
        "{}",
        refused.message()
    );
    // An invalid token is refused, never taken as anonymous.
    let bad = r
        .get_node_info(authed("sjdj_not_a_token", pb::GetNodeInfoRequest {}))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::Unauthenticated);
}

fn forwarded<T>(client: &str, msg: T) -> tonic::Request<T> {
    let mut r = tonic::Request::new(msg);
    r.metadata_mut()
        .insert("x-forwarded-for", client.parse().unwrap());
    r
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_named_client_is_limited_not_the_proxy() {
    let limits = "[public_api]\nrate_per_second = 1\nburst = 2\n";
    let behind = Node::province_dev_with(
        "proxied",
        "440000",
        &format!("{limits}[server]\ntrusted_proxies = [\"127.0.0.1\"]\n"),
    )
    .await;
    let mut r = registry(behind.channel().await);
    for client in ["198.51.100.7", "198.51.100.7"] {
        r.get_node_info(forwarded(client, pb::GetNodeInfoRequest {}))
            .await
            .expect("within the client's burst");
    }
    let refused = r
        .get_node_info(forwarded("198.51.100.7", pb::GetNodeInfoRequest {}))
        .await
        .unwrap_err();
    assert_eq!(reason(&refused), "RATE_LIMITED");
    r.get_node_info(forwarded(
        "10.9.8.7, 198.51.100.8",
        pb::GetNodeInfoRequest {},
    ))
    .await
    .expect("the last address the proxy names is the client");
    // IPv6 clients count per /64.
    for client in ["2001:db8:5:6::1", "2001:db8:5:6::2"] {
        r.get_node_info(forwarded(client, pb::GetNodeInfoRequest {}))
            .await
            .expect("within the /64's burst");
    }
    let refused = r
        .get_node_info(forwarded("2001:db8:5:6::3", pb::GetNodeInfoRequest {}))
        .await
        .unwrap_err();
    assert_eq!(reason(&refused), "RATE_LIMITED");
    // A node that trusts no proxy ignores the header: the caller is its peer address.
    let open = Node::province_dev_with("direct", "440000", limits).await;
    let mut r = registry(open.channel().await);
    for client in ["198.51.100.1", "198.51.100.2"] {
        r.get_node_info(forwarded(client, pb::GetNodeInfoRequest {}))
            .await
            .expect("within the peer's burst");
    }
    let refused = r
        .get_node_info(forwarded("198.51.100.3", pb::GetNodeInfoRequest {}))
        .await
        .unwrap_err();
    assert_eq!(reason(&refused), "RATE_LIMITED");
}

#[tokio::test]
async fn a_token_expires_on_the_node_clock_with_its_own_reason() {
    let node = Node::province_dev_with("ttl", "440000", "").await;
    let mut admin = node.admin().await;
    let created = node.issue_token(pb::Role::Auditor, "审计员", "", 1).await;
    let info = created.info.unwrap();
    let (made, expires) = (info.created_at.unwrap(), info.expires_at.unwrap());
    assert_eq!(expires.seconds - made.seconds, 86_400);
    let mut r = registry(node.channel().await);
    r.get_node_info(authed(&created.token, pb::GetNodeInfoRequest {}))
        .await
        .expect("a fresh token works");
    node.advance_days(2).await;
    let refused = r
        .get_node_info(authed(&created.token, pb::GetNodeInfoRequest {}))
        .await
        .unwrap_err();
    assert_eq!(
        (refused.code(), reason(&refused).as_str()),
        (Code::Unauthenticated, "TOKEN_EXPIRED")
    );
    let listed = admin
        .list_tokens(authed(&node.token("admin"), pb::ListTokensRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert!(listed.tokens.iter().all(|t| t.expires_at.is_some()));
    let too_long = admin
        .create_token(authed(
            &node.token("admin"),
            pb::CreateTokenRequest {
                request_id: common::rid(),
                role: pb::Role::Clerk as i32,
                holder: "受理员".into(),
                ttl_days: 36_501,
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(reason(&too_long), "TOKEN_TTL_TOO_LONG");
}

#[tokio::test]
async fn another_subject_and_the_public_learn_nothing_of_which_application_ids_exist() {
    let node = Node::dev().await;
    let flow = node.flow().await;
    let draft = flow.create(flow.materials().await).await.unwrap();
    let other = node
        .issue_token(pb::Role::Registrant, "其他单位", "91110000802100433B", 0)
        .await
        .token;
    let mut reg =
        pb::registration_service_client::RegistrationServiceClient::new(node.channel().await);
    let get = |id: &str| pb::GetApplicationRequest {
        application_id: id.into(),
    };
    let theirs = reg
        .get_application(authed(&other, get(&draft.id)))
        .await
        .unwrap_err();
    let absent = reg
        .get_application(authed(&other, get("A0000099999")))
        .await
        .unwrap_err();
    let same = |a: &tonic::Status, id_a: &str, b: &tonic::Status, id_b: &str| {
        assert_eq!(a.code(), b.code());
        assert_eq!(reason(a), reason(b));
        assert_eq!(
            a.message().replace(id_a, "ID"),
            b.message().replace(id_b, "ID")
        );
    };
    same(&theirs, &draft.id, &absent, "A0000099999");
    assert_eq!(reason(&theirs), "NOT_FOUND");
    // The public may object only in publicity: a draft looks like no application at all.
    let object = |id: &str| pb::FileObjectionRequest {
        request_id: common::rid(),
        application_id: id.into(),
        objector_name: "张三".into(),
        objector_contact: "13800000000".into(),
        reason: "存疑".into(),
    };
    let mut r = registry(node.channel().await);
    let on_draft = r.file_objection(object(&draft.id)).await.unwrap_err();
    let on_nothing = r.file_objection(object("A0000099999")).await.unwrap_err();
    same(&on_draft, &draft.id, &on_nothing, "A0000099999");
}

/// Bytes under a directory.
fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                dir_bytes(&e.path())
            } else {
                m.len()
            }
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registrant_cannot_fill_the_store_with_edits_of_a_large_draft() {
    let node = Node::province_dev_with(
        "drafts",
        "440000",
        "[quotas]\ndraft_bytes = 4194304\nentries_bytes = 1048576\n",
    )
    .await;
    let flow = node.flow().await;
    let mut m = flow.materials().await;
    // 9.6 MB of materials, as measured (fields are a list with no count limit of their own):
    // refused whole, naming the key.
    let field = |n: usize, chars: usize| pb::Field {
        name: format!("字段{n}"),
        r#type: "文本".into(),
        description: "说".repeat(chars),
    };
    m.resource.as_mut().unwrap().fields = (0..500).map(|n| field(n, 4000)).collect();
    let refused = flow.create(m.clone()).await.unwrap_err();
    assert_eq!(
        (refused.code(), reason(&refused).as_str()),
        (Code::ResourceExhausted, "MATERIALS_TOO_LARGE")
    );
    assert!(refused.message().contains("quotas.materials_bytes"));
    // Near the materials limit (about 750 KB), edits stop once the draft stored 4 MiB.
    m.resource.as_mut().unwrap().fields = (0..250).map(|n| field(n, 1000)).collect();
    let app = flow.create(m.clone()).await.expect("a large draft");
    let mut reg = pb::registration_service_client::RegistrationServiceClient::new(flow.ch.clone());
    let mut edits = 0;
    let refused = loop {
        let req = pb::UpdateApplicationRequest {
            request_id: common::rid(),
            application_id: app.id.clone(),
            materials: Some(m.clone()),
        };
        match reg.update_application(authed(&flow.registrant, req)).await {
            Ok(_) => edits += 1,
            Err(e) => break e,
        }
        assert!(edits < 20, "20 edits of a 750 KB draft were all stored");
    };
    assert_eq!(reason(&refused), "DRAFT_STORAGE_EXHAUSTED", "{refused:?}");
    assert!(edits >= 2, "only {edits} edits");
    let store = dir_bytes(&node.dir.path().join("store"));
    assert!(store < 64 << 20, "the store grew to {store} bytes");
    // The entries of such a log come in answers of at most about 1 MiB.
    let want = 7 + edits;
    let mut log =
        pb::transparency_service_client::TransparencyServiceClient::new(node.channel().await);
    let size = common::eventually(10, "a checkpoint over the edits", || {
        let mut log = log.clone();
        async move {
            let cp = log.get_checkpoint(pb::GetCheckpointRequest {}).await.ok()?;
            let cp = cp.into_inner();
            (cp.size >= want).then_some(cp.size)
        }
    })
    .await;
    let answer = log
        .list_entries(pb::ListEntriesRequest {
            start: 0,
            end: size,
        })
        .await
        .unwrap()
        .into_inner();
    let bytes: usize = answer.entries.iter().map(|e| e.data.len()).sum();
    assert!(!answer.entries.is_empty());
    assert!(
        bytes <= (1 << 20) || answer.entries.len() == 1,
        "{bytes} bytes in {} entries",
        answer.entries.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymous_objections_are_bounded_per_caller_and_per_application() {
    let node = Node::province_dev_with("objections", "440000", "").await;
    let app = node.in_publicity().await;
    let before = dir_bytes(&node.dir.path().join("store"));
    let object = || pb::FileObjectionRequest {
        request_id: common::rid(),
        application_id: app.id.clone(),
        objector_name: "张三".into(),
        objector_contact: String::new(),
        reason: "异".repeat(4000),
    };
    // One address: three objections a day on one application, then a clear refusal.
    let mut r = registry(node.channel_from("127.0.0.7").await.unwrap());
    for _ in 0..3 {
        r.file_objection(object())
            .await
            .expect("within the caller's quota");
    }
    let refused = r.file_objection(object()).await.unwrap_err();
    assert_eq!(
        (refused.code(), reason(&refused).as_str()),
        (Code::ResourceExhausted, "OBJECTIONS_PER_CALLER")
    );
    // Many addresses: the application takes twenty, then refuses whoever asks.
    let mut filed = 3;
    let mut last = None;
    for i in 0..40 {
        let mut r = registry(
            node.channel_from(&format!("127.0.1.{}", i + 1))
                .await
                .unwrap(),
        );
        match r.file_objection(object()).await {
            Ok(_) => filed += 1,
            Err(e) => {
                last = Some(e);
                break;
            }
        }
    }
    assert_eq!(filed, 20);
    assert_eq!(
        reason(&last.expect("refused at the application's quota")),
        "OBJECTIONS_PER_APPLICATION"
    );
    let grown = dir_bytes(&node.dir.path().join("store")).saturating_sub(before);
    assert!(
        grown < 48 << 20,
        "twenty objections grew the store by {grown} bytes"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_public_log_holds_no_draft_contact_objector_or_token_holder_in_clear() {
    let node = Node::province_dev_with("privacy", "440000", "").await;
    let mut admin = node.admin().await;
    node.issue_token(pb::Role::Clerk, "受理员欧阳娜娜", "", 0)
        .await;
    // A draft with a name nobody published, withdrawn before submission.
    let flow = node.flow().await;
    let mut m = flow.materials().await;
    m.resource.as_mut().unwrap().name = "未公开的内部数据资源".into();
    m.subject.as_mut().unwrap().contact.as_mut().unwrap().phone = "020-87654321".into();
    let draft = flow.create(m).await.unwrap();
    let mut reg = pb::registration_service_client::RegistrationServiceClient::new(flow.ch.clone());
    reg.withdraw_application(authed(
        &flow.registrant,
        pb::WithdrawApplicationRequest {
            request_id: common::rid(),
            application_id: draft.id.clone(),
            reason: "撤回原因不宜公开".into(),
        },
    ))
    .await
    .unwrap();
    // An objection by a named person on an application in publicity.
    let app = node.in_publicity().await;
    registry(node.channel().await)
        .file_objection(pb::FileObjectionRequest {
            request_id: common::rid(),
            application_id: app.id.clone(),
            objector_name: "异议人司马光".into(),
            objector_contact: "13912345678".into(),
            reason: "数据来源存疑".into(),
        })
        .await
        .unwrap();
    let mut log =
        pb::transparency_service_client::TransparencyServiceClient::new(node.channel().await);
    let want = common::eventually(10, "a checkpoint over the objection", || {
        let mut log = log.clone();
        async move {
            let cp = log.get_checkpoint(pb::GetCheckpointRequest {}).await.ok()?;
            let size = cp.into_inner().size;
            (size >= 14).then_some(size)
        }
    })
    .await;
    let entries = log
        .list_entries(pb::ListEntriesRequest {
            start: 0,
            end: want,
        })
        .await
        .unwrap()
        .into_inner()
        .entries;
    let text: String = entries
        .iter()
        .map(|e| String::from_utf8_lossy(&e.data).into_owned())
        .collect();
    for private in [
        "欧阳娜娜",
        "未公开的内部数据资源",
        "020-87654321",
        "撤回原因不宜公开",
        "司马光",
        "13912345678",
        "dev-",
    ] {
        assert!(!text.contains(private), "{private:?} is in the public log");
    }
    // What is public by design is there: the objection's reason, the publicity notice.
    assert!(text.contains("数据来源存疑"));
    assert!(text.contains("publicity_text"));
    // The auditor opens the withdrawn draft's commitments; a registrant may not.
    let withdrawn = entries
        .iter()
        .find(|e| String::from_utf8_lossy(&e.data).contains("reason_commitment"))
        .expect("the withdrawal entry");
    let openings = admin
        .get_log_openings(authed(
            &node.token("auditor"),
            pb::GetLogOpeningsRequest {
                index: withdrawn.index,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(openings
        .openings
        .iter()
        .any(|o| o.field == "reason" && o.value == "撤回原因不宜公开"));
    let refused = admin
        .get_log_openings(authed(
            &node.token("registrant"),
            pb::GetLogOpeningsRequest {
                index: withdrawn.index,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(reason(&refused), "WRONG_ROLE");
}
