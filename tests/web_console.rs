//! The staff console on a real node: sign-in with a token for an HttpOnly, SameSite=Strict
//! session cookie; the queues; decisions through the flow's own commands, each form refused
//! without its CSRF token; the engine's refusals (a clerk passing review) shown on the page
//! with nothing changed; sign-out ending the session.
mod common;
mod http;
use common::*;
use http::*;

/// Signs in with `token`: the session cookie (`name=value`) and the console's first page.
async fn sign_in(addr: &str, token: &str) -> (String, Answer) {
    sign_in_to(addr, token, "/staff").await
}

/// Signs in with `token`, led to `home`: the session cookie and that page.
async fn sign_in_to(addr: &str, token: &str, home: &str) -> (String, Answer) {
    let login = get(addr, "/staff/login").await;
    let (form_cookie, attributes) = set_cookie(&login, "sjdj_login").expect("the form's cookie");
    assert!(attributes.contains("HttpOnly") && attributes.contains("SameSite=Strict"));
    let csrf = hidden(&login.body, "csrf");
    let form = encoded(&[("csrf", &csrf), ("token", token)]);
    let signed = send_with(
        addr,
        "POST",
        "/staff/login",
        &[("Cookie", &form_cookie)],
        Some(&form),
    )
    .await
    .expect("HTTP");
    assert_eq!(signed.status, 303, "{}", signed.body);
    assert_eq!(signed.header("location"), Some(home));
    let (session, attributes) = set_cookie(&signed, "sjdj_session").expect("a session cookie");
    for a in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"] {
        assert!(attributes.contains(a), "{a} not in {attributes}");
    }
    let console = get_with(addr, home, &[("Cookie", &session)]).await;
    assert_eq!(console.status, 200, "{}", console.body);
    (session, console)
}

/// The application's state, as gRPC names it (`SUBMITTED`, …).
async fn state(node: &Node, id: &str) -> String {
    let state = node.flow().await.get(id).await.state;
    sjdj::grpc::pb::ApplicationState::try_from(state)
        .map_or("?", |s| s.as_str_name())
        .trim_start_matches("APPLICATION_STATE_")
        .to_string()
}

#[tokio::test]
async fn staff_sign_in_decide_and_are_refused_as_over_grpc() {
    let node = Node::dev().await;
    let app = node.flow().await.submitted().await;
    let addr = node.addr.clone();

    // Without a session: the page says to sign in.
    let anonymous = get(&addr, "/staff").await;
    assert_eq!(anonymous.status, 401);
    assert!(anonymous.body.contains("<code>SIGN_IN_REQUIRED</code>"));
    assert!(anonymous.body.contains("href=\"/staff/login\""));
    // A sign-in form not shown by this node (no cookie of its own) is refused.
    let forged = send(
        &addr,
        "POST",
        "/staff/login",
        Some(&encoded(&[
            ("csrf", "abc"),
            ("token", &node.token("clerk")),
        ])),
    )
    .await
    .expect("HTTP");
    assert_eq!(forged.status, 403);
    assert!(forged.body.contains("<code>CSRF_TOKEN_INVALID</code>"));
    assert!(set_cookie(&forged, "sjdj_session").is_none());
    // A wrong token: the form again, with why.
    let login = get(&addr, "/staff/login").await;
    let (form_cookie, _) = set_cookie(&login, "sjdj_login").unwrap();
    let csrf = hidden(&login.body, "csrf");
    let wrong = send_with(
        &addr,
        "POST",
        "/staff/login",
        &[("Cookie", &form_cookie)],
        Some(&encoded(&[("csrf", &csrf), ("token", "not-a-token")])),
    )
    .await
    .expect("HTTP");
    assert_eq!(wrong.status, 401);
    assert!(
        wrong.body.contains("登录未成功") && wrong.body.contains("<code>UNAUTHENTICATED</code>")
    );

    let (clerk, console) = sign_in(&addr, &node.token("clerk")).await;
    assert_secured(&console, "console");
    assert!(console
        .body
        .contains(&format!("/staff/applications/{}", app.id)));
    let page = get_with(
        &addr,
        &format!("/staff/applications/{}", app.id),
        &[("Cookie", &clerk)],
    )
    .await;
    assert_eq!(page.status, 200);
    assert_secured(&page, "application");
    assert!(page.body.contains("企业登记信息") && page.body.contains("登记承诺书"));
    let csrf = hidden(&page.body, "csrf");
    let request_id = hidden(&page.body, "request_id");
    let accept = format!("/staff/applications/{}/accept", app.id);

    // The form without its CSRF token does nothing.
    let no_csrf = send_with(
        &addr,
        "POST",
        &accept,
        &[("Cookie", &clerk)],
        Some(&encoded(&[
            ("request_id", &request_id),
            ("reason", "材料齐全"),
        ])),
    )
    .await
    .expect("HTTP");
    assert_eq!(no_csrf.status, 403, "{}", no_csrf.body);
    assert!(no_csrf.body.contains("<code>CSRF_TOKEN_INVALID</code>"));
    assert_eq!(state(&node, &app.id).await, "SUBMITTED");

    let accepted = send_with(
        &addr,
        "POST",
        &accept,
        &[("Cookie", &clerk)],
        Some(&encoded(&[
            ("csrf", &csrf),
            ("request_id", &request_id),
            ("reason", "材料齐全"),
        ])),
    )
    .await
    .expect("HTTP");
    assert_eq!(accepted.status, 303, "{}", accepted.body);
    assert_eq!(state(&node, &app.id).await, "IN_REVIEW");
    let after = get_with(
        &addr,
        accepted.header("location").unwrap(),
        &[("Cookie", &clerk)],
    )
    .await;
    assert!(after.body.contains("已受理"));

    // A clerk may not pass review: the engine's refusal, on the page, in Chinese.
    let pass = format!("/staff/applications/{}/pass", app.id);
    let form = encoded(&[
        ("csrf", &csrf),
        ("request_id", "clerk-pass"),
        ("reason", "通过"),
    ]);
    let refused = send_with(&addr, "POST", &pass, &[("Cookie", &clerk)], Some(&form))
        .await
        .expect("HTTP");
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("操作未执行"), "{}", refused.body);
    assert!(
        refused.body.contains("<code>WRONG_ROLE</code>"),
        "{}",
        refused.body
    );
    assert_eq!(state(&node, &app.id).await, "IN_REVIEW");

    let (reviewer, _) = sign_in(&addr, &node.token("reviewer")).await;
    let page = get_with(
        &addr,
        &format!("/staff/applications/{}", app.id),
        &[("Cookie", &reviewer)],
    )
    .await;
    let form = encoded(&[
        ("csrf", &hidden(&page.body, "csrf")),
        ("request_id", &hidden(&page.body, "request_id")),
        ("reason", "形式审查通过"),
    ]);
    let passed = send_with(&addr, "POST", &pass, &[("Cookie", &reviewer)], Some(&form))
        .await
        .expect("HTTP");
    assert_eq!(passed.status, 303, "{}", passed.body);
    assert_eq!(state(&node, &app.id).await, "IN_PUBLICITY");
    // The log holds the steps as ReviewService would have written them, by each token.
    let got = node.flow().await.get(&app.id).await;
    let steps: Vec<(String, String)> = got
        .decisions
        .iter()
        .map(|d| (step(d.step), d.actor.clone()))
        .collect();
    assert!(steps.iter().any(|(s, _)| s == "ACCEPTED"), "{steps:?}");
    assert!(steps.iter().any(|(s, _)| s == "REVIEW_PASSED"), "{steps:?}");

    // Signed out, the cookie is cleared and the session is gone for good.
    let logout = send_with(
        &addr,
        "POST",
        "/staff/logout",
        &[("Cookie", &clerk)],
        Some(&encoded(&[("csrf", &csrf)])),
    )
    .await
    .expect("HTTP");
    assert_eq!(logout.status, 303);
    let (_, attributes) = set_cookie(&logout, "sjdj_session").expect("cleared");
    assert!(attributes.contains("Max-Age=0"));
    let after = get_with(&addr, "/staff", &[("Cookie", &clerk)]).await;
    assert_eq!(after.status, 401);
    assert!(after.body.contains("<code>SESSION_EXPIRED</code>"));
}

#[tokio::test]
async fn a_registrar_resolves_an_objection_from_the_console() {
    let node = Node::dev().await;
    let app = node.in_publicity().await;
    let filed = registry(node.channel().await)
        .file_objection(sjdj::grpc::pb::FileObjectionRequest {
            application_id: app.id.clone(),
            objector_name: "李四".into(),
            objector_contact: "13800000000".into(),
            reason: "数据来源说明不实".into(),
            request_id: "objection-1".into(),
        })
        .await
        .expect("objection")
        .into_inner()
        .objection
        .expect("filed");
    let addr = node.addr.clone();
    let (registrar, console) = sign_in(&addr, &node.token("registrar")).await;
    let queue = console
        .body
        .split("有待处理的异议")
        .nth(1)
        .expect("the objections queue");
    assert!(queue.contains(&app.id), "{}", console.body);
    let path = format!("/staff/applications/{}", app.id);
    let page = get_with(&addr, &path, &[("Cookie", &registrar)]).await;
    // Staff see the objector's contact; the public notice never shows it.
    assert!(page.body.contains("13800000000"));
    let form = |resolution: &str, reason: &str| {
        encoded(&[
            ("csrf", &hidden(&page.body, "csrf")),
            ("request_id", &format!("resolve-{resolution}")),
            ("objection_id", &filed.id),
            ("resolution", resolution),
            ("reason", reason),
        ])
    };
    let resolve = format!("{path}/resolve");
    let bad = send_with(
        &addr,
        "POST",
        &resolve,
        &[("Cookie", &registrar)],
        Some(&form("maybe", "理由")),
    )
    .await
    .expect("HTTP");
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("<code>UNKNOWN_ENUM_VALUE</code>"));
    let done = send_with(
        &addr,
        "POST",
        &resolve,
        &[("Cookie", &registrar)],
        Some(&form("dismiss", "经核实，来源说明属实")),
    )
    .await
    .expect("HTTP");
    assert_eq!(done.status, 303, "{}", done.body);
    let got = node.flow().await.get(&app.id).await;
    assert_eq!(got.objections.len(), 1);
    assert_eq!(
        sjdj::grpc::pb::ObjectionState::try_from(got.objections[0].state).unwrap(),
        sjdj::grpc::pb::ObjectionState::Dismissed
    );
    let public = get(&addr, &format!("/publicity/{}", app.id)).await;
    assert!(
        !public.body.contains("13800000000"),
        "the contact stays off the public page"
    );
}

#[tokio::test]
async fn a_registrar_corrects_and_revokes_a_record_and_the_admin_reads_the_trust_list() {
    let node = Node::dev().await;
    let app = node.registered().await;
    let code = app.code.clone();
    let addr = node.addr.clone();
    let (registrar, _) = sign_in(&addr, &node.token("registrar")).await;
    let cookie = [("Cookie", registrar.as_str())];
    let opened = get_with(&addr, &format!("/staff/record?code={code}"), &cookie).await;
    assert_eq!(
        opened.header("location"),
        Some(format!("/staff/records/{code}").as_str())
    );
    let bad = get_with(&addr, "/staff/record?code=XYZ", &cookie).await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("<code>CODE_LENGTH</code>"));
    let page = get_with(&addr, &format!("/staff/records/{code}"), &cookie).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_secured(&page, "record console");
    let csrf = hidden(&page.body, "csrf");
    let action = |what: &str, fields: &[(&str, &str)]| {
        let mut pairs = vec![("csrf", csrf.as_str()), ("request_id", what)];
        pairs.extend_from_slice(fields);
        encoded(&pairs)
    };
    let correct = format!("/staff/records/{code}/correct");
    // No reason: refused, as CorrectRecord refuses it, and the record is as it was.
    let refused = send_with(
        &addr,
        "POST",
        &correct,
        &cookie,
        Some(&action("c1", &[("data_name", "新名称")])),
    )
    .await
    .expect("HTTP");
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("<code>REASON_REQUIRED</code>"),
        "{}",
        refused.body
    );
    assert!(get(&addr, &format!("/records/{code}"))
        .await
        .body
        .contains("<h1>企业登记信息</h1>"));
    let done = send_with(
        &addr,
        "POST",
        &correct,
        &cookie,
        Some(&action(
            "c2",
            &[("data_name", "企业登记基本信息"), ("reason", "名称笔误")],
        )),
    )
    .await
    .expect("HTTP");
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(get(&addr, &format!("/records/{code}"))
        .await
        .body
        .contains("<h1>企业登记基本信息</h1>"));

    // A clerk may not revoke; the registrar may.
    let (clerk, _) = sign_in(&addr, &node.token("clerk")).await;
    let clerk_page = get_with(
        &addr,
        &format!("/staff/records/{code}"),
        &[("Cookie", &clerk)],
    )
    .await;
    let form = encoded(&[
        ("csrf", &hidden(&clerk_page.body, "csrf")),
        ("request_id", "r1"),
        ("reason", "撤销"),
    ]);
    let revoke = format!("/staff/records/{code}/revoke");
    let wrong = send_with(&addr, "POST", &revoke, &[("Cookie", &clerk)], Some(&form))
        .await
        .expect("HTTP");
    assert_eq!(wrong.status, 403, "{}", wrong.body);
    assert!(wrong.body.contains("<code>WRONG_ROLE</code>"));
    let revoked = send_with(
        &addr,
        "POST",
        &revoke,
        &cookie,
        Some(&action("r2", &[("reason", "以欺骗手段取得登记")])),
    )
    .await
    .expect("HTTP");
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    let public = get(&addr, &format!("/records/{code}")).await;
    assert!(public.body.contains("已撤销"), "{}", public.body);

    // The trust list and the alarms: the admin's and auditors', not the registrar's.
    let refused = get_with(&addr, "/staff/trust", &cookie).await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("<code>WRONG_ROLE</code>"));
    let (admin, _) = sign_in(&addr, &node.token("admin")).await;
    let trust = get_with(&addr, "/staff/trust", &[("Cookie", &admin)]).await;
    assert_eq!(trust.status, 200, "{}", trust.body);
    assert!(trust.body.contains("没有告警"));
}

#[tokio::test]
async fn a_registrant_follows_and_submits_its_draft_in_the_portal() {
    let node = Node::dev().await;
    let flow = node.flow().await;
    let draft = flow.create(flow.materials().await).await.expect("a draft");
    let addr = node.addr.clone();
    // The registrant's sign-in leads to its own applications.
    let (session, list) = sign_in_to(&addr, &node.token("registrant"), "/portal").await;
    let cookie = [("Cookie", session.as_str())];
    assert_secured(&list, "portal");
    assert!(list
        .body
        .contains(&format!("/portal/applications/{}", draft.id)));
    let page = get_with(
        &addr,
        &format!("/portal/applications/{}", draft.id),
        &cookie,
    )
    .await;
    assert_secured(&page, "portal application");
    // The exact text publicity will show, as the draft's own publicity_text gives it.
    let text = draft.publicity_text.replace('\n', "");
    assert!(page.body.replace('\n', "").contains(&text), "{}", page.body);
    let sha = hidden(&page.body, "publicity_text_sha256");
    assert_eq!(sha, draft.publicity_text_sha256);
    let submit = format!("/portal/applications/{}/submit", draft.id);
    let form = |sha: &str, request_id: &str| {
        encoded(&[
            ("csrf", &hidden(&page.body, "csrf")),
            ("request_id", request_id),
            ("publicity_text_sha256", sha),
            ("read", "on"),
        ])
    };
    let wrong = send_with(
        &addr,
        "POST",
        &submit,
        &cookie,
        Some(&form(&"0".repeat(64), "s1")),
    )
    .await
    .expect("HTTP");
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert!(wrong
        .body
        .contains("<code>PUBLICITY_TEXT_NOT_ACKNOWLEDGED</code>"));
    assert_eq!(state(&node, &draft.id).await, "DRAFT");
    let sent = send_with(&addr, "POST", &submit, &cookie, Some(&form(&sha, "s2")))
        .await
        .expect("HTTP");
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(state(&node, &draft.id).await, "SUBMITTED");
    // Another subject's application is not the registrant's to read.
    let other = get_with(&addr, "/portal/applications/A9999999999", &cookie).await;
    assert_eq!(other.status, 404, "{}", other.body);
}

#[tokio::test]
async fn a_registrant_makes_a_draft_from_the_form_uploads_and_submits_it() {
    let node = Node::dev().await;
    let addr = node.addr.clone();
    let (session, _) = sign_in_to(&addr, &node.token("registrant"), "/portal").await;
    let cookie = [("Cookie", session.as_str())];
    let blank = get_with(&addr, "/portal/new", &cookie).await;
    assert_eq!(blank.status, 200, "{}", blank.body);
    assert_secured(&blank, "new draft");
    // The token's subject is filled in.
    assert!(blank.body.contains("value=\"91350100M000100Y43\""));
    let csrf = hidden(&blank.body, "csrf");
    let send_form = |fields: &[(&str, &str)], request_id: &str| {
        let mut pairs = vec![("csrf", csrf.as_str()), ("request_id", request_id)];
        pairs.extend_from_slice(fields);
        encoded(&pairs)
    };

    // Wrong where it is wrong: each problem at its field, all at once, and nothing made.
    let long_item = format!("企业名称|string|登记名称\n{}|string|过长", "名".repeat(201));
    let wrong: Vec<(&str, &str)> = example_form()
        .into_iter()
        .map(|(name, value)| match name {
            "subject.kind" => (name, "Mayor"),
            "subject.contact.email" => (name, "not-an-address"),
            "resource.fields" => (name, long_item.as_str()),
            _ => (name, value),
        })
        .collect();
    let refused = send_with(
        &addr,
        "POST",
        "/portal/new",
        &cookie,
        Some(&send_form(&wrong, "n1")),
    )
    .await
    .expect("HTTP");
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_secured(&refused, "refused draft");
    for field in ["subject.kind", "subject.contact.email", "resource.fields"] {
        assert!(
            refused.body.contains(&format!("id=\"{field}-problem\"")),
            "{field} not marked: {}",
            refused.body
        );
    }
    assert!(
        refused.body.contains("第 2 行"),
        "the line of the list is named"
    );
    assert!(
        refused.body.contains("value=\"某市数据局\""),
        "what was typed is kept"
    );
    assert!(get_with(&addr, "/portal", &cookie)
        .await
        .body
        .contains("还没有申请"));

    let made = send_with(
        &addr,
        "POST",
        "/portal/new",
        &cookie,
        Some(&send_form(&example_form(), "n2")),
    )
    .await
    .expect("HTTP");
    assert_eq!(made.status, 303, "{}", made.body);
    let location = made.header("location").unwrap().to_string();
    let id = location
        .trim_start_matches("/portal/applications/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(state(&node, &id).await, "DRAFT");

    // Without the undertaking the draft cannot be submitted; uploaded, it can.
    let page = get_with(&addr, &format!("/portal/applications/{id}"), &cookie).await;
    let sha = hidden(&page.body, "publicity_text_sha256");
    let submit = format!("/portal/applications/{id}/submit");
    let form = |request_id: &str| {
        encoded(&[
            ("csrf", &csrf),
            ("request_id", request_id),
            ("publicity_text_sha256", &sha),
        ])
    };
    let incomplete = send_with(&addr, "POST", &submit, &cookie, Some(&form("s1")))
        .await
        .expect("HTTP");
    assert_eq!(incomplete.status, 400, "{}", incomplete.body);
    assert!(
        incomplete.body.contains("<code>MATERIALS_INVALID</code>"),
        "{}",
        incomplete.body
    );
    let uploaded = upload_with(
        &addr,
        &format!("/portal/applications/{id}/attachments"),
        &cookie,
        &[("csrf", &csrf), ("kind", "RegistrationUndertaking")],
        "file",
        "承诺书.txt",
        "本单位承诺所提交材料真实、准确、完整。".as_bytes(),
    )
    .await;
    assert_eq!(uploaded.status, 303, "{}", uploaded.body);
    let got = node.flow().await.get(&id).await;
    let attachments = &got.materials.as_ref().expect("materials").attachments;
    assert_eq!(attachments.len(), 1);
    assert_eq!(attachments[0].file_name, "承诺书.txt");
    let sent = send_with(&addr, "POST", &submit, &cookie, Some(&form("s2")))
        .await
        .expect("HTTP");
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(state(&node, &id).await, "SUBMITTED");
}

/// The registrant's import progress page once the import has ended: it is read again while it
/// says it is running (the page a browser reloads each second).
async fn import_ended(addr: &str, cookie: &[(&str, &str)]) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let page = get_with(addr, "/portal/import/progress", cookie).await;
        assert_eq!(page.status, 200, "{}", page.body);
        if !page.body.contains("http-equiv=\"refresh\"") {
            return page.body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the import did not end: {}",
            page.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The import preview's table row of the file's line `line`.
fn row_at(body: &str, line: usize) -> &str {
    body.split("<tr")
        .find(|r| r.contains(&format!("<td>{line}</td>")))
        .unwrap_or_else(|| panic!("no row of line {line}"))
}

/// How many applications the registrant's portal lists.
async fn drafts(addr: &str, cookie: &[(&str, &str)]) -> usize {
    get_with(addr, "/portal", cookie)
        .await
        .body
        .matches("href=\"/portal/applications/")
        .count()
}

#[tokio::test]
async fn a_catalogue_of_fifty_rows_with_three_bad_is_checked_then_made_once() {
    let node = Node::dev().await;
    let addr = node.addr.clone();
    let (session, portal) = sign_in_to(&addr, &node.token("registrant"), "/portal").await;
    let cookie = [("Cookie", session.as_str())];
    let csrf = hidden(&portal.body, "csrf");
    let file = catalogue(50, &[7, 23, 41]);
    let fields = [("csrf", csrf.as_str())];
    let preview = upload_with(
        &addr,
        "/portal/import",
        &cookie,
        &fields,
        "file",
        "目录.csv",
        file.as_bytes(),
    )
    .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert_secured(&preview, "import preview");
    assert!(
        preview.body.contains("<strong>47</strong> 行可以创建"),
        "{}",
        preview.body
    );
    // Each bad row by its line in the file (the header is line 1) and its field.
    for (line, field) in [
        (8, "resource.data_type"),
        (24, "resource.grade"),
        (42, "subject.credit_code"),
    ] {
        let row = row_at(&preview.body, line);
        assert!(row.contains(field), "line {line}: {row}");
    }
    assert_eq!(
        drafts(&addr, &cookie).await,
        0,
        "nothing made before the confirmation"
    );
    let confirm = encoded(&[("csrf", &csrf), ("file", &hidden(&preview.body, "file"))]);
    for _ in 0..2 {
        let made = send_with(
            &addr,
            "POST",
            "/portal/import/create",
            &cookie,
            Some(&confirm),
        )
        .await
        .expect("HTTP");
        assert_eq!(made.status, 303, "{}", made.body);
        assert_eq!(made.header("location"), Some("/portal/import/progress"));
        let done = import_ended(&addr, &cookie).await;
        assert!(done.contains("已完成：47 / 47 行"), "{done}");
        assert_eq!(done.matches("href=\"/portal/applications/").count(), 47);
        // The same file again makes no second draft of a row.
        assert_eq!(drafts(&addr, &cookie).await, 47);
    }
    // The same catalogue as an Excel workbook (numbers as numbers) and as JSON lines of
    // materials reads the same rows, with the same problems at the same lines.
    let book = xlsx(&catalogue(5, &[2]));
    let preview = upload_with(
        &addr,
        "/portal/import",
        &cookie,
        &fields,
        "file",
        "目录.xlsx",
        &book,
    )
    .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(
        preview.body.contains("<strong>4</strong> 行可以创建"),
        "{}",
        preview.body
    );
    let row = row_at(&preview.body, 3);
    assert!(row.contains("resource.data_type"), "{row}");
    let lines = [
        r#"{"subject":{"creditCode":"91350100M000100Y43","name":"某市数据局","kind":"SUBJECT_KIND_GOVERNMENT_DEPARTMENT","region":"350100","contact":{"name":"张三","phone":"0591-12345678"}},"resource":{"name":"JSON行数据","summary":"摘要","dataType":"DATA_TYPE_PUBLIC_DATA_RESOURCE","industry":"公共管理","format":"结构化数据库表","fields":[{"name":"名称","type":"string"}],"volume":"1万条","timeSpan":"2020年至今","updateFrequency":"每日","storageLocation":"市政务云","classification":"目录","grade":"DATA_GRADE_GENERAL","accessMode":"ACCESS_MODE_SHARED"},"source":{"basis":"SOURCE_BASIS_STATUTORY_DUTY","statutoryDuty":"依据职责采集"},"security":{"conclusion":"风险可控","deidentificationMeasures":"无"}}"#,
        "",
        r#"{"subject":{"creditCode":"91110000802100433B"},"resource":{"name":"别家的"}}"#,
        r#"{"resource": 7}"#,
    ];
    let jsonl = upload_with(
        &addr,
        "/portal/import",
        &cookie,
        &fields,
        "file",
        "材料.jsonl",
        lines.join("\n").as_bytes(),
    )
    .await;
    assert_eq!(jsonl.status, 200, "{}", jsonl.body);
    assert!(
        jsonl
            .body
            .contains("共 3 行：<strong>1</strong> 行可以创建"),
        "{}",
        jsonl.body
    );
    let broken = row_at(&jsonl.body, 4);
    assert!(
        broken.contains("not a valid sjdj.v1.Materials in proto3 JSON"),
        "{broken}"
    );
    let other = row_at(&jsonl.body, 3);
    assert!(other.contains("subject.credit_code"), "{other}");
    let unknown = upload_with(
        &addr,
        "/portal/import",
        &cookie,
        &fields,
        "file",
        "x.csv",
        "数据名称,颜色\n甲,红\n".as_bytes(),
    )
    .await;
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.body.contains("<code>CATALOGUE_INVALID</code>"),
        "{}",
        unknown.body
    );

    // The CLI imports the same way: the 47 found made, the three bad rows named, exit 1.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("目录.csv");
    std::fs::write(&path, catalogue(50, &[7, 23, 41])).unwrap();
    let tokens = node.dir.path().join("dev-tokens.json");
    let import = |args: &[&str]| {
        let mut all = vec!["--addr", &addr, "--tokens", tokens.to_str().unwrap()];
        all.extend_from_slice(&["--as", "registrant", "app", "import"]);
        all.extend_from_slice(args);
        sjdj(&all)
    };
    let (ok, out, err) = import(&[path.to_str().unwrap()]);
    assert!(!ok, "three rows were not made");
    assert!(err.contains("line 8: resource.data_type"), "{err}");
    assert!(
        err.contains("50 rows: 47 drafts made or found made before, 3 not made"),
        "{err}"
    );
    assert_eq!(out.lines().count(), 47, "{out}");
    assert_eq!(drafts(&addr, &cookie).await, 47);
    // And an Excel workbook, checked only.
    let book = dir.path().join("目录.xlsx");
    std::fs::write(&book, xlsx(&catalogue(5, &[2]))).unwrap();
    let (ok, _, err) = import(&["--dry-run", book.to_str().unwrap()]);
    assert!(!ok, "a row has a problem");
    assert!(err.contains("line 3: resource.data_type"), "{err}");
    assert!(err.contains("5 rows, 4 valid, 1 with problems"), "{err}");
    assert_eq!(drafts(&addr, &cookie).await, 47, "a dry run makes nothing");
}

/// Every field of the example materials form with one changed, with the form's own fields.
fn materials_form(change: (&str, &str), extra: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(&str, &str)> = example_form()
        .into_iter()
        .map(|(n, v)| if n == change.0 { (n, change.1) } else { (n, v) })
        .collect();
    pairs.extend_from_slice(extra);
    encoded(&pairs)
}

#[tokio::test]
async fn a_returned_application_is_supplemented_and_a_change_started_on_an_own_code() {
    let node = Node::dev().await;
    let addr = node.addr.clone();
    let app = node.flow().await.submitted().await;
    let mut review =
        sjdj::grpc::pb::review_service_client::ReviewServiceClient::new(node.channel().await);
    let ret = sjdj::grpc::pb::ReturnForSupplementRequest {
        request_id: "ret-1".into(),
        application_id: app.id.clone(),
        items: vec!["补充数据字段说明".into()],
        reason: "材料不全".into(),
    };
    review
        .return_for_supplement(authed(&node.token("clerk"), ret))
        .await
        .expect("returned");
    let (session, portal) = sign_in_to(&addr, &node.token("registrant"), "/portal").await;
    let cookie = [("Cookie", session.as_str())];
    let csrf = hidden(&portal.body, "csrf");
    let path = format!("/portal/applications/{}/supplement", app.id);
    let shown = get_with(&addr, &format!("/portal/applications/{}", app.id), &cookie).await;
    assert!(
        shown.body.contains(&format!("href=\"{path}\"")),
        "{}",
        shown.body
    );
    let form = get_with(&addr, &path, &cookie).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert_secured(&form, "supplement form");
    assert!(
        form.body.contains("<li>补充数据字段说明</li>"),
        "{}",
        form.body
    );

    // The changed materials make another publicity text: shown, to be acknowledged first.
    let summary = ("resource.summary", "补正后的摘要：字段说明已补充");
    let unread = materials_form(
        summary,
        &[("csrf", &csrf), ("request_id", "sup-1"), ("note", "已补充")],
    );
    let first = send_with(&addr, "POST", &path, &cookie, Some(&unread))
        .await
        .expect("HTTP");
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(
        first
            .body
            .contains("<code>PUBLICITY_TEXT_NOT_ACKNOWLEDGED</code>"),
        "{}",
        first.body
    );
    assert!(first.body.contains("补正后的摘要"), "the new text is shown");
    assert_eq!(state(&node, &app.id).await, "RETURNED", "nothing sent yet");
    let sha = hidden(&first.body, "publicity_text_sha256");
    let read = materials_form(
        summary,
        &[
            ("csrf", &csrf),
            ("request_id", "sup-2"),
            ("note", "已补充"),
            ("publicity_text_sha256", &sha),
        ],
    );
    let sent = send_with(&addr, "POST", &path, &cookie, Some(&read))
        .await
        .expect("HTTP");
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(state(&node, &app.id).await, "SUBMITTED");
    let got = node.flow().await.get(&app.id).await;
    assert_eq!(got.materials.unwrap().resource.unwrap().summary, summary.1);
    let again = get_with(&addr, &path, &cookie).await;
    assert_eq!(again.status, 400, "no longer returned: {}", again.body);
    assert!(
        again.body.contains("<code>WRONG_STATE</code>"),
        "{}",
        again.body
    );

    // A registered code of the registrant's: a change starts from its materials.
    let registered = node.registered().await;
    let code = registered.code.clone();
    let page = get_with(
        &addr,
        &format!("/portal/applications/{}", registered.id),
        &cookie,
    )
    .await;
    let start = format!("/portal/records/{code}/change");
    assert!(
        page.body.contains(&format!("href=\"{start}\"")),
        "{}",
        page.body
    );
    let form = get_with(&addr, &start, &cookie).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let name = registered.materials.unwrap().resource.unwrap().name;
    assert!(
        form.body.contains(&format!("value=\"{name}\"")),
        "prefilled: {}",
        form.body
    );
    let unknown = get_with(&addr, &format!("/portal/records/{code}/merge"), &cookie).await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.body.contains("<code>PAGE_NOT_FOUND</code>"));
    let change = |rid: &str| {
        materials_form(
            ("resource.summary", "变更后的摘要"),
            &[("csrf", &csrf), ("request_id", rid)],
        )
    };
    let made = send_with(&addr, "POST", &start, &cookie, Some(&change("chg-1")))
        .await
        .expect("HTTP");
    assert_eq!(made.status, 303, "{}", made.body);
    let id = made.header("location").unwrap()["/portal/applications/".len()..]
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let draft = node.flow().await.get(&id).await;
    assert_eq!(draft.target_code, code);
    assert_eq!(
        draft.registration_type,
        sjdj::grpc::pb::RegistrationType::Change as i32
    );
    // One application at a time on a code: a second is refused, in Chinese and by its code.
    let busy = send_with(&addr, "POST", &start, &cookie, Some(&change("chg-2")))
        .await
        .expect("HTTP");
    assert_eq!(busy.status, 400, "{}", busy.body);
    assert!(
        busy.body.contains("<code>CODE_BUSY</code>"),
        "{}",
        busy.body
    );
}
