//! HTTP/1.1 as a browser speaks it, for the tests of the web pages: one request per
//! connection, read to its end, with the checks every page must pass.
#![allow(dead_code)]
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A response as a browser receives it over HTTP/1.1.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request on its own connection (`Connection: close`), read to its end; the raw
/// bytes when they are not an HTTP/1.1 response.
pub async fn send(
    addr: &str,
    method: &str,
    path: &str,
    form: Option<&str>,
) -> Result<Answer, Vec<u8>> {
    send_with(addr, method, path, &[], form).await
}

/// [`send`] with extra request headers (a cookie).
pub async fn send_with(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    form: Option<&str>,
) -> Result<Answer, Vec<u8>> {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        req.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = form {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
    } else {
        req.push_str("\r\n");
    }
    s.write_all(req.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw).await;
    parse(raw)
}

pub fn parse(raw: Vec<u8>) -> Result<Answer, Vec<u8>> {
    let text = String::from_utf8(raw.clone()).map_err(|_| raw.clone())?;
    let (head, body) = text.split_once("\r\n\r\n").ok_or(raw.clone())?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.strip_prefix("HTTP/1.1 "))
        .and_then(|l| l.get(..3)?.parse().ok())
        .ok_or(raw)?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Answer {
        status,
        headers,
        body: body.to_string(),
    })
}

/// A form with one file field, as a browser uploads it (multipart/form-data).
pub async fn upload(addr: &str, path: &str, field: &str, file: &[u8]) -> Answer {
    upload_with(addr, path, &[], &[], field, "cert.txt", file).await
}

pub async fn get(addr: &str, path: &str) -> Answer {
    send(addr, "GET", path, None)
        .await
        .unwrap_or_else(|raw| panic!("GET {path}: not HTTP/1.1: {raw:?}"))
}

pub fn encoded(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// What every page must carry: a CSP that forbids script and inline style, and no inline
/// script or style in the page itself (the JSON-LD data block is not a script that runs).
pub fn assert_secured(a: &Answer, what: &str) {
    let csp = a.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{what}: CSP {csp:?}"
    );
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(
        a.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(a.header("x-frame-options"), Some("DENY"), "{what}");
    assert!(
        a.header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "{what}"
    );
    assert!(!a.body.contains("style="), "{what}: an inline style");
    let scripts = a.body.matches("<script").count();
    let data = a
        .body
        .matches("<script type=\"application/ld+json\">")
        .count();
    assert_eq!(scripts, data, "{what}: a script that would run");
}

/// The value of the hidden field `name` in a page's form.
pub fn hidden(body: &str, name: &str) -> String {
    let at = body
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no field {name}"));
    let rest = &body[at + name.len() + 15..];
    rest[..rest.find('"').expect("its end")].to_string()
}

/// A GET with extra request headers (a cookie).
pub async fn get_with(addr: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
    send_with(addr, "GET", path, headers, None)
        .await
        .unwrap_or_else(|raw| panic!("GET {path}: not HTTP/1.1: {raw:?}"))
}

/// The `name=value` a response sets as a cookie, and the rest of its `Set-Cookie` line.
pub fn set_cookie(a: &Answer, name: &str) -> Option<(String, String)> {
    a.headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .find_map(|(_, v)| {
            let (pair, attributes) = v.split_once(';').unwrap_or((v, ""));
            let (n, value) = pair.split_once('=')?;
            (n == name).then(|| (format!("{n}={value}"), attributes.trim().to_string()))
        })
}

/// A multipart form with text `fields` and one file, sent with extra headers (a cookie).
pub async fn upload_with(
    addr: &str,
    path: &str,
    headers: &[(&str, &str)],
    fields: &[(&str, &str)],
    file_field: &str,
    file_name: &str,
    file: &[u8],
) -> Answer {
    let boundary = "----sjdjtestboundary7MA4YWxk";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; \
             filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.expect("send");
    s.write_all(&body).await.expect("send");
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw).await;
    parse(raw).unwrap_or_else(|raw| panic!("POST {path}: not HTTP/1.1: {raw:?}"))
}

/// The example materials (config/examples/materials.json) as the portal's form sends them.
pub fn example_form() -> Vec<(&'static str, &'static str)> {
    vec![
        ("subject.name", "某市数据局"),
        ("subject.credit_code", "91350100M000100Y43"),
        ("subject.kind", "GovernmentDepartment"),
        ("subject.region", "350100"),
        ("subject.contact.name", "张三"),
        ("subject.contact.phone", "0591-12345678"),
        ("subject.contact.email", "zhangsan@example.gov.cn"),
        ("source.basis", "StatutoryDuty"),
        (
            "source.statutory_duty",
            "依据《市场主体登记管理条例》履行企业登记职责中采集",
        ),
        ("resource.name", "企业登记信息"),
        (
            "resource.summary",
            "全市企业登记注册基本信息，包括名称、统一社会信用代码、注册地址、经营范围等。",
        ),
        ("resource.data_type", "PublicDataResource"),
        ("resource.industry", "公共管理"),
        ("resource.format", "结构化数据库表"),
        (
            "resource.fields",
            "企业名称|string|登记名称\n统一社会信用代码|string",
        ),
        ("resource.volume", "约120万条"),
        ("resource.time_span", "2000年至今"),
        ("resource.update_frequency", "每日"),
        ("resource.storage_location", "市政务云"),
        ("resource.classification", "市场监管/企业登记"),
        ("resource.grade", "General"),
        ("resource.access_mode", "Shared"),
        (
            "evidence.sha256",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ),
        ("evidence.taken_at", "2026-11-01T08:00:00Z"),
        ("evidence.description", "2026年11月1日全量数据样本摘要"),
        ("scenarios", "企业信用评价|支撑金融机构开展企业信用评估"),
        ("security.conclusion", "已完成安全风险评估，风险可控"),
        ("security.contains_personal_information", "on"),
        (
            "security.deidentification_measures",
            "法定代表人身份证号等个人信息已脱敏处理",
        ),
    ]
}

/// A catalogue of `rows` resources as a bureau exports it (CSV, its Chinese column names),
/// for the dev registrant's subject; the rows numbered in `bad` each carry one problem: a data
/// type no catalogue has, a grade no catalogue has, another subject's credit code, in turn.
pub fn catalogue(rows: usize, bad: &[usize]) -> String {
    let mut csv = String::from(
        "数据名称,内容摘要,数据类型,所属行业,数据形态,数据项,数据规模,时间范围,更新频率,\
         存储位置,数据分类,数据分级,开放方式,登记主体,统一社会信用代码,主体类型,行政区划代码,\
         联系人,联系电话,来源依据,履职依据,安全评估结论,含个人信息,去标识化措施\n",
    );
    for i in 1..=rows {
        let which = bad.iter().position(|b| *b == i);
        let data_type = if which == Some(0) {
            "数据湖"
        } else {
            "公共数据资源"
        };
        let grade = if which == Some(1) { "绝密" } else { "一般" };
        let credit = if which == Some(2) {
            "91110000802100433B"
        } else {
            "91350100M000100Y43"
        };
        csv.push_str(&format!(
            "目录数据{i},第{i}项目录数据的摘要,{data_type},公共管理,结构化数据库表,\
             名称|string|名称；编号|string,约{i}万条,2020年至今,每日,市政务云,目录/第{i}类,{grade},\
             共享,某市数据局,{credit},党政机关,350100,张三,0591-12345678,依法履职,\
             依据职责采集,风险可控,否,无\n"
        ));
    }
    csv
}

/// A catalogue in CSV (as [`catalogue`] writes it) as an Excel `.xlsx` workbook of one sheet,
/// written as Excel writes one: text in the shared-strings table, and digits-only cells (a
/// region code, say) as numbers.
pub fn xlsx(csv: &str) -> Vec<u8> {
    use std::io::Write;
    fn column(mut i: usize) -> String {
        let mut name = String::new();
        loop {
            name.insert(0, (b'A' + (i % 26) as u8) as char);
            if i < 26 {
                return name;
            }
            i = i / 26 - 1;
        }
    }
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let (mut strings, mut sheet) = (Vec::<String>::new(), String::new());
    for (r, line) in csv.lines().enumerate() {
        sheet.push_str(&format!("<row r=\"{}\">", r + 1));
        for (c, cell) in line.split(',').enumerate() {
            let at = format!("{}{}", column(c), r + 1);
            if !cell.is_empty() && cell.bytes().all(|b| b.is_ascii_digit()) && cell.len() < 12 {
                sheet.push_str(&format!("<c r=\"{at}\"><v>{cell}</v></c>"));
            } else if !cell.is_empty() {
                strings.push(esc(cell));
                let n = strings.len() - 1;
                sheet.push_str(&format!("<c r=\"{at}\" t=\"s\"><v>{n}</v></c>"));
            }
        }
        sheet.push_str("</row>");
    }
    let ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let files = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/><Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/></Types>".to_string(),
        ),
        (
            "_rels/.rels",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{rel}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"),
        ),
        (
            "xl/workbook.xml",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"{ns}\" xmlns:r=\"{rel}\"><sheets><sheet name=\"目录\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{rel}/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"{rel}/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>"),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"{ns}\"><sheetData>{sheet}</sheetData></worksheet>"),
        ),
        (
            "xl/sharedStrings.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"{ns}\" count=\"{n}\" uniqueCount=\"{n}\">{}</sst>",
                strings.iter().map(|s| format!("<si><t>{s}</t></si>")).collect::<String>(),
                n = strings.len()
            ),
        ),
    ];
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    for (name, text) in files {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}
