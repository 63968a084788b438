//! Leverage: which flows, if redesigned or looked after as products, would
//! unlock the most. One documented score, shown with its parts:
//!
//! ```text
//! score = time at stake × tier weight × fragility
//! time at stake = minutes saved per run × runs per week      (minutes a week)
//! tier weight   = 3 for tier 1, 2 for tier 2, 1 for tier 3 or no tier
//! fragility     = 1 + failure rate (0–1: failed and missed runs, once runs exist)
//!                   + 0.5 without an owner + 0.25 without a backup owner
//!                   + 0.25 without a runbook, or with one not verified
//!                     within the period (stale) + 0.25 without a failure mode
//!                   + 0.25 with no run seen in 30 days (never monitored)
//!                   + 0.25 without an expected schedule (an automation)
//!                   + 0.25 in no orchestration (an automation)
//! ```
//!
//! Observed runs per week replace the declared figure once enough has been
//! observed: runs over at least 14 days, or 20 runs; before that the
//! declared figure is used (the observed one only when nothing was
//! declared), and the sentence says which. An orchestration without its
//! own figures takes the sum of its automations' time at stake. Fragility
//! only ever raises a score: with nothing missing it is 1, never 0.

use serde::{Deserialize, Serialize};

/// Something a product should have and does not: each raises fragility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gap {
    Owner,
    BackupOwner,
    Runbook,
    /// A runbook nobody has verified within the period.
    StaleRunbook,
    FailureMode,
    /// No run seen in the last 30 days: nobody knows whether it works.
    NoRunSeen,
    /// An automation nobody said when to expect: a silent stop goes unseen.
    NoSchedule,
    /// An automation in no orchestration: nobody looks after it as a product.
    Loose,
}

impl Gap {
    /// How much the gap adds to fragility.
    pub fn weight(self) -> f64 {
        match self {
            Gap::Owner => 0.5,
            Gap::BackupOwner
            | Gap::Runbook
            | Gap::StaleRunbook
            | Gap::FailureMode
            | Gap::NoRunSeen
            | Gap::NoSchedule
            | Gap::Loose => 0.25,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Gap::Owner => "no owner",
            Gap::BackupOwner => "no backup owner",
            Gap::Runbook => "no runbook",
            Gap::StaleRunbook => "runbook not verified recently",
            Gap::FailureMode => "no failure mode written",
            Gap::NoRunSeen => "no run seen in 30 days",
            Gap::NoSchedule => "no expected schedule",
            Gap::Loose => "in no orchestration",
        }
    }
}

/// Where the runs-per-week figure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunsSource {
    /// Counted from the runs that arrived.
    Observed,
    /// As the owner declared it.
    Declared,
    /// Summed from the orchestration's automations.
    Automations,
    /// Not known: the time at stake is 0 until it is.
    Unknown,
}

/// What the score is computed from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeverageInput {
    pub minutes_saved_per_run: Option<f64>,
    pub declared_runs_per_week: Option<f64>,
    pub observed_runs_per_week: Option<f64>,
    /// Minutes a week of the parts (an orchestration's automations), used
    /// when the thing's own figures are missing.
    pub parts_minutes_per_week: Option<f64>,
    /// 1 (most critical) to 3; `None` counts as 3.
    pub tier: Option<i32>,
    /// Share of failed and missed runs, once runs exist.
    pub failure_rate: Option<f64>,
    /// The part of it that was missed runs.
    pub missed_rate: Option<f64>,
    /// What was observed when it was too little to replace a declared
    /// figure (or was used for want of one).
    pub observed_short: Option<ShortObservation>,
    pub gaps: Vec<Gap>,
}

/// Runs observed over too short a time to stand for a week's runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShortObservation {
    /// Finished runs seen.
    pub runs: i64,
    /// Over how many days.
    pub days: i64,
}

/// A score with the parts it is made of, so a leader sees why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Leverage {
    pub score: f64,
    pub minutes_per_week: f64,
    pub minutes_saved_per_run: Option<f64>,
    pub runs_per_week: Option<f64>,
    pub runs_source: RunsSource,
    pub tier_weight: f64,
    pub fragility: f64,
    pub failure_rate: Option<f64>,
    /// The part of the failure rate that was missed runs.
    #[serde(default)]
    pub missed_rate: Option<f64>,
    /// Runs observed, when they were too few to count (see
    /// [`LeverageInput::observed_short`]).
    #[serde(default)]
    pub observed_short: Option<ShortObservation>,
    pub gaps: Vec<Gap>,
}

pub fn tier_weight(tier: Option<i32>) -> f64 {
    match tier {
        Some(1) => 3.0,
        Some(2) => 2.0,
        _ => 1.0,
    }
}

impl LeverageInput {
    pub fn score(&self) -> Leverage {
        let (runs_per_week, runs_source) =
            match (self.observed_runs_per_week, self.declared_runs_per_week) {
                (Some(observed), _) => (Some(observed), RunsSource::Observed),
                (None, Some(declared)) => (Some(declared), RunsSource::Declared),
                (None, None) => (None, RunsSource::Unknown),
            };
        let own = self
            .minutes_saved_per_run
            .zip(runs_per_week)
            .map(|(minutes, runs)| minutes * runs);
        let (minutes_per_week, runs_source) = match (own, self.parts_minutes_per_week) {
            (Some(own), _) => (own, runs_source),
            (None, Some(parts)) if parts > 0.0 => (parts, RunsSource::Automations),
            (None, _) => (0.0, runs_source),
        };
        let failure_rate = self.failure_rate.map(|r| r.clamp(0.0, 1.0));
        let fragility =
            1.0 + failure_rate.unwrap_or(0.0) + self.gaps.iter().map(|g| g.weight()).sum::<f64>();
        let tier_weight = tier_weight(self.tier);
        Leverage {
            score: round1(minutes_per_week * tier_weight * fragility),
            minutes_per_week: round1(minutes_per_week),
            minutes_saved_per_run: self.minutes_saved_per_run,
            runs_per_week,
            runs_source,
            tier_weight,
            fragility: round2(fragility),
            failure_rate,
            missed_rate: self
                .missed_rate
                .map(|r| r.clamp(0.0, failure_rate.unwrap_or(0.0))),
            observed_short: self.observed_short,
            gaps: self.gaps.clone(),
        }
    }
}

impl Leverage {
    /// One sentence on why the score is what it is.
    pub fn explain(&self) -> String {
        let short = |s: ShortObservation| {
            format!(
                "{} run{} over {} day{}",
                s.runs,
                if s.runs == 1 { "" } else { "s" },
                s.days,
                if s.days == 1 { "" } else { "s" }
            )
        };
        let mut why = if self.minutes_per_week > 0.0 {
            let hours = self.minutes_per_week / 60.0;
            match (self.runs_source, self.observed_short) {
                (RunsSource::Automations, _) => {
                    format!("{hours:.1} h a week at stake across its automations")
                }
                (RunsSource::Observed, None) => {
                    format!("{hours:.1} h a week at stake (observed runs)")
                }
                (RunsSource::Observed, Some(s)) => format!(
                    "{hours:.1} h a week at stake (observed, from only {}; nothing declared)",
                    short(s)
                ),
                (_, Some(s)) => format!(
                    "{hours:.1} h a week at stake (declared runs; {} observed so far is not yet enough)",
                    short(s)
                ),
                _ => format!("{hours:.1} h a week at stake (declared runs)"),
            }
        } else {
            "no time at stake known yet (give minutes saved per run and runs per week)".to_owned()
        };
        why.push_str(&format!(", tier weight ×{}", self.tier_weight));
        let mut fragile: Vec<String> = self.gaps.iter().map(|g| g.label().to_owned()).collect();
        let missed = self.missed_rate.unwrap_or(0.0);
        let failed = self.failure_rate.unwrap_or(0.0) - missed;
        if missed > 0.0 {
            fragile.insert(0, format!("{:.0}% of expected runs missed", missed * 100.0));
        }
        if failed > 0.0005 {
            fragile.insert(0, format!("{:.0}% of runs failed", failed * 100.0));
        }
        if fragile.is_empty() {
            why.push_str(", nothing fragile");
        } else {
            why.push_str(&format!(
                ", fragility ×{} ({})",
                self.fragility,
                fragile.join(", ")
            ));
        }
        why
    }
}

/// One orchestration or automation in a ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranked {
    #[serde(flatten)]
    pub endpoint: crate::model::dependencies::Endpoint,
    pub leverage: Leverage,
    /// [`Leverage::explain`], for people.
    pub why: String,
}

/// Loose automations that look like one flow: a candidate orchestration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// What they share, in words.
    pub reason: String,
    pub automations: Vec<crate::model::dependencies::Endpoint>,
    /// Their leverage added up.
    pub score: f64,
}

/// The leverage ranking: the best candidates first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LeverageReport {
    /// The three flows (orchestrations or loose automations) that would
    /// unlock the most.
    pub top_three: Vec<Ranked>,
    pub orchestrations: Vec<Ranked>,
    pub automations: Vec<Ranked>,
    pub suggestions: Vec<Suggestion>,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_score_multiplies_time_tier_and_fragility() {
        let leverage = LeverageInput {
            minutes_saved_per_run: Some(30.0),
            declared_runs_per_week: Some(10.0),
            tier: Some(1),
            gaps: vec![Gap::Owner, Gap::Runbook],
            ..Default::default()
        }
        .score();
        assert_eq!(leverage.minutes_per_week, 300.0);
        assert_eq!(leverage.tier_weight, 3.0);
        assert_eq!(leverage.fragility, 1.75);
        assert_eq!(leverage.score, 1575.0);
        assert_eq!(leverage.runs_source, RunsSource::Declared);
        assert_eq!(
            leverage.explain(),
            "5.0 h a week at stake (declared runs), tier weight ×3, fragility ×1.75 (no owner, no runbook)"
        );
    }

    #[test]
    fn fragility_raises_but_its_absence_never_zeroes() {
        let solid = LeverageInput {
            minutes_saved_per_run: Some(10.0),
            declared_runs_per_week: Some(5.0),
            ..Default::default()
        }
        .score();
        assert_eq!(solid.fragility, 1.0);
        assert_eq!(solid.score, 50.0);
        let failing = LeverageInput {
            failure_rate: Some(0.2),
            ..solid_input()
        }
        .score();
        assert_eq!(failing.fragility, 1.2);
        assert_eq!(failing.score, 60.0);
    }

    fn solid_input() -> LeverageInput {
        LeverageInput {
            minutes_saved_per_run: Some(10.0),
            declared_runs_per_week: Some(5.0),
            ..Default::default()
        }
    }

    #[test]
    fn observed_runs_replace_declared_ones() {
        let leverage = LeverageInput {
            observed_runs_per_week: Some(7.0),
            ..solid_input()
        }
        .score();
        assert_eq!(leverage.runs_per_week, Some(7.0));
        assert_eq!(leverage.runs_source, RunsSource::Observed);
        assert_eq!(leverage.score, 70.0);
    }

    #[test]
    fn too_little_observed_keeps_the_declared_figure_and_says_so() {
        let leverage = LeverageInput {
            observed_short: Some(ShortObservation { runs: 5, days: 3 }),
            ..solid_input()
        }
        .score();
        assert_eq!(leverage.runs_source, RunsSource::Declared);
        assert_eq!(leverage.score, 50.0);
        assert!(
            leverage.explain().starts_with(
                "0.8 h a week at stake (declared runs; 5 runs over 3 days observed so far is not yet enough)"
            ),
            "{}",
            leverage.explain()
        );
        let only = LeverageInput {
            minutes_saved_per_run: Some(10.0),
            observed_runs_per_week: Some(7.0),
            observed_short: Some(ShortObservation { runs: 1, days: 1 }),
            ..Default::default()
        }
        .score();
        assert_eq!(only.runs_source, RunsSource::Observed);
        assert!(
            only.explain()
                .contains("(observed, from only 1 run over 1 day; nothing declared)"),
            "{}",
            only.explain()
        );
    }

    #[test]
    fn a_missed_run_is_not_called_failed() {
        let missed = LeverageInput {
            failure_rate: Some(1.0),
            missed_rate: Some(1.0),
            ..solid_input()
        }
        .score();
        assert_eq!(missed.fragility, 2.0);
        let why = missed.explain();
        assert!(why.contains("100% of expected runs missed"), "{why}");
        assert!(!why.contains("failed"), "{why}");
        let both = LeverageInput {
            failure_rate: Some(0.5),
            missed_rate: Some(0.25),
            ..solid_input()
        }
        .score();
        assert!(
            both.explain()
                .contains("(25% of runs failed, 25% of expected runs missed)"),
            "{}",
            both.explain()
        );
    }

    #[test]
    fn an_orchestration_without_figures_sums_its_automations() {
        let leverage = LeverageInput {
            parts_minutes_per_week: Some(120.0),
            tier: Some(2),
            ..Default::default()
        }
        .score();
        assert_eq!(leverage.runs_source, RunsSource::Automations);
        assert_eq!(leverage.score, 240.0);
        let unknown = LeverageInput::default().score();
        assert_eq!(unknown.score, 0.0);
        assert!(unknown.explain().starts_with("no time at stake known yet"));
    }
}
