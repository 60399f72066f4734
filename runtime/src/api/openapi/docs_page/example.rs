//! A value that fits a schema, to start a console's request body from: the schema's own example
//! when it has one, else a plain value of each type.

use serde_json::{Map, Value};

use super::schema_view::{reference, SchemaView};

/// A value of `schema`, with the schema's `example`, first `examples` entry or `default` where
/// it has one (at any depth), else `"string"` (or the first allowed value), `0` (or the
/// minimum), `false`, an array of one item and an object of its required properties: the
/// optional ones would be placeholders a server may well refuse, and the fields table lists
/// them. A reference to a schema being built already (a recursive type) is left out.
pub(super) fn example(view: SchemaView<'_>, schema: &Value) -> Value {
    build(view, schema, &mut Vec::new()).unwrap_or(Value::Null)
}

/// `None` for a recursive reference, which its parent leaves out.
fn build(view: SchemaView<'_>, schema: &Value, expanding: &mut Vec<String>) -> Option<Value> {
    let given = schema
        .get("example")
        .or_else(|| schema.get("examples")?.as_array()?.first())
        .or_else(|| schema.get("default"))
        .or_else(|| schema.get("const"))
        .or_else(|| schema.get("enum")?.as_array()?.first());
    if let Some(given) = given {
        return Some(given.clone());
    }
    if let Some(name) = reference(schema) {
        if expanding.iter().any(|n| n == name) {
            return None;
        }
        let target = view.components.get(name)?;
        expanding.push(name.to_owned());
        let value = build(view, target.as_value(), expanding);
        expanding.pop();
        return value;
    }
    let choices = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array);
    if let Some(choices) = choices {
        // The first that is more than `null` (an `Option`'s other choice), else `null`.
        let null = |choice: &&Value| choice.get("type").and_then(Value::as_str) == Some("null");
        return choices
            .iter()
            .filter(|choice| !null(choice))
            .find_map(|choice| build(view, choice, expanding))
            .or_else(|| choices.iter().any(|c| null(&c)).then_some(Value::Null));
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in parts {
            match build(view, part, expanding)? {
                Value::Object(fields) => merged.extend(fields),
                other => return Some(other),
            }
        }
        return Some(Value::Object(merged));
    }
    let ty = match schema.get("type") {
        Some(Value::String(one)) => one.as_str(),
        Some(Value::Array(many)) => many
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ if schema.get("items").is_some() => "array",
        _ => "null",
    };
    Some(match ty {
        "string" => "string".into(),
        "integer" | "number" => schema.get("minimum").cloned().unwrap_or(0.into()),
        "boolean" => false.into(),
        "array" => Value::Array(
            schema
                .get("items")
                .and_then(|items| build(view, items, expanding))
                .into_iter()
                .collect(),
        ),
        "object" => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let required = schema.get("required").and_then(Value::as_array);
            let fields = required
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter_map(|name| {
                    let property = properties?.get(name)?;
                    Some((name.to_owned(), build(view, property, expanding)?))
                });
            Value::Object(fields.collect())
        }
        _ => Value::Null,
    })
}

#[cfg(test)]
mod tests {
    use super::super::schema_view::Components;
    use super::*;
    use serde_json::json;

    fn components() -> Components {
        let mut components = Components::new();
        components.insert(
            "Side".to_owned(),
            schemars::json_schema!({ "type": "string", "enum": ["buy", "sell"] }),
        );
        components.insert(
            "User".to_owned(),
            schemars::json_schema!({
                "type": "object",
                "examples": [{ "name": "ada" }],
                "properties": { "name": { "type": "string" } }
            }),
        );
        components.insert(
            "Node".to_owned(),
            schemars::json_schema!({
                "type": "object",
                "required": ["value", "children", "parent"],
                "properties": {
                    "value": { "type": "integer", "format": "uint32", "minimum": 1 },
                    "children": { "type": "array", "items": { "$ref": "#/components/schemas/Node" } },
                    "parent": {
                        "anyOf": [{ "$ref": "#/components/schemas/Node" }, { "type": "null" }]
                    }
                }
            }),
        );
        components
    }

    fn of(schema: Value) -> Value {
        let components = components();
        example(
            SchemaView {
                components: &components,
            },
            &schema,
        )
    }

    #[test]
    fn each_type_gets_a_plain_value_and_only_required_fields() {
        assert_eq!(
            of(json!({
                "type": "object",
                "required": ["text", "n", "ok", "tags", "reply_to"],
                "properties": {
                    "text": { "type": "string" },
                    "n": { "type": "number" },
                    "ok": { "type": "boolean" },
                    "tags": { "type": "array", "items": { "type": "string" } },
                    "reply_to": { "type": ["integer", "null"] },
                    "optional": { "type": "string" }
                }
            })),
            json!({ "text": "string", "n": 0, "ok": false, "tags": ["string"], "reply_to": 0 })
        );
    }

    #[test]
    fn references_are_followed_to_enums_and_examples() {
        assert_eq!(
            of(json!({
                "type": "object",
                "required": ["side", "user", "limit"],
                "properties": {
                    "side": { "$ref": "#/components/schemas/Side" },
                    "user": { "$ref": "#/components/schemas/User" },
                    "limit": { "type": "integer", "default": 10 }
                }
            })),
            json!({ "side": "buy", "user": { "name": "ada" }, "limit": 10 })
        );
    }

    #[test]
    fn a_recursive_type_stops_at_its_first_repetition() {
        assert_eq!(
            of(json!({ "$ref": "#/components/schemas/Node" })),
            json!({ "value": 1, "children": [], "parent": null })
        );
    }
}
