use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::organisations;
use crate::domain::commands::RegisterOrganisation;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: Uuid,
    pub region: String,
    pub sector: String,
    pub name: String,
    pub kvk_number: String,
    pub municipality: String,
    pub employee_count: i32,
    pub created_at: DateTime<Utc>,
    /// The HR contact, told when a coach is assigned (business contact data).
    pub hr_contact_email: Option<String>,
    pub hr_contact_name: Option<String>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    draft: &RegisterOrganisation,
) -> QueryResult<OrganisationRow> {
    diesel::insert_into(organisations::table)
        .values((
            organisations::id.eq(id),
            organisations::region.eq(&draft.region),
            organisations::sector.eq(&draft.sector),
            organisations::name.eq(draft.name.as_str()),
            organisations::kvk_number.eq(draft.kvk_number.as_str()),
            organisations::municipality.eq(draft.municipality.as_str()),
            organisations::employee_count.eq(draft.employee_count),
            organisations::hr_contact_email.eq(draft.hr_contact_email.as_ref().map(|e| e.as_str())),
            organisations::hr_contact_name.eq(draft.hr_contact_name.as_ref().map(|n| n.as_str())),
        ))
        .returning(OrganisationRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<OrganisationRow>> {
    organisations::table
        .find(id)
        .select(OrganisationRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_by_kvk(
    conn: &mut AsyncPgConnection,
    region: &str,
    kvk_number: &str,
) -> QueryResult<Option<OrganisationRow>> {
    organisations::table
        .filter(
            organisations::region
                .eq(region)
                .and(organisations::kvk_number.eq(kvk_number)),
        )
        .select(OrganisationRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Filters of a listing; `regions` is what the caller may see.
pub struct ListFilter<'a> {
    pub regions: Vec<&'a str>,
    pub sector: Option<&'a str>,
    pub only: Option<Uuid>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: ListFilter<'_>,
) -> QueryResult<Vec<OrganisationRow>> {
    let mut query = organisations::table
        .filter(organisations::region.eq_any(&filter.regions))
        .select(OrganisationRow::as_select())
        .order(organisations::id)
        .limit(filter.limit)
        .into_boxed();
    if let Some(sector) = filter.sector {
        query = query.filter(organisations::sector.eq(sector));
    }
    if let Some(only) = filter.only {
        query = query.filter(organisations::id.eq(only));
    }
    if let Some(after) = filter.after {
        query = query.filter(organisations::id.gt(after));
    }
    query.load(conn).await
}
