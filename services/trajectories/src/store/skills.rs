//! Searching a skills list with the knowledge library's Dutch search: full-text matches
//! (`llo_dutch`: unaccented, Dutch stems) first, ranked, then matches on a part of a word
//! (pg_trgm word similarity on the unaccented labels: "las" in "booglastechnieken").
//! The lists are pack data, not rows: they are passed in as arrays, a few hundred at most.
use diesel::{
    QueryableByName,
    sql_types::{Array, BigInt, Text},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// A skill of the given lists, by its URI.
pub struct Candidate<'a> {
    pub uri: &'a str,
    pub nl: &'a str,
    pub en: &'a str,
}

#[derive(Debug, QueryableByName)]
pub struct Found {
    #[diesel(sql_type = Text)]
    pub uri: String,
}

/// The URIs of the candidates that match `words`, best first, at most `limit`.
pub async fn search(
    conn: &mut AsyncPgConnection,
    words: &str,
    candidates: &[Candidate<'_>],
    limit: i64,
) -> diesel::QueryResult<Vec<Found>> {
    let uris: Vec<&str> = candidates.iter().map(|c| c.uri).collect();
    let labels: Vec<String> = candidates
        .iter()
        .map(|c| format!("{} {}", c.nl, c.en))
        .collect();
    diesel::sql_query(
        "WITH q AS (
             SELECT websearch_to_tsquery('llo_dutch', $1) AS query,
                    lower(unaccent($1)) AS words
         ),
         s AS (
             SELECT uri, to_tsvector('llo_dutch', label) AS document,
                    lower(unaccent(label)) AS plain, position
               FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS s(uri, label, position)
         )
         SELECT s.uri
           FROM s, q
          WHERE s.document @@ q.query OR q.words <% s.plain
          ORDER BY CASE WHEN s.document @@ q.query
                        THEN 1 + ts_rank_cd(s.document, q.query, 32)::float8
                        ELSE word_similarity(q.words, s.plain)::float8
                   END DESC,
                   s.position
          LIMIT $4",
    )
    .bind::<Text, _>(words)
    .bind::<Array<Text>, _>(&uris)
    .bind::<Array<Text>, _>(&labels)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}
