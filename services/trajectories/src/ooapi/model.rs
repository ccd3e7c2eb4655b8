//! The parts of OOAPI v5 records the suite reads, as the specification names them
//! (camelCase). Unknown fields are ignored: schools add their own (`ext`).
use serde::Deserialize;

/// A page of a paged list: `GET /courses?pageSize=…&pageNumber=…`. Items stay raw JSON
/// so that one malformed record is refused alone, not the page.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    #[serde(default)]
    pub has_next_page: bool,
    #[serde(default)]
    pub items: Vec<serde_json::Value>,
}

/// A string in one language (`[{ "language": "nl-NL", "value": "…" }]`).
#[derive(Debug, Clone, Deserialize)]
pub struct LanguageTypedString {
    pub language: String,
    pub value: String,
}

/// A code of a record, e.g. `{ "codeType": "identifier", "code": "GC-LAS-01" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentifierEntry {
    pub code_type: String,
    pub code: String,
}

/// How much study a course is: `{ "studyLoadUnit": "ects", "value": 3 }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StudyLoad {
    pub study_load_unit: String,
    pub value: f64,
}

/// What a consumer of the API keeps on a record of its own: the suite's themes and
/// ESCO skills, under the consumer key `llo`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consumer {
    pub consumer_key: String,
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default)]
    pub esco_skills: Vec<String>,
}

/// The consumer key the suite's own data on an OOAPI record is under.
pub const CONSUMER_KEY: &str = "llo";

/// A course (`GET /courses`), or a programme (`GET /programs`), which the catalogue
/// reads alike: its `programId` is read as the id.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Course {
    #[serde(alias = "programId")]
    pub course_id: String,
    pub primary_code: IdentifierEntry,
    pub name: Vec<LanguageTypedString>,
    #[serde(default)]
    pub study_load: Option<StudyLoad>,
    #[serde(default)]
    pub teaching_language: Option<String>,
    #[serde(default)]
    pub mode_of_delivery: Vec<String>,
    #[serde(default)]
    pub consumers: Vec<Consumer>,
}

/// A price of an offering: `{ "costType": "total costs", "amount": 1250, "currency": "EUR" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cost {
    #[serde(default)]
    pub cost_type: String,
    pub amount: f64,
    #[serde(default)]
    pub currency: String,
}

/// An offering of a course or programme: one run with its dates
/// (`GET /courses/{id}/offerings`, `GET /programs/{id}/offerings`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Offering {
    pub offering_id: String,
    pub start_date: chrono::NaiveDate,
    #[serde(default)]
    pub end_date: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub price_information: Vec<Cost>,
    #[serde(default)]
    pub enroll_start_date: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub enroll_end_date: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub teaching_language: Option<String>,
    #[serde(default)]
    pub mode_of_delivery: Vec<String>,
}

/// An association of a person with an offering (`POST /associations/external/me`,
/// `GET /associations/{id}`): a place asked for, and the school's answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Association {
    pub association_id: String,
    pub state: String,
    #[serde(default)]
    pub result: Option<AssociationResult>,
}

/// The result of an association: `state` "completed" once final, `pass` "passed",
/// "failed" or "unknown", the grade as a string (or number) and its date.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssociationResult {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub pass: String,
    #[serde(default)]
    pub score: Option<serde_json::Value>,
    #[serde(default)]
    pub result_date: Option<chrono::NaiveDate>,
}
