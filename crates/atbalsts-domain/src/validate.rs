//! Input checks with messages a person understands. Each function returns the
//! cleaned value or the field errors; callers collect all errors before failing.

use crate::error::FieldError;

pub const MAX_SUBJECT: usize = 200;
pub const MAX_BODY: usize = 20_000;
pub const MAX_REASON: usize = 2_000;
pub const MAX_NAME: usize = 200;
pub const MAX_CODE: usize = 40;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG: usize = 50;

/// Whether `text` holds control characters other than line breaks and tabs
/// (PostgreSQL refuses NUL in text; none of them belongs in a message).
pub fn has_control_chars(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Collects field errors so a request reports every problem at once.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Required text: trimmed, non-empty, at most `max` characters, no control characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.push(field, "must not be empty");
        } else if v.chars().count() > max {
            self.push(field, format!("is too long: at most {max} characters"));
        } else if has_control_chars(v) {
            self.push(field, "contains control characters");
        }
        v.to_string()
    }

    /// Optional text: empty becomes `None`.
    pub fn opt_text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        match value.map(str::trim) {
            None | Some("") => None,
            Some(v) => Some(self.text(field, v, max)),
        }
    }

    /// A register code such as `PMLP` or `PMLP-003`.
    pub fn code(&mut self, field: &str, value: &str) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.push(field, "must not be empty");
        } else if v.len() > MAX_CODE
            || !v
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            self.push(
                field,
                format!("\"{v}\" is not a valid code: use letters, digits, '-' or '_', at most {MAX_CODE}"),
            );
        }
        v.to_string()
    }

    pub fn opt_code(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        match value.map(str::trim) {
            None | Some("") => None,
            Some(v) => Some(self.code(field, v)),
        }
    }

    /// A closed set of wire values.
    pub fn one_of<T>(
        &mut self,
        field: &str,
        value: &str,
        parse: fn(&str) -> Option<T>,
        expected: String,
    ) -> Option<T> {
        let parsed = parse(value.trim());
        if parsed.is_none() {
            self.push(field, format!("\"{value}\" is not one of: {expected}"));
        }
        parsed
    }

    pub fn email(&mut self, field: &str, value: &str) -> String {
        let v = value.trim().to_string();
        if !is_email(&v) {
            self.push(
                field,
                format!("\"{v}\" is not an e-mail address like name@example.lv"),
            );
        }
        v
    }

    /// A language code; absent means the default (Latvian).
    pub fn language(&mut self, field: &str, value: Option<&str>) -> String {
        match value.map(str::trim) {
            None | Some("") => crate::language::DEFAULT.to_string(),
            Some(v) => crate::language::check_code(v).unwrap_or_else(|msg| {
                self.push(field, msg);
                crate::language::DEFAULT.to_string()
            }),
        }
    }

    pub fn phone(&mut self, field: &str, value: &str) -> String {
        let v = value.trim().to_string();
        let digits = v.chars().filter(char::is_ascii_digit).count();
        let allowed = v.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
        if !allowed || !(6..=15).contains(&digits) {
            self.push(
                field,
                format!("\"{v}\" is not a phone number like +371 20000000"),
            );
        }
        v
    }

    /// A Latvian personal code: 11 digits, written `DDMMYY-NNNNN` or `32NNNN-NNNNN`.
    pub fn personal_code(&mut self, field: &str, value: &str) -> String {
        let digits: String = value
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if digits.len() != 11 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            self.push(
                field,
                "is not a personal code: 11 digits, e.g. 010190-12345",
            );
            return value.trim().to_string();
        }
        format!("{}-{}", &digits[..6], &digits[6..])
    }

    /// Tags are lower-cased, trimmed and de-duplicated.
    pub fn tags(&mut self, field: &str, values: &[String]) -> Vec<String> {
        if values.len() > MAX_TAGS {
            self.push(field, format!("too many tags: at most {MAX_TAGS}"));
        }
        let mut out: Vec<String> = Vec::new();
        for (i, t) in values.iter().enumerate() {
            let t = self
                .text(&format!("{field}[{i}]"), t, MAX_TAG)
                .to_lowercase();
            if !out.contains(&t) {
                out.push(t);
            }
        }
        out
    }

    pub fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

/// A deliberately plain check: one `@`, a non-empty local part, a dotted
/// domain, no spaces. Deliverability is for the mail channel to find out.
pub fn is_email(s: &str) -> bool {
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        }
        None => false,
    }
}

/// Lower-case and fold Latvian diacritics, so `Dzīvesvieta` matches `dzivesvieta`.
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ā' => 'a',
            'č' => 'c',
            'ē' => 'e',
            'ģ' => 'g',
            'ī' => 'i',
            'ķ' => 'k',
            'ļ' => 'l',
            'ņ' => 'n',
            'ō' => 'o',
            'ŗ' => 'r',
            'š' => 's',
            'ū' => 'u',
            'ž' => 'z',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        let mut e = Errors::default();
        assert_eq!(e.text("a", "  sveiki ", 10), "sveiki");
        assert!(e.is_empty());
        e.text("b", "   ", 10);
        e.text("c", "garš teksts", 5);
        e.text("d", "a\u{0}b", 5);
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["b", "c", "d"]);
    }

    #[test]
    fn emails_phones_codes() {
        assert!(is_email("anna@example.lv"));
        for bad in [
            "anna", "anna@", "@x.lv", "a@b", "a b@c.lv", "a@@b.lv", "a@.lv",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        let mut e = Errors::default();
        e.phone("p", "+371 20000000");
        e.personal_code("k", "01019012345");
        assert!(e.is_empty());
        e.phone("p", "call me");
        e.personal_code("k", "0101-90");
        assert_eq!(e.0.len(), 2);
        assert_eq!(
            Errors::default().personal_code("k", "010190 12345"),
            "010190-12345"
        );
    }

    #[test]
    fn codes_and_tags() {
        let mut e = Errors::default();
        assert_eq!(e.code("s", " PMLP-003 "), "PMLP-003");
        assert!(e.is_empty());
        e.code("s", "PMLP 003; drop");
        assert_eq!(e.0.len(), 1);
        let tags = Errors::default().tags("t", &["Pase".into(), "pase".into(), "eID".into()]);
        assert_eq!(tags, ["pase", "eid"]);
    }

    #[test]
    fn folding() {
        assert_eq!(
            fold("Deklarēt DZĪVESVIETU Ķekavā"),
            "deklaret dzivesvietu kekava"
        );
    }
}
