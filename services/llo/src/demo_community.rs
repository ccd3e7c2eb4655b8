//! The community part of the pilot demo: the programme's partners join (the companies
//! joined by themselves when intake registered them), workshops on the sector pack's
//! four community themes, one of them full with a wait list, a cancellation that
//! promotes the first one waiting, attendance and feedback, knowledge items from the
//! companies and a Dutch search that finds part of a compound word. At the end, the
//! development plan of one attendee as trajectories reports it.
//!
//! Every mutating call carries a request id, so a second run replays instead of
//! failing. Workshops are looked up by title first: a workshop must start in the
//! future when it is scheduled, so a second run reuses the first run's workshops.
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use llo_chassis::telemetry::ClientContext;
use llo_proto::{
    common::v1::{self as common, CommunityMemberType, WorkshopAttendance},
    community::v1::{self as pb, community_service_client::CommunityServiceClient},
    trajectories::v1 as trajectories,
};
use tonic::{Code, codegen::InterceptedService, transport::Channel};

use crate::demo_trajectories::Trajectories;

pub type Community = CommunityServiceClient<InterceptedService<Channel, ClientContext>>;

const REGION: &str = "achterhoek";

/// A company of the demo with its synthetic employees (ids from intake).
pub struct Company {
    pub organisation_id: String,
    pub name: &'static str,
    pub people: Vec<Person>,
}

pub struct Person {
    pub participant_id: String,
    pub name: String,
}

pub async fn client(url: &str, token: String) -> anyhow::Result<Community> {
    let channel = Channel::from_shared(url.to_owned())?.connect().await?;
    Ok(CommunityServiceClient::with_interceptor(
        channel,
        ClientContext {
            bearer_token: Some(token),
        },
    ))
}

struct Partner {
    key: &'static str,
    name: &'static str,
    kind: CommunityMemberType,
    contact_role: &'static str,
}

const PARTNERS: [Partner; 8] = [
    Partner {
        key: "vno-ncw-midden",
        name: "VNO-NCW Midden",
        kind: CommunityMemberType::EmployersOrganisation,
        contact_role: "regiomanager Achterhoek",
    },
    Partner {
        key: "metaalunie",
        name: "Koninklijke Metaalunie",
        kind: CommunityMemberType::EmployersOrganisation,
        contact_role: "regiomanager Oost-Nederland",
    },
    Partner {
        key: "fnv",
        name: "FNV",
        kind: CommunityMemberType::Union,
        contact_role: "bestuurder metaal en techniek",
    },
    Partner {
        key: "graafschap-college",
        name: "Graafschap College",
        kind: CommunityMemberType::EducationProvider,
        contact_role: "accountmanager bedrijven",
    },
    Partner {
        key: "han",
        name: "HAN",
        kind: CommunityMemberType::EducationProvider,
        contact_role: "lector human capital",
    },
    Partner {
        key: "uwv",
        name: "UWV",
        kind: CommunityMemberType::PublicEmploymentService,
        contact_role: "werkgeversadviseur",
    },
    Partner {
        key: "gelders-vakmanschap",
        name: "Gelders Vakmanschap",
        kind: CommunityMemberType::Adviser,
        contact_role: "programmaleider",
    },
    Partner {
        key: "leerwerkloket-achterhoek",
        name: "Leerwerkloket Achterhoek",
        kind: CommunityMemberType::Other,
        contact_role: "loopbaanadviseur",
    },
];

/// A workshop of the demo; `weeks_ahead` 0 is the one held during the demo.
struct Plan {
    theme: &'static str,
    title: &'static str,
    description: &'static str,
    host: &'static str,
    location: &'static str,
    online_url: &'static str,
    capacity: i32,
    seats_per_company: i32,
    weeks_ahead: i64,
}

/// The workshop held during the demo: capacity 10, fifteen registrations.
const HELD: Plan = Plan {
    theme: "hr-netwerkcafe",
    title: "HR-netwerkcafé: leren van elkaar op de werkvloer",
    description: "Vakmensen en leidinggevenden van de zes bedrijven wisselen ervaringen uit \
                  over leren tijdens het werk.",
    host: "vno-ncw-midden",
    location: "Ondernemershuis Achterhoek, Doetinchem",
    online_url: "",
    capacity: 10,
    seats_per_company: 0,
    weeks_ahead: 0,
};

/// How long after scheduling the held workshop starts (registration closes then).
const HELD_LEAD: TimeDelta = TimeDelta::seconds(8);
/// How long the held workshop lasts.
const HELD_LENGTH: TimeDelta = TimeDelta::hours(2);
/// Registrations for the held workshop (ten seats: five are wait-listed).
const HELD_REGISTRATIONS: usize = 15;

const LATER: [Plan; 3] = [
    Plan {
        theme: "instrumenten-leercultuur",
        title: "Aan de slag met de leercultuurscan en het ontwikkelgesprek",
        description: "Hoe lees je de uitkomsten van de scan, en hoe voer je een goed \
                      ontwikkelgesprek op de vloer?",
        host: "gelders-vakmanschap",
        location: "Graafschap College, Doetinchem",
        online_url: "",
        capacity: 20,
        seats_per_company: 0,
        weeks_ahead: 3,
    },
    Plan {
        theme: "strategische-personeelsplanning",
        title: "Strategische personeelsplanning: de vakmensen van 2030",
        description: "Welke functies veranderen door automatisering, en wie leid je nu \
                      al op voor morgen?",
        host: "han",
        location: "Lensink Constructie, Lievelde",
        online_url: "",
        capacity: 12,
        seats_per_company: 2,
        weeks_ahead: 5,
    },
    Plan {
        theme: "financiering-scholing",
        title: "Scholing financieren: SLIM, O&O-fonds en de eigen bijdrage",
        description: "Een online sessie over subsidies, het sectorfonds en wat de \
                      werkgever zelf betaalt.",
        host: "leerwerkloket-achterhoek",
        location: "",
        online_url: "https://leerwerkloket-achterhoek.example/webinar/scholing-financieren",
        capacity: 40,
        seats_per_company: 0,
        weeks_ahead: 7,
    },
];

/// Knowledge items: (key, company index, kind, title, body, themes, visibility).
type Knowledge = (
    &'static str,
    usize,
    pb::KnowledgeItemKind,
    &'static str,
    &'static str,
    &'static [&'static str],
    pb::KnowledgeVisibility,
);

const KNOWLEDGE: [Knowledge; 3] = [
    (
        "meester-gezel",
        0,
        pb::KnowledgeItemKind::LearningExperience,
        "Meester en gezel: oudere vakmensen geven hun kennis door",
        "Bij Lensink Constructie koppelen we elke nieuwe monteur een jaar lang aan een \
         ervaren vakman. Ze werken samen aan echte klussen, en eens per maand bespreken \
         ze wat er geleerd is. Wat werkte: vaste tijd in de planning, en de ervaren \
         vakman kiest zelf hoe hij het overdraagt. Wat lastig was: drukke weken, waarin \
         het samen leren er als eerste bij inschoot.",
        &["instrumenten-leercultuur", "hr-netwerkcafe"],
        pb::KnowledgeVisibility::Public,
    ),
    (
        "ontwikkelgesprek",
        2,
        pb::KnowledgeItemKind::Instrument,
        "Het ontwikkelgesprek in vijf vragen",
        "Een kaart voor ploegleiders met vijf vragen: wat ging goed, waar loop je tegenaan, \
         wat wil je over een jaar kunnen, wat heb je daarvoor nodig, en wie helpt je? \
         Wiggers gebruikt de kaart twee keer per jaar met iedere medewerker; het gesprek \
         duurt een half uur en de afspraken komen in het persoonlijk ontwikkelplan.",
        &["instrumenten-leercultuur"],
        pb::KnowledgeVisibility::Community,
    ),
    (
        "leerlijnen",
        1,
        pb::KnowledgeItemKind::Strategy,
        "Van losse cursussen naar eigen bedrijfsopleidingen",
        "Nijhuis Groep stapte over van losse cursussen op aanvraag naar een vaste leerlijn \
         per functie: lasser, monteur, werkvoorbereider. De \
         personeelsplanning voor vijf jaar bepaalt welke leerlijnen eerst komen; de \
         scholen in de regio verzorgen de modules, de eigen vakmensen de praktijk.",
        &["strategische-personeelsplanning", "financiering-scholing"],
        pb::KnowledgeVisibility::Community,
    ),
];

/// What people type in the search box: part of "bedrijfsopleidingen".
const SEARCH: &str = "opleiding";

const RATINGS: [(i32, &str); 9] = [
    (
        5,
        "Heel herkenbaar, we gaan het meester-gezelmodel ook proberen.",
    ),
    (4, "Goede gesprekken met collega's van andere bedrijven."),
    (4, "Nuttig, al had ik meer tijd voor vragen gewild."),
    (5, "Eindelijk eens horen hoe anderen het aanpakken."),
    (3, "Interessant, maar voor ons bedrijf nog ver weg."),
    (4, "Praktische tips die ik morgen kan gebruiken."),
    (5, "Volgende keer neem ik mijn ploegleider mee."),
    (4, "Fijne sfeer en een goede gespreksleider."),
    (4, "Kort maar krachtig."),
];

/// What the community part put in, for the check against reporting's figures.
pub struct Outcome {
    /// The participants recorded as fully or partially attended: each attendance becomes
    /// a completed workshop activity in the attendee's plan.
    pub attended: Vec<String>,
}

pub async fn run(
    community: &mut Community,
    coach: &mut Trajectories,
    companies: &[Company],
) -> anyhow::Result<Outcome> {
    say!("\n== The learning community, Achterhoek ==");
    let mut partners = Vec::new();
    for partner in &PARTNERS {
        partners.push((partner.key, register_partner(community, partner).await?));
    }
    let members = wait_for_companies(community, companies).await?;
    print_members(&members);
    let host = |key: &str| {
        partners
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, m)| m.member_id.clone())
            .unwrap_or_default()
    };

    // Workshops weeks ahead, a few registrations each.
    let mut workshops = Vec::new();
    for (n, plan) in LATER.iter().enumerate() {
        let workshop = later_workshop(community, plan, &host(plan.host)).await?;
        for company in companies.iter().skip(n % 2) {
            if let Some(person) = company.people.get(n) {
                register(community, &workshop.workshop_id, person).await?;
            }
        }
        workshops.push(workshop.workshop_id);
    }

    // The workshop held now: ten seats, fifteen registrations, one cancellation.
    let held = held_workshop(community, &host(HELD.host)).await?;
    let start = time(&held.start_time);
    let people = held_participants(companies);
    let mut registrations = Vec::new();
    for (person, company) in &people {
        registrations.push((
            register(community, &held.workshop_id, person).await?,
            *person,
            *company,
        ));
    }
    let booked = registrations
        .iter()
        .filter(|(r, ..)| r.status == common::WorkshopRegistrationStatus::Booked as i32)
        .count();
    say!(
        "\n{} (capacity {}): {} registrations, {booked} booked, {} wait-listed",
        held.title,
        held.capacity,
        registrations.len(),
        registrations.len() - booked
    );
    let who = |id: &str| {
        registrations
            .iter()
            .find(|(r, ..)| r.registration_id == id)
            .map(|(_, p, c)| format!("{} ({})", p.name, c.name))
            .unwrap_or_else(|| id.to_owned())
    };
    // The third one booked falls ill; the first one waiting gets the seat.
    let (cancelled, _, _) = registrations
        .iter()
        .filter(|(r, ..)| r.status == common::WorkshopRegistrationStatus::Booked as i32)
        .nth(2)
        .ok_or_else(|| anyhow::anyhow!("fewer than three were booked"))?;
    let cancellation = community
        .cancel_registration(pb::CancelRegistrationRequest {
            request_id: format!("demo-cancel-{}", cancelled.registration_id),
            registration_id: cancelled.registration_id.clone(),
            reason: "ziek gemeld".into(),
        })
        .await?
        .into_inner();
    let promoted = cancellation.promoted.clone();
    match &promoted {
        Some(p) => say!(
            "  {} cancelled; {}, number {} on the wait list, moved up and is booked",
            who(&cancelled.registration_id),
            who(&p.registration_id),
            registrations
                .iter()
                .find(|(r, ..)| r.registration_id == p.registration_id)
                .map_or(0, |(r, ..)| r.wait_list_position)
        ),
        None => say!(
            "  {} cancelled; nobody moved up",
            who(&cancelled.registration_id)
        ),
    }

    // Attendance once the workshop has started.
    let wait = start.map_or(Duration::ZERO, |s| {
        (s - Utc::now()).to_std().unwrap_or(Duration::ZERO)
    });
    if !wait.is_zero() {
        say!(
            "  (waiting {:.0} s for the workshop to start)",
            wait.as_secs_f64().ceil()
        );
        tokio::time::sleep(wait + Duration::from_millis(300)).await;
    }
    let attendees: Vec<&(pb::Registration, &Person, &Company)> = registrations
        .iter()
        .filter(|(r, ..)| {
            let was_booked = r.status == common::WorkshopRegistrationStatus::Booked as i32
                && r.registration_id != cancelled.registration_id;
            let moved_up = promoted
                .as_ref()
                .is_some_and(|p| p.registration_id == r.registration_id);
            was_booked || moved_up
        })
        .collect();
    let (mut fully, mut partially, mut no_show) = (0, 0, Vec::new());
    let mut attended = Vec::new();
    let mut first_attendee = None;
    for (n, (registration, person, company)) in attendees.iter().enumerate() {
        let (attendance, hours) = match n {
            4 => (WorkshopAttendance::NoShow, 0.0),
            6 => (WorkshopAttendance::PartiallyAttended, 1.25),
            _ => (WorkshopAttendance::FullyAttended, 0.0),
        };
        record_attendance(community, &registration.registration_id, attendance, hours).await?;
        match attendance {
            WorkshopAttendance::NoShow => {
                no_show.push(format!("{} ({})", person.name, company.name));
                continue;
            }
            WorkshopAttendance::PartiallyAttended => partially += 1,
            _ => {
                fully += 1;
                first_attendee.get_or_insert(*person);
            }
        }
        attended.push(person.participant_id.clone());
        let (rating, comment) = RATINGS[n % RATINGS.len()];
        community
            .submit_workshop_feedback(pb::SubmitWorkshopFeedbackRequest {
                request_id: format!("demo-feedback-{}", registration.registration_id),
                registration_id: registration.registration_id.clone(),
                rating,
                comment: comment.into(),
            })
            .await?;
    }
    let figures = community
        .get_workshop(pb::GetWorkshopRequest {
            workshop_id: held.workshop_id.clone(),
        })
        .await?
        .into_inner()
        .workshop
        .unwrap_or_default();
    say!(
        "  attendance: {fully} fully, {partially} partially (1.25 of 2 hours), {} no-show: {}",
        no_show.len(),
        no_show.join(", ")
    );
    say!(
        "  feedback: {} ratings, average {:.1} out of 5",
        figures.feedback_count,
        figures.average_rating
    );
    workshops.insert(0, held.workshop_id.clone());
    print_workshops(community, &workshops).await?;

    publish_knowledge(community, companies).await?;
    search(community, &members).await?;

    if let Some(person) = first_attendee {
        print_plan(coach, person).await?;
    }
    Ok(Outcome { attended })
}

async fn register_partner(
    community: &mut Community,
    partner: &Partner,
) -> anyhow::Result<pb::Member> {
    community
        .register_partner(pb::RegisterPartnerRequest {
            request_id: format!("demo-partner-{}", partner.key),
            region: REGION.into(),
            member_type: partner.kind as i32,
            name: partner.name.into(),
            contact_role: partner.contact_role.into(),
        })
        .await?
        .into_inner()
        .member
        .ok_or_else(|| anyhow::anyhow!("no member returned"))
}

async fn list_members(community: &mut Community) -> anyhow::Result<Vec<pb::Member>> {
    let mut members = Vec::new();
    let mut token = String::new();
    loop {
        let page = community
            .list_members(pb::ListMembersRequest {
                region: REGION.into(),
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
    companies: &[Company],
) -> anyhow::Result<Vec<pb::Member>> {
    for _ in 0..150 {
        let members = list_members(community).await?;
        let joined = companies
            .iter()
            .all(|c| members.iter().any(|m| m.member_id == c.organisation_id));
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

/// The demo's scheduled workshop with this title on this theme, if a run made it.
async fn find_workshop(
    community: &mut Community,
    plan: &Plan,
) -> anyhow::Result<Vec<pb::Workshop>> {
    let list = community
        .list_workshops(pb::ListWorkshopsRequest {
            region: REGION.into(),
            theme: plan.theme.into(),
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

fn schedule_request(
    plan: &Plan,
    host: &str,
    request_id: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> pb::ScheduleWorkshopRequest {
    pb::ScheduleWorkshopRequest {
        request_id,
        region: REGION.into(),
        theme: plan.theme.into(),
        title: plan.title.into(),
        description: plan.description.into(),
        start_time: Some(timestamp(start)),
        end_time: Some(timestamp(end)),
        location: plan.location.into(),
        online_url: plan.online_url.into(),
        capacity: plan.capacity,
        seats_per_company: plan.seats_per_company,
        registration_cutoff_time: None,
        host_member_id: host.into(),
    }
}

/// A workshop some weeks ahead, 13:00–15:00 UTC.
async fn later_workshop(
    community: &mut Community,
    plan: &Plan,
    host: &str,
) -> anyhow::Result<pb::Workshop> {
    if let Some(existing) = find_workshop(community, plan).await?.into_iter().next() {
        return Ok(existing);
    }
    let today = Utc::now()
        .date_naive()
        .and_hms_opt(13, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_else(Utc::now);
    let start = today + TimeDelta::weeks(plan.weeks_ahead);
    community
        .schedule_workshop(schedule_request(
            plan,
            host,
            format!("demo-workshop-{}", plan.theme),
            start,
            start + TimeDelta::hours(2),
        ))
        .await?
        .into_inner()
        .workshop
        .ok_or_else(|| anyhow::anyhow!("no workshop returned"))
}

/// The workshop held during the demo: an earlier run's when it got its registrations
/// (everything after replays), else a new one starting in a few seconds.
async fn held_workshop(community: &mut Community, host: &str) -> anyhow::Result<pb::Workshop> {
    for workshop in find_workshop(community, &HELD).await? {
        let registrations = community
            .list_registrations(pb::ListRegistrationsRequest {
                workshop_id: workshop.workshop_id.clone(),
                page_size: 100,
                ..Default::default()
            })
            .await?
            .into_inner()
            .registrations;
        let open_long_enough = time(&workshop.registration_cutoff_time)
            .is_some_and(|cutoff| cutoff > Utc::now() + TimeDelta::seconds(3));
        if registrations.len() >= HELD_REGISTRATIONS || open_long_enough {
            return Ok(workshop);
        }
    }
    let start = Utc::now() + HELD_LEAD;
    community
        .schedule_workshop(schedule_request(
            &HELD,
            host,
            // The start is part of the request: a new one each time one is needed.
            format!("demo-workshop-{}-{}", HELD.theme, start.timestamp()),
            start,
            start + HELD_LENGTH,
        ))
        .await?
        .into_inner()
        .workshop
        .ok_or_else(|| anyhow::anyhow!("no workshop returned"))
}

/// Fifteen people for the held workshop, taking turns between the companies.
fn held_participants(companies: &[Company]) -> Vec<(&Person, &Company)> {
    (1..)
        .take(4)
        .flat_map(|n| {
            companies
                .iter()
                .filter_map(move |c| c.people.get(n).map(|p| (p, c)))
        })
        .take(HELD_REGISTRATIONS)
        .collect()
}

/// Registers (or replays the registration); a participant intake enrolled moments ago
/// may not have reached community yet (NOT_FOUND for a short while).
pub(crate) async fn register(
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

pub(crate) async fn record_attendance(
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
    let mut attempts = 0;
    loop {
        match community.record_attendance(request.clone()).await {
            Ok(_) => return Ok(()),
            // The clocks of the demo and the service may differ by a moment.
            Err(status) if status.code() == Code::FailedPrecondition && attempts < 10 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            Err(status) => return Err(status.into()),
        }
    }
}

async fn print_workshops(community: &mut Community, ids: &[String]) -> anyhow::Result<()> {
    say!("\nWorkshops (the four community themes):");
    for id in ids {
        let w = community
            .get_workshop(pb::GetWorkshopRequest {
                workshop_id: id.clone(),
            })
            .await?
            .into_inner()
            .workshop
            .unwrap_or_default();
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

async fn publish_knowledge(community: &mut Community, companies: &[Company]) -> anyhow::Result<()> {
    say!("\nKnowledge library:");
    for (key, company, kind, title, body, themes, visibility) in &KNOWLEDGE {
        let Some(author) = companies.get(*company) else {
            continue;
        };
        let item = community
            .publish_knowledge_item(pb::PublishKnowledgeItemRequest {
                request_id: format!("demo-knowledge-{key}"),
                region: REGION.into(),
                kind: *kind as i32,
                title: (*title).into(),
                body: (*body).into(),
                themes: themes.iter().map(|t| (*t).to_owned()).collect(),
                author_member_id: author.organisation_id.clone(),
                visibility: *visibility as i32,
            })
            .await?
            .into_inner()
            .item
            .ok_or_else(|| anyhow::anyhow!("no knowledge item returned"))?;
        say!(
            "  {:<20} {:<58} {} ({})",
            kind_label(item.kind),
            item.title,
            author.name,
            if *visibility == pb::KnowledgeVisibility::Public {
                "public"
            } else {
                "community"
            }
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

async fn search(community: &mut Community, members: &[pb::Member]) -> anyhow::Result<()> {
    let results = community
        .search_knowledge(pb::SearchKnowledgeRequest {
            query: SEARCH.into(),
            region: REGION.into(),
            page_size: 5,
            ..Default::default()
        })
        .await?
        .into_inner()
        .results;
    say!(
        "\nSearch \"{SEARCH}\": {} {}",
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

#[cfg(test)]
mod tests {
    use llo_chassis::packs::Packs;

    use super::*;

    /// The built-in workshops and knowledge items are on the sector's community themes.
    #[test]
    fn the_builtin_workshops_and_knowledge_are_on_the_community_themes() {
        let packs = Packs::load(&llo_chassis::testing::packs_dir()).unwrap();
        let sector = packs.sector("techniek-metaal").unwrap();
        let known: Vec<&str> = sector.themes.iter().map(|t| t.id.as_str()).collect();
        let workshops = std::iter::once(&HELD).chain(LATER.iter());
        for theme in workshops.map(|w| w.theme) {
            assert!(known.contains(&theme), "{theme}");
        }
        for (.., themes, _) in &KNOWLEDGE {
            for theme in *themes {
                assert!(known.contains(theme), "{theme}");
            }
        }
    }
}
