//! The versioned binary graph file.
//!
//! Layout (all integers little-endian):
//!
//! | offset | size | content |
//! |---|---|---|
//! | 0 | 16 | [`MAGIC`] |
//! | 16 | 4 | format version ([`FORMAT_VERSION`]) |
//! | 20 | 4 | reserved, 0 |
//! | 24 | 8 | body length in bytes |
//! | 32 | 32 | SHA-256 of the body |
//! | 64 | … | body: sections, each a `u64` element count then the elements |
//!
//! The last section holds the [`Contraction`](crate::Contraction)s, one per
//! profile or none: a `u64` count, then for each `rank`, `first_up`, `up_head`.
//! Version 2 added it; version 1 files are refused with a message to
//! re-import.
//!
//! The header is checked first (magic, version, length, checksum), then the
//! body is decoded with bounds checks and the graph is validated, so a file
//! that passes the checksum but was written by a buggy or hostile program is
//! still refused with a message and never panics the reader.

use crate::{GraphMeta, RoadGraph};
use sha2::{Digest, Sha256};

/// First bytes of every corridor graph file.
pub const MAGIC: &[u8; 16] = b"CORRIDOR-GRAPH\0\x1a";
/// Format version written by this build; other versions are refused.
pub const FORMAT_VERSION: u32 = 2;
const HEADER_LEN: usize = 64;

/// Why a graph file was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum GraphFileError {
    /// The file does not start with the corridor magic.
    #[error("not a corridor graph file (no CORRIDOR-GRAPH header); make one with `corridor import EXTRACT.osm.pbf -o REGION.graph`")]
    NotAGraph,
    /// Written by another format version.
    #[error("graph file format version {found}, but this corridor reads version {expected}; re-import the extract with this version")]
    Version {
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        expected: u32,
    },
    /// Shorter than its header says.
    #[error("graph file is truncated: {found} bytes, expected {expected}")]
    Truncated {
        /// Bytes present.
        found: u64,
        /// Bytes the header announces.
        expected: u64,
    },
    /// The body does not match its checksum.
    #[error("graph file is damaged: its SHA-256 checksum does not match")]
    Checksum,
    /// Checksum fine, content inconsistent.
    #[error("graph file is corrupt: {0}")]
    Corrupt(String),
}

impl RoadGraph {
    /// Encodes the graph into the versioned file format.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(64 + self.num_edges() * 64 + self.shape_lat.len() * 8);
        put_str(&mut body, &self.meta.source);
        put_str(&mut body, &self.meta.policy);
        put_i32s(&mut body, &self.node_lat);
        put_i32s(&mut body, &self.node_lon);
        put_i64s(&mut body, &self.node_osm);
        put_u32s(&mut body, &self.edge_tail);
        put_u32s(&mut body, &self.edge_head);
        put_i64s(&mut body, &self.edge_way);
        put_u32s(&mut body, &self.edge_name);
        put_u32s(&mut body, &self.edge_ref);
        put_u64(&mut body, self.edge_flags.len() as u64);
        body.extend_from_slice(&self.edge_flags);
        put_u64(&mut body, self.edge_length_m.len() as u64);
        for x in &self.edge_length_m {
            body.extend_from_slice(&x.to_le_bytes());
        }
        put_u32s(&mut body, &self.shape_first);
        put_i32s(&mut body, &self.shape_lat);
        put_i32s(&mut body, &self.shape_lon);
        for p in &self.time_ms {
            for d in p {
                put_u32s(&mut body, d);
            }
        }
        put_u64(&mut body, self.strings.len() as u64);
        for s in &self.strings {
            put_str(&mut body, s);
        }
        put_u64(&mut body, self.contractions.len() as u64);
        for c in &self.contractions {
            put_u32s(&mut body, &c.rank);
            put_u32s(&mut body, &c.first_up);
            put_u32s(&mut body, &c.up_head);
        }
        let mut out = Vec::with_capacity(HEADER_LEN + body.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&Sha256::digest(&body));
        out.extend_from_slice(&body);
        out
    }

    /// Decodes and validates a graph file.
    pub fn from_bytes(bytes: &[u8]) -> Result<RoadGraph, GraphFileError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(GraphFileError::NotAGraph);
        }
        if bytes.len() < HEADER_LEN {
            return Err(GraphFileError::Truncated {
                found: bytes.len() as u64,
                expected: HEADER_LEN as u64,
            });
        }
        let version = u32::from_le_bytes(bytes[16..20].try_into().expect("4 bytes"));
        if version != FORMAT_VERSION {
            return Err(GraphFileError::Version {
                found: version,
                expected: FORMAT_VERSION,
            });
        }
        let body_len = u64::from_le_bytes(bytes[24..32].try_into().expect("8 bytes"));
        let expected = (HEADER_LEN as u64).saturating_add(body_len);
        if (bytes.len() as u64) < expected {
            return Err(GraphFileError::Truncated {
                found: bytes.len() as u64,
                expected,
            });
        }
        if (bytes.len() as u64) > expected {
            return Err(GraphFileError::Corrupt(format!(
                "{} bytes of trailing data after the body",
                bytes.len() as u64 - expected
            )));
        }
        let body = &bytes[HEADER_LEN..];
        if Sha256::digest(body).as_slice() != &bytes[32..64] {
            return Err(GraphFileError::Checksum);
        }
        decode_body(body)
    }
}

/// Decodes a body without the checksum check: the entry point for fuzzing the
/// decoder itself, which must refuse any input without panicking.
pub fn decode_body(body: &[u8]) -> Result<RoadGraph, GraphFileError> {
    let mut r = Reader { buf: body, pos: 0 };
    let mut g = RoadGraph {
        meta: GraphMeta {
            source: r.string()?,
            policy: r.string()?,
        },
        ..Default::default()
    };
    g.node_lat = r.i32s()?;
    g.node_lon = r.i32s()?;
    g.node_osm = r.i64s()?;
    g.edge_tail = r.u32s()?;
    g.edge_head = r.u32s()?;
    g.edge_way = r.i64s()?;
    g.edge_name = r.u32s()?;
    g.edge_ref = r.u32s()?;
    let n = r.count(1)?;
    g.edge_flags = r.take(n)?.to_vec();
    let n = r.count(8)?;
    g.edge_length_m = r
        .take(n * 8)?
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    g.shape_first = r.u32s()?;
    g.shape_lat = r.i32s()?;
    g.shape_lon = r.i32s()?;
    for p in 0..2 {
        for d in 0..2 {
            g.time_ms[p][d] = r.u32s()?;
        }
    }
    let n = r.count(8)?;
    g.strings = (0..n)
        .map(|_| r.string().map(std::sync::Arc::from))
        .collect::<Result<_, _>>()?;
    let k = r.count(12)?;
    for _ in 0..k {
        g.contractions.push(crate::Contraction {
            rank: r.u32s()?,
            first_up: r.u32s()?,
            up_head: r.u32s()?,
        });
    }
    if r.pos != body.len() {
        return Err(GraphFileError::Corrupt(
            "unexpected data after the last section".into(),
        ));
    }
    g.validate().map_err(GraphFileError::Corrupt)?;
    Ok(g)
}

fn put_u64(out: &mut Vec<u8>, x: u64) {
    out.extend_from_slice(&x.to_le_bytes());
}
fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u64(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}
fn put_u32s(out: &mut Vec<u8>, v: &[u32]) {
    put_u64(out, v.len() as u64);
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}
fn put_i32s(out: &mut Vec<u8>, v: &[i32]) {
    put_u64(out, v.len() as u64);
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}
fn put_i64s(out: &mut Vec<u8>, v: &[i64]) {
    put_u64(out, v.len() as u64);
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], GraphFileError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| {
                GraphFileError::Corrupt("a section runs past the end of the body".into())
            })?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    /// Reads an element count and checks that `count * size` bytes can follow.
    fn count(&mut self, size: usize) -> Result<usize, GraphFileError> {
        let n = u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes"));
        let left = (self.buf.len() - self.pos) as u64;
        if n.checked_mul(size as u64).is_none_or(|b| b > left) {
            return Err(GraphFileError::Corrupt(format!(
                "a section claims {n} elements, more than the body holds"
            )));
        }
        Ok(n as usize)
    }
    fn u32s(&mut self) -> Result<Vec<u32>, GraphFileError> {
        let n = self.count(4)?;
        Ok(self
            .take(n * 4)?
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect())
    }
    fn i32s(&mut self) -> Result<Vec<i32>, GraphFileError> {
        let n = self.count(4)?;
        Ok(self
            .take(n * 4)?
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect())
    }
    fn i64s(&mut self) -> Result<Vec<i64>, GraphFileError> {
        let n = self.count(8)?;
        Ok(self
            .take(n * 8)?
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect())
    }
    fn string(&mut self) -> Result<String, GraphFileError> {
        let n = self.count(1)?;
        String::from_utf8(self.take(n)?.to_vec())
            .map_err(|_| GraphFileError::Corrupt("a name is not valid UTF-8".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let g = crate::testgraph::grid(4, 3);
        g.validate().unwrap();
        let bytes = g.to_bytes();
        assert_eq!(RoadGraph::from_bytes(&bytes).unwrap(), g);
    }

    #[test]
    fn refuses_damage() {
        let g = crate::testgraph::grid(4, 3);
        let bytes = g.to_bytes();
        assert_eq!(
            RoadGraph::from_bytes(b"PBF..."),
            Err(GraphFileError::NotAGraph)
        );
        assert!(matches!(
            RoadGraph::from_bytes(&bytes[..bytes.len() - 10]),
            Err(GraphFileError::Truncated { .. })
        ));
        let mut v = bytes.clone();
        v[16] = 99;
        assert_eq!(
            RoadGraph::from_bytes(&v),
            Err(GraphFileError::Version {
                found: 99,
                expected: FORMAT_VERSION
            })
        );
        let mut v = bytes.clone();
        let last = v.len() - 1;
        v[last] ^= 0x55;
        assert_eq!(RoadGraph::from_bytes(&v), Err(GraphFileError::Checksum));
    }

    /// A file with an honest header and checksum around `body`: what a
    /// buggy or hostile writer would produce.
    fn seal(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&Sha256::digest(body));
        out.extend_from_slice(body);
        out
    }

    /// Two nodes, one edge, with a (trivially valid) contraction per profile.
    fn small() -> RoadGraph {
        let mut g = crate::testgraph::grid(2, 1);
        let c = crate::Contraction {
            rank: vec![0, 1],
            first_up: vec![0, 1, 1],
            up_head: vec![1],
        };
        g.contractions = vec![c.clone(), c];
        g.validate().unwrap();
        g
    }

    // issue 12: a graph file with a valid checksum but `shape_first` =
    // u32::MAX panicked in `validate` (overflow, then an index out of
    // range). Every index field out of range must be a clean error.
    #[test]
    fn issue_12_indices_out_of_range_with_valid_checksum_are_refused() {
        let g = small();
        let good = g.to_bytes();
        // The raw bytes, patched and resealed: `shape_first` is the section
        // after the edge lengths; find it by its content [0, 2].
        let body = &good[HEADER_LEN..];
        let mut needle = 2u64.to_le_bytes().to_vec();
        for x in [0u32, 2] {
            needle.extend_from_slice(&x.to_le_bytes());
        }
        let at = body
            .windows(needle.len())
            .position(|w| w == needle.as_slice())
            .expect("shape_first section");
        for (slot, value) in [
            (1, u32::MAX),
            (0, u32::MAX),
            (1, u32::MAX - 1),
            (1, 1),
            (0, 2),
        ] {
            let mut b = body.to_vec();
            let o = at + 8 + slot * 4;
            b[o..o + 4].copy_from_slice(&value.to_le_bytes());
            let file = seal(&b);
            assert!(
                matches!(
                    RoadGraph::from_bytes(&file),
                    Err(GraphFileError::Corrupt(_))
                ),
                "shape_first[{slot}] = {value}"
            );
        }
        // Every other index field, through the honest encoder.
        type Mutation = fn(&mut RoadGraph);
        let mutations: &[(&str, Mutation)] = &[
            ("shape_first", |g| g.shape_first[1] = u32::MAX),
            ("shape_first last", |g| {
                *g.shape_first.last_mut().unwrap() = u32::MAX
            }),
            ("edge_tail", |g| g.edge_tail[0] = u32::MAX),
            ("edge_head", |g| g.edge_head[0] = 2),
            ("edge_name", |g| g.edge_name[0] = u32::MAX),
            ("edge_ref", |g| g.edge_ref[0] = 1),
            ("time", |g| g.time_ms[1][0][0] = u32::MAX),
            ("length", |g| g.edge_length_m[0] = f64::NAN),
            ("node_lat", |g| g.node_lat[0] = i32::MAX),
            ("rank", |g| g.contractions[0].rank[0] = u32::MAX),
            ("first_up", |g| g.contractions[1].first_up[1] = u32::MAX),
            ("first_up end", |g| g.contractions[0].first_up[2] = u32::MAX),
            ("up_head", |g| g.contractions[0].up_head[0] = u32::MAX),
            ("contractions", |g| {
                g.contractions.pop();
            }),
        ];
        for (what, mutate) in mutations {
            let mut bad = small();
            mutate(&mut bad);
            let got = RoadGraph::from_bytes(&bad.to_bytes());
            assert!(
                matches!(got, Err(GraphFileError::Corrupt(_))),
                "{what}: {got:?}"
            );
        }
    }

    #[test]
    fn body_decoder_never_panics_on_mutations() {
        let g = crate::testgraph::grid(3, 3);
        let bytes = g.to_bytes();
        let body = &bytes[HEADER_LEN..];
        // Flip every byte in turn: each result is Ok or a clean error.
        for i in 0..body.len() {
            let mut b = body.to_vec();
            b[i] ^= 0xff;
            let _ = decode_body(&b);
            let _ = decode_body(&body[..i]);
        }
    }
}
