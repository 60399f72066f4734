//! Building one document from every registered handler.

use std::collections::BTreeMap;

use schemars::{Schema, SchemaGenerator};

use super::super::meta::HandlerMeta;
use super::events::item_schema;
use super::model::{
    Components, Header, Info, MediaType, OpenApi, OpenApiVersion, Operation, Parameter,
    ParameterIn, Response, Server, Tag,
};
use super::operation::{document_generator, OperationDoc};
use crate::wire::EventInfo;

/// What documents one handler, kept by [`SseApi::handler`](crate::SseApi::handler).
#[derive(Clone)]
pub(crate) struct HandlerDocs {
    pub(crate) meta: HandlerMeta,
    document: fn(&mut OperationDoc),
    events: &'static [EventInfo],
    data_schemas: fn(&mut SchemaGenerator) -> Vec<Option<Schema>>,
}

impl HandlerDocs {
    pub(crate) fn new(
        meta: HandlerMeta,
        document: fn(&mut OperationDoc),
        events: &'static [EventInfo],
        data_schemas: fn(&mut SchemaGenerator) -> Vec<Option<Schema>>,
    ) -> Self {
        HandlerDocs {
            meta,
            document,
            events,
            data_schemas,
        }
    }
}

/// A hand-written addition to one operation, see
/// [`SseApi::describe_operation`](crate::SseApi::describe_operation).
pub(crate) type Describe = Box<dyn Fn(&mut Operation) + Send + Sync>;

/// The API-wide parts of the document.
#[derive(Default)]
pub(crate) struct DocSettings {
    pub(crate) description: Option<String>,
    pub(crate) servers: Vec<Server>,
    pub(crate) tags: Vec<Tag>,
    pub(crate) version: OpenApiVersion,
    pub(crate) describe: Vec<(String, Describe)>,
}

/// The API's own limits on its streams, which every operation documents.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ApiLimits {
    /// The cap on open streams, documented as a `503`.
    pub(crate) max_streams: Option<usize>,
    /// How long streams last at most, which each operation's description says.
    pub(crate) max_stream_age: Option<std::time::Duration>,
}

pub(crate) fn build(
    title: &str,
    version: &str,
    settings: &DocSettings,
    limits: ApiLimits,
    handlers: &[HandlerDocs],
) -> OpenApi {
    let mut doc = OpenApi::new(title, version);
    doc.openapi = settings.version.as_str().to_owned();
    doc.info = Info {
        title: title.to_owned(),
        version: version.to_owned(),
        description: settings.description.clone(),
    };
    doc.servers = settings.servers.clone();
    doc.tags = settings.tags.clone();

    let mut generator = document_generator();
    for handler in handlers {
        let (operation, back) = operation(handler, generator, settings, limits);
        generator = back;
        let method = handler.meta.method.as_str().to_ascii_lowercase();
        doc.paths
            .entry(path_template(handler.meta.path))
            .or_default()
            .operations
            .insert(method, operation);
        for tag in handler.meta.tags {
            if !doc.tags.iter().any(|t| t.name == *tag) {
                doc.tags.push(Tag {
                    name: (*tag).to_owned(),
                    description: None,
                });
            }
        }
    }
    for (operation_id, describe) in &settings.describe {
        if let Some(op) = doc.operation_mut(operation_id) {
            describe(op);
        }
    }
    doc.components = Components {
        schemas: generator
            .take_definitions(true)
            .into_iter()
            .filter_map(|(name, schema)| Some((name, Schema::try_from(schema).ok()?)))
            .collect::<BTreeMap<_, _>>(),
    };
    doc
}

fn operation(
    handler: &HandlerDocs,
    generator: SchemaGenerator,
    settings: &DocSettings,
    limits: ApiLimits,
) -> (Operation, SchemaGenerator) {
    let meta = &handler.meta;
    let mut doc = OperationDoc::with_generator(meta.path_params, generator);
    (handler.document)(&mut doc);
    if limits.max_streams.is_some() || meta.max_streams.is_some() {
        doc.text_response(
            "503",
            "Too many streams are open: try again after `Retry-After` seconds.",
        );
    }
    // A panic before the first event is a `500` with a text body whatever the error type; added
    // like any response, it joins the error type's own `500` rather than hide it.
    doc.text_response("500", "The handler panicked before its first event.");

    let data = (handler.data_schemas)(doc.generator());
    let events = item_schema(handler.events, data, doc.generator());
    let (generator, mut parameters, request_body, mut responses) = doc.into_parts();
    if let Some(refused) = responses.get_mut("503") {
        let wait = Header {
            description: Some("Seconds to wait before trying again.".to_owned()),
            schema: schemars::json_schema!({ "type": "integer", "minimum": 0 }),
        };
        refused
            .headers
            .entry("Retry-After".to_owned())
            .or_insert(wait);
    }

    // Path params no `Path<T>` described are still there, as strings.
    for (index, name) in meta.path_params.iter().enumerate() {
        let known = parameters
            .iter()
            .any(|p| p.location == ParameterIn::Path && p.name == *name);
        if !known {
            let param = Parameter {
                name: (*name).to_owned(),
                location: ParameterIn::Path,
                description: None,
                required: true,
                schema: schemars::json_schema!({ "type": "string" }),
                extra: Default::default(),
            };
            parameters.insert(index.min(parameters.len()), param);
        }
    }
    // OpenAPI has no wildcard parameters: say so on the parameter that stands for one.
    for param in &mut parameters {
        let wildcard = format!("{{*{}}}", param.name);
        if param.location == ParameterIn::Path && meta.path.contains(&wildcard) {
            let note = "The rest of the path, `/` included (sent as is, not percent-encoded).";
            param.description = Some(match param.description.take() {
                Some(description) => format!("{description} {note}"),
                None => note.to_owned(),
            });
        }
    }
    // Path parameters first, in route order; the others as documented.
    parameters.sort_by_key(|p| match p.location {
        ParameterIn::Path => meta
            .path_params
            .iter()
            .position(|n| *n == p.name)
            .unwrap_or(usize::MAX),
        _ => usize::MAX,
    });

    let media = match settings.version {
        OpenApiVersion::V3_2 => MediaType {
            schema: None,
            item_schema: Some(events),
            extra: Default::default(),
        },
        OpenApiVersion::V3_1 => MediaType::schema(events),
    };
    let mut ok = Response::new("The event stream.");
    ok.content.insert("text/event-stream".to_owned(), media);
    for header in meta.headers {
        let documented = Header {
            description: Some(header.description.to_owned()),
            schema: schemars::json_schema!({ "type": "string" }),
        };
        ok.headers.insert(header.name.to_owned(), documented);
    }
    responses.insert("200".to_owned(), ok);

    // How a stream's end is told: the doc comment, then what tidings adds to it.
    let farewell = meta.farewell.map(|event| {
        let name = event().name.map_or("message", |name| name.as_str());
        format!("When the server shuts down, each stream ends with a `{name}` event.")
    });
    let aged = meta.max_age.or(limits.max_stream_age).map(|age| {
        let ending = match meta.age_farewell {
            Some(event) => {
                let name = event().name.map_or("message", |name| name.as_str());
                format!("with a `{name}` event and a `retry:` hint")
            }
            None => "with a `retry:` hint".to_owned(),
        };
        format!(
            "A stream lasts at most {}, then ends {ending}: reconnect with `Last-Event-ID` to \
             resume.",
            human(age)
        )
    });
    let late_error = meta.error_event.then(|| {
        "If the handler fails after the stream started, the stream ends with the event its \
         error becomes."
            .to_owned()
    });
    let notes: Vec<String> = [
        meta.description.map(str::to_owned),
        farewell,
        aged,
        late_error,
    ]
    .into_iter()
    .flatten()
    .collect();
    let description = (!notes.is_empty()).then(|| notes.join("\n\n"));
    let operation = Operation {
        tags: meta.tags.iter().map(|t| (*t).to_owned()).collect(),
        summary: meta.summary.map(str::to_owned),
        description,
        operation_id: Some(meta.operation_id.to_owned()),
        parameters,
        request_body,
        responses,
        deprecated: meta.deprecated,
        extra: Default::default(),
    };
    (operation, generator)
}

/// `age` as people write it: `90 s`, `30 min`, `2 h`.
fn human(age: std::time::Duration) -> String {
    let secs = age.as_secs();
    match secs {
        _ if secs == 0 || age.subsec_nanos() != 0 => format!("{} ms", age.as_millis()),
        _ if secs.is_multiple_of(3600) => format!("{} h", secs / 3600),
        _ if secs.is_multiple_of(60) => format!("{} min", secs / 60),
        _ => format!("{secs} s"),
    }
}

/// The route as an OpenAPI path template: axum's wildcard `{*rest}` becomes `{rest}`, since
/// OpenAPI templates have no wildcard (its parameter's description says it takes the rest).
fn path_template(route: &str) -> String {
    route.replace("{*", "{")
}
