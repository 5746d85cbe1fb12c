//! TLS on the listener and mutual TLS between nodes, with a test CA made for each run (rcgen):
//! a province with a client certificate from the national CA syncs over https; a node-to-node
//! call without one is refused, while the public registry needs none; plain gRPC to a TLS
//! listener does not connect.
mod common;

use common::{eventually, Carries, Spec};
use rcgen::{CertificateParams, DnType, IsCa, Issuer, KeyPair};
use sjdj::grpc::pb;
use std::path::Path;
use tonic::transport::{Certificate, ClientTlsConfig, Identity};

/// A CA and what it signs, written as PEM files into `dir`.
struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let key = KeyPair::generate().unwrap();
        let pem = params.self_signed(&key).unwrap().pem();
        Ca {
            issuer: Issuer::new(params, key),
            pem,
        }
    }

    /// Issues a certificate for `name` (also valid for 127.0.0.1) and writes
    /// `{name}.crt`/`{name}.key` into `dir`.
    fn issue(&self, dir: &Path, name: &str) -> (String, String) {
        let params = CertificateParams::new(vec!["127.0.0.1".into(), name.into()]).unwrap();
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap().pem();
        std::fs::write(dir.join(format!("{name}.crt")), &cert).unwrap();
        let mut f = sjdj::store::files::create_private(&dir.join(format!("{name}.key"))).unwrap();
        std::io::Write::write_all(&mut f, key.serialize_pem().as_bytes()).unwrap();
        (cert, key.serialize_pem())
    }

    fn write(&self, dir: &Path) {
        std::fs::write(dir.join("ca.crt"), &self.pem).unwrap();
    }

    fn client(&self, identity: Option<(String, String)>) -> ClientTlsConfig {
        let tls = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&self.pem));
        match identity {
            Some((c, k)) => tls.identity(Identity::from_pem(c, k)),
            None => tls,
        }
    }
}

/// TLS on the node's listener with the certificate `name` issued in `dir`.
fn with_tls(spec: Spec, dir: &Path, name: &str) -> Spec {
    let file = |f: String| dir.join(f).display().to_string();
    spec.set("tls.cert_file", file(format!("{name}.crt")))
        .set("tls.key_file", file(format!("{name}.key")))
}

#[tokio::test(flavor = "multi_thread")]
async fn provinces_sync_over_mutual_tls_and_calls_without_a_client_certificate_are_refused() {
    let ca = Ca::new("sjdj test CA");
    // The national node: TLS, and client certificates from the CA required for federation.
    let dir = tempfile::tempdir().unwrap();
    ca.write(dir.path());
    ca.issue(dir.path(), "national");
    let ca_file = dir.path().join("ca.crt").display().to_string();
    let national = with_tls(Spec::national().drill(), dir.path(), "national")
        .set("tls.client_ca_file", ca_file)
        .start_in(dir, Some(ca.client(None)))
        .await;
    assert!(national.url().starts_with("https://"));

    // Guangdong: its own TLS listener, and a client certificate for the national node.
    let dir = tempfile::tempdir().unwrap();
    ca.write(dir.path());
    ca.issue(dir.path(), "gd");
    let key = sjdj::node::keyfile::generate(&dir.path().join("node.key")).unwrap();
    national
        .delegate("gd", "440000", &hex::encode(key.verifying_key().to_bytes()))
        .await
        .unwrap();
    let file = |f: &str| dir.path().join(f).display().to_string();
    let gd = with_tls(Spec::province("gd", "440000").drill(), dir.path(), "gd")
        .set("federation.national_url", national.url())
        .set("federation.national_key", national.public_key_hex())
        .set("federation.push_interval_ms", 100)
        .set("federation.ca_file", file("ca.crt"))
        .set("federation.client_cert_file", file("gd.crt"))
        .set("federation.client_key_file", file("gd.key"))
        .start_in(dir, Some(ca.client(None)))
        .await;
    // Over mutual TLS gd follows the national log until it sees its own delegation.
    gd.wait_delegated().await;
    let app = gd.registered().await;
    // The public registry needs no client certificate, only TLS.
    let record = eventually(20, "gd's record in the national book", || async {
        let mut reg =
            pb::registry_service_client::RegistryServiceClient::new(national.channel().await);
        let code = app.code.clone();
        reg.get_record(pb::GetRecordRequest { code }).await.ok()
    })
    .await;
    assert_eq!(record.into_inner().carried().unwrap().issuer_node, "gd");

    // A node-to-node call over TLS but without a client certificate is refused.
    let mut fed =
        pb::federation_service_client::FederationServiceClient::new(national.channel().await);
    let r = fed
        .push(pb::PushRequest {
            node_id: "gd".into(),
            envelope: None,
        })
        .await
        .unwrap_err();
    assert_eq!(r.code(), tonic::Code::Unauthenticated);
    assert!(
        r.message().starts_with("CLIENT_CERT_REQUIRED"),
        "{}",
        r.message()
    );
    // A certificate of the national CA issued to another node cannot call as gd.
    let fj_dir = tempfile::tempdir().unwrap();
    let fj = ca.issue(fj_dir.path(), "fj");
    let ch = tonic::transport::Channel::from_shared(national.url())
        .unwrap()
        .tls_config(ca.client(Some(fj)))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let r = pb::federation_service_client::FederationServiceClient::new(ch)
        .push(pb::PushRequest {
            node_id: "gd".into(),
            envelope: None,
        })
        .await
        .unwrap_err();
    assert_eq!(
        (r.code(), common::reason(&r).as_str()),
        (tonic::Code::PermissionDenied, "CLIENT_CERT_WRONG_NODE"),
        "{r:?}"
    );
    // A certificate from another CA does not get past the TLS handshake.
    let stranger = Ca::new("not the sjdj CA");
    let other = tempfile::tempdir().unwrap();
    let identity = stranger.issue(other.path(), "intruder");
    let tls = ca.client(Some(identity));
    let refused = tonic::transport::Channel::from_shared(national.url())
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .connect()
        .await;
    let reached = match refused {
        Err(_) => false,
        Ok(ch) => pb::federation_service_client::FederationServiceClient::new(ch)
            .get_trust_list(pb::GetTrustListRequest {})
            .await
            .is_ok(),
    };
    assert!(
        !reached,
        "a client certificate from another CA was accepted"
    );
    // Plain gRPC to a TLS listener gets nowhere.
    let plain = tonic::transport::Channel::from_shared(format!("http://{}", national.addr))
        .unwrap()
        .connect()
        .await;
    let answered = match plain {
        Err(_) => false,
        Ok(ch) => pb::registry_service_client::RegistryServiceClient::new(ch)
            .get_node_info(pb::GetNodeInfoRequest {})
            .await
            .is_ok(),
    };
    assert!(
        !answered,
        "a plain-text call was answered by a TLS listener"
    );
}

/// The web pages on a TLS listener: a browser's HTTP/1.1 request over TLS gets the page, with
/// HSTS, from the address that serves gRPC.
#[tokio::test]
async fn a_tls_node_serves_its_pages_over_https_with_hsts() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls;
    let ca = Ca::new("sjdj test CA");
    let dir = tempfile::tempdir().unwrap();
    ca.issue(dir.path(), "gd");
    let gd = with_tls(Spec::province("gd", "440000"), dir.path(), "gd")
        .start_in(tempfile::tempdir().unwrap(), Some(ca.client(None)))
        .await;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pki_types::pem::PemObject::pem_slice_iter(ca.pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(&gd.addr).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let mut tls = connector.connect(name, tcp).await.expect("TLS handshake");
    let req = format!(
        "GET /statistics HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        gd.addr
    );
    tls.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    let _ = tls.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw).to_lowercase();
    assert!(text.starts_with("http/1.1 200"), "{text}");
    assert!(
        text.contains("strict-transport-security: max-age=31536000"),
        "{text}"
    );
    assert!(text.contains("登记统计"), "{text}");
}

/// A TLS private key that group or others can read is refused at start, as the node key is.
#[cfg(unix)]
#[test]
fn a_tls_key_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let ca = Ca::new("sjdj test CA");
    let dir = tempfile::tempdir().unwrap();
    ca.issue(dir.path(), "national");
    let key = dir.path().join("national.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    sjdj::node::keyfile::generate(&dir.path().join("node.key")).unwrap();
    let config = dir.path().join("node.toml");
    let spec = with_tls(Spec::national().drill(), dir.path(), "national");
    std::fs::write(&config, spec.toml(dir.path())).unwrap();
    let out = std::process::Command::new(common::node_bin())
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "the TLS key {} is readable by group or others (mode 644)",
            key.display()
        )),
        "{text}"
    );
}
