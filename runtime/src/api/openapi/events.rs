//! The `itemSchema` of a stream: one `oneOf` branch per event of its enum.

use schemars::{Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

use crate::wire::{EventInfo, PayloadKind};

/// The schema of one event of a stream whose events are `events`, with `data` the JSON payload
/// schemas in the same order (as [`SseEvents::data_schemas`](crate::SseEvents::data_schemas)
/// returns them).
///
/// Each branch is an object with `data` (and `event` when named) required: `event` fixed with
/// `const` (for the default event, optional and `message`, the type EventSource gives it); `data` a string, whose JSON content is described by
/// `contentMediaType` and `contentSchema`; `id` a string and `retry` a non-negative integer. A
/// payload schema with `examples` (schemars' `#[schemars(example = ..)]`) gives the branch
/// examples of whole events.
pub fn item_schema(
    events: &[EventInfo],
    data: Vec<Option<Schema>>,
    generator: &SchemaGenerator,
) -> Schema {
    let mut data = data.into_iter();
    let branches: Vec<Value> = events
        .iter()
        .map(|event| branch(event, data.next().flatten(), generator))
        .collect();
    // A `oneOf` even for one event, so that every stream's items have the same shape for tools
    // (and for a second event added later).
    Schema::try_from(json!({ "oneOf": branches })).expect("an object is a schema")
}

fn branch(event: &EventInfo, payload: Option<Schema>, generator: &SchemaGenerator) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    match event.name {
        Some(name) => {
            properties.insert("event".into(), json!({ "const": name.as_str() }));
            required.push("event");
        }
        // The default event has no `event` field; EventSource parsers (browsers, schemathesis)
        // report it as the type `message`, which is the same event.
        None => {
            properties.insert("event".into(), json!({ "const": "message" }));
        }
    }
    let mut examples = Vec::new();
    let data = match (event.payload, payload) {
        (PayloadKind::Json, Some(schema)) => {
            for example in payload_examples(&schema, generator) {
                let mut item = Map::new();
                if let Some(name) = event.name {
                    item.insert("event".into(), name.as_str().into());
                }
                item.insert("data".into(), example.to_string().into());
                examples.push(Value::Object(item));
            }
            json!({
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": schema,
            })
        }
        (PayloadKind::Empty, _) => json!({ "type": "string", "const": "" }),
        (PayloadKind::Raw | PayloadKind::Json, _) => json!({ "type": "string" }),
    };
    properties.insert("data".into(), data);
    required.push("data");
    properties.insert("id".into(), json!({ "type": "string" }));
    properties.insert("retry".into(), json!({ "type": "integer", "minimum": 0 }));

    let mut branch = Map::new();
    branch.insert("title".into(), event.variant.into());
    // A final event says so where readers look, and in an annotation tools can read.
    const ENDS: &str = "The stream's final event: the server ends the stream after it; a client \
                        should not reconnect.";
    let description = match (event.description, event.ends_stream) {
        (Some(text), true) => Some(format!("{text}\n\n{ENDS}")),
        (None, true) => Some(ENDS.to_owned()),
        (text, false) => text.map(str::to_owned),
    };
    if let Some(description) = description {
        branch.insert("description".into(), description.into());
    }
    if event.ends_stream {
        branch.insert("x-ends-stream".into(), true.into());
    }
    branch.insert("type".into(), "object".into());
    branch.insert("properties".into(), Value::Object(properties));
    branch.insert("required".into(), json!(required));
    if !examples.is_empty() {
        branch.insert("examples".into(), Value::Array(examples));
    }
    Value::Object(branch)
}

/// The `examples` of a payload schema, following a `$ref` into the generator's definitions.
fn payload_examples(schema: &Schema, generator: &SchemaGenerator) -> Vec<Value> {
    let mut value = schema.as_value();
    if let Some(name) = value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        match generator.definitions().get(name) {
            Some(def) => value = def,
            None => return Vec::new(),
        }
    }
    value
        .get("examples")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::EventName;

    /// A stream of one event still has a `oneOf`, of one branch: every stream's items have the
    /// same shape.
    #[test]
    fn one_event_is_a_one_of_with_one_branch() {
        let events = [EventInfo {
            name: Some(EventName::checked("tick")),
            variant: "Tick",
            payload: PayloadKind::Raw,
            description: None,
            ends_stream: false,
        }];
        let schema = item_schema(&events, vec![None], &SchemaGenerator::default());
        let branches = schema.get("oneOf").and_then(Value::as_array);
        let branches = branches.expect("the item schema is a oneOf");
        assert_eq!(branches.len(), 1);
        assert_eq!(
            branches[0]["properties"]["event"],
            json!({ "const": "tick" })
        );
    }
}
