//! The human page for an API: self-contained HTML, rendered on the server from the document, so
//! it needs no script or stylesheet from anywhere else, and reads without its script; each
//! operation has a live console.

use std::fmt::Write;

use super::model::OpenApi;
use markdown::{inline, markdown};
use operation::{anchor, event_schema, method_badge, operation};
use schema_view::SchemaView;

mod console;
mod example;
mod markdown;
mod operation;
mod schema_view;

/// The page's stylesheet, inline like its script.
const STYLE: &str = include_str!("page.css");

/// Renders `doc` as one HTML page: a table of contents, each operation with its parameters,
/// bodies, responses and events, the shared schemas, and under each operation a live console
/// (fill in its parameters and body; a stream's connects and shows its events as they arrive,
/// another operation's sends once and shows the response).
///
/// ```
/// let doc = tidings::openapi::OpenApi::new("Feed <1>", "1.0.0");
/// let html = tidings::openapi::docs_html(&doc);
/// assert!(html.contains("<title>Feed &lt;1&gt; 1.0.0</title>"));
/// ```
pub fn docs_html(doc: &OpenApi) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} {}</title><link rel=\"icon\" href=\"data:,\"><style>{STYLE}</style></head><body>\n\
         <header><h1>{} <span class=\"version\">{}</span></h1>",
        esc(&doc.info.title),
        esc(&doc.info.version),
        esc(&doc.info.title),
        esc(&doc.info.version),
    );
    if let Some(description) = &doc.info.description {
        out.push_str(&markdown(description));
    }
    let servers: Vec<String> = doc
        .servers
        .iter()
        .map(|server| match &server.description {
            Some(description) => format!(
                "<code>{}</code> ({})",
                esc(&server.url),
                inline(description)
            ),
            None => format!("<code>{}</code>", esc(&server.url)),
        })
        .collect();
    if !servers.is_empty() {
        let _ = write!(out, "<p>Servers: {}</p>", servers.join(", "));
    }
    let _ = writeln!(
        out,
        "<p class=\"muted\">OpenAPI {}</p></header>",
        esc(&doc.openapi)
    );
    contents(&mut out, doc);
    let view = SchemaView {
        components: &doc.components.schemas,
    };
    out.push_str("<main>\n");
    for (path, method, op) in doc.operations() {
        operation(&mut out, path, method, op, view);
    }
    if !doc.components.schemas.is_empty() {
        out.push_str("<h2 id=\"schemas\">Schemas</h2>\n");
        for (name, schema) in &doc.components.schemas {
            let _ = write!(
                out,
                "<section class=\"schema\" id=\"schema-{}\"><h3>{}</h3>",
                esc(name),
                esc(name),
            );
            view.block(&mut out, "", schema.as_value(), "");
            out.push_str("</section>\n");
        }
    }
    let _ = writeln!(out, "</main><script>{}</script>", console::SCRIPT);
    out.push_str("</body></html>\n");
    out
}

/// The table of contents: every operation (method, path, summary), then the schemas.
fn contents(out: &mut String, doc: &OpenApi) {
    out.push_str("<nav class=\"toc\"><h2>Contents</h2><ul class=\"ops\">\n");
    for (path, method, op) in doc.operations() {
        let _ = write!(
            out,
            "<li><a href=\"#{}\">{} <code>{}</code></a>",
            esc(&anchor(path, method, op)),
            method_badge(method),
            esc(path),
        );
        if event_schema(op).is_some() {
            out.push_str(" <span class=\"badge\">stream</span>");
        }
        if let Some(summary) = &op.summary {
            let _ = write!(out, " <span class=\"muted\">{}</span>", inline(summary));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>");
    if !doc.components.schemas.is_empty() {
        out.push_str("<p><a href=\"#schemas\">Schemas</a>: ");
        let names: Vec<String> = doc
            .components
            .schemas
            .keys()
            .map(|name| format!("<a href=\"#schema-{0}\">{0}</a>", esc(name)))
            .collect();
        out.push_str(&names.join(", "));
        out.push_str("</p>");
    }
    out.push_str("</nav>\n");
}

/// `text` made safe for HTML text and attribute values.
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

#[cfg(test)]
mod tests {
    use super::super::model::PathItem;
    use super::*;

    #[test]
    fn the_contents_link_every_operation_and_schema_and_everything_is_escaped() {
        let mut doc = OpenApi::new("Shop <script>", "1");
        let op = serde_json::from_value(serde_json::json!({
            "operationId": "list",
            "summary": "Lists `stocks` <b>now</b>.",
            "responses": { "200": { "description": "ok", "content": {
                "application/json": { "schema": { "$ref": "#/components/schemas/Stock" } }
            } } }
        }))
        .unwrap();
        let mut item = PathItem::default();
        item.operations.insert("get".into(), op);
        doc.paths.insert("/stocks".into(), item);
        doc.components.schemas.insert(
            "Stock".into(),
            schemars::json_schema!({ "type": "object", "properties": { "symbol": { "type": "string" } } }),
        );
        let page = docs_html(&doc);
        assert!(page.contains(
            "<li><a href=\"#op-list\"><span class=\"method get\">GET</span> <code>/stocks</code></a> \
             <span class=\"muted\">Lists <code>stocks</code> &lt;b&gt;now&lt;/b&gt;.</span></li>"
        ));
        assert!(page.contains("<a href=\"#schema-Stock\">Stock</a>"));
        assert!(page.contains("<section class=\"op\" id=\"op-list\">"));
        assert!(page.contains("<section class=\"schema\" id=\"schema-Stock\"><h3>Stock</h3>"));
        assert!(!page.contains("<script>alert") && page.contains("Shop &lt;script&gt;"));
        assert_eq!(page.matches("<script>").count(), 1);
    }
}
