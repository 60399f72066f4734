//! Doc comments as data: a handler's summary and description, an event's description.

use syn::{Attribute, Expr, ExprLit, Lit, Meta};

/// The text of a doc comment, split the way OpenAPI wants it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Docs {
    /// The whole text, trimmed; `None` without a doc comment.
    pub(crate) full: Option<String>,
    /// The first paragraph, its lines joined with spaces.
    pub(crate) summary: Option<String>,
    /// The paragraphs after the first.
    pub(crate) description: Option<String>,
}

/// Whether `attr` is a doc comment (`///`, `/** */` or `#[doc = ...]`).
pub(crate) fn is_doc(attr: &Attribute) -> bool {
    attr.path().is_ident("doc")
}

/// Reads the doc comment out of `attrs`. `#[doc = ...]` attributes whose value is not a string
/// literal (`include_str!`, say) are skipped.
pub(crate) fn extract(attrs: &[Attribute]) -> Docs {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|attr| is_doc(attr)) {
        if let Meta::NameValue(nv) = &attr.meta {
            if let Expr::Lit(ExprLit {
                lit: Lit::Str(text),
                ..
            }) = &nv.value
            {
                // `split`, not `lines`: the empty `///` line between paragraphs is one line.
                lines.extend(text.value().split('\n').map(str::to_owned));
            }
        }
    }
    from_lines(&lines)
}

fn from_lines(lines: &[String]) -> Docs {
    // Strip the indentation common to all non-blank lines, as rustdoc does. Counted in
    // characters, not bytes: lines may be indented with different (multi-byte) spaces.
    let indent = lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.chars().take_while(|c| c.is_whitespace()).count())
        .min()
        .unwrap_or(0);
    let lines: Vec<&str> = lines
        .iter()
        .map(|line| match line.char_indices().nth(indent) {
            Some((start, _)) if !line.trim().is_empty() => line[start..].trim_end(),
            _ => "",
        })
        .collect();
    let start = lines.iter().position(|line| !line.is_empty());
    let end = lines.iter().rposition(|line| !line.is_empty());
    let (Some(start), Some(end)) = (start, end) else {
        return Docs::default();
    };
    let lines = &lines[start..=end];
    let full = lines.join("\n");
    let first_blank = lines
        .iter()
        .position(|line| line.is_empty())
        .unwrap_or(lines.len());
    let summary = lines[..first_blank]
        .iter()
        .map(|line| line.trim())
        .collect::<Vec<_>>()
        .join(" ");
    let description = lines[first_blank..].join("\n").trim().to_owned();
    Docs {
        full: Some(full),
        summary: Some(summary),
        description: (!description.is_empty()).then_some(description),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(text: &[&str]) -> Docs {
        from_lines(&text.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn first_paragraph_is_the_summary_and_the_rest_the_description() {
        let d = docs(&[
            " Streams a room.",
            " Second line.",
            "",
            " More.",
            "",
            "   code",
        ]);
        assert_eq!(d.summary.as_deref(), Some("Streams a room. Second line."));
        assert_eq!(d.description.as_deref(), Some("More.\n\n  code"));
        assert_eq!(
            d.full.as_deref(),
            Some("Streams a room.\nSecond line.\n\nMore.\n\n  code")
        );
    }

    #[test]
    fn empty_doc_lines_separate_paragraphs() {
        let attrs: Vec<Attribute> = vec![
            syn::parse_quote!(#[doc = " One."]),
            syn::parse_quote!(#[doc = ""]),
            syn::parse_quote!(#[doc = " Two."]),
        ];
        let d = extract(&attrs);
        assert_eq!(d.full.as_deref(), Some("One.\n\nTwo."));
        assert_eq!(d.description.as_deref(), Some("Two."));
    }

    #[test]
    fn indentation_with_multi_byte_spaces_is_stripped_by_character() {
        // One ASCII space on one line, an ideographic space (three bytes) on the other: slicing
        // the second line by the first one's byte count would cut a character.
        let d = docs(&[
            " First.",
            "\u{3000}Second.",
            "",
            "\u{3000}More:",
            "\u{3000}\u{3000}indented.",
        ]);
        assert_eq!(d.summary.as_deref(), Some("First. Second."));
        assert_eq!(d.description.as_deref(), Some("More:\n\u{3000}indented."));
    }

    #[test]
    fn no_doc_comment_gives_nothing() {
        assert_eq!(docs(&[]), Docs::default());
        assert_eq!(docs(&["", "  "]), Docs::default());
        assert_eq!(docs(&[" One."]).description, None);
    }
}
