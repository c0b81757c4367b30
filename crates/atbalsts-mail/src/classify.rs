//! Mail that must never be answered automatically (RFC 3834 and what mail software does in
//! practice): answering it makes loops, or answers a machine no one reads.

use crate::parse::ParsedMail;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AutoReason {
    AutoSubmitted,
    Precedence,
    MailingList,
    NullSender,
    Loop,
    OwnAddress,
    Bounce,
    AutoResponderHeader,
}

impl AutoReason {
    /// A stable code for storage and logs.
    pub fn as_str(&self) -> &'static str {
        match self {
            AutoReason::AutoSubmitted => "auto_submitted",
            AutoReason::Precedence => "precedence",
            AutoReason::MailingList => "mailing_list",
            AutoReason::NullSender => "null_sender",
            AutoReason::Loop => "loop",
            AutoReason::OwnAddress => "own_address",
            AutoReason::Bounce => "bounce",
            AutoReason::AutoResponderHeader => "auto_responder_header",
        }
    }
}

impl std::fmt::Display for AutoReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Headers by which auto-responders mark their replies, whatever their value.
const RESPONDER_HEADERS: [&str; 4] = [
    "X-Autoreply",
    "X-Autorespond",
    "X-Autoreply-From",
    "X-Mail-Autoreply",
];

/// The rules that need the message alone. A bounce wins over the others, since callers
/// treat it specially (it may tell that an address of ours is dead).
pub fn classify_headers(mail: &ParsedMail) -> Option<AutoReason> {
    if is_bounce(mail) {
        return Some(AutoReason::Bounce);
    }
    if let Some(value) = mail.header("Auto-Submitted")
        && !first_token(value).is_empty()
        && first_token(value) != "no"
    {
        return Some(AutoReason::AutoSubmitted);
    }
    if RESPONDER_HEADERS.iter().any(|h| mail.header(h).is_some())
        || mail.header_all("X-Auto-Response-Suppress").any(|v| {
            v.split([',', ' ', ';']).any(|t| {
                ["all", "oof", "autoreply"].contains(&t.trim().to_ascii_lowercase().as_str())
            })
        })
    {
        return Some(AutoReason::AutoResponderHeader);
    }
    if mail
        .header_all("Precedence")
        .any(|v| ["bulk", "list", "junk", "auto_reply"].contains(&first_token(v).as_str()))
    {
        return Some(AutoReason::Precedence);
    }
    if mail.header("List-Id").is_some() || mail.header("List-Unsubscribe").is_some() {
        return Some(AutoReason::MailingList);
    }
    None
}

/// All the rules. Their order: a bounce stays a bounce; then a loop of ours, a null
/// envelope sender and mail from our own addresses, which say more than the header rules.
/// `envelope_sender` is the SMTP MAIL FROM when known (`Some("")` or `Some("<>")` for the
/// null sender); when it is unknown, a Return-Path of `<>` counts as the null sender.
pub fn classify(
    mail: &ParsedMail,
    envelope_sender: Option<&str>,
    is_own_address: &dyn Fn(&str) -> bool,
    loop_marker: &str,
) -> Option<AutoReason> {
    let by_headers = classify_headers(mail);
    if by_headers == Some(AutoReason::Bounce) {
        return by_headers;
    }
    let marker = strip_brackets(loop_marker);
    if !marker.is_empty()
        && mail
            .headers_x_loop
            .iter()
            .any(|v| strip_brackets(v).eq_ignore_ascii_case(marker))
    {
        return Some(AutoReason::Loop);
    }
    let null_sender = match envelope_sender {
        Some(sender) => strip_brackets(sender).is_empty(),
        None => mail
            .header("Return-Path")
            .is_some_and(|rp| strip_brackets(rp).is_empty()),
    };
    if null_sender {
        return Some(AutoReason::NullSender);
    }
    if mail
        .from
        .as_ref()
        .is_some_and(|from| is_own_address(&from.address))
    {
        return Some(AutoReason::OwnAddress);
    }
    by_headers
}

fn is_bounce(mail: &ParsedMail) -> bool {
    if mail.report_type.is_some() || mail.content_type == "multipart/report" {
        return true;
    }
    let Some(from) = &mail.from else {
        return false;
    };
    let local = from
        .address
        .split('@')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if local == "mailer-daemon" {
        return true;
    }
    // People write from postmaster too; only its delivery reports count.
    let subject = mail.subject.to_ascii_lowercase();
    local == "postmaster"
        && [
            "undeliver",
            "delivery status",
            "delivery failure",
            "returned mail",
            "failure notice",
        ]
        .iter()
        .any(|s| subject.contains(s))
}

fn first_token(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn strip_brackets(value: &str) -> &str {
    value
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
}
