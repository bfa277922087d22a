//! `corridor keygen`: a party's signing key.

use super::*;

#[derive(Args)]
pub struct KeygenArgs {
    /// Where to write the secret key (created with mode 0600; refuses to
    /// overwrite).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

pub fn keygen(a: KeygenArgs) -> Result<(), Failure> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| Failure::new(exit::INTERNAL, anyhow!("no randomness: {e}")))?;
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    use std::io::Write;
    let mut f = opts
        .open(&a.out)
        .map_err(|e| Failure::new(exit::IO, anyhow!("cannot create {}: {e}", a.out.display())))?;
    writeln!(f, "{}", corridor_log::format_secret_key(&key))
        .map_err(|e| Failure::new(exit::IO, anyhow!("cannot write {}: {e}", a.out.display())))?;
    println!(
        "public_key = \"{}\"",
        corridor_log::format_public_key(&key.verifying_key())
    );
    eprintln!(
        "secret key written to {} (keep it secret; it signs this party's actions)",
        a.out.display()
    );
    Ok(())
}
