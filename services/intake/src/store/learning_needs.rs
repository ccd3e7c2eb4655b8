use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::learning_needs;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = learning_needs)]
pub struct LearningNeedRow {
    pub id: Uuid,
    pub participant_id: Uuid,
    pub theme: String,
    pub description: String,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    participant_id: Uuid,
    request_id: Option<&str>,
    needs: &[(String, String)],
) -> QueryResult<Vec<LearningNeedRow>> {
    let rows: Vec<_> = needs
        .iter()
        .map(|(theme, description)| {
            (
                learning_needs::id.eq(Uuid::now_v7()),
                learning_needs::participant_id.eq(participant_id),
                learning_needs::request_id.eq(request_id),
                learning_needs::theme.eq(theme),
                learning_needs::description.eq(description),
            )
        })
        .collect();
    diesel::insert_into(learning_needs::table)
        .values(rows)
        .returning(LearningNeedRow::as_returning())
        .get_results(conn)
        .await
}

/// The needs an earlier call with this request id recorded for this participant.
pub async fn by_request(
    conn: &mut AsyncPgConnection,
    participant_id: Uuid,
    request_id: &str,
) -> QueryResult<Vec<LearningNeedRow>> {
    learning_needs::table
        .filter(
            learning_needs::participant_id
                .eq(participant_id)
                .and(learning_needs::request_id.eq(request_id)),
        )
        .select(LearningNeedRow::as_select())
        .order(learning_needs::id)
        .load(conn)
        .await
}
