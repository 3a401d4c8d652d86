//! Contact data a notice prints must be usable: an e-mail address with a domain, a
//! business id with its check digit, a phone number that can be dialled, a web address.
//! A value that is wrong here is wrong in every notice and in the archive's metadata.

use super::walk::File;
use crate::record::{Person, Register};
use crate::text::Phrase;

/// The kinds of contact data, with the rule that checks each.
#[derive(Clone, Copy)]
enum Kind {
    Email,
    BusinessId,
    Phone,
    Website,
}

impl Kind {
    fn rule(self) -> &'static str {
        match self {
            Kind::Email => "contact.email",
            Kind::BusinessId => "contact.business-id",
            Kind::Phone => "contact.phone",
            Kind::Website => "contact.website",
        }
    }

    /// Why `value` is not one, or `None` if it is.
    fn problem(self, value: &str) -> Option<(String, &'static str)> {
        let value = value.trim();
        match self {
            Kind::Email => (!is_email(value))
                .then(|| (format!("`{value}` is not an e-mail address"), "write it as name@domain.fi")),
            Kind::BusinessId => business_id_problem(value).map(|problem| (problem, "a business id is seven digits, a hyphen and a check digit, e.g. 0204819-8")),
            Kind::Phone => (!is_phone(value)).then(|| {
                (
                    format!("`{value}` is not a phone number"),
                    "write the digits in groups, e.g. 02 560 4111 or +358 2 560 4111, with a note in brackets if needed: (vaihde)",
                )
            }),
            Kind::Website => (!is_website(value))
                .then(|| (format!("`{value}` is not a web address"), "write it as www.kunta.fi or https://www.kunta.fi/sivu")),
        }
    }
}

pub const RULE_IDS: &[&str] = &["contact.email", "contact.business-id", "contact.phone", "contact.website"];

/// A contact value that is wrong: where, by which rule, why, and how to write it.
pub struct Problem {
    pub file: File,
    pub field: String,
    pub rule: &'static str,
    pub message: String,
    pub hint: &'static str,
}

/// Every wrong contact value of the register: the organisation's, its DPO's, the record's
/// persons' and processors'.
pub fn problems(register: &Register) -> Vec<Problem> {
    let organisation = &register.organisation;
    let record = &register.record;
    let mut values: Vec<(File, String, Kind, Option<&str>)> = Vec::new();
    values.push((File::Organisation, "email".into(), Kind::Email, organisation.email.as_deref()));
    values.push((File::Organisation, "business_id".into(), Kind::BusinessId, organisation.business_id.as_deref()));
    values.push((File::Organisation, "website".into(), Kind::Website, organisation.website.as_deref()));
    let mut phones: Vec<(File, String, &Phrase)> = Vec::new();
    if let Some(phone) = &organisation.phone {
        phones.push((File::Organisation, "phone".into(), phone));
    }
    let mut people: Vec<(File, String, &Person)> = Vec::new();
    if let Some(dpo) = &organisation.dpo {
        people.push((File::Organisation, "dpo".into(), dpo));
    }
    if let Some(responsible) = &record.responsible {
        people.push((File::Record, "responsible".into(), responsible));
    }
    for (index, contact) in record.contact.iter().enumerate() {
        people.push((File::Record, format!("contact[{index}]"), contact));
    }
    for (file, field, person) in people {
        values.push((file, format!("{field}.email"), Kind::Email, person.email.as_deref()));
        if let Some(phone) = &person.phone {
            phones.push((file, format!("{field}.phone"), phone));
        }
    }
    for (index, processor) in record.processors.items().iter().enumerate() {
        values.push((
            File::Record,
            format!("processors[{index}].business_id"),
            Kind::BusinessId,
            processor.business_id.as_deref(),
        ));
    }
    for (file, field, phone) in phones {
        match phone {
            Phrase::Same(number) => values.push((file, field, Kind::Phone, Some(number))),
            Phrase::PerLanguage(numbers) => {
                for (lang, number) in numbers.texts() {
                    values.push((file, format!("{field}.{}", lang.code()), Kind::Phone, Some(number)));
                }
            }
        }
    }
    let mut problems = Vec::new();
    for (file, field, kind, value) in values {
        let Some(value) = value else { continue };
        if value.trim_start().starts_with("TODO") {
            let what = value.trim_start()[4..].trim_start_matches([':', ' ']);
            problems.push(Problem {
                file,
                field,
                rule: "draft.todo",
                message: format!("fill in: {what}"),
                hint: "replace the TODO with the value",
            });
            continue;
        }
        if let Some((message, hint)) = kind.problem(value) {
            problems.push(Problem { file, field, rule: kind.rule(), message, hint });
        }
    }
    problems
}

fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else { return false };
    let plain = |part: &str| !part.is_empty() && !part.chars().any(|c| c.is_whitespace() || c == '@' || c == ',');
    plain(local)
        && plain(domain)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

/// A Finnish business id (Y-tunnus / FO-nummer): `NNNNNNN-C`, where C is the check digit
/// of the seven digits weighted 7, 9, 10, 5, 8, 4, 2, modulo 11.
fn business_id_problem(value: &str) -> Option<String> {
    let shape = value.len() == 9
        && value.as_bytes()[7] == b'-'
        && value.bytes().enumerate().all(|(at, byte)| at == 7 || byte.is_ascii_digit());
    if !shape {
        return Some(format!("`{value}` is not a business id"));
    }
    let digits: Vec<u32> = value.bytes().filter(u8::is_ascii_digit).map(|byte| u32::from(byte - b'0')).collect();
    let sum: u32 = digits[..7].iter().zip([7, 9, 10, 5, 8, 4, 2]).map(|(digit, weight)| digit * weight).sum();
    let check = match sum % 11 {
        0 => 0,
        1 => return Some(format!("`{value}` is not a business id: no business id has these seven digits")),
        rest => 11 - rest,
    };
    (digits[7] != check).then(|| format!("`{value}` has a wrong check digit: the seven digits give {check}"))
}

/// A phone number as notices write it: digits in groups, an optional `+` country code, an
/// area code in brackets, and notes in brackets (`(vaihde)`).
fn is_phone(value: &str) -> bool {
    let mut number = String::new();
    let mut rest = value;
    while let Some(open) = rest.find('(') {
        let Some(close) = rest[open..].find(')').map(|close| open + close) else { return false };
        let inside = &rest[open + 1..close];
        number.push_str(&rest[..open]);
        if inside.chars().all(|c| c.is_ascii_digit() || c == ' ') {
            number.push_str(inside);
        } else if !inside.chars().any(char::is_alphabetic) {
            return false;
        }
        rest = &rest[close + 1..];
    }
    number.push_str(rest);
    let number = number.trim();
    let digits = number.chars().filter(char::is_ascii_digit).count();
    let body = number.strip_prefix('+').unwrap_or(number);
    (5..=15).contains(&digits) && body.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
}

fn is_website(value: &str) -> bool {
    let rest = value.strip_prefix("https://").or_else(|| value.strip_prefix("http://")).unwrap_or(value);
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-'))
        && labels.last().is_some_and(|top| top.len() >= 2 && top.chars().all(char::is_alphabetic))
        && !value.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_addresses() {
        assert!(is_email("tietosuoja@lieto.fi") && is_email("etu.suku@hyvinvointialue.fi"));
        for wrong in ["tietosuoja.lieto.fi", "a@b", "a @b.fi", "a@b..fi", "@lieto.fi", "a@.fi"] {
            assert!(!is_email(wrong), "{wrong}");
        }
    }

    #[test]
    fn business_ids_and_their_check_digits() {
        assert_eq!(business_id_problem("0204819-8"), None);
        assert_eq!(business_id_problem("1234567-1"), None);
        assert!(business_id_problem("0204819-7").unwrap().contains("the seven digits give 8"));
        assert!(business_id_problem("204819-8").is_some());
        assert!(business_id_problem("02048198").is_some());
    }

    #[test]
    fn phone_numbers_in_finnish_and_international_forms() {
        for right in [
            "02 560 4111",
            "(02) 845 151",
            "040 486 0935",
            "+358 40 123 4567",
            "03 44331",
            "02 560 4111 (vaihde)",
            "09-310 1691",
        ] {
            assert!(is_phone(right), "{right}");
        }
        for wrong in ["abc", "123", "02 560 4111 (vaihde", "puh. 02 560 4111", "+358 +40 123"] {
            assert!(!is_phone(wrong), "{wrong}");
        }
    }

    #[test]
    fn web_addresses() {
        for right in ["www.lieto.fi", "https://www.huittinen.fi/tietosuoja", "http://kunta.fi"] {
            assert!(is_website(right), "{right}");
        }
        for wrong in ["lieto", "www lieto.fi", "https://", "www.lieto.f1"] {
            assert!(!is_website(wrong), "{wrong}");
        }
    }
}
