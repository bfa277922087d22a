//! Bodies compressed once and served many times: the page and its scripts,
//! the public files of a log state, map tiles. A GET of any of them costs a
//! header check and a copy of shared bytes, never a compression, and a
//! client that already has the bytes (`If-None-Match`) gets 304.
//!
//! The response carries `Content-Encoding: gzip` itself, so the
//! compression layer of the router leaves it alone.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use std::io::Write;

/// A body, its gzip form and its entity tag.
#[derive(Clone, Debug)]
pub struct Precompressed {
    raw: Bytes,
    gz: Option<Bytes>,
    etag: HeaderValue,
    etag_gz: HeaderValue,
    content_type: &'static str,
}

impl Precompressed {
    /// Compresses `raw` once (gzip, best compression); a body that does not
    /// shrink is kept plain only.
    pub fn new(raw: impl Into<Bytes>, content_type: &'static str) -> Precompressed {
        let raw: Bytes = raw.into();
        let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::best());
        let gz = enc
            .write_all(&raw)
            .and_then(|_| enc.finish())
            .ok()
            .filter(|g| g.len() < raw.len())
            .map(Bytes::from);
        let tag: String = Sha256::digest(&raw)[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Precompressed {
            raw,
            gz,
            etag: HeaderValue::from_str(&format!("\"{tag}\"")).expect("hex is a valid header"),
            etag_gz: HeaderValue::from_str(&format!("\"{tag}-gz\""))
                .expect("hex is a valid header"),
            content_type,
        }
    }

    /// The uncompressed body.
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }

    /// Bytes on the wire for a client that takes gzip (the plain body when
    /// gzip would not shrink it).
    pub fn wire_len(&self) -> usize {
        self.gz.as_ref().unwrap_or(&self.raw).len()
    }

    /// The response for a request with these headers: gzip when the client
    /// takes it, 304 when it has this version, with `cache` as
    /// `Cache-Control`. Nothing is copied or formatted: the headers are
    /// made once, the body is a shared `Bytes`.
    pub fn respond(&self, req: &HeaderMap, cache: &'static str) -> Response {
        let gz = self.gz.as_ref().filter(|_| accepts_gzip(req));
        // Each form its own tag (RFC 9110 §8.8.3); compared weakly, as a
        // proxy that recompresses may weaken it (W/"…").
        let etag = if gz.is_some() {
            &self.etag_gz
        } else {
            &self.etag
        };
        let mut h = HeaderMap::with_capacity(8);
        h.insert(header::ETAG, etag.clone());
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        if self.not_modified(req) {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            *r.headers_mut() = h;
            return r;
        }
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        // No browser guesses another type than the one given, and an HTML
        // file (the public index) runs under the page's policy.
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        if self.content_type.starts_with("text/html") {
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(crate::routes::public::CSP),
            );
        }
        let body = match gz {
            Some(gz) => {
                h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                gz.clone()
            }
            None => self.raw.clone(),
        };
        let mut r = Response::new(Body::from(body));
        *r.headers_mut() = h;
        r
    }

    /// Whether `If-None-Match` names either form (or `*`), weakly compared.
    fn not_modified(&self, req: &HeaderMap) -> bool {
        fn opaque(t: &[u8]) -> &[u8] {
            let t = t.trim_ascii();
            t.strip_prefix(b"W/").unwrap_or(t)
        }
        let ours = [self.etag.as_bytes(), self.etag_gz.as_bytes()];
        req.get_all(header::IF_NONE_MATCH)
            .iter()
            .flat_map(|v| v.as_bytes().split(|b| *b == b','))
            .any(|t| {
                let t = opaque(t);
                t == b"*" || ours.contains(&t)
            })
    }
}

/// Whether `Accept-Encoding` takes gzip (or `*`) with a non-zero quality.
pub fn accepts_gzip(req: &HeaderMap) -> bool {
    req.get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && q > 0.0
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hm(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn gzip_is_chosen_by_the_accept_encoding_qualities() {
        assert!(accepts_gzip(&hm(&[(
            "accept-encoding",
            "gzip, deflate, br"
        )])));
        assert!(accepts_gzip(&hm(&[(
            "accept-encoding",
            "br;q=1.0, GZIP;q=0.5"
        )])));
        assert!(accepts_gzip(&hm(&[("accept-encoding", "*")])));
        assert!(!accepts_gzip(&hm(&[("accept-encoding", "gzip;q=0")])));
        assert!(!accepts_gzip(&hm(&[("accept-encoding", "identity")])));
        assert!(!accepts_gzip(&hm(&[])));
    }

    #[test]
    fn a_body_is_served_compressed_plain_or_not_at_all() {
        let p = Precompressed::new("corridor ".repeat(1000), "text/plain");
        assert!(p.wire_len() < 200);
        let r = p.respond(&hm(&[("accept-encoding", "gzip")]), "no-cache");
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
        let r = p.respond(&hm(&[]), "no-cache");
        assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
        let tag = r.headers()[header::ETAG].to_str().unwrap().to_string();
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&tag).unwrap());
        assert_eq!(p.respond(&h, "no-cache").status(), StatusCode::NOT_MODIFIED);
        // The gzip form has its own tag; a weakened one still matches.
        let r = p.respond(&hm(&[("accept-encoding", "gzip")]), "no-cache");
        let gz_tag = r.headers()[header::ETAG].to_str().unwrap().to_string();
        assert_ne!(gz_tag, tag);
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&format!("W/{gz_tag}")).unwrap(),
        );
        assert_eq!(p.respond(&h, "no-cache").status(), StatusCode::NOT_MODIFIED);
        // Too small to shrink: plain only.
        let p = Precompressed::new("ok", "text/plain");
        let r = p.respond(&hm(&[("accept-encoding", "gzip")]), "no-cache");
        assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
    }
}
