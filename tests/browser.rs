//! A registration walked through the web pages in a real browser (headless Chromium over
//! WebDriver): a registrant fills in the materials form, uploads the undertaking, reads the
//! exact publicity text and submits, and imports a catalogue of 50 rows with 3 bad ones (its
//! progress page reloading itself until the 47 drafts are made), a clerk
//! signs in and accepts, a clerk's attempt at review is refused, a form
//! without its CSRF token and a session that has ended are refused, a reviewer passes, the
//! public objects through the notice's form, a registrar dismisses the objection, the clock
//! moves, and the public finds the record by a Chinese substring with the keyboard, narrows by
//! a facet, opens the record and its certificate, and follows the certificate's QR address to
//! verify it. Each page is checked for what it shows, for labelled fields and no inline style,
//! and saved as a screenshot in `target/screenshots/`. At a phone's width the public pages,
//! the portal's and the console's are read again for sideways scrolling, and the registrant
//! starts a change on the new code from its filled-in form.
//!
mod common;
mod http;
mod webdriver;
use common::*;
use webdriver::Browser;

/// Every visible field of the page has a label a screen reader announces.
const LABELLED: &str = "Array.from(document.querySelectorAll(\
    'input:not([type=hidden]), textarea, select')).every(e => e.labels && e.labels.length > 0)";

fn assert_page(b: &Browser, what: &str) {
    assert_eq!(
        b.eval(LABELLED),
        serde_json::json!(true),
        "{what}: a field without a label"
    );
    assert_eq!(
        b.eval("document.querySelectorAll('[style]').length"),
        serde_json::json!(0),
        "{what}: an inline style"
    );
    // The stylesheet loaded under the CSP: the header is laid out as a flex row.
    assert_eq!(
        b.eval("getComputedStyle(document.querySelector('header.site')).display"),
        serde_json::json!("flex"),
        "{what}: the stylesheet did not apply"
    );
}

/// A page at a phone's width: labelled, styled, and nothing scrolls sideways (a wide table
/// scrolls within itself).
fn assert_on_phone(b: &Browser, what: &str) {
    assert_page(b, what);
    assert_eq!(
        b.eval("document.documentElement.scrollWidth <= window.innerWidth"),
        serde_json::json!(true),
        "{what} scrolls sideways on a phone"
    );
}

/// Signs in with `token`, typed as a person types it; the node leads to `home`.
fn sign_in(b: &Browser, base: &str, token: &str, home: &str) {
    b.open(&format!("{base}/staff/login"));
    assert_page(b, "login");
    b.submit_typed("#token", token);
    assert!(b.url().ends_with(home), "{}", b.url());
}

fn sign_out(b: &Browser, base: &str) {
    b.open(&format!("{base}/staff"));
    b.follow("form[action='/staff/logout'] button");
    assert!(b.url().ends_with('/'), "{}", b.url());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registration_walked_through_the_web_in_a_real_browser() {
    if !webdriver::available() {
        return;
    }
    let node = Node::dev().await;
    let base = format!("http://{}", node.addr);
    let undertaking = tempfile::NamedTempFile::new().expect("a file to upload");
    std::fs::write(undertaking.path(), "本单位承诺所提交材料真实、准确、完整。").unwrap();
    let upload = undertaking.path().display().to_string();
    let file = tempfile::Builder::new()
        .suffix(".csv")
        .tempfile()
        .expect("a catalogue file");
    std::fs::write(file.path(), http::catalogue(50, &[7, 23, 41])).unwrap();
    let catalogue = file.path().display().to_string();
    let tokens = ["registrant", "clerk", "reviewer", "registrar"].map(|r| node.token(r));
    let b0 = base.clone();
    // WebDriver calls block: they run off the async threads, the node serving meanwhile.
    let (b, id) = tokio::task::spawn_blocking(move || {
        let (b, base) = (Browser::start(1280, 1000), b0);
        let [registrant, clerk, reviewer, registrar] = tokens;
        // The registrant fills in the materials form, uploads the undertaking, reads the exact
        // publicity text and submits.
        sign_in(&b, &base, &registrant, "/portal");
        assert_page(&b, "portal");
        b.follow("a[href='/portal/new']");
        assert_page(&b, "materials form");
        for (name, value) in http::example_form() {
            let field = format!("[name='{name}']");
            match b.find(&field).tag().as_str() {
                "select" => b.find(&format!("{field} option[value='{value}']")).click(),
                _ if name.starts_with("security.contains") => b.find(&field).click(),
                // The subject's credit code is filled in already.
                _ if name == "subject.credit_code" => {}
                _ => b.find(&field).type_text(value),
            }
        }
        b.screenshot("portal-form");
        b.follow("form.materials button[type=submit]");
        assert!(b.text().contains("草稿已保存"), "{}", b.text());
        let url = b.url();
        let id = url
            .split("/portal/applications/")
            .nth(1)
            .unwrap_or_default();
        let id = id.split('?').next().unwrap_or_default().to_string();
        b.follow(&format!("a[href='/portal/applications/{id}/edit']"));
        b.find("input[type=file]").type_text(&upload);
        b.follow("form[action$='/attachments'] button");
        assert!(b.text().contains("登记承诺书："), "{}", b.text());
        b.follow(&format!("a[href='/portal/applications/{id}']"));
        assert!(b.text().contains("登记主体：某市数据局"), "{}", b.text());
        assert_page(&b, "draft");
        b.screenshot("portal-submit");
        b.find("#read").click();
        b.follow("form[action$='/submit'] button");
        assert!(b.text().contains("已提交，等待受理"), "{}", b.text());
        // A catalogue of 50 rows, three of them wrong: every row checked first, then 47 made.
        b.open(&format!("{base}/portal"));
        b.follow("a[href='/portal/import']");
        assert_page(&b, "import");
        b.find("#file").type_text(&catalogue);
        b.follow("form[action='/portal/import'] button");
        assert!(
            b.text().contains("47 行可以创建为草稿，3 行有问题"),
            "{}",
            b.text()
        );
        b.screenshot("import-preview");
        b.follow("form[action='/portal/import/create'] button");
        // The progress page reloads itself until the last row is made.
        assert!(b.url().ends_with("/portal/import/progress"), "{}", b.url());
        b.wait_for_text("已完成：47 / 47 行");
        assert_eq!(b.count("a[href^='/portal/applications/']"), 47);
        b.screenshot("import-done");
        sign_out(&b, &base);
        // Not signed in: the console says so and leads to the sign-in.
        b.open(&format!("{base}/staff"));
        assert!(b.text().contains("SIGN_IN_REQUIRED"), "{}", b.text());
        sign_in(&b, &base, &clerk, "/staff");
        assert!(b.text().contains("待受理"));
        assert_page(&b, "console");
        b.screenshot("console");
        b.follow(&format!("a[href='/staff/applications/{id}']"));
        assert!(
            b.text().contains("登记承诺书"),
            "the attachments are listed"
        );
        assert_page(&b, "application");
        b.screenshot("application");
        b.find("#accept-reason").type_text("材料齐全");
        b.follow("form[action$='/accept'] button");
        assert!(b.text().contains("已受理"), "{}", b.text());

        // The clerk at the review form: refused by the engine, shown on the page.
        b.find("#pass-reason").type_text("通过");
        b.follow("form[action$='/pass'] button");
        assert!(b.text().contains("WRONG_ROLE"), "{}", b.text());
        assert!(b.text().contains("您的角色不能进行这项操作"));
        b.screenshot("refused-role");
        // The same form without its CSRF token.
        b.eval("document.querySelector(\"form[action$='/pass'] input[name=csrf]\").remove()");
        b.follow("form[action$='/pass'] button");
        assert!(b.text().contains("CSRF_TOKEN_INVALID"), "{}", b.text());
        b.screenshot("refused-csrf");
        // Signed out, the old session cookie opens nothing.
        let session = b.cookie("sjdj_session");
        sign_out(&b, &base);
        b.add_cookie("sjdj_session", &session);
        b.open(&format!("{base}/staff"));
        assert!(b.text().contains("SESSION_EXPIRED"), "{}", b.text());
        b.screenshot("refused-expired");

        sign_in(&b, &base, &reviewer, "/staff");
        b.open(&format!("{base}/staff/applications/{id}"));
        b.find("#pass-reason").type_text("形式审查通过");
        b.follow("form[action$='/pass'] button");
        assert!(b.text().contains("进入公示"), "{}", b.text());
        sign_out(&b, &base);

        // The public objects through the notice's form.
        b.open(&format!("{base}/publicity"));
        b.follow(&format!("a[href='/publicity/{id}']"));
        assert_page(&b, "notice");
        b.find("#objector_name").type_text("李四");
        b.find("#objector_contact").type_text("13800000000");
        b.find("#reason").type_text("数据来源的说明与实际不符。");
        b.follow("form[action^='/publicity/'] button[type=submit]");
        assert!(b.text().contains("异议已提交"), "{}", b.text());
        b.screenshot("objection");

        // The registrar dismisses it.
        sign_in(&b, &base, &registrar, "/staff");
        assert!(b.text().contains("有待处理的异议"));
        b.open(&format!("{base}/staff/applications/{id}"));
        b.find("textarea[id^='resolve-reason-']")
            .type_text("经核实，来源说明属实。");
        b.follow("form[action$='/resolve'] button");
        assert!(b.text().contains("异议已处理"), "{}", b.text());
        sign_out(&b, &base);
        (b, id)
    })
    .await
    .expect("the staff's part");
    // Publicity ends; the code is assigned.
    node.advance_days(40).await;
    let code = node.flow().await.get(&id).await.code;
    assert!(!code.is_empty(), "registered");
    let (registrant, clerk) = (node.token("registrant"), node.token("clerk"));
    let walked = id.clone();
    let b = tokio::task::spawn_blocking(move || {
        let id = walked;
        b.open(&format!("{base}/"));
        assert!(b.title().contains("检索"), "{}", b.title());
        assert_page(&b, "home");
        // Typed and sent with Enter, as a keyboard user does.
        b.submit_typed("#q", "业登记信");
        assert!(b.url().contains("/search?q="), "{}", b.url());
        assert!(b.text().contains("共找到 1 条记录"), "{}", b.text());
        b.screenshot("search");
        b.follow("aside.facets a[href*='region=350000']");
        assert!(b.url().contains("region=350000"), "{}", b.url());
        assert_eq!(
            b.count("aside.facets a.chosen"),
            1,
            "the chosen province is marked"
        );
        b.follow(&format!("ol.hits a[href='/records/{code}']"));
        assert!(
            b.url().ends_with(&format!("/records/{code}")),
            "{}",
            b.url()
        );
        let text = b.text();
        for shown in [
            "企业登记信息",
            "福建省",
            "受理",
            "形式审查通过",
            "提出异议",
            "异议处理",
            "赋码登记",
        ] {
            assert!(text.contains(shown), "the record page lacks {shown}");
        }
        assert_page(&b, "record");
        b.screenshot("record");

        b.follow("a[href^='/certificates/']");
        assert_eq!(b.count("figure.qr svg"), 1, "the certificate's QR code");
        assert!(b.text().contains("公共数据资源登记证书"));
        b.screenshot("certificate");
        // Where the QR code leads: the verification of this certificate.
        let qr_target = b.find("figure.qr a").attribute("href").expect("a link");
        assert!(
            qr_target.starts_with(&format!("{base}/verify?query_code=")),
            "{qr_target}"
        );
        b.follow("figure.qr a");
        assert!(b.text().contains("核验通过"), "{}", b.text());
        assert_page(&b, "verify");
        b.screenshot("verify");

        b.open(&format!("{base}/statistics"));
        assert!(
            b.count("section.chart svg rect") >= 4,
            "the charts are drawn"
        );
        b.screenshot("statistics");

        // At a phone's width.
        let phone = Browser::start(390, 844);
        let qc = qr_target.rsplit('=').next().unwrap_or_default().to_string();
        for path in [
            "/search?q=%E7%99%BB%E8%AE%B0".to_string(),
            format!("/records/{code}"),
            format!("/certificates/{qc}"),
            "/statistics".to_string(),
            "/verify".to_string(),
        ] {
            phone.open(&format!("{base}{path}"));
            assert_on_phone(&phone, &path);
        }
        phone.open(&format!("{base}/search?q=%E7%99%BB%E8%AE%B0"));
        phone.screenshot("phone-search");
        // The portal and the console on a phone too. The registrant starts a change on its
        // code from the registered application, its form filled with the code's materials.
        sign_in(&phone, &base, &registrant, "/portal");
        phone.follow(&format!("a[href='/portal/applications/{id}']"));
        assert_on_phone(&phone, "registered application");
        phone.follow(&format!("a[href='/portal/records/{code}/change']"));
        assert!(
            phone.text().contains(&format!("变更登记申请：{code}")),
            "{}",
            phone.text()
        );
        assert_eq!(
            phone
                .find("[name='resource.name']")
                .attribute("value")
                .as_deref(),
            Some("企业登记信息")
        );
        assert_on_phone(&phone, "change form");
        phone.screenshot("phone-change");
        for path in ["/portal", "/portal/new", "/portal/import"] {
            phone.open(&format!("{base}{path}"));
            assert_on_phone(&phone, path);
        }
        sign_out(&phone, &base);
        sign_in(&phone, &base, &clerk, "/staff");
        for path in [
            "/staff".to_string(),
            format!("/staff/applications/{id}"),
            format!("/staff/records/{code}"),
        ] {
            phone.open(&format!("{base}{path}"));
            assert_on_phone(&phone, &path);
        }
        b
    })
    .await
    .expect("the public's part");
    drop(b);
    // What the pages did is in the application's history as gRPC shows it.
    let got = node.flow().await.get(&id).await;
    assert_eq!(got.objections.len(), 1);
    assert_eq!(got.objections[0].objector_name, "李四");
    let steps: Vec<String> = got.decisions.iter().map(|d| step(d.step)).collect();
    for s in [
        "ACCEPTED",
        "REVIEW_PASSED",
        "OBJECTION_FILED",
        "OBJECTION_RESOLVED",
        "REGISTERED",
    ] {
        assert!(steps.iter().any(|x| x == s), "{s} not in {steps:?}");
    }
}
