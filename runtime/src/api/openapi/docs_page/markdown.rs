//! The Markdown that rustdoc comments use, as HTML: paragraphs, `- ` lists, `` `code` ``,
//! `**bold**`, `*emphasis*` and `[links](url)`. Descriptions come from users' documents, so the
//! text is escaped first and only this module's own tags reach the page; a link whose URL could
//! run script (`javascript:`, `data:`) stays text.

use super::esc;

/// `text` as HTML blocks: a paragraph per run of lines between blank lines, and a list for
/// lines starting with `- ` or `* ` (an indented line continues the item above it).
pub(super) fn markdown(text: &str) -> String {
    let mut out = String::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut items: Vec<String> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(item) = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "))
        {
            flush_paragraph(&mut out, &mut paragraph);
            items.push(item.to_owned());
        } else if trimmed.is_empty() {
            flush_paragraph(&mut out, &mut paragraph);
            flush_list(&mut out, &mut items);
        } else if let (Some(item), true) = (items.last_mut(), line.starts_with(char::is_whitespace))
        {
            item.push(' ');
            item.push_str(trimmed);
        } else {
            flush_list(&mut out, &mut items);
            paragraph.push(trimmed);
        }
    }
    flush_paragraph(&mut out, &mut paragraph);
    flush_list(&mut out, &mut items);
    out
}

/// `text` for a table cell or a list item: inline when it is one paragraph, so that a short
/// description does not bring a paragraph's margins; as blocks otherwise.
pub(super) fn compact(text: &str) -> String {
    let blocks = markdown(text);
    match blocks
        .strip_prefix("<p>")
        .and_then(|rest| rest.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => inner.to_owned(),
        _ => blocks,
    }
}

fn flush_paragraph(out: &mut String, lines: &mut Vec<&str>) {
    if !lines.is_empty() {
        out.push_str("<p>");
        out.push_str(&inline(&lines.join("\n")));
        out.push_str("</p>");
        lines.clear();
    }
}

fn flush_list(out: &mut String, items: &mut Vec<String>) {
    if !items.is_empty() {
        out.push_str("<ul>");
        for item in items.drain(..) {
            out.push_str("<li>");
            out.push_str(&inline(&item));
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
}

/// One paragraph's text with its inline markup as HTML.
pub(super) fn inline(text: &str) -> String {
    spans(&esc(text))
}

/// The inline markup of `text`, which is escaped already: none of `<>"'` is left in it, so the
/// tags written here are the only ones, and an attribute cannot be closed from inside.
fn spans(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['`', '*', '[']) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let (html, after) = code(rest)
            .or_else(|| delimited(rest, "**", "strong"))
            .or_else(|| delimited(rest, "*", "em"))
            .or_else(|| link(rest))
            .unwrap_or_else(|| (rest[..1].to_owned(), &rest[1..]));
        out.push_str(&html);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// A code span: a run of backticks, its text as is, and a run of as many.
fn code(text: &str) -> Option<(String, &str)> {
    let ticks = text.len() - text.trim_start_matches('`').len();
    if ticks == 0 {
        return None;
    }
    let fence = &text[..ticks];
    let body = &text[ticks..];
    let end = body.find(fence)?;
    let inner = body[..end].trim();
    Some((format!("<code>{inner}</code>"), &body[end + ticks..]))
}

/// `**bold**` or `*emphasis*`: text that neither starts nor ends with a space, so that the `*`
/// of `a * b` stays a star.
fn delimited<'a>(text: &'a str, marker: &str, tag: &str) -> Option<(String, &'a str)> {
    let body = text.strip_prefix(marker)?;
    let end = body.find(marker)?;
    let inner = &body[..end];
    if inner.is_empty() || inner.starts_with(' ') || inner.ends_with(' ') {
        return None;
    }
    Some((
        format!("<{tag}>{}</{tag}>", spans(inner)),
        &body[end + marker.len()..],
    ))
}

/// `[text](url)`, or rustdoc's intra-doc link `` [`Name`] ``, which names an item of the
/// user's crate that this page cannot link to: its code is kept, without the brackets.
fn link(text: &str) -> Option<(String, &str)> {
    let body = text.strip_prefix('[')?;
    let close = body.find(']')?;
    let label = &body[..close];
    let after = &body[close + 1..];
    if let Some(target) = after.strip_prefix('(') {
        let end = target.find(')')?;
        let url = &target[..end];
        if !safe_url(url) {
            return None;
        }
        let html = format!("<a href=\"{url}\">{}</a>", spans(label));
        return Some((html, &target[end + 1..]));
    }
    let (code_html, left) = code(label)?;
    left.is_empty().then_some((code_html, after))
}

/// Whether `url` can only navigate: `http`, `https`, or relative (a path or a `#fragment`).
/// Another scheme (`javascript:`, `data:`) is refused, and so are spaces and control characters,
/// which browsers strip (`java\tscript:` is `javascript:` to them). Text before a `:` that is
/// no scheme (`/a:b`, `#x:y`, an escaped quote) leaves a relative URL.
fn safe_url(url: &str) -> bool {
    if url.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let is_scheme = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    };
    match url.split_once(':') {
        Some((scheme, _)) if is_scheme(scheme) => {
            scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_code_bold_emphasis_and_links() {
        assert_eq!(
            inline("Send `Last-Event-ID` **once**, *then* see [the spec](https://a.example/#sse)."),
            "Send <code>Last-Event-ID</code> <strong>once</strong>, <em>then</em> see \
             <a href=\"https://a.example/#sse\">the spec</a>."
        );
        assert_eq!(
            inline("[up](../index.html) and [here](#op-feed)"),
            "<a href=\"../index.html\">up</a> and <a href=\"#op-feed\">here</a>"
        );
    }

    #[test]
    fn code_keeps_its_text_and_double_ticks_hold_a_tick() {
        assert_eq!(
            inline("`a *b* [c](d)` and ``x ` y``"),
            "<code>a *b* [c](d)</code> and <code>x ` y</code>"
        );
        // An unclosed tick or star is text.
        assert_eq!(inline("`open and 2 * 3 *"), "`open and 2 * 3 *");
    }

    #[test]
    fn html_in_a_description_stays_text() {
        assert_eq!(
            inline("<script>alert('x')</script> `<b>`"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; <code>&lt;b&gt;</code>"
        );
        assert_eq!(
            inline("[x](https://a.example/\"onmouseover=\"alert(1))"),
            "<a href=\"https://a.example/&quot;onmouseover=&quot;alert(1\">x</a>)"
        );
    }

    #[test]
    fn a_link_that_could_run_script_is_not_a_link() {
        for url in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html,x",
            " javascript:alert(1)",
        ] {
            let html = inline(&format!("[click]({url})"));
            assert!(!html.contains("<a"), "{url}: {html}");
            assert!(html.starts_with("[click]("), "{html}");
        }
    }

    #[test]
    fn an_intra_doc_link_shows_its_code() {
        assert_eq!(
            inline("See [`SseApi::shutdown`] and [a note]."),
            "See <code>SseApi::shutdown</code> and [a note]."
        );
    }

    #[test]
    fn paragraphs_split_on_blank_lines_and_lists_on_dashes() {
        let text = "First line\ngoes on.\n\nA list:\n- one `a`\n  continued\n- two\n\nLast.";
        assert_eq!(
            markdown(text),
            "<p>First line\ngoes on.</p><p>A list:</p>\
             <ul><li>one <code>a</code> continued</li><li>two</li></ul><p>Last.</p>"
        );
    }

    #[test]
    fn one_paragraph_is_inline_in_a_cell() {
        assert_eq!(compact("The `id`."), "The <code>id</code>.");
        assert_eq!(compact("One.\n\nTwo."), "<p>One.</p><p>Two.</p>");
    }
}
