//! The live console under each stream of the docs page: a form for the stream's parameters
//! (and JSON body), which `console.js` connects with `fetch`, showing each event as it arrives.

use std::fmt::Write;

use super::super::model::{Operation, ParameterIn};
use super::esc;

/// The script every console form runs on; inline, so the page needs no network.
pub(super) const SCRIPT: &str = include_str!("console.js");

/// The console form of the stream `method path`.
pub(super) fn console(out: &mut String, path: &str, method: &str, op: &Operation) {
    let _ = writeln!(
        out,
        "<h3>Try it</h3><form class=\"console\" data-method=\"{}\" data-path=\"{}\">",
        esc(&method.to_ascii_uppercase()),
        esc(path)
    );
    for p in &op.parameters {
        let location = match p.location {
            ParameterIn::Path => "path",
            ParameterIn::Query => "query",
            ParameterIn::Header => "header",
            // A browser sets the cookies of its origin itself.
            ParameterIn::Cookie => continue,
        };
        let _ = writeln!(
            out,
            "<label>{name} <span class=\"muted\">({location})</span> <input data-in=\"{location}\" \
             data-name=\"{name}\"{required}></label>",
            name = esc(&p.name),
            required = if p.required { " required" } else { "" },
        );
    }
    if op.request_body.is_some() {
        out.push_str(
            "<label>JSON body <textarea name=\"body\" rows=\"4\" cols=\"60\">{}</textarea></label>\n",
        );
    }
    out.push_str(
        "<p><button class=\"connect\" type=\"submit\">Connect</button> \
         <button class=\"disconnect\" type=\"button\" disabled>Disconnect</button> \
         <span class=\"count\">0 events</span> <span class=\"status muted\"></span></p>\
         <ol class=\"events\"></ol></form>\n",
    );
}
