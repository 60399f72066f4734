//! Schemas as a reader wants them: a readable type (`array of Message`, `string | null`), a
//! table of an object's fields, and the JSON Schema itself folded away for those who want it.

use std::collections::BTreeMap;
use std::fmt::{self, Write};

use schemars::Schema;
use serde_json::Value;

use super::esc;
use super::markdown::{compact, markdown};

/// The document's shared schemas, by name.
pub(super) type Components = BTreeMap<String, Schema>;

/// Where a reference into [`Components`] starts.
const COMPONENTS: &str = "#/components/schemas/";

/// How deep field tables nest inside each other before a nested object is only named.
const MAX_NESTING: usize = 3;

/// The name a `{"$ref": "#/components/schemas/Name"}` points at.
pub(super) fn reference(schema: &Value) -> Option<&str> {
    schema.get("$ref")?.as_str()?.strip_prefix(COMPONENTS)
}

/// Renders schemas, resolving their references in the document's [`Components`].
#[derive(Clone, Copy)]
pub(super) struct SchemaView<'a> {
    pub(super) components: &'a Components,
}

impl<'a> SchemaView<'a> {
    /// What `schema` is, following references (a chain of them too, up to a bound against a
    /// reference to itself).
    pub(super) fn target(&self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..8 {
            match reference(schema).and_then(|name| self.components.get(name)) {
                Some(target) => schema = target.as_value(),
                None => break,
            }
        }
        schema
    }

    /// A schema in full, as the body of an event, request, response or the Schemas section:
    /// `lead` (HTML naming what it describes, such as its media type) followed by its type
    /// unless it has fields, its description (unless `shown` says it already, as a variant's
    /// doc comment is shown above its payload), its fields, and its JSON Schema folded away.
    pub(super) fn block(&self, out: &mut String, lead: &str, schema: &Value, shown: &str) {
        let target = self.target(schema);
        let mut fields = String::new();
        // The type says what the fields cannot: the schema's name, or that there are none.
        let type_line = if self.fields(&mut fields, target, 0) && reference(schema).is_none() {
            String::new()
        } else {
            format!("{}{}", self.type_name(schema).html(), notes(target))
        };
        match (lead, type_line.as_str()) {
            ("", "") => {}
            ("", type_line) => fields.insert_str(0, &format!("<p>Type: {type_line}</p>")),
            (lead, "") => {
                let _ = write!(out, "<p>{lead}</p>");
            }
            (lead, type_line) => {
                let _ = write!(out, "<p>{lead} {type_line}</p>");
            }
        }
        let description = schema
            .get("description")
            .or_else(|| target.get("description"))
            .and_then(Value::as_str)
            .filter(|d| !shown.contains(d.trim()));
        if let Some(description) = description {
            out.push_str(&markdown(description));
        }
        out.push_str(&fields);
        // A schema that its type line says whole (`string`) has no JSON worth unfolding.
        let structured = ["properties", "items", "oneOf", "anyOf", "allOf", "$ref"]
            .iter()
            .any(|key| schema.get(key).is_some())
            || target
                .get("additionalProperties")
                .is_some_and(Value::is_object);
        if structured {
            let json = serde_json::to_string_pretty(&self.resolved(schema, &mut Vec::new()))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<details><summary>JSON Schema</summary><pre>{}</pre></details>",
                esc(&json)
            );
        }
    }

    /// The table of an object's fields, or for a choice of objects (a `oneOf` of an enum's
    /// variants) each one's. Returns whether there was anything to tabulate.
    fn fields(&self, out: &mut String, schema: &Value, depth: usize) -> bool {
        let properties = schema.get("properties").and_then(Value::as_object);
        if let Some(properties) = properties.filter(|p| !p.is_empty()) {
            let required = |name: &str| {
                schema
                    .get("required")
                    .and_then(Value::as_array)
                    .is_some_and(|r| r.iter().any(|n| n == name))
            };
            out.push_str(
                "<table class=\"fields\"><thead><tr><th>Field</th><th>Type</th>\
                 <th>Required</th><th>Description</th></tr></thead><tbody>",
            );
            for (name, property) in properties {
                let _ = write!(
                    out,
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>",
                    esc(name),
                    self.type_name(property).html(),
                    if required(name) { "yes" } else { "no" },
                );
                if let Some(description) = property.get("description").and_then(Value::as_str) {
                    out.push_str(&compact(description));
                }
                out.push_str(&notes(property));
                if depth < MAX_NESTING {
                    self.fields(out, inline_object(property), depth + 1);
                }
                out.push_str("</td></tr>");
            }
            out.push_str("</tbody></table>");
            return true;
        }
        let choices = schema
            .get("oneOf")
            .or_else(|| schema.get("anyOf"))
            .and_then(Value::as_array);
        let objects: Vec<&Value> = choices
            .into_iter()
            .flatten()
            .map(|choice| self.target(choice))
            .filter(|choice| choice.get("properties").is_some())
            .collect();
        if objects.is_empty() || depth >= MAX_NESTING {
            return false;
        }
        out.push_str("<p>One of:</p><ul class=\"choices\">");
        for choice in objects {
            out.push_str("<li>");
            if let Some(description) = choice.get("description").and_then(Value::as_str) {
                out.push_str(&compact(description));
            }
            self.fields(out, choice, depth + 1);
            out.push_str("</li>");
        }
        out.push_str("</ul>");
        true
    }

    /// The readable type of `schema`.
    pub(super) fn type_name(&self, schema: &Value) -> TypeName {
        let mut name = TypeName(Vec::new());
        self.write_type(&mut name, schema);
        name
    }

    fn write_type(&self, name: &mut TypeName, schema: &Value) {
        if let Some(target) = reference(schema) {
            return name.0.push(Piece::Ref(target.to_owned()));
        }
        if let Some(other) = schema.get("$ref").and_then(Value::as_str) {
            return name.word(other);
        }
        if let Some(value) = schema.get("const") {
            return name.0.push(Piece::Literal(value.to_string()));
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            for (i, value) in values.iter().enumerate() {
                name.separator(i, " | ");
                name.0.push(Piece::Literal(value.to_string()));
            }
            return;
        }
        let choices = ["oneOf", "anyOf", "allOf"]
            .into_iter()
            .find_map(|key| Some((key, schema.get(key)?.as_array()?)));
        if let Some((key, choices)) = choices {
            let between = if key == "allOf" { " & " } else { " | " };
            for (i, choice) in choices.iter().enumerate() {
                name.separator(i, between);
                self.write_type(name, choice);
            }
            return;
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(one)) => vec![one.as_str()],
            Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
            _ if schema.get("properties").is_some() => vec!["object"],
            _ if schema.get("items").is_some() => vec!["array"],
            _ => vec!["any"],
        };
        for (i, ty) in types.into_iter().enumerate() {
            name.separator(i, " | ");
            match ty {
                "array" => {
                    name.word("array of ");
                    match schema.get("items") {
                        Some(items) => self.write_type(name, items),
                        None => name.word("any"),
                    }
                }
                "object" => match schema.get("additionalProperties") {
                    Some(values) if values.is_object() && schema.get("properties").is_none() => {
                        name.word("map of ");
                        self.write_type(name, values);
                    }
                    _ => name.word("object"),
                },
                "null" => name.word("null"),
                other => match schema.get("format").and_then(Value::as_str) {
                    Some(format) => name.word(&format!("{other} ({format})")),
                    None => name.word(other),
                },
            }
        }
    }

    /// `value` with every reference into the components replaced by what it names, so that
    /// the JSON shows the fields, not a pointer. A reference to a schema being expanded already
    /// (a recursive type) stays a reference.
    pub(super) fn resolved(&self, value: &Value, expanding: &mut Vec<String>) -> Value {
        match value {
            Value::Object(object) => {
                let target = reference(value)
                    .filter(|name| !expanding.iter().any(|n| n == name))
                    .and_then(|name| Some((name, self.components.get(name)?)));
                if let Some((name, schema)) = target {
                    expanding.push(name.to_owned());
                    let mut inlined = self.resolved(schema.as_value(), expanding);
                    expanding.pop();
                    // Keys beside the reference (a description, say) are kept.
                    if let Value::Object(inlined) = &mut inlined {
                        for (key, value) in object.iter().filter(|(k, _)| *k != "$ref") {
                            inlined.insert(key.clone(), self.resolved(value, expanding));
                        }
                    }
                    return inlined;
                }
                Value::Object(
                    object
                        .iter()
                        .map(|(key, value)| (key.clone(), self.resolved(value, expanding)))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.resolved(item, expanding))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// The object a field holds inline, directly or as the items of its array, whose fields nest in
/// its row; a named schema is linked instead (the Schemas section has its table).
fn inline_object(property: &Value) -> &Value {
    match property.get("items") {
        Some(items) if property.get("properties").is_none() => items,
        _ => property,
    }
}

/// What a schema says about its values beyond their type: bounds, pattern, default.
pub(super) fn notes(schema: &Value) -> String {
    let number = |key: &str| schema.get(key).filter(|v| v.is_number());
    // `minimum: 0` is what an unsigned format says already.
    let unsigned = schema
        .get("format")
        .and_then(Value::as_str)
        .is_some_and(|f| f.starts_with("uint"));
    let mut notes = Vec::new();
    let bounds = [
        ("minLength", "at least {} characters"),
        ("maxLength", "at most {} characters"),
        ("minItems", "at least {} items"),
        ("maxItems", "at most {} items"),
        ("minimum", "≥ {}"),
        ("exclusiveMinimum", "> {}"),
        ("maximum", "≤ {}"),
        ("exclusiveMaximum", "< {}"),
    ];
    for (key, text) in bounds {
        if let Some(bound) = number(key) {
            if !(unsigned && key == "minimum" && bound == 0) {
                notes.push(esc(&text.replace("{}", &bound.to_string())));
            }
        }
    }
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        notes.push(format!("matches <code>{}</code>", esc(pattern)));
    }
    if let Some(default) = schema.get("default") {
        notes.push(format!(
            "default <code>{}</code>",
            esc(&default.to_string())
        ));
    }
    if notes.is_empty() {
        String::new()
    } else {
        format!(" <span class=\"muted\">({})</span>", notes.join(", "))
    }
}

/// A readable type, shown as HTML in the page (a named schema links to its section) and as text
/// where HTML cannot go (an input's placeholder).
#[derive(Debug)]
pub(super) struct TypeName(Vec<Piece>);

#[derive(Debug)]
enum Piece {
    /// `string`, `array of `, ` | `.
    Word(String),
    /// A value from `const` or `enum`, as JSON.
    Literal(String),
    /// A schema of the components, by name.
    Ref(String),
}

impl TypeName {
    fn word(&mut self, word: &str) {
        self.0.push(Piece::Word(word.to_owned()));
    }

    /// `between` before every alternative but the first.
    fn separator(&mut self, index: usize, between: &str) {
        if index > 0 {
            self.word(between);
        }
    }

    /// As HTML: values as code, a named schema as a link to its section.
    pub(super) fn html(&self) -> String {
        let mut out = String::from("<span class=\"type\">");
        for piece in &self.0 {
            match piece {
                Piece::Word(word) => out.push_str(&esc(word)),
                Piece::Literal(value) => {
                    let _ = write!(out, "<code>{}</code>", esc(value));
                }
                Piece::Ref(name) => {
                    let _ = write!(out, "<a href=\"#schema-{0}\">{0}</a>", esc(name));
                }
            }
        }
        out.push_str("</span>");
        out
    }
}

impl fmt::Display for TypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for piece in &self.0 {
            match piece {
                Piece::Word(text) | Piece::Literal(text) | Piece::Ref(text) => f.write_str(text)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn components() -> Components {
        let mut components = Components::new();
        components.insert(
            "Node".to_owned(),
            schemars::json_schema!({
                "type": "object",
                "description": "A node.",
                "properties": { "next": { "$ref": "#/components/schemas/Node" } }
            }),
        );
        components
    }

    fn text(schema: Value) -> String {
        SchemaView {
            components: &components(),
        }
        .type_name(&schema)
        .to_string()
    }

    #[test]
    fn types_read_as_words() {
        assert_eq!(text(json!({ "type": "string" })), "string");
        assert_eq!(
            text(json!({ "type": "integer", "format": "uint64", "minimum": 0 })),
            "integer (uint64)"
        );
        assert_eq!(text(json!({ "type": ["string", "null"] })), "string | null");
        assert_eq!(
            text(json!({ "type": "array", "items": { "$ref": "#/components/schemas/Message" } })),
            "array of Message"
        );
        assert_eq!(
            text(json!({ "anyOf": [{ "$ref": "#/components/schemas/Node" }, { "type": "null" }] })),
            "Node | null"
        );
        assert_eq!(
            text(json!({ "type": "string", "enum": ["up", "down"] })),
            "\"up\" | \"down\""
        );
        assert_eq!(
            text(json!({ "type": "object", "additionalProperties": { "type": "number" } })),
            "map of number"
        );
        assert_eq!(text(json!({})), "any");
    }

    #[test]
    fn a_named_schema_links_to_its_section_and_values_are_code() {
        let view = SchemaView {
            components: &components(),
        };
        let html = view
            .type_name(
                &json!({ "type": "array", "items": { "$ref": "#/components/schemas/A<b>" } }),
            )
            .html();
        assert_eq!(
            html,
            "<span class=\"type\">array of <a href=\"#schema-A&lt;b&gt;\">A&lt;b&gt;</a></span>"
        );
        let html = view.type_name(&json!({ "enum": ["<i>", 1] })).html();
        assert_eq!(
            html,
            "<span class=\"type\"><code>&quot;&lt;i&gt;&quot;</code> | <code>1</code></span>"
        );
    }

    #[test]
    fn a_field_table_names_types_and_nests_inline_objects() {
        let components = components();
        let view = SchemaView {
            components: &components,
        };
        let mut out = String::new();
        view.block(
            &mut out,
            "",
            &json!({
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": { "type": "integer", "format": "uint64", "description": "The `id`." },
                    "where": {
                        "type": "object",
                        "properties": { "lat": { "type": "number" } }
                    },
                    "head": { "$ref": "#/components/schemas/Node" }
                }
            }),
            "",
        );
        assert!(out.contains(
            "<tr><td><code>id</code></td><td><span class=\"type\">integer (uint64)</span></td>\
             <td>yes</td><td>The <code>id</code>.</td></tr>"
        ));
        // The inline object's fields nest in its row; the named one links to its section.
        assert!(out.contains(
            "<td><code>where</code></td><td><span class=\"type\">object</span></td><td>no</td>\
             <td><table class=\"fields\">"
        ));
        assert!(out.contains("<code>lat</code>"));
        assert!(out.contains("<a href=\"#schema-Node\">Node</a>"));
        assert!(out.contains("<details><summary>JSON Schema</summary><pre>"));
    }

    #[test]
    fn a_description_shown_already_is_not_repeated() {
        let components = components();
        let view = SchemaView {
            components: &components,
        };
        let schema = json!({ "$ref": "#/components/schemas/Node" });
        let mut out = String::new();
        view.block(
            &mut out,
            "",
            &schema,
            "A node.\n\nThe stream's final event.",
        );
        assert!(!out.contains("<p>A node.</p>"), "{out}");
        out.clear();
        view.block(&mut out, "", &schema, "");
        assert!(out.starts_with("<p>A node.</p>"), "{out}");
    }

    #[test]
    fn references_are_inlined_and_a_recursive_one_expanded_once() {
        let components = components();
        let view = SchemaView {
            components: &components,
        };
        let shown = view.resolved(
            &json!({ "$ref": "#/components/schemas/Node", "description": "The head." }),
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
