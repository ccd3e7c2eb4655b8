use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{assessment_answers, assessment_responses, assessments};
use crate::domain::{
    model::{AssessmentStatus, Round},
    scoring::{Answer, DimensionScore, PriorityTheme},
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = assessments)]
pub struct AssessmentRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub round: String,
    pub status: String,
    pub sector: String,
    pub results: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// What a completed scan stored.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct StoredResults {
    pub scores: Vec<DimensionScore>,
    pub priority_themes: Vec<PriorityTheme>,
}

impl AssessmentRow {
    pub fn results(&self) -> StoredResults {
        self.results
            .as_ref()
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    round: Round,
    sector: &str,
) -> QueryResult<AssessmentRow> {
    diesel::insert_into(assessments::table)
        .values((
            assessments::id.eq(Uuid::now_v7()),
            assessments::organisation_id.eq(organisation_id),
            assessments::round.eq(round.as_str()),
            assessments::status.eq(AssessmentStatus::Open.as_str()),
            assessments::sector.eq(sector),
        ))
        .returning(AssessmentRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<AssessmentRow>> {
    assessments::table
        .find(id)
        .select(AssessmentRow::as_select())
        .first(conn)
        .await
        .optional()
}

llo_chassis::find_by_id! {
    /// Locks the scan row so that answers and completion do not interleave.
    pub fn find_for_update(assessments) -> AssessmentRow, locked
}

pub async fn find_round(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    round: Round,
) -> QueryResult<Option<AssessmentRow>> {
    assessments::table
        .filter(
            assessments::organisation_id
                .eq(organisation_id)
                .and(assessments::round.eq(round.as_str())),
        )
        .select(AssessmentRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn response_count(conn: &mut AsyncPgConnection, assessment_id: Uuid) -> QueryResult<i64> {
    assessment_responses::table
        .filter(assessment_responses::assessment_id.eq(assessment_id))
        .count()
        .get_result(conn)
        .await
}

pub async fn has_responded(
    conn: &mut AsyncPgConnection,
    assessment_id: Uuid,
    participant_id: Uuid,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        assessment_responses::table.filter(
            assessment_responses::assessment_id
                .eq(assessment_id)
                .and(assessment_responses::participant_id.eq(participant_id)),
        ),
    ))
    .get_result(conn)
    .await
}

pub async fn insert_response(
    conn: &mut AsyncPgConnection,
    assessment_id: Uuid,
    participant_id: Uuid,
    answers: &[Answer],
) -> QueryResult<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(assessment_responses::table)
        .values((
            assessment_responses::id.eq(id),
            assessment_responses::assessment_id.eq(assessment_id),
            assessment_responses::participant_id.eq(participant_id),
        ))
        .execute(conn)
        .await?;
    let rows: Vec<_> = answers
        .iter()
        .map(|a| {
            (
                assessment_answers::response_id.eq(id),
                assessment_answers::item_id.eq(&a.item_id),
                assessment_answers::score.eq(a.score),
            )
        })
        .collect();
    diesel::insert_into(assessment_answers::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(id)
}

/// Every response's answers, grouped per respondent.
pub async fn answers(
    conn: &mut AsyncPgConnection,
    assessment_id: Uuid,
) -> QueryResult<Vec<Vec<Answer>>> {
    let rows: Vec<(Uuid, String, i32)> = assessment_answers::table
        .inner_join(assessment_responses::table)
        .filter(assessment_responses::assessment_id.eq(assessment_id))
        .select((
            assessment_answers::response_id,
            assessment_answers::item_id,
            assessment_answers::score,
        ))
        .order(assessment_answers::response_id)
        .load(conn)
        .await?;
    let mut grouped: Vec<Vec<Answer>> = Vec::new();
    let mut current = None;
    for (response_id, item_id, score) in rows {
        if current != Some(response_id) {
            grouped.push(Vec::new());
            current = Some(response_id);
        }
        if let Some(last) = grouped.last_mut() {
            last.push(Answer { item_id, score });
        }
    }
    Ok(grouped)
}

pub async fn complete(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    needs: &[String],
    results: &StoredResults,
    completed_at: chrono::DateTime<Utc>,
) -> QueryResult<AssessmentRow> {
    let results = serde_json::to_value(results)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    let needs = serde_json::to_value(needs)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    diesel::update(assessments::table.find(id))
        .set((
            assessments::status.eq(AssessmentStatus::Completed.as_str()),
            assessments::priority_needs.eq(needs),
            assessments::results.eq(Some(results)),
            assessments::completed_at.eq(Some(completed_at)),
        ))
        .returning(AssessmentRow::as_returning())
        .get_result(conn)
        .await
}
