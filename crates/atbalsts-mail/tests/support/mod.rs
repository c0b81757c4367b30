//! Starting Python helpers from the tests, skipped with a notice where Python or its
//! module is missing (CI installs them).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Whether `python3` runs and can import `module`; prints why a test is skipped if not.
pub fn python_has(module: &str, test: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("NOTICE: {test} skipped: python3 with the {module} module is not available");
    }
    ok
}

/// A free port on 127.0.0.1 (free when asked; the helper binds it right after).
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A child process killed when dropped.
pub struct Helper(pub Child);

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the aiosmtpd sink on `port` writing into `dir`, and waits for it to listen.
pub fn start_sink(port: u16, dir: &std::path::Path) -> std::io::Result<Helper> {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(port.to_string())
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take();
    let helper = Helper(child);
    let mut line = String::new();
    if let Some(out) = stdout {
        BufReader::new(out).read_line(&mut line)?;
    }
    if line.trim() != "READY" {
        return Err(std::io::Error::other("the SMTP sink did not start"));
    }
    Ok(helper)
}
