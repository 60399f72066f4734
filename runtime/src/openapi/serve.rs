//! The routes serving a document: its JSON and its HTML page.

use axum::routing::{get, MethodRouter};
use http::header;

pub(crate) fn json_route<S: Clone + Send + Sync + 'static>(json: String) -> MethodRouter<S> {
    get(move || {
        let json = json.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], json) }
    })
}

pub(crate) fn html_route<S: Clone + Send + Sync + 'static>(html: String) -> MethodRouter<S> {
    get(move || {
        let html = html.clone();
        async move { axum::response::Html(html) }
    })
}
