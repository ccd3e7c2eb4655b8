use std::collections::HashMap;

use diesel_async::AsyncConnection as _;
use llo_chassis::{
    ApiError, Violations,
    auth::Caller,
    bus::record,
    fields::non_empty,
    idempotency::{self, RequestKey},
    paging::Page,
};
use llo_proto::community::v1 as pb;
use uuid::Uuid;

use super::{
    Context, check_request_id, id_field, mapping, named_region, own_organisation, position_after,
    position_token, visible_member,
};
use crate::{
    domain::{model::KnowledgeKind, rules},
    events,
    store::knowledge::{self, NewKnowledgeItem},
};

/// How long a listing without text shows of the body.
const PREVIEW_CHARS: usize = 200;
/// How deep a search pages (relevance paging is by position).
const MAX_OFFSET: i64 = 10_000;

pub async fn publish(
    ctx: &Context,
    caller: &Caller,
    request: pb::PublishKnowledgeItemRequest,
) -> Result<pb::PublishKnowledgeItemResponse, ApiError> {
    let mut violations = Violations::new();
    check_request_id(&request.request_id, &mut violations);
    let region = ctx.region_field(&request.region, &mut violations);
    let kind = mapping::kind_from_proto(request.kind);
    if kind.is_none() {
        violations.add(
            "kind",
            "is required: learning experience, instrument or strategy",
        );
    }
    violations.require_text("title", &request.title, rules::MAX_NAME);
    violations.require_text("body", &request.body, rules::MAX_BODY);
    let themes: Vec<String> = request.themes.iter().map(|t| t.trim().to_owned()).collect();
    if themes.len() > rules::MAX_THEMES {
        violations.add("themes", format!("at most {} themes", rules::MAX_THEMES));
    }
    let known = ctx.themes(&region).unwrap_or_default();
    for (index, theme) in themes.iter().enumerate() {
        if !known.iter().any(|t| t == theme) {
            violations.add(
                format!("themes[{index}]"),
                "is not a community theme of the region's sector packs",
            );
        }
    }
    let author = id_field(
        "author_member_id",
        &request.author_member_id,
        &mut violations,
    );
    let visibility = mapping::visibility_from_proto(request.visibility);
    if visibility.is_none() {
        violations.add("visibility", "is required: community or public");
    }
    violations.into_result()?;
    let (Some(kind), Some(author), Some(visibility)) = (kind, author, visibility) else {
        return Err(ApiError::invalid("request", "is invalid"));
    };
    named_region(caller, &region)?;
    let key = RequestKey::new(
        caller,
        "PublishKnowledgeItem",
        &request.request_id,
        &request,
    )?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let author = visible_member(conn, caller, author).await?;
            if author.region != region {
                return Err(ApiError::not_found(format!(
                    "member {} in {region}",
                    author.id
                )));
            }
            if let Some(own) = own_organisation(caller)
                && author.organisation_id != Some(own)
            {
                return Err(ApiError::denied(
                    "a company publishes as its own member only",
                ));
            }
            let new = NewKnowledgeItem {
                id: Uuid::now_v7(),
                region: &region,
                kind: kind.as_str(),
                title: request.title.trim(),
                body: request.body.trim(),
                themes: &themes,
                author_member_id: author.id,
                visibility: visibility.as_str(),
            };
            let row = knowledge::insert(conn, &new).await?;
            record(conn, &row.region, &events::knowledge_item_published(&row)).await?;
            Ok(pb::PublishKnowledgeItemResponse {
                item: Some(mapping::knowledge_item(&row)),
            })
        })
        .await
    })
    .await
}

pub async fn search(
    ctx: &Context,
    caller: &Caller,
    request: pb::SearchKnowledgeRequest,
) -> Result<pb::SearchKnowledgeResponse, ApiError> {
    let mut violations = Violations::new();
    violations.check(
        "query",
        rules::optional_text(&request.query, rules::MAX_QUERY),
    );
    let kind = match request.kind {
        0 => None,
        value => {
            let kind = mapping::kind_from_proto(value);
            if kind.is_none() {
                violations.add("kind", "is not a knowledge item kind");
            }
            kind
        }
    };
    let page = Page::from_request(request.page_size, &request.page_token);
    if let Err(ApiError::InvalidArgument(bad)) = &page {
        for v in bad {
            violations.add(v.field.clone(), v.description.clone());
        }
    }
    violations.into_result()?;
    let page = page?;
    let offset = position_after(&page)?.unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(ApiError::invalid(
            "page_token",
            "is not a token this service issued",
        ));
    }
    let regions: Vec<String> = super::listing_regions(caller, &request.region)?
        .into_iter()
        .map(str::to_owned)
        .collect();
    let text = non_empty(&request.query);
    let mut conn = ctx.pool.get().await?;
    let hits = knowledge::search(
        &mut conn,
        &knowledge::Search {
            text,
            regions,
            theme: non_empty(&request.theme),
            kind: kind.map(KnowledgeKind::as_str),
            offset,
            limit: page.fetch_limit(),
        },
    )
    .await?;
    let returned = usize::try_from(page.size)
        .unwrap_or(usize::MAX)
        .min(hits.len());
    let next = offset + i64::try_from(returned).unwrap_or(0);
    let (hits, next_page_token) = page.finish(hits, |_| position_token(next));
    // Snippets for this page only.
    let snippets: HashMap<Uuid, String> = match text {
        Some(text) if !hits.is_empty() => {
            let ids: Vec<Uuid> = hits.iter().map(|h| h.item.id).collect();
            knowledge::snippets(&mut conn, text, &ids)
                .await?
                .into_iter()
                .map(|s| (s.id, s.snippet))
                .collect()
        }
        _ => HashMap::new(),
    };
    Ok(pb::SearchKnowledgeResponse {
        results: hits
            .iter()
            .map(|hit| pb::KnowledgeSearchResult {
                item: Some(mapping::knowledge_item(&hit.item)),
                snippet: snippets
                    .get(&hit.item.id)
                    .cloned()
                    .unwrap_or_else(|| hit.item.body.chars().take(PREVIEW_CHARS).collect()),
                score: hit.score,
            })
            .collect(),
        next_page_token,
    })
}
