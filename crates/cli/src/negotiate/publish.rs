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
    /// §3.3.2.1). A folder given here must hold them (`corridor keygen
    /// --publisher DIR`); without the option, corridor-data/publisher is
    /// used and made on first use, as `corridor serve` does with its data
    /// folder, so a server and this command sign alike.
    #[arg(long, value_name = "DIR")]
    pub publisher: Option<PathBuf>,
    /// Publish unsigned alerts (strict alert hubs refuse them).
    #[arg(long, conflicts_with = "publisher")]
    pub unsigned: bool,
    /// Print a JSON summary.
    #[arg(long)]
    pub json: bool,
}

pub fn publish_cmd(a: PublishArgs) -> Result<(), Failure> {
    let mut scn = load_scenario(&a.scenario)?;
    // Gathering points the scenario does not describe take the nearest
    // named road of its map, as the server does: the same bytes.
    if let Some(router) = load_map(&a.scenario, &scn)? {
        scn.name_gathering_roads(&router);
    }
    let (_, ledger) = open_ledger(&a.log, &scn, false)?;
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
    let publisher_dir = a
        .publisher
        .clone()
        .unwrap_or_else(|| PathBuf::from("corridor-data/publisher"));
    let signer = if a.unsigned {
        eprintln!("warning: --unsigned: the CAP alerts carry no signature");
        None
    } else {
        // The private key is never published.
        let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        if abs(&publisher_dir).starts_with(abs(&a.out)) {
            return Err(Failure::new(
                exit::USAGE,
                anyhow!(
                    "--publisher {} is inside --out {}: the publisher's private key would be published",
                    publisher_dir.display(),
                    a.out.display()
                ),
            ));
        }
        let s = match &a.publisher {
            Some(dir) => crate::publisher::load(dir)?,
            None => {
                let (s, made) = crate::publisher::load_or_create(&publisher_dir, &a.sender_name)?;
                if made {
                    eprintln!(
                        "made a new publisher key and certificate: {}",
                        crate::publisher::describe(&publisher_dir, &s)
                    );
                }
                s
            }
        };
        Some(s)
    };
    let signed_by = signer
        .as_ref()
        .map(|s| crate::publisher::describe(&publisher_dir, s));
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
    // What the SMS and broadcasts cost; never silent about one over budget.
    let report = corridor_publish::report(&ledger);
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    let cost = |c: &corridor_publish::Cost, parts: &str| {
        serde_json::json!({"path": c.path, "encoding": match c.encoding {
            corridor_publish::sms::Encoding::Gsm7 => "GSM-7",
            corridor_publish::sms::Encoding::Ucs2 => "UCS-2",
        }, "units": c.units, parts: c.parts})
    };
    if a.json {
        crate::output::print_json(&serde_json::json!({
            "out": a.out.display().to_string(),
            "files": files.iter().map(|f| &f.path).collect::<Vec<_>>(),
            "alerts": alerts,
            "sms": report.sms.iter().map(|c| cost(c, "segments")).collect::<Vec<_>>(),
            "cbs": report.cbs.iter().map(|c| cost(c, "pages")).collect::<Vec<_>>(),
            "warnings": report.warnings,
            "signed_by": signed_by,
        }))?;
    } else {
        println!(
            "Wrote {} files to {}: {} CAP alert(s) in cap/, alerts.atom, corridors.geojson, SMS texts in sms/, cell broadcasts in cbs/, index.html.",
            files.len(),
            a.out.display(),
            alerts
        );
        match &signed_by {
            Some(d) => println!("Alerts signed (XML-DSig) with the certificate {d}."),
            None => println!("Alerts NOT signed (--unsigned)."),
        }
        let over = report.sms.iter().filter(|c| c.parts > 1).count();
        println!(
            "SMS: {} text(s), {}; cell broadcast: {} text(s), at most {} page(s) each.",
            report.sms.len(),
            if over == 0 {
                "each one segment".to_string()
            } else {
                format!("{over} over one segment (see the warnings)")
            },
            report.cbs.len(),
            report.cbs.iter().map(|c| c.parts).max().unwrap_or(0)
        );
        println!(
            "Look at it: python3 -m http.server -d {} 8000, then open http://localhost:8000/",
            a.out.display()
        );
    }
    Ok(())
}
