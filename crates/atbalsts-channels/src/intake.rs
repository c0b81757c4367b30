//! Taking in a received message (the `mail.intake` job): parse it, decide
//! whether it is mail that must never be answered, thread it into its ticket
//! or make a new one, or quarantine it with the reason. The message was stored
//! before this runs; whatever happens here, its record ends with an outcome.

use crate::Channels;
use atbalsts_domain::attachment;
use atbalsts_domain::refusal::Code;
use atbalsts_domain::{Actor, Channel, DomainError, Kind, Level, Priority, validate};
use atbalsts_mail::{AutoReason, ParsedMail};
use atbalsts_store::StoreError;
use atbalsts_store::attachments::NewAttachment;
use atbalsts_store::jobs::{ClaimedJob, JobError};
use atbalsts_store::mail::inbound::{InboundMail, InboundStatus, Settled};
use atbalsts_store::mail::normalise_address;
use atbalsts_store::tickets::{ChangeRequest, NewRequester, NewTicket};

#[derive(serde::Deserialize)]
struct Payload {
    mail: i64,
}

/// What intake decided, before it is recorded.
enum Outcome {
    Created(i64, String),
    Threaded(i64),
    Ignored(AutoReason),
    /// The same message taken in before (an IMAP poll or an SMTP retry after a lost answer).
    Duplicate(Option<i64>),
    Quarantined(String),
}

fn retry(e: StoreError) -> JobError {
    JobError::retry(e.to_string())
}

impl Channels {
    pub(crate) async fn take_in(&self, job: ClaimedJob) -> Result<(), JobError> {
        let p: Payload = job.payload_as()?;
        let (record, arrival, raw) = match self.store.inbound_mail(p.mail).await {
            Ok(found) => found,
            Err(StoreError::NotFound(m)) => return Err(JobError::permanent(m)),
            Err(e) => return Err(retry(e)),
        };
        if record.status != InboundStatus::Received {
            return Ok(());
        }
        let parsed = if raw.len() > self.config.max_message_bytes {
            Err(format!(
                "the message has {} bytes; the limit is {}",
                raw.len(),
                self.config.max_message_bytes
            ))
        } else {
            atbalsts_mail::parse(&raw).map_err(|e| format!("unreadable: {e}"))
        };
        let (outcome, mail) = match parsed {
            Err(reason) => (Outcome::Quarantined(reason), None),
            Ok(mail) => {
                let outcome = self
                    .decide(&record, arrival.envelope_from.as_deref(), &mail)
                    .await
                    .map_err(retry)?;
                (outcome, Some(mail))
            }
        };
        let from = mail
            .as_ref()
            .and_then(|m| m.from.as_ref())
            .map(|f| normalise_address(&f.address));
        let mut settled = Settled {
            status: InboundStatus::Quarantined,
            reason: None,
            message_id: mail.as_ref().and_then(|m| m.message_id.clone()),
            from_address: from,
            subject: mail.as_ref().map(|m| m.subject.chars().take(300).collect()),
            group: None,
            ticket_id: None,
        };
        match outcome {
            Outcome::Created(ticket, group) => {
                settled.status = InboundStatus::TicketCreated;
                settled.ticket_id = Some(ticket);
                settled.group = Some(group);
            }
            Outcome::Threaded(ticket) => {
                settled.status = InboundStatus::Threaded;
                settled.ticket_id = Some(ticket);
            }
            Outcome::Duplicate(ticket) => {
                settled.status = InboundStatus::AutoIgnored;
                settled.reason = Some("duplicate".into());
                settled.ticket_id = ticket;
            }
            Outcome::Ignored(reason) => {
                settled.status = InboundStatus::AutoIgnored;
                settled.reason = Some(reason.as_str().to_string());
            }
            Outcome::Quarantined(reason) => settled.reason = Some(reason),
        }
        if let (Some(ticket), Some(id), false) = (
            settled.ticket_id,
            &settled.message_id,
            settled.status == InboundStatus::AutoIgnored,
        ) {
            self.store
                .remember_message_id(id, ticket)
                .await
                .map_err(retry)?;
        }
        self.store
            .settle_mail(record.id, InboundStatus::Received, &settled)
            .await
            .map_err(retry)?;
        Ok(())
    }

    async fn decide(
        &self,
        record: &InboundMail,
        envelope_from: Option<&str>,
        mail: &ParsedMail,
    ) -> Result<Outcome, StoreError> {
        let own: Vec<String> = self
            .store
            .desk_addresses()
            .await?
            .into_iter()
            .map(|a| a.address)
            .chain([normalise_address(&self.config.mail_from)])
            .collect();
        let is_own = |a: &str| own.contains(&normalise_address(a));
        // A released message was looked at by a person: it is taken in as it is.
        let released = record.reason.as_deref() == Some("released");
        if !released
            && let Some(reason) =
                atbalsts_mail::classify(mail, envelope_from, &is_own, &self.config.mail_from)
        {
            if reason == AutoReason::Bounce
                && let Some(original) = &mail.reports_on
            {
                let report: String = mail.text.chars().take(500).collect();
                self.store.mark_bounced(original, &report).await?;
            }
            return Ok(Outcome::Ignored(reason));
        }
        let Some(from) = mail
            .from
            .as_ref()
            .or(mail.reply_to.as_ref())
            .filter(|f| validate::is_email(&normalise_address(&f.address)))
        else {
            return Ok(Outcome::Quarantined(
                "no sender address to answer (From)".into(),
            ));
        };
        let sender = normalise_address(&from.address);
        if let Some(id) = &mail.message_id
            && let Some(ticket) = self.store.claim_message_id(record.id, id).await?
        {
            return Ok(Outcome::Duplicate(ticket));
        }
        let hour_ago = atbalsts_store::now_micros() - 3_600_000_000;
        if !released
            && self.store.mail_from_since(&sender, hour_ago).await?
                >= self.config.per_sender_per_hour
        {
            return Ok(Outcome::Quarantined(format!(
                "more than {} messages an hour from {sender}",
                self.config.per_sender_per_hour
            )));
        }
        // Files over the limits stop the message until a person looks at it;
        // released, it is taken in with the files that fit.
        let files = match admitted(mail, released) {
            Ok(files) => files,
            Err(breach) => return Ok(Outcome::Quarantined(breach.to_string())),
        };
        let stored = self.store_files(&files).await?;
        let outcome = self
            .settle_with_files(record, mail, from, &sender, &stored)
            .await;
        if !matches!(outcome, Ok(Outcome::Created(..) | Outcome::Threaded(_))) {
            // No record names them: they would only be garbage.
            for f in &stored {
                let _ = self.objects.delete(&f.storage_key).await;
            }
        }
        outcome
    }

    async fn settle_with_files(
        &self,
        record: &InboundMail,
        mail: &ParsedMail,
        from: &atbalsts_mail::Mailbox,
        sender: &str,
        files: &[NewAttachment],
    ) -> Result<Outcome, StoreError> {
        if let Some(ticket) = self.ticket_of(mail, sender).await? {
            // A closed ticket is not reopened by mail: the message is a new request.
            if let Some(outcome) = self.reply_on(ticket, mail, files).await? {
                return Ok(outcome);
            }
        }
        self.new_ticket(record, mail, from, sender, files).await
    }

    /// Each file into object storage before the ticket's transaction records it.
    async fn store_files(
        &self,
        files: &[&atbalsts_mail::Attachment],
    ) -> Result<Vec<NewAttachment>, StoreError> {
        let mut stored = Vec::with_capacity(files.len());
        for a in files {
            let put = self
                .objects
                .put_new(a.data.clone().into())
                .await
                .map_err(|e| StoreError::Unavailable(format!("object storage: {e}")))?;
            stored.push(NewAttachment {
                storage_key: put.key,
                file_name: attachment::file_name(a.filename.as_deref()),
                content_type: put.content_type,
                declared_type: Some(a.content_type.clone()),
                size: i64::try_from(put.size).unwrap_or(i64::MAX),
                sha256: put.sha256,
            });
        }
        Ok(stored)
    }

    /// The ticket a message answers: by its references, or by the number in
    /// the subject when the sender is that ticket's requester.
    async fn ticket_of(&self, mail: &ParsedMail, sender: &str) -> Result<Option<i64>, StoreError> {
        let ids: Vec<String> = mail
            .in_reply_to
            .iter()
            .chain(mail.references.iter().rev())
            .cloned()
            .collect();
        if let Some(t) = self.store.ticket_of_message_ids(&ids).await? {
            return Ok(Some(t));
        }
        let Some(number) = number_in(&mail.subject) else {
            return Ok(None);
        };
        Ok(match self.store.ticket_by_number(&number).await? {
            Some((id, Some(email))) if normalise_address(&email) == sender => Some(id),
            _ => None,
        })
    }

    /// The requester's reply on `ticket`; `None` when the ticket is closed.
    async fn reply_on(
        &self,
        ticket: i64,
        mail: &ParsedMail,
        files: &[NewAttachment],
    ) -> Result<Option<Outcome>, StoreError> {
        let body = body_of(mail);
        let request = ChangeRequest::Reply {
            body,
            await_requester: false,
        };
        match self
            .store
            .change_ticket_via(
                &Actor::Requester { ticket_id: ticket },
                ticket,
                request,
                files,
                Some(Channel::Email),
            )
            .await
        {
            Ok(_) => Ok(Some(Outcome::Threaded(ticket))),
            Err(StoreError::Domain(DomainError::Conflict(r))) if r.code == Code::TicketClosed => {
                Ok(None)
            }
            Err(StoreError::Domain(e)) => Ok(Some(Outcome::Quarantined(format!(
                "cannot be added to ticket {ticket}: {e}"
            )))),
            Err(e) => Err(e),
        }
    }

    async fn new_ticket(
        &self,
        record: &InboundMail,
        mail: &ParsedMail,
        from: &atbalsts_mail::Mailbox,
        sender: &str,
        files: &[NewAttachment],
    ) -> Result<Outcome, StoreError> {
        // The envelope names the group; without one, the headers do.
        let mut candidates: Vec<String> = record.envelope_to.clone();
        candidates.extend(
            mail.to
                .iter()
                .chain(mail.cc.iter())
                .map(|m| m.address.clone()),
        );
        candidates.extend(mail.delivered_to.iter().cloned());
        let mut group = match &record.group {
            Some(code) => self.store.addressed_group(code).await?,
            None => None,
        };
        for c in candidates.iter().filter(|_| group.is_none()) {
            if let Some(g) = self.store.group_for_address(c).await? {
                group = Some(g);
                break;
            }
        }
        let Some(group) = group else {
            return Ok(Outcome::Quarantined(format!(
                "no support group answers at {}",
                candidates.join(", ")
            )));
        };
        let subject: String = match mail.subject.trim() {
            "" => "(bez temata)".to_string(),
            s => s.chars().take(validate::MAX_SUBJECT).collect(),
        };
        let name = from
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| sender.split('@').next().unwrap_or(sender).to_string());
        let language =
            atbalsts_search::assistant::detect_language(&format!("{subject}\n{}", mail.text))
                .map_or(atbalsts_domain::language::DEFAULT, |l| l.code());
        let new = NewTicket {
            institution: group.institution.clone(),
            service: None,
            resource: None,
            life_situation: None,
            channel: Channel::Email,
            location: None,
            kind: Kind::Consultation,
            priority: Priority::Normal,
            level: Level::Specialist,
            subject,
            description: body_of(mail),
            tags: Vec::new(),
            requester: NewRequester {
                name: name.chars().take(validate::MAX_NAME).collect(),
                email: Some(sender.to_string()),
                phone: None,
                personal_code: None,
            },
            language: language.to_string(),
            group: Some(group.group_code.clone()),
        };
        match self
            .store
            .create_ticket_with(&Actor::Anonymous, new, None, files.to_vec())
            .await
        {
            Ok(created) => Ok(Outcome::Created(created.ticket.id, group.group_code)),
            Err(StoreError::Domain(e)) => {
                Ok(Outcome::Quarantined(format!("not a valid request: {e}")))
            }
            Err(e) => Err(e),
        }
    }
}

/// The files of `mail` the desk keeps: all of them when they are within the
/// limits; for a released message, those that fit (the rest stay in the raw
/// message, named in the text).
fn admitted(
    mail: &ParsedMail,
    released: bool,
) -> Result<Vec<&atbalsts_mail::Attachment>, attachment::Breach> {
    let limits = attachment::Limits::default();
    let mut kept = Vec::new();
    let mut total = 0;
    for a in &mail.attachments {
        let name = attachment::file_name(a.filename.as_deref());
        match limits.admit(kept.len(), total, &name, a.data.len()) {
            Ok(()) => {
                total += a.data.len();
                kept.push(a);
            }
            Err(_) if released => {}
            Err(breach) => return Err(breach),
        }
    }
    Ok(kept)
}

/// The text of a message as a ticket keeps it: within the length limit, never empty.
fn body_of(mail: &ParsedMail) -> String {
    let text = mail.text.trim();
    let mut body: String = if text.is_empty() {
        "(tukša vēstule)".to_string()
    } else {
        text.chars().take(validate::MAX_BODY - 100).collect()
    };
    if text.chars().count() > validate::MAX_BODY - 100 {
        body.push_str("\n[…]");
    }
    if !mail.attachments.is_empty() {
        let names: Vec<String> = mail
            .attachments
            .iter()
            .map(|a| a.filename.clone().unwrap_or_else(|| a.content_type.clone()))
            .collect();
        body.push_str(&format!("\n\nPielikumi: {}", names.join(", ")));
    }
    body.chars().take(validate::MAX_BODY).collect()
}

/// A ticket number (`2026-000123`) in a subject, as the desk writes it (`[#2026-000123]`) or bare.
pub fn number_in(subject: &str) -> Option<String> {
    let bytes = subject.as_bytes();
    (0..bytes.len().saturating_sub(10)).find_map(|i| {
        let w = bytes.get(i..i + 11)?;
        let shaped = w[..4].iter().all(u8::is_ascii_digit)
            && w[4] == b'-'
            && w[5..].iter().all(u8::is_ascii_digit);
        let bounded = i == 0 || !bytes[i - 1].is_ascii_digit();
        let ends = bytes.get(i + 11).is_none_or(|b| !b.is_ascii_digit());
        (shaped && bounded && ends).then(|| subject[i..i + 11].to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_numbers_are_found_in_subjects() {
        assert_eq!(
            number_in("Re: [#2026-000123] Pase").as_deref(),
            Some("2026-000123")
        );
        assert_eq!(number_in("2026-000001").as_deref(), Some("2026-000001"));
        assert_eq!(number_in("tel. 12026-0001234"), None);
        assert_eq!(number_in("ā 2026-00012"), None);
        assert_eq!(number_in(""), None);
    }
}
