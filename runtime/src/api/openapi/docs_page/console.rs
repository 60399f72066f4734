//! The live console under each operation of the docs page: a form for the operation's
//! parameters and body, which `console.js` sends with `fetch`. A stream's console connects and
//! shows each event as it arrives, and resumes after a cut; another operation's sends once and
//! shows the response.

use std::fmt::Write;

use serde_json::Value;

use super::super::model::{Operation, Parameter, ParameterIn};
use super::esc;
use super::example::example;
use super::schema_view::SchemaView;

/// The script every console form runs on; inline, so the page needs no network.
pub(super) const SCRIPT: &str = include_str!("console.js");

/// What a console does with its request.
pub(super) enum Exchange {
    /// Connects and shows events as they arrive. The server ends the stream itself after an
    /// event named in `final_events`, after which the console does not reconnect.
    Stream { final_events: Vec<String> },
    /// Sends once and shows the response, asking for `accept`.
    Call { accept: String },
}

/// The console form of the operation `method path`.
pub(super) fn console(
    out: &mut String,
    path: &str,
    method: &str,
    op: &Operation,
    exchange: &Exchange,
    view: SchemaView<'_>,
) {
    // A stream's form carries no `data-accept`: `text/event-stream` is what it asks for.
    let accept = match exchange {
        Exchange::Stream { .. } => String::new(),
        Exchange::Call { accept } => format!(" data-accept=\"{}\"", esc(accept)),
    };
    let _ = writeln!(
        out,
        "<h3>Try it</h3><form class=\"console\" data-method=\"{}\" data-path=\"{}\"{accept}>\
         <noscript><p class=\"muted\">The console needs JavaScript.</p></noscript>",
        esc(&method.to_ascii_uppercase()),
        esc(path)
    );
    let inputs: Vec<&Parameter> = op
        .parameters
        .iter()
        // A browser sets the cookies of its origin itself.
        .filter(|p| p.location != ParameterIn::Cookie)
        .collect();
    if !inputs.is_empty() {
        out.push_str("<div class=\"inputs\">");
        for p in inputs {
            input(out, p, view);
        }
        out.push_str("</div>\n");
    }
    let body = op.request_body.as_ref().and_then(|body| {
        let (media, content) = body.content.iter().next()?;
        Some((media, content.schema.as_ref()))
    });
    if let Some((media, schema)) = body {
        let start = schema.map_or(String::new(), |schema| {
            serde_json::to_string_pretty(&example(view, schema.as_value())).unwrap_or_default()
        });
        let _ = writeln!(
            out,
            "<label class=\"body\">Body <span class=\"muted\">{media}</span>\
             <textarea name=\"body\" data-type=\"{media}\" rows=\"{rows}\" \
             spellcheck=\"false\">{}</textarea></label>",
            esc(&start),
            media = esc(media),
            rows = (start.lines().count() + 1).clamp(3, 16),
        );
    }
    out.push_str(
        "<div class=\"request\"><code class=\"line\"></code><div class=\"curl\"><code></code>\
         <button class=\"copy\" type=\"button\">Copy</button></div></div>\n",
    );
    match exchange {
        Exchange::Stream { final_events } => {
            let finals = serde_json::to_string(final_events).unwrap_or_default();
            let _ = writeln!(
                out,
                "<p class=\"controls\"><button class=\"connect\" type=\"submit\">Connect</button> \
                 <button class=\"disconnect\" type=\"button\" disabled>Disconnect</button> \
                 <button class=\"resume\" type=\"button\" hidden>Resume</button> \
                 <label class=\"auto\"><input type=\"checkbox\" name=\"auto\"> \
                 reconnect automatically</label></p><p class=\"state\">\
                 <span class=\"status\">not connected</span> · <span class=\"count\">0 events</span> \
                 <span class=\"dropped muted\"></span></p>\
                 <ol class=\"events\" data-final=\"{}\"></ol></form>",
                esc(&finals)
            );
        }
        Exchange::Call { .. } => out.push_str(
            "<p class=\"controls\"><button class=\"send\" type=\"submit\">Send</button> \
             <span class=\"status\"></span></p>\
             <div class=\"answer\" hidden>\
             <p><span class=\"code\"></span> <code class=\"type\"></code></p>\
             <pre class=\"body\"></pre></div></form>\n",
        ),
    }
}

/// The input of one parameter: a choice of its allowed values, or a text field whose
/// placeholder is an example of it (or its type).
fn input(out: &mut String, p: &Parameter, view: SchemaView<'_>) {
    let location = match p.location {
        ParameterIn::Path => "path",
        ParameterIn::Query => "query",
        ParameterIn::Header => "header",
        ParameterIn::Cookie => return,
    };
    let schema = view.target(p.schema.as_value());
    let _ = write!(
        out,
        "<label><span><b>{name}</b> <span class=\"muted\">{location}{star}</span></span> ",
        name = esc(&p.name),
        star = if p.required { ", required" } else { "" },
    );
    let attributes = format!(
        "data-in=\"{location}\" data-name=\"{}\"{}",
        esc(&p.name),
        if p.required { " required" } else { "" }
    );
    if let Some(values) = choices(schema) {
        let _ = write!(out, "<select {attributes}>");
        if !p.required {
            out.push_str("<option value=\"\">(none)</option>");
        }
        for value in values {
            let _ = write!(out, "<option>{}</option>", esc(&value));
        }
        out.push_str("</select></label>\n");
    } else {
        // The parameter's own `example` (as utoipa writes it) first, then its schema's.
        let given = p
            .extra
            .get("example")
            .or_else(|| schema.get("example"))
            .or_else(|| schema.get("examples")?.as_array()?.first())
            .or_else(|| schema.get("default"));
        let placeholder = match given {
            Some(value) => text(value),
            None => view.type_name(p.schema.as_value()).to_string(),
        };
        let _ = writeln!(
            out,
            "<input {attributes} placeholder=\"{}\"></label>",
            esc(&placeholder)
        );
    }
}

/// The values a parameter allows, as they go into a URL, when it allows only a few: an `enum`,
/// or a boolean.
fn choices(schema: &Value) -> Option<Vec<String>> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return Some(values.iter().filter(|v| !v.is_null()).map(text).collect());
    }
    let boolean = schema.get("type").and_then(Value::as_str) == Some("boolean");
    boolean.then(|| vec!["true".to_owned(), "false".to_owned()])
}

/// A value as a URL or header carries it: a string as it is, anything else as JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema_view::Components;
    use super::*;
    use serde_json::json;

    fn form(op: Value, exchange: Exchange) -> String {
        let op: Operation = serde_json::from_value(op).unwrap();
        let components = Components::new();
        let mut out = String::new();
        let view = SchemaView {
            components: &components,
        };
        console(&mut out, "/rooms/{room}", "post", &op, &exchange, view);
        out
    }

    #[test]
    fn a_call_gets_a_send_button_and_a_stream_a_connect_button() {
        let call = form(
            json!({ "responses": {} }),
            Exchange::Call {
                accept: "application/json".into(),
            },
        );
        assert!(call.contains(
            "<form class=\"console\" data-method=\"POST\" data-path=\"/rooms/{room}\" \
             data-accept=\"application/json\">"
        ));
        assert!(call.contains("<button class=\"send\" type=\"submit\">Send</button>"));
        assert!(!call.contains("connect"));

        let stream = form(
            json!({ "responses": {} }),
            Exchange::Stream {
                final_events: vec!["done".into()],
            },
        );
        assert!(stream
            .contains("<form class=\"console\" data-method=\"POST\" data-path=\"/rooms/{room}\">"));
        assert!(stream.contains("<button class=\"connect\" type=\"submit\">Connect</button>"));
        assert!(stream.contains("data-final=\"[&quot;done&quot;]\""));
    }

    #[test]
    fn parameters_offer_their_values_or_an_example() {
        let page = form(
            json!({
                "parameters": [
                    { "name": "room", "in": "path", "required": true,
                      "schema": { "type": "string", "enum": ["lobby", "<b>"] } },
                    { "name": "limit", "in": "query",
                      "schema": { "type": "integer", "format": "uint32", "examples": [20] } },
                    { "name": "topic", "in": "query", "example": "news",
                      "schema": { "type": "string", "examples": ["sport"] } },
                    { "name": "name", "in": "query", "schema": { "type": "string" } },
                    { "name": "session", "in": "cookie", "schema": { "type": "string" } }
                ],
                "requestBody": { "content": { "application/json": { "schema": {
                    "type": "object", "required": ["text"],
                    "properties": { "text": { "type": "string" } }
                } } } },
                "responses": {}
            }),
            Exchange::Call {
                accept: "application/json".into(),
            },
        );
        assert!(page.contains(
            "<select data-in=\"path\" data-name=\"room\" required><option>lobby</option>\
             <option>&lt;b&gt;</option></select>"
        ));
        assert!(page.contains("data-name=\"limit\" placeholder=\"20\""));
        assert!(
            page.contains("data-name=\"topic\" placeholder=\"news\""),
            "the parameter's own example comes first"
        );
        assert!(page.contains("data-name=\"name\" placeholder=\"string\""));
        assert!(!page.contains("session"));
        assert!(page.contains(">{\n  &quot;text&quot;: &quot;string&quot;\n}</textarea>"));
    }
}
