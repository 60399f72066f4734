//! The routes that serve the API document: its JSON and its HTML page.

use axum::routing::{get, MethodRouter};
use bytes::Bytes;
use http::header;

/// The document is rendered once, when the router is built; each request clones a `Bytes`
/// handle instead of copying the text.
pub(crate) fn json_route<S: Clone + Send + Sync + 'static>(json: String) -> MethodRouter<S> {
    let json = Bytes::from(json);
    get(move || {
        let json = json.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], json) }
    })
}

pub(crate) fn html_route<S: Clone + Send + Sync + 'static>(html: String) -> MethodRouter<S> {
    let html = Bytes::from(html);
    get(move || {
        let html = html.clone();
        async move { axum::response::Html(html) }
    })
}
