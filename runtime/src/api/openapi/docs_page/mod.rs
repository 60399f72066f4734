//! The human page for an API: self-contained HTML, rendered on the server from the document, so
//! it needs no script or stylesheet from anywhere else; each stream has a live console.

use std::collections::BTreeMap;
use std::fmt::Write;

use schemars::Schema;
use serde_json::Value;

use super::model::{OpenApi, Operation};

mod console;

/// The document's shared schemas, by name, for showing schemas with their references resolved.
type Components = BTreeMap<String, Schema>;

/// Renders `doc` as one HTML page: each operation with its parameters, responses and events,
/// the shared schemas, and under each stream a live console (fill in its parameters and JSON
/// body, connect, and watch its events arrive).
///
/// ```
/// let doc = tidings::openapi::OpenApi::new("Feed <1>", "1.0.0");
/// let html = tidings::openapi::docs_html(&doc);
/// assert!(html.contains("<title>Feed &lt;1&gt; 1.0.0</title>"));
/// ```
pub fn docs_html(doc: &OpenApi) -> String {
    let mut out = String::new();
    let title = format!("{} {}", doc.info.title, doc.info.version);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{}</title><link rel=\"icon\" href=\"data:,\"><style>{STYLE}</style></head><body>\n<h1>{}</h1>\n",
        esc(&title),
        esc(&title)
    );
    if let Some(description) = &doc.info.description {
        let _ = writeln!(out, "<p>{}</p>", esc(description));
    }
    let _ = writeln!(out, "<p class=\"muted\">OpenAPI {}</p>", esc(&doc.openapi));
    let components = &doc.components.schemas;
    for (path, method, op) in doc.operations() {
        operation(&mut out, path, method, op, components);
    }
    if !doc.components.schemas.is_empty() {
        out.push_str("<h2>Schemas</h2>\n");
        for (name, schema) in &doc.components.schemas {
            let _ = writeln!(
                out,
                "<section id=\"schema-{}\"><h3>{}</h3>{}</section>",
                esc(name),
                esc(name),
                pre(schema.as_value(), components)
            );
        }
    }
    let _ = writeln!(out, "<script>{}</script>", console::SCRIPT);
    out.push_str("</body></html>\n");
    out
}

fn operation(out: &mut String, path: &str, method: &str, op: &Operation, components: &Components) {
    let id = op.operation_id.as_deref().unwrap_or("");
    let _ = writeln!(
        out,
        "<section class=\"op\" id=\"op-{}\"><h2><span class=\"method\">{}</span> <code>{}</code>{}</h2>",
        esc(id),
        esc(&method.to_ascii_uppercase()),
        esc(path),
        if op.deprecated { " <em>(deprecated)</em>" } else { "" }
    );
    let _ = writeln!(
        out,
        "<p class=\"muted\">operationId <code>{}</code></p>",
        esc(id)
    );
    for text in [&op.summary, &op.description].into_iter().flatten() {
        let _ = writeln!(out, "<p>{}</p>", esc(text));
    }
    if !op.parameters.is_empty() {
        out.push_str("<h3>Parameters</h3><table><tr><th>Name</th><th>In</th><th>Required</th><th>Schema</th><th>Description</th></tr>\n");
        for p in &op.parameters {
            let location = serde_json::to_value(p.location).unwrap_or_default();
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                esc(&p.name),
                esc(location.as_str().unwrap_or("")),
                if p.required { "yes" } else { "no" },
                esc(&resolved(p.schema.as_value(), components, &mut Vec::new()).to_string()),
                esc(p.description.as_deref().unwrap_or(""))
            );
        }
        out.push_str("</table>\n");
    }
    if let Some(body) = &op.request_body {
        out.push_str("<h3>Request body</h3>\n");
        for (media, content) in &body.content {
            let _ = writeln!(out, "<p><code>{}</code></p>", esc(media));
            if let Some(schema) = &content.schema {
                out.push_str(&pre(schema.as_value(), components));
            }
        }
    }
    out.push_str("<h3>Responses</h3><ul>\n");
    for (status, response) in &op.responses {
        let media: Vec<&str> = response.content.keys().map(String::as_str).collect();
        let _ = write!(
            out,
            "<li><b>{}</b> {} <code>{}</code>",
            esc(status),
            esc(&response.description),
            esc(&media.join(", "))
        );
        if !response.headers.is_empty() {
            out.push_str("<br>Headers:<ul>");
            for (name, header) in &response.headers {
                let description = header.description.as_deref().unwrap_or_default();
                let _ = write!(
                    out,
                    "<li><code>{}</code> {}</li>",
                    esc(name),
                    esc(description)
                );
            }
            out.push_str("</ul>");
        }
        out.push_str(
            "</li>
",
        );
    }
    out.push_str("</ul>\n");
    let stream = op
        .responses
        .get("200")
        .and_then(|r| r.content.get("text/event-stream"))
        .and_then(|m| m.item_schema.as_ref().or(m.schema.as_ref()));
    if let Some(items) = stream {
        events(out, items.as_value(), components);
        console::console(out, path, method, op);
    }
    out.push_str("</section>\n");
}

fn events(out: &mut String, items: &Value, components: &Components) {
    out.push_str("<h3>Events</h3>\n");
    let branches = items.get("oneOf").and_then(Value::as_array);
    for branch in branches.into_iter().flatten() {
        let named = branch
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|f| f == "event"));
        let name = match branch
            .pointer("/properties/event/const")
            .and_then(Value::as_str)
        {
            Some(n) if named => format!("event: {n}"),
            _ => "(default event: no event field)".to_owned(),
        };
        let variant = branch.get("title").and_then(Value::as_str).unwrap_or("");
        let _ = writeln!(
            out,
            "<div class=\"event\"><h4><code>{}</code> <span class=\"muted\">{}</span></h4>",
            esc(&name),
            esc(variant)
        );
        if let Some(description) = branch.get("description").and_then(Value::as_str) {
            let _ = writeln!(out, "<p>{}</p>", esc(description));
        }
        let data = branch
            .pointer("/properties/data")
            .cloned()
            .unwrap_or_default();
        let shown = data.get("contentSchema").unwrap_or(&data);
        let _ = writeln!(out, "<p>data:</p>{}</div>", pre(shown, components));
    }
}

/// A schema as pretty JSON, its references into `components` replaced by what they name.
fn pre(value: &Value, components: &Components) -> String {
    let shown = resolved(value, components, &mut Vec::new());
    let text = serde_json::to_string_pretty(&shown).unwrap_or_default();
    format!("<pre>{}</pre>", esc(&text))
}

/// `value` with every `{"$ref": "#/components/schemas/Name"}` replaced by that schema, so a
/// reader sees the fields, not a pointer. A reference to a schema being expanded already (a
/// recursive type) stays a reference.
fn resolved(value: &Value, components: &Components, expanding: &mut Vec<String>) -> Value {
    match value {
        Value::Object(object) => {
            let target = object
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"));
            if let Some(name) = target {
                if let Some(schema) = components.get(name) {
                    if !expanding.iter().any(|n| n == name) {
                        expanding.push(name.to_owned());
                        let mut inlined = resolved(schema.as_value(), components, expanding);
                        expanding.pop();
                        // Keys beside the reference (a description, say) are kept.
                        if let Value::Object(inlined) = &mut inlined {
                            for (key, value) in object.iter().filter(|(k, _)| *k != "$ref") {
                                inlined.insert(key.clone(), resolved(value, components, expanding));
                            }
                        }
                        return inlined;
                    }
                }
            }
            Value::Object(
                object
                    .iter()
                    .map(|(key, value)| (key.clone(), resolved(value, components, expanding)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| resolved(item, components, expanding))
                .collect(),
        ),
        other => other.clone(),
    }
}

pub(super) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.4}\
code,pre{font-family:ui-monospace,monospace}pre{background:#f5f5f5;padding:.5rem;overflow:auto}\
.op{border-top:1px solid #ccc;margin-top:2rem}.method{background:#246;color:#fff;padding:0 .4rem;border-radius:3px}\
.event{border-left:3px solid #8ab;padding-left:.8rem;margin:.8rem 0}.muted{color:#666}\
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}\
.console label{display:block;margin:.3rem 0}.console .events{max-height:24rem;overflow:auto}\
.console .event-head{font-family:ui-monospace,monospace;font-weight:bold}";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_are_inlined_and_a_recursive_one_expanded_once() {
        let mut components = Components::new();
        components.insert(
            "Node".to_owned(),
            schemars::json_schema!({
                "type": "object",
                "properties": { "next": { "$ref": "#/components/schemas/Node" } }
            }),
        );
        let shown = resolved(
            &json!({ "$ref": "#/components/schemas/Node", "description": "The head." }),
            &components,
            &mut Vec::new(),
        );
        assert_eq!(
            shown,
            json!({
                "type": "object",
                "description": "The head.",
                "properties": { "next": { "$ref": "#/components/schemas/Node" } }
            })
        );
    }
}
