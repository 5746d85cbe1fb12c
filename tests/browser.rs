//! The public site walked in a real browser (headless Chromium over WebDriver): a reader finds
//! a record by a Chinese substring with the keyboard, narrows by a facet, opens the record and
//! its certificate, follows the certificate's QR address to verify it, and objects to an
//! application in publicity through the form. Each page is checked for what it shows, for
//! labelled fields and no inline style, and saved as a screenshot in `target/screenshots/`;
//! the search page is also read at a phone's width.
//!
//! The registrations themselves are made over gRPC: the staff console and the registrant
//! portal are not built yet.
mod common;
mod webdriver;
use common::*;
use webdriver::Browser;

/// Enter, as WebDriver sends it.
const ENTER: &str = "\u{E007}";

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

#[tokio::test(flavor = "multi_thread")]
async fn the_public_finds_verifies_and_objects_in_a_real_browser() {
    if !webdriver::available() {
        return;
    }
    let node = Node::dev().await;
    let registered = node.registered().await;
    let in_publicity = node.in_publicity().await;
    let base = format!("http://{}", node.addr);
    let (code, notice) = (registered.code.clone(), in_publicity.id.clone());
    // WebDriver calls block: they run off the async threads, the node serving meanwhile.
    tokio::task::spawn_blocking(move || {
        let b = Browser::start(1280, 1000);
        b.open(&format!("{base}/"));
        assert!(b.title().contains("检索"), "{}", b.title());
        assert_page(&b, "home");
        // Typed and sent with Enter, as a keyboard user does.
        b.find("#q").type_text(&format!("业登记信{ENTER}"));
        assert!(b.url().contains("/search?q="), "{}", b.url());
        assert!(b.text().contains("共找到 2 条记录") || b.text().contains("共找到 1 条记录"));
        b.screenshot("search");
        b.find("aside.facets a[href*='region=350000']").click();
        assert!(b.url().contains("region=350000"), "{}", b.url());
        assert_eq!(
            b.count("aside.facets a.chosen"),
            1,
            "the chosen province is marked"
        );
        b.find(&format!("ol.hits a[href='/records/{code}']"))
            .click();
        assert!(
            b.url().ends_with(&format!("/records/{code}")),
            "{}",
            b.url()
        );
        let text = b.text();
        for shown in ["企业登记信息", "福建省", "受理", "形式审查通过", "赋码登记"]
        {
            assert!(text.contains(shown), "the record page lacks {shown}");
        }
        assert_page(&b, "record");
        b.screenshot("record");

        b.find("a[href^='/certificates/']").click();
        assert_eq!(b.count("figure.qr svg"), 1, "the certificate's QR code");
        assert!(b.text().contains("公共数据资源登记证书"));
        b.screenshot("certificate");
        // Where the QR code leads: the verification of this certificate.
        let qr_target = b.find("figure.qr a").attribute("href").expect("a link");
        assert!(
            qr_target.starts_with(&format!("{base}/verify?query_code=")),
            "{qr_target}"
        );
        b.find("figure.qr a").click();
        assert!(b.text().contains("核验通过"), "{}", b.text());
        assert_page(&b, "verify");
        b.screenshot("verify");

        b.open(&format!("{base}/publicity"));
        b.find(&format!("a[href='/publicity/{notice}']")).click();
        assert_page(&b, "notice");
        b.find("#objector_name").type_text("李四");
        b.find("#objector_contact").type_text("13800000000");
        b.find("#reason").type_text("数据来源的说明与实际不符。");
        b.find("form[action^='/publicity/'] button[type=submit]")
            .click();
        assert!(b.text().contains("异议已提交"), "{}", b.text());
        b.screenshot("objection");

        b.open(&format!("{base}/statistics"));
        assert!(
            b.count("section.chart svg rect") >= 4,
            "the charts are drawn"
        );
        b.screenshot("statistics");

        let phone = Browser::start(390, 844);
        phone.open(&format!("{base}/search?q=%E7%99%BB%E8%AE%B0"));
        assert_page(&phone, "phone");
        assert_eq!(
            phone.eval("document.documentElement.scrollWidth <= window.innerWidth"),
            serde_json::json!(true),
            "the search page scrolls sideways on a phone"
        );
        phone.screenshot("phone-search");
    })
    .await
    .expect("the browser walk");
    // The objection the form filed is the application's, as a FileObjection call's would be.
    let app = node.flow().await.get(&in_publicity.id).await;
    assert_eq!(app.objections.len(), 1);
    assert_eq!(app.objections[0].objector_name, "李四");
}
