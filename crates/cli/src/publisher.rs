//! The publisher's signing key and X.509 certificate, on disk: a folder
//! with `publisher.key` (PKCS#8 PEM, mode 0600) and `publisher.crt` (PEM).
//! `corridor keygen --publisher DIR` makes them; `serve` and `publish` make
//! them on first use in their default folder, so that every alert is signed.

use crate::exit::{self, Failure};
use anyhow::anyhow;
use corridor_xmldsig::Signer;
use std::path::{Path, PathBuf};

/// The key file in a publisher folder.
pub fn key_path(dir: &Path) -> PathBuf {
    dir.join("publisher.key")
}

/// The certificate file in a publisher folder.
pub fn cert_path(dir: &Path) -> PathBuf {
    dir.join("publisher.crt")
}

/// Reads the key and certificate in `dir`.
pub fn load(dir: &Path) -> Result<Signer, Failure> {
    let read = |p: PathBuf, what: &str| {
        crate::files::read_text(&p, what).map_err(|f| {
            Failure::new(
                f.code,
                anyhow!(
                    "{:#} (a publisher's key and certificate are made by `corridor keygen --publisher {}`)",
                    f.error,
                    dir.display()
                ),
            )
        })
    };
    let key = read(key_path(dir), "publisher key")?;
    let cert = read(cert_path(dir), "publisher certificate")?;
    Signer::from_pem(&key, &cert)
        .map_err(|e| Failure::new(exit::BAD_VALUE, anyhow!("{}: {e}", dir.display())))
}

/// Makes a new key and a self-signed certificate for `name`, valid for
/// `days` from now, in `dir`; refuses to replace either file.
pub fn create(dir: &Path, name: &str, days: u32) -> Result<Signer, Failure> {
    let io = |p: &Path, e: std::io::Error| {
        Failure::new(exit::IO, anyhow!("cannot create {}: {e}", p.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    for p in [key_path(dir), cert_path(dir)] {
        if p.exists() {
            return Err(Failure::new(
                exit::IO,
                anyhow!("{} exists: not replacing a publisher's key", p.display()),
            ));
        }
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| Failure::new(exit::INTERNAL, anyhow!("no randomness: {e}")))?;
    let p = corridor_xmldsig::new_publisher(name, secret, std::time::SystemTime::now(), days)
        .map_err(|e| Failure::new(exit::INTERNAL, anyhow!("{e}")))?;
    write_new(&key_path(dir), &p.key_pem, 0o600).map_err(|e| io(&key_path(dir), e))?;
    write_new(&cert_path(dir), &p.cert_pem, 0o644).map_err(|e| io(&cert_path(dir), e))?;
    Signer::from_pem(&p.key_pem, &p.cert_pem)
        .map_err(|e| Failure::new(exit::INTERNAL, anyhow!("{e}")))
}

/// The signer in `dir`, made there first if the folder has neither file;
/// the flag says whether it was made now.
pub fn load_or_create(dir: &Path, name: &str) -> Result<(Signer, bool), Failure> {
    if !key_path(dir).exists() && !cert_path(dir).exists() {
        return Ok((create(dir, name, DEFAULT_DAYS)?, true));
    }
    Ok((load(dir)?, false))
}

/// How long a certificate made on first use is valid: three years.
pub const DEFAULT_DAYS: u32 = 3 * 365;

fn write_new(p: &Path, text: &str, mode: u32) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = opts.open(p)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// One line for the operator: where the certificate is and its fingerprint.
pub fn describe(dir: &Path, s: &Signer) -> String {
    format!(
        "{} (SHA-256 fingerprint {})",
        cert_path(dir).display(),
        s.fingerprint()
    )
}
