//! What callers ask community to do, as plain domain values: every field read and
//! bounded once, at the edge (`api::commands`), before any rule or store sees it.
use chrono::{DateTime, Utc};
use llo_chassis::fields::{Name, Prose, Text};
use uuid::Uuid;

use super::{
    model::{KnowledgeKind, MemberType, Visibility},
    registration::Attendance,
};

/// A knowledge item's body: longer than other prose (a whole article).
pub type Body = Text<100_000>;
/// An http(s) link.
pub type Link = Text<500>;

/// A region of this installation, as a caller named it.
pub type Region = String;

/// A partner joins the region's community (companies join through intake).
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterPartner {
    pub region: Region,
    pub member_type: MemberType,
    pub name: Name,
    pub contact_role: Name,
}

/// Where a workshop takes place: a place, an online link, or both (never neither).
#[derive(Debug, Clone, PartialEq)]
pub struct Venue {
    pub location: Option<Name>,
    pub online_url: Option<Link>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleWorkshop {
    pub region: Region,
    /// One of the community themes of the region's sector packs.
    pub theme: String,
    pub title: Name,
    pub description: Prose,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The cut-off for registrations (the start when none was given).
    pub registration_closes_at: DateTime<Utc>,
    pub venue: Venue,
    pub capacity: i32,
    /// `None`: no limit per company.
    pub seats_per_company: Option<i32>,
    pub host_member_id: Uuid,
    /// The people who run it: ids, never names.
    pub facilitator_ids: Vec<String>,
    /// Recorded afterwards: held already, on a day of the programme's calendar.
    pub already_held: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CancelWorkshop {
    pub workshop_id: Uuid,
    pub reason: Prose,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RegisterForWorkshop {
    pub workshop_id: Uuid,
    pub participant_id: Uuid,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CancelRegistration {
    pub registration_id: Uuid,
    /// Empty when none was given.
    pub reason: Prose,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecordAttendance {
    pub registration_id: Uuid,
    pub attendance: Attendance,
    /// In quarter hours; checked against the workshop's length when it is at hand
    /// (`rules::minutes_attended`).
    pub hours_attended: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SubmitWorkshopFeedback {
    pub registration_id: Uuid,
    /// 1 to 5.
    pub rating: i32,
    pub comment: Prose,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PublishKnowledgeItem {
    pub region: Region,
    pub kind: KnowledgeKind,
    pub title: Name,
    pub body: Body,
    /// Community themes of the region's sector packs.
    pub themes: Vec<String>,
    pub author_member_id: Uuid,
    pub visibility: Visibility,
}
