//! corridor's public log: who did what, when, provably.
//!
//! Every action (a proposal, a verdict, an acceptance, a status change, a
//! hazard) is an [`Entry`]: canonical JSON (sorted keys, no spaces), signed
//! with the acting party's ed25519 key, and appended as one line to a log
//! whose lines are the leaves of an RFC 6962 Merkle tree ([`merkle`]). Each
//! entry carries its sequence number and the tree hash of the log before it,
//! so an entry that is removed, moved or altered breaks every later one and
//! is named precisely. Tree heads are signed by the log operator; inclusion
//! and consistency proofs let anyone check one entry, or that a later log
//! extends an earlier one, without trusting the server.
//!
//! Verification ([`verify`]) needs only the log text and the parties' public
//! keys. A line must also be byte-for-byte the canonical form of what it
//! says, so no change to a single byte of a log goes unnoticed.
//!
//! **Architecture invariant:** no IO, no clock: callers pass text and times.
#![deny(missing_docs)]

pub mod merkle;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use merkle::Hash;
use serde_json::{json, Value};

/// A log entry, before signing.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Position in the log, from 0.
    pub seq: u64,
    /// When, RFC 3339 with an explicit offset.
    pub time: String,
    /// Id of the party acting (whose key signs).
    pub actor: String,
    /// What kind of action (`proposal`, `accept`, `status`, …).
    pub kind: String,
    /// The action's content.
    pub body: Value,
    /// Tree hash (hex) of the log before this entry.
    pub prev: String,
}

impl Entry {
    fn to_value(&self) -> Value {
        json!({"seq": self.seq, "time": self.time, "actor": self.actor,
               "kind": self.kind, "body": self.body, "prev": self.prev})
    }

    /// The canonical bytes that are signed.
    pub fn canonical(&self) -> Vec<u8> {
        canonical(&self.to_value())
    }

    fn from_value(v: &Value) -> Option<Entry> {
        let o = v.as_object()?;
        if o.len() != 6 {
            return None;
        }
        Some(Entry {
            seq: o.get("seq")?.as_u64()?,
            time: o.get("time")?.as_str()?.to_string(),
            actor: o.get("actor")?.as_str()?.to_string(),
            kind: o.get("kind")?.as_str()?.to_string(),
            body: o.get("body")?.clone(),
            prev: o.get("prev")?.as_str()?.to_string(),
        })
    }
}

/// A signed entry: one line of the log.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The entry.
    pub entry: Entry,
    /// Its ed25519 signature by the actor.
    pub signature: [u8; 64],
}

impl Record {
    /// The line as stored (canonical JSON, no newline).
    pub fn line(&self) -> String {
        String::from_utf8(canonical(&json!({
            "entry": self.entry.to_value(),
            "signature": hex(&self.signature),
        })))
        .expect("JSON is UTF-8")
    }
}

/// Canonical JSON: keys sorted (serde_json's map is ordered), no whitespace.
pub fn canonical(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).expect("a Value always serializes")
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses lower-case hex of exactly `N` bytes.
pub fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != 2 * N || s.bytes().any(|c| !matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// A public key as written in scenario files: `ed25519:` and 64 hex digits.
pub fn parse_public_key(s: &str) -> Result<VerifyingKey, String> {
    let hexpart = s
        .strip_prefix("ed25519:")
        .ok_or("a public key starts with `ed25519:`")?;
    let bytes = unhex::<32>(hexpart).ok_or("an ed25519 key is 64 lower-case hex digits")?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| "not a valid ed25519 public key".to_string())
}

/// A public key in the form [`parse_public_key`] reads.
pub fn format_public_key(k: &VerifyingKey) -> String {
    format!("ed25519:{}", hex(k.as_bytes()))
}

/// A secret key as stored in a key file: `ed25519-secret:` and 64 hex digits.
pub fn parse_secret_key(s: &str) -> Result<SigningKey, String> {
    let hexpart = s
        .trim()
        .strip_prefix("ed25519-secret:")
        .ok_or("a secret key file starts with `ed25519-secret:`")?;
    let bytes = unhex::<32>(hexpart).ok_or("an ed25519 secret key is 64 lower-case hex digits")?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// A secret key in the form [`parse_secret_key`] reads.
pub fn format_secret_key(k: &SigningKey) -> String {
    format!("ed25519-secret:{}", hex(&k.to_bytes()))
}

/// The log: records and the leaf hashes of their lines.
#[derive(Clone, Debug, Default)]
pub struct Log {
    records: Vec<Record>,
    leaves: Vec<Hash>,
}

impl Log {
    /// An empty log.
    pub fn new() -> Log {
        Log::default()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the log has no entries.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The records.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Tree hash of the whole log.
    pub fn root(&self) -> Hash {
        merkle::root(&self.leaves)
    }

    /// Tree hash of the first `size` entries.
    pub fn root_at(&self, size: usize) -> Hash {
        merkle::root(&self.leaves[..size.min(self.leaves.len())])
    }

    /// Leaf hash of entry `i`.
    pub fn leaf(&self, i: usize) -> Option<Hash> {
        self.leaves.get(i).copied()
    }

    /// Appends an action by `actor`, signed with `key`; returns the record.
    pub fn append(
        &mut self,
        time: &str,
        actor: &str,
        kind: &str,
        body: Value,
        key: &SigningKey,
    ) -> &Record {
        let entry = Entry {
            seq: self.records.len() as u64,
            time: time.to_string(),
            actor: actor.to_string(),
            kind: kind.to_string(),
            body,
            prev: hex(&self.root()),
        };
        let signature = key.sign(&entry.canonical()).to_bytes();
        let rec = Record { entry, signature };
        self.leaves.push(merkle::leaf_hash(rec.line().as_bytes()));
        self.records.push(rec);
        self.records.last().expect("just pushed")
    }

    /// The log as text: one line per entry.
    pub fn to_text(&self) -> String {
        self.records.iter().map(|r| r.line() + "\n").collect()
    }

    /// Audit path of entry `i` in the current tree.
    pub fn inclusion_proof(&self, i: usize) -> Vec<Hash> {
        merkle::inclusion_proof(i, &self.leaves)
    }

    /// Proof that the first `size` entries are a prefix of the current log.
    pub fn consistency_proof(&self, size: usize) -> Vec<Hash> {
        merkle::consistency_proof(size, &self.leaves)
    }

    /// The inclusion proof of entry `i` as JSON (RFC 9162 audit path), as
    /// the CLI prints it and the server serves it; `None` out of range.
    pub fn inclusion_json(&self, i: usize) -> Option<Value> {
        let leaf = self.leaf(i)?;
        Some(
            json!({"type": "inclusion", "entry": i, "tree_size": self.len(),
            "leaf_hash": hex(&leaf), "tree_hash": hex(&self.root()),
            "audit_path": self.inclusion_proof(i).iter().map(|h| hex(h)).collect::<Vec<_>>()}),
        )
    }

    /// The proof that the first `size` entries are a prefix of this log, as
    /// JSON; `None` unless `1 <= size <= len`.
    pub fn consistency_json(&self, size: usize) -> Option<Value> {
        (size >= 1 && size <= self.len()).then(|| {
            json!({"type": "consistency", "first_size": size, "first_tree_hash": hex(&self.root_at(size)),
                "second_size": self.len(), "second_tree_hash": hex(&self.root()),
                "proof": self.consistency_proof(size).iter().map(|h| hex(h)).collect::<Vec<_>>()})
        })
    }

    /// A tree head for the current log, signed by `signer` with `key`.
    pub fn head(&self, time: &str, signer: &str, key: &SigningKey) -> SignedHead {
        let head = TreeHead {
            size: self.len() as u64,
            root: hex(&self.root()),
            time: time.to_string(),
            signer: signer.to_string(),
        };
        let signature = key.sign(&head.canonical()).to_bytes();
        SignedHead { head, signature }
    }
}

/// The state of the log at one moment: its size and tree hash.
#[derive(Clone, Debug, PartialEq)]
pub struct TreeHead {
    /// Number of entries.
    pub size: u64,
    /// Tree hash, hex.
    pub root: String,
    /// When, RFC 3339 with offset.
    pub time: String,
    /// Who signs it (the log operator, e.g. the mediator).
    pub signer: String,
}

impl TreeHead {
    fn to_value(&self) -> Value {
        json!({"size": self.size, "root": self.root, "time": self.time, "signer": self.signer})
    }

    /// The canonical bytes that are signed.
    pub fn canonical(&self) -> Vec<u8> {
        canonical(&self.to_value())
    }
}

/// A signed tree head.
#[derive(Clone, Debug, PartialEq)]
pub struct SignedHead {
    /// The head.
    pub head: TreeHead,
    /// Signature by `head.signer`.
    pub signature: [u8; 64],
}

impl SignedHead {
    /// As JSON (canonical when serialized).
    pub fn to_json(&self) -> Value {
        json!({"head": self.head.to_value(), "signature": hex(&self.signature)})
    }

    /// Reads [`to_json`](Self::to_json)'s form.
    pub fn from_json(v: &Value) -> Option<SignedHead> {
        let h = v.get("head")?;
        Some(SignedHead {
            head: TreeHead {
                size: h.get("size")?.as_u64()?,
                root: h.get("root")?.as_str()?.to_string(),
                time: h.get("time")?.as_str()?.to_string(),
                signer: h.get("signer")?.as_str()?.to_string(),
            },
            signature: unhex::<64>(v.get("signature")?.as_str()?)?,
        })
    }

    /// Checks the signature with the signer's key.
    pub fn verify_signature(&self, key: &VerifyingKey) -> bool {
        key.verify(
            &self.head.canonical(),
            &Signature::from_bytes(&self.signature),
        )
        .is_ok()
    }
}

/// What is wrong with one line of a log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Line number, from 1 (0 for the log as a whole).
    pub line: usize,
    /// Stable code: `malformed`, `not_canonical`, `sequence`, `chain`,
    /// `unknown_actor`, `signature`, `head`.
    pub code: &'static str,
    /// Plain words.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.code, self.message)
        } else {
            write!(f, "line {}: {}: {}", self.line, self.code, self.message)
        }
    }
}

/// The outcome of [`verify`].
#[derive(Debug)]
pub struct Verified {
    /// The log as read (every line that parsed, in order).
    pub log: Log,
    /// Everything wrong, in line order; empty when the log is sound.
    pub problems: Vec<Problem>,
}

/// Verifies a whole log offline: each line canonical, numbered in order,
/// chained to the tree hash before it, and signed by its actor, whose key
/// `key_of` gives (`None`: not a known party).
pub fn verify(text: &str, key_of: &dyn Fn(&str) -> Option<VerifyingKey>) -> Verified {
    let mut log = Log::new();
    let mut problems = Vec::new();
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    } else if !text.is_empty() {
        problems.push(Problem {
            line: lines.len(),
            code: "malformed",
            message: "the log does not end with a newline (truncated?)".into(),
        });
    }
    for (i, line) in lines.iter().enumerate() {
        let no = i + 1;
        let bad = |code: &'static str, message: String| Problem {
            line: no,
            code,
            message,
        };
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            problems.push(bad("malformed", "not a JSON object".into()));
            continue;
        };
        let parsed = v.as_object().filter(|o| o.len() == 2).and_then(|o| {
            let entry = Entry::from_value(o.get("entry")?)?;
            let signature = unhex::<64>(o.get("signature")?.as_str()?)?;
            Some(Record { entry, signature })
        });
        let Some(rec) = parsed else {
            problems.push(bad(
                "malformed",
                "not a log record (entry with seq, time, actor, kind, body, prev; signature as 128 hex digits)".into(),
            ));
            continue;
        };
        if rec.line() != *line {
            problems.push(bad(
                "not_canonical",
                "the line is not in canonical form (edited by hand or by another tool)".into(),
            ));
        }
        let expected = log.len() as u64;
        if rec.entry.seq != expected {
            problems.push(bad(
                "sequence",
                format!(
                    "entry numbered {} where {} was expected: an entry was removed, inserted or moved",
                    rec.entry.seq, expected
                ),
            ));
        }
        if rec.entry.prev != hex(&log.root()) {
            problems.push(bad(
                "chain",
                "the tree hash it records for the log before it does not match: earlier history was changed".into(),
            ));
        }
        match key_of(&rec.entry.actor) {
            None => problems.push(bad(
                "unknown_actor",
                format!(
                    "signed as `{}`, who is not a party: forged",
                    rec.entry.actor
                ),
            )),
            Some(k) => {
                if k.verify(
                    &rec.entry.canonical(),
                    &Signature::from_bytes(&rec.signature),
                )
                .is_err()
                {
                    problems.push(bad(
                        "signature",
                        format!(
                            "the signature does not match `{}`'s key: the entry was altered or forged",
                            rec.entry.actor
                        ),
                    ));
                }
            }
        }
        log.leaves.push(merkle::leaf_hash(line.as_bytes()));
        log.records.push(rec);
    }
    Verified { log, problems }
}

/// Checks a signed tree head against a log: signature by its signer, and the
/// tree hash of the log's first `size` entries.
pub fn check_head(
    log: &Log,
    head: &SignedHead,
    key_of: &dyn Fn(&str) -> Option<VerifyingKey>,
) -> Result<(), String> {
    let Some(k) = key_of(&head.head.signer) else {
        return Err(format!(
            "tree head signed by unknown `{}`",
            head.head.signer
        ));
    };
    if !head.verify_signature(&k) {
        return Err("tree head signature does not verify".into());
    }
    if head.head.size as usize > log.len() {
        return Err(format!(
            "tree head covers {} entries but the log has {}: entries were removed",
            head.head.size,
            log.len()
        ));
    }
    if hex(&log.root_at(head.head.size as usize)) != head.head.root {
        return Err(format!(
            "the log's first {} entries do not hash to the signed tree head: history was rewritten",
            head.head.size
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn sample() -> (Log, Vec<(String, VerifyingKey)>) {
        let (a, b) = (key(1), key(2));
        let mut log = Log::new();
        log.append(
            "2022-03-05T09:00:00+02:00",
            "north",
            "proposal",
            json!({"id": "p1", "window": ["09:00", "14:00"]}),
            &a,
        );
        log.append(
            "2022-03-05T09:05:00+02:00",
            "south",
            "accept",
            json!({"proposal": "p1"}),
            &b,
        );
        log.append(
            "2022-03-05T09:06:00+02:00",
            "north",
            "accept",
            json!({"proposal": "p1"}),
            &a,
        );
        let keys = vec![
            ("north".to_string(), a.verifying_key()),
            ("south".to_string(), b.verifying_key()),
        ];
        (log, keys)
    }

    #[test]
    fn a_sound_log_verifies() {
        let (log, keys) = sample();
        let key_of = |id: &str| keys.iter().find(|k| k.0 == id).map(|k| k.1);
        let v = verify(&log.to_text(), &key_of);
        assert!(v.problems.is_empty(), "{:?}", v.problems);
        assert_eq!(v.log.root(), log.root());
        let head = log.head("2022-03-05T09:07:00+02:00", "north", &key(1));
        assert_eq!(check_head(&v.log, &head, &key_of), Ok(()));
    }

    #[test]
    fn every_single_byte_change_is_caught() {
        let (log, keys) = sample();
        let key_of = |id: &str| keys.iter().find(|k| k.0 == id).map(|k| k.1);
        let text = log.to_text().into_bytes();
        let head = log.head("2022-03-05T09:07:00+02:00", "north", &key(1));
        for i in 0..text.len() {
            for delta in [1u8, 0x20, 0x80] {
                let mut t = text.clone();
                t[i] ^= delta;
                let Ok(s) = String::from_utf8(t) else {
                    continue; // not text: no reader gets this far
                };
                let v = verify(&s, &key_of);
                let caught = !v.problems.is_empty() || check_head(&v.log, &head, &key_of).is_err();
                assert!(caught, "byte {i} ^ {delta:#x} went unnoticed");
            }
        }
    }

    #[test]
    fn removal_reordering_and_forgery_are_named() {
        let (log, keys) = sample();
        let key_of = |id: &str| keys.iter().find(|k| k.0 == id).map(|k| k.1);
        let lines: Vec<String> = log.records().iter().map(|r| r.line()).collect();
        let codes = |text: String| -> Vec<(usize, &'static str)> {
            verify(&text, &key_of)
                .problems
                .iter()
                .map(|p| (p.line, p.code))
                .collect()
        };
        // The middle entry removed.
        let removed = format!("{}\n{}\n", lines[0], lines[2]);
        assert_eq!(codes(removed), vec![(2, "sequence"), (2, "chain")]);
        // Two entries swapped.
        let swapped = format!("{}\n{}\n{}\n", lines[0], lines[2], lines[1]);
        assert!(codes(swapped).contains(&(2, "sequence")));
        // An entry signed by a key nobody registered.
        let mut forged = log.clone();
        forged.append(
            "2022-03-05T10:00:00+02:00",
            "south",
            "cancel",
            json!({}),
            &key(9),
        );
        assert_eq!(codes(forged.to_text()), vec![(4, "signature")]);
        let mut stranger = log.clone();
        stranger.append(
            "2022-03-05T10:00:00+02:00",
            "eve",
            "cancel",
            json!({}),
            &key(9),
        );
        assert_eq!(codes(stranger.to_text()), vec![(4, "unknown_actor")]);
    }

    #[test]
    fn a_rewritten_history_fails_the_consistency_proof() {
        let (log, _) = sample();
        let old_size = 2;
        let old_root = log.root_at(old_size);
        // The honest log grows: the proof holds.
        let mut grown = log.clone();
        grown.append(
            "2022-03-05T11:00:00+02:00",
            "north",
            "status",
            json!({"to": "open"}),
            &key(1),
        );
        let proof = grown.consistency_proof(old_size);
        assert!(merkle::verify_consistency(
            old_size as u64,
            grown.len() as u64,
            &old_root,
            &grown.root(),
            &proof
        ));
        // A log that rewrote entry 1 and grew: no proof from it holds.
        let mut rewritten = Log::new();
        let r0 = &log.records()[0].entry;
        rewritten.append(&r0.time, &r0.actor, &r0.kind, r0.body.clone(), &key(1));
        rewritten.append(
            "2022-03-05T09:05:00+02:00",
            "south",
            "reject",
            json!({"proposal": "p1"}),
            &key(2),
        );
        rewritten.append(
            "2022-03-05T09:06:00+02:00",
            "north",
            "accept",
            json!({"proposal": "p1"}),
            &key(1),
        );
        rewritten.append(
            "2022-03-05T11:00:00+02:00",
            "north",
            "status",
            json!({"to": "open"}),
            &key(1),
        );
        let proof = rewritten.consistency_proof(old_size);
        assert!(!merkle::verify_consistency(
            old_size as u64,
            rewritten.len() as u64,
            &old_root,
            &rewritten.root(),
            &proof
        ));
        // Inclusion proofs check single entries.
        for i in 0..grown.len() {
            let p = grown.inclusion_proof(i);
            let leaf = grown.leaf(i).unwrap();
            assert!(merkle::verify_inclusion(
                i as u64,
                grown.len() as u64,
                &leaf,
                &p,
                &grown.root()
            ));
        }
    }
}
