//! An OOAPI course with its offerings as an offering of the suite's catalogue: its
//! primary code is the course code, its Dutch name the title, its study load the hours
//! (1 EC = 28 hours, the Dutch norm), its offerings' start dates the start moments and
//! their lowest total price in euros the price; each offering is a run with its end and
//! enrolment window (dates at 00:00 UTC), and the course's teaching language and modes
//! of delivery (else its first offering's) are kept. Themes and ESCO skills come from the
//! suite's consumer entry on the course (`consumers[consumerKey = "llo"]`), else the
//! source's default themes. The suite's own rules (`api::commands`) then check it.
use chrono::{NaiveTime, TimeZone as _, Utc};
use llo_chassis::FieldViolation;
use llo_proto::trajectories::v1 as pb;

use super::model::{CONSUMER_KEY, Course, Offering};

/// Where the courses go: the region, the provider, the themes of a course naming none.
pub struct Destination<'a> {
    pub region: &'a str,
    pub provider: &'a str,
    pub default_themes: &'a [String],
}

/// Hours per EC (European credit) in Dutch education: 28.
const HOURS_PER_EC: f64 = 28.0;

fn violation(field: &str, description: impl Into<String>) -> FieldViolation {
    FieldViolation {
        field: field.into(),
        description: description.into(),
    }
}

/// The course's study load in whole hours.
fn hours(course: &Course) -> Result<i32, FieldViolation> {
    let load = course.study_load.as_ref().ok_or_else(|| {
        violation(
            "studyLoad",
            "is required: the catalogue plans learning in hours",
        )
    })?;
    let per_unit = match load.study_load_unit.to_ascii_lowercase().as_str() {
        "hour" | "hours" | "sbu" | "contacttime" => 1.0,
        "ects" => HOURS_PER_EC,
        "day" => 8.0,
        "week" => 40.0,
        other => {
            return Err(violation(
                "studyLoad.studyLoadUnit",
                format!(
                    "{other:?} cannot be read as hours (hour, sbu, contacttime, ects, day or week)"
                ),
            ));
        }
    };
    let hours = (load.value * per_unit).round();
    if !(0.0..=f64::from(i32::MAX)).contains(&hours) {
        return Err(violation("studyLoad.value", "is not a study load"));
    }
    Ok(hours as i32)
}

/// The Dutch name (`nl`, `nl-NL`), else the first.
fn title(course: &Course) -> String {
    course
        .name
        .iter()
        .find(|n| n.language.to_ascii_lowercase().starts_with("nl"))
        .or_else(|| course.name.first())
        .map(|n| n.value.clone())
        .unwrap_or_default()
}

/// The lowest total price in euros over the offerings, in cents; 0 when none is given.
fn price_cents(offerings: &[Offering]) -> i64 {
    lowest_euro_cents(offerings).unwrap_or(0)
}

/// The lowest price in euros of cost type "total costs" (else of any type), in cents.
fn lowest_euro_cents(offerings: &[Offering]) -> Option<i64> {
    let euros = |total_only: bool| {
        offerings
            .iter()
            .flat_map(|o| &o.price_information)
            .filter(|c| c.currency.eq_ignore_ascii_case("EUR"))
            .filter(move |c| !total_only || c.cost_type.eq_ignore_ascii_case("total costs"))
            .map(|c| (c.amount * 100.0).round() as i64)
            .min()
    };
    euros(true).or_else(|| euros(false))
}

/// The course as a catalogue row, or what in its OOAPI record cannot be read.
pub fn offering(
    to: &Destination<'_>,
    course: &Course,
    offerings: &[Offering],
) -> Result<pb::PublishCourseOfferingRequest, Vec<FieldViolation>> {
    let hours = hours(course).map_err(|v| vec![v])?;
    let ours = course
        .consumers
        .iter()
        .find(|c| c.consumer_key == CONSUMER_KEY);
    let themes = match ours {
        Some(c) if !c.themes.is_empty() => c.themes.clone(),
        _ => to.default_themes.to_vec(),
    };
    let mut runs: Vec<&Offering> = offerings.iter().collect();
    runs.sort_by_key(|o| o.start_date);
    let first = runs.first();
    let teaching_language = course
        .teaching_language
        .clone()
        .or_else(|| first.and_then(|o| o.teaching_language.clone()))
        .unwrap_or_default();
    let modes_of_delivery = if course.mode_of_delivery.is_empty() {
        first
            .map(|o| o.mode_of_delivery.clone())
            .unwrap_or_default()
    } else {
        course.mode_of_delivery.clone()
    };
    Ok(pb::PublishCourseOfferingRequest {
        region: to.region.to_owned(),
        provider: to.provider.to_owned(),
        course_code: course.primary_code.code.clone(),
        title: title(course),
        themes,
        hours,
        price_cents: price_cents(offerings),
        // The runs' starts become the start times.
        start_times: Vec::new(),
        esco_skill_uris: ours.map(|c| c.esco_skills.clone()).unwrap_or_default(),
        runs: runs
            .into_iter()
            .map(|o| pb::CourseRun {
                start_time: Some(midnight(o.start_date)),
                end_time: o.end_date.map(midnight),
                enrol_start_time: o.enroll_start_date.map(midnight),
                enrol_end_time: o.enroll_end_date.map(midnight),
                external_id: o.offering_id.clone(),
                price_cents: lowest_euro_cents(std::slice::from_ref(o)),
            })
            .collect(),
        teaching_language,
        modes_of_delivery,
    })
}

/// A date as the catalogue keeps moments: 00:00 UTC.
fn midnight(day: chrono::NaiveDate) -> prost_types::Timestamp {
    let at = Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN));
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course(json: serde_json::Value) -> Course {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_course_with_its_offerings_becomes_one_catalogue_row() {
        let c = course(serde_json::json!({
            "courseId": "c1",
            "primaryCode": { "codeType": "identifier", "code": "GC-LAS-01" },
            "name": [
                { "language": "en-GB", "value": "MIG/MAG welding" },
                { "language": "nl-NL", "value": "MIG/MAG-lassen niveau 2" }
            ],
            "studyLoad": { "studyLoadUnit": "ects", "value": 1.5 },
            "consumers": [{ "consumerKey": "llo", "themes": ["lassen"],
                "escoSkills": ["http://data.europa.eu/esco/skill/abc"] }]
        }));
        let runs: Vec<Offering> = serde_json::from_value(serde_json::json!([
            { "offeringId": "o2", "startDate": "2022-03-01",
              "priceInformation": [{ "costType": "total costs", "amount": 1250.0, "currency": "EUR" }] },
            { "offeringId": "o1", "startDate": "2022-01-10",
              "priceInformation": [{ "costType": "total costs", "amount": 1195.5, "currency": "EUR" },
                                   { "costType": "registration fee", "amount": 50, "currency": "EUR" }] }
        ]))
        .unwrap();
        let to = Destination {
            region: "achterhoek",
            provider: "graafschap-college",
            default_themes: &["other".to_owned()],
        };
        let row = offering(&to, &c, &runs).unwrap();
        assert_eq!(row.course_code, "GC-LAS-01");
        assert_eq!(row.title, "MIG/MAG-lassen niveau 2");
        assert_eq!(row.hours, 42, "1.5 EC of 28 hours");
        assert_eq!(row.price_cents, 119_550);
        assert_eq!(row.themes, ["lassen"]);
        assert_eq!(row.esco_skill_uris.len(), 1);
        assert_eq!(row.runs.len(), 2);
        assert_eq!(row.runs[0].external_id, "o1", "in the order they start");
        let prices: Vec<_> = row.runs.iter().map(|r| r.price_cents).collect();
        assert_eq!(
            prices,
            [Some(119_550), Some(125_000)],
            "each run's own total"
        );
        let start = |i: usize| row.runs[i].start_time.as_ref().map(|t| t.seconds);
        assert!(start(0) < start(1));
    }

    #[test]
    fn a_course_without_hours_or_our_themes_is_read_as_far_as_it_goes() {
        let mut c = course(serde_json::json!({
            "courseId": "c1",
            "primaryCode": { "codeType": "identifier", "code": "X" },
            "name": [{ "language": "en-GB", "value": "Only English" }]
        }));
        let to = Destination {
            region: "achterhoek",
            provider: "p",
            default_themes: &["veiligheid".to_owned()],
        };
        let refused = offering(&to, &c, &[]).unwrap_err();
        assert_eq!(refused[0].field, "studyLoad");
        c.study_load = Some(super::super::model::StudyLoad {
            study_load_unit: "hour".into(),
            value: 16.0,
        });
        let row = offering(&to, &c, &[]).unwrap();
        assert_eq!(row.title, "Only English");
        assert_eq!(row.themes, ["veiligheid"]);
        assert_eq!(row.price_cents, 0);
    }
}
