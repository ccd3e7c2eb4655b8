//! A small recorded stream of the suite's events: three companies, participants (one
//! UWV referral), baseline and follow-up scans, trajectories, activities and funding,
//! workshops with attendance, knowledge items. The figures the tests expect are
//! worked out by hand in the comments.
use llo_proto::{IntegrationEvent, common::v1 as common, events::v1 as ev};
use uuid::Uuid;

use crate::helpers::REGION;

#[derive(Debug, Clone)]
pub struct Recorded {
    pub id: Uuid,
    pub routing_key: &'static str,
    pub payload: Vec<u8>,
}

pub const SECTOR: &str = "techniek-metaal";
pub const DIMENSIONS: [&str; 6] = [
    "leiderschap",
    "leerklimaat",
    "kennisdeling",
    "loopbaan",
    "personeelsplanning",
    "eigen-regie",
];

/// Name, employees, participants, scan (leiderschap: baseline mean and respondents,
/// follow-up mean and respondents), public source, courses completed, credentials.
type CompanyPlan = (
    &'static str,
    i32,
    usize,
    [(f64, i32, f64, i32); 1],
    &'static str,
    usize,
    usize,
);

pub struct Company {
    pub id: String,
    pub name: &'static str,
    pub participants: Vec<String>,
}

pub struct Pilot {
    pub events: Vec<Recorded>,
    pub companies: Vec<Company>,
    clock: i64,
}

impl Pilot {
    fn at(&mut self) -> Option<prost_types::Timestamp> {
        // 2026-03-02 onwards, one hour per event: a few months of programme.
        self.clock += 1;
        Some(prost_types::Timestamp {
            seconds: 1_772_409_600 + self.clock * 3600 * 7,
            nanos: 0,
        })
    }

    pub fn push<E: IntegrationEvent>(&mut self, event: E) {
        self.events.push(Recorded {
            id: Uuid::now_v7(),
            routing_key: E::ROUTING_KEY,
            payload: event.encode_to_vec(),
        });
    }

    /// The recorded stream. Expected (programme manager, full view):
    /// - companies 3: micro 1 (Wiggers, 8), small 1 (Lensink, 45), medium 1 (Nijhuis, 120)
    /// - employees 15 (Lensink 6, Nijhuis 6, Wiggers 3), 1 through UWV; 15 plans
    /// - 15 courses of 8 h planned (120 h); 13 completed with 8 h (104 h): Lensink's and
    ///   Nijhuis's six, one of Wiggers'; credentials 3 (Lensink's first three)
    /// - coaching: 3 sessions (90 + 90 + 60 min) = 4 h
    /// - workshops: 2 scheduled, 1 cancelled → 1 held; 8 registrations (4 + 4);
    ///   attendance 6 fully, 1 partially, 1 no-show → 7/8 = 0.88
    /// - knowledge items 2; trajectories: completed 1, active 1, proposed 1
    /// - scans (leiderschap): Lensink 3.0 (6) → 3.5 (6), Nijhuis 2.5 (7) → 3.0 (6),
    ///   Wiggers 2.0 (3) → 4.0 (3): weighted 2.59 → 3.40, change 0.81
    /// - funding 500 € per course: 300 € public (Lensink mkb-idee, Nijhuis slim,
    ///   Wiggers opleidingsfonds-ot) + 200 € werkgever; total 7 500 €
    pub fn new() -> Pilot {
        let mut p = Pilot {
            events: Vec::new(),
            companies: Vec::new(),
            clock: 0,
        };
        let plan: [CompanyPlan; 3] = [
            (
                "Lensink Constructie",
                45,
                6,
                [(3.0, 6, 3.5, 6)],
                "mkb-idee",
                6,
                3,
            ),
            ("Nijhuis Groep", 120, 6, [(2.5, 7, 3.0, 6)], "slim", 6, 0),
            (
                "Wiggers",
                8,
                3,
                [(2.0, 3, 4.0, 3)],
                "opleidingsfonds-ot",
                1,
                0,
            ),
        ];
        for (index, (name, employees, people, scans, source, completed, credentials)) in
            plan.into_iter().enumerate()
        {
            let organisation = p.company(name, employees);
            let at = p.at();
            p.push(ev::MemberJoined {
                member_id: organisation.clone(),
                region: REGION.into(),
                member_type: common::CommunityMemberType::Company as i32,
                organisation_id: organisation.clone(),
                occur_time: at,
            });
            let mut participants = Vec::new();
            for i in 0..people {
                let participant = Uuid::now_v7().to_string();
                let at = p.at();
                p.push(ev::ParticipantEnrolled {
                    participant_id: participant.clone(),
                    organisation_id: organisation.clone(),
                    region: REGION.into(),
                    role: common::ParticipantRole::Employee as i32,
                    source: if index == 0 && i == 0 {
                        common::ParticipantSource::UwvReferral
                    } else {
                        common::ParticipantSource::Company
                    } as i32,
                    occur_time: at,
                });
                let at = p.at();
                p.push(ev::DevelopmentPlanCreated {
                    plan_id: Uuid::now_v7().to_string(),
                    participant_id: participant.clone(),
                    organisation_id: organisation.clone(),
                    region: REGION.into(),
                    occur_time: at,
                });
                participants.push(participant);
            }
            // Scans: the given dimension, and the others a little better at follow-up.
            let (b, b_n, f, f_n) = scans[0];
            for (round, respondents, first) in [
                (common::AssessmentRound::Baseline, b_n, b),
                (common::AssessmentRound::FollowUp, f_n, f),
            ] {
                let at = p.at();
                p.push(ev::NeedsAssessmentCompleted {
                    assessment_id: Uuid::now_v7().to_string(),
                    organisation_id: organisation.clone(),
                    region: REGION.into(),
                    sector: SECTOR.into(),
                    round: round as i32,
                    scores: DIMENSIONS
                        .iter()
                        .enumerate()
                        .map(|(d, id)| common::DimensionScore {
                            dimension_id: (*id).into(),
                            mean: if d == 0 {
                                first
                            } else {
                                first + 0.1 * d as f64
                            },
                            respondent_count: respondents,
                        })
                        .collect(),
                    priority_dimension_ids: vec!["leiderschap".into()],
                    priority_needs: vec!["Leren op de werkvloer".into()],
                    respondent_count: respondents,
                    occur_time: at,
                });
            }
            // The trajectory: Lensink completed, Nijhuis active, Wiggers proposed.
            let trajectory = Uuid::now_v7().to_string();
            let at = p.at();
            p.push(ev::TrajectoryProposed {
                trajectory_id: trajectory.clone(),
                organisation_id: organisation.clone(),
                region: REGION.into(),
                assessment_id: Uuid::now_v7().to_string(),
                priority_dimension_ids: vec!["leiderschap".into()],
                intervention_ids: vec![],
                occur_time: at,
            });
            if index < 2 {
                let at = p.at();
                p.push(ev::CoachAssigned {
                    trajectory_id: trajectory.clone(),
                    organisation_id: organisation.clone(),
                    region: REGION.into(),
                    coach_id: "coach-1".into(),
                    occur_time: at,
                    ..Default::default()
                });
                let at = p.at();
                p.push(ev::InterventionPlanned {
                    intervention_id: Uuid::now_v7().to_string(),
                    trajectory_id: trajectory.clone(),
                    organisation_id: organisation.clone(),
                    region: REGION.into(),
                    kind: "coaching_directors".into(),
                    dimension_id: "leiderschap".into(),
                    planned_hours: 12,
                    occur_time: at,
                });
                let at = p.at();
                p.push(ev::TrajectoryStatusChanged {
                    trajectory_id: trajectory.clone(),
                    organisation_id: organisation.clone(),
                    region: REGION.into(),
                    from_status: "proposed".into(),
                    to_status: "active".into(),
                    occur_time: at,
                });
                for minutes in if index == 0 { vec![90, 90] } else { vec![60] } {
                    let at = p.at();
                    p.push(ev::CoachingSessionHeld {
                        session_id: Uuid::now_v7().to_string(),
                        trajectory_id: trajectory.clone(),
                        organisation_id: organisation.clone(),
                        region: REGION.into(),
                        duration_minutes: minutes,
                        held_time: at,
                        occur_time: at,
                    });
                }
            }
            // A course per participant, funded 300 € public + 200 € employer.
            for (i, participant) in participants.iter().enumerate() {
                let activity = Uuid::now_v7().to_string();
                let at = p.at();
                p.push(ev::LearningActivityPlanned {
                    activity_id: activity.clone(),
                    participant_id: participant.clone(),
                    organisation_id: organisation.clone(),
                    region: REGION.into(),
                    kind: "course".into(),
                    theme: "lasrobot".into(),
                    provider: "graafschap-college".into(),
                    planned_hours: 8,
                    cost_cents: 50_000,
                    offering_id: String::new(),
                    occur_time: at,
                });
                for (source, amount) in [(source, 30_000), ("werkgever", 20_000)] {
                    let at = p.at();
                    p.push(ev::FundingAllocated {
                        allocation_id: Uuid::now_v7().to_string(),
                        activity_id: activity.clone(),
                        participant_id: participant.clone(),
                        organisation_id: organisation.clone(),
                        region: REGION.into(),
                        source: source.into(),
                        amount_cents: amount,
                        occur_time: at,
                    });
                }
                if i < completed {
                    let at = p.at();
                    p.push(ev::LearningActivityCompleted {
                        activity_id: activity.clone(),
                        participant_id: participant.clone(),
                        organisation_id: organisation.clone(),
                        region: REGION.into(),
                        actual_hours: 8,
                        credential_awarded: i < credentials,
                        kind: "course".into(),
                        theme: "lasrobot".into(),
                        occur_time: at,
                        ..Default::default()
                    });
                }
            }
            if index == 0 {
                let at = p.at();
                p.push(ev::TrajectoryStatusChanged {
                    trajectory_id: trajectory.clone(),
                    organisation_id: organisation.clone(),
                    region: REGION.into(),
                    from_status: "active".into(),
                    to_status: "completed".into(),
                    occur_time: at,
                });
            }
            if let Some(company) = p.companies.last_mut() {
                company.participants = participants;
            }
        }
        // The learning community: one workshop held with 8 registrations, one cancelled.
        let held = Uuid::now_v7().to_string();
        let cancelled = Uuid::now_v7().to_string();
        for workshop in [&held, &cancelled] {
            let at = p.at();
            p.push(ev::WorkshopScheduled {
                workshop_id: workshop.clone(),
                region: REGION.into(),
                theme: "hr-netwerkcafe".into(),
                workshop_title: "HR-netwerkcafé".into(),
                host_member_id: Uuid::now_v7().to_string(),
                start_time: at,
                end_time: at,
                capacity: 20,
                seats_per_company: 0,
                registration_cutoff_time: at,
                occur_time: at,
                ..Default::default()
            });
        }
        let attendees: Vec<(String, String)> = p.companies[..2]
            .iter()
            .flat_map(|c| {
                c.participants[..4]
                    .iter()
                    .map(|x| (c.id.clone(), x.clone()))
            })
            .collect();
        for (n, (organisation, participant)) in attendees.iter().enumerate() {
            let registration = Uuid::now_v7().to_string();
            let at = p.at();
            p.push(ev::WorkshopRegistrationChanged {
                registration_id: registration.clone(),
                workshop_id: held.clone(),
                participant_id: participant.clone(),
                organisation_id: organisation.clone(),
                region: REGION.into(),
                from_status: 0,
                to_status: common::WorkshopRegistrationStatus::Booked as i32,
                wait_list_position: 0,
                occur_time: at,
                ..Default::default()
            });
            let (attendance, status, hours) = match n {
                0..6 => (
                    common::WorkshopAttendance::FullyAttended,
                    common::WorkshopRegistrationStatus::AttendedFully,
                    3.0,
                ),
                6 => (
                    common::WorkshopAttendance::PartiallyAttended,
                    common::WorkshopRegistrationStatus::AttendedPartially,
                    1.5,
                ),
                _ => (
                    common::WorkshopAttendance::NoShow,
                    common::WorkshopRegistrationStatus::NoShow,
                    0.0,
                ),
            };
            let at = p.at();
            p.push(ev::WorkshopRegistrationChanged {
                registration_id: registration.clone(),
                workshop_id: held.clone(),
                participant_id: participant.clone(),
                organisation_id: organisation.clone(),
                region: REGION.into(),
                from_status: common::WorkshopRegistrationStatus::Booked as i32,
                to_status: status as i32,
                wait_list_position: 0,
                occur_time: at,
                ..Default::default()
            });
            p.push(ev::WorkshopAttended {
                registration_id: registration.clone(),
                workshop_id: held.clone(),
                participant_id: participant.clone(),
                organisation_id: organisation.clone(),
                region: REGION.into(),
                theme: "hr-netwerkcafe".into(),
                workshop_title: "HR-netwerkcafé".into(),
                attendance: attendance as i32,
                hours_attended: hours,
                workshop_start_time: at,
                occur_time: at,
                ..Default::default()
            });
            // The seven who came rate it: 5, 4, 4, 5, 3, 4, 5 (mean 30 / 7 = 4.29).
            if let Some(rating) = [5, 4, 4, 5, 3, 4, 5].get(n) {
                let at = p.at();
                p.push(ev::WorkshopFeedbackSubmitted {
                    feedback_id: Uuid::now_v7().to_string(),
                    registration_id: registration,
                    workshop_id: held.clone(),
                    participant_id: participant.clone(),
                    organisation_id: organisation.clone(),
                    region: REGION.into(),
                    theme: "hr-netwerkcafe".into(),
                    rating: *rating,
                    occur_time: at,
                });
            }
        }
        let at = p.at();
        p.push(ev::WorkshopCancelled {
            workshop_id: cancelled,
            region: REGION.into(),
            cancelled_registration_ids: vec![],
            occur_time: at,
            ..Default::default()
        });
        for kind in ["learning_experience", "instrument"] {
            let at = p.at();
            p.push(ev::KnowledgeItemPublished {
                knowledge_item_id: Uuid::now_v7().to_string(),
                region: REGION.into(),
                kind: kind.into(),
                themes: vec!["hr-netwerkcafe".into()],
                author_member_id: Uuid::now_v7().to_string(),
                visibility: "community".into(),
                occur_time: at,
            });
        }
        p
    }

    /// An empty stream, to push events of a test's own.
    pub fn empty() -> Pilot {
        Pilot {
            events: Vec::new(),
            companies: Vec::new(),
            clock: 0,
        }
    }

    /// The next occur time of the stream.
    pub fn now(&mut self) -> Option<prost_types::Timestamp> {
        self.at()
    }

    /// Registers a company of `employees` and returns its id.
    pub fn company(&mut self, name: &'static str, employees: i32) -> String {
        let organisation = Uuid::now_v7().to_string();
        let at = self.at();
        self.push(ev::OrganisationRegistered {
            organisation_id: organisation.clone(),
            region: REGION.into(),
            sector: SECTOR.into(),
            organisation_name: name.into(),
            municipality: "Aalten".into(),
            employee_count: employees,
            occur_time: at,
        });
        self.companies.push(Company {
            id: organisation.clone(),
            name,
            participants: Vec::new(),
        });
        organisation
    }

    /// A new trajectory of `organisation` proposed, started and completed, all at `at`
    /// (in life-cycle order; not added to the stream).
    pub fn trajectory_states(
        &mut self,
        organisation: &str,
        at: Option<prost_types::Timestamp>,
    ) -> Vec<Recorded> {
        let trajectory = Uuid::now_v7().to_string();
        let changed = |from: &str, to: &str| ev::TrajectoryStatusChanged {
            trajectory_id: trajectory.clone(),
            organisation_id: organisation.to_owned(),
            region: REGION.into(),
            from_status: from.into(),
            to_status: to.into(),
            occur_time: at,
        };
        let mut out = Pilot::empty();
        out.push(ev::TrajectoryProposed {
            trajectory_id: trajectory.clone(),
            organisation_id: organisation.to_owned(),
            region: REGION.into(),
            assessment_id: Uuid::now_v7().to_string(),
            priority_dimension_ids: vec!["leiderschap".into()],
            intervention_ids: vec![],
            occur_time: at,
        });
        out.push(changed("proposed", "active"));
        out.push(changed("active", "completed"));
        out.events
    }

    pub fn organisation_ids(&self) -> Vec<String> {
        self.companies.iter().map(|c| c.id.clone()).collect()
    }
}

/// The stream shuffled (a fixed permutation), with every third event again under
/// the same id and every fourth again under a new id (the same fact twice).
pub fn shuffled_with_duplicates(events: &[Recorded]) -> Vec<Recorded> {
    let mut out = events.to_vec();
    for (i, event) in events.iter().enumerate() {
        if i % 3 == 0 {
            out.push(event.clone());
        }
        if i % 4 == 0 {
            out.push(Recorded {
                id: Uuid::now_v7(),
                ..event.clone()
            });
        }
    }
    // Fisher–Yates with a fixed linear congruential generator: reproducible.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    for i in (1..out.len()).rev() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = (state >> 33) as usize % (i + 1);
        out.swap(i, j);
    }
    out
}

/// The stream, then the same facts again under new ids until it holds at least `total`
/// events: a long stream whose figures are those of `events`.
pub fn with_copies(events: &[Recorded], total: usize) -> Vec<Recorded> {
    let mut out = events.to_vec();
    while out.len() < total {
        out.extend(events.iter().map(|event| Recorded {
            id: Uuid::now_v7(),
            ..event.clone()
        }));
    }
    out
}

/// Distinct event ids in a stream.
pub fn distinct(events: &[Recorded]) -> i64 {
    events
        .iter()
        .map(|e| e.id)
        .collect::<std::collections::HashSet<_>>()
        .len() as i64
}
