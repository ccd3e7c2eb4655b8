//! The read models as plain values: what the store loads for one region.
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SizeClass {
    Micro,
    Small,
    Medium,
    Large,
}

impl SizeClass {
    /// micro < 10 employees, small < 50, medium < 250, large otherwise.
    pub fn of(employees: i32) -> SizeClass {
        match employees {
            i32::MIN..=9 => SizeClass::Micro,
            10..=49 => SizeClass::Small,
            50..=249 => SizeClass::Medium,
            _ => SizeClass::Large,
        }
    }
}

llo_chassis::text_enum! {
    #[derive(PartialOrd, Ord)]
    pub enum TrajectoryStatus {
        Proposed => "proposed",
        Active => "active",
        Completed => "completed",
        Cancelled => "cancelled",
    }
}

impl TrajectoryStatus {
    /// Its place in the life cycle: at equal occur times the later state wins.
    pub fn rank(self) -> i32 {
        match self {
            Self::Proposed => 1,
            Self::Active => 2,
            Self::Completed | Self::Cancelled => 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    pub id: Uuid,
    pub name: String,
    pub sector: String,
    pub employee_count: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub uwv_referral: bool,
    pub enrolled: bool,
}

llo_chassis::text_enum! {
    pub enum Round {
        Baseline => "baseline",
        FollowUp => "follow_up",
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DimensionScore {
    pub dimension_id: String,
    pub mean: f64,
    pub respondents: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    pub organisation_id: Uuid,
    pub round: Round,
    pub respondent_count: i32,
    pub scores: Vec<DimensionScore>,
}

impl Scan {
    pub fn score(&self, dimension: &str) -> Option<&DimensionScore> {
        self.scores.iter().find(|s| s.dimension_id == dimension)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub status: TrajectoryStatus,
    pub coach_assigned: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Intervention {
    pub id: Uuid,
    pub trajectory_id: Uuid,
    pub organisation_id: Uuid,
    pub kind: String,
    pub dimension_id: String,
    pub planned_hours: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CoachingSession {
    pub organisation_id: Uuid,
    pub minutes: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub participant_id: Uuid,
    pub organisation_id: Uuid,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub id: Uuid,
    pub participant_id: Uuid,
    pub organisation_id: Uuid,
    pub planned: bool,
    pub planned_hours: i32,
    pub completed: bool,
    pub actual_hours: i32,
    pub credential: bool,
    /// `YYYY-MM` of the completion.
    pub completed_month: Option<String>,
    /// The ESCO skills of the course completed (its offering's).
    pub skill_uris: Vec<String>,
}

/// A skill of the region's skills lists, by its ESCO URI, with its label.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillLabel {
    pub uri: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    pub activity_id: Uuid,
    pub participant_id: Uuid,
    pub organisation_id: Uuid,
    pub source: String,
    pub amount_cents: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Workshop {
    pub id: Uuid,
    pub scheduled: bool,
    pub cancelled: bool,
}

llo_chassis::text_enum! {
    pub enum Attendance {
        Fully => "fully",
        Partially => "partially",
        NoShow => "no_show",
    }
}

llo_chassis::text_enum! {
    /// A registration's last status, as community announced it.
    pub enum RegistrationStatus {
        WaitListed => "wait_listed",
        Booked => "booked",
        Cancelled => "cancelled",
        AttendedFully => "attended_fully",
        AttendedPartially => "attended_partially",
        NoShow => "no_show",
    }
}

impl RegistrationStatus {
    /// Held a seat: booked, or came (or did not) once booked.
    pub fn held_a_seat(self) -> bool {
        !matches!(
            self,
            RegistrationStatus::WaitListed | RegistrationStatus::Cancelled
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub id: Uuid,
    pub workshop_id: Uuid,
    pub participant_id: Option<Uuid>,
    pub organisation_id: Uuid,
    /// The registration's last status; `None` while only its attendance has arrived.
    pub status: Option<RegistrationStatus>,
    pub attendance: Option<Attendance>,
    pub hours: f64,
    /// `YYYY-MM` of the attendance.
    pub attended_month: Option<String>,
}

/// A workshop rating (1–5) by one attendee.
#[derive(Debug, Clone, PartialEq)]
pub struct Feedback {
    pub registration_id: Uuid,
    pub participant_id: Option<Uuid>,
    pub organisation_id: Uuid,
    pub rating: i32,
}

impl Feedback {
    /// Who gave it, for counting people: the participant, else (erased) the registration.
    pub fn rater(&self) -> Uuid {
        self.participant_id.unwrap_or(self.registration_id)
    }
}

/// A participant of the grant's project plan: an organisation, never a person.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectParticipant {
    pub key: String,
    pub sme: bool,
    /// Planned cost per work package, in euro cents.
    pub budget: Vec<(String, i64)>,
}

/// An approved cost of the grant's books (negative: a reversal or a credit note).
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectCost {
    pub participant: String,
    pub work_package: String,
    pub cost_type: String,
    pub minutes: i64,
    pub hourly_rate_cents: i64,
    pub invoiced_cents: i64,
    pub date: chrono::NaiveDate,
}

/// What the region pack says of the project: its work packages (id, name, phase) and
/// the grant its books are realised against.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRules {
    pub work_packages: Vec<(String, String, Option<String>)>,
    pub grant_name: String,
    /// Share of an eligible cost the grant pays, in percent.
    pub percentage: u32,
    /// The collaboration's cap.
    pub cap_cents: i64,
    pub eligibility: Option<llo_chassis::packs::Eligibility>,
}

/// A funding source of the region (budget from the region pack, or a sector rule).
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub budget_cents: Option<i64>,
}

impl Source {
    /// Public money: everything but the employer's own share.
    pub fn is_public(&self) -> bool {
        self.kind != "employer_share"
    }
}

/// A dimension of the sector's scan.
#[derive(Debug, Clone, PartialEq)]
pub struct Dimension {
    pub id: String,
    pub name: String,
    /// The sector whose scan has it, where the region's sectors do not share it: its
    /// companies alone are evaluated on it. `None`: every sector that has the id names
    /// it alike, so it is one region-wide row.
    pub sector: Option<String>,
}

/// A sector's scan as the packs give it: (sector id, sector name, its dimensions as
/// (id, name)).
pub type SectorScan<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);

/// The dimensions a view evaluates, from the scans of its sectors, leaving out the
/// sectors none of whose companies take part (when one does): an id that every sector
/// having it names alike is one row; an id named differently is a row per sector, its
/// name followed by the sector's, so "loopbaan" of two sectors is never averaged into one.
pub fn scan_dimensions(scans: &[SectorScan<'_>], taking_part: &[&str]) -> Vec<Dimension> {
    let any_taking_part = scans.iter().any(|(s, ..)| taking_part.contains(s));
    let scans: Vec<&SectorScan> = scans
        .iter()
        .filter(|(s, ..)| !any_taking_part || taking_part.contains(s))
        .collect();
    let mut dimensions: Vec<Dimension> = Vec::new();
    for (sector, sector_name, own) in &scans {
        for (id, name) in own {
            let named_alike = scans.iter().all(|(_, _, other)| {
                other
                    .iter()
                    .all(|(o_id, o_name)| o_id != id || o_name == name)
            });
            let dimension = if named_alike {
                Dimension {
                    id: (*id).to_owned(),
                    name: (*name).to_owned(),
                    sector: None,
                }
            } else {
                Dimension {
                    id: (*id).to_owned(),
                    name: format!("{name} ({sector_name})"),
                    sector: Some((*sector).to_owned()),
                }
            };
            if !dimensions.contains(&dimension) {
                dimensions.push(dimension);
            }
        }
    }
    dimensions
}

impl Dimension {
    /// Is a company of `sector` evaluated on this dimension?
    pub fn applies_to(&self, sector: &str) -> bool {
        self.sector.as_deref().is_none_or(|s| s == sector)
    }
}

/// Everything the read models hold for one region (optionally one sector).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub region: String,
    pub sector: Option<String>,
    pub min_group_size: u32,
    pub dimensions: Vec<Dimension>,
    pub sources: Vec<Source>,
    /// The labels of the region's skills lists (packs); a skill not in them shows its URI.
    pub skills: Vec<SkillLabel>,
    pub organisations: Vec<Organisation>,
    pub participants: Vec<Participant>,
    pub scans: Vec<Scan>,
    pub trajectories: Vec<Trajectory>,
    pub interventions: Vec<Intervention>,
    pub sessions: Vec<CoachingSession>,
    pub plans: Vec<Plan>,
    pub activities: Vec<Activity>,
    pub allocations: Vec<Allocation>,
    pub workshops: Vec<Workshop>,
    pub registrations: Vec<Registration>,
    pub feedback: Vec<Feedback>,
    pub knowledge_items: usize,
    pub project: Option<ProjectRules>,
    pub project_participants: Vec<ProjectParticipant>,
    pub project_costs: Vec<ProjectCost>,
    /// A sector's view keeps the region it was cut from: the suppression plans are made
    /// over the whole region, and a sector's figure is held against its siblings'.
    pub whole_region: Option<Box<Snapshot>>,
    /// The keys of the cells hidden in earlier anonymised answers about the region (its
    /// company rows, and each view's figures): they stay hidden, so that two answers
    /// apart in time cannot be subtracted either.
    pub remembered: std::collections::BTreeSet<String>,
}

impl Snapshot {
    /// Keeps only what belongs to the sector's companies (workshops and knowledge
    /// items are the region's learning community and stay).
    pub fn restrict_to_sector(mut self, sector: &str) -> Snapshot {
        let mut whole = self.clone();
        whole.whole_region = None;
        self.whole_region = Some(Box::new(whole));
        self.dimensions.retain(|d| d.applies_to(sector));
        self.keep_organisations(|o| o.sector == sector);
        // The grant's books are the whole collaboration's, not a sector's.
        self.project_participants.clear();
        self.project_costs.clear();
        self.sector = Some(sector.to_owned());
        self
    }

    /// Leaves these companies out, with everything about them: what a release holds
    /// back (see `release::held_back`).
    pub fn without(mut self, left_out: &std::collections::BTreeSet<Uuid>) -> Snapshot {
        self.keep_organisations(|o| !left_out.contains(&o.id));
        self
    }

    /// Keeps only the companies `keep` accepts and what belongs to them.
    fn keep_organisations(&mut self, keep: impl Fn(&Organisation) -> bool) {
        self.organisations.retain(keep);
        let ids: std::collections::HashSet<Uuid> =
            self.organisations.iter().map(|o| o.id).collect();
        self.participants
            .retain(|p| ids.contains(&p.organisation_id));
        self.scans.retain(|s| ids.contains(&s.organisation_id));
        self.trajectories
            .retain(|t| ids.contains(&t.organisation_id));
        self.interventions
            .retain(|i| ids.contains(&i.organisation_id));
        self.sessions.retain(|s| ids.contains(&s.organisation_id));
        self.plans.retain(|p| ids.contains(&p.organisation_id));
        self.activities.retain(|a| ids.contains(&a.organisation_id));
        self.allocations
            .retain(|a| ids.contains(&a.organisation_id));
        self.registrations
            .retain(|r| ids.contains(&r.organisation_id));
        self.feedback.retain(|f| ids.contains(&f.organisation_id));
    }

    /// The sectors of the whole region's companies other than this view's, in order.
    pub fn sibling_sectors(&self) -> Vec<String> {
        let whole = self.whole_region.as_deref().unwrap_or(self);
        let mut sectors: Vec<String> = whole
            .organisations
            .iter()
            .map(|o| o.sector.clone())
            .filter(|s| Some(s) != self.sector.as_ref())
            .collect();
        sectors.sort();
        sectors.dedup();
        sectors
    }

    pub fn scan(&self, organisation: Uuid, round: Round) -> Option<&Scan> {
        self.scans
            .iter()
            .find(|s| s.organisation_id == organisation && s.round == round)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_texts_read_back_and_unknown_ones_are_not_guessed() {
        for status in RegistrationStatus::ALL {
            assert_eq!(RegistrationStatus::parse(status.as_str()), Some(status));
        }
        for attendance in Attendance::ALL {
            assert_eq!(Attendance::parse(attendance.as_str()), Some(attendance));
        }
        for round in [Round::Baseline, Round::FollowUp] {
            assert_eq!(Round::parse(round.as_str()), Some(round));
        }
        assert_eq!(RegistrationStatus::parse(""), None);
        assert_eq!(RegistrationStatus::parse("postponed"), None);
        assert_eq!(Round::parse("midterm"), None);
    }

    #[test]
    fn a_seat_was_held_unless_waiting_or_cancelled() {
        let held: Vec<_> = RegistrationStatus::ALL
            .into_iter()
            .filter(|s| s.held_a_seat())
            .collect();
        assert_eq!(
            held,
            [
                RegistrationStatus::Booked,
                RegistrationStatus::AttendedFully,
                RegistrationStatus::AttendedPartially,
                RegistrationStatus::NoShow,
            ]
        );
    }

    #[test]
    fn size_classes_have_exact_bounds() {
        let classes: Vec<_> = [0, 9, 10, 49, 50, 249, 250]
            .into_iter()
            .map(SizeClass::of)
            .collect();
        use SizeClass::*;
        assert_eq!(classes, [Micro, Micro, Small, Small, Medium, Medium, Large]);
    }

    #[test]
    fn statuses_read_back_and_rank_in_their_life_cycle() {
        use TrajectoryStatus::*;
        for status in [Proposed, Active, Completed, Cancelled] {
            assert_eq!(TrajectoryStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(Proposed.as_str(), "proposed");
        assert_eq!(Cancelled.as_str(), "cancelled");
        assert_eq!(TrajectoryStatus::parse("done"), None);
        let ranks: Vec<_> = [Proposed, Active, Completed, Cancelled]
            .into_iter()
            .map(TrajectoryStatus::rank)
            .collect();
        assert_eq!(ranks, [1, 2, 3, 3]);
        assert_eq!(Round::Baseline.as_str(), "baseline");
        assert_eq!(Round::FollowUp.as_str(), "follow_up");
    }

    #[test]
    fn raters_sources_and_scores() {
        let registration_id = Uuid::new_v4();
        let participant = Uuid::new_v4();
        let mut feedback = Feedback {
            registration_id,
            participant_id: Some(participant),
            organisation_id: Uuid::new_v4(),
            rating: 4,
        };
        assert_eq!(feedback.rater(), participant);
        feedback.participant_id = None;
        assert_eq!(feedback.rater(), registration_id);
        let source = |kind: &str| Source {
            id: "s".into(),
            name: "S".into(),
            kind: kind.into(),
            budget_cents: None,
        };
        assert!(source("subsidy").is_public());
        assert!(!source("employer_share").is_public());
        let scan = Scan {
            organisation_id: Uuid::new_v4(),
            round: Round::Baseline,
            respondent_count: 3,
            scores: vec![
                DimensionScore {
                    dimension_id: "a".into(),
                    mean: 1.0,
                    respondents: 3,
                },
                DimensionScore {
                    dimension_id: "b".into(),
                    mean: 2.0,
                    respondents: 3,
                },
            ],
        };
        assert_eq!(scan.score("b").map(|s| s.mean), Some(2.0));
        assert!(scan.score("c").is_none());
    }

    /// Two companies, one in each sector, and one of every read model for each.
    fn two_sectors() -> (Snapshot, Uuid, Uuid) {
        let (metal, care) = (Uuid::new_v4(), Uuid::new_v4());
        let mut s = Snapshot {
            region: "twente".into(),
            ..Snapshot::default()
        };
        for (org, sector) in [(metal, "metal"), (care, "care")] {
            let person = Uuid::new_v4();
            let activity = Uuid::new_v4();
            s.organisations.push(Organisation {
                id: org,
                name: sector.into(),
                sector: sector.into(),
                employee_count: 10,
            });
            s.participants.push(Participant {
                id: person,
                organisation_id: org,
                uwv_referral: false,
                enrolled: true,
            });
            for round in [Round::Baseline, Round::FollowUp] {
                s.scans.push(Scan {
                    organisation_id: org,
                    round,
                    respondent_count: 5,
                    scores: vec![],
                });
            }
            s.trajectories.push(Trajectory {
                id: Uuid::new_v4(),
                organisation_id: org,
                status: TrajectoryStatus::Active,
                coach_assigned: true,
            });
            s.interventions.push(Intervention {
                id: Uuid::new_v4(),
                trajectory_id: Uuid::new_v4(),
                organisation_id: org,
                kind: "training".into(),
                dimension_id: "a".into(),
                planned_hours: 4,
            });
            s.sessions.push(CoachingSession {
                organisation_id: org,
                minutes: 60,
            });
            s.plans.push(Plan {
                participant_id: person,
                organisation_id: org,
            });
            s.activities.push(Activity {
                id: activity,
                participant_id: person,
                organisation_id: org,
                planned: true,
                planned_hours: 8,
                completed: false,
                actual_hours: 0,
                credential: false,
                completed_month: None,
                skill_uris: Vec::new(),
            });
            s.allocations.push(Allocation {
                activity_id: activity,
                participant_id: person,
                organisation_id: org,
                source: "slim".into(),
                amount_cents: 100,
            });
            let registration = Uuid::new_v4();
            s.registrations.push(Registration {
                id: registration,
                workshop_id: Uuid::new_v4(),
                participant_id: Some(person),
                organisation_id: org,
                status: Some(RegistrationStatus::Booked),
                attendance: None,
                hours: 0.0,
                attended_month: None,
            });
            s.feedback.push(Feedback {
                registration_id: registration,
                participant_id: Some(person),
                organisation_id: org,
                rating: 4,
            });
        }
        s.workshops.push(Workshop {
            id: Uuid::new_v4(),
            scheduled: true,
            cancelled: false,
        });
        s.knowledge_items = 2;
        (s, metal, care)
    }

    #[test]
    fn a_sector_keeps_only_its_companies_rows_and_the_regions_community() {
        let (s, metal, _) = two_sectors();
        let r = s.clone().restrict_to_sector("metal");
        assert_eq!(r.sector.as_deref(), Some("metal"));
        assert_eq!(r.region, "twente");
        assert_eq!(r.organisations.len(), 1);
        assert_eq!(r.organisations[0].id, metal);
        let orgs: Vec<Vec<Uuid>> = vec![
            r.participants.iter().map(|x| x.organisation_id).collect(),
            r.scans.iter().map(|x| x.organisation_id).collect(),
            r.trajectories.iter().map(|x| x.organisation_id).collect(),
            r.interventions.iter().map(|x| x.organisation_id).collect(),
            r.sessions.iter().map(|x| x.organisation_id).collect(),
            r.plans.iter().map(|x| x.organisation_id).collect(),
            r.activities.iter().map(|x| x.organisation_id).collect(),
            r.allocations.iter().map(|x| x.organisation_id).collect(),
            r.registrations.iter().map(|x| x.organisation_id).collect(),
            r.feedback.iter().map(|x| x.organisation_id).collect(),
        ];
        for (i, ids) in orgs.iter().enumerate() {
            assert!(!ids.is_empty(), "read model {i} emptied");
            assert!(ids.iter().all(|id| *id == metal), "read model {i}: {ids:?}");
        }
        assert_eq!(r.scans.len(), 2);
        assert_eq!(r.workshops, s.workshops);
        assert_eq!(r.knowledge_items, 2);
    }

    #[test]
    fn a_scan_is_found_by_company_and_round() {
        let (s, metal, care) = two_sectors();
        let scan = s.scan(care, Round::FollowUp).unwrap();
        assert_eq!((scan.organisation_id, scan.round), (care, Round::FollowUp));
        let scan = s.scan(metal, Round::FollowUp).unwrap();
        assert_eq!((scan.organisation_id, scan.round), (metal, Round::FollowUp));
        assert!(s.scan(Uuid::new_v4(), Round::Baseline).is_none());
    }
}
