//! Operations another tool describes (utoipa, aide, a document written by hand), taken into
//! tidings' document: the plain routes of a service (a `POST` that publishes, a `GET` that
//! lists) beside its streams, so that one document and one docs page show the whole API.

use std::collections::BTreeMap;

use schemars::Schema;
use serde_json::Value;

use super::model::{OpenApi, Operation, Parameter, PathItem, Tag};

/// The methods a path item can hold operations for (OpenAPI 3.2 added `query`); its other
/// fields (`summary`, `servers`, `parameters`, ...) are not operations.
const METHODS: [&str; 9] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace", "query",
];

/// Why an OpenAPI document could not be added to an API's own.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DocumentError {
    /// A part of the document is not what OpenAPI says it is.
    Unreadable {
        /// A JSON pointer to the part, such as `/paths/~1users/post/parameters/0`.
        at: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The operation is described twice: by two documents, or by a document and a stream
    /// handler.
    DuplicateOperation {
        /// Its method, upper case.
        method: String,
        /// Its path template.
        path: String,
    },
    /// Two different schemas have one name in `components/schemas`.
    SchemaNameClash {
        /// The name.
        name: String,
    },
}

impl std::fmt::Display for DocumentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocumentError::Unreadable { at, reason } => {
                write!(f, "the OpenAPI document cannot be read at `{at}`: {reason}")
            }
            DocumentError::DuplicateOperation { method, path } => write!(
                f,
                "`{method} {path}` is described twice; describe each route once (a stream \
                 handler describes its own route)"
            ),
            DocumentError::SchemaNameClash { name } => write!(
                f,
                "two different schemas are named `{name}`; rename one (schemars: \
                 `#[schemars(rename = \"..\")]`, utoipa: `#[schema(as = ..)]`)"
            ),
        }
    }
}

impl std::error::Error for DocumentError {}

/// What other documents added so far: their operations, schemas and tags.
#[derive(Debug, Clone, Default)]
pub(crate) struct ForeignDoc {
    paths: BTreeMap<String, PathItem>,
    schemas: BTreeMap<String, Schema>,
    tags: Vec<Tag>,
}

impl ForeignDoc {
    /// Takes in `document`'s operations, `components/schemas` and tags, refusing an operation
    /// or a schema name already taken in differently. Nothing is added when it fails.
    pub(crate) fn add(&mut self, document: &Value) -> Result<(), DocumentError> {
        let mut added = self.clone();
        for (path, item) in object_at(document, "/paths")? {
            for (method, operation) in operations(path, item)? {
                let item = added.paths.entry(path.clone()).or_default();
                if item.operations.contains_key(&method) {
                    return Err(duplicate(&method, path));
                }
                item.operations.insert(method, operation);
            }
        }
        for (name, schema) in object_at(document, "/components/schemas")? {
            let at = format!("/components/schemas/{}", escape(name));
            let schema = Schema::try_from(schema.clone()).map_err(|e| unreadable(&at, e))?;
            add_schema(&mut added.schemas, name, schema)?;
        }
        if let Some(tags) = document.get("tags") {
            let tags: Vec<Tag> =
                serde_json::from_value(tags.clone()).map_err(|e| unreadable("/tags", e))?;
            for tag in tags {
                add_tag(&mut added.tags, tag);
            }
        }
        *self = added;
        Ok(())
    }

    /// Puts what was added into `doc`, the document of the API's stream handlers.
    pub(crate) fn add_to(&self, doc: &mut OpenApi) -> Result<(), DocumentError> {
        for (path, item) in &self.paths {
            for (method, operation) in &item.operations {
                let ours = doc.paths.entry(path.clone()).or_default();
                if ours.operations.contains_key(method) {
                    return Err(duplicate(method, path));
                }
                ours.operations.insert(method.clone(), operation.clone());
            }
        }
        for (name, schema) in &self.schemas {
            add_schema(&mut doc.components.schemas, name, schema.clone())?;
        }
        for tag in &self.tags {
            add_tag(&mut doc.tags, tag.clone());
        }
        Ok(())
    }
}

/// The operations of one path item, with the path item's own parameters added to each (an
/// operation's parameter of the same name and place wins, as OpenAPI says).
fn operations(path: &str, item: &Value) -> Result<Vec<(String, Operation)>, DocumentError> {
    let at = format!("/paths/{}", escape(path));
    let Some(item) = item.as_object() else {
        return Err(unreadable(&at, "a path item is an object"));
    };
    let shared: Vec<Parameter> = match item.get("parameters") {
        Some(shared) => serde_json::from_value(shared.clone())
            .map_err(|e| unreadable(&format!("{at}/parameters"), e))?,
        None => Vec::new(),
    };
    let mut operations = Vec::new();
    for (method, operation) in item.iter().filter(|(k, _)| METHODS.contains(&k.as_str())) {
        let mut operation: Operation = serde_json::from_value(operation.clone())
            .map_err(|e| unreadable(&format!("{at}/{method}"), e))?;
        for parameter in &shared {
            let overridden = operation
                .parameters
                .iter()
                .any(|p| p.name == parameter.name && p.location == parameter.location);
            if !overridden {
                operation.parameters.push(parameter.clone());
            }
        }
        operations.push((method.clone(), operation));
    }
    Ok(operations)
}

fn add_schema(
    schemas: &mut BTreeMap<String, Schema>,
    name: &str,
    schema: Schema,
) -> Result<(), DocumentError> {
    match schemas.get(name) {
        Some(existing) if *existing != schema => Err(DocumentError::SchemaNameClash {
            name: name.to_owned(),
        }),
        Some(_) => Ok(()),
        None => {
            schemas.insert(name.to_owned(), schema);
            Ok(())
        }
    }
}

/// Adds `tag` unless one of its name is there; a description fills in a missing one.
fn add_tag(tags: &mut Vec<Tag>, tag: Tag) {
    match tags.iter_mut().find(|t| t.name == tag.name) {
        Some(existing) => {
            if existing.description.is_none() {
                existing.description = tag.description;
            }
        }
        None => tags.push(tag),
    }
}

/// The object at `pointer` (none at all reads as empty).
fn object_at<'a>(
    document: &'a Value,
    pointer: &str,
) -> Result<impl Iterator<Item = (&'a String, &'a Value)>, DocumentError> {
    match document.pointer(pointer) {
        None => Ok(None.into_iter().flatten()),
        Some(Value::Object(object)) => Ok(Some(object.iter()).into_iter().flatten()),
        Some(_) => Err(unreadable(pointer, "expected an object")),
    }
}

fn duplicate(method: &str, path: &str) -> DocumentError {
    DocumentError::DuplicateOperation {
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
    }
}

fn unreadable(at: &str, reason: impl std::fmt::Display) -> DocumentError {
    DocumentError::Unreadable {
        at: at.to_owned(),
        reason: reason.to_string(),
    }
}

/// A JSON pointer token for `key` (RFC 6901).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn post_messages() -> Value {
        json!({
            "openapi": "3.1.0",
            "info": { "title": "Chat", "version": "1" },
            "tags": [{ "name": "chat", "description": "Rooms." }],
            "paths": {
                "/rooms/{room}/messages": {
                    "parameters": [
                        { "name": "room", "in": "path", "required": true, "schema": { "type": "string" } }
                    ],
                    "post": {
                        "operationId": "post_message",
                        "security": [{ "token": [] }],
                        "requestBody": {
                            "required": true,
                            "content": { "application/json": {
                                "schema": { "$ref": "#/components/schemas/NewMessage" },
                                "example": { "text": "hi" }
                            } }
                        },
                        "responses": { "204": { "description": "Posted." } }
                    }
                }
            },
            "components": { "schemas": { "NewMessage": {
                "type": "object", "required": ["text"], "properties": { "text": { "type": "string" } }
            } } }
        })
    }

    #[test]
    fn operations_schemas_and_tags_are_added_whole() {
        let mut foreign = ForeignDoc::default();
        foreign.add(&post_messages()).unwrap();
        let mut doc = OpenApi::new("Chat", "1");
        foreign.add_to(&mut doc).unwrap();

        let json = serde_json::to_value(&doc).unwrap();
        let op = &json["paths"]["/rooms/{room}/messages"]["post"];
        assert_eq!(op["operationId"], "post_message");
        assert_eq!(
            op["parameters"][0]["name"], "room",
            "the path item's parameter"
        );
        assert_eq!(op["security"], json!([{ "token": [] }]), "kept as it came");
        assert_eq!(
            op["requestBody"]["content"]["application/json"]["example"],
            json!({ "text": "hi" })
        );
        assert_eq!(
            json["components"]["schemas"]["NewMessage"]["required"],
            json!(["text"])
        );
        assert_eq!(json["tags"][0]["description"], "Rooms.");
    }

    #[test]
    fn an_operation_described_twice_is_refused_and_nothing_is_added() {
        let mut foreign = ForeignDoc::default();
        foreign.add(&post_messages()).unwrap();
        let mut again = post_messages();
        again["components"]["schemas"]["Other"] = json!({ "type": "string" });
        assert_eq!(
            foreign.add(&again),
            Err(DocumentError::DuplicateOperation {
                method: "POST".into(),
                path: "/rooms/{room}/messages".into()
            })
        );
        assert!(!foreign.schemas.contains_key("Other"), "added in part");

        let mut doc = OpenApi::new("Chat", "1");
        doc.paths
            .entry("/rooms/{room}/messages".into())
            .or_default()
            .operations
            .insert("post".into(), Operation::default());
        assert!(matches!(
            foreign.add_to(&mut doc),
            Err(DocumentError::DuplicateOperation { .. })
        ));
    }

    #[test]
    fn one_name_for_two_schemas_is_refused_but_the_same_schema_twice_is_not() {
        let mut foreign = ForeignDoc::default();
        foreign.add(&post_messages()).unwrap();
        let same = json!({ "components": { "schemas": {
            "NewMessage": post_messages()["components"]["schemas"]["NewMessage"].clone()
        } } });
        foreign.add(&same).unwrap();
        let different =
            json!({ "components": { "schemas": { "NewMessage": { "type": "integer" } } } });
        let refused = foreign.add(&different).unwrap_err();
        assert_eq!(
            refused,
            DocumentError::SchemaNameClash {
                name: "NewMessage".into()
            }
        );
        assert!(refused.to_string().contains("rename one"), "{refused}");
    }

    #[test]
    fn a_malformed_part_is_named_by_its_pointer() {
        let mut foreign = ForeignDoc::default();
        let bad = json!({ "paths": { "/a/b": { "get": { "responses": "none" } } } });
        match foreign.add(&bad) {
            Err(DocumentError::Unreadable { at, .. }) => assert_eq!(at, "/paths/~1a~1b/get"),
            other => panic!("{other:?}"),
        }
        let bad = json!({ "paths": { "/a": { "get": { "responses": {}, "parameters": [{ "name": "x" }] } } } });
        assert!(matches!(
            foreign.add(&bad),
            Err(DocumentError::Unreadable { .. })
        ));
    }
}
