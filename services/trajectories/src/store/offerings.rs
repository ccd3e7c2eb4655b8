use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::course_offerings;

#[derive(Debug, Clone, Queryable, Selectable, PartialEq)]
#[diesel(table_name = course_offerings)]
pub struct OfferingRow {
    pub id: Uuid,
    pub region: String,
    pub provider: String,
    pub course_code: String,
    pub title: String,
    pub themes: serde_json::Value,
    pub hours: i32,
    pub price_cents: i64,
    pub start_times: serde_json::Value,
    pub esco_skill_uris: serde_json::Value,
    pub updated_at: DateTime<Utc>,
}

impl OfferingRow {
    pub fn themes(&self) -> Vec<String> {
        serde_json::from_value(self.themes.clone()).unwrap_or_default()
    }
    pub fn start_times(&self) -> Vec<DateTime<Utc>> {
        serde_json::from_value(self.start_times.clone()).unwrap_or_default()
    }
    pub fn esco_skill_uris(&self) -> Vec<String> {
        serde_json::from_value(self.esco_skill_uris.clone()).unwrap_or_default()
    }
}

/// An offering as a provider describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferingData {
    pub region: String,
    pub provider: String,
    pub course_code: String,
    pub title: String,
    pub themes: Vec<String>,
    pub hours: i32,
    pub price_cents: i64,
    pub start_times: Vec<DateTime<Utc>>,
    pub esco_skill_uris: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created,
    Updated,
    Unchanged,
}

fn json<T: serde::Serialize>(value: &T) -> QueryResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
}

/// Creates or updates by (region, provider, course code); an identical row is left alone.
/// Insert first: of two concurrent publishes of a new course, one creates and the
/// other waits for it and then compares, instead of failing on the unique key.
pub async fn upsert(
    conn: &mut AsyncPgConnection,
    data: &OfferingData,
) -> QueryResult<(OfferingRow, Upserted)> {
    let created = diesel::insert_into(course_offerings::table)
        .values((
            course_offerings::id.eq(Uuid::now_v7()),
            course_offerings::region.eq(&data.region),
            course_offerings::provider.eq(&data.provider),
            course_offerings::course_code.eq(&data.course_code),
            course_offerings::title.eq(&data.title),
            course_offerings::themes.eq(json(&data.themes)?),
            course_offerings::hours.eq(data.hours),
            course_offerings::price_cents.eq(data.price_cents),
            course_offerings::start_times.eq(json(&data.start_times)?),
            course_offerings::esco_skill_uris.eq(json(&data.esco_skill_uris)?),
        ))
        .on_conflict_do_nothing()
        .returning(OfferingRow::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    if let Some(row) = created {
        return Ok((row, Upserted::Created));
    }
    let row = course_offerings::table
        .filter(
            course_offerings::region
                .eq(&data.region)
                .and(course_offerings::provider.eq(&data.provider))
                .and(course_offerings::course_code.eq(&data.course_code)),
        )
        .select(OfferingRow::as_select())
        .for_update()
        .first(conn)
        .await?;
    let unchanged = row.title == data.title
        && row.themes() == data.themes
        && row.hours == data.hours
        && row.price_cents == data.price_cents
        && row.start_times() == data.start_times
        && row.esco_skill_uris() == data.esco_skill_uris;
    if unchanged {
        return Ok((row, Upserted::Unchanged));
    }
    let updated = diesel::update(course_offerings::table.find(row.id))
        .set((
            course_offerings::title.eq(&data.title),
            course_offerings::themes.eq(json(&data.themes)?),
            course_offerings::hours.eq(data.hours),
            course_offerings::price_cents.eq(data.price_cents),
            course_offerings::start_times.eq(json(&data.start_times)?),
            course_offerings::esco_skill_uris.eq(json(&data.esco_skill_uris)?),
            course_offerings::updated_at.eq(Utc::now()),
        ))
        .returning(OfferingRow::as_returning())
        .get_result(conn)
        .await?;
    Ok((updated, Upserted::Updated))
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<OfferingRow>> {
    course_offerings::table
        .find(id)
        .select(OfferingRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub struct ListFilter<'a> {
    pub regions: Vec<&'a str>,
    pub theme: Option<&'a str>,
    pub provider: Option<&'a str>,
    pub start_after: Option<DateTime<Utc>>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: ListFilter<'_>,
) -> QueryResult<Vec<OfferingRow>> {
    let mut query = course_offerings::table
        .filter(course_offerings::region.eq_any(&filter.regions))
        .select(OfferingRow::as_select())
        .order(course_offerings::id)
        .limit(filter.limit)
        .into_boxed();
    if let Some(theme) = filter.theme {
        query = query.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("themes ? ")
                .bind::<diesel::sql_types::Text, _>(theme.to_owned()),
        );
    }
    if let Some(provider) = filter.provider {
        query = query.filter(course_offerings::provider.eq(provider));
    }
    if let Some(start_after) = filter.start_after {
        // Any start on or after the given time (start times are RFC 3339 text in JSON).
        query = query.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>(
                "EXISTS (SELECT 1 FROM jsonb_array_elements_text(start_times) s WHERE s::timestamptz >= ",
            )
            .bind::<diesel::sql_types::Timestamptz, _>(start_after)
            .sql(")"),
        );
    }
    if let Some(after) = filter.after {
        query = query.filter(course_offerings::id.gt(after));
    }
    query.load(conn).await
}
