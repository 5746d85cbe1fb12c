//! One catalogue of reason codes (`sjdj::domain::reasons`), held to the source and the README:
//! every ALL-CAPS string literal in the library's code is a catalogued reason or one of the
//! other words listed here (states, event kinds, key statuses, variable names); every
//! catalogued code is used; the README's table lists each code with its status.
use sjdj::domain::reasons::{reason, REASONS};
mod source_tree;
use source_tree::{is_test_file, rust_files};

/// ALL-CAPS literals of the library that are not reason codes, by what they are.
const OTHER_WORDS: &[(&str, &str)] = &[
    ("A0000000001", "application id example"),
    ("ABC", "test value"),
    ("ACCEPTANCE_REFUSED", "event kind"),
    ("ACCEPTED", "event kind"),
    ("ACTIVE", "key status"),
    ("ALARM_KIND_", "enum name prefix"),
    ("APPLICATION_STATE_", "enum name prefix"),
    ("CARGO_PKG_VERSION", "build environment variable"),
    ("CERTIFICATE_ISSUED", "event kind"),
    ("CLOSED", "application state, event kind"),
    ("CREATED", "event kind"),
    ("DENY", "X-Frame-Options header value"),
    ("DEREGISTERED", "record status, event kind"),
    ("DRAFT", "application state"),
    ("EDITED", "event kind"),
    ("EXPIRED", "record status"),
    ("FORK", "alarm kind"),
    ("IN_PUBLICITY", "application state"),
    ("IN_REVIEW", "application state"),
    ("KEY_STATUS_", "enum name prefix"),
    ("NODE_ROLE_", "enum name prefix"),
    ("NOT_ACCEPTED", "application state"),
    ("OBJECTION_FILED", "event kind"),
    ("OBJECTION_RESOLVED", "event kind"),
    ("OBJECTION_STATE_", "enum name prefix"),
    ("OPENS", "CLI output word"),
    ("OUT_DIR", "build environment variable"),
    ("RECORD_STATUS_", "enum name prefix"),
    ("REFUSED", "application state"),
    ("REGISTERED", "application state, event kind"),
    ("REGISTRATION_TYPE_", "enum name prefix"),
    ("RETIRED", "key status"),
    ("RETURNED", "application state"),
    ("RETURNED_FOR_SUPPLEMENT", "event kind"),
    ("REVIEW_PASSED", "event kind"),
    ("REVIEW_REFUSED", "event kind"),
    ("REVOKED", "record status, key status"),
    ("ROLE", "CLI value name"),
    ("ROLE_", "enum name prefix"),
    ("SJDJCRT", "certificate magic bytes"),
    ("SJDJ_ADDR", "CLI environment variable"),
    ("SJDJ_CA_FILE", "CLI environment variable"),
    ("SJDJ_TOKEN", "CLI environment variable"),
    ("SJDJ_TOKENS", "CLI environment variable"),
    ("SJDJ_TOKEN_FILE", "CLI environment variable"),
    ("STEP_", "enum name prefix"),
    ("SUBMITTED", "application state, event kind"),
    ("SUPPLEMENTED", "event kind"),
    ("TWO", "store test value"),
    ("VALID", "record status"),
    ("WITHDRAWN", "application state, event kind"),
];

/// The ALL-CAPS string literals (three characters or more) of the library's non-test code,
/// with where each is.
fn literals() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for layer in std::fs::read_dir("src").unwrap() {
        let path = layer.unwrap().path();
        if path.is_dir() && !path.ends_with("bin") {
            files.extend(rust_files(&path));
        }
    }
    let mut found = Vec::new();
    for file in files {
        if is_test_file(&file) || file.ends_with("domain/reasons.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find('"') {
                rest = &rest[at + 1..];
                let word: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                let closed = rest[word.len()..].starts_with('"');
                let upper_start = word.starts_with(|c: char| c.is_ascii_uppercase());
                if closed && upper_start && word.len() >= 3 {
                    found.push((word.clone(), format!("{}:{}", file.display(), n + 1)));
                    rest = &rest[word.len() + 1..];
                }
            }
        }
    }
    found
}

#[test]
fn the_catalogue_is_sorted_and_each_code_has_a_status_and_a_meaning() {
    let codes: Vec<&str> = REASONS.iter().map(|r| r.code).collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(codes, sorted, "sorted by code, each once");
    for r in REASONS {
        assert!(!r.status.is_empty() && r.meaning.len() > 10, "{r:?}");
        assert_eq!(reason(r.code), Some(r));
    }
    assert_eq!(reason("NO_SUCH_REASON"), None);
}

#[test]
fn every_literal_code_in_the_source_is_catalogued_and_every_catalogued_code_is_used() {
    let found = literals();
    let uncatalogued: Vec<String> = found
        .iter()
        .filter(|(w, _)| reason(w).is_none() && !OTHER_WORDS.iter().any(|(o, _)| o == w))
        .map(|(w, at)| format!("{w} at {at}"))
        .collect();
    assert!(
        uncatalogued.is_empty(),
        "not in src/domain/reasons.rs (a reason code) nor in OTHER_WORDS:\n{}",
        uncatalogued.join("\n")
    );
    let unused: Vec<&str> = REASONS
        .iter()
        .map(|r| r.code)
        .filter(|c| !found.iter().any(|(w, _)| w == c))
        .collect();
    assert!(
        unused.is_empty(),
        "catalogued but not in the source: {unused:?}"
    );
    let stale: Vec<&str> = OTHER_WORDS
        .iter()
        .map(|(w, _)| *w)
        .filter(|w| !found.iter().any(|(f, _)| f == w))
        .collect();
    assert!(stale.is_empty(), "OTHER_WORDS not in the source: {stale:?}");
}

#[test]
fn the_readme_lists_every_code_with_its_status() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    for r in REASONS {
        let row = format!("| `{}` | {} |", r.code, r.status.replace('/', " / "));
        assert!(readme.contains(&row), "README has no row {row}");
    }
}
