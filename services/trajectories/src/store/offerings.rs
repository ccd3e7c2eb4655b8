use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{from_json, schema::course_offerings};
use crate::domain::commands::{CourseRun, PublishOffering};

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
    /// Timestamps, never text: a filter over them cannot fail on a stored value.
    pub start_times: Vec<DateTime<Utc>>,
    pub esco_skill_uris: serde_json::Value,
    pub updated_at: DateTime<Utc>,
    pub runs: serde_json::Value,
    pub teaching_language: String,
    pub modes_of_delivery: serde_json::Value,
}

impl OfferingRow {
    pub fn runs(&self) -> QueryResult<Vec<CourseRun>> {
        from_json("runs", &self.runs)
    }
    pub fn modes_of_delivery(&self) -> QueryResult<Vec<String>> {
        from_json("modes_of_delivery", &self.modes_of_delivery)
    }
    pub fn themes(&self) -> QueryResult<Vec<String>> {
        from_json("themes", &self.themes)
    }
    pub fn esco_skill_uris(&self) -> QueryResult<Vec<String>> {
        from_json("esco_skill_uris", &self.esco_skill_uris)
    }
}

/// The JSON columns of an offering as it is published.
struct Lists {
    themes: serde_json::Value,
    esco_skill_uris: serde_json::Value,
    runs: serde_json::Value,
    modes_of_delivery: serde_json::Value,
}

impl Lists {
    fn of(data: &PublishOffering) -> QueryResult<Lists> {
        let themes: Vec<&str> = data.themes.iter().map(|t| t.as_str()).collect();
        let uris: Vec<&str> = data.esco_skill_uris.iter().map(|u| u.as_str()).collect();
        Ok(Lists {
            themes: json(&themes)?,
            esco_skill_uris: json(&uris)?,
            runs: json(&data.runs)?,
            modes_of_delivery: json(&data.modes_of_delivery)?,
        })
    }
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
    data: &PublishOffering,
) -> QueryResult<(OfferingRow, Upserted)> {
    let lists = Lists::of(data)?;
    let created = diesel::insert_into(course_offerings::table)
        .values((
            course_offerings::id.eq(Uuid::now_v7()),
            course_offerings::region.eq(data.region.as_str()),
            course_offerings::provider.eq(data.provider.as_str()),
            course_offerings::course_code.eq(data.course_code.as_str()),
            course_offerings::title.eq(data.title.as_str()),
            course_offerings::themes.eq(&lists.themes),
            course_offerings::hours.eq(data.hours),
            course_offerings::price_cents.eq(data.price.get()),
            course_offerings::start_times.eq(&data.start_times),
            course_offerings::esco_skill_uris.eq(&lists.esco_skill_uris),
            course_offerings::runs.eq(&lists.runs),
            course_offerings::teaching_language.eq(&data.teaching_language),
            course_offerings::modes_of_delivery.eq(&lists.modes_of_delivery),
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
                .eq(data.region.as_str())
                .and(course_offerings::provider.eq(data.provider.as_str()))
                .and(course_offerings::course_code.eq(data.course_code.as_str())),
        )
        .select(OfferingRow::as_select())
        .for_update()
        .first(conn)
        .await?;
    // Compared as stored: JSON values are equal when their lists are.
    let unchanged = row.title == data.title.as_str()
        && row.themes == lists.themes
        && row.hours == data.hours
        && row.price_cents == data.price.get()
        && row.start_times == data.start_times
        && row.esco_skill_uris == lists.esco_skill_uris
        && row.runs == lists.runs
        && row.teaching_language == data.teaching_language
        && row.modes_of_delivery == lists.modes_of_delivery;
    if unchanged {
        return Ok((row, Upserted::Unchanged));
    }
    let updated = diesel::update(course_offerings::table.find(row.id))
        .set((
            course_offerings::title.eq(data.title.as_str()),
            course_offerings::themes.eq(&lists.themes),
            course_offerings::hours.eq(data.hours),
            course_offerings::price_cents.eq(data.price.get()),
            course_offerings::start_times.eq(&data.start_times),
            course_offerings::esco_skill_uris.eq(&lists.esco_skill_uris),
            course_offerings::runs.eq(&lists.runs),
            course_offerings::teaching_language.eq(&data.teaching_language),
            course_offerings::modes_of_delivery.eq(&lists.modes_of_delivery),
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
    pub skill_uri: Option<&'a str>,
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
    if let Some(uri) = filter.skill_uri {
        query = query.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("esco_skill_uris ? ")
                .bind::<diesel::sql_types::Text, _>(uri.to_owned()),
        );
    }
    if let Some(provider) = filter.provider {
        query = query.filter(course_offerings::provider.eq(provider));
    }
    if let Some(start_after) = filter.start_after {
        // Any start on or after the given time: timestamps compared, nothing cast.
        query = query.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("")
                .bind::<diesel::sql_types::Timestamptz, _>(start_after)
                .sql(" <= ANY(start_times)"),
        );
    }
    if let Some(after) = filter.after {
        query = query.filter(course_offerings::id.gt(after));
    }
    query.load(conn).await
}
