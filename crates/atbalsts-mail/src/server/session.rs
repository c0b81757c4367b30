//! One SMTP conversation as a state machine without I/O: the driver gives it lines and
//! the answers of the [`Intake`](super::Intake), and it says what to answer.

use std::net::SocketAddr;

use super::{DeliverError, Envelope, RecipientCheck, ServerConfig};

/// Errors a client may make before it is told 421 and the connection is closed.
const MAX_ERRORS: u32 = 10;

/// An SMTP reply: a code and one or more lines of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    pub fn new(code: u16, text: impl Into<String>) -> Reply {
        Reply {
            code,
            lines: vec![text.into()],
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let last = self.lines.len().saturating_sub(1);
        for (i, line) in self.lines.iter().enumerate() {
            let sep = if i == last { ' ' } else { '-' };
            out.extend_from_slice(format!("{}{sep}{}\r\n", self.code, line).as_bytes());
        }
        out
    }
}

/// What the driver does next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    Reply(Reply),
    /// Ask `Intake::check_sender`, then give the answer to `sender_checked`.
    CheckSender(Option<String>),
    /// Ask `Intake::check_recipient`, then give the answer to `recipient_checked`.
    CheckRecipient(String),
    /// Send the reply (354) and feed the message's lines to `data_line`.
    StartData(Reply),
    /// Send the reply and close the connection.
    Close(Reply),
}

pub(crate) struct Session {
    hostname: String,
    max_message_bytes: usize,
    max_recipients: usize,
    helo: Option<String>,
    /// `Some(None)` is the null sender.
    mail_from: Option<Option<String>>,
    rcpt_to: Vec<String>,
    errors: u32,
    data: Vec<u8>,
    oversize: bool,
}

impl Session {
    pub fn new(cfg: &ServerConfig) -> Session {
        Session {
            hostname: cfg.hostname.clone(),
            max_message_bytes: cfg.max_message_bytes,
            max_recipients: cfg.max_recipients.max(1),
            helo: None,
            mail_from: None,
            rcpt_to: Vec::new(),
            errors: 0,
            data: Vec::new(),
            oversize: false,
        }
    }

    pub fn greeting(&self) -> Reply {
        Reply::new(220, format!("{} ESMTP ready", self.hostname))
    }

    /// The limit on one line while reading the message: a line may be as long as the
    /// message may be, and no longer.
    pub fn data_line_limit(&self) -> usize {
        self.max_message_bytes.saturating_add(2)
    }

    /// One command line, without its line ending.
    pub fn command(&mut self, line: &[u8]) -> Step {
        let line = String::from_utf8_lossy(line);
        let line = line.trim_end_matches(['\r', '\n']);
        let (verb, arg) = match line.split_once(' ') {
            Some((v, a)) => (v.to_ascii_uppercase(), a.trim()),
            None => (line.to_ascii_uppercase(), ""),
        };
        match verb.as_str() {
            "EHLO" | "HELO" => self.hello(&verb, arg),
            "MAIL" => self.mail(arg),
            "RCPT" => self.rcpt(arg),
            "DATA" => self.data(arg),
            "RSET" => {
                self.reset();
                Step::Reply(Reply::new(250, "2.0.0 Ok"))
            }
            "NOOP" => Step::Reply(Reply::new(250, "2.0.0 Ok")),
            "QUIT" => Step::Close(Reply::new(221, "2.0.0 Bye")),
            "VRFY" => Step::Reply(Reply::new(
                252,
                "2.5.0 Cannot VRFY user, but will accept message and attempt delivery",
            )),
            "HELP" => Step::Reply(Reply::new(
                214,
                "2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP VRFY QUIT",
            )),
            "EXPN" | "STARTTLS" | "AUTH" | "BDAT" | "TURN" | "ETRN" => {
                self.error(Reply::new(502, "5.5.1 Command not implemented"))
            }
            _ => self.error(Reply::new(500, "5.5.2 Command not recognized")),
        }
    }

    /// A command line longer than the driver would read.
    pub fn line_too_long(&mut self) -> Step {
        self.error(Reply::new(500, "5.5.2 Line too long"))
    }

    fn hello(&mut self, verb: &str, arg: &str) -> Step {
        let Some(name) = arg.split_whitespace().next() else {
            return self.error(Reply::new(501, "5.5.4 Say who you are: EHLO <domain>"));
        };
        self.reset();
        self.helo = Some(name.to_string());
        if verb == "HELO" {
            return Step::Reply(Reply::new(250, format!("{} Hello {name}", self.hostname)));
        }
        Step::Reply(Reply {
            code: 250,
            lines: vec![
                format!("{} Hello {name}", self.hostname),
                "8BITMIME".to_string(),
                format!("SIZE {}", self.max_message_bytes),
                "PIPELINING".to_string(),
                "ENHANCEDSTATUSCODES".to_string(),
            ],
        })
    }

    fn mail(&mut self, arg: &str) -> Step {
        if self.helo.is_none() {
            return self.error(Reply::new(503, "5.5.1 Send EHLO or HELO first"));
        }
        if self.mail_from.is_some() {
            return self.error(Reply::new(503, "5.5.1 Sender already given"));
        }
        let Some((path, params)) = strip_keyword(arg, "FROM:").and_then(split_path) else {
            return self.error(Reply::new(501, "5.5.4 Syntax: MAIL FROM:<address>"));
        };
        for param in params.split_whitespace() {
            let (key, value) = param.split_once('=').unwrap_or((param, ""));
            match key.to_ascii_uppercase().as_str() {
                "SIZE" => match value.parse::<u64>() {
                    Ok(size) if size > self.max_message_bytes as u64 => {
                        return Step::Reply(Reply::new(
                            552,
                            "5.3.4 Message size exceeds fixed maximum message size",
                        ));
                    }
                    Ok(_) => {}
                    Err(_) => return self.error(Reply::new(501, "5.5.4 SIZE needs a number")),
                },
                "BODY" if ["7BIT", "8BITMIME"].contains(&value.to_ascii_uppercase().as_str()) => {}
                "BODY" => return self.error(Reply::new(501, "5.5.4 BODY is 7BIT or 8BITMIME")),
                _ => return self.error(Reply::new(555, "5.5.4 Unsupported MAIL parameter")),
            }
        }
        if !valid_address(&path) {
            return self.error(Reply::new(501, "5.1.7 Bad sender address syntax"));
        }
        Step::CheckSender((!path.is_empty()).then_some(path))
    }

    pub fn sender_checked(
        &mut self,
        from: Option<String>,
        result: Result<(), DeliverError>,
    ) -> Reply {
        match result {
            Ok(()) => {
                self.mail_from = Some(from);
                Reply::new(250, "2.1.0 Ok")
            }
            Err(DeliverError::TryLater(why)) => {
                Reply::new(450, format!("4.7.1 {}", one_line(&why)))
            }
            Err(DeliverError::Refused(why)) => Reply::new(550, format!("5.7.1 {}", one_line(&why))),
        }
    }

    fn rcpt(&mut self, arg: &str) -> Step {
        if self.mail_from.is_none() {
            return self.error(Reply::new(503, "5.5.1 Need MAIL before RCPT"));
        }
        let Some((path, params)) = strip_keyword(arg, "TO:").and_then(split_path) else {
            return self.error(Reply::new(501, "5.5.4 Syntax: RCPT TO:<address>"));
        };
        if !params.trim().is_empty() {
            return self.error(Reply::new(555, "5.5.4 Unsupported RCPT parameter"));
        }
        let postmaster = path.eq_ignore_ascii_case("postmaster");
        if path.is_empty() || !valid_address(&path) || !(path.contains('@') || postmaster) {
            return self.error(Reply::new(501, "5.1.3 Bad recipient address syntax"));
        }
        if self.rcpt_to.len() >= self.max_recipients {
            return Step::Reply(Reply::new(452, "4.5.3 Too many recipients"));
        }
        Step::CheckRecipient(path)
    }

    pub fn recipient_checked(&mut self, rcpt: String, check: RecipientCheck) -> Reply {
        match check {
            RecipientCheck::Accept => {
                if !self.rcpt_to.contains(&rcpt) {
                    self.rcpt_to.push(rcpt);
                }
                Reply::new(250, "2.1.5 Ok")
            }
            RecipientCheck::Unknown => Reply::new(
                550,
                format!("5.1.1 <{rcpt}>: Recipient address rejected: User unknown"),
            ),
            RecipientCheck::TryLater => {
                Reply::new(451, "4.3.0 Cannot check the recipient now, try again later")
            }
        }
    }

    fn data(&mut self, arg: &str) -> Step {
        if !arg.is_empty() {
            return self.error(Reply::new(501, "5.5.4 DATA takes no arguments"));
        }
        if self.mail_from.is_none() {
            return self.error(Reply::new(503, "5.5.1 Need MAIL before DATA"));
        }
        if self.rcpt_to.is_empty() {
            return Step::Reply(Reply::new(554, "5.5.1 No valid recipients"));
        }
        self.data.clear();
        self.oversize = false;
        Step::StartData(Reply::new(354, "End data with <CR><LF>.<CR><LF>"))
    }

    /// One line of the message, with its line ending (or without, when it was cut at the
    /// driver's limit). Returns true at the final ".".
    pub fn data_line(&mut self, line: &[u8]) -> bool {
        let content = line
            .strip_suffix(b"\n")
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .unwrap_or(line);
        if content == b"." {
            return true;
        }
        let content = content.strip_prefix(b".").unwrap_or(content);
        if self.data.len() + content.len() + 2 > self.max_message_bytes {
            self.oversize = true;
            self.data = Vec::new();
        }
        if !self.oversize {
            self.data.extend_from_slice(content);
            self.data.extend_from_slice(b"\r\n");
        }
        false
    }

    /// A line in DATA longer than the driver's limit: the message is too large.
    pub fn data_overflow(&mut self) {
        self.oversize = true;
        self.data = Vec::new();
    }

    /// After the final ".": the message to deliver, or the reply refusing it.
    pub fn finish_data(&mut self, peer: SocketAddr) -> Result<(Envelope, Vec<u8>), Reply> {
        let oversize = self.oversize;
        let raw = std::mem::take(&mut self.data);
        let envelope = Envelope {
            mail_from: self.mail_from.take().flatten(),
            rcpt_to: std::mem::take(&mut self.rcpt_to),
            peer,
            helo: self.helo.clone().unwrap_or_default(),
        };
        self.reset();
        if oversize {
            return Err(Reply::new(
                552,
                "5.3.4 Message size exceeds fixed maximum message size",
            ));
        }
        Ok((envelope, raw))
    }

    pub fn delivered(&mut self, result: Result<String, DeliverError>) -> Reply {
        match result {
            Ok(id) => Reply::new(250, format!("2.0.0 Ok: queued as {}", one_line(&id))),
            Err(DeliverError::TryLater(why)) => {
                Reply::new(451, format!("4.3.0 {}", one_line(&why)))
            }
            Err(DeliverError::Refused(why)) => Reply::new(554, format!("5.6.0 {}", one_line(&why))),
        }
    }

    fn reset(&mut self) {
        self.mail_from = None;
        self.rcpt_to.clear();
        self.data = Vec::new();
        self.oversize = false;
    }

    fn error(&mut self, reply: Reply) -> Step {
        self.errors += 1;
        if self.errors >= MAX_ERRORS {
            return Step::Close(Reply::new(
                421,
                "4.7.0 Too many errors, closing the connection",
            ));
        }
        Step::Reply(reply)
    }
}

/// `FROM:<a@b> PARAMS` → `<a@b> PARAMS`, the keyword compared without case.
fn strip_keyword<'a>(arg: &'a str, keyword: &str) -> Option<&'a str> {
    let head = arg.get(..keyword.len())?;
    head.eq_ignore_ascii_case(keyword)
        .then(|| arg[keyword.len()..].trim_start())
}

/// The address of `<a@b> PARAMS` (brackets optional, source route dropped) and the rest.
fn split_path(s: &str) -> Option<(String, &str)> {
    let (path, rest) = match s.strip_prefix('<') {
        Some(inner) => {
            let end = inner.find('>')?;
            (&inner[..end], &inner[end + 1..])
        }
        None => match s.split_once(char::is_whitespace) {
            Some((p, r)) => (p, r),
            None => (s, ""),
        },
    };
    let path = match path.split_once(':') {
        Some((route, addr)) if route.starts_with('@') => addr,
        _ => path,
    };
    Some((path.trim().to_string(), rest))
}

fn valid_address(a: &str) -> bool {
    a.len() <= 320
        && !a
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
}

/// Text from the intake in a reply: one line, no control characters.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
