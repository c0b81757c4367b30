//! Notices by e-mail: an event's notices (decided by `domain::notice`) worded
//! in the recipient's language, composed with the threading headers of the
//! ticket's conversation, and written to the outbox once per cause.

use crate::Channels;
use crate::texts::catalog;
use atbalsts_domain::language::TextLanguage;
use atbalsts_domain::notice::{self, EventFacts, Notice, Purpose, Recipient};
use atbalsts_i18n::Catalog;
use atbalsts_mail::{AutoSubmitted, Mailbox, Outgoing};
use atbalsts_store::StoreError;
use atbalsts_store::dispatch::{NoticeFacts, PendingEvent};
use atbalsts_store::mail::outbound::NewOutbound;

/// A notice ready to compose.
struct Letter {
    purpose: Purpose,
    to: Mailbox,
    user_id: Option<i64>,
    lang: TextLanguage,
    /// A private link for the requester, or the workspace's for staff.
    link: String,
}

impl Channels {
    /// Write the e-mail an event causes. Idempotent: the outbox keeps one per cause and recipient.
    pub async fn notify(&self, event: &PendingEvent) -> Result<usize, StoreError> {
        let data = event.data_json();
        let message = data["message"].as_i64();
        let Some(facts) = self.store.notice_facts(event.ticket_id, message).await? else {
            return Ok(0);
        };
        let assignee = facts.ticket.assignee.as_ref().map(|a| a.id);
        let notices = notice::notices(&EventFacts {
            kind: &event.kind,
            actor_kind: &event.actor_kind,
            actor_id: event.actor_id,
            data: &data,
            assignee,
        });
        let mut written = 0;
        for n in notices {
            let Some(letter) = self.address(&n, &facts).await? else {
                continue;
            };
            if self.write(event, &facts, &data, letter).await? {
                written += 1;
            }
        }
        Ok(written)
    }

    async fn address(&self, n: &Notice, facts: &NoticeFacts) -> Result<Option<Letter>, StoreError> {
        let t = &facts.ticket;
        let base = self.config.public_url.trim_end_matches('/');
        Ok(match n.to {
            Recipient::Requester => {
                let Some(email) = &t.requester.email else {
                    return Ok(None);
                };
                let lang = TextLanguage::for_code(&t.language);
                let token = self.store.issue_access_link(t.id).await?;
                let prefix = if lang == TextLanguage::En { "/en" } else { "" };
                Some(Letter {
                    purpose: n.purpose,
                    to: Mailbox::new(Some(&t.requester.name), email),
                    user_id: None,
                    lang,
                    link: format!("{base}{prefix}/t/{token}"),
                })
            }
            Recipient::Staff(user) => {
                if !self.store.wants_notice(user, n.purpose.as_str()).await? {
                    return Ok(None);
                }
                let Some((email, name)) = self.store.staff_address(user).await? else {
                    return Ok(None);
                };
                Some(Letter {
                    purpose: n.purpose,
                    to: Mailbox::new(Some(&name), &email),
                    user_id: Some(user),
                    lang: TextLanguage::Lv,
                    link: format!("{base}/staff/tickets/{}", t.id),
                })
            }
        })
    }

    async fn write(
        &self,
        event: &PendingEvent,
        facts: &NoticeFacts,
        data: &serde_json::Value,
        letter: Letter,
    ) -> Result<bool, StoreError> {
        let t = &facts.ticket;
        let c = catalog(letter.lang);
        let (subject, text) = words(c, &self.config.desk_name, facts, data, &letter);
        let subject = format!("[#{}] {subject}", t.number);
        let reply_to = match &t.group {
            Some(g) => self.store.group_addresses(g).await?.into_iter().next(),
            None => None,
        };
        let thread = self.store.thread_of_ticket(t.id, 20).await?;
        let attachments = match (letter.purpose, data["message"].as_i64()) {
            (Purpose::StaffReply | Purpose::WaitingForYou, Some(message)) => {
                self.files_for_mail(message).await?
            }
            _ => Vec::new(),
        };
        let message_id = atbalsts_mail::new_message_id(self.config.domain());
        let out = Outgoing {
            from: Mailbox::new(Some(&self.config.desk_name), &self.config.mail_from),
            reply_to: reply_to.map(|a| Mailbox::new(Some(&self.config.desk_name), &a)),
            to: letter.to.clone(),
            subject: subject.clone(),
            html: html_of(&text),
            text,
            message_id: message_id.clone(),
            in_reply_to: thread.last().cloned(),
            references: thread,
            auto_submitted: if letter.purpose.is_reply() {
                AutoSubmitted::Replied
            } else {
                AutoSubmitted::Generated
            },
            loop_marker: Some(self.config.mail_from.clone()),
            attachments,
        };
        let raw = atbalsts_mail::compose(&out).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let written = self
            .store
            .queue_mail(&NewOutbound {
                ticket_id: Some(t.id),
                purpose: letter.purpose.as_str().into(),
                cause: format!("event:{}", event.event_id),
                recipient: letter.to.address.clone(),
                user_id: letter.user_id,
                sender: self.config.mail_from.clone(),
                message_id,
                subject,
                raw,
            })
            .await?;
        Ok(written.is_some())
    }
}

/// Mail carries a reply's files up to this many bytes together; larger ones
/// stay on the private ticket page the mail links to (relays refuse big mail,
/// and base64 adds a third).
const MAX_MAILED_FILES: i64 = 10 * 1024 * 1024;

impl Channels {
    /// The files of a staff reply, to go with its e-mail to the requester.
    async fn files_for_mail(
        &self,
        message: i64,
    ) -> Result<Vec<atbalsts_mail::Attachment>, StoreError> {
        let files = self.store.public_message_attachments(message).await?;
        if files.iter().map(|f| f.size).sum::<i64>() > MAX_MAILED_FILES {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(files.len());
        for f in files {
            let data = self
                .objects
                .get(&f.storage_key)
                .await
                .map_err(|e| StoreError::Unavailable(format!("object storage: {e}")))?;
            out.push(atbalsts_mail::Attachment {
                filename: Some(f.file_name),
                content_type: f.content_type,
                data: data.to_vec(),
            });
        }
        Ok(out)
    }
}

/// The subject and plain text of a notice.
fn words(
    c: &Catalog,
    desk: &str,
    facts: &NoticeFacts,
    data: &serde_json::Value,
    letter: &Letter,
) -> (String, String) {
    let t = &facts.ticket;
    let key = letter.purpose.as_str();
    let author = facts.message.as_ref().map_or("", |(a, _)| a.as_str());
    let until = data["until"].as_str().unwrap_or("");
    let reason = data["reason"].as_str().unwrap_or("");
    let args = [
        ("subject", t.subject.as_str()),
        ("number", t.number.as_str()),
        ("author", author),
        ("date", until),
        ("reason", reason),
        ("name", letter.to.name.as_deref().unwrap_or("")),
        ("desk", desk),
        ("link", letter.link.as_str()),
    ];
    let subject = c.t_args(&format!("mail-subject-{key}"), &args);
    let mut text = format!("{}\n\n", c.t_args("mail-greeting", &args));
    text.push_str(&c.t_args(&format!("mail-body-{key}"), &args));
    text.push('\n');
    let quoted = match letter.purpose {
        Purpose::Resolved => t.resolution.clone(),
        _ => facts.message.as_ref().map(|(_, body)| body.clone()),
    };
    if let Some(q) = quoted.filter(|q| !q.trim().is_empty()) {
        text.push('\n');
        text.push_str(q.trim());
        text.push('\n');
    }
    text.push('\n');
    if letter.purpose.to_staff() {
        text.push_str(&c.t_args("mail-staff-link", &args));
    } else {
        text.push_str(&c.t_args("mail-link", &args));
    }
    text.push_str("\n\n");
    text.push_str(&c.t_args("mail-signature", &args));
    text.push_str("\n\n-- \n");
    text.push_str(&c.t_args("mail-footer", &args));
    text.push('\n');
    (subject, text)
}

/// The HTML part: the same text, escaped, paragraphs kept, links clickable.
pub(crate) fn html_of(text: &str) -> String {
    let mut html = String::from("<!DOCTYPE html><html><body>");
    for para in text.split("\n\n") {
        html.push_str("<p>");
        let lines: Vec<String> = para
            .lines()
            .map(|line| {
                line.split(' ')
                    .map(|w| {
                        let e = escape(w);
                        if w.starts_with("http://") || w.starts_with("https://") {
                            format!("<a href=\"{e}\">{e}</a>")
                        } else {
                            e
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        html.push_str(&lines.join("<br>"));
        html.push_str("</p>");
    }
    html.push_str("</body></html>");
    html
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_html_part_escapes_and_links() {
        let html = html_of("Labdien <b>!\n\nSkatiet https://x.lv/t/a?b=1&c=2");
        assert!(html.contains("Labdien &lt;b&gt;!"), "{html}");
        assert!(
            html.contains("<a href=\"https://x.lv/t/a?b=1&amp;c=2\">"),
            "{html}"
        );
    }
}
