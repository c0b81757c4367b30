//! The password-reset e-mail (the `mail.password_reset` job): the one-time
//! link, in Latvian and then English (a staff member's language is not
//! recorded), written to the outbox like every other message.

use crate::Channels;
use crate::texts::catalog;
use atbalsts_i18n::Lang;
use atbalsts_mail::{AutoSubmitted, Mailbox, Outgoing};
use atbalsts_store::jobs::{ClaimedJob, JobError};
use atbalsts_store::mail::outbound::NewOutbound;

#[derive(serde::Deserialize)]
struct Payload {
    user: i64,
    token: String,
}

fn retry(e: impl std::fmt::Display) -> JobError {
    JobError::retry(e.to_string())
}

impl Channels {
    pub(crate) async fn write_reset_mail(&self, job: ClaimedJob) -> Result<(), JobError> {
        let p: Payload = job.payload_as()?;
        let Some((email, name)) = self.store.staff_address(p.user).await.map_err(retry)? else {
            return Ok(()); // the account went inactive meanwhile: no link to send
        };
        let base = self.config.public_url.trim_end_matches('/');
        let link = format!("{base}/staff/password-reset/{}", p.token);
        let args = [
            ("name", name.as_str()),
            ("link", link.as_str()),
            ("desk", self.config.desk_name.as_str()),
            ("minutes", "30"),
        ];
        let (lv, en) = (catalog(Lang::Lv), catalog(Lang::En));
        let subject = format!(
            "{} / {}",
            lv.t_args("mail-reset-subject", &args),
            en.t_args("mail-reset-subject", &args)
        );
        let text = format!(
            "{}\n\n-- \n\n{}\n",
            lv.t_args("mail-reset-body", &args),
            en.t_args("mail-reset-body", &args)
        );
        let message_id = atbalsts_mail::new_message_id(self.config.domain());
        let out = Outgoing {
            from: Mailbox::new(Some(&self.config.desk_name), &self.config.mail_from),
            reply_to: None,
            to: Mailbox::new(Some(&name), &email),
            subject: subject.clone(),
            html: crate::notify::html_of(&text),
            text,
            message_id: message_id.clone(),
            in_reply_to: None,
            references: Vec::new(),
            auto_submitted: AutoSubmitted::Generated,
            loop_marker: Some(self.config.mail_from.clone()),
            attachments: Vec::new(),
        };
        let raw = atbalsts_mail::compose(&out).map_err(|e| JobError::permanent(e.to_string()))?;
        // The link's own hash names the cause: a repeated job writes one message.
        let cause = format!("reset:{}", atbalsts_store::tickets::token_hash(&p.token));
        self.store
            .queue_mail(&NewOutbound {
                ticket_id: None,
                purpose: "password_reset".into(),
                cause,
                recipient: email,
                user_id: Some(p.user),
                sender: self.config.mail_from.clone(),
                message_id,
                subject,
                raw,
            })
            .await
            .map_err(retry)?;
        Ok(())
    }
}
