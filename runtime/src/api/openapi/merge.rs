//! Adding tidings' operations to a document written by another tool (utoipa, aide, by hand).

use serde_json::Value;

use super::model::OpenApi;

/// Merges `doc`'s paths, tags and `components/schemas` into `target`, an OpenAPI document as JSON
/// (for example `serde_json::to_value(&utoipa_doc)`). What `target` already has wins: an
/// operation or schema of the same path and method or name is kept, and tidings' is skipped.
/// `target`'s `openapi` version is raised to `doc`'s when `doc` uses 3.2 features.
///
/// ```
/// use serde_json::json;
/// use tidings::openapi::{merge_into, OpenApi};
///
/// let mut theirs = json!({
///     "openapi": "3.1.0",
///     "info": { "title": "Shop", "version": "2" },
///     "paths": { "/health": { "get": { "responses": { "200": { "description": "up" } } } } },
/// });
/// merge_into(&mut theirs, &OpenApi::new("Feed", "1"));
/// assert_eq!(theirs["openapi"], "3.2.0");
/// assert!(theirs["paths"]["/health"]["get"].is_object());
/// ```
pub fn merge_into(target: &mut Value, doc: &OpenApi) {
    let ours = serde_json::to_value(doc).expect("a document serializes");
    let Some(target) = target.as_object_mut() else {
        return;
    };
    if doc.openapi.starts_with("3.2")
        && target
            .get("openapi")
            .and_then(Value::as_str)
            .is_none_or(|v| !v.starts_with("3.2"))
    {
        target.insert("openapi".into(), doc.openapi.clone().into());
    }
    if let Some(paths) = ours.get("paths").and_then(Value::as_object) {
        let target_paths = object_at(target, "paths");
        for (path, item) in paths {
            let target_item = target_paths
                .entry(path.clone())
                .or_insert_with(|| Value::Object(Default::default()));
            if let (Some(target_item), Some(item)) = (target_item.as_object_mut(), item.as_object())
            {
                for (method, op) in item {
                    target_item
                        .entry(method.clone())
                        .or_insert_with(|| op.clone());
                }
            }
        }
    }
    if let Some(schemas) = ours
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        let components = object_at(target, "components");
        let target_schemas = components
            .entry("schemas")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(target_schemas) = target_schemas.as_object_mut() {
            for (name, schema) in schemas {
                target_schemas
                    .entry(name.clone())
                    .or_insert_with(|| schema.clone());
            }
        }
    }
    if let Some(tags) = ours.get("tags").and_then(Value::as_array) {
        let target_tags = target
            .entry("tags")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Some(target_tags) = target_tags.as_array_mut() {
            for tag in tags {
                if !target_tags.iter().any(|t| t.get("name") == tag.get("name")) {
                    target_tags.push(tag.clone());
                }
            }
        }
    }
}

fn object_at<'a>(
    target: &'a mut serde_json::Map<String, Value>,
    key: &str,
) -> &'a mut serde_json::Map<String, Value> {
    let slot = target
        .entry(key)
        .or_insert_with(|| Value::Object(Default::default()));
    if !slot.is_object() {
        *slot = Value::Object(Default::default());
    }
    slot.as_object_mut().expect("just made an object")
}
