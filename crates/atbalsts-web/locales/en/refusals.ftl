# Refusals of the domain's rules, by their stable code (ticket.closed → refusal-ticket-closed).
