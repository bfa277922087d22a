//! Exclusive XML canonicalization 1.0 (without comments) of the subset of
//! XML corridor writes: elements in the default namespace, unqualified
//! attributes and text. Anything else is refused, never guessed at.

use crate::{Error, NS_DSIG};
use roxmltree::{Document, Node, NodeType, ParsingOptions};

/// Parses with no DTD (so no entity expansion) and bounded nesting.
pub(crate) fn parse(xml: &str) -> Result<Document<'_>, Error> {
    let opt = ParsingOptions {
        allow_dtd: false,
        nodes_limit: 1_000_000,
    };
    Document::parse_with_options(xml, opt).map_err(|e| Error::Xml(e.to_string()))
}

/// The root's enveloped `Signature` child, if any.
pub(crate) fn signature_of<'a, 'i>(root: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
    root.children().find(|c| {
        c.is_element()
            && c.tag_name().name() == "Signature"
            && c.tag_name().namespace() == Some(NS_DSIG)
    })
}

/// The canonical form of `xml`'s root element, with the whitespace-only
/// text between elements dropped when `compact`.
pub fn canonical(xml: &str, compact: bool) -> Result<String, Error> {
    let doc = parse(xml)?;
    write(doc.root_element(), compact, None)
}

/// Canonical form of the subtree at `node` (the apex of the node set, so it
/// renders its namespace), leaving out `skip` (the enveloped signature).
pub(crate) fn write(
    node: Node<'_, '_>,
    compact: bool,
    skip: Option<Node<'_, '_>>,
) -> Result<String, Error> {
    let mut out = String::new();
    element(node, "", compact, skip, &mut out, 0)?;
    Ok(out)
}

fn element(
    node: Node<'_, '_>,
    rendered_default: &str,
    compact: bool,
    skip: Option<Node<'_, '_>>,
    out: &mut String,
    depth: usize,
) -> Result<(), Error> {
    if depth > 64 {
        return Err(Error::Unsupported("elements nested deeper than 64".into()));
    }
    let name = node.tag_name();
    let ns = name.namespace().unwrap_or("");
    if node.default_namespace().unwrap_or("") != ns {
        return Err(Error::Unsupported(format!(
            "element `{}` has a namespace prefix",
            name.name()
        )));
    }
    out.push('<');
    out.push_str(name.name());
    // Exclusive C14N: the default namespace is visibly used by an
    // unprefixed element; render it where the output parent did not.
    if ns != rendered_default {
        out.push_str(" xmlns=\"");
        attr_escape(ns, out);
        out.push('"');
    }
    let mut attrs: Vec<(&str, &str)> = Vec::new();
    for a in node.attributes() {
        if a.namespace().is_some() {
            return Err(Error::Unsupported(format!(
                "attribute `{}` has a namespace",
                a.name()
            )));
        }
        attrs.push((a.name(), a.value()));
    }
    attrs.sort();
    for (k, v) in attrs {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        attr_escape(v, out);
        out.push('"');
    }
    out.push('>');
    for c in node.children() {
        if Some(c) == skip {
            continue;
        }
        match c.node_type() {
            NodeType::Element => element(c, ns, compact, skip, out, depth + 1)?,
            NodeType::Text => {
                let t = c.text().unwrap_or("");
                if compact && t.chars().all(|ch| matches!(ch, ' ' | '\t' | '\n' | '\r')) {
                    continue;
                }
                text_escape(t, out);
            }
            NodeType::Comment => {}
            NodeType::PI => {
                return Err(Error::Unsupported("processing instruction".into()));
            }
            NodeType::Root => {}
        }
    }
    out.push_str("</");
    out.push_str(name.name());
    out.push('>');
    Ok(())
}

fn text_escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

fn attr_escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}
