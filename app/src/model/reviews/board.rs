//! The review board of one fiscal quarter: every review due in it, done in
//! it, or overdue when it is the current quarter; with counts and the share
//! signed off on time.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::calendar::{Cadence, FiscalCalendar, LastReview, Quarter, next_due};
use super::review::{Decision, Review};

/// Where one review on the board stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoardStatus {
    /// Its due date has passed and it is not signed off.
    Overdue,
    /// Due by a day still to come.
    Due,
    /// Signed off after its due date.
    DoneLate,
    /// Signed off by its due date.
    Done,
}

impl BoardStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BoardStatus::Overdue => "overdue",
            BoardStatus::Due => "due",
            BoardStatus::DoneLate => "done_late",
            BoardStatus::Done => "done",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BoardStatus::Overdue => "Overdue",
            BoardStatus::Due => "Due",
            BoardStatus::DoneLate => "Done late",
            BoardStatus::Done => "Done",
        }
    }

    pub fn is_done(self) -> bool {
        matches!(self, BoardStatus::Done | BoardStatus::DoneLate)
    }
}

/// An orchestration as the board needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub owner_id: Option<i64>,
    pub owner: Option<String>,
    pub backup_owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub team: Option<String>,
    pub tier: i32,
    pub registered: NaiveDate,
    pub cadence: Option<Cadence>,
    pub last: Option<LastReview>,
    /// Its open draft, if a review is under way.
    pub draft: Option<i64>,
}

/// One line of the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardRow {
    pub orchestration_id: i64,
    pub slug: String,
    pub name: String,
    pub owner_id: Option<i64>,
    pub owner: Option<String>,
    pub team_id: Option<i64>,
    pub team: Option<String>,
    pub tier: i32,
    pub cadence: Cadence,
    pub due_on: NaiveDate,
    pub status: BoardStatus,
    /// The signed review, or the draft under way.
    pub review_id: Option<i64>,
    /// A draft is under way.
    pub in_progress: bool,
    pub signed_on: Option<NaiveDate>,
    pub signed_by: Option<String>,
    pub decision: Option<Decision>,
}

/// The board's figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct BoardCounts {
    pub due: u32,
    pub overdue: u32,
    pub done: u32,
    pub done_late: u32,
    /// Of the reviews due in the quarter whose due date has come (or that
    /// are done), the share signed off on time, 0 to 1; `None` when none.
    pub on_time_share: Option<f64>,
}

/// Narrows the board.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BoardFilter {
    pub team_id: Option<i64>,
    pub owner_id: Option<i64>,
}

impl BoardFilter {
    fn admits(&self, s: &Subject) -> bool {
        self.team_id.is_none_or(|t| s.team_id == Some(t))
            && self.owner_id.is_none_or(|o| s.owner_id == Some(o))
    }
}

/// The board of one quarter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewBoard {
    pub quarter: Quarter,
    pub starts: NaiveDate,
    pub ends: NaiveDate,
    /// The day it was drawn on.
    pub today: NaiveDate,
    pub filter: BoardFilter,
    pub counts: BoardCounts,
    /// Overdue first, then due, by due date; then those done.
    pub rows: Vec<BoardRow>,
}

impl ReviewBoard {
    /// The board of `quarter` on `today`, from every orchestration under
    /// review (`subjects`, retired ones left out by the caller) and the
    /// reviews signed off that answered a due date in the quarter.
    pub fn build(
        calendar: FiscalCalendar,
        quarter: Quarter,
        today: NaiveDate,
        subjects: &[Subject],
        signed: &[Review],
        filter: BoardFilter,
    ) -> Self {
        let (starts, ends) = calendar.bounds(quarter);
        let current = (starts..=ends).contains(&today);
        let mut rows = Vec::new();
        for s in subjects.iter().filter(|s| filter.admits(s)) {
            let cadence = s.cadence.unwrap_or_default();
            let row = |due_on, status, review_id, in_progress| BoardRow {
                orchestration_id: s.id,
                slug: s.slug.clone(),
                name: s.name.clone(),
                owner_id: s.owner_id,
                owner: s.owner.clone(),
                team_id: s.team_id,
                team: s.team.clone(),
                tier: s.tier,
                cadence,
                due_on,
                status,
                review_id,
                in_progress,
                signed_on: None,
                signed_by: None,
                decision: None,
            };
            for r in signed.iter().filter(|r| r.orchestration_id == s.id) {
                let Some(answered) = r.answered.filter(|d| (starts..=ends).contains(d)) else {
                    continue;
                };
                let status = if r.on_time() == Some(true) {
                    BoardStatus::Done
                } else {
                    BoardStatus::DoneLate
                };
                let mut done = row(answered, status, Some(r.id), false);
                done.signed_on = r.signed_at.map(|t| t.date_naive());
                done.signed_by.clone_from(&r.signed_by);
                done.decision = r.decision;
                rows.push(done);
            }
            let due_on = next_due(calendar, cadence, s.registered, s.last);
            let shown = due_on <= ends && (due_on >= starts || current);
            if shown {
                let status = if due_on < today {
                    BoardStatus::Overdue
                } else {
                    BoardStatus::Due
                };
                rows.push(row(due_on, status, s.draft, s.draft.is_some()));
            }
        }
        rows.sort_by(|a, b| {
            (a.status, a.due_on, a.tier, &a.name).cmp(&(b.status, b.due_on, b.tier, &b.name))
        });
        let count = |status| {
            u32::try_from(rows.iter().filter(|r| r.status == status).count()).unwrap_or(u32::MAX)
        };
        let in_quarter = |r: &&BoardRow| (starts..=ends).contains(&r.due_on);
        let settled = rows
            .iter()
            .filter(in_quarter)
            .filter(|r| r.status.is_done() || r.due_on < today)
            .count();
        let on_time = rows
            .iter()
            .filter(in_quarter)
            .filter(|r| r.status == BoardStatus::Done)
            .count();
        let counts = BoardCounts {
            due: count(BoardStatus::Due),
            overdue: count(BoardStatus::Overdue),
            done: count(BoardStatus::Done),
            done_late: count(BoardStatus::DoneLate),
            on_time_share: (settled > 0).then(|| on_time as f64 / settled as f64),
        };
        Self {
            quarter,
            starts,
            ends,
            today,
            filter,
            counts,
            rows,
        }
    }
}

/// A decision a review took in the quarter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionTaken {
    pub review_id: i64,
    pub slug: String,
    pub name: String,
    pub decision: Decision,
    /// With a merge, the orchestration it goes into: slug and name.
    pub merge_into: Option<(String, String)>,
    pub signed_on: NaiveDate,
    pub signed_by: String,
}

/// One orchestration's success rate this quarter and the one before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthTrend {
    pub slug: String,
    pub name: String,
    pub tier: i32,
    pub runs: i64,
    pub success_rate: Option<f64>,
    pub previous_rate: Option<f64>,
    pub target: Option<f64>,
    pub incidents: u32,
}

impl HealthTrend {
    /// The change in points since the quarter before, when both are known.
    pub fn change(&self) -> Option<f64> {
        Some((self.success_rate? - self.previous_rate?) * 100.0)
    }
}

/// An open action item, with its orchestration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenAction {
    pub slug: String,
    pub name: String,
    #[serde(flatten)]
    pub item: super::review::ActionItem,
}

/// The quarterly report for leaders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewReport {
    pub board: ReviewBoard,
    pub decisions: Vec<DecisionTaken>,
    /// Worst first.
    pub health: Vec<HealthTrend>,
    pub leverage: Vec<crate::model::leverage::Ranked>,
    /// By due date.
    pub open_actions: Vec<OpenAction>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::reviews::ReviewState;
    use chrono::{TimeZone, Utc};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn subject(id: i64, registered: NaiveDate, last: Option<LastReview>) -> Subject {
        Subject {
            id,
            slug: format!("o{id}"),
            name: format!("O{id}"),
            owner_id: Some(id * 10),
            owner: None,
            backup_owner_id: None,
            team_id: Some(id % 2),
            team: None,
            tier: 2,
            registered,
            cadence: None,
            last,
            draft: None,
        }
    }

    fn signed(id: i64, orchestration: i64, on: NaiveDate, answered: NaiveDate) -> Review {
        let at = Utc.from_utc_datetime(&on.and_hms_opt(12, 0, 0).unwrap());
        Review {
            id,
            orchestration_id: orchestration,
            state: ReviewState::Signed,
            answers: Vec::new(),
            decision: Some(Decision::Keep),
            merge_into_id: None,
            notes: String::new(),
            version: 2,
            started_by_id: None,
            started_by: "a".into(),
            started_at: at,
            updated_at: at,
            signed_by_id: None,
            signed_by: Some("a".into()),
            signed_at: Some(at),
            answered: Some(answered),
        }
    }

    const CAL: FiscalCalendar = FiscalCalendar { first_month: 1 };
    const Q4: Quarter = Quarter {
        year: 2026,
        number: 4,
    };

    #[test]
    fn the_board_shows_due_overdue_and_done_with_the_on_time_share() {
        let on_time = LastReview {
            signed_on: d(2026, 11, 2),
            answered: d(2026, 12, 31),
        };
        let late = LastReview {
            signed_on: d(2026, 10, 3),
            answered: d(2026, 9, 30),
        };
        let subjects = vec![
            // Registered this quarter, not reviewed: due 31 December.
            subject(1, d(2026, 11, 1), None),
            // Registered in Q2, never reviewed: overdue since 30 June.
            subject(2, d(2026, 5, 1), None),
            // Reviewed on time in November: done; next due in Q1.
            subject(3, d(2026, 1, 1), Some(on_time)),
            // Reviewed late in October (due 30 September): done late for
            // Q3, and due again by 31 March, not on this board as due.
            subject(4, d(2026, 1, 1), Some(late)),
        ];
        let reviews = vec![
            signed(30, 3, d(2026, 11, 2), d(2026, 12, 31)),
            signed(40, 4, d(2026, 10, 3), d(2026, 9, 30)),
        ];
        let board = ReviewBoard::build(
            CAL,
            Q4,
            d(2026, 11, 27),
            &subjects,
            &reviews,
            BoardFilter::default(),
        );
        let summary: Vec<(i64, BoardStatus, NaiveDate)> = board
            .rows
            .iter()
            .map(|r| (r.orchestration_id, r.status, r.due_on))
            .collect();
        assert_eq!(
            summary,
            vec![
                (2, BoardStatus::Overdue, d(2026, 6, 30)),
                (1, BoardStatus::Due, d(2026, 12, 31)),
                (3, BoardStatus::Done, d(2026, 12, 31)),
            ]
        );
        assert_eq!(
            (
                board.counts.due,
                board.counts.overdue,
                board.counts.done,
                board.counts.done_late
            ),
            (1, 1, 1, 0)
        );
        // Due in Q4 and settled: only the one done (the overdue one was
        // due in Q2; the due one's day has not come).
        assert_eq!(board.counts.on_time_share, Some(1.0));

        // Q3, looked at from Q4: the late review, and the one overdue
        // since June is not in Q3.
        let q3 = ReviewBoard::build(
            CAL,
            Q4.previous(),
            d(2026, 11, 27),
            &subjects,
            &reviews,
            BoardFilter::default(),
        );
        let summary: Vec<(i64, BoardStatus)> = q3
            .rows
            .iter()
            .map(|r| (r.orchestration_id, r.status))
            .collect();
        assert_eq!(summary, vec![(4, BoardStatus::DoneLate)]);
        assert_eq!(q3.counts.on_time_share, Some(0.0));

        // Q1 2027 ahead: what will be due.
        let q1 = ReviewBoard::build(
            CAL,
            Q4.next(),
            d(2026, 11, 27),
            &subjects,
            &reviews,
            BoardFilter::default(),
        );
        let ids: Vec<i64> = q1.rows.iter().map(|r| r.orchestration_id).collect();
        assert_eq!(ids, vec![3, 4]);
        assert!(q1.rows.iter().all(|r| r.status == BoardStatus::Due));
        assert_eq!(q1.counts.on_time_share, None);

        // Filters: team 1 holds 1 and 3; owner 20 is orchestration 2's.
        let team = ReviewBoard::build(
            CAL,
            Q4,
            d(2026, 11, 27),
            &subjects,
            &reviews,
            BoardFilter {
                team_id: Some(1),
                owner_id: None,
            },
        );
        let ids: Vec<i64> = team.rows.iter().map(|r| r.orchestration_id).collect();
        assert_eq!(ids, vec![1, 3]);
        let owner = ReviewBoard::build(
            CAL,
            Q4,
            d(2026, 11, 27),
            &subjects,
            &reviews,
            BoardFilter {
                team_id: None,
                owner_id: Some(20),
            },
        );
        assert_eq!(owner.rows.len(), 1);
        assert_eq!(owner.rows[0].orchestration_id, 2);
    }

    #[test]
    fn a_review_turns_overdue_the_day_after_its_due_date() {
        let subjects = vec![subject(1, d(2026, 11, 1), None)];
        let on = |today| {
            ReviewBoard::build(CAL, Q4, today, &subjects, &[], BoardFilter::default()).rows[0]
                .status
        };
        assert_eq!(on(d(2026, 12, 31)), BoardStatus::Due);
        // On 1 January the current quarter is Q1, but Q4's board still
        // says what became of Q4's reviews.
        assert_eq!(on(d(2027, 1, 1)), BoardStatus::Overdue);
    }
}
