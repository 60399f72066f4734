//! The OpenAPI document as typed values: the subset tidings writes, serialized as OpenAPI 3.2
//! (or 3.1) JSON. Schemas stay [`Schema`] values, since schemars produces them.

use std::collections::BTreeMap;

use schemars::Schema;
use serde::{Deserialize, Serialize};

/// An OpenAPI document.
///
/// ```
/// let doc = tidings::openapi::OpenApi::new("Feed", "1.0.0");
/// let json = serde_json::to_value(&doc).unwrap();
/// assert_eq!(json["openapi"], "3.2.0");
/// assert_eq!(json["info"]["title"], "Feed");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenApi {
    /// The OpenAPI version: `3.2.0`, or `3.1.1` for [`OpenApiVersion::V3_1`].
    pub openapi: String,
    /// Title, version and description of the API.
    pub info: Info,
    /// Where the API is served.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<Server>,
    /// Tags with their descriptions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// The operations, by path template.
    #[serde(default)]
    pub paths: BTreeMap<String, PathItem>,
    /// Shared schemas.
    #[serde(default, skip_serializing_if = "Components::is_empty")]
    pub components: Components,
}

impl OpenApi {
    /// An empty OpenAPI 3.2 document.
    pub fn new(title: impl Into<String>, version: impl Into<String>) -> Self {
        OpenApi {
            openapi: OpenApiVersion::V3_2.as_str().to_owned(),
            info: Info {
                title: title.into(),
                version: version.into(),
                description: None,
            },
            servers: Vec::new(),
            tags: Vec::new(),
            paths: BTreeMap::new(),
            components: Components::default(),
        }
    }

    /// Every operation, with its path and lowercase method.
    pub fn operations(&self) -> impl Iterator<Item = (&str, &str, &Operation)> {
        self.paths.iter().flat_map(|(path, item)| {
            item.operations
                .iter()
                .map(move |(method, op)| (path.as_str(), method.as_str(), op))
        })
    }

    /// The operation with this `operationId`.
    pub fn operation_mut(&mut self, operation_id: &str) -> Option<&mut Operation> {
        self.paths
            .values_mut()
            .flat_map(|item| item.operations.values_mut())
            .find(|op| op.operation_id.as_deref() == Some(operation_id))
    }
}

/// Which OpenAPI version a document is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OpenApiVersion {
    /// OpenAPI 3.2.0: event schemas under the media type's `itemSchema`.
    #[default]
    V3_2,
    /// OpenAPI 3.1.1: the same schema under `schema`, for tools that do not know 3.2 yet.
    V3_1,
}

impl OpenApiVersion {
    /// The `openapi` field's value.
    pub fn as_str(self) -> &'static str {
        match self {
            OpenApiVersion::V3_2 => "3.2.0",
            OpenApiVersion::V3_1 => "3.1.1",
        }
    }
}

/// The `info` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Info {
    /// The API's title.
    pub title: String,
    /// The API's version (not OpenAPI's).
    pub version: String,
    /// A longer description, in CommonMark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A `servers` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Server {
    /// The base URL.
    pub url: String,
    /// What this server is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A `tags` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    /// The tag, as operations name it.
    pub name: String,
    /// What the operations with this tag have in common.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The operations of one path, by lowercase HTTP method.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PathItem {
    /// `get`, `post`, ... to their operation.
    #[serde(flatten)]
    pub operations: BTreeMap<String, Operation>,
}

/// One operation: a stream handler.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// Tags grouping the operation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The first paragraph of the handler's doc comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The rest of the doc comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The handler's operation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// Path, query and header parameters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    /// The request body, for handlers taking `Json<T>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<RequestBody>,
    /// Responses by status code (`"200"`, `"4XX"`, `"default"`).
    pub responses: BTreeMap<String, Response>,
    /// Whether the operation is deprecated.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    /// What tidings does not model, kept as it came from a document another tool wrote
    /// (`security`, `example`, `x-` extensions, ...); written out as it is.
    #[serde(flatten, default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Where a parameter is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParameterIn {
    /// A `{segment}` of the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

/// A parameter of an operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    /// The parameter's name.
    pub name: String,
    /// Where it is read from.
    #[serde(rename = "in")]
    pub location: ParameterIn,
    /// What it means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the request must carry it (always for path parameters).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// Its values.
    pub schema: Schema,
    /// What tidings does not model, kept as it came from a document another tool wrote
    /// (`security`, `example`, `x-` extensions, ...); written out as it is.
    #[serde(flatten, default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestBody {
    /// What it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether a request must have one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// By media type.
    pub content: BTreeMap<String, MediaType>,
    /// What tidings does not model, kept as it came from a document another tool wrote
    /// (`security`, `example`, `x-` extensions, ...); written out as it is.
    #[serde(flatten, default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// What it means (required by OpenAPI).
    pub description: String,
    /// Its headers, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, Header>,
    /// By media type.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub content: BTreeMap<String, MediaType>,
    /// What tidings does not model, kept as it came from a document another tool wrote
    /// (`security`, `example`, `x-` extensions, ...); written out as it is.
    #[serde(flatten, default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A response header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// What it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its values.
    pub schema: Schema,
}

impl Response {
    /// A response with no body.
    pub fn new(description: impl Into<String>) -> Self {
        Response {
            description: description.into(),
            headers: BTreeMap::new(),
            content: BTreeMap::new(),
            extra: serde_json::Map::new(),
        }
    }

    /// Adds a body of `media_type` with `schema`.
    pub fn with_content(mut self, media_type: impl Into<String>, schema: Schema) -> Self {
        self.content
            .insert(media_type.into(), MediaType::schema(schema));
        self
    }
}

/// The content of one media type.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaType {
    /// The schema of the whole content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Schema>,
    /// OpenAPI 3.2: the schema of each item of a sequential media type, such as each event of
    /// `text/event-stream`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_schema: Option<Schema>,
    /// What tidings does not model, kept as it came from a document another tool wrote
    /// (`security`, `example`, `x-` extensions, ...); written out as it is.
    #[serde(flatten, default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl MediaType {
    /// Content described by `schema`.
    pub fn schema(schema: Schema) -> Self {
        MediaType {
            schema: Some(schema),
            item_schema: None,
            extra: serde_json::Map::new(),
        }
    }
}

/// Shared parts of the document.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Components {
    /// Schemas by name, referenced as `#/components/schemas/{name}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub schemas: BTreeMap<String, Schema>,
}

impl Components {
    /// Whether there is nothing to share.
    pub fn is_empty(&self) -> bool {
        self.schemas.is_empty()
    }
}
