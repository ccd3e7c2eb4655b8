use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use llo_chassis::bus::outbox::outbox;
use llo_proto::{IntegrationEvent, events::v1::LearningNeedsRecorded};
use prost::Message as _;
use uuid::Uuid;

use super::schema::learning_needs;
use crate::domain::commands::LearningNeed;

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
    needs: &[LearningNeed],
) -> QueryResult<Vec<LearningNeedRow>> {
    let rows: Vec<_> = needs
        .iter()
        .map(|LearningNeed { theme, description }| {
            (
                learning_needs::id.eq(Uuid::now_v7()),
                learning_needs::participant_id.eq(participant_id),
                learning_needs::theme.eq(theme.as_str()),
                learning_needs::description.eq(description.as_str()),
            )
        })
        .collect();
    diesel::insert_into(learning_needs::table)
        .values(rows)
        .returning(LearningNeedRow::as_returning())
        .get_results(conn)
        .await
}

/// Blanks the needs' free text in the participant's LearningNeedsRecorded events that the
/// outbox still holds (published events stay until pruned), keeping ids and themes.
pub async fn blank_in_outbox(
    conn: &mut AsyncPgConnection,
    participant_id: Uuid,
) -> QueryResult<()> {
    let participant = participant_id.to_string();
    let rows: Vec<(Uuid, Vec<u8>)> = outbox::table
        .filter(outbox::routing_key.eq(<LearningNeedsRecorded as IntegrationEvent>::ROUTING_KEY))
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("position(")
                .bind::<diesel::sql_types::Binary, _>(participant.as_bytes())
                .sql(" in payload) > 0"),
        )
        .select((outbox::id, outbox::payload))
        .for_update()
        .load(conn)
        .await?;
    for (id, payload) in rows {
        let Ok(mut event) = LearningNeedsRecorded::decode(payload.as_slice()) else {
            continue;
        };
        if event.participant_id != participant {
            continue;
        }
        for need in &mut event.needs {
            need.description.clear();
        }
        diesel::update(outbox::table.find(id))
            .set(outbox::payload.eq(event.encode_to_vec()))
            .execute(conn)
            .await?;
    }
    Ok(())
}
