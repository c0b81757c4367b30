mail-greeting = Labdien, { $name }!
mail-signature = Ar cieņu
    { $desk }
mail-footer = Šī ir automātiska vēstule par jūsu pieprasījumu { $number }. Lai atbildētu, vienkārši atbildiet uz šo vēstuli.
mail-link = Pieprasījumu varat skatīt šeit: { $link }
mail-subject-request_received = Pieprasījums saņemts: { $subject }
mail-body-request_received = Jūsu pieprasījums ir reģistrēts ar numuru { $number }. Atbildēsim iespējami drīz.
mail-subject-staff_reply = Atbilde uz jūsu pieprasījumu: { $subject }
mail-body-staff_reply = Speciālists { $author } atbildēja:
mail-subject-waiting_for_you = Gaidām jūsu atbildi: { $subject }
mail-body-waiting_for_you = Speciālists { $author } atbildēja un gaida jūsu atbildi:
mail-subject-resolved = Pieprasījums atrisināts: { $subject }
mail-body-resolved = Jūsu pieprasījums ir atrisināts. Risinājums:
mail-subject-transferred = Pieprasījumu izskata cita iestāde: { $subject }
mail-body-transferred = Jūsu pieprasījums nodots citai iestādei:
mail-subject-term_extended = Atbildes termiņš pagarināts: { $subject }
mail-body-term_extended = Atbildes termiņš pagarināts līdz { $date }. Iemesls: { $reason }
mail-subject-assigned = Jums nodots pieprasījums: { $subject }
mail-body-assigned = Jums nodots pieprasījums { $number }.
mail-subject-requester_reply = Pieprasītājs atbildēja: { $subject }
mail-body-requester_reply = { $author } atbildēja uz pieprasījumu { $number }:
mail-subject-sla_warning = Tuvojas termiņš: { $subject }
mail-body-sla_warning = Pieprasījuma { $number } SLA termiņš drīz beigsies.
mail-subject-sla_breach = Termiņš nokavēts: { $subject }
mail-body-sla_breach = Pieprasījuma { $number } SLA termiņš ir nokavēts.
mail-staff-link = Atvērt darba vietā: { $link }
mail-reset-subject = Paroles maiņa
mail-reset-body = Labdien, { $name }!

    Kāds (cerams, jūs) lūdza mainīt jūsu paroli darba vietā { $desk }. Jaunu paroli varat iestatīt šeit { $minutes } minūšu laikā, vienu reizi:
    { $link }

    Ja to nelūdzāt, neko nedariet: jūsu parole paliek tā pati.
mail-subject-webhook_disabled = Tīmekļa āķis izslēgts: { $institution }
mail-body-webhook_disabled = Iestādes { $institution } tīmekļa āķis uz { $url } izslēgts pēc { $failures } neveiksmīgām piegādēm pēc kārtas. Piegāžu žurnāls: { $log }. Kad saņēmējs atkal darbojas, ieslēdziet to ar POST { $enable }.
