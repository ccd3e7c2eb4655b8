use std::collections::HashMap;

use diesel_async::AsyncConnection as _;
use llo_chassis::{
    ApiError, Violations,
    auth::Caller,
    bus::record,
    fields::{Text, non_empty},
    idempotency::{self, RequestKey},
    paging::Page,
};
use llo_proto::community::v1 as pb;
use uuid::Uuid;

use super::{Context, mapping, position_after, position_token, visible_member};
use crate::{
    domain::{commands::PublishKnowledgeItem, model::KnowledgeKind, rules, snippet},
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
    let key = RequestKey::new(
        caller,
        "PublishKnowledgeItem",
        &request.request_id,
        &request,
    );
    let command = PublishKnowledgeItem::try_from((request, ctx.installation()))?;
    let key = key?;
    let region = &command.region;
    caller.require_region(region)?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let author = visible_member(conn, caller, command.author_member_id).await?;
            if &author.region != region {
                return Err(ApiError::not_found(format!(
                    "member {} in {region}",
                    author.id
                )));
            }
            if let Some(own) = caller.own_organisation()
                && author.organisation_id != Some(own)
            {
                return Err(ApiError::denied(
                    "a company publishes as its own member only",
                ));
            }
            let new = NewKnowledgeItem {
                id: Uuid::now_v7(),
                region,
                kind: command.kind.as_str(),
                title: &command.title,
                body: &command.body,
                themes: &command.themes,
                author_member_id: author.id,
                visibility: command.visibility.as_str(),
            };
            let row = knowledge::insert(conn, &new).await?;
            record(conn, &events::knowledge_item_published(&row)).await?;
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
        Text::<{ rules::MAX_QUERY }>::optional(&request.query).map(|_| ()),
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
    let regions: Vec<String> = caller
        .listing_regions(&request.region)?
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
                .map(|s| (s.id, snippet::html(&s.snippet, text)))
                .collect()
        }
        _ => HashMap::new(),
    };
    Ok(pb::SearchKnowledgeResponse {
        results: hits
            .iter()
            .map(|hit| pb::KnowledgeSearchResult {
                item: Some(mapping::knowledge_item(&hit.item)),
                snippet: snippets.get(&hit.item.id).cloned().unwrap_or_else(|| {
                    let preview: String = hit.item.body.chars().take(PREVIEW_CHARS).collect();
                    snippet::html(&preview, text.unwrap_or_default())
                }),
                score: hit.score,
            })
            .collect(),
        next_page_token,
    })
}
