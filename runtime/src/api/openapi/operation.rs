//! [`OperationDoc`]: what a handler's extractors and error type add to its operation.

use std::collections::BTreeMap;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::Value;

use super::model::{MediaType, Parameter, ParameterIn, RequestBody, Response};

/// The description of one operation as its handler's `document` hook fills it in: parameters,
/// request body and responses. [`DocumentedInput`](super::DocumentedInput) and
/// [`DocumentedError`](super::DocumentedError) implementations write to it.
///
/// ```
/// use tidings::openapi::{OperationDoc, Parameter, ParameterIn};
///
/// let mut doc = OperationDoc::new(&["room"]);
/// doc.parameter(Parameter {
///     name: "X-Api-Key".into(),
///     location: ParameterIn::Header,
///     description: Some("The caller's key.".into()),
///     required: true,
///     schema: schemars::json_schema!({ "type": "string" }),
///     extra: Default::default(),
/// });
/// doc.text_response("401", "The key is missing or wrong.");
/// assert_eq!(doc.parameters().len(), 1);
/// assert!(doc.responses().contains_key("401"));
/// ```
#[derive(Debug)]
pub struct OperationDoc {
    generator: SchemaGenerator,
    path_params: Vec<String>,
    parameters: Vec<Parameter>,
    request_body: Option<RequestBody>,
    responses: BTreeMap<String, Response>,
}

/// The settings of the document's shared generator: JSON Schema 2020-12 (the dialect of
/// OpenAPI 3.1 and 3.2), definitions in `components/schemas`, as the server serializes.
pub(crate) fn document_generator() -> SchemaGenerator {
    openapi_settings().for_serialize().into_generator()
}

fn openapi_settings() -> SchemaSettings {
    SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
    })
}

impl OperationDoc {
    /// An empty description of an operation whose route has these `{param}` names.
    pub fn new(path_params: &[&str]) -> Self {
        Self::with_generator(path_params, document_generator())
    }

    pub(crate) fn with_generator(path_params: &[&str], generator: SchemaGenerator) -> Self {
        OperationDoc {
            generator,
            path_params: path_params.iter().map(|p| (*p).to_owned()).collect(),
            parameters: Vec::new(),
            request_body: None,
            responses: BTreeMap::new(),
        }
    }

    pub(crate) fn into_parts(
        self,
    ) -> (
        SchemaGenerator,
        Vec<Parameter>,
        Option<RequestBody>,
        BTreeMap<String, Response>,
    ) {
        (
            self.generator,
            self.parameters,
            self.request_body,
            self.responses,
        )
    }

    /// The `{param}` names of the route, in order.
    pub fn path_params(&self) -> impl Iterator<Item = &str> {
        self.path_params.iter().map(String::as_str)
    }

    /// The document's schema generator: schemas it returns reference named types in
    /// `components/schemas`, shared by every operation.
    pub fn generator(&mut self) -> &mut SchemaGenerator {
        &mut self.generator
    }

    /// `T`'s schema as a request deserializes it, inline (no references), as parameters need.
    pub fn input_schema<T: JsonSchema + ?Sized>(&mut self) -> Schema {
        let mut generator = openapi_settings()
            .for_deserialize()
            .with(|s| s.inline_subschemas = true)
            .into_generator();
        let schema = T::json_schema(&mut generator);
        // Recursive types still leave definitions behind: share them, without overwriting.
        for (name, def) in generator.take_definitions(true) {
            if let Ok(def) = Schema::try_from(def) {
                let defs = self.generator.definitions_mut();
                defs.entry(name).or_insert_with(|| def.to_value());
            }
        }
        schema
    }

    /// The parameters so far.
    pub fn parameters(&self) -> &[Parameter] {
        &self.parameters
    }

    /// The request body, if any.
    pub fn request_body(&self) -> Option<&RequestBody> {
        self.request_body.as_ref()
    }

    /// The responses so far, by status.
    pub fn responses(&self) -> &BTreeMap<String, Response> {
        &self.responses
    }

    /// Adds a parameter, replacing one of the same name and location.
    pub fn parameter(&mut self, parameter: Parameter) -> &mut Self {
        self.parameters
            .retain(|p| !(p.name == parameter.name && p.location == parameter.location));
        self.parameters.push(parameter);
        self
    }

    pub(crate) fn parameters_mut(&mut self) -> &mut Vec<Parameter> {
        &mut self.parameters
    }

    /// Sets the request body.
    pub fn set_request_body(&mut self, body: RequestBody) -> &mut Self {
        self.request_body = Some(body);
        self
    }

    /// Adds the response for `status` (`"404"`, `"4XX"`, `"default"`). When one is documented
    /// for `status` already (by an extractor, say, and then by the error type), both stay: the
    /// descriptions are joined and the media types merged (one media type described twice
    /// takes either schema), since the server may send either.
    pub fn response(&mut self, status: impl Into<String>, response: Response) -> &mut Self {
        match self.responses.entry(status.into()) {
            std::collections::btree_map::Entry::Vacant(entry) => {
                entry.insert(response);
            }
            std::collections::btree_map::Entry::Occupied(mut entry) => {
                merge_response(entry.get_mut(), response);
            }
        }
        self
    }

    /// Runs `document` (an error type's documentation, say), keeping of the responses it adds
    /// only those of `statuses`: what `#[sse_handler(.., errors(400, 503))]` does with its
    /// error type's responses. A listed status `document` does not describe is documented by
    /// its reason phrase (`404`: "Not Found"); responses documented before are left as they were.
    ///
    /// ```
    /// use tidings::openapi::OperationDoc;
    ///
    /// let mut doc = OperationDoc::new(&[]);
    /// doc.only_error_statuses(&[503, 404], |doc| {
    ///     doc.text_response("503", "Busy.");
    ///     doc.text_response("400", "Bad topic.");
    /// });
    /// let statuses: Vec<&str> = doc.responses().keys().map(String::as_str).collect();
    /// assert_eq!(statuses, ["404", "503"]);
    /// assert_eq!(doc.responses()["404"].description, "Not Found");
    /// ```
    pub fn only_error_statuses(
        &mut self,
        statuses: &[u16],
        document: impl FnOnce(&mut OperationDoc),
    ) -> &mut Self {
        let before = self.responses.clone();
        document(self);
        let kept: Vec<String> = statuses.iter().map(u16::to_string).collect();
        self.responses
            .retain(|status, _| kept.contains(status) || before.contains_key(status));
        for (status, response) in &before {
            if !kept.contains(status) {
                self.responses.insert(status.clone(), response.clone());
            }
        }
        for (code, status) in statuses.iter().zip(&kept) {
            if !self.responses.contains_key(status) {
                let reason = http::StatusCode::from_u16(*code)
                    .ok()
                    .and_then(|code| code.canonical_reason())
                    .unwrap_or("An error.");
                self.text_response(status, reason);
            }
        }
        self
    }

    /// A `text/plain` response for `status`.
    pub fn text_response(&mut self, status: &str, description: &str) -> &mut Self {
        let text = schemars::json_schema!({ "type": "string" });
        self.response(
            status,
            Response::new(description).with_content("text/plain", text),
        )
    }

    /// An `application/json` response for `status` whose body is a `T` (in `components`).
    pub fn json_response<T: JsonSchema + ?Sized>(
        &mut self,
        status: &str,
        description: &str,
    ) -> &mut Self {
        let schema = self.generator.subschema_for::<T>();
        self.response(
            status,
            Response::new(description).with_content("application/json", schema),
        )
    }

    /// Documents the route's `{param}`s from `T`'s schema: one parameter for a plain type and a
    /// single param, by position for a tuple, by name for a struct.
    pub fn path_schema<T: JsonSchema + ?Sized>(&mut self) -> &mut Self {
        let schema = self.input_schema::<T>();
        let names = self.path_params.clone();
        let json = schema.as_value();
        let mut found: Vec<(String, Value)> = Vec::new();
        if let Some(props) = json.get("properties").and_then(Value::as_object) {
            for name in &names {
                if let Some(prop) = props.get(name) {
                    found.push((name.clone(), prop.clone()));
                }
            }
        } else if let Some(items) = json.get("prefixItems").and_then(Value::as_array) {
            for (name, item) in names.iter().zip(items) {
                found.push((name.clone(), item.clone()));
            }
        } else if names.len() == 1 {
            found.push((names[0].clone(), json.clone()));
        }
        for (name, schema) in found {
            let (description, schema) = split_description(schema);
            self.parameter(Parameter {
                name,
                location: ParameterIn::Path,
                description,
                required: true,
                schema,
                extra: Default::default(),
            });
        }
        self.invalid_request_response()
    }

    /// Documents one query parameter per property of `T`'s object schema, required as the
    /// schema says.
    pub fn query_schema<T: JsonSchema + ?Sized>(&mut self) -> &mut Self {
        let schema = self.input_schema::<T>();
        let json = schema.as_value();
        let required: Vec<&str> = json
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut params = Vec::new();
        if let Some(props) = json.get("properties").and_then(Value::as_object) {
            for (name, prop) in props {
                let (description, schema) = split_description(without_null(prop.clone()));
                params.push(Parameter {
                    name: name.clone(),
                    location: ParameterIn::Query,
                    description,
                    required: required.contains(&name.as_str()),
                    schema,
                    extra: Default::default(),
                });
            }
        }
        for param in params {
            self.parameter(param);
        }
        self.invalid_request_response()
    }

    /// Documents a required `application/json` request body of type `T`.
    pub fn json_body<T: JsonSchema + ?Sized>(&mut self) -> &mut Self {
        let schema = self.input_schema::<T>();
        let mut content = BTreeMap::new();
        content.insert("application/json".to_owned(), MediaType::schema(schema));
        self.set_request_body(RequestBody {
            description: None,
            required: true,
            content,
            extra: Default::default(),
        });
        self.invalid_request_response()
    }

    /// The `400` that axum's and tidings' extractors answer a request they cannot read with.
    pub fn invalid_request_response(&mut self) -> &mut Self {
        if !self.responses.contains_key("400") {
            self.text_response(
                "400",
                "The request's path, query, headers or body are invalid.",
            );
        }
        self
    }
}

/// Moves a schema's `description` out, for the parameter that holds it.
/// A query parameter's schema without the `null` that schemars adds for an `Option` field: a
/// query string cannot carry a null, and leaving the parameter out (it is not `required`)
/// already says it is optional. Handles both of schemars' forms, `"type": [T, "null"]` and
/// `anyOf` with a `{"type": "null"}` branch.
fn without_null(mut schema: Value) -> Value {
    let is_null = |v: &Value| v == "null";
    let Some(object) = schema.as_object_mut() else {
        return schema;
    };
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| !is_null(t));
        if let [only] = types.as_slice() {
            let only = only.clone();
            object.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(branches)) = object.get_mut("anyOf") {
        branches.retain(|branch| !branch.get("type").is_some_and(is_null));
        if let [only] = branches.as_slice() {
            let only = only.clone();
            object.remove("anyOf");
            match only {
                // `{"$ref": ..}` and the like: its keywords join the parameter's own.
                Value::Object(keywords) => object.extend(keywords),
                other => return other,
            }
        }
    }
    if object.get("default").is_some_and(Value::is_null) {
        object.remove("default");
    }
    schema
}

fn split_description(mut schema: Value) -> (Option<String>, Schema) {
    let description = schema
        .as_object_mut()
        .and_then(|o| o.remove("description"))
        .and_then(|d| d.as_str().map(str::to_owned));
    let schema = Schema::try_from(schema).unwrap_or_else(|_| Schema::default());
    (description, schema)
}

/// Folds `added` into `existing`: both descriptions, every media type, and for a media type
/// both describe, either schema.
fn merge_response(existing: &mut Response, added: Response) {
    if existing.description != added.description {
        existing.description = format!("{} Or: {}", existing.description, added.description);
    }
    for (media, content) in added.content {
        match existing.content.get_mut(&media) {
            None => {
                existing.content.insert(media, content);
            }
            Some(known) => {
                if let (Some(a), Some(b)) = (&known.schema, &content.schema) {
                    if a != b {
                        known.schema = Some(schemars::json_schema!({
                            "anyOf": [a.as_value(), b.as_value()]
                        }));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Both forms schemars gives an `Option` field lose their `null`, and nothing else.
    #[test]
    fn query_parameters_drop_the_null_of_an_option() {
        assert_eq!(
            without_null(json!({ "type": ["integer", "null"], "minimum": 0, "default": null })),
            json!({ "type": "integer", "minimum": 0 })
        );
        assert_eq!(
            without_null(json!({
                "description": "Which side.",
                "anyOf": [{ "$ref": "#/components/schemas/Side" }, { "type": "null" }],
            })),
            json!({ "description": "Which side.", "$ref": "#/components/schemas/Side" })
        );
        let untouched = json!({ "type": ["integer", "string"] });
        assert_eq!(without_null(untouched.clone()), untouched);
        let required = json!({ "type": "string" });
        assert_eq!(without_null(required.clone()), required);
    }
}
