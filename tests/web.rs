//! The web pages on a real node's listener, beside gRPC: the public site finds, shows and
//! verifies a registered record; refusals are pages with their reason code and HTTP status;
//! every page carries the security headers; `web.enabled = false` leaves gRPC alone.
mod common;
mod http;
use common::*;
use http::*;
use sjdj::grpc::pb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn the_public_site_finds_shows_and_verifies_a_registered_record() {
    let node = Node::dev().await;
    let app = node.registered().await;
    let code = app.code.clone();
    let addr = node.addr.clone();

    // Any substring of the name, across jieba's words: 企业|登记|信息.
    let found = get(&addr, &format!("/search?{}", encoded(&[("q", "业登记信")]))).await;
    assert_eq!(found.status, 200);
    assert_secured(&found, "search");
    assert!(
        found.body.contains(&format!("/records/{code}")),
        "{}",
        found.body
    );
    assert!(found.body.contains("共找到 <strong>1</strong> 条记录"));
    // Its facets: the subject's province (350100 is in 福建省), linked as a filter.
    assert!(found.body.contains("福建省"));
    let filter = "/search?q=%E4%B8%9A%E7%99%BB%E8%AE%B0%E4%BF%A1&#38;region=350000";
    assert!(found.body.contains(filter), "{}", found.body);
    let filtered = get(&addr, &filter.replace("&#38;", "&")).await;
    assert!(filtered.body.contains("共找到 <strong>1</strong> 条记录"));
    assert!(
        filtered.body.contains("aria-current=\"true\""),
        "the chosen value is marked"
    );
    let elsewhere = get(&addr, "/search?region=440000").await;
    assert!(elsewhere.body.contains("共找到 <strong>0</strong> 条记录"));
    let none = get(
        &addr,
        &format!("/search?{}", encoded(&[("q", "不存在的词")])),
    )
    .await;
    assert!(none.body.contains("没有符合条件的记录"));

    let page = get(&addr, &format!("/records/{code}")).await;
    assert_eq!(page.status, 200);
    assert_secured(&page, "record");
    for shown in [
        "企业登记信息",
        "某市数据局",
        "福建省",
        "第 1 版",
        "受理",
        "形式审查通过",
    ] {
        assert!(page.body.contains(shown), "record page lacks {shown}");
    }
    let ld_start = page.body.find("application/ld+json\">").expect("JSON-LD") + 21;
    let ld_end = ld_start + page.body[ld_start..].find("</script>").expect("its end");
    let ld: serde_json::Value = serde_json::from_str(&page.body[ld_start..ld_end]).expect("JSON");
    assert_eq!(ld["@type"], "Dataset");
    assert_eq!(ld["identifier"], code.as_str());
    assert_eq!(ld["name"], "企业登记信息");

    // DCAT-AP: the record as a dcat:Dataset, and the node's catalogue of them.
    let dcat = get(&addr, &format!("/records/{code}/dcat.jsonld")).await;
    assert_eq!(dcat.header("content-type"), Some("application/ld+json"));
    let d: serde_json::Value = serde_json::from_str(&dcat.body).expect("JSON-LD");
    assert_eq!(d["@type"], "dcat:Dataset");
    assert_eq!(d["dct:identifier"], code.as_str());
    assert_eq!(d["dct:title"]["@value"], "企业登记信息");
    assert_eq!(
        d["dcat:landingPage"]["@id"],
        format!("http://{addr}/records/{code}")
    );
    let catalog = get(&addr, "/catalog.jsonld").await;
    let c: serde_json::Value = serde_json::from_str(&catalog.body).expect("JSON-LD");
    assert_eq!(c["@type"], "dcat:Catalog");
    assert_eq!(c["hydra:totalItems"], 1);
    assert_eq!(c["dcat:dataset"][0]["dct:identifier"], code.as_str());

    let cert = registry(node.channel().await)
        .get_certificate(pb::GetCertificateRequest {
            key: Some(pb::get_certificate_request::Key::Code(code.clone())),
            version: 0,
        })
        .await
        .expect("certificate")
        .into_inner()
        .certificate
        .expect("a certificate");
    assert!(
        page.body.contains(&cert.query_code),
        "the record shows its query code"
    );
    let by_code = get(
        &addr,
        &format!("/verify?{}", encoded(&[("query_code", &cert.query_code)])),
    )
    .await;
    assert_secured(&by_code, "verify");
    assert!(by_code.body.contains("核验通过"), "{}", by_code.body);
    assert!(by_code.body.contains(&code));

    // The certificate's own page: its QR code holds the address that verifies it.
    let qc = &cert.query_code;
    let shown = get(&addr, &format!("/certificates/{qc}")).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_secured(&shown, "certificate");
    assert!(shown.body.contains("<svg") && shown.body.contains("<path"));
    let verify_url = format!("http://{addr}/verify?query_code={qc}");
    assert!(shown.body.contains(&verify_url), "{}", shown.body);
    let file = get(&addr, &format!("/certificates/{qc}/armored")).await;
    assert_eq!(file.body, cert.armored);
    assert!(file
        .header("content-disposition")
        .is_some_and(|d| d.starts_with("attachment; filename=")));
    let up = upload(&addr, "/verify/upload", "certificate", file.body.as_bytes()).await;
    assert!(up.body.contains("核验通过"), "{}", up.body);
    let up = upload(&addr, "/verify/upload", "certificate", &cert.signed).await;
    assert!(
        up.body.contains("核验通过"),
        "the signed bytes: {}",
        up.body
    );
    let up = upload(&addr, "/verify/upload", "certificate", b"not a certificate").await;
    assert!(
        up.body.contains("核验未通过") && up.body.contains("<code>CERT_BAD_MAGIC</code>"),
        "{}",
        up.body
    );

    let pasted = send(
        &addr,
        "POST",
        "/verify",
        Some(&encoded(&[("armored", &cert.armored)])),
    )
    .await
    .expect("HTTP");
    assert_eq!(pasted.status, 200);
    assert!(pasted.body.contains("核验通过"), "{}", pasted.body);
    // One character of the signed body changed: the signature no longer holds.
    let lines: Vec<&str> = cert.armored.lines().collect();
    let body_line = lines.iter().position(|l| l.is_empty()).expect("blank line") + 1;
    let mut tampered: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let first = tampered[body_line].remove(10);
    tampered[body_line].insert(10, if first == 'A' { 'B' } else { 'A' });
    let tampered = tampered.join("\n");
    let refused = send(
        &addr,
        "POST",
        "/verify",
        Some(&encoded(&[("armored", &tampered)])),
    )
    .await
    .expect("HTTP");
    assert!(refused.body.contains("核验未通过"), "{}", refused.body);
    assert!(refused.body.contains("<code>CERT_"), "{}", refused.body);

    let stats = get(&addr, "/statistics").await;
    assert_eq!(stats.status, 200);
    assert_secured(&stats, "statistics");
    assert!(stats.body.contains("登记记录共 <strong>1</strong> 条"));
    assert!(stats.body.contains("<svg") && stats.body.contains("<rect"));
    assert!(stats.body.contains("福建省"));

    let css = get(&addr, "/static/site.css").await;
    assert_eq!(css.status, 200);
    assert!(css
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/css"));
}

#[tokio::test]
async fn refusals_are_pages_with_their_reason_and_http_status() {
    let node = Spec::province("web", "350000")
        .drill()
        .set("public_api.rate_per_second", 1)
        .set("public_api.burst", 12)
        .set("web.max_form_bytes", 4096)
        .start()
        .await;
    let addr = node.addr.clone();
    let long = "数".repeat(201);
    let cases = [
        ("/records/XYZ".to_string(), 400, "CODE_LENGTH"),
        ("/nowhere".to_string(), 404, "PAGE_NOT_FOUND"),
        ("/search?status=BOGUS".to_string(), 400, "STATUS_INVALID"),
        ("/search?data_type=9".to_string(), 400, "DATA_TYPE_INVALID"),
        ("/search?year=99".to_string(), 400, "YEAR_INVALID"),
        (
            format!("/search?{}", encoded(&[("q", &long)])),
            400,
            "QUERY_TOO_LONG",
        ),
        (
            "/verify?query_code=zzzz".to_string(),
            404,
            "QUERY_CODE_NOT_FOUND",
        ),
        (
            "/certificates/zzzz".to_string(),
            404,
            "QUERY_CODE_NOT_FOUND",
        ),
    ];
    for (path, status, reason) in &cases {
        let a = get(&addr, path).await;
        assert_eq!(a.status, *status, "{path}: {}", a.body);
        assert!(
            a.body.contains(&format!("<code>{reason}</code>")),
            "{path}: {}",
            a.body
        );
        assert_secured(&a, path);
    }
    // A form past web.max_form_bytes is refused unread.
    let big = "A".repeat(5000);
    let a = send(
        &addr,
        "POST",
        "/verify",
        Some(&encoded(&[("armored", &big)])),
    )
    .await
    .expect("HTTP");
    assert_eq!(a.status, 413, "{}", a.body);
    assert!(a.body.contains("<code>FORM_TOO_LARGE</code>"), "{}", a.body);
    // A gRPC client at an unknown method still gets gRPC's UNIMPLEMENTED, not a page.
    let mut s = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let req = format!(
        "POST /sjdj.v1.Nothing/Here HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/grpc\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.expect("send");
    let mut raw = String::new();
    let _ = s.read_to_string(&mut raw).await;
    assert!(
        raw.to_ascii_lowercase().contains("grpc-status: 12"),
        "{raw}"
    );
    // The address's burst runs dry: the pages are held to the public calls' limit.
    let mut limited = None;
    for _ in 0..40 {
        let a = get(&addr, "/").await;
        if a.status == 429 {
            limited = Some(a);
            break;
        }
        assert_eq!(a.status, 200);
    }
    let a = limited.expect("the burst of 12 ran dry within 40 requests");
    assert!(a.body.contains("<code>RATE_LIMITED</code>"), "{}", a.body);
    assert_eq!(a.header("retry-after"), Some("1"));
    assert_secured(&a, "429");
    // gRPC callers share that bucket: at one call a second refilling it, five calls at once
    // from the same address cannot all pass.
    let mut r = registry(node.channel().await);
    let mut codes = Vec::new();
    for _ in 0..5 {
        codes.push(
            r.get_node_info(pb::GetNodeInfoRequest {})
                .await
                .err()
                .map(|e| e.code()),
        );
    }
    assert!(
        codes.contains(&Some(tonic::Code::ResourceExhausted)),
        "{codes:?}"
    );
}

#[tokio::test]
async fn a_node_with_the_web_off_serves_grpc_only() {
    let node = Spec::province("noweb", "350000")
        .set("web.enabled", false)
        .start()
        .await;
    let page = send(&node.addr, "GET", "/", None).await;
    assert!(
        page.is_err(),
        "an HTTP/1.1 page from a node with the web off"
    );
    registry(node.channel().await)
        .get_node_info(pb::GetNodeInfoRequest {})
        .await
        .expect("gRPC still answers");
}

#[tokio::test]
async fn the_public_objects_on_the_web_under_the_same_rules_as_over_grpc() {
    let node = Node::dev().await;
    let app = node.in_publicity().await;
    let addr = node.addr.clone();
    let list = get(&addr, "/publicity").await;
    assert_secured(&list, "publicity");
    assert!(
        list.body.contains(&format!("/publicity/{}", app.id)),
        "{}",
        list.body
    );
    let notice = get(&addr, &format!("/publicity/{}", app.id)).await;
    assert_eq!(notice.status, 200);
    assert_secured(&notice, "notice");
    // The exact text the registrant acknowledged, escaped as HTML.
    let first_line = app.publicity_text.lines().next().expect("a publicity text");
    assert!(notice.body.contains(first_line), "{}", notice.body);
    let request_id = hidden(&notice.body, "request_id");
    assert_eq!(request_id.len(), 32);

    let objections = |n: usize| {
        let node = &node;
        let id = app.id.clone();
        async move {
            let got = node.flow().await.get(&id).await;
            assert_eq!(got.objections.len(), n, "objections filed");
        }
    };
    let form = |request_id: &str, reason: &str| {
        encoded(&[
            ("request_id", request_id),
            ("objector_name", "李四"),
            ("objector_contact", "13800000000"),
            ("reason", reason),
        ])
    };
    let path = format!("/publicity/{}", app.id);
    let filed = send(
        &addr,
        "POST",
        &path,
        Some(&form(&request_id, "数据来源说明不实")),
    )
    .await
    .expect("HTTP");
    assert_eq!(filed.status, 303, "{}", filed.body);
    let location = filed.header("location").expect("redirected").to_string();
    assert!(
        location.starts_with(&format!("{path}?objection=")),
        "{location}"
    );
    let shown = get(&addr, &location).await;
    assert!(shown.body.contains("异议已提交"));
    // The form sent again (a reload, a double click) files nothing more.
    let again = send(
        &addr,
        "POST",
        &path,
        Some(&form(&request_id, "数据来源说明不实")),
    )
    .await
    .expect("HTTP");
    assert_eq!(again.header("location"), Some(location.as_str()));
    objections(1).await;

    // Refused by the flow's rules: the notice again, with the reason and what was typed.
    let empty = send(&addr, "POST", &path, Some(&form("another-id", "")))
        .await
        .expect("HTTP");
    assert_eq!(empty.status, 400, "{}", empty.body);
    assert!(empty.body.contains("异议未提交"), "{}", empty.body);
    assert!(
        empty.body.contains("value=\"李四\""),
        "what was typed is kept"
    );
    assert_secured(&empty, "refused objection");
    objections(1).await;

    // Three a day from one address on one application (quotas.objections_per_caller), each
    // form sent taking one as a FileObjection call does (the resend and the refused one too);
    // the share is FileObjection's own, so gRPC is refused as well.
    let over = send(&addr, "POST", &path, Some(&form("r4", "再一理由")))
        .await
        .expect("HTTP");
    assert_eq!(over.status, 429, "{}", over.body);
    assert!(
        over.body.contains("<code>OBJECTIONS_PER_CALLER</code>"),
        "{}",
        over.body
    );
    let grpc = registry(node.channel().await)
        .file_objection(pb::FileObjectionRequest {
            application_id: app.id.clone(),
            objector_name: "王五".into(),
            objector_contact: "13900000000".into(),
            reason: "经 gRPC".into(),
            request_id: "r5".into(),
        })
        .await
        .expect_err("the same caller's share is spent");
    assert_eq!(grpc.code(), tonic::Code::ResourceExhausted);
    objections(1).await;

    let missing = get(&addr, "/publicity/no-such-application").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("<code>NOTICE_NOT_FOUND</code>"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_national_node_lists_its_provinces_and_shows_their_records_confirmed() {
    let national = Node::dev().await;
    let gd = Node::federated("gd", "440000", &national).await;
    let app = gd.registered_for("440100").await;
    let addr = national.addr.clone();
    let page = eventually(20, "the record confirmed in the national book", || async {
        let page = get(&addr, &format!("/records/{}", app.code)).await;
        (page.status == 200 && page.body.contains("已确认（")).then_some(page)
    })
    .await;
    assert!(
        page.body.contains("<code>sjdj/440000/gd #"),
        "steps name gd's log"
    );
    let provinces = get(&addr, "/provinces").await;
    assert_eq!(provinces.status, 200, "{}", provinces.body);
    assert_secured(&provinces, "provinces");
    assert!(
        provinces
            .body
            .contains("广东省</a></td><td>gd</td><td>1</td>"),
        "{}",
        provinces.body
    );
    // A province keeps no book of the others.
    let refused = get(&gd.addr, "/provinces").await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("<code>NOT_NATIONAL</code>"));
}
