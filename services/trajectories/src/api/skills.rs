//! SearchSkills: the skills of a region's skills lists (pack data, a subset of ESCO per
//! sector) found by Dutch or English words, for the skill URIs goals and offerings name.
use llo_chassis::{
    ApiError,
    auth::Caller,
    fields::{Fields, Text},
    packs::Skills,
};
use llo_proto::trajectories::v1 as pb;

use super::Context;
use crate::store::skills::{self as store, Candidate};

const DEFAULT_PAGE: i32 = 20;
const MAX_PAGE: i32 = 100;

pub async fn search(
    ctx: &Context,
    _caller: &Caller,
    request: pb::SearchSkillsRequest,
) -> Result<pb::SearchSkillsResponse, ApiError> {
    let (skills, query, limit) = parse(ctx, &request)?;
    let candidates: Vec<Candidate<'_>> = skills
        .all()
        .iter()
        .map(|s| Candidate {
            uri: &s.skill.uri,
            nl: &s.skill.nl,
            en: &s.skill.en,
        })
        .collect();
    if candidates.is_empty() {
        return Ok(pb::SearchSkillsResponse::default());
    }
    let mut conn = ctx.pool.get().await?;
    let found = store::search(&mut conn, &query, &candidates, limit).await?;
    Ok(pb::SearchSkillsResponse {
        skills: found
            .iter()
            .filter_map(|f| skills.get(&f.uri))
            .map(|s| pb::Skill {
                uri: s.skill.uri.clone(),
                label_nl: s.skill.nl.clone(),
                label_en: s.skill.en.clone(),
                list_id: s.list_id.clone(),
                list_version: s.list_version.clone(),
            })
            .collect(),
    })
}

/// The skills to search (the region's, or one sector's of it), the words and the limit;
/// every bad field named at once.
fn parse(ctx: &Context, r: &pb::SearchSkillsRequest) -> Result<(Skills, String, i64), ApiError> {
    let mut f = Fields::new();
    let packs = &ctx.packs;
    let region = f.take(
        "region",
        Text::<100>::required(&r.region).and_then(|region| match packs.region(&region) {
            Some(pack) => Ok(pack.clone()),
            None => Err(format!("unknown region {:?}", region.as_str())),
        }),
    );
    let query = f.take("query", Text::<200>::required(&r.query));
    let page_size = f.take(
        "page_size",
        match r.page_size {
            0 => Ok(DEFAULT_PAGE),
            n if (1..=MAX_PAGE).contains(&n) => Ok(n),
            _ => Err(format!(
                "must be between 1 and {MAX_PAGE} (0: {DEFAULT_PAGE})"
            )),
        },
    );
    let sector = r.sector.trim();
    let sector = match (&region, sector) {
        (_, "") => Some(None),
        (Some(region), sector) if region.sectors.iter().any(|s| s == sector) => {
            Some(packs.sector(sector).cloned())
        }
        (Some(region), sector) => {
            f.add(
                "sector",
                format!(
                    "{sector:?} is not a sector of region {}; one of: {}",
                    region.id,
                    region.sectors.join(", ")
                ),
            );
            None
        }
        (None, _) => None,
    };
    let (region, query, page_size, sector) = f.finish((region, query, page_size, sector))?;
    let skills = match sector {
        Some(sector) => Skills::of(packs, [&*sector]),
        None => Skills::of_region(packs, &region.id).unwrap_or_default(),
    };
    Ok((skills, query.into_string(), i64::from(page_size)))
}
