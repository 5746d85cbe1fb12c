//! The web pages of the national book, fetched as a browser fetches them: HTTP/1.1 on one
//! kept-alive connection per client, the search page for the bench's common and rare queries
//! (with its counts per facet) and a record's page, timed from request to the last byte.
use super::*;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

pub(super) const SEARCH_PAGE: &str = "search page (HTML)";
pub(super) const RECORD_PAGE: &str = "record page (HTML)";

/// One GET on the connection; the status, once the whole body is read.
async fn get(
    conn: &mut BufReader<tokio::net::TcpStream>,
    addr: &str,
    path: &str,
) -> Result<u16, String> {
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    conn.get_mut()
        .write_all(req.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut line = String::new();
    conn.read_line(&mut line).await.map_err(|e| e.to_string())?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("not an HTTP answer: {line:?}"))?;
    let mut length = 0usize;
    loop {
        line.clear();
        conn.read_line(&mut line).await.map_err(|e| e.to_string())?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((n, v)) = l.split_once(':') {
            if n.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().map_err(|_| "bad length".to_string())?;
            }
        }
    }
    let mut body = vec![0; length];
    conn.read_exact(&mut body)
        .await
        .map_err(|e| e.to_string())?;
    Ok(status)
}

fn encoded(q: &str) -> String {
    let mut s = String::new();
    for b in q.bytes() {
        let _ = write!(s, "%{b:02X}");
    }
    s
}

/// A client's loop: search pages and record pages in turn, until `deadline`.
pub(super) async fn page_loop(
    addr: String,
    codes: Arc<Vec<String>>,
    queries: Arc<Vec<String>>,
    i: usize,
    deadline: Instant,
) -> Samples {
    let mut s = Samples::default();
    let mut conn = match tokio::net::TcpStream::connect(&addr).await {
        Ok(c) => BufReader::new(c),
        Err(e) => {
            s.fail(SEARCH_PAGE, e.to_string());
            return s;
        }
    };
    let mut x = 0xD1B5_4A32_D192_ED03 ^ (i as u64 + 1);
    let mut n = i;
    while Instant::now() < deadline {
        n += 1;
        let r = super::book::next(&mut x) as usize;
        let (call, path) = if n.is_multiple_of(2) {
            let q = &queries[r % queries.len()];
            (SEARCH_PAGE, format!("/search?q={}", encoded(q)))
        } else {
            (RECORD_PAGE, format!("/records/{}", codes[r % codes.len()]))
        };
        let t = Instant::now();
        match get(&mut conn, &addr, &path).await {
            Ok(200) => {
                s.ops += 1;
                s.time(call, t);
            }
            Ok(status) => s.fail(call, format!("HTTP {status} for {path}")),
            Err(e) => {
                s.fail(call, e);
                break;
            }
        }
    }
    s
}
