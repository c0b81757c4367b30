//! Reading an incoming message into what the desk needs: addresses, thread ids, the
//! subject, one readable text and the files.

use mail_parser::{Address, HeaderValue, Message, MessageParser, MimeHeaders, PartType};

use crate::classify::classify_headers;
use crate::prepare::prepare;
use crate::repair::{decode_charset, decode_encoded_words, lenient_base64};
use crate::text::{extract_uuencoded, html_to_text, tidy};

/// A name and an address, as in `"Jānis Bērziņš" <janis@example.lv>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mailbox {
    pub name: Option<String>,
    /// Trimmed, without angle brackets, the domain part lower-cased.
    pub address: String,
}

impl Mailbox {
    /// A mailbox with the address normalised the way [`parse`] normalises it.
    pub fn new(name: Option<&str>, address: &str) -> Mailbox {
        let name = name
            .map(|n| n.trim().trim_matches('"').trim())
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        Mailbox {
            name,
            address: normalize_address(address),
        }
    }
}

/// A file that came with a message (or goes with one).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attachment {
    pub filename: Option<String>,
    /// `type/subtype`, lower-case, without parameters. A text part's `data` is UTF-8,
    /// whatever charset it came in.
    pub content_type: String,
    pub data: Vec<u8>,
}

/// An incoming message as the desk uses it. Built by [`parse`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedMail {
    /// Without angle brackets.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// Decoded; "" when absent.
    pub subject: String,
    pub from: Option<Mailbox>,
    pub reply_to: Option<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    /// Delivered-To and X-Original-To addresses.
    pub delivered_to: Vec<String>,
    /// Unix seconds.
    pub date: Option<i64>,
    /// The best plain body: the text/plain part, else the HTML as text; forwarded messages'
    /// text follows after a separator line.
    pub text: String,
    pub attachments: Vec<Attachment>,
    /// Why this message must not be answered, by its headers alone (see [`classify_headers`]).
    pub auto: Option<crate::AutoReason>,
    /// For a bounce: the Message-ID of the message it reports on.
    pub reports_on: Option<String>,
    pub headers_x_loop: Vec<String>,
    /// Added to the specified API: the top-level header fields in order, names as written,
    /// values unfolded and trimmed but not decoded. The header rules read them.
    pub headers: Vec<(String, String)>,
    /// Added: the top-level `type/subtype`, lower-case ("text/plain" when absent).
    pub content_type: String,
    /// Added: for a report (multipart/report, or a message/delivery-status part) its
    /// report type, e.g. "delivery-status" or "disposition-notification".
    pub report_type: Option<String>,
}

impl ParsedMail {
    /// The first value of a top-level header field (name compared without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_all(name).next()
    }

    /// Every value of a top-level header field, in order.
    pub fn header_all<'a, 'n>(
        &'a self,
        name: &'n str,
    ) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("empty message")]
    Empty,
    #[error("no header section: the input has no header line")]
    NoHeaders,
    #[error("the message could not be read: the MIME parser failed on it")]
    ParserFailed,
}

/// How deep forwarded messages inside forwarded messages are followed for their text.
const MAX_FORWARD_DEPTH: usize = 5;
const FORWARD_SEPARATOR: &str = "---------- Forwarded message ----------";

/// Reads a raw RFC 5322 message. Lenient: anything with a header line gives a result.
pub fn parse(raw: &[u8]) -> Result<ParsedMail, ParseError> {
    let bytes = prepare(raw)?;
    // mail-parser is written not to panic, but mail from the internet is hostile input
    // and a panic here would take a delivery worker down with it; a failed message is
    // only one error.
    std::panic::catch_unwind(|| parse_prepared(&bytes)).unwrap_or(Err(ParseError::ParserFailed))
}

fn parse_prepared(bytes: &[u8]) -> Result<ParsedMail, ParseError> {
    let msg = MessageParser::default()
        .parse(bytes)
        .ok_or(ParseError::NoHeaders)?;
    let headers: Vec<(String, String)> = msg
        .headers_raw()
        .map(|(n, v)| (n.to_string(), unfold(v)))
        .collect();
    let mut mail = ParsedMail {
        message_id: msg.message_id().and_then(clean_id),
        in_reply_to: ids(msg.in_reply_to()),
        references: ids(msg.references()),
        subject: subject(&msg),
        from: msg.from().and_then(first_mailbox),
        reply_to: msg.reply_to().and_then(first_mailbox),
        to: msg.all_to().flat_map(mailboxes).collect(),
        cc: msg.all_cc().flat_map(mailboxes).collect(),
        date: msg
            .date()
            .filter(|d| d.is_valid())
            .map(mail_parser::DateTime::to_timestamp),
        content_type: content_type_of(&msg, "text/plain"),
        headers,
        ..ParsedMail::default()
    };
    mail.delivered_to = ["Delivered-To", "X-Original-To"]
        .iter()
        .flat_map(|name| mail.header_all(name))
        .map(normalize_address)
        .filter(|a| !a.is_empty())
        .collect();
    mail.headers_x_loop = mail
        .header_all("X-Loop")
        .map(str::to_string)
        .filter(|v| !v.is_empty())
        .collect();

    let body = Body::of(&msg, 0);
    mail.text = body.text;
    mail.attachments = body.attachments;
    mail.report_type = report_type(&msg).or(body.report_type);
    mail.auto = classify_headers(&mail);
    if mail.report_type.is_some() || mail.auto == Some(crate::AutoReason::Bounce) {
        mail.reports_on = body
            .reported_id
            .or_else(|| mail.in_reply_to.first().cloned())
            .or_else(|| message_id_in_text(&mail.text));
    }
    Ok(mail)
}

/// What the parts of one message (or a forwarded one) give.
#[derive(Default)]
struct Body {
    text: String,
    attachments: Vec<Attachment>,
    report_type: Option<String>,
    /// The Message-ID found in a returned message or returned headers.
    reported_id: Option<String>,
}

impl Body {
    fn of(msg: &Message<'_>, depth: usize) -> Body {
        let mut body = Body::default();
        let mut texts = Vec::new();
        for part in msg.text_bodies() {
            match &part.body {
                PartType::Text(t) => {
                    let repaired = repaired_text(msg, part);
                    let (rest, files) = extract_uuencoded(repaired.as_deref().unwrap_or(t));
                    texts.push(tidy(&rest));
                    body.attachments.extend(files);
                }
                PartType::Html(h) => texts.push(html_to_text(h)),
                _ => {}
            }
        }
        body.text = texts.join("\n\n");

        for part in msg.attachments() {
            let content_type = content_type_of(part, "application/octet-stream");
            match &part.body {
                PartType::Message(nested) => body.add_forward(part, nested, depth),
                PartType::Text(t) | PartType::Html(t) => {
                    if let Some(data) = repaired_bytes(msg, part) {
                        body.attachments.push(Attachment {
                            filename: part.attachment_name().map(str::to_string),
                            content_type,
                            data,
                        });
                        continue;
                    }
                    if content_type == "text/rfc822-headers" && body.reported_id.is_none() {
                        body.reported_id = MessageParser::default()
                            .parse_headers(t.as_bytes())
                            .and_then(|m| m.message_id().and_then(clean_id));
                    }
                    body.attachments.push(Attachment {
                        filename: part.attachment_name().map(str::to_string),
                        content_type,
                        data: t.as_bytes().to_vec(),
                    });
                }
                PartType::Binary(b) | PartType::InlineBinary(b) => {
                    if content_type == "message/delivery-status" {
                        body.report_type = Some("delivery-status".to_string());
                    }
                    if content_type == "message/disposition-notification"
                        && body.reported_id.is_none()
                    {
                        body.reported_id = message_id_in_text(&String::from_utf8_lossy(b));
                    }
                    body.attachments.push(Attachment {
                        filename: part.attachment_name().map(str::to_string),
                        content_type,
                        data: b.to_vec(),
                    });
                }
                PartType::Multipart(_) => {}
            }
        }
        body
    }

    /// A forwarded (or returned) message: kept whole as a file, and its text shown after
    /// a separator so the specialist reads it without opening the file.
    fn add_forward(
        &mut self,
        part: &mail_parser::MessagePart<'_>,
        nested: &Message<'_>,
        depth: usize,
    ) {
        self.attachments.push(Attachment {
            filename: Some(part.attachment_name().unwrap_or("message.eml").to_string()),
            content_type: "message/rfc822".to_string(),
            data: nested.raw_message().to_vec(),
        });
        if self.reported_id.is_none() {
            self.reported_id = nested.message_id().and_then(clean_id);
        }
        if depth >= MAX_FORWARD_DEPTH {
            return;
        }
        let inner = Body::of(nested, depth + 1);
        let mut summary = vec![FORWARD_SEPARATOR.to_string()];
        if let Some(from) = nested.from().and_then(first_mailbox) {
            summary.push(match from.name {
                Some(name) => format!("From: {name} <{}>", from.address),
                None => format!("From: {}", from.address),
            });
        }
        if let Some(subject) = nested.subject() {
            summary.push(format!("Subject: {}", subject.trim()));
        }
        let mut section = summary.join("\n");
        if !inner.text.is_empty() {
            section.push_str("\n\n");
            section.push_str(&inner.text);
        }
        if !self.text.is_empty() {
            self.text.push_str("\n\n");
        }
        self.text.push_str(&section);
        self.attachments.extend(inner.attachments);
    }
}

/// The decoded subject; re-decoded here when mail-parser's word-by-word decoding broke a
/// letter split between two encoded words.
fn subject(msg: &Message<'_>) -> String {
    let decoded = msg.subject().unwrap_or_default();
    if decoded.contains('\u{FFFD}')
        && let Some(raw) = msg.header_raw("Subject")
    {
        return decode_encoded_words(&unfold(raw)).trim().to_string();
    }
    decoded.trim().to_string()
}

/// Base64 mail-parser could not decode (it then keeps the encoded text as the part's
/// body), decoded here leniently. Its quoted-printable decoding never fails.
fn repaired_bytes(msg: &Message<'_>, part: &mail_parser::MessagePart<'_>) -> Option<Vec<u8>> {
    if !part.is_encoding_problem
        || !part
            .content_transfer_encoding()
            .is_some_and(|e| e.trim().eq_ignore_ascii_case("base64"))
    {
        return None;
    }
    let raw = msg
        .raw_message()
        .get(part.raw_body_offset() as usize..part.raw_end_offset() as usize)?;
    Some(lenient_base64(raw))
}

fn repaired_text(msg: &Message<'_>, part: &mail_parser::MessagePart<'_>) -> Option<String> {
    let bytes = repaired_bytes(msg, part)?;
    let charset = part
        .content_type()
        .and_then(|ct| ct.attribute("charset"))
        .unwrap_or("utf-8");
    Some(decode_charset(charset, &bytes))
}

/// The report type of a multipart/report message.
fn report_type(msg: &Message<'_>) -> Option<String> {
    let ct = msg.content_type()?;
    if !ct.ctype().eq_ignore_ascii_case("multipart")
        || !ct
            .subtype()
            .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    {
        return None;
    }
    Some(
        ct.attribute("report-type")
            .unwrap_or("unknown")
            .trim()
            .to_ascii_lowercase(),
    )
}

fn content_type_of<'x>(part: &impl MimeHeaders<'x>, default: &str) -> String {
    match part.content_type() {
        Some(ct) => match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
            None => ct.ctype().to_ascii_lowercase(),
        },
        None => default.to_string(),
    }
}

/// A bounce in plain text (no report part) often quotes the returned headers.
fn message_id_in_text(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (name, value) = line.trim_start().split_once(':')?;
        let name = name.trim();
        (name.eq_ignore_ascii_case("message-id")
            || name.eq_ignore_ascii_case("original-message-id"))
        .then(|| clean_id(value))
        .flatten()
    })
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => clean_id(id).into_iter().collect(),
        HeaderValue::TextList(list) => list.iter().filter_map(|id| clean_id(id)).collect(),
        _ => Vec::new(),
    }
}

fn clean_id(id: &str) -> Option<String> {
    let id = id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!id.is_empty()).then(|| id.to_string())
}

fn unfold(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for piece in value.split('\n') {
        let piece = piece.trim_end_matches('\r');
        if !out.is_empty() && !piece.trim().is_empty() {
            out.push(' ');
        }
        out.push_str(piece.trim());
    }
    out
}

fn first_mailbox(address: &Address<'_>) -> Option<Mailbox> {
    mailboxes(address).into_iter().next()
}

fn mailboxes(address: &Address<'_>) -> Vec<Mailbox> {
    address
        .iter()
        .filter_map(|a| {
            let addr = a.address()?.trim();
            (!addr.is_empty()).then(|| Mailbox::new(a.name(), addr))
        })
        .collect()
}

fn normalize_address(address: &str) -> String {
    let a = address
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    match a.rsplit_once('@') {
        Some((local, domain)) => format!("{local}@{}", domain.to_lowercase()),
        None => a.to_string(),
    }
}
