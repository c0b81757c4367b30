# Messages the desk writes to a requester on their ticket (every face words them from here).
legal-term-extended-notice = The time limit for answering your submission has been extended to { $date }. Reason: { $reason }
transfer-accepted-notice = Your request is now handled by { $institution }.
