//! A small W3C WebDriver client over chromedriver, for the tests that walk the web pages in a
//! real browser: headless Chromium from Debian's `chromium` and `chromium-driver` packages,
//! each test with its own chromedriver on an OS-chosen port and its own profile directory.
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The element key of the W3C protocol.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Where the tests write their screenshots: `target/screenshots/`.
pub fn screenshot_dir() -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

/// Whether the browser tests can run here; on CI (`CI` set) they must.
pub fn available() -> bool {
    let found = Command::new("chromedriver")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found && std::env::var_os("CI").is_some() {
        panic!("chromedriver is not installed: apt-get install chromium chromium-driver");
    }
    if !found {
        eprintln!(
            "browser tests skipped: chromedriver not found \
             (apt-get install chromium chromium-driver fonts-noto-cjk; .ci/run does)"
        );
    }
    found
}

/// A chromedriver process and one browser session in it, ended on drop.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    _profile: tempfile::TempDir,
}

/// One HTTP/1.1 exchange with chromedriver, JSON in and out.
fn call(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
) -> serde_json::Value {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect chromedriver");
    s.set_read_timeout(Some(Duration::from_secs(60))).ok();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).expect("send to chromedriver");
    // chromedriver keeps the connection open whatever the request says: read the head, then
    // exactly the body its Content-Length gives.
    let mut r = BufReader::new(s);
    let mut length = 0;
    loop {
        let mut line = String::new();
        r.read_line(&mut line).expect("read chromedriver");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().expect("a length");
            }
        }
    }
    let mut body = vec![0; length];
    r.read_exact(&mut body).expect("read chromedriver");
    serde_json::from_slice(&body).unwrap_or_else(|e| {
        panic!(
            "chromedriver said {:?}: {e}",
            String::from_utf8_lossy(&body)
        )
    })
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a window of `width` × `height`.
    pub fn start(width: u32, height: u32) -> Browser {
        let mut driver = Command::new("chromedriver")
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let out = driver.stdout.take().expect("piped");
        let mut port = None;
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                port = rest.trim_end_matches('.').parse().ok();
                break;
            }
        }
        let port = port.expect("chromedriver names its port");
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = serde_json::json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": "/usr/bin/chromium",
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu",
                        "--disable-dev-shm-usage", "--lang=zh-CN",
                        format!("--window-size={width},{height}"),
                        format!("--user-data-dir={}", profile.path().display()),
                    ],
                },
            }},
        });
        let v = call(port, "POST", "/session", Some(&caps));
        let session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        Browser {
            driver,
            port,
            session,
            _profile: profile,
        }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<serde_json::Value>) -> serde_json::Value {
        let v = call(
            self.port,
            method,
            &format!("/session/{}{path}", self.session),
            body.as_ref(),
        );
        if let Some(e) = v["value"]["error"].as_str() {
            panic!("WebDriver {method} {path}: {e}: {}", v["value"]["message"]);
        }
        v["value"].clone()
    }

    pub fn open(&self, url: &str) {
        self.cmd("POST", "/url", Some(serde_json::json!({ "url": url })));
    }

    pub fn url(&self) -> String {
        self.cmd("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Runs `act` (a click, a key press) and waits until it has loaded a new page: commands
    /// return before the browser has the answer to a form it sent. Panics after 10 s.
    pub fn navigating(&self, what: &str, act: impl FnOnce()) {
        // A mark on the page now; the next page is a new document without it.
        self.eval("(window.__sjdj_before = true)");
        act();
        let until = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let state = self
                .eval("(window.__sjdj_before === undefined && document.readyState === 'complete')");
            if state == serde_json::json!(true) {
                return;
            }
            assert!(
                std::time::Instant::now() < until,
                "{what}: no new page at {}",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the page (one that reloads itself) shows `text`; a script that meets the
    /// page mid-reload is asked again. Panics after 60 s.
    pub fn wait_for_text(&self, text: &str) {
        let until = std::time::Instant::now() + Duration::from_secs(60);
        let script = serde_json::json!({
            "script": "return document.readyState === 'complete' && document.body \
                       && document.body.innerText.includes(arguments[0]);",
            "args": [text],
        });
        loop {
            let path = format!("/session/{}/execute/sync", self.session);
            let v = call(self.port, "POST", &path, Some(&script));
            if v["value"] == serde_json::json!(true) {
                return;
            }
            assert!(
                std::time::Instant::now() < until,
                "no {text:?} at {}: {}",
                self.url(),
                self.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Clicks what `css` finds and waits for the page it leads to.
    pub fn follow(&self, css: &str) {
        self.navigating(css, || self.find(css).click());
    }

    /// Types `text` into the field `css` finds, then Enter, and waits for the answer.
    pub fn submit_typed(&self, css: &str, text: &str) {
        self.navigating(css, || self.find(css).type_text(&format!("{text}\u{E007}")));
    }

    pub fn title(&self) -> String {
        self.cmd("GET", "/title", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The page's text as a reader sees it.
    pub fn text(&self) -> String {
        self.find("body").text()
    }

    pub fn find(&self, css: &str) -> Element<'_> {
        let v = self.cmd(
            "POST",
            "/element",
            Some(serde_json::json!({ "using": "css selector", "value": css })),
        );
        let id = v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css} on {}: {v}", self.url()));
        Element {
            browser: self,
            id: id.to_string(),
        }
    }

    /// How many elements match `css`.
    pub fn count(&self, css: &str) -> usize {
        let v = self.cmd(
            "POST",
            "/elements",
            Some(serde_json::json!({ "using": "css selector", "value": css })),
        );
        v.as_array().map_or(0, Vec::len)
    }

    /// The value of a script's expression, for what the protocol has no command for.
    pub fn eval(&self, expression: &str) -> serde_json::Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(serde_json::json!({ "script": format!("return {expression};"), "args": [] })),
        )
    }

    /// The value of the cookie `name` the browser holds for the page's site.
    pub fn cookie(&self, name: &str) -> String {
        self.cmd("GET", &format!("/cookie/{name}"), None)["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Gives the browser a cookie for the page's site, as if the node had set it.
    pub fn add_cookie(&self, name: &str, value: &str) {
        self.cmd(
            "POST",
            "/cookie",
            Some(serde_json::json!({ "cookie": {
                "name": name, "value": value, "path": "/", "httpOnly": true, "sameSite": "Strict",
            }})),
        );
    }

    /// Saves the viewport as `target/screenshots/{name}.png`.
    pub fn screenshot(&self, name: &str) {
        use base64::Engine as _;
        let v = self.cmd("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64"))
            .expect("a PNG");
        std::fs::write(screenshot_dir().join(format!("{name}.png")), png).expect("write");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = std::panic::catch_unwind(|| {
            call(
                self.port,
                "DELETE",
                &format!("/session/{}", self.session),
                None,
            )
        });
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

pub struct Element<'a> {
    browser: &'a Browser,
    id: String,
}

impl Element<'_> {
    fn path(&self, tail: &str) -> String {
        format!("/element/{}{tail}", self.id)
    }

    pub fn text(&self) -> String {
        self.browser
            .cmd("GET", &self.path("/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Types `text` into the element, as keys are pressed.
    pub fn type_text(&self, text: &str) {
        self.browser.cmd(
            "POST",
            &self.path("/value"),
            Some(serde_json::json!({ "text": text })),
        );
    }

    pub fn click(&self) {
        self.browser
            .cmd("POST", &self.path("/click"), Some(serde_json::json!({})));
    }

    /// The element's tag name (`input`, `select`, …).
    pub fn tag(&self) -> String {
        self.browser
            .cmd("GET", &self.path("/name"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn attribute(&self, name: &str) -> Option<String> {
        self.browser
            .cmd("GET", &self.path(&format!("/attribute/{name}")), None)
            .as_str()
            .map(str::to_string)
    }
}
