//! Cron expressions read in an explicit IANA time zone. Five fields (minute hour day-of-month month
//! day-of-week), no seconds: research runs are scheduled in minutes at the finest, and a sixth
//! field would make `0 6 * * *` ambiguous between dialects.
//!
//! Daylight saving: occurrences are wall-clock times in the schedule's zone, so `0 6 * * *` in
//! Europe/Berlin stays at 06:00 local across the change. A wall-clock time the spring change skips
//! (02:30 on the last Sunday of March) fires at the first instant after the gap (03:00); one the
//! autumn change repeats fires once, at its first occurrence. This is croner's behaviour, pinned
//! by `web/tests/schedule.rs`.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use graph::Timestamp;

/// The fields of an expression, in order, as error messages name them.
pub const FIELDS: [&str; 5] = ["minute", "hour", "day-of-month", "month", "day-of-week"];

/// What each field accepts, appended to croner's terse messages.
const ACCEPTS: [&str; 5] = [
    "0-59",
    "0-23",
    "1-31 or L",
    "1-12 or JAN-DEC",
    "0-7 (0 and 7 are Sunday) or SUN-SAT",
];

/// An expression or zone that cannot be used, with the part that is wrong named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    #[error(
        "cron expression `{expr}` has {found} fields; expected 5 (minute hour day-of-month month day-of-week), e.g. `0 6 * * *`"
    )]
    FieldCount { expr: String, found: usize },
    #[error(
        "cron expression `{expr}`: {field} field `{value}` is invalid ({reason}); it takes {accepts}, lists, ranges and steps"
    )]
    Field {
        expr: String,
        field: &'static str,
        value: String,
        reason: String,
        accepts: &'static str,
    },
    #[error("cron expression `{expr}` is invalid: {reason}")]
    Expression { expr: String, reason: String },
    #[error("cron expression `{expr}` never fires (no date matches it)")]
    Never { expr: String },
    #[error(
        "unknown time zone `{0}`; use an IANA name such as `UTC`, `Europe/Berlin` or `America/New_York`"
    )]
    TimeZone(String),
}

/// A validated expression and zone.
#[derive(Clone, Debug)]
pub struct CronSchedule {
    expr: String,
    zone: Tz,
    cron: Cron,
}

fn parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build()
}

/// Parses an IANA zone name.
pub fn parse_zone(name: &str) -> Result<Tz, CronError> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| CronError::TimeZone(name.to_owned()))
}

impl CronSchedule {
    /// Validates `expr` and `timezone`. Each field is checked on its own first so the error
    /// names the field, not just the expression; then the whole is checked to fire at all (a
    /// `30 2 31 2 *` is valid field by field but never happens).
    pub fn parse(expr: &str, timezone: &str) -> Result<Self, CronError> {
        let zone = parse_zone(timezone)?;
        let expr = expr.trim().to_owned();
        let fields: Vec<&str> = expr.split_whitespace().collect();
        if fields.len() != FIELDS.len() || expr.contains('@') {
            return Err(CronError::FieldCount {
                expr: expr.clone(),
                found: fields.len(),
            });
        }
        let parser = parser();
        for (i, value) in fields.iter().enumerate() {
            let mut probe = ["*"; 5];
            probe[i] = value;
            if let Err(e) = parser.parse(&probe.join(" ")) {
                return Err(CronError::Field {
                    expr: expr.clone(),
                    field: FIELDS[i],
                    value: (*value).to_owned(),
                    reason: e.to_string(),
                    accepts: ACCEPTS[i],
                });
            }
        }
        let cron = parser.parse(&expr).map_err(|e| CronError::Expression {
            expr: expr.clone(),
            reason: e.to_string(),
        })?;
        let schedule = Self { expr, zone, cron };
        // Once from a fixed instant, so validation does not depend on today's date beyond the
        // leap-year cycle croner searches.
        if schedule.next_after(Timestamp::from_millis(0)).is_none() {
            return Err(CronError::Never {
                expr: schedule.expr,
            });
        }
        Ok(schedule)
    }

    pub fn expr(&self) -> &str {
        &self.expr
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The first occurrence strictly after `t`, or `None` when the expression has no further
    /// occurrence (or `t` is outside chrono's range).
    ///
    /// croner searches in local wall-clock time; at the autumn change a search starting in the
    /// repeated hour's second pass can land on that hour's first pass, which is already in the
    /// past. Searching on from there until the answer is after `t` keeps "next" in the future,
    /// so a schedule can never be due twice for one occurrence.
    pub fn next_after(&self, t: Timestamp) -> Option<Timestamp> {
        // Whole seconds: croner keeps the start's fraction of a second in what it finds, and
        // schedules fire on the minute.
        let start: DateTime<Utc> = Utc.timestamp_opt(t.millis().div_euclid(1000), 0).single()?;
        let mut from = start.with_timezone(&self.zone);
        for _ in 0..4 {
            let next = self.cron.find_next_occurrence(&from, false).ok()?;
            let at = Timestamp::from_millis(next.timestamp_millis());
            if at > t {
                return Some(at);
            }
            from = next;
        }
        None
    }

    /// `t` as wall-clock text in the schedule's zone (`2026-03-29 03:00 CEST`), for pages and
    /// the CLI.
    pub fn local_text(&self, t: Timestamp) -> String {
        local_text(self.zone, t)
    }
}

/// `t` as wall-clock text in `zone`, with the zone's abbreviation.
pub fn local_text(zone: Tz, t: Timestamp) -> String {
    match Utc.timestamp_millis_opt(t.millis()).single() {
        Some(utc) => utc
            .with_timezone(&zone)
            .format("%Y-%m-%d %H:%M %Z")
            .to_string(),
        None => t.to_string(),
    }
}
