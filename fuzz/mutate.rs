//! A deterministic mutational fuzzer on the stable toolchain, shared by the
//! `fuzz_*` tests of the parser crates (included with `#[path]`, so it needs
//! no crate and no dependency). It starts from the seeds in
//! `fuzz/corpus/<target>/seed-*`, applies seeded random mutations (bit
//! flips, byte insertion and deletion, truncation, splicing with another
//! seed, chunk duplication, numbers replaced by extreme values) and asserts
//! that the target returns — `Ok` or `Err` — without panicking or hanging.
//!
//! Runs for `CORRIDOR_FUZZ_SECONDS` seconds per target (default 3, so that
//! `cargo test` stays quick; CI sets more). `CORRIDOR_FUZZ_SEED` picks the
//! random sequence (default 0: every run the same, so a failure reproduces).
//! A failing input is written to `$CARGO_TARGET_TMPDIR/fuzz-<target>.crash`.
//! The libFuzzer targets in `fuzz/fuzz_targets/` stay for nightly users.

#![allow(dead_code)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// The seeds of `target`: every `fuzz/corpus/<target>/seed-*` file.
pub fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = repo().join("fuzz/corpus").join(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("seed-"))
        })
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no seeds in {}", dir.display());
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Seconds per target, from `CORRIDOR_FUZZ_SECONDS`.
pub fn budget() -> Duration {
    let s = std::env::var("CORRIDOR_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(3.0);
    Duration::from_secs_f64(s)
}

/// xorshift64*: small, fast, and the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Values that break careless arithmetic, as text.
const EXTREMES: &[&str] = &[
    "0",
    "-1",
    "1e308",
    "-1e308",
    "1e-308",
    "0.0000001",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "4294967295",
    "2147483648",
    "999999999999",
    "\"9999-12-31T23:59:59+14:00\"",
    "\"0000-01-01T00:00:00-12:00\"",
];

/// Byte values that break careless binary decoding.
const BYTES: &[u8] = &[0, 1, 0x7f, 0x80, 0xfe, 0xff];

/// One mutation of `input`; `others` are the seeds to splice from.
pub fn mutate(rng: &mut Rng, input: &mut Vec<u8>, others: &[Vec<u8>]) {
    let len = input.len();
    match rng.below(9) {
        // Flip one bit.
        0 if len > 0 => {
            let i = rng.below(len);
            input[i] ^= 1 << rng.below(8);
        }
        // Set a byte to an interesting value.
        1 if len > 0 => {
            let i = rng.below(len);
            input[i] = BYTES[rng.below(BYTES.len())];
        }
        // Insert bytes.
        2 => {
            let i = rng.below(len + 1);
            let n = 1 + rng.below(8);
            for _ in 0..n {
                input.insert(i, rng.next() as u8);
            }
        }
        // Delete a run.
        3 if len > 0 => {
            let i = rng.below(len);
            let n = (1 + rng.below(16)).min(len - i);
            input.drain(i..i + n);
        }
        // Truncate.
        4 => input.truncate(rng.below(len + 1)),
        // Splice: a head of this with a tail of another seed.
        5 if !others.is_empty() => {
            let o = &others[rng.below(others.len())];
            let (a, b) = (rng.below(len + 1), rng.below(o.len() + 1));
            input.truncate(a);
            input.extend_from_slice(&o[b..]);
        }
        // Duplicate a chunk.
        6 if len > 0 => {
            let i = rng.below(len);
            let n = (1 + rng.below(64)).min(len - i);
            let chunk = input[i..i + n].to_vec();
            let at = rng.below(len + 1);
            input.splice(at..at, chunk);
        }
        // Overwrite a little-endian word with an extreme.
        7 if len >= 8 => {
            let i = rng.below(len - 7);
            let v: u64 = match rng.below(5) {
                0 => u64::MAX,
                1 => u32::MAX as u64,
                2 => 1 << 31,
                3 => 0,
                _ => rng.next(),
            };
            let w = if rng.below(2) == 0 { 4 } else { 8 };
            input[i..i + w].copy_from_slice(&v.to_le_bytes()[..w]);
        }
        // Replace a number in text with an extreme value.
        _ => {
            let numbers: Vec<(usize, usize)> = number_spans(input);
            if numbers.is_empty() {
                if len > 0 {
                    let i = rng.below(len);
                    input[i] = input[i].wrapping_add(1);
                }
                return;
            }
            let (a, b) = numbers[rng.below(numbers.len())];
            let x = EXTREMES[rng.below(EXTREMES.len())].as_bytes();
            input.splice(a..b, x.iter().copied());
        }
    }
}

/// Spans of ASCII numbers (digits with an optional sign, point, exponent).
fn number_spans(s: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if s[i].is_ascii_digit() {
            let mut a = i;
            if a > 0 && s[a - 1] == b'-' {
                a -= 1;
            }
            while i < s.len() && (s[i].is_ascii_digit() || matches!(s[i], b'.' | b'e' | b'E')) {
                i += 1;
            }
            out.push((a, i));
        } else {
            i += 1;
        }
    }
    out
}

/// Fuzzes `target` for the time budget: each input is a seed with one to
/// eight stacked mutations. Panics with the failing input's path when the
/// target panics, or when one input runs longer than 20 s (a hang).
pub fn run(name: &'static str, target: impl Fn(&[u8]) + Send + Sync + 'static) {
    let seeds = seeds(name);
    let budget = budget();
    let seed = std::env::var("CORRIDOR_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0u64);
    let current: Arc<Mutex<Vec<u8>>> = Arc::default();
    let (done, finished) = mpsc::channel();
    let shared = current.clone();
    let worker = std::thread::spawn(move || {
        let mut rng = Rng::new(seed);
        let started = Instant::now();
        let mut runs = 0u64;
        // The seeds themselves first, then mutants until the time is up.
        loop {
            let input = if (runs as usize) < seeds.len() {
                seeds[runs as usize].clone()
            } else if started.elapsed() >= budget {
                break;
            } else {
                let mut x = seeds[rng.below(seeds.len())].clone();
                for _ in 0..1 + rng.below(8) {
                    mutate(&mut rng, &mut x, &seeds);
                }
                x
            };
            *shared.lock().unwrap() = input.clone();
            let outcome = catch_unwind(AssertUnwindSafe(|| target(&input)));
            if outcome.is_err() {
                let _ = done.send(Err(runs));
                return;
            }
            runs += 1;
            let _ = done.send(Ok(runs));
        }
        let _ = done.send(Ok(u64::MAX));
        eprintln!(
            "fuzz {name}: {runs} inputs in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    });
    let crash = |why: String| -> ! {
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-{name}.crash"));
        let input = current.lock().map(|g| g.clone()).unwrap_or_default();
        std::fs::write(&path, &input).unwrap();
        panic!(
            "fuzz {name}: {why}; input ({} bytes) written to {} (CORRIDOR_FUZZ_SEED={seed})",
            input.len(),
            path.display()
        );
    };
    loop {
        match finished.recv_timeout(Duration::from_secs(20)) {
            Ok(Ok(u64::MAX)) => break,
            Ok(Ok(_)) => {}
            Ok(Err(run)) => crash(format!("the target panicked on input {run}")),
            Err(mpsc::RecvTimeoutError::Timeout) => crash("one input ran over 20 s".into()),
            Err(mpsc::RecvTimeoutError::Disconnected) => crash("the fuzzer died".into()),
        }
    }
    worker.join().unwrap();
}

/// The input as text, as a file read by corridor would be (lossy UTF-8).
pub fn text(input: &[u8]) -> String {
    String::from_utf8_lossy(input).into_owned()
}
