//! The library's layers, held by the source tree itself: each module folder of `src/` imports
//! only the layers before it in [`LAYERS`] (the order `lib.rs` and ARCHITECTURE.md give).
//! Test code is exempt — files named `tests.rs`, `*_tests.rs` or `proptests.rs`, and a file's
//! `#[cfg(test)]` items (a `mod x;` line, or an inline module, which comes last) — since tests
//! may drive a layer from above.
mod source_tree;
use source_tree::{is_test_file, rust_files};
use std::path::Path;

/// Lowest first.
const LAYERS: [&str; 10] = [
    "domain", "store", "log", "search", "sync", "engine", "grpc", "web", "node", "cli",
];

/// The code of a file without its `#[cfg(test)]` items: a `#[cfg(test)] mod x;` line is
/// dropped, and an inline test module ends the code (it is the file's last item).
fn without_tests(text: &str) -> String {
    let mut code = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]" {
            match lines.next() {
                Some(item) if item.trim_end().ends_with(';') => continue,
                _ => break,
            }
        }
        code.push_str(line);
        code.push('\n');
    }
    code
}

/// The first path segment after each `crate::` in `code`, `crate::{a::x, b}` giving `a` and `b`.
fn crate_roots(code: &str) -> Vec<String> {
    let mut roots = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The top-level items of the group, up to its closing brace.
            let (mut depth, mut item) = (0, String::new());
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        roots.push(first_ident(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            roots.push(first_ident(&item));
        } else {
            roots.push(first_ident(rest));
        }
    }
    roots.retain(|r| !r.is_empty());
    roots
}

fn first_ident(s: &str) -> String {
    s.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

#[test]
fn the_layers_are_the_modules_of_lib_rs() {
    let lib = std::fs::read_to_string("src/lib.rs").unwrap();
    let mut modules: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod ")?.strip_suffix(';'))
        .collect();
    modules.sort_unstable();
    let mut layers = LAYERS.to_vec();
    layers.sort_unstable();
    assert_eq!(
        modules, layers,
        "every module of lib.rs has its place in LAYERS"
    );
}

#[test]
fn no_layer_imports_one_above_it() {
    let mut wrong = Vec::new();
    for (rank, layer) in LAYERS.iter().enumerate() {
        let files = rust_files(&Path::new("src").join(layer));
        assert!(!files.is_empty(), "src/{layer} has no source files");
        for file in files.iter().filter(|f| !is_test_file(f)) {
            let text = std::fs::read_to_string(file).unwrap();
            for root in crate_roots(&without_tests(&text)) {
                let above = LAYERS.iter().position(|l| *l == root).filter(|&r| r > rank);
                if above.is_some() {
                    wrong.push(format!("{} ({layer}) imports {root}", file.display()));
                }
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn test_items_are_left_out_and_the_rest_is_read() {
    let text = "#[cfg(test)]\nmod a_tests;\nuse crate::engine;\n#[cfg(test)]\nmod tests {\n    use crate::node;\n}\n";
    assert_eq!(crate_roots(&without_tests(text)), ["engine"]);
}

#[test]
fn the_import_reader_sees_grouped_and_nested_paths() {
    let code = "use crate::engine::Engine;\nuse crate::{grpc::pb, log::{entry, tree}};\n\
                let x = crate::node::config::Config::dev();";
    assert_eq!(crate_roots(code), ["engine", "grpc", "log", "node"]);
}
