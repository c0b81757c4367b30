mail-greeting = Hello { $name },
mail-signature = Kind regards,
    { $desk }
mail-footer = This is an automatic message about your request { $number }. To answer, simply reply to this message.
mail-link = You can follow your request here: { $link }
mail-subject-request_received = Request received: { $subject }
mail-body-request_received = Your request is registered under number { $number }. We will answer as soon as we can.
mail-subject-staff_reply = Answer to your request: { $subject }
mail-body-staff_reply = { $author } answered:
mail-subject-waiting_for_you = We are waiting for your answer: { $subject }
mail-body-waiting_for_you = { $author } answered and is waiting for your reply:
mail-subject-resolved = Request resolved: { $subject }
mail-body-resolved = Your request is resolved. The resolution:
mail-subject-transferred = Another institution handles your request: { $subject }
mail-body-transferred = Your request was passed to another institution:
mail-subject-term_extended = Answer term extended: { $subject }
mail-body-term_extended = The term of the answer is extended until { $date }. Reason: { $reason }
mail-subject-assigned = A request was given to you: { $subject }
mail-body-assigned = Request { $number } was given to you.
mail-subject-requester_reply = The requester answered: { $subject }
mail-body-requester_reply = { $author } answered on request { $number }:
mail-subject-sla_warning = A target is near: { $subject }
mail-body-sla_warning = The SLA target of request { $number } is near.
mail-subject-sla_breach = A target was missed: { $subject }
mail-body-sla_breach = The SLA target of request { $number } was missed.
mail-staff-link = Open in the workspace: { $link }
mail-reset-subject = Password reset
mail-reset-body = Hello { $name },

    Someone (we hope you) asked to reset your password for the { $desk } workspace. You can set a new one here, once, within { $minutes } minutes:
    { $link }

    If you did not ask for this, do nothing: your password stays as it is.
mail-subject-webhook_disabled = Webhook switched off: { $institution }
mail-body-webhook_disabled = The webhook of { $institution } to { $url } was switched off after { $failures } failed deliveries in a row. Its delivery log is at { $log }. When the receiver works again, switch it back on with POST { $enable }.
