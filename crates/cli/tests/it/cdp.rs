//! A minimal Chrome DevTools Protocol client for the browser test: a
//! WebSocket (RFC 6455: client frames masked, text only) over a TCP stream,
//! JSON commands with ids, and the events that arrive in between.

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

pub struct Cdp {
    s: TcpStream,
    next_id: u64,
    /// Events received so far (method, params).
    pub events: Vec<(String, Value)>,
}

impl Cdp {
    /// Connects to `ws://127.0.0.1:PORT/PATH`.
    pub fn connect(port: u16, path: &str) -> std::io::Result<Cdp> {
        let mut s = TcpStream::connect(("127.0.0.1", port))?;
        s.set_read_timeout(Some(Duration::from_secs(20)))?;
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )?;
        // Read the 101 response headers.
        let mut head = Vec::new();
        let mut b = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            s.read_exact(&mut b)?;
            head.push(b[0]);
        }
        if !head.starts_with(b"HTTP/1.1 101") {
            return Err(std::io::Error::other(
                String::from_utf8_lossy(&head).to_string(),
            ));
        }
        Ok(Cdp {
            s,
            next_id: 1,
            events: Vec::new(),
        })
    }

    fn send_text(&mut self, text: &str) -> std::io::Result<()> {
        let data = text.as_bytes();
        let mut f = vec![0x81u8];
        match data.len() {
            n if n < 126 => f.push(0x80 | n as u8),
            n if n < 65536 => {
                f.push(0x80 | 126);
                f.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                f.push(0x80 | 127);
                f.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        let mask = [0x12u8, 0x34, 0x56, 0x78];
        f.extend_from_slice(&mask);
        f.extend(data.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.s.write_all(&f)
    }

    fn read_message(&mut self) -> std::io::Result<String> {
        let mut msg = Vec::new();
        loop {
            let mut h = [0u8; 2];
            self.s.read_exact(&mut h)?;
            let fin = h[0] & 0x80 != 0;
            let op = h[0] & 0x0f;
            let mut len = (h[1] & 0x7f) as u64;
            if len == 126 {
                let mut b = [0u8; 2];
                self.s.read_exact(&mut b)?;
                len = u16::from_be_bytes(b) as u64;
            } else if len == 127 {
                let mut b = [0u8; 8];
                self.s.read_exact(&mut b)?;
                len = u64::from_be_bytes(b);
            }
            let mut data = vec![0u8; len as usize];
            self.s.read_exact(&mut data)?;
            if op == 0x9 || op == 0xA {
                continue; // ping / pong
            }
            msg.extend_from_slice(&data);
            if fin {
                return Ok(String::from_utf8_lossy(&msg).to_string());
            }
        }
    }

    /// Sends a command and waits for its result, keeping the events that
    /// arrive meanwhile.
    pub fn call(&mut self, method: &str, params: Value) -> std::io::Result<Value> {
        let id = self.next_id;
        self.next_id += 1;
        self.send_text(&json!({"id": id, "method": method, "params": params}).to_string())?;
        loop {
            let m: Value = serde_json::from_str(&self.read_message()?).unwrap_or(Value::Null);
            if m["id"].as_u64() == Some(id) {
                return Ok(m);
            }
            if let Some(method) = m["method"].as_str() {
                self.events.push((method.to_string(), m["params"].clone()));
            }
        }
    }

    /// Evaluates a JavaScript expression in the page; returns its value.
    pub fn eval(&mut self, expr: &str) -> std::io::Result<Value> {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true}),
        )?;
        Ok(r["result"]["result"]["value"].clone())
    }

    /// Console errors and uncaught exceptions seen so far.
    pub fn errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|(m, p)| match m.as_str() {
                "Runtime.exceptionThrown" => Some(p["exceptionDetails"].to_string()),
                "Runtime.consoleAPICalled" if p["type"] == "error" => Some(p["args"].to_string()),
                "Log.entryAdded" if p["entry"]["level"] == "error" => Some(p["entry"].to_string()),
                _ => None,
            })
            .collect()
    }
}

/// A headless Chromium (Debian's `chromium`, which `.ci/run` installs)
/// with a fresh profile, driven over the DevTools protocol; killed when
/// dropped, also when a test panics.
pub struct Browser {
    child: std::process::Child,
    /// The page target.
    pub cdp: Cdp,
}

impl Browser {
    /// Whether Chromium is installed. Missing under CI is a failure; else
    /// the caller skips its test, saying so.
    pub fn available() -> Option<&'static str> {
        let found = ["chromium", "chromium-browser"].into_iter().find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
        if found.is_none() {
            assert!(
                std::env::var_os("CI").is_none(),
                "chromium missing in CI: .ci/run installs it"
            );
            eprintln!("chromium not installed: browser test skipped (apt-get install chromium)");
        }
        found
    }

    /// Starts `chromium` with its profile under `dir`, a window of
    /// `width`×`height`, and connects to its page (Runtime and Log enabled).
    pub fn launch(chromium: &str, dir: &std::path::Path, width: u32, height: u32) -> Browser {
        let devtools = crate::server::free_port();
        let profile = dir.join("chromium-profile");
        let child = std::process::Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                &format!("--window-size={width},{height}"),
                &format!("--user-data-dir={}", profile.display()),
                &format!("--remote-debugging-port={devtools}"),
                "about:blank",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start chromium");
        // Killed from here on, whatever happens.
        let mut guard = Some(child);
        let t = std::time::Instant::now();
        let ws = loop {
            if let Some((200, list)) = crate::server::http(devtools, "GET", "/json/list", None, "")
            {
                let v: Value = serde_json::from_str(&list).unwrap_or_default();
                if let Some(u) = v
                    .as_array()
                    .and_then(|a| a.iter().find(|t| t["type"] == "page"))
                    .and_then(|t| t["webSocketDebuggerUrl"].as_str())
                {
                    // The path only: the host part echoes our Host header.
                    break format!("/devtools/{}", u.split_once("/devtools/").unwrap().1);
                }
            }
            if t.elapsed() > Duration::from_secs(30) {
                if let Some(mut c) = guard.take() {
                    let _ = c.kill();
                    let _ = c.wait();
                }
                panic!("chromium did not open a page");
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let child = guard.take().expect("still held");
        let mut b = Browser {
            child,
            cdp: Cdp::connect(devtools, &ws).expect("DevTools WebSocket"),
        };
        b.cdp.call("Runtime.enable", json!({})).unwrap();
        b.cdp.call("Log.enable", json!({})).unwrap();
        b
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
