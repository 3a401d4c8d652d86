//! The metadata of an archived document after the SÄHKE2 metadata model: identity,
//! restriction, retention, file and signature, as one JSON value that is also written
//! as XML.

use std::time::SystemTime;

use serde_json::{Value, json};

use super::bag::PayloadFile;
use super::plan::TaskClass;
use crate::output::Output;
use crate::record::Register;
use crate::text::Lang;
use crate::time::format_time;

/// The words of the metadata's code lists and descriptions, in the language the archive
/// describes a register in; from the `archive` texts of `templates/<lang>.yaml`.
#[derive(Clone, Debug)]
pub struct Vocabulary {
    /// "Tietosuojaseloste / dataskyddsbeskrivning: <register>", the archived title.
    pub title: String,
    /// Names of publicity classes 1 to 4.
    pub publicity: [String; 4],
    /// Names of personal-data classes 1 to 3.
    pub personal_data: [String; 3],
    /// A permanent retention period.
    pub permanent: String,
    /// A retention period in years, with `{years}` where the number goes.
    pub years: String,
    /// The status of a signed document, and of one that is not signed.
    pub signed: String,
    pub unsigned: String,
}

impl Vocabulary {
    pub fn retention(&self, class: &TaskClass) -> String {
        match class.notice.retention.period.years() {
            -1 => self.permanent.clone(),
            years => self.years.replace("{years}", &years.to_string()),
        }
    }

    fn publicity_name(&self, class: u8) -> &str {
        &self.publicity[usize::from(class.clamp(1, 4)) - 1]
    }

    fn personal_data_name(&self, class: u8) -> &str {
        &self.personal_data[usize::from(class.clamp(1, 3)) - 1]
    }
}

/// What one archived version describes.
pub struct Described<'a> {
    pub register: &'a Register,
    pub class: &'a TaskClass,
    pub vocabulary: &'a Vocabulary,
    pub version: &'a str,
    pub now: SystemTime,
}

/// The SÄHKE2-model metadata of one archived document.
pub fn metadata(described: &Described<'_>, output: &Output, file: &PayloadFile) -> Value {
    let Described { register, class, vocabulary, version, now } = described;
    let record = &register.record;
    let is_pdf = output.file_name.ends_with(".pdf");
    let form = output
        .file_name
        .trim_start_matches(&format!("{}.", record.id))
        .split('.')
        .next()
        .unwrap_or_default()
        .to_owned();
    let languages: Vec<&str> = form.split('-').collect();
    let signature_file = format!("{}.p7s", output.file_name);
    let signature = output.signature.as_ref();
    let retention = &class.notice.retention;
    json!({
        "identity": {
            "nativeId": format!("{}.{form}", record.id),
            "title": vocabulary.title,
            "languages": languages,
            "taskClass": class.code,
            "taskClassName": task_class_names(class, &record.languages),
            "documentClass": class.notice.class,
            "version": version,
            "created": record.document.date.iso(),
            "archived": format_time(*now),
            "author": register.organisation.name.get(record.languages[0]),
            "approver": signature.map(|signature| signature.signer.clone()),
            "status": if signature.is_some() { &vocabulary.signed } else { &vocabulary.unsigned },
        },
        "restriction": {
            "publicityClass": class.notice.publicity,
            "publicityClassName": vocabulary.publicity_name(class.notice.publicity),
            "personalData": class.notice.personal_data,
            "personalDataName": vocabulary.personal_data_name(class.notice.personal_data),
        },
        "retention": {
            "periodYears": retention.period.years(),
            "period": vocabulary.retention(class),
            "reason": retention.reason,
            "startCriterion": retention.start,
        },
        "file": {
            "name": output.file_name,
            "format": if is_pdf { class.notice.format.clone() } else { "Office Open XML (DOCX)".to_owned() },
            "pronom": if is_pdf { pronom_of(&class.notice.format) } else { "fmt/412" },
            "size": output.bytes.len(),
            "sha256": file.sha256,
            "sha512": file.sha512,
        },
        "signature": signature.map(|signature| json!({
            "type": signature.kind,
            "signatureFile": if is_pdf { None } else { Some(signature_file.clone()) },
            "signer": signature.signer,
            "signingTime": signature.claimed_time.map(format_time),
            "timestamp": signature.timestamp.as_ref().map(|token| json!({
                "time": format_time(token.gen_time.to_system_time()),
                "tsa": token.tsa,
            })),
        })),
    })
}

/// The PRONOM identifier of a PDF/A level.
/// The task class's name in each language the notice is published in that the plan gives
/// it in: never an empty name.
fn task_class_names(class: &TaskClass, languages: &[Lang]) -> Value {
    let names: serde_json::Map<String, Value> = languages
        .iter()
        .filter_map(|&lang| class.name.text(lang).map(|name| (lang.code().to_owned(), Value::from(name))))
        .collect();
    Value::Object(names)
}

fn pronom_of(format: &str) -> &'static str {
    match format {
        "PDF/A-2a" => "fmt/476",
        "PDF/A-2b" => "fmt/477",
        "PDF/A-2u" => "fmt/478",
        "PDF/A-3a" => "fmt/479",
        _ => "",
    }
}

/// The same metadata as XML: one element per key, arrays as repeated `item` elements.
pub fn to_xml(metadata: &Value) -> String {
    fn element(name: &str, value: &Value, depth: usize, out: &mut String) {
        let indent = "  ".repeat(depth);
        match value {
            Value::Null => {}
            Value::Object(map) => {
                out.push_str(&format!("{indent}<{name}>\n"));
                for (key, child) in map {
                    element(key, child, depth + 1, out);
                }
                out.push_str(&format!("{indent}</{name}>\n"));
            }
            Value::Array(items) => {
                out.push_str(&format!("{indent}<{name}>\n"));
                for item in items {
                    element("item", item, depth + 1, out);
                }
                out.push_str(&format!("{indent}</{name}>\n"));
            }
            Value::String(text) => out.push_str(&format!("{indent}<{name}>{}</{name}>\n", crate::xml::escape(text))),
            other => out.push_str(&format!("{indent}<{name}>{other}</{name}>\n")),
        }
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<!-- Metadata of an archived document, after the SÄHKE2 metadata model: identity, restriction, retention, file, signature. -->\n");
    let mut body = String::new();
    element("document", metadata, 0, &mut body);
    out.push_str(&body.replacen("<document>", "<document xmlns=\"urn:seloste:archive-metadata:1\">", 1));
    out
}
