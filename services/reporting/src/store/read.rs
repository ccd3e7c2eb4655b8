//! Loads a region's read models into the domain's plain values.
use chrono::{DateTime, Utc};
use diesel::{
    QueryableByName,
    sql_types::{
        BigInt, Bool, Double, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
    },
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::domain::model::*;

type Conn = AsyncPgConnection;
type Q<T> = diesel::QueryResult<T>;

async fn load<T: QueryableByName<diesel::pg::Pg> + Send + 'static>(
    conn: &mut Conn,
    sql: &str,
    region: &str,
) -> Q<Vec<T>> {
    diesel::sql_query(sql)
        .bind::<Text, _>(region)
        .load(conn)
        .await
}

#[derive(QueryableByName)]
struct OrgRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    sector: String,
    #[diesel(sql_type = Integer)]
    employee_count: i32,
    #[diesel(sql_type = Text)]
    region: String,
}

/// The organisation and its region, if reporting knows it.
pub async fn organisation(conn: &mut Conn, id: Uuid) -> Q<Option<(Organisation, String)>> {
    let rows: Vec<OrgRow> = diesel::sql_query(
        "SELECT id, name, sector, employee_count, region FROM rm_organisations WHERE id = $1",
    )
    .bind::<SqlUuid, _>(id)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next().map(|r| {
        (
            Organisation {
                id: r.id,
                name: r.name,
                sector: r.sector,
                employee_count: r.employee_count,
            },
            r.region,
        )
    }))
}

#[derive(QueryableByName)]
struct ParticipantRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    organisation_id: Uuid,
    #[diesel(sql_type = Text)]
    source: String,
    #[diesel(sql_type = Bool)]
    enrolled: bool,
}

#[derive(QueryableByName)]
struct ScanRow {
    #[diesel(sql_type = SqlUuid)]
    organisation_id: Uuid,
    #[diesel(sql_type = Text)]
    round: String,
    #[diesel(sql_type = Integer)]
    respondent_count: i32,
    #[diesel(sql_type = Jsonb)]
    scores: serde_json::Value,
}

#[derive(QueryableByName)]
struct TrajectoryRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    organisation_id: Uuid,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Bool)]
    coach_assigned: bool,
}

#[derive(QueryableByName)]
struct InterventionRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    trajectory_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    organisation_id: Uuid,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    dimension_id: String,
    #[diesel(sql_type = Integer)]
    planned_hours: i32,
}

#[derive(QueryableByName)]
struct SessionRow {
    #[diesel(sql_type = SqlUuid)]
    organisation_id: Uuid,
    #[diesel(sql_type = Integer)]
    duration_minutes: i32,
}

#[derive(QueryableByName)]
struct PlanRow {
    #[diesel(sql_type = SqlUuid)]
    participant_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    organisation_id: Uuid,
}

#[derive(QueryableByName)]
struct ActivityRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    participant_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    organisation_id: Uuid,
    #[diesel(sql_type = Bool)]
    planned: bool,
    #[diesel(sql_type = Integer)]
    planned_hours: i32,
    #[diesel(sql_type = Bool)]
    completed: bool,
    #[diesel(sql_type = Integer)]
    actual_hours: i32,
    #[diesel(sql_type = Bool)]
    credential_awarded: bool,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    completed_time: Option<DateTime<Utc>>,
    #[diesel(sql_type = diesel::sql_types::Array<Text>)]
    skill_uris: Vec<String>,
}

#[derive(QueryableByName)]
struct AllocationRow {
    #[diesel(sql_type = SqlUuid)]
    activity_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    participant_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    organisation_id: Uuid,
    #[diesel(sql_type = Text)]
    source: String,
    #[diesel(sql_type = BigInt)]
    amount_cents: i64,
}

#[derive(QueryableByName)]
struct WorkshopRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Bool)]
    scheduled: bool,
    #[diesel(sql_type = Bool)]
    cancelled: bool,
}

#[derive(QueryableByName)]
struct FeedbackRow {
    #[diesel(sql_type = SqlUuid)]
    registration_id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    participant_id: Option<Uuid>,
    #[diesel(sql_type = SqlUuid)]
    organisation_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    rating: i32,
}

#[derive(QueryableByName)]
struct RegistrationRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    workshop_id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    participant_id: Option<Uuid>,
    #[diesel(sql_type = SqlUuid)]
    organisation_id: Uuid,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Text>)]
    attendance: Option<String>,
    #[diesel(sql_type = Double)]
    hours_attended: f64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    attended_time: Option<DateTime<Utc>>,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A stored status or kind the code does not know is a fault (the caller gets an
/// internal error, the log the text), never read as some default.
fn known<T>(what: &str, text: &str, parse: impl Fn(&str) -> Option<T>) -> Q<T> {
    parse(text).ok_or_else(|| {
        diesel::result::Error::DeserializationError(
            format!("stored {what} {text:?} is unknown").into(),
        )
    })
}

fn month(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(|t| t.format("%Y-%m").to_string())
}

/// The scores stored as JSON: `[{"dimension_id", "mean", "respondents"}]`.
pub fn scores_from_json(value: &serde_json::Value) -> Vec<DimensionScore> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    Some(DimensionScore {
                        dimension_id: item.get("dimension_id")?.as_str()?.to_owned(),
                        mean: item.get("mean")?.as_f64()?,
                        respondents: i32::try_from(item.get("respondents")?.as_i64()?).ok()?,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A read model's table: how a region's rows are selected and what each becomes.
trait Table: QueryableByName<diesel::pg::Pg> + Send + 'static {
    type Model;
    /// Selects the region's rows (`$1`), in a stable order.
    const SQL: &'static str;
    fn model(row: Self) -> Q<Self::Model>;
}

async fn all<T: Table>(conn: &mut Conn, region: &str) -> Q<Vec<T::Model>> {
    load::<T>(conn, T::SQL, region)
        .await?
        .into_iter()
        .map(T::model)
        .collect()
}

impl Table for OrgRow {
    type Model = Organisation;
    const SQL: &'static str = "SELECT id, name, sector, employee_count, region FROM rm_organisations WHERE region = $1 ORDER BY id";
    fn model(r: Self) -> Q<Organisation> {
        Ok(Organisation {
            id: r.id,
            name: r.name,
            sector: r.sector,
            employee_count: r.employee_count,
        })
    }
}

impl Table for ParticipantRow {
    type Model = Participant;
    const SQL: &'static str = "SELECT id, organisation_id, source, enrolled FROM rm_participants WHERE region = $1 ORDER BY id";
    fn model(r: Self) -> Q<Participant> {
        Ok(Participant {
            id: r.id,
            organisation_id: r.organisation_id,
            uwv_referral: r.source == "uwv_referral",
            enrolled: r.enrolled,
        })
    }
}

impl Table for ScanRow {
    type Model = Scan;
    const SQL: &'static str = "SELECT organisation_id, round, respondent_count, scores FROM rm_scans WHERE region = $1 ORDER BY organisation_id, round";
    fn model(r: Self) -> Q<Scan> {
        Ok(Scan {
            organisation_id: r.organisation_id,
            round: known("scan round", &r.round, Round::parse)?,
            respondent_count: r.respondent_count,
            scores: scores_from_json(&r.scores),
        })
    }
}

impl Table for TrajectoryRow {
    type Model = Trajectory;
    const SQL: &'static str = "SELECT id, organisation_id, status, coach_assigned FROM rm_trajectories WHERE region = $1 ORDER BY id";
    fn model(r: Self) -> Q<Trajectory> {
        Ok(Trajectory {
            id: r.id,
            organisation_id: r.organisation_id,
            status: known("trajectory status", &r.status, TrajectoryStatus::parse)?,
            coach_assigned: r.coach_assigned,
        })
    }
}

impl Table for InterventionRow {
    type Model = Intervention;
    const SQL: &'static str = "SELECT id, trajectory_id, organisation_id, kind, dimension_id, planned_hours FROM rm_interventions WHERE region = $1 ORDER BY id";
    fn model(r: Self) -> Q<Intervention> {
        Ok(Intervention {
            id: r.id,
            trajectory_id: r.trajectory_id,
            organisation_id: r.organisation_id,
            kind: r.kind,
            dimension_id: r.dimension_id,
            planned_hours: r.planned_hours,
        })
    }
}

impl Table for SessionRow {
    type Model = CoachingSession;
    const SQL: &'static str = "SELECT organisation_id, duration_minutes FROM rm_coaching_sessions WHERE region = $1 ORDER BY id";
    fn model(r: Self) -> Q<CoachingSession> {
        Ok(CoachingSession {
            organisation_id: r.organisation_id,
            minutes: r.duration_minutes,
        })
    }
}

impl Table for PlanRow {
    type Model = Plan;
    const SQL: &'static str = "SELECT participant_id, organisation_id FROM rm_development_plans WHERE region = $1 ORDER BY id";
    fn model(r: Self) -> Q<Plan> {
        Ok(Plan {
            participant_id: r.participant_id,
            organisation_id: r.organisation_id,
        })
    }
}

impl Table for ActivityRow {
    type Model = Activity;
    const SQL: &'static str = "SELECT id, participant_id, organisation_id, planned, planned_hours, completed, actual_hours, \
           credential_awarded, completed_time, skill_uris FROM rm_learning_activities WHERE region = $1 ORDER BY id";
    fn model(r: Self) -> Q<Activity> {
        Ok(Activity {
            id: r.id,
            participant_id: r.participant_id,
            organisation_id: r.organisation_id,
            planned: r.planned,
            planned_hours: r.planned_hours,
            completed: r.completed,
            actual_hours: r.actual_hours,
            credential: r.credential_awarded,
            completed_month: month(r.completed_time),
            skill_uris: r.skill_uris,
        })
    }
}

impl Table for AllocationRow {
    type Model = Allocation;
    const SQL: &'static str = "SELECT activity_id, participant_id, organisation_id, source, amount_cents FROM rm_funding_allocations WHERE region = $1 ORDER BY id";
    fn model(r: Self) -> Q<Allocation> {
        Ok(Allocation {
            activity_id: r.activity_id,
            participant_id: r.participant_id,
            organisation_id: r.organisation_id,
            source: r.source,
            amount_cents: r.amount_cents,
        })
    }
}

impl Table for WorkshopRow {
    type Model = Workshop;
    const SQL: &'static str =
        "SELECT id, scheduled, cancelled FROM rm_workshops WHERE region = $1 ORDER BY id";
    fn model(r: Self) -> Q<Workshop> {
        Ok(Workshop {
            id: r.id,
            scheduled: r.scheduled,
            cancelled: r.cancelled,
        })
    }
}

impl Table for RegistrationRow {
    type Model = Registration;
    const SQL: &'static str = "SELECT id, workshop_id, participant_id, organisation_id, status, attendance, hours_attended, \
           attended_time FROM rm_registrations WHERE region = $1 ORDER BY id";
    fn model(r: Self) -> Q<Registration> {
        Ok(Registration {
            id: r.id,
            workshop_id: r.workshop_id,
            participant_id: r.participant_id,
            organisation_id: r.organisation_id,
            // Empty while only the attendance has arrived (the read models take events
            // in any order).
            status: match r.status.as_str() {
                "" => None,
                text => Some(known(
                    "registration status",
                    text,
                    RegistrationStatus::parse,
                )?),
            },
            attendance: r
                .attendance
                .as_deref()
                .map(|text| known("attendance", text, Attendance::parse))
                .transpose()?,
            hours: r.hours_attended,
            attended_month: month(r.attended_time),
        })
    }
}

impl Table for FeedbackRow {
    type Model = Feedback;
    const SQL: &'static str = "SELECT registration_id, participant_id, organisation_id, rating FROM rm_feedback \
         WHERE region = $1 ORDER BY id";
    fn model(r: Self) -> Q<Feedback> {
        Ok(Feedback {
            registration_id: r.registration_id,
            participant_id: r.participant_id,
            organisation_id: r.organisation_id,
            rating: r.rating,
        })
    }
}

#[derive(QueryableByName)]
struct ProjectParticipantRow {
    #[diesel(sql_type = Text)]
    participant: String,
    #[diesel(sql_type = Bool)]
    sme: bool,
    #[diesel(sql_type = Jsonb)]
    budget: serde_json::Value,
}

impl Table for ProjectParticipantRow {
    type Model = ProjectParticipant;
    const SQL: &'static str = "SELECT participant, sme, budget FROM rm_project_participants \
           WHERE region = $1 ORDER BY participant";
    fn model(r: Self) -> Q<ProjectParticipant> {
        let budget = r
            .budget
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| {
                Some((
                    l.get("work_package")?.as_str()?.to_owned(),
                    l.get("planned_cents")?.as_i64()?,
                ))
            })
            .collect();
        Ok(ProjectParticipant {
            key: r.participant,
            sme: r.sme,
            budget,
        })
    }
}

#[derive(QueryableByName)]
struct ProjectCostRow {
    #[diesel(sql_type = Text)]
    participant: String,
    #[diesel(sql_type = Text)]
    work_package: String,
    #[diesel(sql_type = Text)]
    cost_type: String,
    #[diesel(sql_type = BigInt)]
    minutes: i64,
    #[diesel(sql_type = BigInt)]
    hourly_rate_cents: i64,
    #[diesel(sql_type = BigInt)]
    invoiced_cents: i64,
    #[diesel(sql_type = diesel::sql_types::Date)]
    cost_date: chrono::NaiveDate,
}

impl Table for ProjectCostRow {
    type Model = ProjectCost;
    const SQL: &'static str = "SELECT participant, work_package, cost_type, minutes, hourly_rate_cents, \
           invoiced_cents, cost_date FROM rm_project_costs WHERE region = $1 ORDER BY id";
    fn model(r: Self) -> Q<ProjectCost> {
        Ok(ProjectCost {
            participant: r.participant,
            work_package: r.work_package,
            cost_type: r.cost_type,
            minutes: r.minutes,
            hourly_rate_cents: r.hourly_rate_cents,
            invoiced_cents: r.invoiced_cents,
            date: r.cost_date,
        })
    }
}

/// Every read model of a region (the caller fills in packs: dimensions, sources, minimum).
pub async fn snapshot(conn: &mut Conn, region: &str) -> Q<Snapshot> {
    let organisations = all::<OrgRow>(conn, region).await?;
    let participants = all::<ParticipantRow>(conn, region).await?;
    let scans = all::<ScanRow>(conn, region).await?;
    let trajectories = all::<TrajectoryRow>(conn, region).await?;
    let interventions = all::<InterventionRow>(conn, region).await?;
    let sessions = all::<SessionRow>(conn, region).await?;
    let plans = all::<PlanRow>(conn, region).await?;
    let activities = all::<ActivityRow>(conn, region).await?;
    let allocations = all::<AllocationRow>(conn, region).await?;
    let workshops = all::<WorkshopRow>(conn, region).await?;
    let registrations = all::<RegistrationRow>(conn, region).await?;
    let feedback = all::<FeedbackRow>(conn, region).await?;
    let project_participants = all::<ProjectParticipantRow>(conn, region).await?;
    let project_costs = all::<ProjectCostRow>(conn, region).await?;
    let knowledge: CountRow =
        diesel::sql_query("SELECT count(*) AS n FROM rm_knowledge_items WHERE region = $1")
            .bind::<Text, _>(region)
            .get_result(conn)
            .await?;
    Ok(Snapshot {
        region: region.to_owned(),
        sector: None,
        min_group_size: 0,
        dimensions: Vec::new(),
        sources: Vec::new(),
        skills: Vec::new(),
        organisations,
        participants,
        scans,
        trajectories,
        interventions,
        sessions,
        plans,
        activities,
        allocations,
        workshops,
        registrations,
        feedback,
        project: None,
        project_participants,
        project_costs,
        knowledge_items: usize::try_from(knowledge.n).unwrap_or(0),
        whole_region: None,
        remembered: Default::default(),
    })
}

/// The latest occur time in the region's copy of the events.
pub async fn as_of(conn: &mut Conn, region: &str) -> Q<Option<DateTime<Utc>>> {
    #[derive(QueryableByName)]
    struct Latest {
        #[diesel(sql_type = Nullable<Timestamptz>)]
        at: Option<DateTime<Utc>>,
    }
    let latest: Latest =
        diesel::sql_query("SELECT max(occur_time) AS at FROM events WHERE region = $1")
            .bind::<Text, _>(region)
            .get_result(conn)
            .await?;
    Ok(latest.at)
}
