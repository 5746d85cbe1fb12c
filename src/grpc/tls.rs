//! TLS for the gRPC edge (rustls, through tonic): the server's identity and, for mutual TLS,
//! the CA whose client certificates it accepts; and the client side nodes and the CLI use.
//! Client certificates are optional at the TLS layer so one listener can serve the public and
//! the nodes; FederationService requires one when the node is configured with a client CA.
use std::path::Path;
use tonic::transport::{Certificate, ClientTlsConfig, Identity, ServerTlsConfig};

fn read(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read the {what} {}: {e}", path.display()))
}

/// A private key file, refused when group or others can read it (as the node key is): a key
/// others can read is a key others may hold.
fn read_key(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    let mode = crate::store::files::readable_by_others(path)
        .map_err(|e| format!("cannot read the {what} {}: {e}", path.display()))?;
    if let Some(mode) = mode {
        return Err(format!(
            "the {what} {} is readable by group or others (mode {mode:o}); run: chmod 600 {}",
            path.display(),
            path.display()
        ));
    }
    read(path, what)
}

/// The server side: certificate chain and key (PEM), and optionally a client CA (PEM).
pub fn server(
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
) -> Result<ServerTlsConfig, String> {
    let identity = Identity::from_pem(read(cert, "TLS certificate")?, read_key(key, "TLS key")?);
    let mut tls = ServerTlsConfig::new().identity(identity);
    if let Some(ca) = client_ca {
        tls = tls
            .client_ca_root(Certificate::from_pem(read(ca, "client CA")?))
            .client_auth_optional(true);
    }
    Ok(tls)
}

/// The client side: the CA that signed the server's certificate (PEM) and, for mutual TLS,
/// this client's certificate and key (PEM).
pub fn client(ca: &Path, identity: Option<(&Path, &Path)>) -> Result<ClientTlsConfig, String> {
    let mut tls = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(read(ca, "CA")?));
    if let Some((cert, key)) = identity {
        tls = tls.identity(Identity::from_pem(
            read(cert, "client certificate")?,
            read_key(key, "client key")?,
        ));
    }
    Ok(tls)
}

/// A channel to another node, connected on first use (so a node that is down is simply retried),
/// over TLS when `tls` is given.
pub fn lazy_channel(
    url: &str,
    tls: Option<&ClientTlsConfig>,
) -> Result<tonic::transport::Channel, tonic::transport::Error> {
    let mut e = tonic::transport::Endpoint::from_shared(url.to_string())?
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(60));
    if let Some(tls) = tls {
        e = e.tls_config(tls.clone())?;
    }
    Ok(e.connect_lazy())
}

/// Whether a client certificate (DER, already verified against the client CA by the TLS layer)
/// is one of node `node_id`: one of its subject alternative names is the node id as a DNS name.
/// That is how a bureau's CA names a node's client certificate, so a certificate issued to one
/// province cannot push or follow as another.
pub fn names_node(cert_der: &[u8], node_id: &str) -> bool {
    let der = rustls_pki_types::CertificateDer::from(cert_der);
    let Ok(cert) = webpki::EndEntityCert::try_from(&der) else {
        return false;
    };
    let Ok(name) = rustls_pki_types::ServerName::try_from(node_id) else {
        return false;
    };
    cert.verify_is_valid_for_subject_name(&name).is_ok()
}
