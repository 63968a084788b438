//! Orchestrations and automations: the catalog's vocabulary and its rules.

use serde::{Deserialize, Serialize};

use super::errors::FieldErrors;

/// How critical an orchestration is: 1 most, 3 least.
pub const TIERS: std::ops::RangeInclusive<i32> = 1..=3;

pub(crate) const MAX_NAME: usize = 120;
const MAX_SLUG: usize = 64;
pub(crate) const MAX_TEXT: usize = 10_000;
const MAX_TAGS: usize = 20;
const MAX_TAG: usize = 40;
const MAX_LINKS: usize = 20;
const MAX_LINK_LABEL: usize = 80;
const MAX_URL: usize = 2_000;
const MAX_FIGURE: f64 = 1_000_000.0;

/// Where an orchestration is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lifecycle {
    Draft,
    Active,
    Paused,
    Retired,
}

impl TryFrom<String> for Lifecycle {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Lifecycle::parse(&text).ok_or_else(|| format!("unknown lifecycle {text:?}"))
    }
}

impl Lifecycle {
    pub const ALL: [Lifecycle; 4] = [
        Lifecycle::Draft,
        Lifecycle::Active,
        Lifecycle::Paused,
        Lifecycle::Retired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Draft => "draft",
            Lifecycle::Active => "active",
            Lifecycle::Paused => "paused",
            Lifecycle::Retired => "retired",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == text)
    }
}

/// A labelled link from an orchestration's card (docs, dashboards, repos).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub label: String,
    pub url: String,
}

/// An orchestration as stored: its fields, and what the store keeps about
/// them. In JSON the fields sit beside `id` and `version`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Orchestration {
    pub id: i64,
    #[serde(flatten)]
    pub fields: OrchestrationFields,
    /// Raised by one at every change; a save names the version it edited.
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub retired_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Orchestration {
    /// Nobody answers for it.
    pub fn is_unowned(&self) -> bool {
        self.fields.owner_id.is_none()
    }

    /// Nobody has written what happens when it fails silently.
    pub fn lacks_failure_mode(&self) -> bool {
        self.fields.failure_mode.trim().is_empty()
    }
}

/// What a person submits to create or change an orchestration. Text
/// fields are taken as typed and checked by [`OrchestrationDraft::validate`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrchestrationDraft {
    pub name: String,
    /// Derived from the name when empty.
    pub slug: String,
    pub purpose: String,
    pub owner_id: Option<i64>,
    pub backup_owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub inputs: String,
    pub outputs: String,
    pub failure_mode: String,
    pub fallback: String,
    pub tier: Option<i32>,
    pub lifecycle: String,
    pub tags: Vec<String>,
    pub links: Vec<Link>,
    pub minutes_saved_per_run: Option<f64>,
    pub expected_runs_per_week: Option<f64>,
    /// A share between 0 and 1 (0.95 is 95 %).
    pub success_rate_target: Option<f64>,
}

/// An orchestration's fields once validated and normalised (trimmed, slug
/// derived, tags lower-cased and deduplicated): what is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrchestrationFields {
    pub name: String,
    pub slug: String,
    pub purpose: String,
    pub owner_id: Option<i64>,
    pub backup_owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub inputs: String,
    pub outputs: String,
    pub failure_mode: String,
    pub fallback: String,
    pub tier: i32,
    pub lifecycle: Lifecycle,
    pub tags: Vec<String>,
    pub links: Vec<Link>,
    pub minutes_saved_per_run: Option<f64>,
    pub expected_runs_per_week: Option<f64>,
    pub success_rate_target: Option<f64>,
}

impl OrchestrationDraft {
    /// Checks every field and reports every problem at once, each next to
    /// its field. References (owner, team) are checked by the server.
    pub fn validate(self) -> Result<OrchestrationFields, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            errors.add("name", "give the orchestration a name");
        } else if name.chars().count() > MAX_NAME {
            errors.add("name", format!("keep the name to {MAX_NAME} characters"));
        }
        let slug = if self.slug.trim().is_empty() {
            let derived = slugify(&name);
            if derived.is_empty() && !name.is_empty() {
                errors.add(
                    "slug",
                    "the name has no letters or digits usable in a URL: give a slug",
                );
            }
            derived
        } else {
            let slug = self.slug.trim().to_owned();
            if let Err(why) = check_slug(&slug) {
                errors.add("slug", why);
            }
            slug
        };
        for (field, text) in [
            ("purpose", &self.purpose),
            ("inputs", &self.inputs),
            ("outputs", &self.outputs),
            ("failure_mode", &self.failure_mode),
            ("fallback", &self.fallback),
        ] {
            check_length(&mut errors, field, text, MAX_TEXT);
        }
        if self.owner_id.is_some() && self.owner_id == self.backup_owner_id {
            errors.add(
                "backup_owner_id",
                "the backup owner must be someone other than the owner",
            );
        }
        let tier = self.tier.unwrap_or(3);
        if !TIERS.contains(&tier) {
            errors.add("tier", "the tier is 1 (most critical), 2 or 3");
        }
        let lifecycle = match self.lifecycle.trim() {
            "" => Lifecycle::Draft,
            text => Lifecycle::parse(text).unwrap_or_else(|| {
                errors.add(
                    "lifecycle",
                    "the lifecycle is draft, active, paused or retired",
                );
                Lifecycle::Draft
            }),
        };
        let tags = normalise_tags(self.tags, &mut errors);
        let links = check_links(self.links, &mut errors);
        check_figure(
            &mut errors,
            "minutes_saved_per_run",
            self.minutes_saved_per_run,
        );
        check_figure(
            &mut errors,
            "expected_runs_per_week",
            self.expected_runs_per_week,
        );
        if let Some(target) = self.success_rate_target
            && !(target.is_finite() && (0.0..=1.0).contains(&target))
        {
            errors.add(
                "success_rate_target",
                "give a share from 0 to 1 (0.95 is 95 %)",
            );
        }
        errors.into_result(OrchestrationFields {
            name,
            slug,
            purpose: self.purpose.trim().to_owned(),
            owner_id: self.owner_id,
            backup_owner_id: self.backup_owner_id,
            team_id: self.team_id,
            inputs: self.inputs.trim().to_owned(),
            outputs: self.outputs.trim().to_owned(),
            failure_mode: self.failure_mode.trim().to_owned(),
            fallback: self.fallback.trim().to_owned(),
            tier,
            lifecycle,
            tags,
            links,
            minutes_saved_per_run: self.minutes_saved_per_run,
            expected_runs_per_week: self.expected_runs_per_week,
            success_rate_target: self.success_rate_target,
        })
    }
}

/// A URL-safe form of `text`: lower-case ASCII letters and digits, words
/// joined by single hyphens, at most 64 characters.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.truncate(MAX_SLUG);
    slug.trim_end_matches('-').to_owned()
}

fn check_slug(slug: &str) -> Result<(), String> {
    if slug.len() > MAX_SLUG {
        return Err(format!("keep the slug to {MAX_SLUG} characters"));
    }
    let allowed = slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !allowed || slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
        return Err(
            "use lower-case letters, digits and single hyphens, e.g. monthly-invoicing".to_owned(),
        );
    }
    Ok(())
}

fn normalise_tags(tags: Vec<String>, errors: &mut FieldErrors) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() || out.contains(&tag) {
            continue;
        }
        if tag.chars().count() > MAX_TAG {
            errors.add(
                "tags",
                format!("keep each tag to {MAX_TAG} characters: {tag:?} is longer"),
            );
        }
        out.push(tag);
    }
    if out.len() > MAX_TAGS {
        errors.add("tags", format!("at most {MAX_TAGS} tags"));
    }
    out.sort();
    out
}

/// An absolute http(s) address with a host, no spaces, of sensible length.
pub(crate) fn is_http_url(url: &str) -> bool {
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    let has_host = url.split_once("://").is_some_and(|(_, rest)| {
        rest.split(['/', '?', '#'])
            .next()
            .is_some_and(|host| !host.is_empty())
    });
    scheme_ok && has_host && url.len() <= MAX_URL && !url.contains(char::is_whitespace)
}

/// Adds an error when `text` is longer than `max` characters.
pub(crate) fn check_length(errors: &mut FieldErrors, field: &str, text: &str, max: usize) {
    if text.chars().count() > max {
        errors.add(field, format!("keep this to {max} characters"));
    }
}

/// Adds an error when a declared figure is negative, not a number, or huge.
pub(crate) fn check_figure(errors: &mut FieldErrors, field: &str, value: Option<f64>) {
    if let Some(v) = value
        && !(v.is_finite() && (0.0..=MAX_FIGURE).contains(&v))
    {
        errors.add(field, format!("give a number from 0 to {MAX_FIGURE}"));
    }
}

fn check_links(links: Vec<Link>, errors: &mut FieldErrors) -> Vec<Link> {
    if links.len() > MAX_LINKS {
        errors.add("links", format!("at most {MAX_LINKS} links"));
    }
    links
        .into_iter()
        .map(|link| Link {
            label: link.label.trim().to_owned(),
            url: link.url.trim().to_owned(),
        })
        .filter(|link| !(link.label.is_empty() && link.url.is_empty()))
        .inspect(|link| {
            if link.label.is_empty() || link.label.chars().count() > MAX_LINK_LABEL {
                errors.add(
                    "links",
                    format!("give each link a label of 1 to {MAX_LINK_LABEL} characters"),
                );
            }
            let scheme_ok = link.url.starts_with("https://") || link.url.starts_with("http://");
            let has_host = link.url.split_once("://").is_some_and(|(_, rest)| {
                rest.split(['/', '?', '#'])
                    .next()
                    .is_some_and(|host| !host.is_empty())
            });
            if !scheme_ok
                || !has_host
                || link.url.len() > MAX_URL
                || link.url.contains(char::is_whitespace)
            {
                errors.add("links", format!("{:?} is not an http(s) address", link.url));
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(name: &str) -> OrchestrationDraft {
        OrchestrationDraft {
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn slugs_are_derived_from_names() {
        assert_eq!(slugify("Monthly Invoicing"), "monthly-invoicing");
        assert_eq!(slugify("  CI → Deploy (prod)!  "), "ci-deploy-prod");
        assert_eq!(slugify("Café sync"), "caf-sync");
        assert_eq!(slugify("日本"), "");
        assert_eq!(slugify(&"a".repeat(100)).len(), 64);
    }

    #[test]
    fn a_minimal_draft_gets_defaults() {
        let valid = draft(" Monthly invoicing ").validate().unwrap();
        assert_eq!(valid.name, "Monthly invoicing");
        assert_eq!(valid.slug, "monthly-invoicing");
        assert_eq!(valid.tier, 3);
        assert_eq!(valid.lifecycle, Lifecycle::Draft);
        assert!(valid.tags.is_empty());
    }

    #[test]
    fn every_problem_is_reported_next_to_its_field() {
        let errors = OrchestrationDraft {
            name: String::new(),
            slug: "Bad Slug".into(),
            owner_id: Some(4),
            backup_owner_id: Some(4),
            tier: Some(7),
            lifecycle: "archived".into(),
            links: vec![Link {
                label: "Docs".into(),
                url: "javascript:alert(1)".into(),
            }],
            minutes_saved_per_run: Some(-5.0),
            success_rate_target: Some(95.0),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        for field in [
            "name",
            "slug",
            "backup_owner_id",
            "tier",
            "lifecycle",
            "links",
            "minutes_saved_per_run",
            "success_rate_target",
        ] {
            assert!(errors.get(field).is_some(), "{field}: {errors}");
        }
        assert_eq!(errors.get("name"), Some("give the orchestration a name"));
    }

    #[test]
    fn a_name_without_url_letters_needs_a_slug() {
        let errors = draft("日本").validate().unwrap_err();
        assert!(errors.get("slug").unwrap().contains("give a slug"));
        let valid = OrchestrationDraft {
            slug: "nihon".into(),
            ..draft("日本")
        }
        .validate()
        .unwrap();
        assert_eq!(valid.slug, "nihon");
    }

    #[test]
    fn tags_are_normalised_and_links_checked() {
        let valid = OrchestrationDraft {
            tags: vec![
                "Finance".into(),
                " finance ".into(),
                "".into(),
                "billing".into(),
            ],
            links: vec![
                Link {
                    label: " Runbook ".into(),
                    url: "https://wiki.example.com/runbook".into(),
                },
                Link {
                    label: String::new(),
                    url: String::new(),
                },
            ],
            ..draft("Invoicing")
        }
        .validate()
        .unwrap();
        assert_eq!(valid.tags, vec!["billing", "finance"]);
        assert_eq!(valid.links.len(), 1);
        assert_eq!(valid.links[0].label, "Runbook");
        for bad in ["https://", "ftp://x.y", "https://exa mple.com"] {
            let errors = OrchestrationDraft {
                links: vec![Link {
                    label: "x".into(),
                    url: bad.into(),
                }],
                ..draft("Invoicing")
            }
            .validate()
            .unwrap_err();
            assert!(errors.get("links").is_some(), "{bad}");
        }
    }
}
