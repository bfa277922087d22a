//! `corridor publish`: the public files from a scenario and its log.

use super::*;

#[derive(Args)]
pub struct PublishArgs {
    /// Scenario file.
    pub scenario: PathBuf,
    /// The public log of its corridors (from `corridor act`).
    #[arg(long, value_name = "FILE")]
    pub log: PathBuf,
    /// Folder to write (created if missing; files in it are replaced).
    #[arg(long, value_name = "DIR", default_value = "corridor-data/public")]
    pub out: PathBuf,
    /// URL the folder will be served from, for links in the feed and alerts.
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://corridor.example.org/public/"
    )]
    pub base_url: String,
    /// CAP sender identifier of the publishing office.
    #[arg(long, default_value = "alerts@corridor.example.org")]
    pub sender: String,
    /// Human name of the sender.
    #[arg(long, default_value = "Humanitarian corridor coordination cell")]
    pub sender_name: String,
    /// Folder of the publisher's key and certificate (publisher.key,
    /// publisher.crt) that sign every CAP alert (XML-DSig, CAP 1.2
    /// §3.3.2.1). Made there on first use; `corridor serve` uses the same
    /// default, so a server and this command sign alike.
    #[arg(long, value_name = "DIR", default_value = "corridor-data/publisher")]
    pub publisher: PathBuf,
    /// Publish unsigned alerts (strict alert hubs refuse them).
    #[arg(long, conflicts_with = "publisher")]
    pub unsigned: bool,
    /// Print a JSON summary.
    #[arg(long)]
    pub json: bool,
}

pub fn publish_cmd(a: PublishArgs) -> Result<(), Failure> {
    let scn = load_scenario(&a.scenario)?;
    let (_, ledger) = open_ledger(&a.log, &scn)?;
    let mut base = a.base_url.clone();
    if !base.ends_with('/') {
        base.push('/');
    }
    if a.sender.contains(' ') || a.sender.contains(',') || a.sender.is_empty() {
        return Err(Failure::new(
            exit::BAD_VALUE,
            anyhow!("--sender must be non-empty, without spaces or commas (CAP)"),
        ));
    }
    let signer = if a.unsigned {
        eprintln!("warning: --unsigned: the CAP alerts carry no signature");
        None
    } else {
        let (s, made) = crate::publisher::load_or_create(&a.publisher, &a.sender_name)?;
        if made {
            eprintln!(
                "made a new publisher key and certificate: {}",
                crate::publisher::describe(&a.publisher, &s)
            );
        }
        Some(s)
    };
    let signed_by = signer
        .as_ref()
        .map(|s| crate::publisher::describe(&a.publisher, s));
    let site = corridor_publish::Site {
        base_url: base,
        sender: a.sender.clone(),
        sender_name: a.sender_name.clone(),
        signer,
    };
    let files = corridor_publish::publish(&ledger, &site);
    let io = |p: &Path, e: std::io::Error| {
        Failure::new(exit::IO, anyhow!("cannot write {}: {e}", p.display()))
    };
    for f in &files {
        let p = a.out.join(&f.path);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        }
        std::fs::write(&p, &f.text).map_err(|e| io(&p, e))?;
    }
    let alerts = files.iter().filter(|f| f.path.starts_with("cap/")).count();
    if a.json {
        crate::output::print_json(
            &serde_json::json!({"out": a.out.display().to_string(), "files": files.iter().map(|f| &f.path).collect::<Vec<_>>(), "alerts": alerts, "signed_by": signed_by}),
        )?;
    } else {
        println!(
            "Wrote {} files to {}: {} CAP alert(s) in cap/, alerts.atom, corridors.geojson, SMS texts in sms/, index.html.",
            files.len(),
            a.out.display(),
            alerts
        );
        match &signed_by {
            Some(d) => println!("Alerts signed (XML-DSig) with the certificate {d}."),
            None => println!("Alerts NOT signed (--unsigned)."),
        }
        println!(
            "Look at it: python3 -m http.server -d {} 8000, then open http://localhost:8000/",
            a.out.display()
        );
    }
    Ok(())
}
