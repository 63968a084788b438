//! The catalog's forms as a browser submits them: every field a string,
//! exactly as typed. Turning one into a draft reports what cannot even be
//! read (a number that is not one, an unknown choice) next to its field;
//! the draft's own validation then reports the rest.

use serde::{Deserialize, Serialize};

use super::catalog::{Link, Orchestration, OrchestrationDraft, OrchestrationFields};
use super::errors::FieldErrors;
use super::inventory::{Automation, AutomationDraft, AutomationFields};

/// The orchestration form. Tags are comma-separated; links one a line,
/// `label | URL`; the success-rate target is a percentage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrchestrationForm {
    pub name: String,
    pub slug: String,
    pub purpose: String,
    pub owner_id: String,
    pub backup_owner_id: String,
    pub team_id: String,
    pub inputs: String,
    pub outputs: String,
    pub failure_mode: String,
    pub fallback: String,
    pub tier: String,
    pub lifecycle: String,
    pub tags: String,
    pub links: String,
    pub minutes_saved_per_run: String,
    pub expected_runs_per_week: String,
    pub success_rate_target: String,
}

/// The automation form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutomationForm {
    pub name: String,
    pub tool: String,
    pub external_id: String,
    pub url: String,
    pub description: String,
    pub owner_id: String,
    pub team_id: String,
    pub orchestration_id: String,
    pub failure_mode: String,
    pub minutes_saved_per_run: String,
    pub runs_per_week: String,
}

/// One field two people saved differently: what is stored now, and what
/// the person whose save was refused typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub label: String,
    pub theirs: String,
    pub yours: String,
}

/// What became of a submitted form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SaveOutcome {
    /// Saved; `path` is the page of what was saved.
    Saved { path: String },
    /// Nothing was saved; each message belongs beside its field.
    Invalid(FieldErrors),
    /// Someone else saved first. Nothing was saved; `version` is theirs,
    /// and saving again on it replaces their `changes` with yours.
    Conflict {
        version: i64,
        changes: Vec<FieldChange>,
    },
    /// Refused as a whole (not found, not confirmed), with the reason.
    Refused(String),
}

fn id_or_empty(id: Option<i64>) -> String {
    id.map(|id| id.to_string()).unwrap_or_default()
}

fn figure_or_empty(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// An id chosen from a list: empty is none.
fn read_id(errors: &mut FieldErrors, field: &str, text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    text.parse().ok().or_else(|| {
        errors.add(field, "choose one from the list");
        None
    })
}

/// A number typed by a person: empty is none; a decimal comma is accepted.
fn read_number(errors: &mut FieldErrors, field: &str, text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.replace(',', ".").parse::<f64>() {
        Ok(value) if value.is_finite() => Some(value),
        _ => {
            errors.add(
                field,
                format!("{text:?} is not a number: write one, such as 15 or 2.5"),
            );
            None
        }
    }
}

/// `label | URL` a line; a bare URL is its own label.
fn read_links(errors: &mut FieldErrors, text: &str) -> Vec<Link> {
    let mut links = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (label, url) = match line.rsplit_once('|') {
            Some((label, url)) => (label.trim(), url.trim()),
            None => (line, line),
        };
        if url.is_empty() {
            errors.add(
                "links",
                format!("line {}: write “label | https://…”", number + 1),
            );
            continue;
        }
        links.push(Link {
            label: label.to_owned(),
            url: url.to_owned(),
        });
    }
    links
}

impl OrchestrationForm {
    /// The form as it opens on a stored orchestration.
    pub fn from_orchestration(o: &Orchestration) -> Self {
        Self::from_fields(&o.fields)
    }

    /// The form that describes these validated fields.
    pub fn from_fields(f: &OrchestrationFields) -> Self {
        Self {
            name: f.name.clone(),
            slug: f.slug.clone(),
            purpose: f.purpose.clone(),
            owner_id: id_or_empty(f.owner_id),
            backup_owner_id: id_or_empty(f.backup_owner_id),
            team_id: id_or_empty(f.team_id),
            inputs: f.inputs.clone(),
            outputs: f.outputs.clone(),
            failure_mode: f.failure_mode.clone(),
            fallback: f.fallback.clone(),
            tier: f.tier.to_string(),
            lifecycle: f.lifecycle.as_str().to_owned(),
            tags: f.tags.join(", "),
            links: f
                .links
                .iter()
                .map(|l| format!("{} | {}", l.label, l.url))
                .collect::<Vec<_>>()
                .join("\n"),
            minutes_saved_per_run: figure_or_empty(f.minutes_saved_per_run),
            expected_runs_per_week: figure_or_empty(f.expected_runs_per_week),
            success_rate_target: f
                .success_rate_target
                .map(|t| format!("{}", (t * 1000.0).round() / 10.0))
                .unwrap_or_default(),
        }
    }

    /// The form as it would be saved (trimmed, defaults filled in, tags
    /// normalised), or as typed when it does not validate.
    pub fn normalised(&self) -> Self {
        let (draft, unread) = self.to_draft();
        match draft.validate() {
            Ok(fields) if unread.is_empty() => Self::from_fields(&fields),
            _ => self.clone(),
        }
    }

    /// The draft this form describes, and what could not be read.
    pub fn to_draft(&self) -> (OrchestrationDraft, FieldErrors) {
        let mut errors = FieldErrors::default();
        let tier = match self.tier.trim() {
            "" => None,
            text => text.parse().ok().or_else(|| {
                errors.add("tier", "the tier is 1 (most critical), 2 or 3");
                None
            }),
        };
        let target = read_number(
            &mut errors,
            "success_rate_target",
            &self.success_rate_target,
        )
        .and_then(|percent| {
            if (0.0..=100.0).contains(&percent) {
                Some(percent / 100.0)
            } else {
                errors.add(
                    "success_rate_target",
                    "give a percentage from 0 to 100, such as 95",
                );
                None
            }
        });
        let draft = OrchestrationDraft {
            name: self.name.clone(),
            slug: self.slug.clone(),
            purpose: self.purpose.clone(),
            owner_id: read_id(&mut errors, "owner_id", &self.owner_id),
            backup_owner_id: read_id(&mut errors, "backup_owner_id", &self.backup_owner_id),
            team_id: read_id(&mut errors, "team_id", &self.team_id),
            inputs: self.inputs.clone(),
            outputs: self.outputs.clone(),
            failure_mode: self.failure_mode.clone(),
            fallback: self.fallback.clone(),
            tier,
            lifecycle: self.lifecycle.clone(),
            tags: self
                .tags
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            links: read_links(&mut errors, &self.links),
            minutes_saved_per_run: read_number(
                &mut errors,
                "minutes_saved_per_run",
                &self.minutes_saved_per_run,
            ),
            expected_runs_per_week: read_number(
                &mut errors,
                "expected_runs_per_week",
                &self.expected_runs_per_week,
            ),
            success_rate_target: target,
        };
        (draft, errors)
    }

    /// Each field's key and label, in the form's order.
    pub const LABELS: [(&'static str, &'static str); 17] = [
        ("name", "Name"),
        ("slug", "Slug"),
        ("purpose", "Purpose"),
        ("tier", "Criticality tier"),
        ("lifecycle", "Lifecycle"),
        ("tags", "Tags"),
        ("owner_id", "Owner"),
        ("backup_owner_id", "Backup owner"),
        ("team_id", "Team"),
        ("inputs", "Inputs"),
        ("outputs", "Outputs"),
        ("failure_mode", "If it fails silently"),
        ("fallback", "Fallback"),
        ("links", "Links"),
        ("minutes_saved_per_run", "Minutes saved per run"),
        ("expected_runs_per_week", "Expected runs per week"),
        ("success_rate_target", "Success-rate target (%)"),
    ];

    /// The values, in [`Self::LABELS`] order.
    fn values(&self) -> [&str; 17] {
        [
            &self.name,
            &self.slug,
            &self.purpose,
            &self.tier,
            &self.lifecycle,
            &self.tags,
            &self.owner_id,
            &self.backup_owner_id,
            &self.team_id,
            &self.inputs,
            &self.outputs,
            &self.failure_mode,
            &self.fallback,
            &self.links,
            &self.minutes_saved_per_run,
            &self.expected_runs_per_week,
            &self.success_rate_target,
        ]
    }

    /// The fields where `theirs` (stored now) differs from `self` (typed;
    /// normalise it first so defaults are no difference). Text is compared
    /// trimmed; `names` turns a person's or a team's id into the name shown.
    pub fn changes_against(
        &self,
        theirs: &OrchestrationForm,
        names: &dyn Fn(&str, &str) -> String,
    ) -> Vec<FieldChange> {
        changes(&Self::LABELS, self.values(), theirs.values(), names)
    }
}

impl AutomationForm {
    /// The form as it opens on a stored automation.
    pub fn from_automation(a: &Automation) -> Self {
        Self::from_fields(&a.fields)
    }

    /// The form that describes these validated fields.
    pub fn from_fields(f: &AutomationFields) -> Self {
        Self {
            name: f.name.clone(),
            tool: f.tool.as_str().to_owned(),
            external_id: f.external_id.clone(),
            url: f.url.clone(),
            description: f.description.clone(),
            owner_id: id_or_empty(f.owner_id),
            team_id: id_or_empty(f.team_id),
            orchestration_id: id_or_empty(f.orchestration_id),
            failure_mode: f.failure_mode.clone(),
            minutes_saved_per_run: figure_or_empty(f.minutes_saved_per_run),
            runs_per_week: figure_or_empty(f.runs_per_week),
        }
    }

    /// The form as it would be saved, or as typed when it does not validate.
    pub fn normalised(&self) -> Self {
        let (draft, unread) = self.to_draft();
        match draft.validate() {
            Ok(fields) if unread.is_empty() => Self::from_fields(&fields),
            _ => self.clone(),
        }
    }

    /// The draft this form describes, and what could not be read.
    pub fn to_draft(&self) -> (AutomationDraft, FieldErrors) {
        let mut errors = FieldErrors::default();
        let draft = AutomationDraft {
            tool: self.tool.clone(),
            external_id: self.external_id.clone(),
            url: self.url.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            owner_id: read_id(&mut errors, "owner_id", &self.owner_id),
            team_id: read_id(&mut errors, "team_id", &self.team_id),
            failure_mode: self.failure_mode.clone(),
            orchestration_id: read_id(&mut errors, "orchestration_id", &self.orchestration_id),
            minutes_saved_per_run: read_number(
                &mut errors,
                "minutes_saved_per_run",
                &self.minutes_saved_per_run,
            ),
            runs_per_week: read_number(&mut errors, "runs_per_week", &self.runs_per_week),
        };
        (draft, errors)
    }

    /// Each field's key and label, in the form's order.
    pub const LABELS: [(&'static str, &'static str); 11] = [
        ("name", "Name"),
        ("tool", "Tool"),
        ("external_id", "External id"),
        ("url", "Address"),
        ("description", "What it does"),
        ("owner_id", "Owner"),
        ("team_id", "Team"),
        ("orchestration_id", "Orchestration"),
        ("failure_mode", "If it fails silently"),
        ("minutes_saved_per_run", "Minutes saved per run"),
        ("runs_per_week", "Runs per week"),
    ];

    /// The values, in [`Self::LABELS`] order.
    fn values(&self) -> [&str; 11] {
        [
            &self.name,
            &self.tool,
            &self.external_id,
            &self.url,
            &self.description,
            &self.owner_id,
            &self.team_id,
            &self.orchestration_id,
            &self.failure_mode,
            &self.minutes_saved_per_run,
            &self.runs_per_week,
        ]
    }

    /// The fields where `theirs` (stored now) differs from `self` (typed).
    pub fn changes_against(
        &self,
        theirs: &AutomationForm,
        names: &dyn Fn(&str, &str) -> String,
    ) -> Vec<FieldChange> {
        changes(&Self::LABELS, self.values(), theirs.values(), names)
    }
}

/// The fields whose values differ, trimmed, each with its label.
fn changes<const N: usize>(
    labels: &[(&'static str, &'static str); N],
    yours: [&str; N],
    theirs: [&str; N],
    names: &dyn Fn(&str, &str) -> String,
) -> Vec<FieldChange> {
    labels
        .iter()
        .zip(yours.into_iter().zip(theirs))
        .filter(|(_, (yours, theirs))| yours.trim() != theirs.trim())
        .map(|((field, label), (yours, theirs))| FieldChange {
            field: (*field).to_owned(),
            label: (*label).to_owned(),
            theirs: names(field, theirs.trim()),
            yours: names(field, yours.trim()),
        })
        .collect()
}

/// Merges what could not be read with what the draft's validation found,
/// one message a field (the reading problem first).
pub fn merge(mut unread: FieldErrors, checked: FieldErrors) -> FieldErrors {
    for e in checked.0 {
        if unread.get(&e.field).is_none() {
            unread.0.push(e);
        }
    }
    unread
}

/// The errors in the order of the form's fields (`labels`), each message
/// kept; a field the form does not show goes last.
pub fn in_form_order(mut errors: FieldErrors, labels: &[(&str, &str)]) -> FieldErrors {
    errors.0.sort_by_key(|e| {
        labels
            .iter()
            .position(|(key, _)| *key == e.field)
            .unwrap_or(labels.len())
    });
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_ids_and_percentages_are_read_or_reported_by_field() {
        let form = OrchestrationForm {
            name: "Billing".into(),
            owner_id: "x".into(),
            minutes_saved_per_run: "12,5".into(),
            expected_runs_per_week: "lots".into(),
            success_rate_target: "150".into(),
            tier: "1".into(),
            tags: " Finance, ,ops ".into(),
            links: "Docs | https://example.com/docs\nhttps://example.com\n |".into(),
            ..Default::default()
        };
        let (draft, errors) = form.to_draft();
        assert_eq!(draft.minutes_saved_per_run, Some(12.5));
        assert_eq!(draft.tier, Some(1));
        assert_eq!(draft.tags, vec!["Finance", "ops"]);
        assert_eq!(draft.links.len(), 2);
        assert_eq!(draft.links[1].label, "https://example.com");
        assert_eq!(errors.get("owner_id"), Some("choose one from the list"));
        assert!(
            errors
                .get("expected_runs_per_week")
                .unwrap()
                .contains("not a number")
        );
        assert!(
            errors
                .get("success_rate_target")
                .unwrap()
                .contains("0 to 100")
        );
        assert!(errors.get("links").unwrap().starts_with("line 3"));
        assert!(errors.get("name").is_none());
        let ordered = in_form_order(errors, &OrchestrationForm::LABELS);
        let fields: Vec<&str> = ordered.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "owner_id",
                "links",
                "expected_runs_per_week",
                "success_rate_target"
            ]
        );
    }

    #[test]
    fn a_stored_orchestration_opens_as_the_form_that_saves_it_again() {
        let draft = OrchestrationDraft {
            name: "Lead capture".into(),
            tier: Some(2),
            tags: vec!["sales".into()],
            links: vec![Link {
                label: "Board".into(),
                url: "https://example.com/b".into(),
            }],
            success_rate_target: Some(0.955),
            minutes_saved_per_run: Some(4.0),
            ..Default::default()
        };
        let fields = draft.validate().unwrap();
        let stored = Orchestration {
            id: 1,
            fields: fields.clone(),
            version: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            retired_at: None,
        };
        let form = OrchestrationForm::from_orchestration(&stored);
        assert_eq!(form.success_rate_target, "95.5");
        let (again, errors) = form.to_draft();
        assert!(errors.is_empty(), "{errors}");
        assert_eq!(again.validate().unwrap(), fields);
    }

    #[test]
    fn changes_name_the_fields_that_differ() {
        let mine = OrchestrationForm {
            name: "Billing".into(),
            purpose: "Invoices".into(),
            owner_id: "1".into(),
            ..Default::default()
        };
        let theirs = OrchestrationForm {
            name: "Billing ".into(),
            purpose: "Invoices and refunds".into(),
            owner_id: "2".into(),
            slug: "billing".into(),
            ..Default::default()
        };
        let names = |field: &str, value: &str| {
            if field == "owner_id" {
                format!("person {value}")
            } else {
                value.to_owned()
            }
        };
        let changes = mine
            .normalised()
            .changes_against(&theirs.normalised(), &names);
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, vec!["purpose", "owner_id"]);
        assert_eq!(changes[1].theirs, "person 2");
        assert_eq!(changes[1].yours, "person 1");
    }
}
