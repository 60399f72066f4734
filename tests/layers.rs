//! The runtime's layers (ARCHITECTURE.md): each top-level module of `runtime/src` imports only
//! the layers beneath it, and inside a layer its parts import one another without a circle.
//! Read from the source, over every `crate::` and `super::` path outside comments, so a new
//! import that runs back up fails here, naming the file, the line and the rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each layer, from the bottom, with the layers it may import.
const LAYERS: &[(&str, &[&str])] = &[
    ("util", &[]),
    ("net", &[]),
    ("wire", &["util"]),
    ("error", &["wire"]),
    ("hub", &["util", "wire", "error"]),
    ("stream", &["util", "wire", "error"]),
    ("client", &["util", "wire", "error"]),
    ("api", &["util", "wire", "error", "hub", "stream"]),
    (
        "testing",
        &["util", "wire", "error", "hub", "stream", "client", "api"],
    ),
];

/// Names at the crate root that are not layers but may be named from anywhere: macros, which
/// live there by Rust's rules (the attribute macros the unit tests apply as
/// `#[crate::sse_events]`, and the `#[macro_export]`ed ones `codegen` re-exports).
const ROOT_MACROS: &[&str] = &[
    "sse_events",
    "sse_handler",
    "__tidings_document_error",
    "__tidings_document_input",
];

#[test]
fn each_layer_imports_only_the_layers_beneath_it_and_no_layer_has_a_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime/src");
    let layers: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let mut problems = Vec::new();
    // Per layer, which of its parts (the second path segment; "" for its mod.rs) imports which.
    let mut parts: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();

    let mut files = Vec::new();
    collect_rust_files(&src, &mut files);
    assert!(
        files.len() > 30,
        "the runtime's sources were not found in {src:?}"
    );
    for file in files {
        let relative = file.strip_prefix(&src).unwrap().to_owned();
        let module = module_path(&relative);
        let Some(layer) = module.first().cloned() else {
            continue; // lib.rs: the root re-exports every layer.
        };
        if !layers.contains_key(layer.as_str()) {
            problems.push(format!(
                "{}: `{layer}` is in no layer: move it into one (tests/layers.rs lists them)",
                relative.display()
            ));
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for import in imports(&text, &module) {
            let location = format!("{}:{}", relative.display(), import.line);
            let Some(target) = import.target.first() else {
                continue;
            };
            if target == &layer {
                let part = |name: Option<&String>| {
                    name.filter(|name| layer_parts(&src, &layer).contains(*name))
                        .cloned()
                        .unwrap_or_default()
                };
                let from = part(module.get(1));
                let to = part(import.target.get(1));
                if from != to {
                    parts
                        .entry(layer.clone())
                        .or_default()
                        .entry(from)
                        .or_default()
                        .insert(to);
                }
            } else if layers.contains_key(target.as_str()) {
                if !layers[layer.as_str()].contains(&target.as_str()) {
                    problems.push(format!(
                        "{location}: `{layer}` imports `{}`, which is not beneath it (it may \
                         import {:?})",
                        import.target.join("::"),
                        layers[layer.as_str()]
                    ));
                }
            } else if !ROOT_MACROS.contains(&target.as_str()) && target != "*" {
                problems.push(format!(
                    "{location}: `crate::{target}` is a re-export at the crate root: import it \
                     from its own layer's module, so that the layer is seen"
                ));
            }
        }
    }
    for (layer, graph) in &mut parts {
        // A layer's mod.rs declares its parts, so it uses every one: a part that imports from
        // it closes a circle. Parts import one another directly; mod.rs is the front door.
        graph
            .entry(String::new())
            .or_default()
            .extend(layer_parts(&src, layer));
        if let Some(circle) = find_circle(graph) {
            problems.push(format!(
                "inside `{layer}`, these parts import one another in a circle: {} (\"\" is \
                 {layer}/mod.rs)",
                circle.join(" -> ")
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

fn collect_rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
}

/// The parts of a layer: the files and folders in its folder, but its `mod.rs` (a name that is
/// none of them, `hub::HubStats`, is an item of the layer's `mod.rs`).
fn layer_parts(src: &Path, layer: &str) -> BTreeSet<String> {
    std::fs::read_dir(src.join(layer))
        .unwrap()
        .map(|entry| {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            name.trim_end_matches(".rs").to_owned()
        })
        .filter(|name| name != "mod")
        .collect()
}

/// `api/openapi/build.rs` is `api::openapi::build`; `api/openapi/mod.rs` is `api::openapi`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut path: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if matches!(path.last().map(String::as_str), Some("mod" | "lib")) {
        path.pop();
    }
    path
}

struct Import {
    line: usize,
    /// The module path it names, from the crate root.
    target: Vec<String>,
}

/// Every `crate::` and `super::` path in `text` (a file of module `module`), resolved from the
/// crate root. `crate::{a, b::c}` names `a` and `b::c`; comments are left out, and `super`
/// inside an inline `mod name { .. }` counts from that module.
fn imports(text: &str, module: &[String]) -> Vec<Import> {
    let code = strip_comments(text);
    let inline_modules = inline_modules(&code);
    let bytes = code.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = next_path_start(&code[at..]) {
        let start = at + offset;
        at = start + 1;
        if start > 0 && (bytes[start - 1] == b'$' || is_ident(bytes[start - 1])) {
            continue; // `$crate::` in a macro_rules, or a longer name ending in `super`.
        }
        let line = code[..start].matches('\n').count() + 1;
        let mut base: Vec<String> = module.to_vec();
        for (name, range) in &inline_modules {
            if range.contains(&start) {
                base.push(name.clone());
            }
        }
        let mut rest = &code[start..];
        let mut resolved = if let Some(after) = rest.strip_prefix("crate::") {
            rest = after;
            Vec::new()
        } else {
            base
        };
        while let Some(after) = rest.strip_prefix("super::") {
            rest = after;
            resolved.pop();
        }
        // Go on after the prefixes, so that `super::super::` is one path, not two.
        at = code.len() - rest.len();
        for tail in path_tails(rest) {
            let mut target = resolved.clone();
            target.extend(tail);
            found.push(Import { line, target });
        }
    }
    found
}

fn next_path_start(code: &str) -> Option<usize> {
    match (code.find("crate::"), code.find("super::")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn is_ident(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// The paths after a `crate::`: one (`a::b::C`), or each item of a group (`{a, b::{c, d}}`).
fn path_tails(rest: &str) -> Vec<Vec<String>> {
    if let Some(group) = rest.strip_prefix('{') {
        let mut depth = 0;
        let mut items = Vec::new();
        let mut item_start = 0;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    items.push(&group[item_start..i]);
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(&group[item_start..i]);
                    item_start = i + 1;
                }
                _ => {}
            }
        }
        return items
            .into_iter()
            .filter(|item| !item.trim().is_empty())
            .flat_map(|item| path_tails(item.trim()))
            .collect();
    }
    let mut path = Vec::new();
    for segment in rest.split("::").take(2) {
        let name: String = segment
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '*')
            .collect();
        let whole = name.len() == segment.len();
        if !name.is_empty() {
            path.push(name);
        }
        if !whole {
            break;
        }
    }
    vec![path]
}

/// The text with `//` comments blanked (string contents kept; a `//` inside a string literal is
/// not a comment), so line numbers stay right.
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|line| {
            let mut in_string = false;
            let mut escaped = false;
            let chars: Vec<char> = line.chars().collect();
            for i in 0..chars.len() {
                match chars[i] {
                    _ if escaped => escaped = false,
                    '\\' if in_string => escaped = true,
                    '"' => in_string = !in_string,
                    '/' if !in_string && chars.get(i + 1) == Some(&'/') => {
                        return chars[..i].iter().collect::<String>();
                    }
                    _ => {}
                }
            }
            line.to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each inline `mod name { .. }` and the byte range of its body.
fn inline_modules(code: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut modules = Vec::new();
    let mut from = 0;
    while let Some(offset) = code[from..].find("mod ") {
        let start = from + offset;
        from = start + 4;
        if start > 0 && is_ident(code.as_bytes()[start - 1]) {
            continue;
        }
        let rest = &code[start + 4..];
        let name: String = rest.chars().take_while(|c| is_ident(*c as u8)).collect();
        let after_name = rest[name.len()..].trim_start();
        if name.is_empty() || !after_name.starts_with('{') {
            continue;
        }
        let open = code.len() - after_name.len();
        let mut depth = 0;
        for (i, c) in code[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        modules.push((name.clone(), open..open + i));
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    modules
}

/// A circle in `graph`, as the names along it, if there is one.
fn find_circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

/// The check itself catches what it should: an upward import, a root re-export, a circle.
#[test]
fn the_check_sees_upward_imports_group_items_and_circles() {
    let module = ["wire".to_owned(), "frame".to_owned()];
    let found = imports(
        "use crate::stream::Sender; // crate::hub in a comment\nuse crate::{util::random, Error};\n\
         mod tests { use super::super::field::X; }\nlet s = \"// not a comment\"; crate::api::x();",
        &module,
    );
    let targets: Vec<String> = found.iter().map(|i| i.target.join("::")).collect();
    assert_eq!(
        targets,
        [
            "stream::Sender",
            "util::random",
            "Error",
            "wire::field::X",
            "api::x"
        ]
    );
    assert_eq!(found[4].line, 4);

    let mut graph = BTreeMap::new();
    graph.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    graph.insert("b".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(
        find_circle(&graph),
        Some(vec!["a".to_owned(), "b".to_owned(), "a".to_owned()])
    );
    graph.remove("b");
    assert_eq!(find_circle(&graph), None);
}
