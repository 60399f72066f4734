//! One operation's section of the docs page: what it is, its parameters, body, responses and
//! (for a stream) events, then its console.

use std::fmt::Write;

use serde_json::Value;

use super::super::model::{Operation, ParameterIn, RequestBody, Response};
use super::console::{console, Exchange};
use super::esc;
use super::markdown::{compact, inline, markdown};
use super::schema_view::{notes, reference, SchemaView};

/// The media type of a stream's responses.
const EVENT_STREAM: &str = "text/event-stream";

/// The fragment an operation's section has, for the table of contents to link to.
pub(super) fn anchor(path: &str, method: &str, op: &Operation) -> String {
    match &op.operation_id {
        Some(id) => format!("op-{id}"),
        None => {
            let slug: String = format!("{method}-{path}")
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            format!("op-{slug}")
        }
    }
}

/// The schema of each event when `op` is a stream: a success response with
/// `text/event-stream` content (its `itemSchema`, or its `schema` in OpenAPI 3.1).
pub(super) fn event_schema(op: &Operation) -> Option<&Value> {
    let (_, response) = successes(op).find(|(_, r)| r.content.contains_key(EVENT_STREAM))?;
    let media = &response.content[EVENT_STREAM];
    let schema = media.item_schema.as_ref().or(media.schema.as_ref())?;
    Some(schema.as_value())
}

/// The `2XX` responses (`200`, `201`, `2XX`, ...), in status order.
fn successes(op: &Operation) -> impl Iterator<Item = (&String, &Response)> {
    op.responses
        .iter()
        .filter(|(status, _)| status.starts_with('2'))
}

/// A method as a badge, coloured by method.
pub(super) fn method_badge(method: &str) -> String {
    format!(
        "<span class=\"method {}\">{}</span>",
        esc(&method.to_ascii_lowercase()),
        esc(&method.to_ascii_uppercase())
    )
}

/// The section of the operation `method path`.
pub(super) fn operation(
    out: &mut String,
    path: &str,
    method: &str,
    op: &Operation,
    view: SchemaView<'_>,
) {
    let _ = writeln!(
        out,
        "<section class=\"op\" id=\"{}\"><h2>{} <code>{}</code>{}</h2>",
        esc(&anchor(path, method, op)),
        method_badge(method),
        esc(path),
        if op.deprecated {
            " <span class=\"badge deprecated\">deprecated</span>"
        } else {
            ""
        }
    );
    let summary = op.summary.as_deref().unwrap_or_default();
    if !summary.is_empty() {
        let _ = writeln!(out, "<p class=\"summary\">{}</p>", inline(summary));
    }
    if let Some(description) = &op.description {
        out.push_str(&markdown(&unrepeated(description, summary)));
    }
    let mut about = Vec::new();
    if let Some(id) = &op.operation_id {
        about.push(format!("operationId <code>{}</code>", esc(id)));
    }
    if !op.tags.is_empty() {
        let tags: Vec<String> = op.tags.iter().map(|t| esc(t)).collect();
        about.push(format!("tags {}", tags.join(", ")));
    }
    if !about.is_empty() {
        let _ = writeln!(out, "<p class=\"muted\">{}</p>", about.join(" · "));
    }
    parameters(out, op, view);
    if let Some(body) = &op.request_body {
        request_body(out, body, view);
    }
    responses(out, op, view);
    let exchange = match event_schema(op) {
        Some(items) => {
            events(out, items, view);
            Exchange::Stream {
                final_events: final_events(items),
            }
        }
        None => {
            // What the first success answers with; JSON when it has no body (a `204`).
            let accept = successes(op)
                .find_map(|(_, r)| r.content.keys().next())
                .map_or("application/json", String::as_str);
            Exchange::Call {
                accept: accept.to_owned(),
            }
        }
    };
    console(out, path, method, op, &exchange, view);
    out.push_str("</section>\n");
}

/// `description` without the paragraphs said already: the summary, or an earlier paragraph
/// (a note added to a description that had it).
fn unrepeated(description: &str, summary: &str) -> String {
    let mut seen = vec![summary.trim()];
    let mut kept = Vec::new();
    for paragraph in description.split("\n\n") {
        let paragraph = paragraph.trim();
        if !seen.contains(&paragraph) {
            seen.push(paragraph);
            kept.push(paragraph);
        }
    }
    kept.join("\n\n")
}

fn parameters(out: &mut String, op: &Operation, view: SchemaView<'_>) {
    if op.parameters.is_empty() {
        return;
    }
    out.push_str(
        "<h3>Parameters</h3><table><thead><tr><th>Name</th><th>In</th><th>Type</th>\
         <th>Required</th><th>Description</th></tr></thead><tbody>\n",
    );
    for p in &op.parameters {
        let location = match p.location {
            ParameterIn::Path => "path",
            ParameterIn::Query => "query",
            ParameterIn::Header => "header",
            ParameterIn::Cookie => "cookie",
        };
        let schema = p.schema.as_value();
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{location}</td><td>{}</td><td>{}</td><td>{}{}</td></tr>",
            esc(&p.name),
            view.type_name(schema).html(),
            if p.required { "yes" } else { "no" },
            p.description.as_deref().map(compact).unwrap_or_default(),
            notes(view.target(schema)),
        );
    }
    out.push_str("</tbody></table>\n");
}

fn request_body(out: &mut String, body: &RequestBody, view: SchemaView<'_>) {
    let _ = write!(
        out,
        "<h3>Request body <span class=\"muted\">{}</span></h3>",
        if body.required {
            "required"
        } else {
            "optional"
        }
    );
    let description = body.description.as_deref().unwrap_or_default();
    out.push_str(&markdown(description));
    for (media, content) in &body.content {
        let lead = format!("<code>{}</code>", esc(media));
        match &content.schema {
            Some(schema) => view.block(out, &lead, schema.as_value(), description),
            None => {
                let _ = write!(out, "<p>{lead}</p>");
            }
        }
    }
    out.push('\n');
}

fn responses(out: &mut String, op: &Operation, view: SchemaView<'_>) {
    out.push_str("<h3>Responses</h3>\n");
    // The named body schemas tabulated already: errors often share one, whose fields are then
    // not repeated under each status.
    let mut shown: Vec<&str> = Vec::new();
    for (status, response) in &op.responses {
        let class = match status.chars().next() {
            Some(c @ '1'..='5') => format!("s{c}"),
            _ => "other".to_owned(),
        };
        let _ = write!(
            out,
            "<div class=\"response\"><h4><span class=\"http {class}\">{}</span> {}</h4>",
            esc(status),
            compact(&response.description)
        );
        if !response.headers.is_empty() {
            out.push_str("<p>Headers:</p><ul class=\"headers\">");
            for (name, header) in &response.headers {
                let description = header.description.as_deref().unwrap_or_default();
                let _ = write!(
                    out,
                    "<li><code>{}</code> {} {}</li>",
                    esc(name),
                    compact(description),
                    view.type_name(header.schema.as_value()).html()
                );
            }
            out.push_str("</ul>");
        }
        for (media, content) in &response.content {
            let lead = format!("Body: <code>{}</code>", esc(media));
            let schema = content.schema.as_ref().map(|s| s.as_value());
            match schema.map(|s| (s, reference(s))) {
                _ if media == EVENT_STREAM => {
                    let _ = write!(out, "<p>{lead}, the events below.</p>");
                }
                Some((schema, Some(name))) if shown.contains(&name) => {
                    let name = view.type_name(schema).html();
                    let _ = write!(out, "<p>{lead} {name}, as above</p>");
                }
                Some((schema, name)) => {
                    shown.extend(name);
                    view.block(out, &lead, schema, &response.description);
                }
                None => {
                    let _ = write!(out, "<p>{lead}</p>");
                }
            }
        }
        out.push_str("</div>\n");
    }
}

/// The names of the events after which the server ends the stream (`x-ends-stream`).
fn final_events(items: &Value) -> Vec<String> {
    branches(items)
        .filter(|branch| branch.get("x-ends-stream") == Some(&Value::Bool(true)))
        .filter_map(|branch| branch.pointer("/properties/event/const")?.as_str())
        .map(str::to_owned)
        .collect()
}

/// Each event a stream's item schema allows: the branches of its `oneOf`, or the schema itself.
fn branches(items: &Value) -> impl Iterator<Item = &Value> {
    let all = items.get("oneOf").and_then(Value::as_array);
    let one = all.is_none().then_some(items);
    all.into_iter().flatten().chain(one)
}

fn events(out: &mut String, items: &Value, view: SchemaView<'_>) {
    out.push_str("<h3>Events</h3>\n");
    for branch in branches(items) {
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
        let ends = branch.get("x-ends-stream") == Some(&Value::Bool(true));
        let _ = write!(
            out,
            "<div class=\"event\"><h4><code>{}</code> <span class=\"muted\">{}</span>{}</h4>",
            esc(&name),
            esc(variant),
            if ends {
                " <span class=\"badge\">final</span>"
            } else {
                ""
            }
        );
        let description = branch
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        out.push_str(&markdown(description));
        let data = branch.pointer("/properties/data");
        let payload = data.and_then(|d| d.get("contentSchema"));
        match (payload, data.and_then(|d| d.get("const"))) {
            (Some(payload), _) => view.block(out, "data: JSON", payload, description),
            (None, Some(Value::String(empty))) if empty.is_empty() => {
                out.push_str("<p>data: empty</p>");
            }
            (None, _) => out.push_str("<p>data: text</p>"),
        }
        out.push_str("</div>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema_view::Components;
    use super::*;
    use serde_json::json;

    fn section(op: Value) -> String {
        let op: Operation = serde_json::from_value(op).unwrap();
        let components = Components::new();
        let mut out = String::new();
        let view = SchemaView {
            components: &components,
        };
        operation(&mut out, "/rooms/{room}/messages", "post", &op, view);
        out
    }

    #[test]
    fn an_operation_without_an_event_stream_gets_a_send_console_and_its_bodies_tables() {
        let page = section(json!({
            "requestBody": { "required": true, "content": { "application/json": { "schema": {
                "type": "object", "required": ["text"],
                "properties": { "text": { "type": "string", "description": "What to say." } }
            } } } },
            "responses": {
                "201": { "description": "Posted.", "content": { "application/json": { "schema": {
                    "type": "object", "properties": { "id": { "type": "integer" } }
                } } } },
                "400": { "description": "Not JSON.", "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/ErrorBody" }
                } } },
                "422": { "description": "Not a message.", "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/ErrorBody" }
                } } }
            }
        }));
        assert!(page.contains("data-accept=\"application/json\""), "{page}");
        assert!(page.contains(">Send</button>"));
        assert!(!page.contains("<h3>Events</h3>"));
        assert!(page.contains("<code>text</code>"));
        assert!(page.contains("What to say."));
        assert!(page.contains("<span class=\"http s2\">201</span> Posted."));
        assert!(page.contains("<code>id</code>"));
        assert!(page.contains("<span class=\"http s4\">422</span> Not a message."));
        // A body schema shared by two responses is described under the first only.
        assert!(page.contains(
            "<p>Body: <code>application/json</code> <span class=\"type\">\
             <a href=\"#schema-ErrorBody\">ErrorBody</a></span>, as above</p>"
        ));
        // No operationId: the section's anchor comes from the method and path.
        assert!(page.contains("id=\"op-post--rooms--room--messages\""));
    }

    #[test]
    fn a_struct_variant_doc_and_a_repeated_note_are_shown_once() {
        const BYE: &str = "When the server shuts down, each stream ends with a `bye` event.";
        let page = section(json!({
            "summary": "Live events.",
            "description": format!("Live events.\n\n{BYE}\n\n{BYE}"),
            "responses": { "200": { "description": "The event stream.", "content": {
                "text/event-stream": { "itemSchema": { "oneOf": [{
                    "title": "Posted",
                    "description": "A message was posted.",
                    "x-ends-stream": true,
                    "properties": {
                        "event": { "const": "posted" },
                        "data": { "type": "string", "contentMediaType": "application/json",
                                  "contentSchema": {
                                      "description": "A message was posted.",
                                      "type": "object",
                                      "properties": { "user": { "type": "string" } }
                                  } }
                    },
                    "required": ["event", "data"]
                }] } }
            } } }
        }));
        assert_eq!(
            page.matches("<p>A message was posted.</p>").count(),
            1,
            "{page}"
        );
        assert_eq!(page.matches("Live events.").count(), 1, "{page}");
        assert_eq!(
            page.matches("When the server shuts down").count(),
            1,
            "{page}"
        );
        assert!(page.contains("<button class=\"connect\" type=\"submit\">Connect</button>"));
        assert!(page.contains("data-final=\"[&quot;posted&quot;]\""));
        assert!(page.contains("<span class=\"badge\">final</span>"));
    }
}
