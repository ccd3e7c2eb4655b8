//! The one place a mutating request is read: protobuf → domain command. Every field is
//! parsed and bounded here, and every bad one is named at once in one BadRequest, so a
//! bad request changes nothing. Fields that depend on the installation (regions and
//! their community themes) are read against its packs.
use chrono::Utc;
use llo_chassis::{
    ApiError,
    fields::{Fields, Name, Prose, Text, bounded, check_id, instant, optional_instant},
    idempotency::MAX_REQUEST_ID,
    packs::{OTHER_THEME, Packs, brief},
};
use llo_proto::community::v1 as pb;

use super::mapping;
use crate::domain::{
    commands::{
        Body, CancelRegistration, CancelWorkshop, Link, PublishKnowledgeItem, RecordAttendance,
        Region, RegisterForWorkshop, RegisterPartner, ScheduleWorkshop, SubmitWorkshopFeedback,
        Venue,
    },
    model::MemberType,
    rules,
};

/// The installation a request is read against: its regions and their themes.
#[derive(Clone, Copy)]
pub struct Installation<'a>(pub &'a Packs);

impl Installation<'_> {
    /// The community themes of the region's sectors (`None`: no such region here).
    pub fn themes(&self, region: &str) -> Option<Vec<String>> {
        let pack = self.0.region(region)?;
        Some(
            pack.sectors
                .iter()
                .filter_map(|s| self.0.sector(s))
                .flat_map(|s| s.themes.iter().map(|t| t.id.clone()))
                .collect(),
        )
    }

    /// A workshop recorded afterwards was held within the programme's calendar, when the
    /// region has one (one scheduled ahead may lie after it: the community goes on).
    fn within_calendar(
        &self,
        f: &mut Fields,
        region: Option<&str>,
        start: chrono::DateTime<Utc>,
        end: chrono::DateTime<Utc>,
    ) {
        let calendar = region.and_then(|r| self.0.region(r)?.calendar.as_ref());
        for (field, at) in [("start_time", start), ("end_time", end)] {
            if let Some(Err(why)) = calendar.map(|c| c.check(at)) {
                f.add(field, why);
            }
        }
    }

    /// A region field: present and installed.
    fn region(&self, value: &str) -> Result<Region, String> {
        let region = Name::required(value)?;
        if self.0.region(&region).is_none() {
            return Err("is not a region of this installation".into());
        }
        Ok(region.into_string())
    }
}

/// The caller's idempotency key, named among the other fields when it is too long (the
/// chassis' `RequestKey` refuses it too, but alone).
fn request_id(f: &mut Fields, value: &str) {
    if value.trim().chars().count() > MAX_REQUEST_ID {
        f.add(
            "request_id",
            format!("must be at most {MAX_REQUEST_ID} characters"),
        );
    }
}

/// An online link: http(s), no spaces, at most 500 characters; empty is none.
fn link(value: &str) -> Result<Option<Link>, String> {
    let Some(link) = Link::optional(value)?.non_empty() else {
        return Ok(None);
    };
    let rest = link
        .strip_prefix("https://")
        .or_else(|| link.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !link.chars().any(char::is_whitespace) => Ok(Some(link)),
        _ => Err("must be an http(s) link".into()),
    }
}

/// 0 is no limit; otherwise at least 1 and at most the capacity.
fn seats_per_company(seats: i32, capacity: i32) -> Result<Option<i32>, String> {
    match seats {
        0 => Ok(None),
        seats if (1..=capacity.max(1)).contains(&seats) => Ok(Some(seats)),
        _ => Err("must be 0 (no limit) or between 1 and the capacity".into()),
    }
}

/// A community theme: one of the region's sector packs' (when the region is known), or
/// `other`.
fn theme(known: Option<&[String]>, value: &str) -> Result<String, String> {
    let theme = Name::required(value)?.into_string();
    match known {
        Some(themes) if theme != OTHER_THEME && !themes.contains(&theme) => {
            let ids: Vec<&str> = themes.iter().map(String::as_str).collect();
            Err(format!(
                "{theme:?} is not a community theme of the region's sector packs; one of: {}, \
                 or {OTHER_THEME:?}",
                brief(&ids)
            ))
        }
        _ => Ok(theme),
    }
}

impl TryFrom<(pb::RegisterPartnerRequest, Installation<'_>)> for RegisterPartner {
    type Error = ApiError;
    fn try_from(
        (r, installation): (pb::RegisterPartnerRequest, Installation<'_>),
    ) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        request_id(&mut f, &r.request_id);
        let region = f.take("region", installation.region(&r.region));
        let member_type = f.take(
            "member_type",
            match mapping::member_type_from_proto(r.member_type) {
                None => Err("is required".to_owned()),
                Some(MemberType::Company) => Err(
                    "companies join through intake (RegisterOrganisation), not as partners".into(),
                ),
                Some(member_type) => Ok(member_type),
            },
        );
        let name = f.take("name", Name::required(&r.name));
        let contact_role = f.take("contact_role", Name::required(&r.contact_role));
        let (region, member_type, name, contact_role) =
            f.finish((region, member_type, name, contact_role))?;
        Ok(RegisterPartner {
            region,
            member_type,
            name,
            contact_role,
        })
    }
}

impl TryFrom<(pb::ScheduleWorkshopRequest, Installation<'_>)> for ScheduleWorkshop {
    type Error = ApiError;
    fn try_from(
        (r, installation): (pb::ScheduleWorkshopRequest, Installation<'_>),
    ) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        request_id(&mut f, &r.request_id);
        let region = f.take("region", installation.region(&r.region));
        let known = region.as_deref().and_then(|r| installation.themes(r));
        let theme = f.take("theme", theme(known.as_deref(), &r.theme));
        let title = f.take("title", Name::required(&r.title));
        let description = f.take("description", Prose::optional(&r.description));
        let starts_at = f.take("start_time", instant(r.start_time.as_ref()));
        let ends_at = f.take("end_time", instant(r.end_time.as_ref()));
        let cutoff = f.take(
            "registration_cutoff_time",
            optional_instant(r.registration_cutoff_time.as_ref()),
        );
        if let (Some(start), Some(end)) = (starts_at, ends_at) {
            let now = Utc::now();
            for (field, description) in
                rules::workshop_times(now, start, end, cutoff.flatten(), r.already_held)
            {
                f.add(field, description);
            }
            if r.already_held {
                installation.within_calendar(&mut f, region.as_deref(), start, end);
            }
        }
        let location = f.take("location", Name::optional(&r.location));
        let online_url = f.take("online_url", link(&r.online_url));
        let venue = match (location, online_url) {
            (Some(location), Some(online_url)) => {
                let venue = Venue {
                    location: location.non_empty(),
                    online_url,
                };
                if venue.location.is_none() && venue.online_url.is_none() {
                    f.add("location", "a place or an online link is required");
                }
                Some(venue)
            }
            _ => None,
        };
        let capacity = f.take("capacity", bounded(r.capacity, 1..=rules::MAX_CAPACITY));
        let seats = f.take(
            "seats_per_company",
            seats_per_company(r.seats_per_company, r.capacity),
        );
        let host = f.take("host_member_id", check_id(&r.host_member_id));
        let facilitators = facilitator_ids(&mut f, r.facilitator_ids);
        let (
            region,
            theme,
            title,
            description,
            starts_at,
            ends_at,
            cutoff,
            venue,
            capacity,
            seats_per_company,
            (host_member_id, facilitator_ids),
        ) = f.finish((
            region,
            theme,
            title,
            description,
            starts_at,
            ends_at,
            cutoff,
            venue,
            capacity,
            seats,
            host.zip(facilitators),
        ))?;
        Ok(ScheduleWorkshop {
            region,
            theme,
            title,
            description,
            starts_at,
            ends_at,
            registration_closes_at: cutoff.unwrap_or(starts_at),
            venue,
            capacity,
            seats_per_company,
            host_member_id,
            facilitator_ids,
            already_held: r.already_held,
        })
    }
}

/// The people who run a workshop: at most ten ids, each once.
fn facilitator_ids(f: &mut Fields, ids: Vec<String>) -> Option<Vec<String>> {
    const MAX_FACILITATORS: usize = 10;
    let ids = f.list("facilitator_ids", ids, MAX_FACILITATORS, |f, path, id| {
        f.take(path, Text::<128>::required(&id))
            .map(|id| id.as_str().to_owned())
    })?;
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            f.add(
                format!("facilitator_ids[{i}]"),
                format!("{id} is listed twice"),
            );
        }
    }
    Some(ids)
}

impl TryFrom<pb::CancelWorkshopRequest> for CancelWorkshop {
    type Error = ApiError;
    fn try_from(r: pb::CancelWorkshopRequest) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        request_id(&mut f, &r.request_id);
        let workshop_id = f.take("workshop_id", check_id(&r.workshop_id));
        let reason = f.take("reason", Prose::optional(&r.reason));
        let (workshop_id, reason) = f.finish((workshop_id, reason))?;
        Ok(CancelWorkshop {
            workshop_id,
            reason,
        })
    }
}

impl TryFrom<pb::RegisterForWorkshopRequest> for RegisterForWorkshop {
    type Error = ApiError;
    fn try_from(r: pb::RegisterForWorkshopRequest) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        request_id(&mut f, &r.request_id);
        let workshop_id = f.take("workshop_id", check_id(&r.workshop_id));
        let participant_id = f.take("participant_id", check_id(&r.participant_id));
        let (workshop_id, participant_id) = f.finish((workshop_id, participant_id))?;
        Ok(RegisterForWorkshop {
            workshop_id,
            participant_id,
        })
    }
}

impl TryFrom<pb::CancelRegistrationRequest> for CancelRegistration {
    type Error = ApiError;
    fn try_from(r: pb::CancelRegistrationRequest) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        request_id(&mut f, &r.request_id);
        let registration_id = f.take("registration_id", check_id(&r.registration_id));
        let reason = f.take("reason", Prose::optional(&r.reason));
        let (registration_id, reason) = f.finish((registration_id, reason))?;
        Ok(CancelRegistration {
            registration_id,
            reason,
        })
    }
}

impl TryFrom<pb::RecordAttendanceRequest> for RecordAttendance {
    type Error = ApiError;
    fn try_from(r: pb::RecordAttendanceRequest) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        request_id(&mut f, &r.request_id);
        let registration_id = f.take("registration_id", check_id(&r.registration_id));
        let attendance = f.take(
            "attendance",
            mapping::attendance_from_proto(r.attendance)
                .ok_or_else(|| "is required: fully, partially attended or no-show".to_owned()),
        );
        // Everything but the workshop's length, which is checked once it is at hand.
        let hours_attended = attendance.and_then(|attendance| {
            f.take(
                "hours_attended",
                rules::minutes_attended(attendance, r.hours_attended, rules::MAX_WORKSHOP_MINUTES)
                    .map(|_| r.hours_attended),
            )
        });
        let (registration_id, attendance, hours_attended) =
            f.finish((registration_id, attendance, hours_attended))?;
        Ok(RecordAttendance {
            registration_id,
            attendance,
            hours_attended,
        })
    }
}

impl TryFrom<pb::SubmitWorkshopFeedbackRequest> for SubmitWorkshopFeedback {
    type Error = ApiError;
    fn try_from(r: pb::SubmitWorkshopFeedbackRequest) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        request_id(&mut f, &r.request_id);
        let registration_id = f.take("registration_id", check_id(&r.registration_id));
        let rating = f.take("rating", bounded(r.rating, 1..=5));
        let comment = f.take("comment", Prose::optional(&r.comment));
        let (registration_id, rating, comment) = f.finish((registration_id, rating, comment))?;
        Ok(SubmitWorkshopFeedback {
            registration_id,
            rating,
            comment,
        })
    }
}

impl TryFrom<(pb::PublishKnowledgeItemRequest, Installation<'_>)> for PublishKnowledgeItem {
    type Error = ApiError;
    fn try_from(
        (r, installation): (pb::PublishKnowledgeItemRequest, Installation<'_>),
    ) -> Result<Self, ApiError> {
        let mut f = Fields::new();
        request_id(&mut f, &r.request_id);
        let region = f.take("region", installation.region(&r.region));
        let kind = f.take(
            "kind",
            mapping::kind_from_proto(r.kind).ok_or_else(|| {
                "is required: learning experience, instrument or strategy".to_owned()
            }),
        );
        let title = f.take("title", Name::required(&r.title));
        let body = f.take("body", Body::required(&r.body));
        let known = region
            .as_deref()
            .and_then(|r| installation.themes(r))
            .unwrap_or_default();
        let themes = f.list("themes", r.themes, rules::MAX_THEMES, |f, path, raw| {
            f.take(path, theme(Some(&known), &raw))
        });
        let author = f.take("author_member_id", check_id(&r.author_member_id));
        let visibility = f.take(
            "visibility",
            mapping::visibility_from_proto(r.visibility)
                .ok_or_else(|| "is required: community or public".to_owned()),
        );
        let (region, kind, title, body, themes, author_member_id, visibility) =
            f.finish((region, kind, title, body, themes, author, visibility))?;
        Ok(PublishKnowledgeItem {
            region,
            kind,
            title,
            body,
            themes,
            author_member_id,
            visibility,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_seats() {
        assert_eq!(link(""), Ok(None));
        assert_eq!(
            link(" https://meet.example.nl/abc ")
                .unwrap()
                .unwrap()
                .as_str(),
            "https://meet.example.nl/abc"
        );
        assert!(link("ftp://x").is_err());
        assert!(link("https://").is_err());
        assert!(link("https://a b").is_err());
        assert!(link(&format!("https://{}", "x".repeat(500))).is_err());
        assert_eq!(seats_per_company(0, 10), Ok(None));
        assert_eq!(seats_per_company(10, 10), Ok(Some(10)));
        assert!(seats_per_company(11, 10).is_err());
        assert!(seats_per_company(-1, 10).is_err());
    }

    #[test]
    fn a_theme_is_one_of_the_regions_when_the_region_is_known() {
        let known = ["hr-netwerkcafe".to_owned()];
        assert_eq!(
            theme(Some(&known), " hr-netwerkcafe "),
            Ok("hr-netwerkcafe".to_owned())
        );
        assert!(
            theme(Some(&known), "breien")
                .unwrap_err()
                .contains("hr-netwerkcafe")
        );
        assert_eq!(theme(Some(&known), "other"), Ok("other".to_owned()));
        assert_eq!(theme(None, "breien"), Ok("breien".to_owned()));
        assert_eq!(theme(None, " ").unwrap_err(), "is required");
    }
}
