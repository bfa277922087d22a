//! Enveloped XML signatures (W3C XML-DSig 1.1) for the documents corridor
//! writes itself, chiefly CAP 1.2 alerts (CAP 1.2 §3.3.2.1: an enveloped
//! `Signature` as the last child of `alert`, carrying the signer's X.509
//! certificate).
//!
//! * [`Signer::sign`] puts a document into compact canonical form (exclusive
//!   C14N, with the whitespace between elements dropped), digests it with
//!   SHA-256 and signs the canonical `SignedInfo` with ECDSA P-256. Signing
//!   is deterministic (RFC 6979 nonces): the same document and key always
//!   give the same bytes, so a log published twice is byte-identical.
//! * [`verify`] checks such a signature again (our own check; CI also runs
//!   two independent verifiers, xmlsec1 and capvalidator/signxml).
//! * [`new_publisher`] makes a publisher's key and self-signed certificate.
//!
//! Why the whitespace goes: alert hubs commonly parse with "remove blank
//! text" before verifying (capvalidator does), which changes the digest of
//! an indented document; a compact one reads the same to every verifier.
//!
//! Scope: the canonicalizer handles the XML corridor writes (elements in the
//! default namespace, unqualified attributes, text); anything else, such as a
//! prefixed element, a processing instruction or a DTD, is refused with
//! [`Error::Unsupported`] rather than canonicalized wrongly.
//!
//! **Architecture invariant:** no IO. Randomness and the clock come in as
//! arguments.
#![deny(missing_docs)]

mod c14n;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use sha2::{Digest, Sha256};
use std::time::SystemTime;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::der::asn1::{Any, ObjectIdentifier};
use x509_cert::der::Tag;
use x509_cert::der::{Decode, DecodePem, Encode, EncodePem};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{EncodePublicKey, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};
use x509_cert::Certificate;

pub use c14n::canonical;

/// The XML-DSig namespace.
pub const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Exclusive XML canonicalization 1.0 (without comments).
pub const ALG_EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// The enveloped-signature transform.
pub const ALG_ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
/// ECDSA on P-256 with SHA-256 (RFC 6931).
pub const ALG_ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
/// SHA-256 digests.
pub const ALG_SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

/// Why a document could not be signed or verified.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// Not well-formed XML.
    #[error("not well-formed XML: {0}")]
    Xml(String),
    /// Well-formed, but outside what this crate canonicalizes.
    #[error("unsupported XML: {0}")]
    Unsupported(String),
    /// The private key could not be read.
    #[error("the publisher's key: {0}")]
    Key(String),
    /// The certificate could not be read or made.
    #[error("the publisher's certificate: {0}")]
    Certificate(String),
    /// The key and the certificate do not belong together.
    #[error("the key and the certificate do not belong together: the certificate's public key is not the key's")]
    Mismatch,
    /// A name that cannot go into a certificate.
    #[error("the publisher's name: {0}")]
    Name(String),
    /// The document already carries a signature.
    #[error("the document is already signed")]
    AlreadySigned,
    /// The document carries no signature.
    #[error("the document is not signed")]
    Unsigned,
    /// The signature element is not the kind this crate makes.
    #[error("the signature is malformed: {0}")]
    Malformed(String),
    /// The digest differs: the document was changed after signing.
    #[error("the digest does not match: the document was changed after it was signed")]
    Digest,
    /// The signature does not verify with the certificate it carries.
    #[error("the signature does not verify with the certificate in the document")]
    Signature,
}

/// A publisher's signing key and X.509 certificate.
#[derive(Clone)]
pub struct Signer {
    key: SigningKey,
    cert_der: Vec<u8>,
    /// Documents signed already, by the SHA-256 of the unsigned text: a
    /// server publishes every alert again at each new log entry, and
    /// signing is deterministic, so the answer is remembered (bounded).
    memo: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<[u8; 32], String>>>,
}

/// Most signed documents remembered per signer.
const MEMO: usize = 4096;

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        write!(f, "Signer({})", self.fingerprint())
    }
}

impl Signer {
    /// A signer from a PKCS#8 PEM private key (P-256) and a PEM certificate
    /// whose public key is that key's.
    pub fn from_pem(key_pem: &str, cert_pem: &str) -> Result<Signer, Error> {
        let key = SigningKey::from_pkcs8_pem(key_pem).map_err(|e| {
            Error::Key(format!(
                "not a PKCS#8 PEM P-256 private key (`corridor keygen --publisher` makes one): {e}"
            ))
        })?;
        let cert = Certificate::from_pem(cert_pem.as_bytes())
            .map_err(|e| Error::Certificate(format!("not a PEM X.509 certificate: {e}")))?;
        let cert_der = cert
            .to_der()
            .map_err(|e| Error::Certificate(e.to_string()))?;
        let ours = key
            .verifying_key()
            .to_public_key_der()
            .map_err(|e| Error::Key(e.to_string()))?;
        let theirs = cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| Error::Certificate(e.to_string()))?;
        if ours.as_bytes() != theirs.as_slice() {
            return Err(Error::Mismatch);
        }
        Ok(Signer {
            key,
            cert_der,
            memo: Default::default(),
        })
    }

    /// The certificate, PEM, as alert hubs take it.
    pub fn certificate_pem(&self) -> String {
        let b64 = B64.encode(&self.cert_der);
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in b64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).unwrap_or_default());
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        pem
    }

    /// When the certificate starts and stops being valid.
    pub fn validity(&self) -> (SystemTime, SystemTime) {
        match Certificate::from_der(&self.cert_der) {
            Ok(c) => (
                c.tbs_certificate.validity.not_before.to_system_time(),
                c.tbs_certificate.validity.not_after.to_system_time(),
            ),
            // Read when the signer was made; cannot fail now.
            Err(_) => (SystemTime::UNIX_EPOCH, SystemTime::UNIX_EPOCH),
        }
    }

    /// The certificate, DER.
    pub fn certificate_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// SHA-256 of the certificate's DER, as colon-separated hex (what
    /// `openssl x509 -fingerprint -sha256` prints), for out-of-band checks.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.cert_der)
    }

    /// `xml` with an enveloped signature as the root's last child, in
    /// compact canonical form after an XML declaration.
    pub fn sign(&self, xml: &str) -> Result<String, Error> {
        let id: [u8; 32] = Sha256::digest(xml.as_bytes()).into();
        if let Some(done) = self.memo.lock().ok().and_then(|m| m.get(&id).cloned()) {
            return Ok(done);
        }
        let signed = self.sign_now(xml)?;
        if let Ok(mut m) = self.memo.lock() {
            if m.len() >= MEMO {
                m.clear();
            }
            m.insert(id, signed.clone());
        }
        Ok(signed)
    }

    fn sign_now(&self, xml: &str) -> Result<String, Error> {
        let doc = c14n::parse(xml)?;
        let root = doc.root_element();
        if c14n::signature_of(root).is_some() {
            return Err(Error::AlreadySigned);
        }
        let canon = c14n::write(root, true, None)?;
        let digest = B64.encode(Sha256::digest(canon.as_bytes()));
        let inner = signed_info_inner(&digest);
        let signed_info = format!("<SignedInfo xmlns=\"{NS_DSIG}\">{inner}</SignedInfo>");
        let sig: Signature = self.key.sign(signed_info.as_bytes());
        let value = B64.encode(sig.to_bytes());
        let cert = B64.encode(&self.cert_der);
        let signature = format!(
            "<Signature xmlns=\"{NS_DSIG}\"><SignedInfo>{inner}</SignedInfo><SignatureValue>{value}</SignatureValue><KeyInfo><X509Data><X509Certificate>{cert}</X509Certificate></X509Data></KeyInfo></Signature>"
        );
        // The canonical root ends with its end tag; the signature goes
        // right before it.
        let end = format!("</{}>", root.tag_name().name());
        let body = canon
            .strip_suffix(&end)
            .ok_or_else(|| Error::Unsupported("root end tag".into()))?;
        Ok(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{body}{signature}{end}\n"
        ))
    }
}

/// The `SignedInfo` children this crate writes (and only accepts).
fn signed_info_inner(digest_b64: &str) -> String {
    format!(
        "<CanonicalizationMethod Algorithm=\"{ALG_EXC_C14N}\"></CanonicalizationMethod><SignatureMethod Algorithm=\"{ALG_ECDSA_SHA256}\"></SignatureMethod><Reference URI=\"\"><Transforms><Transform Algorithm=\"{ALG_ENVELOPED}\"></Transform><Transform Algorithm=\"{ALG_EXC_C14N}\"></Transform></Transforms><DigestMethod Algorithm=\"{ALG_SHA256}\"></DigestMethod><DigestValue>{digest_b64}</DigestValue></Reference>"
    )
}

/// SHA-256 of a DER certificate, colon-separated upper-case hex.
pub fn fingerprint(cert_der: &[u8]) -> String {
    Sha256::digest(cert_der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Checks the enveloped signature of a document signed by [`Signer::sign`]
/// (exact canonical form, no whitespace dropped) and returns the signer's
/// certificate (DER). Whether that certificate is one to trust is the
/// caller's question (compare [`fingerprint`]s).
pub fn verify(xml: &str) -> Result<Vec<u8>, Error> {
    let doc = c14n::parse(xml)?;
    let root = doc.root_element();
    let sig = c14n::signature_of(root).ok_or(Error::Unsigned)?;
    let si = child(sig, "SignedInfo")?;
    let digest = child(child(si, "Reference")?, "DigestValue")?
        .text()
        .unwrap_or("")
        .trim()
        .to_string();
    // Only the exact form this crate writes is accepted: no algorithm
    // substitution, no extra references or transforms.
    let si_canon = c14n::write(si, false, None)?;
    let expected = format!(
        "<SignedInfo xmlns=\"{NS_DSIG}\">{}</SignedInfo>",
        signed_info_inner(&digest)
    );
    if si_canon != expected {
        return Err(Error::Malformed(
            "SignedInfo is not exc-c14n/ecdsa-sha256/sha256 over the whole document".into(),
        ));
    }
    let canon = c14n::write(root, false, Some(sig))?;
    if B64.encode(Sha256::digest(canon.as_bytes())) != digest {
        return Err(Error::Digest);
    }
    let text = |n: roxmltree::Node<'_, '_>| -> String {
        n.text()
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect()
    };
    let value = B64
        .decode(text(child(sig, "SignatureValue")?))
        .map_err(|e| Error::Malformed(format!("SignatureValue: {e}")))?;
    let cert_der = B64
        .decode(text(child(
            child(child(sig, "KeyInfo")?, "X509Data")?,
            "X509Certificate",
        )?))
        .map_err(|e| Error::Malformed(format!("X509Certificate: {e}")))?;
    let cert = Certificate::from_der(&cert_der)
        .map_err(|e| Error::Certificate(format!("not a DER X.509 certificate: {e}")))?;
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| Error::Certificate(e.to_string()))?;
    let vk = <VerifyingKey as p256::pkcs8::DecodePublicKey>::from_public_key_der(&spki)
        .map_err(|e| Error::Certificate(format!("not a P-256 public key: {e}")))?;
    let sig = Signature::from_slice(&value).map_err(|_| Error::Signature)?;
    vk.verify(si_canon.as_bytes(), &sig)
        .map_err(|_| Error::Signature)?;
    Ok(cert_der)
}

/// The first child element of `n` named `name`.
fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Result<roxmltree::Node<'a, 'i>, Error> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
        .ok_or_else(|| Error::Malformed(format!("no {name}")))
}

/// A publisher's new key and certificate, PEM.
#[derive(Clone, Debug)]
pub struct Publisher {
    /// PKCS#8 private key; keep it secret.
    pub key_pem: String,
    /// Self-signed X.509 certificate, to give to alert hubs.
    pub cert_pem: String,
}

/// Makes a publisher's P-256 key from 32 random bytes, and a self-signed
/// certificate for it, named `name`, valid from `not_before` for `days`.
/// The secret must come from the operating system's generator; a value that
/// is not a valid scalar (probability about 2^-128) is refused.
pub fn new_publisher(
    name: &str,
    secret: [u8; 32],
    not_before: SystemTime,
    days: u32,
) -> Result<Publisher, Error> {
    let key = SigningKey::from_slice(&secret)
        .map_err(|_| Error::Key("the random bytes are not a valid P-256 scalar; retry".into()))?;
    let cn = name.trim();
    if cn.is_empty() {
        return Err(Error::Name("it is empty".into()));
    }
    if cn.chars().count() > 64 {
        return Err(Error::Name(format!(
            "{} characters; a certificate's common name has at most 64",
            cn.chars().count()
        )));
    }
    if let Some(c) = cn.chars().find(|c| {
        c.is_control() || matches!(*c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
    }) {
        return Err(Error::Name(format!(
            "it contains U+{:04X}, a control or text-direction character",
            c as u32
        )));
    }
    // Built as attributes, not parsed from an RFC 4514 string: commas,
    // quotes and plus signs in the name stay what they are.
    let attr = |oid: &str, v: &str| -> Result<RelativeDistinguishedName, Error> {
        let value =
            Any::new(Tag::Utf8String, v.as_bytes()).map_err(|e| Error::Name(e.to_string()))?;
        let atv = AttributeTypeAndValue {
            oid: ObjectIdentifier::new_unwrap(oid),
            value,
        };
        RelativeDistinguishedName::try_from(vec![atv]).map_err(|e| Error::Name(e.to_string()))
    };
    // O=corridor, CN=the name (2.5.4.10, 2.5.4.3).
    let subject: Name = RdnSequence(vec![attr("2.5.4.10", "corridor")?, attr("2.5.4.3", cn)?]);
    let not_after = not_before + std::time::Duration::from_secs(u64::from(days) * 86_400);
    let time =
        |t: SystemTime| Time::try_from(t).map_err(|e| Error::Certificate(format!("validity: {e}")));
    let validity = Validity {
        not_before: time(not_before)?,
        not_after: time(not_after)?,
    };
    let mut serial = Sha256::digest(secret)[..16].to_vec();
    serial[0] = (serial[0] & 0x7f) | 0x01;
    let serial =
        SerialNumber::new(&serial).map_err(|e| Error::Certificate(format!("serial: {e}")))?;
    let spki = SubjectPublicKeyInfoOwned::from_key(*key.verifying_key())
        .map_err(|e| Error::Certificate(e.to_string()))?;
    // A self-signed end-entity certificate: it signs documents (digital
    // signature, non-repudiation), not other certificates.
    let profile = Profile::Leaf {
        issuer: subject.clone(),
        enable_key_agreement: false,
        enable_key_encipherment: false,
    };
    let cert = CertificateBuilder::new(profile, serial, validity, subject, spki, &key)
        .map_err(|e| Error::Certificate(e.to_string()))?
        .build::<p256::ecdsa::DerSignature>()
        .map_err(|e| Error::Certificate(e.to_string()))?;
    let cert_pem = cert
        .to_pem(LineEnding::LF)
        .map_err(|e| Error::Certificate(e.to_string()))?;
    let key_pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| Error::Key(e.to_string()))?
        .to_string();
    Ok(Publisher { key_pem, cert_pem })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn signer() -> Signer {
        let p = new_publisher(
            "Test publisher",
            [7u8; 32],
            SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000),
            365,
        )
        .unwrap();
        Signer::from_pem(&p.key_pem, &p.cert_pem).unwrap()
    }

    const DOC: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n  <identifier>a&amp;b &lt;c&gt; \"q\" 'x'</identifier>\n  <info>\n    <headline>Коридор відкрито</headline>\n    <empty/>\n  </info>\n</alert>\n";

    #[test]
    fn signs_in_compact_canonical_form_and_verifies() {
        let s = signer();
        let signed = s.sign(DOC).unwrap();
        assert!(signed.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>a&amp;b &lt;c&gt; \"q\" 'x'</identifier><info><headline>Коридор відкрито</headline><empty></empty></info><Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo>"), "{signed}");
        assert!(signed.ends_with("</Signature></alert>\n"));
        assert_eq!(verify(&signed).unwrap(), s.certificate_der());
        // Deterministic: the same document, the same bytes.
        assert_eq!(s.sign(DOC).unwrap(), signed);
        assert_eq!(s.sign(&signed), Err(Error::AlreadySigned));
        // The PEM form reads back as the same certificate.
        let again = Signer::from_pem(
            &new_publisher(
                "Test publisher",
                [7u8; 32],
                SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000),
                365,
            )
            .unwrap()
            .key_pem,
            &s.certificate_pem(),
        )
        .unwrap();
        assert_eq!(again.certificate_der(), s.certificate_der());
    }

    #[test]
    fn any_change_fails() {
        let signed = signer().sign(DOC).unwrap();
        assert_eq!(
            verify(&signed.replace("відкрито", "закрито")),
            Err(Error::Digest)
        );
        assert_eq!(
            verify(&signed.replace("<empty>", "<empty> ")),
            Err(Error::Digest)
        );
        // A changed signature value.
        let i = signed.find("<SignatureValue>").unwrap() + "<SignatureValue>".len();
        let mut bytes = signed.clone().into_bytes();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            verify(&String::from_utf8(bytes).unwrap()),
            Err(Error::Signature)
        );
        // Another algorithm named in SignedInfo.
        assert!(matches!(
            verify(&signed.replace("ecdsa-sha256", "ecdsa-sha1")),
            Err(Error::Malformed(_))
        ));
        // Another publisher's certificate in KeyInfo.
        let other = new_publisher("Other", [9u8; 32], SystemTime::UNIX_EPOCH, 1).unwrap();
        let other = Signer::from_pem(&other.key_pem, &other.cert_pem).unwrap();
        let ours = B64.encode(signer().certificate_der());
        let theirs = B64.encode(other.certificate_der());
        assert_eq!(
            verify(&signed.replace(&ours, &theirs)),
            Err(Error::Signature)
        );
        assert_eq!(verify(DOC), Err(Error::Unsigned));
    }

    #[test]
    fn key_and_certificate_must_match() {
        let a = new_publisher("A", [1u8; 32], SystemTime::UNIX_EPOCH, 1).unwrap();
        let b = new_publisher("B", [2u8; 32], SystemTime::UNIX_EPOCH, 1).unwrap();
        assert_eq!(
            Signer::from_pem(&a.key_pem, &b.cert_pem).unwrap_err(),
            Error::Mismatch
        );
        assert!(matches!(
            Signer::from_pem("junk", &a.cert_pem),
            Err(Error::Key(_))
        ));
        assert!(matches!(
            Signer::from_pem(&a.key_pem, "junk"),
            Err(Error::Certificate(_))
        ));
        assert!(new_publisher("x", [0u8; 32], SystemTime::UNIX_EPOCH, 1).is_err());
        // The name is one attribute, whatever it contains; bad names are
        // refused, not altered.
        let p = new_publisher(
            "Red Cross, Kyiv \"office\"+CN=x",
            [3u8; 32],
            SystemTime::UNIX_EPOCH,
            1,
        )
        .unwrap();
        let s = Signer::from_pem(&p.key_pem, &p.cert_pem).unwrap();
        let c = Certificate::from_der(s.certificate_der()).unwrap();
        assert_eq!(
            c.tbs_certificate.subject.to_string(),
            "CN=Red Cross\\, Kyiv \\\"office\\\"\\+CN=x,O=corridor"
        );
        for bad in ["", "  ", "a\u{202E}b", "a\nb", &"x".repeat(65)] {
            assert!(
                matches!(
                    new_publisher(bad, [3u8; 32], SystemTime::UNIX_EPOCH, 1),
                    Err(Error::Name(_))
                ),
                "{bad:?}"
            );
        }
        // Valid from the given time, for the given days.
        let (from, to) = s.validity();
        assert_eq!(from, SystemTime::UNIX_EPOCH);
        assert_eq!(to.duration_since(from).unwrap().as_secs(), 86_400);
    }

    #[test]
    fn hostile_documents_are_refused_not_panicked_on() {
        let s = signer();
        for doc in [
            "",
            "<a>",
            "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
            "<a xmlns:p=\"u\"><p:b/></a>",
            "<a><?pi x?></a>",
            "<a p:x=\"1\" xmlns:p=\"u\"/>",
        ] {
            assert!(s.sign(doc).is_err(), "{doc}");
            assert!(verify(doc).is_err(), "{doc}");
        }
    }
}
