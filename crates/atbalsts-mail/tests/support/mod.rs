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
    start_script(
        "smtp_sink.py",
        &[port.to_string().as_ref(), dir.as_os_str()],
    )
}

/// Starts the aiosmtpd server with TLS (`mode`: starttls or implicit) and AUTH for
/// `user`/`password` on `port`, writing into `dir`, and waits for it to listen.
pub fn start_tls_sink(
    port: u16,
    dir: &std::path::Path,
    certs: &TestCertificates,
    mode: &str,
    user: &str,
    password: &str,
) -> std::io::Result<Helper> {
    let (cert, key) = (certs.cert(), certs.key());
    start_script(
        "smtp_tls_sink.py",
        &[
            port.to_string().as_ref(),
            dir.as_os_str(),
            cert.as_os_str(),
            key.as_os_str(),
            mode.as_ref(),
            user.as_ref(),
            password.as_ref(),
        ],
    )
}

fn start_script(name: &str, args: &[&std::ffi::OsStr]) -> std::io::Result<Helper> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(name);
    let mut child = Command::new("python3")
        .arg(script)
        .args(args)
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

/// A certificate authority of the test's own and a server certificate it signed for
/// 127.0.0.1 and localhost, as PEM files in a directory.
pub struct TestCertificates {
    pub dir: tempfile::TempDir,
}

impl TestCertificates {
    pub fn ca(&self) -> std::path::PathBuf {
        self.dir.path().join("ca.pem")
    }
    pub fn cert(&self) -> std::path::PathBuf {
        self.dir.path().join("server.pem")
    }
    pub fn key(&self) -> std::path::PathBuf {
        self.dir.path().join("server.key")
    }
    pub fn ca_pem(&self) -> Vec<u8> {
        std::fs::read(self.ca()).unwrap_or_default()
    }
}

/// Made with the `openssl` command; `None`, with a notice, where it is missing.
pub fn test_certificates(test: &str) -> Option<TestCertificates> {
    let dir = tempfile::tempdir().ok()?;
    let d = dir.path();
    let run = |args: &[&str]| {
        Command::new("openssl")
            .args(args)
            .current_dir(d)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    std::fs::write(
        d.join("san.ext"),
        "subjectAltName = IP:127.0.0.1, DNS:localhost\nbasicConstraints = CA:FALSE\n",
    )
    .ok()?;
    let made = run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=Atbalsts test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]) && run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]) && run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        "-out",
        "server.pem",
    ]);
    if !made {
        eprintln!("NOTICE: {test} skipped: the openssl command could not make test certificates");
        return None;
    }
    Some(TestCertificates { dir })
}
