//! The knowledge library and its Dutch search. Every full-text call names the
//! `llo_dutch` configuration (dutch stemming with unaccent in its mapping), so the
//! generated `document` column, its GIN index and the queries always agree.
use chrono::{DateTime, Utc};
use diesel::{
    prelude::*,
    sql_types::{Array, BigInt, Double, Nullable, Text},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::knowledge_items;
use crate::domain::model::{KnowledgeKind, Visibility};

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = knowledge_items)]
pub struct KnowledgeRow {
    pub id: Uuid,
    pub region: String,
    #[diesel(deserialize_as = super::Known<KnowledgeKind>)]
    pub kind: KnowledgeKind,
    pub title: String,
    pub body: String,
    pub themes: Vec<String>,
    pub author_member_id: Uuid,
    #[diesel(deserialize_as = super::Known<Visibility>)]
    pub visibility: Visibility,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = knowledge_items)]
pub struct NewKnowledgeItem<'a> {
    pub id: Uuid,
    pub region: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub themes: &'a [String],
    pub author_member_id: Uuid,
    pub visibility: &'a str,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: &NewKnowledgeItem<'_>,
) -> QueryResult<KnowledgeRow> {
    diesel::insert_into(knowledge_items::table)
        .values(new)
        .returning(KnowledgeRow::as_returning())
        .get_result(conn)
        .await
}

/// What a search asks for; `regions` are the caller's (public items of other regions
/// are found too).
pub struct Search<'a> {
    /// What people typed; `None` lists the newest first.
    pub text: Option<&'a str>,
    pub regions: Vec<String>,
    pub theme: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct Hit {
    #[diesel(embed)]
    pub item: KnowledgeRow,
    #[diesel(sql_type = Double)]
    pub score: f64,
}

/// Full-text matches (`websearch_to_tsquery`, ranked by `ts_rank_cd`, titles weigh
/// more) first, then matches on a part of a word (pg_trgm `<%`, word similarity:
/// "opleiding" in "bedrijfsopleidingen"), best first. No snippets here: those are made
/// for the returned page only (`snippets`).
pub async fn search(conn: &mut AsyncPgConnection, search: &Search<'_>) -> QueryResult<Vec<Hit>> {
    let query = "
        WITH q AS (
            SELECT websearch_to_tsquery('llo_dutch', coalesce($1, '')) AS query,
                   lower(coalesce($1, '')) AS words
        )
        SELECT k.id, k.region, k.kind, k.title, k.body, k.themes, k.author_member_id,
               k.visibility, k.created_at,
               CASE WHEN $1 IS NULL THEN 0::float8
                    WHEN k.document @@ q.query
                        THEN 1 + ts_rank_cd(k.document, q.query, 32)::float8
                    ELSE word_similarity(q.words, k.search_text)::float8
               END AS score
          FROM knowledge_items k, q
         WHERE (k.region = ANY($2) OR k.visibility = 'public')
           AND ($3::text IS NULL OR $3 = ANY(k.themes))
           AND ($4::text IS NULL OR k.kind = $4)
           AND ($1 IS NULL OR k.document @@ q.query OR q.words <% k.search_text)
         ORDER BY score DESC, k.id DESC
         LIMIT $5 OFFSET $6";
    diesel::sql_query(query)
        .bind::<Nullable<Text>, _>(search.text)
        .bind::<Array<Text>, _>(&search.regions)
        .bind::<Nullable<Text>, _>(search.theme)
        .bind::<Nullable<Text>, _>(search.kind)
        .bind::<BigInt, _>(search.limit)
        .bind::<BigInt, _>(search.offset)
        .load(conn)
        .await
}

#[derive(Debug, Clone, QueryableByName)]
pub struct Snippet {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub snippet: String,
}

/// `ts_headline` for the given items only (it reads the whole text: never for rows
/// that are not returned), its matches between `snippet::START` and `snippet::STOP`.
pub async fn snippets(
    conn: &mut AsyncPgConnection,
    text: &str,
    ids: &[Uuid],
) -> QueryResult<Vec<Snippet>> {
    diesel::sql_query(
        "SELECT k.id,
                ts_headline('llo_dutch', k.title || E'\\n' || k.body,
                            websearch_to_tsquery('llo_dutch', $1),
                            'MaxWords=30, MinWords=10, MaxFragments=2, FragmentDelimiter= … , \
                             StartSel=' || chr(2) || ', StopSel=' || chr(3))
                    AS snippet
           FROM knowledge_items k
          WHERE k.id = ANY($2)",
    )
    .bind::<Text, _>(text)
    .bind::<Array<diesel::sql_types::Uuid>, _>(ids)
    .load(conn)
    .await
}
