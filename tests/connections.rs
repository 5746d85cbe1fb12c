//! A node in front of anonymous callers, at the connection level: half-sent uploads and silent
//! connections are bounded, and past a bound the caller is told why while everyone else is still
//! served. Each test is named for the finding it guards against, on a real node.
mod common;

use common::{authed, reason, registry, Node, Spec};
use sjdj::grpc::pb;
use std::time::{Duration, Instant};
use tonic::codegen::Bytes;
use tonic::Code;

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
    let node = Spec::province("uploads", "440000")
        .drill()
        .set("server.request_timeout_ms", 3000)
        .set("quotas.uploads_in_flight", 4)
        .start()
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

async fn node_info_from(
    node: &Node,
    local: &str,
) -> Result<pb::GetNodeInfoResponse, tonic::Status> {
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
    let node = Spec::province("idle", "440000")
        .drill()
        .set("server.max_connections", 300)
        .set("server.max_connections_per_address", 100)
        .set("server.idle_timeout_ms", 6000)
        .set("server.keepalive_interval_ms", 1000)
        .start()
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

/// The node turns transparent huge pages off for itself: its allocator asks for them, and a
/// 2 MB page is resident as soon as one byte of it is, which made most of a large node's memory.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_node_runs_without_transparent_huge_pages() {
    let node = Spec::province("thp", "440000").drill().start().await;
    let status = std::fs::read_to_string(format!("/proc/{}/status", node.pid())).unwrap();
    let thp = |status: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("THP_enabled:"))
            .map(|v| v.trim().to_string())
    };
    // Kernels before 5.0 show no such line (this process would lack it too).
    let own = thp(&std::fs::read_to_string("/proc/self/status").unwrap());
    if own.is_some() {
        assert_eq!(
            thp(&status).as_deref(),
            Some("0"),
            "THP_enabled of the node"
        );
    }
}
