//! The archive formation plan (arkistonmuodostussuunnitelma, AMS; today
//! tiedonohjaussuunnitelma, TOS): per task class, what an archived privacy notice carries.

use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, Error};
use crate::record::Register;
use crate::source::{self, Limits, Parsed};
use crate::text::Localized;

/// Marks a file as an archive formation plan.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PlanKind {
    Ams,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchivePlan {
    /// Always `ams`.
    pub kind: PlanKind,
    pub task_classes: Vec<TaskClass>,
}

/// A row of the plan: a task class and the notice's document class under it.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskClass {
    /// The task class code, e.g. `05 09 01`.
    pub code: String,
    pub name: Localized,
    /// The document class of the privacy notice under this task class.
    pub notice: DocumentClass,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentClass {
    /// The document class (asiakirjaluokka), e.g. `Seloste`.
    pub class: String,
    /// Publicity class: 1 Julkinen, 2 Osittain salassa pidettävä, 3 Salassa pidettävä, 4 Ei-julkinen.
    pub publicity: u8,
    /// Personal data: 1 ei sisällä, 2 sisältää, 3 sisältää arkaluonteisia henkilötietoja.
    pub personal_data: u8,
    pub retention: Retention,
    /// The archival format, e.g. `PDF/A-2a`.
    pub format: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Years to keep, or `pysyvä` (permanent).
    pub period: RetentionPeriod,
    /// The law or decision the period rests on.
    pub reason: String,
    /// When the period starts to run (säilytysajan laskentaperuste).
    pub start: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RetentionPeriod {
    Years(u16),
    Permanent(Permanent),
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub enum Permanent {
    #[serde(rename = "pysyvä")]
    Pysyva,
}

impl RetentionPeriod {
    /// The SÄHKE2 value: years, or -1 for permanent.
    pub fn years(&self) -> i32 {
        match self {
            RetentionPeriod::Years(years) => i32::from(*years),
            RetentionPeriod::Permanent(_) => -1,
        }
    }
}

/// The file kind of an archive formation plan.
pub const KIND: &str = "ams";

impl ArchivePlan {
    pub fn load(path: &Path) -> Result<ArchivePlan, Error> {
        let parsed: Parsed = source::read_parsed(path, &Limits::INPUT)?;
        crate::record::load::expect_kind(&parsed, KIND)?;
        let plan: ArchivePlan = parsed.typed()?;
        let mut problems = Vec::new();
        for (index, class) in plan.task_classes.iter().enumerate() {
            if !(1..=4).contains(&class.notice.publicity) {
                let field = format!("task_classes[{index}].notice.publicity");
                problems.push(parsed.error("plan.publicity", &field, "the publicity class is 1 to 4"));
            }
            if !(1..=3).contains(&class.notice.personal_data) {
                let field = format!("task_classes[{index}].notice.personal_data");
                problems.push(parsed.error("plan.personal-data", &field, "the personal-data class is 1 to 3"));
            }
        }
        if problems.is_empty() { Ok(plan) } else { Err(Error::Input(problems)) }
    }

    /// The task class a register names; an unknown code is an error naming the record.
    pub fn task_class(&self, register: &Register, plan_path: &Path) -> Result<&TaskClass, Error> {
        let Some(code) = &register.record.task_class else {
            return Err(Error::input(Diagnostic::error(
                "archive.task-class",
                &register.path,
                "task_class",
                "archiving needs the record's task class (`task_class: 05 09 01`) from the archive formation plan",
            )));
        };
        self.task_classes.iter().find(|class| class.code == *code).ok_or_else(|| {
            Error::input(register.source.error(
                "archive.task-class",
                "task_class",
                format!("the task class `{code}` is not in the archive formation plan {}", plan_path.display()),
            ))
        })
    }
}
