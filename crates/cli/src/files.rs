//! Reading input files with a size cap: every file the CLI reads (graphs,
//! extracts, hazards, scenarios, plans, logs) goes through here, so that
//! `--graph /dev/zero` or a FIFO cannot make corridor read until the kernel
//! kills it (issue 12). Only regular files are read, and never more than
//! their cap, even when the file grows while it is read.

use crate::exit::{self, Failure};
use anyhow::anyhow;
use std::io::Read;
use std::path::Path;

/// Largest graph file: a whole continent's road network is well below.
pub const GRAPH_LIMIT: u64 = 4 << 30;
/// Largest OSM extract `corridor import` opens.
pub const EXTRACT_LIMIT: u64 = 64 << 30;
/// Largest text file (hazards, scenario, plan, log, territories).
pub const TEXT_LIMIT: u64 = 64 << 20;

/// Checks that `path` is a regular file of at most `limit` bytes; `what`
/// names it in errors ("graph", "hazards"). Returns its size.
pub fn check(path: &Path, what: &str, limit: u64) -> Result<u64, Failure> {
    let meta = std::fs::metadata(path).map_err(|e| {
        Failure::new(
            exit::IO,
            anyhow!("cannot read {what} {}: {e}", path.display()),
        )
    })?;
    if !meta.is_file() {
        return Err(Failure::new(
            exit::BAD_FILE,
            anyhow!(
                "{what} {} is not a regular file (a device, FIFO or directory cannot be read as one)",
                path.display()
            ),
        ));
    }
    if meta.len() > limit {
        return Err(too_large(path, what, limit));
    }
    Ok(meta.len())
}

fn too_large(path: &Path, what: &str, limit: u64) -> Failure {
    Failure::new(
        exit::BAD_FILE,
        anyhow!(
            "{what} {} is larger than {} MiB, the most corridor reads",
            path.display(),
            limit >> 20
        ),
    )
}

/// Reads a regular file of at most `limit` bytes.
pub fn read(path: &Path, what: &str, limit: u64) -> Result<Vec<u8>, Failure> {
    let size = check(path, what, limit)?;
    let io = |e: std::io::Error| {
        Failure::new(
            exit::IO,
            anyhow!("cannot read {what} {}: {e}", path.display()),
        )
    };
    let f = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // One byte past the cap tells a file that grew beyond it.
    f.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(path, what, limit));
    }
    Ok(bytes)
}

/// Reads a UTF-8 text file of at most [`TEXT_LIMIT`] bytes.
pub fn read_text(path: &Path, what: &str) -> Result<String, Failure> {
    let bytes = read(path, what, TEXT_LIMIT)?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Failure::new(
            exit::BAD_FILE,
            anyhow!("{what} {} is not UTF-8 text", path.display()),
        )
    })?;
    // Editors on Windows start UTF-8 files with a byte order mark, which
    // JSON and TOML parsers take for text.
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // issue 12: `--graph /dev/zero` read until the kernel killed corridor.
    #[cfg(unix)]
    #[test]
    fn issue_12_special_files_are_refused_not_streamed() {
        let e = read(Path::new("/dev/zero"), "graph", GRAPH_LIMIT).unwrap_err();
        assert_eq!(e.code, exit::BAD_FILE);
        assert!(
            e.error.to_string().contains("not a regular file"),
            "{:#}",
            e.error
        );
        let e = read_text(Path::new("/dev/urandom"), "hazards").unwrap_err();
        assert_eq!(e.code, exit::BAD_FILE);
    }

    #[test]
    fn caps_and_reads() {
        let dir = std::env::temp_dir().join(format!("corridor-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("ten.txt");
        std::fs::write(&p, "0123456789").unwrap();
        assert_eq!(read(&p, "text", 10).unwrap(), b"0123456789");
        let e = read(&p, "text", 9).unwrap_err();
        assert_eq!(e.code, exit::BAD_FILE);
        assert!(e.error.to_string().contains("larger than"));
        assert_eq!(read_text(&p, "text").unwrap(), "0123456789");
        std::fs::write(&p, "\u{feff}{\"a\": 1}").unwrap();
        assert_eq!(
            read_text(&p, "text").unwrap(),
            "{\"a\": 1}",
            "a byte order mark is dropped"
        );
        std::fs::write(&p, [0xff, 0xfe]).unwrap();
        assert_eq!(read_text(&p, "text").unwrap_err().code, exit::BAD_FILE);
        let e = read(&dir.join("missing"), "text", 9).unwrap_err();
        assert_eq!(e.code, exit::IO);
        assert_eq!(check(&dir, "text", 9).unwrap_err().code, exit::BAD_FILE);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
