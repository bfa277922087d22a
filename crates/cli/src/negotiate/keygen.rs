//! `corridor keygen`: a party's signing key, or the publisher's key and
//! certificate for signed CAP alerts.

use super::*;

#[derive(Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["out", "publisher"])))]
pub struct KeygenArgs {
    /// A party's key: where to write the secret key (created with mode
    /// 0600; refuses to overwrite). Prints the public key for the scenario.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The publisher's key instead: writes DIR/publisher.key (P-256, PKCS#8,
    /// mode 0600) and DIR/publisher.crt (self-signed X.509), which sign
    /// every CAP alert (`serve --publisher`, `publish --publisher`). Give the
    /// certificate, or its fingerprint, to the alert hubs that take your
    /// alerts.
    #[arg(long, value_name = "DIR", conflicts_with = "out")]
    pub publisher: Option<PathBuf>,
    /// With --publisher: the name in the certificate (its CN).
    #[arg(
        long,
        default_value = "Humanitarian corridor coordination cell",
        requires = "publisher"
    )]
    pub name: String,
    /// With --publisher: days the certificate is valid from now.
    #[arg(long, default_value_t = crate::publisher::DEFAULT_DAYS, value_parser = clap::value_parser!(u32).range(1..=36500), requires = "publisher")]
    pub days: u32,
}

pub fn keygen(a: KeygenArgs) -> Result<(), Failure> {
    if let Some(dir) = &a.publisher {
        let s = crate::publisher::create(dir, &a.name, a.days)?;
        println!(
            "certificate = \"{}\"",
            crate::publisher::cert_path(dir).display()
        );
        println!("fingerprint = \"{}\"", s.fingerprint());
        eprintln!(
            "publisher key written to {} (keep it secret; it signs every alert)",
            crate::publisher::key_path(dir).display()
        );
        return Ok(());
    }
    let Some(out) = a.out else {
        return Err(Failure::new(
            exit::USAGE,
            anyhow!("give --out FILE or --publisher DIR"),
        ));
    };
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
        .open(&out)
        .map_err(|e| Failure::new(exit::IO, anyhow!("cannot create {}: {e}", out.display())))?;
    writeln!(f, "{}", corridor_log::format_secret_key(&key))
        .map_err(|e| Failure::new(exit::IO, anyhow!("cannot write {}: {e}", out.display())))?;
    println!(
        "public_key = \"{}\"",
        corridor_log::format_public_key(&key.verifying_key())
    );
    eprintln!(
        "secret key written to {} (keep it secret; it signs this party's actions)",
        out.display()
    );
    Ok(())
}
