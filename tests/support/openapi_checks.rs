//! Helpers of the OpenAPI tests: event validation against a document with the `jsonschema`
//! crate, snapshots, and the external validators.

use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Parses a whole `text/event-stream` body into `itemSchema` items (`event`, `data`, `id`,
/// `retry`), as the EventSource parser splits it.
pub fn parse_items(body: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut item = Map::new();
    let mut data: Option<Vec<&str>> = None;
    for line in body.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            if let Some(data) = data.take() {
                item.insert("data".into(), data.join("\n").into());
                items.push(Value::Object(std::mem::take(&mut item)));
            }
            item.clear();
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "data" => data.get_or_insert_with(Vec::new).push(value),
            "event" => {
                item.insert("event".into(), value.into());
            }
            "id" => {
                item.insert("id".into(), value.into());
            }
            "retry" => {
                if let Ok(n) = value.parse::<u64>() {
                    item.insert("retry".into(), n.into());
                }
            }
            _ => {}
        }
    }
    items
}

/// `schema` with the document's components beside it, so `#/components/schemas/..` resolves.
fn rooted(schema: &Value, doc: &Value) -> Value {
    let mut root = schema.as_object().cloned().unwrap_or_default();
    root.insert("components".into(), doc["components"].clone());
    Value::Object(root)
}

/// The `itemSchema` of `GET path`.
pub fn item_schema<'a>(doc: &'a Value, path: &str) -> &'a Value {
    let (_, op) = doc["paths"][path]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    let media = &op["responses"]["200"]["content"]["text/event-stream"];
    if media.get("itemSchema").is_some() {
        &media["itemSchema"]
    } else {
        &media["schema"]
    }
}

/// Checks `items` against the `itemSchema` of `GET path`, then each JSON `data` against the
/// `contentSchema` of the branch it matched (JSON Schema treats `contentSchema` as an
/// annotation only, so it is checked explicitly). Returns the matched branch titles.
pub fn validate_items(doc: &Value, path: &str, items: &[Value]) -> Result<Vec<String>, String> {
    let schema = item_schema(doc, path);
    let validator = jsonschema::draft202012::new(&rooted(schema, doc))
        .map_err(|e| format!("itemSchema does not compile: {e}"))?;
    let branches: Vec<Value> = match schema.get("oneOf") {
        Some(Value::Array(b)) => b.clone(),
        _ => vec![schema.clone()],
    };
    let mut matched = Vec::new();
    for item in items {
        if let Some(error) = validator.iter_errors(item).next() {
            return Err(format!("{item} does not match itemSchema: {error}"));
        }
        let branch = branches
            .iter()
            .find(|b| {
                jsonschema::draft202012::new(&rooted(b, doc))
                    .unwrap()
                    .is_valid(item)
            })
            .expect("oneOf matched, so one branch does");
        let data = &branch["properties"]["data"];
        if data["contentMediaType"] == "application/json" {
            let content = jsonschema::draft202012::new(&rooted(&data["contentSchema"], doc))
                .map_err(|e| format!("contentSchema does not compile: {e}"))?;
            let payload: Value = serde_json::from_str(item["data"].as_str().unwrap())
                .map_err(|e| format!("{item}: data is not JSON: {e}"))?;
            let error = content.iter_errors(&payload).next().map(|e| e.to_string());
            if let Some(error) = error {
                return Err(format!(
                    "{item}: data does not match contentSchema: {error}"
                ));
            }
        }
        matched.push(branch["title"].as_str().unwrap_or("?").to_owned());
    }
    Ok(matched)
}

/// Compares `doc` with `tests/snapshots/{name}`; `UPDATE_SNAPSHOTS=1` writes it instead.
pub fn assert_snapshot(name: &str, doc: &Value) {
    let path = root().join("tests/snapshots").join(name);
    let text = serde_json::to_string_pretty(doc).unwrap() + "\n";
    crate::assert_checked_in(&path, &text, "the server");
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Writes `doc` under `target/openapi/` for the external tools, returning the path.
pub fn write_doc(name: &str, doc: &Value) -> PathBuf {
    let dir = root().join("target/openapi");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    path
}

/// A tool the test needs; `None` (and a note) when it is not installed, unless `CI=true`,
/// where a missing tool fails the test.
pub fn tool(path: &str, hint: &str) -> Option<PathBuf> {
    let path = root().join(path);
    if path.exists() {
        return Some(path);
    }
    crate::skipped(&format!("missing {} ({hint})", path.display()));
    None
}

pub const PYTHON: &str = "target/openapi-venv/bin/python";
pub const PY_HINT: &str = "`.ci/run` installs it: python3 -m venv target/openapi-venv && target/openapi-venv/bin/pip install -r tests/python/requirements.txt";
pub const REDOCLY: &str = "tests/openapi-tools/node_modules/.bin/redocly";

/// Runs a command, returning (success, stdout + stderr).
pub fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().expect("the tool runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Redocly CLI's `lint` (OpenAPI 3.2 aware since 2.x): `None` when not installed.
pub fn redocly_lint(file: &Path) -> Option<(bool, String)> {
    let redocly = tool(REDOCLY, "npm ci --prefix tests/openapi-tools")?;
    let config = root().join("tests/openapi-tools/redocly.yaml");
    Some(run(Command::new(redocly)
        .arg("lint")
        .arg(file)
        .arg("--config")
        .arg(config)
        .arg("--format=stylish")))
}

/// openapi-spec-validator (OpenAPI 3.2 aware since 0.8): `None` when not installed.
pub fn spec_validator(file: &Path) -> Option<(bool, String)> {
    let python = tool(PYTHON, PY_HINT)?;
    Some(run(Command::new(python)
        .args(["-m", "openapi_spec_validator"])
        .arg(file)))
}

/// Both validators accept `file`.
pub fn assert_valid_openapi(file: &Path) {
    if let Some((ok, out)) = redocly_lint(file) {
        assert!(ok, "redocly lint rejects {}:\n{out}", file.display());
    }
    if let Some((ok, out)) = spec_validator(file) {
        assert!(
            ok,
            "openapi-spec-validator rejects {}:\n{out}",
            file.display()
        );
    }
}

/// Documents the validators must reject, to show they bite: a parameter without `in`, an
/// `itemSchema` that is not a schema, and a misspelt media type field.
pub fn broken_variants(doc: &Value, path: &str) -> Vec<(&'static str, Value)> {
    let mut no_in = doc.clone();
    no_in["paths"]["/broken"] = json!({ "get": { "parameters": [{ "name": "x" }] } });
    let (method, _) = doc["paths"][path]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    let mut bad_item = doc.clone();
    bad_item["paths"][path][method]["responses"]["200"]["content"]["text/event-stream"]
        ["itemSchema"] = json!(5);
    let mut misspelt = doc.clone();
    misspelt["paths"][path][method]["responses"]["200"]["content"]["text/event-stream"]
        ["itemSchemas"] = json!({});
    vec![
        ("parameter-without-in", no_in),
        ("item-schema-not-a-schema", bad_item),
        ("misspelt-item-schema", misspelt),
    ]
}
