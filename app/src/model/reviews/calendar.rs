//! Quarterly reviews' calendar: fiscal quarters, review cadences and when
//! each orchestration's next review is due.
//!
//! An orchestration is reviewed once per period of its cadence (a month, a
//! quarter or a half year), periods being aligned on the fiscal year (which
//! starts in January unless configured otherwise). A review is due by the
//! end of the period after the one it was last signed off in; one never
//! reviewed is due by the end of the period it was registered in, so a new
//! orchestration is reviewed within its first quarter. Fiscal years are
//! named by the calendar year they start in: with April as the first month,
//! 2026-Q1 is April to June 2026.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// How often an orchestration is reviewed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    Monthly,
    #[default]
    Quarterly,
    HalfYearly,
}

impl Cadence {
    pub const ALL: [Cadence; 3] = [Cadence::Monthly, Cadence::Quarterly, Cadence::HalfYearly];

    /// Months in one period.
    pub fn months(self) -> u32 {
        match self {
            Cadence::Monthly => 1,
            Cadence::Quarterly => 3,
            Cadence::HalfYearly => 6,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Monthly => "monthly",
            Cadence::Quarterly => "quarterly",
            Cadence::HalfYearly => "half_yearly",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Cadence::Monthly => "Every month",
            Cadence::Quarterly => "Every quarter",
            Cadence::HalfYearly => "Every half year",
        }
    }
}

/// The organisation's fiscal calendar: the month its year starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiscalCalendar {
    /// 1 (January) to 12.
    pub first_month: u32,
}

impl Default for FiscalCalendar {
    fn default() -> Self {
        Self { first_month: 1 }
    }
}

/// Months since year 0, January: `year * 12 + month - 1`.
fn month_index(day: NaiveDate) -> i64 {
    i64::from(day.year()) * 12 + i64::from(day.month0())
}

/// The first day of the month with this index.
fn first_of(index: i64) -> NaiveDate {
    let year = i32::try_from(index.div_euclid(12)).unwrap_or(i32::MAX);
    let month = u32::try_from(index.rem_euclid(12)).unwrap_or(0) + 1;
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MAX)
}

impl FiscalCalendar {
    /// A calendar starting in `first_month`, if it is 1 to 12.
    pub fn new(first_month: u32) -> Option<Self> {
        (1..=12)
            .contains(&first_month)
            .then_some(Self { first_month })
    }

    /// Months from the start of fiscal year 0 to `day`'s month.
    fn offset(self, day: NaiveDate) -> i64 {
        month_index(day) - i64::from(self.first_month - 1)
    }

    /// The first and last day of the `cadence` period holding `day`.
    pub fn period(self, cadence: Cadence, day: NaiveDate) -> (NaiveDate, NaiveDate) {
        let length = i64::from(cadence.months());
        let start = self.offset(day).div_euclid(length) * length + i64::from(self.first_month - 1);
        let first = first_of(start);
        let last = first_of(start + length).pred_opt().unwrap_or(first);
        (first, last)
    }

    /// The fiscal quarter holding `day`.
    pub fn quarter_of(self, day: NaiveDate) -> Quarter {
        let offset = self.offset(day);
        Quarter {
            year: i32::try_from(offset.div_euclid(12)).unwrap_or(i32::MAX),
            number: u8::try_from(offset.rem_euclid(12) / 3 + 1).unwrap_or(1),
        }
    }

    /// The first and last day of `quarter`.
    pub fn bounds(self, quarter: Quarter) -> (NaiveDate, NaiveDate) {
        let start = i64::from(quarter.year) * 12
            + i64::from(self.first_month - 1)
            + i64::from(quarter.number - 1) * 3;
        self.period(Cadence::Quarterly, first_of(start))
    }
}

/// A quarter of a fiscal year, written `2026-Q4` (in JSON too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub number: u8,
}

impl Quarter {
    /// `2026-Q4` (or `2026-q4`); `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let (year, number) = text.trim().split_once(['-'])?;
        let number = number.strip_prefix(['Q', 'q'])?;
        let year: i32 = year.parse().ok().filter(|y| (1970..=9999).contains(y))?;
        let number: u8 = number.parse().ok().filter(|n| (1..=4).contains(n))?;
        Some(Self { year, number })
    }

    pub fn next(self) -> Self {
        if self.number == 4 {
            Self {
                year: self.year + 1,
                number: 1,
            }
        } else {
            Self {
                number: self.number + 1,
                ..self
            }
        }
    }

    pub fn previous(self) -> Self {
        if self.number == 1 {
            Self {
                year: self.year - 1,
                number: 4,
            }
        } else {
            Self {
                number: self.number - 1,
                ..self
            }
        }
    }
}

impl From<Quarter> for String {
    fn from(quarter: Quarter) -> Self {
        quarter.to_string()
    }
}

impl TryFrom<String> for Quarter {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Quarter::parse(&text).ok_or_else(|| format!("{text:?} is not a quarter such as 2026-Q4"))
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-Q{}", self.year, self.number)
    }
}

/// When an orchestration's next review is due: the end of the period after
/// the one its last review was signed off in; never reviewed, the end of
/// the period it was registered in.
pub fn due_date(
    calendar: FiscalCalendar,
    cadence: Cadence,
    registered: NaiveDate,
    last_review: Option<NaiveDate>,
) -> NaiveDate {
    match last_review {
        None => calendar.period(cadence, registered).1,
        Some(signed) => {
            let (_, end) = calendar.period(cadence, signed);
            let next = end.succ_opt().unwrap_or(end);
            calendar.period(cadence, next).1
        }
    }
}

/// An orchestration's last signed-off review, as its schedule needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastReview {
    /// The day it was signed off.
    pub signed_on: NaiveDate,
    /// The due date it answered.
    pub answered: NaiveDate,
}

/// When the review after `last` is due: by [`due_date`], moved on a period
/// at a time while that date was already answered (a review signed ahead of
/// its period counts once, not twice).
pub fn next_due(
    calendar: FiscalCalendar,
    cadence: Cadence,
    registered: NaiveDate,
    last: Option<LastReview>,
) -> NaiveDate {
    let mut due = due_date(calendar, cadence, registered, last.map(|l| l.signed_on));
    if let Some(last) = last {
        // Bounded: a review answers at most a couple of periods ahead.
        for _ in 0..24 {
            if due > last.answered {
                break;
            }
            let next = due.succ_opt().unwrap_or(due);
            due = calendar.period(cadence, next).1;
        }
    }
    due
}

/// Where an orchestration's review stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStanding {
    /// Due later than the period being looked at.
    Upcoming,
    /// Due within it, not yet done.
    Due,
    /// Its due date has passed.
    Overdue,
}

impl ReviewStanding {
    /// On `today`, for a review due on `due`, looking at the period that
    /// ends on `period_end`.
    pub fn of(due: NaiveDate, today: NaiveDate, period_end: NaiveDate) -> Self {
        if due < today {
            ReviewStanding::Overdue
        } else if due <= period_end {
            ReviewStanding::Due
        } else {
            ReviewStanding::Upcoming
        }
    }
}

/// An orchestration's review schedule, as it stands on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSchedule {
    pub cadence: Cadence,
    /// `false` while it is the default (quarterly).
    pub cadence_set: bool,
    /// When its last review was signed off; `None` before the first.
    pub last_review_on: Option<NaiveDate>,
    /// The due date the last review answered.
    pub last_answered: Option<NaiveDate>,
    /// The day its next review is due by.
    pub due_on: NaiveDate,
    /// Where that review stands in the current fiscal quarter.
    pub standing: ReviewStanding,
    /// The current fiscal quarter, and its first and last day.
    pub quarter: Quarter,
    pub quarter_starts: NaiveDate,
    pub quarter_ends: NaiveDate,
}

impl ReviewSchedule {
    /// The schedule on `today` of an orchestration registered on
    /// `registered`.
    pub fn on(
        calendar: FiscalCalendar,
        cadence: Option<Cadence>,
        registered: NaiveDate,
        last: Option<LastReview>,
        today: NaiveDate,
    ) -> Self {
        let cadence_set = cadence.is_some();
        let cadence = cadence.unwrap_or_default();
        let due_on = next_due(calendar, cadence, registered, last);
        let quarter = calendar.quarter_of(today);
        let (quarter_starts, quarter_ends) = calendar.bounds(quarter);
        Self {
            cadence,
            cadence_set,
            last_review_on: last.map(|l| l.signed_on),
            last_answered: last.map(|l| l.answered),
            due_on,
            standing: ReviewStanding::of(due_on, today, quarter_ends),
            quarter,
            quarter_starts,
            quarter_ends,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const CALENDAR: FiscalCalendar = FiscalCalendar { first_month: 1 };
    const APRIL: FiscalCalendar = FiscalCalendar { first_month: 4 };

    #[test]
    fn quarters_are_written_and_read_as_2026_q4() {
        let q = Quarter::parse("2026-Q4").unwrap();
        assert_eq!(
            q,
            Quarter {
                year: 2026,
                number: 4
            }
        );
        assert_eq!(q.to_string(), "2026-Q4");
        assert_eq!(
            serde_json::to_value(q).unwrap(),
            serde_json::json!("2026-Q4")
        );
        assert_eq!(
            serde_json::from_value::<Quarter>(serde_json::json!("2027-Q1")).unwrap(),
            q.next()
        );
        assert!(serde_json::from_value::<Quarter>(serde_json::json!("2027-Q5")).is_err());
        assert_eq!(
            Quarter::parse(" 2026-q1 "),
            Some(Quarter {
                year: 2026,
                number: 1
            })
        );
        for bad in [
            "2026-Q5", "2026-Q0", "2026Q4", "26-Q4", "2026-4", "", "Q4-2026",
        ] {
            assert_eq!(Quarter::parse(bad), None, "{bad}");
        }
        assert_eq!(
            q.next(),
            Quarter {
                year: 2027,
                number: 1
            }
        );
        assert_eq!(q.next().previous(), q);
        assert_eq!(
            Quarter {
                year: 2026,
                number: 1
            }
            .previous(),
            Quarter {
                year: 2025,
                number: 4
            }
        );
    }

    #[test]
    fn calendar_and_fiscal_quarters_have_their_bounds() {
        let q4 = Quarter {
            year: 2026,
            number: 4,
        };
        assert_eq!(CALENDAR.bounds(q4), (d(2026, 10, 1), d(2026, 12, 31)));
        assert_eq!(CALENDAR.quarter_of(d(2026, 12, 31)), q4);
        assert_eq!(CALENDAR.quarter_of(d(2027, 1, 1)), q4.next());
        // April: Q1 is April–June of the year the fiscal year starts in;
        // Q4 runs into the next calendar year.
        assert_eq!(
            APRIL.bounds(Quarter {
                year: 2026,
                number: 1
            }),
            (d(2026, 4, 1), d(2026, 6, 30))
        );
        assert_eq!(
            APRIL.bounds(Quarter {
                year: 2026,
                number: 4
            }),
            (d(2027, 1, 1), d(2027, 3, 31))
        );
        assert_eq!(
            APRIL.quarter_of(d(2027, 3, 31)),
            Quarter {
                year: 2026,
                number: 4
            }
        );
        assert_eq!(
            APRIL.quarter_of(d(2026, 3, 31)),
            Quarter {
                year: 2025,
                number: 4
            }
        );
        assert_eq!(FiscalCalendar::new(13), None);
        assert_eq!(FiscalCalendar::new(0), None);
        // Leap years.
        assert_eq!(
            CALENDAR.period(Cadence::Monthly, d(2028, 2, 10)),
            (d(2028, 2, 1), d(2028, 2, 29))
        );
    }

    #[test]
    fn a_new_orchestration_is_due_within_its_first_period() {
        assert_eq!(
            due_date(CALENDAR, Cadence::Quarterly, d(2026, 11, 25), None),
            d(2026, 12, 31)
        );
        assert_eq!(
            due_date(CALENDAR, Cadence::Monthly, d(2026, 11, 25), None),
            d(2026, 11, 30)
        );
        assert_eq!(
            due_date(CALENDAR, Cadence::HalfYearly, d(2026, 3, 2), None),
            d(2026, 6, 30)
        );
        assert_eq!(
            due_date(APRIL, Cadence::HalfYearly, d(2026, 3, 2), None),
            d(2026, 3, 31)
        );
    }

    #[test]
    fn the_next_review_is_due_by_the_end_of_the_next_period() {
        // Reviewed in Q4: due by the end of Q1, across the year's end.
        assert_eq!(
            due_date(
                CALENDAR,
                Cadence::Quarterly,
                d(2026, 1, 5),
                Some(d(2026, 11, 20))
            ),
            d(2027, 3, 31)
        );
        // Reviewed on the last day of a quarter, or the first of the next.
        assert_eq!(
            due_date(
                CALENDAR,
                Cadence::Quarterly,
                d(2026, 1, 5),
                Some(d(2026, 9, 30))
            ),
            d(2026, 12, 31)
        );
        assert_eq!(
            due_date(
                CALENDAR,
                Cadence::Quarterly,
                d(2026, 1, 5),
                Some(d(2026, 10, 1))
            ),
            d(2027, 3, 31)
        );
        // A changed cadence counts from the same last review.
        let last = Some(d(2026, 11, 20));
        assert_eq!(
            due_date(CALENDAR, Cadence::Monthly, d(2026, 1, 5), last),
            d(2026, 12, 31)
        );
        assert_eq!(
            due_date(CALENDAR, Cadence::HalfYearly, d(2026, 1, 5), last),
            d(2027, 6, 30)
        );
        // A fiscal year from April.
        assert_eq!(
            due_date(APRIL, Cadence::Quarterly, d(2026, 1, 5), last),
            d(2027, 3, 31)
        );
        assert_eq!(
            due_date(
                APRIL,
                Cadence::Quarterly,
                d(2026, 1, 5),
                Some(d(2027, 1, 15))
            ),
            d(2027, 6, 30)
        );
    }

    #[test]
    fn a_review_is_upcoming_due_or_overdue() {
        let end = d(2026, 12, 31);
        assert_eq!(
            ReviewStanding::of(d(2026, 12, 31), d(2026, 12, 31), end),
            ReviewStanding::Due
        );
        assert_eq!(
            ReviewStanding::of(d(2026, 12, 31), d(2027, 1, 1), end),
            ReviewStanding::Overdue
        );
        assert_eq!(
            ReviewStanding::of(d(2027, 3, 31), d(2026, 11, 26), end),
            ReviewStanding::Upcoming
        );
    }

    #[test]
    fn a_schedule_says_where_the_review_stands_this_quarter() {
        let s = ReviewSchedule::on(CALENDAR, None, d(2026, 11, 25), None, d(2026, 11, 26));
        assert_eq!((s.cadence, s.cadence_set), (Cadence::Quarterly, false));
        assert_eq!(
            (s.due_on, s.standing),
            (d(2026, 12, 31), ReviewStanding::Due)
        );
        assert_eq!(s.quarter.to_string(), "2026-Q4");
        assert_eq!(
            (s.quarter_starts, s.quarter_ends),
            (d(2026, 10, 1), d(2026, 12, 31))
        );
        let late = ReviewSchedule::on(
            CALENDAR,
            Some(Cadence::Monthly),
            d(2026, 11, 25),
            None,
            d(2027, 1, 2),
        );
        assert_eq!(
            (late.due_on, late.standing),
            (d(2026, 11, 30), ReviewStanding::Overdue)
        );
        assert_eq!(late.quarter.to_string(), "2027-Q1");
        let reviewed = ReviewSchedule::on(
            CALENDAR,
            Some(Cadence::Quarterly),
            d(2026, 1, 5),
            Some(LastReview {
                signed_on: d(2026, 11, 20),
                answered: d(2026, 12, 31),
            }),
            d(2026, 11, 26),
        );
        assert_eq!(
            (reviewed.due_on, reviewed.standing),
            (d(2027, 3, 31), ReviewStanding::Upcoming)
        );
    }

    #[test]
    fn a_review_signed_ahead_of_its_period_is_counted_once() {
        // Due by 31 December, reviewed in November: next by 31 March.
        let on_time = LastReview {
            signed_on: d(2026, 11, 20),
            answered: d(2026, 12, 31),
        };
        let q = Cadence::Quarterly;
        assert_eq!(
            next_due(CALENDAR, q, d(2026, 1, 5), Some(on_time)),
            d(2027, 3, 31)
        );
        // Reviewed again in December, answering March: next by June.
        let ahead = LastReview {
            signed_on: d(2026, 12, 10),
            answered: d(2027, 3, 31),
        };
        assert_eq!(
            next_due(CALENDAR, q, d(2026, 1, 5), Some(ahead)),
            d(2027, 6, 30)
        );
        // Late (due December, signed January): by the end of the next
        // quarter after January's.
        let late = LastReview {
            signed_on: d(2027, 1, 15),
            answered: d(2026, 12, 31),
        };
        assert_eq!(
            next_due(CALENDAR, q, d(2026, 1, 5), Some(late)),
            d(2027, 6, 30)
        );
        // Turned monthly after the November review that answered
        // December: January.
        assert_eq!(
            next_due(CALENDAR, Cadence::Monthly, d(2026, 1, 5), Some(on_time)),
            d(2027, 1, 31)
        );
        assert_eq!(next_due(CALENDAR, q, d(2026, 11, 5), None), d(2026, 12, 31));
    }

    #[test]
    fn cadences_read_and_write_their_names() {
        for cadence in Cadence::ALL {
            assert_eq!(Cadence::parse(cadence.as_str()), Some(cadence));
        }
        assert_eq!(Cadence::default(), Cadence::Quarterly);
        assert_eq!(Cadence::parse("weekly"), None);
    }
}
