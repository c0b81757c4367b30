//! Building the desk's outgoing messages: both a text and an HTML part, the thread ids,
//! and the marks (Auto-Submitted, X-Loop) by which other software knows not to answer.

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment as LettreAttachment, MultiPart, SinglePart};

use crate::parse::{Attachment, Mailbox};

/// The RFC 3834 mark of a message no person wrote then and there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoSubmitted {
    /// "auto-generated": notices the desk sends by itself.
    Generated,
    /// "auto-replied": an automatic answer to a message.
    Replied,
}

impl AutoSubmitted {
    pub fn as_str(&self) -> &'static str {
        match self {
            AutoSubmitted::Generated => "auto-generated",
            AutoSubmitted::Replied => "auto-replied",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
    pub to: Mailbox,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Without angle brackets; see [`new_message_id`].
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub auto_submitted: AutoSubmitted,
    /// Written as X-Loop; incoming mail carrying it is ours come back.
    pub loop_marker: Option<String>,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    #[error("invalid {field} address {address:?}: {reason}")]
    Address {
        field: &'static str,
        address: String,
        reason: String,
    },
    #[error(
        "invalid message id {0:?}: it must be non-empty printable ASCII without spaces or angle brackets"
    )]
    MessageId(String),
    #[error("invalid content type {0:?} of an attachment")]
    ContentType(String),
    #[error("the message could not be built: {0}")]
    Build(String),
}

/// A new globally unique Message-ID (without angle brackets): 128 random bits at the
/// desk's domain.
pub fn new_message_id(domain: &str) -> String {
    let domain: String = domain
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        .collect();
    let domain = if domain.is_empty() {
        "localhost".to_string()
    } else {
        domain
    };
    format!("{}@{domain}", hex::encode(rand::random::<[u8; 16]>()))
}

/// The RFC 5322 bytes of the message, with Date, Message-ID and MIME headers; non-ASCII
/// subject and names are encoded (RFC 2047), bodies as quoted-printable or base64.
pub fn compose(o: &Outgoing) -> Result<Vec<u8>, ComposeError> {
    check_id(&o.message_id)?;
    let mut builder = lettre::Message::builder()
        .from(mailbox("From", &o.from)?)
        .to(mailbox("To", &o.to)?)
        .subject(one_line(&o.subject))
        .message_id(Some(format!("<{}>", o.message_id)))
        .date_now()
        .header(AutoSubmittedHeader(o.auto_submitted.as_str().to_string()))
        // Asks Exchange not to send out-of-office and other automatic answers to the
        // desk's mail; delivery reports still come, since they tell of dead addresses.
        .header(SuppressHeader("OOF, AutoReply".to_string()));
    if let Some(reply_to) = &o.reply_to {
        builder = builder.reply_to(mailbox("Reply-To", reply_to)?);
    }
    if let Some(id) = &o.in_reply_to {
        check_id(id)?;
        builder = builder.in_reply_to(format!("<{id}>"));
    }
    if !o.references.is_empty() {
        let mut refs = Vec::with_capacity(o.references.len());
        for id in &o.references {
            check_id(id)?;
            refs.push(format!("<{id}>"));
        }
        builder = builder.references(refs.join(" "));
    }
    if let Some(marker) = &o.loop_marker {
        builder = builder.header(XLoopHeader(one_line(marker)));
    }

    let alternative = MultiPart::alternative_plain_html(o.text.clone(), o.html.clone());
    let message = if o.attachments.is_empty() {
        builder.multipart(alternative)
    } else {
        let mut mixed = MultiPart::mixed().multipart(alternative);
        for a in &o.attachments {
            mixed = mixed.singlepart(attachment(a)?);
        }
        builder.multipart(mixed)
    }
    .map_err(|e| ComposeError::Build(e.to_string()))?;
    Ok(message.formatted())
}

fn attachment(a: &Attachment) -> Result<SinglePart, ComposeError> {
    let content_type = ContentType::parse(&a.content_type)
        .map_err(|_| ComposeError::ContentType(a.content_type.clone()))?;
    let name = a
        .filename
        .clone()
        .unwrap_or_else(|| "attachment".to_string());
    Ok(LettreAttachment::new(one_line(&name)).body(a.data.clone(), content_type))
}

fn mailbox(field: &'static str, m: &Mailbox) -> Result<lettre::message::Mailbox, ComposeError> {
    let address = m
        .address
        .parse()
        .map_err(|e: lettre::address::AddressError| ComposeError::Address {
            field,
            address: m.address.clone(),
            reason: e.to_string(),
        })?;
    Ok(lettre::message::Mailbox::new(
        m.name.as_deref().map(one_line),
        address,
    ))
}

fn check_id(id: &str) -> Result<(), ComposeError> {
    let ok = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>');
    if ok {
        Ok(())
    } else {
        Err(ComposeError::MessageId(id.to_string()))
    }
}

/// Header text on one line: a line break in a subject or name would start a new header.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

macro_rules! text_header {
    ($type:ident, $name:literal) => {
        #[derive(Debug, Clone)]
        struct $type(String);

        impl Header for $type {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($name)
            }
            fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Ok($type(s.to_string()))
            }
            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), self.0.clone())
            }
        }
    };
}

text_header!(AutoSubmittedHeader, "Auto-Submitted");
text_header!(XLoopHeader, "X-Loop");
text_header!(SuppressHeader, "X-Auto-Response-Suppress");
