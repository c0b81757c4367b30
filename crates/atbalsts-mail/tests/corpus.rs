//! Every message in tests/corpus (written for this project: exotic charsets, broken MIME,
//! auto-replies and bounces) parses as its row in the table says.

use atbalsts_mail::{AutoReason, ParseError, ParsedMail, classify, parse};

const DESK: &str = "atbalsts@desk.example.lv";

struct Case {
    file: &'static str,
    /// A part of the decoded subject.
    subject: &'static str,
    /// Parts of the text, each of which must be there.
    text: &'static [&'static str],
    /// Must not be in the text.
    not_text: &'static [&'static str],
    /// An attachment's filename, or `type/subtype` when it is written `ct:type/subtype`.
    attachment: Option<&'static str>,
    /// What [`classify`] says with the desk's address as ours and as the loop marker.
    auto: Option<AutoReason>,
    reports_on: Option<&'static str>,
    /// A part of the sender's name or address.
    from: &'static str,
    error: Option<ParseError>,
}

const CASE: Case = Case {
    file: "",
    subject: "",
    text: &[],
    not_text: &[],
    attachment: None,
    auto: None,
    reports_on: None,
    from: "",
    error: None,
};

const CASES: &[Case] = &[
    Case {
        file: "lv-iso-8859-13.eml",
        subject: "Dzīvesvietas deklarēšana",
        from: "Jānis Bērziņš",
        text: &["Ģimenē ir četri cilvēki, ķēķis un ļoti ņipra šķirne žurku. Ūdens."],
        ..CASE
    },
    Case {
        file: "lv-iso-8859-4.eml",
        subject: "Pase: ģimenes ārsts un ūdens",
        text: &["Ģimenes ārsts teica, ka ūdens ir ļoti auksts. Šī ziņa"],
        ..CASE
    },
    Case {
        file: "lv-windows-1257.eml",
        subject: "Bērnu dārza rinda",
        from: "Ķirsis Ēriks Žagars",
        text: &["Vēlos pieteikt bērnu dārza rindai.", "Ar cieņu,\nĶirsis"],
        ..CASE
    },
    Case {
        file: "ru-windows-1251.eml",
        subject: "Регистрация места жительства",
        from: "Иван Петров",
        text: &["Здравствуйте! Прошу помочь"],
        ..CASE
    },
    Case {
        file: "ru-koi8-r.eml",
        subject: "Вопрос о паспорте",
        text: &["Добрый день!"],
        ..CASE
    },
    Case {
        file: "zh-gb18030.eml",
        subject: "居留许可申请",
        text: &["我想申请居留许可"],
        ..CASE
    },
    Case {
        file: "utf8-no-mime.eml",
        subject: "Sveiki — vai varat palīdzēt?",
        from: "Māra Liepiņa",
        text: &["ā č ē ģ ī ķ ļ ņ š ū ž"],
        ..CASE
    },
    Case {
        file: "rfc2047-split-subject.eml",
        subject: "Iesniegums par dzīvesvietas deklarēšanu (šodien)",
        ..CASE
    },
    Case {
        file: "rfc2231-filename.eml",
        attachment: Some("Īres līgums – Zāļu iela.pdf"),
        text: &["Skat. pielikumu."],
        ..CASE
    },
    Case {
        file: "uuencode-body.eml",
        attachment: Some("piezimes.txt"),
        text: &["Labdien, pievienoju failu.", "Paldies."],
        not_text: &["begin 644", "\nend\n"],
        ..CASE
    },
    Case {
        file: "forward-rfc822.eml",
        subject: "Fwd: Rēķins par ūdeni",
        attachment: Some("message.eml"),
        text: &[
            "Pārsūtu vēstuli",
            "---------- Forwarded message ----------",
            "Subject: Rēķins par ūdeni",
            "Jūsu rēķins ir 12,50 EUR.",
        ],
        ..CASE
    },
    Case {
        file: "missing-content-type.eml",
        text: &["teksts ir UTF-8: ūdens."],
        ..CASE
    },
    Case {
        file: "missing-boundary.eml",
        text: &["Teksts bez robezas parametra."],
        not_text: &["--zaudeta"],
        ..CASE
    },
    Case {
        file: "unterminated-multipart.eml",
        text: &["Pirmā daļa ir šeit."],
        attachment: Some("dati.bin"),
        ..CASE
    },
    Case {
        file: "bad-base64.eml",
        text: &["Sveiki, šis ir bojāts base64"],
        ..CASE
    },
    Case {
        file: "bare-lf.eml",
        subject: "Tikai LF",
        text: &["Rindas beidzas tikai ar LF. Ķiploks."],
        ..CASE
    },
    Case {
        file: "cr-only.eml",
        subject: "Tikai CR",
        text: &["Rinda viens.\nRinda divi."],
        ..CASE
    },
    Case {
        file: "header-no-colon.eml",
        subject: "Galvene bez kola",
        text: &["Teksts pec galvenem."],
        ..CASE
    },
    Case {
        file: "long-header.eml",
        subject: "Loti gara galvene",
        text: &["Teksts."],
        ..CASE
    },
    Case {
        file: "header-8bit.eml",
        subject: "Nodokļu atmaksa - kā saņemt?",
        from: "Pēteris Ozoliņš",
        text: &["Vēlos saņemt nodokļu atmaksu."],
        ..CASE
    },
    Case {
        file: "html-only.eml",
        text: &[
            "Pieteikums",
            "Lūdzu, skatiet mūsu lapu.",
            "Rinda viens\nRinda divi",
        ],
        not_text: &["<", "nelasiet", "font-family", "https://"],
        ..CASE
    },
    Case {
        file: "dsn-bounce.eml",
        auto: Some(AutoReason::Bounce),
        text: &["User unknown"],
        reports_on: Some("ticket-1042.abc@desk.example.lv"),
        attachment: Some("ct:message/delivery-status"),
        ..CASE
    },
    Case {
        file: "plain-bounce.eml",
        auto: Some(AutoReason::Bounce),
        reports_on: Some("ticket-99.q@desk.example.lv"),
        ..CASE
    },
    Case {
        file: "mdn-receipt.eml",
        auto: Some(AutoReason::Bounce),
        reports_on: Some("ticket-3.m@desk.example.lv"),
        ..CASE
    },
    Case {
        file: "ooo-auto-replied.eml",
        auto: Some(AutoReason::AutoSubmitted),
        subject: "Automātiska atbilde",
        text: &["atvaļinājumā līdz 3. jūnijam"],
        ..CASE
    },
    Case {
        file: "exchange-oof.eml",
        auto: Some(AutoReason::AutoResponderHeader),
        ..CASE
    },
    Case {
        file: "newsletter-bulk.eml",
        auto: Some(AutoReason::Precedence),
        text: &["Šomēnes jaunumi."],
        ..CASE
    },
    Case {
        file: "x-loop.eml",
        auto: Some(AutoReason::Loop),
        ..CASE
    },
    Case {
        file: "no-from.eml",
        subject: "Bez sutitaja",
        text: &["Kas es esmu?"],
        ..CASE
    },
    Case {
        file: "empty-body.eml",
        subject: "Tuksa vestule",
        ..CASE
    },
    Case {
        file: "calendar-invite.eml",
        subject: "Uzaicinājums: Tikšanās",
        text: &["Jūs esat uzaicināts"],
        attachment: Some("invite.ics"),
        ..CASE
    },
    Case {
        file: "tnef-attachment.eml",
        attachment: Some("winmail.dat"),
        text: &["See attachment."],
        ..CASE
    },
    Case {
        file: "related-inline-image.eml",
        subject: "Ekrānuzņēmums ar kļūdu",
        from: "Bērziņa, Zane",
        text: &["Ekrānuzņēmums:"],
        attachment: Some("ct:image/png"),
        ..CASE
    },
    Case {
        file: "mbox-from-line.eml",
        subject: "Ar mbox rindu",
        text: &["Teksts."],
        ..CASE
    },
    Case {
        file: "binary-junk.eml",
        error: Some(ParseError::NoHeaders),
        ..CASE
    },
    Case {
        file: "empty.eml",
        error: Some(ParseError::Empty),
        ..CASE
    },
];

fn check(case: &Case, mail: &ParsedMail) -> Vec<String> {
    let mut problems = Vec::new();
    if !mail.subject.contains(case.subject) {
        problems.push(format!(
            "subject {:?} lacks {:?}",
            mail.subject, case.subject
        ));
    }
    for want in case.text {
        if !mail.text.contains(want) {
            problems.push(format!("text {:?} lacks {want:?}", mail.text));
        }
    }
    for unwanted in case.not_text {
        if mail.text.contains(unwanted) {
            problems.push(format!("text {:?} has {unwanted:?}", mail.text));
        }
    }
    if let Some(want) = case.attachment {
        let found = mail
            .attachments
            .iter()
            .any(|a| match want.strip_prefix("ct:") {
                Some(ct) => a.content_type == ct,
                None => a.filename.as_deref() == Some(want),
            });
        if !found {
            let have: Vec<_> = mail
                .attachments
                .iter()
                .map(|a| (&a.filename, &a.content_type))
                .collect();
            problems.push(format!("no attachment {want:?} among {have:?}"));
        }
    }
    let auto = classify(mail, None, &|a: &str| a == DESK, DESK);
    if auto != case.auto {
        problems.push(format!("classify gave {auto:?}, expected {:?}", case.auto));
    }
    if case.reports_on.is_some() && mail.reports_on.as_deref() != case.reports_on {
        problems.push(format!("reports_on {:?}", mail.reports_on));
    }
    if !case.from.is_empty() {
        let from = mail
            .from
            .as_ref()
            .map(|f| format!("{:?} {}", f.name, f.address))
            .unwrap_or_default();
        if !from.contains(case.from) {
            problems.push(format!("from {from:?} lacks {:?}", case.from));
        }
    }
    problems
}

#[test]
fn corpus_parses_as_expected() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut failures = Vec::new();
    for case in CASES {
        let raw = std::fs::read(dir.join(case.file))?;
        match (parse(&raw), &case.error) {
            (Ok(mail), None) => {
                for p in check(case, &mail) {
                    failures.push(format!("{}: {p}", case.file));
                }
            }
            (Err(e), Some(want)) if e == *want => {}
            (got, want) => failures.push(format!(
                "{}: got {:?}, expected error {want:?}",
                case.file,
                got.err()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}

#[test]
fn every_corpus_file_has_expectations() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut missing = Vec::new();
    let mut count = 0;
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".eml") {
            count += 1;
            if !CASES.iter().any(|c| c.file == name) {
                missing.push(name);
            }
        }
    }
    assert!(missing.is_empty(), "no expectations for {missing:?}");
    assert!(count >= 25, "only {count} corpus files");
    Ok(())
}
