# Messages the desk writes to a requester on their ticket (every face words them from here).
legal-term-extended-notice = Atbildes sniegšanas termiņš jūsu iesniegumam ir pagarināts līdz { $date }. Iemesls: { $reason }
transfer-accepted-notice = Jūsu pieprasījumu tagad izskata { $institution }.
