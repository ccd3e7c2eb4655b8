//! A place asked of a school over OOAPI v5 (an association): its states, which run a
//! plan enrols in, and what an answer of the school does. Pure rules, no I/O.
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use super::commands::CourseRun;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrolmentState {
    /// Not yet accepted by the school's server.
    Requested,
    Pending,
    Associated,
    /// On the school's wait list.
    Queued,
    Denied,
    Canceled,
    /// The school sent a result; the activity is completed.
    Completed,
}

impl EnrolmentState {
    pub fn as_str(self) -> &'static str {
        match self {
            EnrolmentState::Requested => "requested",
            EnrolmentState::Pending => "pending",
            EnrolmentState::Associated => "associated",
            EnrolmentState::Queued => "queued",
            EnrolmentState::Denied => "denied",
            EnrolmentState::Canceled => "canceled",
            EnrolmentState::Completed => "completed",
        }
    }

    pub fn parse(value: &str) -> Option<EnrolmentState> {
        Some(match value {
            "requested" => EnrolmentState::Requested,
            "completed" => EnrolmentState::Completed,
            other => return Self::from_ooapi(other),
        })
    }

    /// An association's `state` as OOAPI v5 names it.
    pub fn from_ooapi(value: &str) -> Option<EnrolmentState> {
        Some(match value {
            "pending" => EnrolmentState::Pending,
            "associated" => EnrolmentState::Associated,
            "queued" => EnrolmentState::Queued,
            "denied" => EnrolmentState::Denied,
            "canceled" | "cancelled" => EnrolmentState::Canceled,
            _ => return None,
        })
    }

    /// Still followed: the school may still change it.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            EnrolmentState::Requested
                | EnrolmentState::Pending
                | EnrolmentState::Associated
                | EnrolmentState::Queued
        )
    }
}

/// The run a plan enrols in: the one asked for by the school's id (its enrolment must
/// not have closed), or else the first run still to start whose enrolment is open now.
/// `None`: no run can be enrolled in without asking for one.
pub fn choose_run<'a>(
    runs: &'a [CourseRun],
    wanted: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<&'a CourseRun>, String> {
    if let Some(wanted) = wanted {
        let run = runs
            .iter()
            .find(|r| r.external_id == wanted)
            .ok_or_else(|| format!("{wanted} is not a run of the offering"))?;
        if let Some(until) = run.enrol_until.filter(|until| *until < now) {
            return Err(format!(
                "enrolment for run {wanted} closed on {}",
                until.date_naive()
            ));
        }
        return Ok(Some(run));
    }
    let open = |r: &&CourseRun| {
        !r.external_id.is_empty()
            && r.start > now
            && r.enrol_from.is_none_or(|from| from <= now)
            && r.enrol_until.is_none_or(|until| until >= now)
    };
    Ok(runs.iter().filter(open).min_by_key(|r| r.start))
}

/// What the school told of an association.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolAnswer {
    pub association_id: String,
    pub state: EnrolmentState,
    pub result: Option<SchoolResult>,
}

/// A final result: passed or failed (or unknown), with the grade as the school wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolResult {
    pub pass: String,
    pub score: String,
    pub date: Option<NaiveDate>,
}

impl SchoolResult {
    pub fn passed(&self) -> bool {
        self.pass == "passed"
    }
}

/// Where an answer takes an enrolment, and whether it completes the activity now.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub to: EnrolmentState,
    pub completes: Option<SchoolResult>,
}

/// A final result completes (once: a completed enrolment is no longer followed); any
/// other answer takes the school's state. A closed enrolment stays as it is.
pub fn step(current: EnrolmentState, answer: SchoolAnswer) -> Step {
    if !current.is_open() {
        return Step {
            to: current,
            completes: None,
        };
    }
    match answer.result {
        Some(result) => Step {
            to: EnrolmentState::Completed,
            completes: Some(result),
        },
        None => Step {
            to: answer.state,
            completes: None,
        },
    }
}

/// How long to wait after `failures` failed calls in a row: 30 s, doubled each time, at
/// most 6 hours.
pub fn retry_after(failures: u32) -> Duration {
    let doubled = 30_u64.saturating_mul(1 << failures.saturating_sub(1).min(16));
    Duration::from_secs(doubled.min(6 * 3_600))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        DateTime::from_naive_utc_and_offset(
            NaiveDate::from_ymd_opt(2027, 3, day)
                .and_then(|d| d.and_hms_opt(9, 0, 0))
                .unwrap_or_default(),
            Utc,
        )
    }

    fn run(id: &str, start: u32, enrol: Option<(u32, u32)>) -> CourseRun {
        CourseRun {
            start: at(start),
            end: None,
            enrol_from: enrol.map(|(from, _)| at(from)),
            enrol_until: enrol.map(|(_, until)| at(until)),
            external_id: id.into(),
            price_cents: None,
        }
    }

    #[test]
    fn the_next_open_run_is_chosen_when_none_is_asked_for() {
        let runs = [
            run("past", 2, None),
            run("late", 20, Some((1, 19))),
            run("closed", 12, Some((1, 5))),
            run("", 11, None),
            run("next", 15, Some((1, 14))),
        ];
        let chosen = choose_run(&runs, None, at(10)).ok().flatten();
        assert_eq!(chosen.map(|r| r.external_id.as_str()), Some("next"));
        assert_eq!(choose_run(&runs[..1], None, at(10)), Ok(None));
    }

    #[test]
    fn a_run_asked_for_must_exist_and_be_open() {
        let runs = [run("a", 15, Some((1, 5)))];
        assert!(choose_run(&runs, Some("b"), at(4)).is_err());
        assert!(choose_run(&runs, Some("a"), at(6)).is_err());
        assert_eq!(
            choose_run(&runs, Some("a"), at(4)).ok().flatten(),
            runs.first()
        );
    }

    #[test]
    fn a_result_completes_once_and_a_closed_enrolment_stays() {
        let result = SchoolResult {
            pass: "passed".into(),
            score: "8".into(),
            date: None,
        };
        let answer = |result| SchoolAnswer {
            association_id: "as-1".into(),
            state: EnrolmentState::Associated,
            result,
        };
        let done = step(EnrolmentState::Queued, answer(Some(result.clone())));
        assert_eq!(done.to, EnrolmentState::Completed);
        assert_eq!(done.completes, Some(result.clone()));
        let again = step(EnrolmentState::Completed, answer(Some(result)));
        assert_eq!(again.completes, None);
        let moved = step(EnrolmentState::Queued, answer(None));
        assert_eq!(moved.to, EnrolmentState::Associated);
        assert_eq!(
            step(EnrolmentState::Denied, answer(None)).to,
            EnrolmentState::Denied
        );
    }

    #[test]
    fn back_off_doubles_and_is_bounded() {
        assert_eq!(retry_after(1), Duration::from_secs(30));
        assert_eq!(retry_after(3), Duration::from_secs(120));
        assert_eq!(retry_after(40), Duration::from_secs(6 * 3_600));
    }
}
