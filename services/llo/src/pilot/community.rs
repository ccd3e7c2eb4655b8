//! Phase three, the learning community: the programme's partners join (the companies
//! joined by themselves when intake registered them), workshops on the sector pack's
//! community themes: the one held on the programme's calendar is recorded afterwards,
//! full with a wait list, a cancellation that promoted the first one waiting, attendance
//! and feedback; the others are scheduled ahead. Then knowledge items from the companies
//! and a search that finds part of a compound word. At the end, the development plan of
//! one attendee as trajectories reports it.
//!
//! Every mutating call carries a request id, so a second run replays instead of
//! failing. Workshops are looked up by title first, so a second run reuses the first
//! run's workshops (one scheduled ahead must start in the future when it is scheduled).
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use llo_chassis::telemetry::ClientContext;
use llo_proto::{
    common::v1::{self as common, CommunityMemberType, WorkshopAttendance},
    community::v1::{self as pb, community_service_client::CommunityServiceClient},
    trajectories::v1 as trajectories,
};
use tonic::{Code, codegen::InterceptedService, transport::Channel};

use super::{
    Enrolled, Person,
    data::{Pilot, WorkshopData},
    development::Trajectories,
};

pub type Community = CommunityServiceClient<InterceptedService<Channel, ClientContext>>;

/// When a workshop starts on its day: 13:00 UTC.
const START_HOUR: u32 = 13;
/// How long a workshop lasts.
const LENGTH: TimeDelta = TimeDelta::hours(2);
/// The held workshop's attendees by turn: the fifth does not show up, the seventh
/// leaves early (after these hours); everyone else stays.
const NO_SHOW: usize = 4;
const LEAVES_EARLY: (usize, f64) = (6, 1.25);

pub async fn client(url: &str, token: String) -> anyhow::Result<Community> {
    let channel = Channel::from_shared(url.to_owned())?.connect().await?;
    Ok(CommunityServiceClient::with_interceptor(
        channel,
        ClientContext {
            bearer_token: Some(token),
        },
    ))
}

/// A registration for the held workshop, with whom it is for.
type Booking<'a> = (pb::Registration, &'a Person, &'a Enrolled<'a>);

/// What the community part leaves for the rest of the pilot.
pub struct Outcome {
    /// The participants recorded as fully or partially attended: each attendance becomes
    /// a completed workshop activity in the attendee's plan.
    pub attended: Vec<String>,
    /// The name of the one moved up from the wait list (intake mails them), if any.
    pub promoted: Option<String>,
}

pub async fn run(
    community: &mut Community,
    coach: &mut Trajectories,
    pilot: &Pilot,
    enrolled: &[Enrolled<'_>],
) -> anyhow::Result<Outcome> {
    let region = pilot.region.id.as_str();
    let data = &pilot.data;
    say!("\n== The learning community, {} ==", pilot.region.name);
    let mut partners = Vec::new();
    for partner in &data.partners {
        let member = community
            .register_partner(pb::RegisterPartnerRequest {
                request_id: format!("demo-partner-{region}-{}", partner.key),
                region: region.into(),
                member_type: member_type(&partner.kind) as i32,
                name: partner.name.clone(),
                contact_role: partner.contact_role.clone(),
            })
            .await?
            .into_inner()
            .member
            .ok_or_else(|| anyhow::anyhow!("no member returned"))?;
        partners.push((partner.key.as_str(), member.member_id));
    }
    let members = wait_for_companies(community, region, enrolled).await?;
    print_members(&members);
    let host = |key: &str| {
        partners
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, id)| id.clone())
            .unwrap_or_default()
    };

    // Workshops weeks ahead, a few registrations each.
    let mut workshops = Vec::new();
    let later = data.workshops.iter().filter(|w| w.weeks_ahead > 0);
    for (n, plan) in later.enumerate() {
        let workshop = later_workshop(community, region, plan, &host(&plan.host)).await?;
        for company in enrolled.iter().skip(n % 2) {
            if let Some(person) = company.people.get(n) {
                register(community, &workshop.workshop_id, person).await?;
            }
        }
        workshops.push(workshop.workshop_id);
    }

    // The workshop held on the calendar, recorded afterwards: more registrations than
    // seats, one cancellation.
    let (plan, day) = data
        .held_workshop()
        .ok_or_else(|| anyhow::anyhow!("the demo file has no workshop with held_on"))?;
    let people = held_participants(enrolled, plan.registrations);
    let held = held_workshop(community, region, plan, day, &host(&plan.host)).await?;
    let mut bookings: Vec<Booking> = Vec::new();
    for (person, company) in people {
        let registration = register(community, &held.workshop_id, person).await?;
        bookings.push((registration, person, company));
    }
    let is_booked =
        |r: &pb::Registration| r.status == common::WorkshopRegistrationStatus::Booked as i32;
    let booked = bookings.iter().filter(|(r, ..)| is_booked(r)).count();
    say!(
        "\n{} (held {day}, recorded afterwards; capacity {}): {} registrations, {booked} \
         booked, {} wait-listed",
        held.title,
        held.capacity,
        bookings.len(),
        bookings.len() - booked
    );
    let cancelled = if plan.cancellation_reason.is_empty() {
        None
    } else {
        cancel_one(community, &bookings, &plan.cancellation_reason).await?
    };
    let attendees: Vec<&Booking> = bookings
        .iter()
        .filter(|(r, ..)| {
            let id = Some(r.registration_id.as_str());
            let (was_cancelled, moved_up) = cancelled.as_ref().map_or((false, false), |(c, p)| {
                (
                    id == Some(c.as_str()),
                    p.as_deref().is_some_and(|p| id == Some(p)),
                )
            });
            (is_booked(r) && !was_cancelled) || moved_up
        })
        .collect();
    let (attended, first_attendee) = attend(community, pilot, &attendees).await?;
    let figures = get_workshop(community, &held.workshop_id).await?;
    say!(
        "  feedback: {} ratings, average {:.1} out of 5",
        figures.feedback_count,
        figures.average_rating
    );
    workshops.insert(0, held.workshop_id.clone());
    print_workshops(community, &workshops).await?;

    publish_knowledge(community, pilot, enrolled).await?;
    search(community, pilot, &members).await?;

    if let Some(person) = first_attendee {
        print_plan(coach, person).await?;
    }
    let promoted = cancelled
        .and_then(|(_, promoted)| promoted)
        .and_then(|id| bookings.iter().find(|(r, ..)| r.registration_id == id))
        .map(|(_, person, _)| person.name.clone());
    Ok(Outcome { attended, promoted })
}

fn member_type(kind: &str) -> CommunityMemberType {
    CommunityMemberType::from_str_name(&format!("COMMUNITY_MEMBER_TYPE_{}", kind.to_uppercase()))
        .unwrap_or(CommunityMemberType::Other)
}

async fn list_members(community: &mut Community, region: &str) -> anyhow::Result<Vec<pb::Member>> {
    let mut members = Vec::new();
    let mut token = String::new();
    loop {
        let page = community
            .list_members(pb::ListMembersRequest {
                region: region.into(),
                page_size: 500,
                page_token: token,
                ..Default::default()
            })
            .await?
            .into_inner();
        members.extend(page.members);
        if page.next_page_token.is_empty() {
            return Ok(members);
        }
        token = page.next_page_token;
    }
}

/// Companies join from intake's `OrganisationRegistered` (through RabbitMQ): waits
/// until every company of the demo is a member.
async fn wait_for_companies(
    community: &mut Community,
    region: &str,
    enrolled: &[Enrolled<'_>],
) -> anyhow::Result<Vec<pb::Member>> {
    for _ in 0..150 {
        let members = list_members(community, region).await?;
        let joined = enrolled.iter().all(|e| {
            members
                .iter()
                .any(|m| m.member_id == e.organisation.organisation_id)
        });
        if joined {
            return Ok(members);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    anyhow::bail!(
        "the companies did not join the community within 30 s; if they were registered \
         before community's queue existed, their events are in llo.events.unrouted: \
         `llo dead-letters redrive-unrouted` publishes them again"
    )
}

fn type_label(kind: i32) -> &'static str {
    match CommunityMemberType::try_from(kind) {
        Ok(CommunityMemberType::Company) => "companies",
        Ok(CommunityMemberType::EmployersOrganisation) => "employers' organisations",
        Ok(CommunityMemberType::Union) => "union",
        Ok(CommunityMemberType::EducationProvider) => "education providers",
        Ok(CommunityMemberType::PublicEmploymentService) => "public employment service",
        Ok(CommunityMemberType::Adviser) => "advisers",
        Ok(CommunityMemberType::Other) => "other",
        _ => "unknown",
    }
}

fn print_members(members: &[pb::Member]) {
    say!("{} members:", members.len());
    let mut kinds: Vec<i32> = members.iter().map(|m| m.member_type).collect();
    kinds.sort_unstable();
    kinds.dedup();
    for kind in kinds {
        let names: Vec<&str> = members
            .iter()
            .filter(|m| m.member_type == kind)
            .map(|m| m.name.as_str())
            .collect();
        say!(
            "  {:<28} {}",
            format!("{} ({})", type_label(kind), names.len()),
            names.join(", ")
        );
    }
}

fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    }
}

fn time(at: &Option<prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    at.as_ref()
        .and_then(|t| DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0)))
}

/// The demo's scheduled workshops with this title on this theme, if a run made them.
async fn find_workshop(
    community: &mut Community,
    region: &str,
    plan: &WorkshopData,
) -> anyhow::Result<Vec<pb::Workshop>> {
    let list = community
        .list_workshops(pb::ListWorkshopsRequest {
            region: region.into(),
            theme: plan.theme.clone(),
            status: pb::WorkshopStatus::Scheduled as i32,
            page_size: 500,
            ..Default::default()
        })
        .await?
        .into_inner();
    Ok(list
        .workshops
        .into_iter()
        .filter(|w| w.title == plan.title)
        .collect())
}

/// Schedules the workshop (`already_held`: records it afterwards).
async fn schedule(
    community: &mut Community,
    region: &str,
    plan: &WorkshopData,
    host: &str,
    request_id: String,
    (start, already_held): (DateTime<Utc>, bool),
) -> anyhow::Result<pb::Workshop> {
    community
        .schedule_workshop(pb::ScheduleWorkshopRequest {
            request_id,
            region: region.into(),
            theme: plan.theme.clone(),
            title: plan.title.clone(),
            description: plan.description.clone(),
            start_time: Some(timestamp(start)),
            end_time: Some(timestamp(start + LENGTH)),
            location: plan.location.clone(),
            online_url: plan.online_url.clone(),
            capacity: plan.capacity,
            seats_per_company: plan.seats_per_company,
            registration_cutoff_time: None,
            host_member_id: host.into(),
            facilitator_ids: Vec::new(),
            already_held,
        })
        .await?
        .into_inner()
        .workshop
        .ok_or_else(|| anyhow::anyhow!("no workshop returned"))
}

/// A workshop some weeks ahead, 13:00–15:00 UTC (an earlier run's when there is one).
async fn later_workshop(
    community: &mut Community,
    region: &str,
    plan: &WorkshopData,
    host: &str,
) -> anyhow::Result<pb::Workshop> {
    if let Some(existing) = find_workshop(community, region, plan)
        .await?
        .into_iter()
        .next()
    {
        return Ok(existing);
    }
    let start = at_start_hour(Utc::now().date_naive()) + TimeDelta::weeks(plan.weeks_ahead);
    let request_id = format!("demo-workshop-{region}-{}", plan.theme);
    schedule(community, region, plan, host, request_id, (start, false)).await
}

fn at_start_hour(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc() + TimeDelta::hours(START_HOUR.into())
}

/// The workshop held on `day`, recorded afterwards (an earlier run's record when there
/// is one).
async fn held_workshop(
    community: &mut Community,
    region: &str,
    plan: &WorkshopData,
    day: NaiveDate,
    host: &str,
) -> anyhow::Result<pb::Workshop> {
    let start = at_start_hour(day);
    let recorded = find_workshop(community, region, plan)
        .await?
        .into_iter()
        .find(|w| w.already_held && time(&w.start_time) == Some(start));
    if let Some(recorded) = recorded {
        return Ok(recorded);
    }
    let request_id = format!("demo-workshop-{region}-{}-{day}", plan.theme);
    schedule(community, region, plan, host, request_id, (start, true)).await
}

/// `wanted` people for the held workshop (two per company when the file gives no
/// number), taking turns between the companies; never the supervisors.
fn held_participants<'a>(
    enrolled: &'a [Enrolled<'a>],
    wanted: usize,
) -> Vec<(&'a Person, &'a Enrolled<'a>)> {
    let wanted = if wanted == 0 {
        2 * enrolled.len()
    } else {
        wanted
    };
    let most = enrolled.iter().map(|e| e.people.len()).max().unwrap_or(0);
    (1..most)
        .flat_map(|n| {
            enrolled
                .iter()
                .filter_map(move |e| e.people.get(n).map(|p| (p, e)))
        })
        .take(wanted)
        .collect()
}

/// Registers (or replays the registration); a participant intake enrolled moments ago
/// may not have reached community yet (NOT_FOUND for a short while).
async fn register(
    community: &mut Community,
    workshop_id: &str,
    person: &Person,
) -> anyhow::Result<pb::Registration> {
    let request = pb::RegisterForWorkshopRequest {
        request_id: format!("demo-register-{workshop_id}-{}", person.participant_id),
        workshop_id: workshop_id.into(),
        participant_id: person.participant_id.clone(),
    };
    let mut attempts = 0;
    loop {
        match community.register_for_workshop(request.clone()).await {
            Ok(response) => {
                return response
                    .into_inner()
                    .registration
                    .ok_or_else(|| anyhow::anyhow!("no registration returned"));
            }
            Err(status) if status.code() == Code::NotFound && attempts < 20 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(status) => return Err(status.into()),
        }
    }
}

fn who(bookings: &[Booking], registration_id: &str) -> String {
    bookings
        .iter()
        .find(|(r, ..)| r.registration_id == registration_id)
        .map(|(_, p, e)| format!("{} ({})", p.name, e.company.name))
        .unwrap_or_else(|| registration_id.to_owned())
}

/// The third one booked cancels; the first one waiting gets the seat. Returns the
/// cancelled registration and the one promoted, if any.
async fn cancel_one(
    community: &mut Community,
    bookings: &[Booking<'_>],
    reason: &str,
) -> anyhow::Result<Option<(String, Option<String>)>> {
    let Some((cancelled, ..)) = bookings
        .iter()
        .filter(|(r, ..)| r.status == common::WorkshopRegistrationStatus::Booked as i32)
        .nth(2)
    else {
        say!("  (fewer than three booked: nobody cancels)");
        return Ok(None);
    };
    let promoted = community
        .cancel_registration(pb::CancelRegistrationRequest {
            request_id: format!("demo-cancel-{}", cancelled.registration_id),
            registration_id: cancelled.registration_id.clone(),
            reason: reason.into(),
        })
        .await?
        .into_inner()
        .promoted;
    let name = who(bookings, &cancelled.registration_id);
    match &promoted {
        Some(p) => say!(
            "  {name} cancelled ({reason}); {}, number {} on the wait list, moved up and is booked",
            who(bookings, &p.registration_id),
            bookings
                .iter()
                .find(|(r, ..)| r.registration_id == p.registration_id)
                .map_or(0, |(r, ..)| r.wait_list_position)
        ),
        None => say!("  {name} cancelled ({reason}); nobody moved up"),
    }
    Ok(Some((
        cancelled.registration_id.clone(),
        promoted.map(|p| p.registration_id),
    )))
}

/// Records everyone's attendance and the attendees' feedback. Returns who attended
/// and the first one who stayed the whole workshop.
async fn attend<'a>(
    community: &mut Community,
    pilot: &Pilot,
    attendees: &[&Booking<'a>],
) -> anyhow::Result<(Vec<String>, Option<&'a Person>)> {
    let feedback = &pilot.data.feedback;
    let (mut fully, mut partially, mut no_show) = (0, 0, Vec::new());
    let mut attended = Vec::new();
    let mut first_attendee = None;
    for (n, (registration, person, enrolled)) in attendees.iter().enumerate() {
        let (attendance, hours) = match n {
            NO_SHOW => (WorkshopAttendance::NoShow, 0.0),
            n if n == LEAVES_EARLY.0 => (WorkshopAttendance::PartiallyAttended, LEAVES_EARLY.1),
            _ => (WorkshopAttendance::FullyAttended, 0.0),
        };
        record_attendance(community, &registration.registration_id, attendance, hours).await?;
        match attendance {
            WorkshopAttendance::NoShow => {
                no_show.push(format!("{} ({})", person.name, enrolled.company.name));
                continue;
            }
            WorkshopAttendance::PartiallyAttended => partially += 1,
            _ => {
                fully += 1;
                first_attendee.get_or_insert(*person);
            }
        }
        attended.push(person.participant_id.clone());
        if let Some(given) = feedback.get(n % feedback.len().max(1)) {
            community
                .submit_workshop_feedback(pb::SubmitWorkshopFeedbackRequest {
                    request_id: format!("demo-feedback-{}", registration.registration_id),
                    registration_id: registration.registration_id.clone(),
                    rating: given.rating,
                    comment: given.comment.clone(),
                })
                .await?;
        }
    }
    say!(
        "  attendance: {fully} fully, {partially} partially ({} of {} hours), {} no-show: {}",
        LEAVES_EARLY.1,
        LENGTH.num_hours(),
        no_show.len(),
        no_show.join(", ")
    );
    Ok((attended, first_attendee))
}

async fn record_attendance(
    community: &mut Community,
    registration_id: &str,
    attendance: WorkshopAttendance,
    hours: f64,
) -> anyhow::Result<()> {
    let request = pb::RecordAttendanceRequest {
        request_id: format!("demo-attendance-{registration_id}"),
        registration_id: registration_id.into(),
        attendance: attendance as i32,
        hours_attended: hours,
    };
    community.record_attendance(request).await?;
    Ok(())
}

async fn get_workshop(community: &mut Community, id: &str) -> anyhow::Result<pb::Workshop> {
    Ok(community
        .get_workshop(pb::GetWorkshopRequest {
            workshop_id: id.into(),
        })
        .await?
        .into_inner()
        .workshop
        .unwrap_or_default())
}

async fn print_workshops(community: &mut Community, ids: &[String]) -> anyhow::Result<()> {
    say!("\nWorkshops (the sector's community themes):");
    for id in ids {
        let w = get_workshop(community, id).await?;
        let when = time(&w.start_time)
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default();
        let place = if w.location.is_empty() {
            "online"
        } else {
            w.location.as_str()
        };
        let mut counts = format!(
            "capacity {}: {} booked, {} wait-listed",
            w.capacity, w.booked_count, w.wait_listed_count
        );
        if w.seats_per_company > 0 {
            counts.push_str(&format!(" ({} seats per company)", w.seats_per_company));
        }
        if w.attended_count > 0 || w.feedback_count > 0 {
            counts.push_str(&format!(
                ", {} attended, rated {:.1}",
                w.attended_count, w.average_rating
            ));
        }
        say!("  {when}  {:<31} {}", w.theme, w.title);
        say!("  {:<22}{place}; {counts}", "");
    }
    Ok(())
}

async fn publish_knowledge(
    community: &mut Community,
    pilot: &Pilot,
    enrolled: &[Enrolled<'_>],
) -> anyhow::Result<()> {
    let region = &pilot.region.id;
    say!("\nKnowledge library:");
    for item in &pilot.data.knowledge {
        let Some(author) = enrolled.get(item.company) else {
            continue;
        };
        let kind = pb::KnowledgeItemKind::from_str_name(&format!(
            "KNOWLEDGE_ITEM_KIND_{}",
            item.kind.to_uppercase()
        ))
        .unwrap_or(pb::KnowledgeItemKind::LearningExperience);
        let visibility = pb::KnowledgeVisibility::from_str_name(&format!(
            "KNOWLEDGE_VISIBILITY_{}",
            item.visibility.to_uppercase()
        ))
        .unwrap_or(pb::KnowledgeVisibility::Community);
        community
            .publish_knowledge_item(pb::PublishKnowledgeItemRequest {
                request_id: format!("demo-knowledge-{region}-{}", item.key),
                region: region.clone(),
                kind: kind as i32,
                title: item.title.clone(),
                body: item.body.clone(),
                themes: item.themes.clone(),
                author_member_id: author.organisation.organisation_id.clone(),
                visibility: visibility as i32,
            })
            .await?;
        say!(
            "  {:<20} {:<58} {} ({})",
            kind_label(kind as i32),
            item.title,
            author.company.name,
            item.visibility
        );
    }
    Ok(())
}

fn kind_label(kind: i32) -> &'static str {
    match pb::KnowledgeItemKind::try_from(kind) {
        Ok(pb::KnowledgeItemKind::LearningExperience) => "learning experience",
        Ok(pb::KnowledgeItemKind::Instrument) => "instrument",
        Ok(pb::KnowledgeItemKind::Strategy) => "strategy",
        _ => "unknown",
    }
}

async fn search(
    community: &mut Community,
    pilot: &Pilot,
    members: &[pb::Member],
) -> anyhow::Result<()> {
    let query = &pilot.data.search;
    let results = community
        .search_knowledge(pb::SearchKnowledgeRequest {
            query: query.clone(),
            region: pilot.region.id.clone(),
            page_size: 5,
            ..Default::default()
        })
        .await?
        .into_inner()
        .results;
    say!(
        "\nSearch \"{query}\": {} {}",
        results.len(),
        if results.len() == 1 { "hit" } else { "hits" }
    );
    for hit in &results {
        let item = hit.item.clone().unwrap_or_default();
        let author = members
            .iter()
            .find(|m| m.member_id == item.author_member_id)
            .map_or("?", |m| m.name.as_str());
        say!(
            "  {} — {author} ({}, score {:.2})",
            item.title,
            kind_label(item.kind),
            hit.score
        );
        say!(
            "    … {} …",
            hit.snippet.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }
    Ok(())
}

/// Trajectories adds a completed workshop activity to an attendee's plan when
/// `WorkshopAttended` arrives; waits up to 10 s for it.
async fn print_plan(coach: &mut Trajectories, person: &Person) -> anyhow::Result<()> {
    let mut workshops = 0;
    for attempt in 0..20 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let plan = coach
            .get_development_plan(trajectories::GetDevelopmentPlanRequest {
                participant_id: person.participant_id.clone(),
            })
            .await?
            .into_inner()
            .plan
            .unwrap_or_default();
        workshops = plan
            .activities
            .iter()
            .filter(|a| a.kind == trajectories::ActivityKind::Workshop as i32)
            .count();
        if workshops > 0 {
            break;
        }
    }
    let count = if workshops == 0 {
        "not yet".to_owned()
    } else {
        workshops.to_string()
    };
    say!(
        "\nDevelopment plan of {} (trajectories): workshop activities: {count}",
        person.name
    );
    Ok(())
}
