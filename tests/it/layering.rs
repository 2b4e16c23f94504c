//! The layering rules of the design, read from the imports: providers turn requests into
//! `Series` and never print; renderers never touch HTTP or a provider; the transport and
//! the store know no provider; the store imports no renderer.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/<folder>` (or the file `src/<folder>.rs`).
fn sources(folder: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    let mut pending = vec![root.join(folder)];
    let file = root.join(format!("{folder}.rs"));
    if file.is_file() {
        found.push(file);
    }
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    assert!(!found.is_empty(), "no sources under src/{folder}");
    found
}

/// `path:line: text` for every code line (comments do not count) in `folder` that `hit`s.
fn lines_where(folder: &str, hit: impl Fn(&str) -> bool) -> Vec<String> {
    let mut hits = Vec::new();
    for path in sources(folder) {
        let text = std::fs::read_to_string(&path).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if hit(code) {
                hits.push(format!(
                    "{}:{}: {}",
                    path.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    hits
}

/// Lines in `folder` that name one of `modules` (`crate::render`, …).
fn uses(folder: &str, modules: &[&str]) -> Vec<String> {
    lines_where(folder, |code| {
        modules.iter().any(|module| {
            let named = format!("crate::{module}");
            code.contains(&format!("{named}::")) || code.contains(&format!("{named};"))
        })
    })
}

#[test]
fn providers_import_neither_app_render_nor_cli() {
    let hits = uses("providers", &["app", "render", "cli", "output"]);
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}

#[test]
fn render_store_and_transport_import_no_provider() {
    for folder in ["render", "store", "transport"] {
        let hits = uses(folder, &["providers"]);
        assert!(hits.is_empty(), "{}", hits.join("\n"));
    }
}

#[test]
fn renderers_never_touch_http_or_the_app() {
    let hits = uses("render", &["transport", "app", "cli"]);
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}

#[test]
fn the_store_and_the_transport_import_no_renderer_nor_the_app() {
    for folder in ["store", "transport"] {
        let hits = uses(folder, &["render", "app", "cli"]);
        assert!(hits.is_empty(), "{}", hits.join("\n"));
    }
}

/// Lines in `folder` containing one of `needles`.
fn mentions(folder: &str, needles: &[&str]) -> Vec<String> {
    lines_where(folder, |code| needles.iter().any(|n| code.contains(n)))
}

#[test]
fn providers_never_print() {
    let hits = mentions(
        "providers",
        &["println!", "print!(", "eprint", "stdout()", "stderr()"],
    );
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}

#[test]
fn renderers_never_read_the_clock() {
    let hits = mentions(
        "render",
        &["Utc::now", "Local::now", "SystemTime::now", "Instant::now"],
    );
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}

/// The check itself finds an import (so the tests above cannot pass by reading nothing).
#[test]
fn the_check_sees_imports() {
    assert!(!uses("app", &["render"]).is_empty());
    assert!(!uses("render", &["series"]).is_empty());
    assert!(!mentions("app", &["eprintln!"]).is_empty());
}
