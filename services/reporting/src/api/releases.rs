//! Releases: PublishRelease computes every anonymised answer of a region once, under the
//! region's lock, and keeps it unchanged; ListReleases lists them; `served` answers a
//! read from one. Evaluators and region-wide integrators only ever read these.
use chrono::{SubsecRound as _, Utc};
use diesel_async::{AsyncConnection as _, AsyncPgConnection};
use llo_chassis::{
    ApiError,
    auth::Caller,
    idempotency::{self, RequestKey},
};
use llo_proto::reporting::v1 as pb;
use prost::Message;

use super::{Context, figures, mapping};
use crate::{
    domain::{
        queries::{Format, PublishRelease, Scope},
        release::{Answer, Release, held_back},
        suppression::Rule,
    },
    export, store,
};

pub async fn publish(
    ctx: &Context,
    caller: &Caller,
    request: pb::PublishReleaseRequest,
) -> Result<pb::Release, ApiError> {
    let key = RequestKey::new(caller, "PublishRelease", &request.request_id, &request);
    let command = PublishRelease::try_from((request, ctx.installation()))?;
    let key = key?;
    caller.require_region(&command.region)?;
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        idempotency::once(conn, key.as_ref(), async |conn| {
            let release = publish_next(ctx, conn, caller, &command).await?;
            tracing::info!(
                region = %release.region,
                release = release.number,
                organisations = release.organisation_ids.len(),
                held_back = release.held_back,
                "release published"
            );
            Ok(mapping::release(&release))
        })
        .await
    })
    .await
}

/// Computes and stores the region's next release, inside the caller's transaction.
async fn publish_next(
    ctx: &Context,
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    command: &PublishRelease,
) -> Result<Release, ApiError> {
    let region = command.region.as_str();
    store::releases::lock(conn, region).await?;
    let sectors: Vec<String> = ctx
        .packs
        .region(region)
        .map(|pack| pack.sectors.clone())
        .unwrap_or_default();
    let previous = store::releases::find(conn, region, None).await?;
    let whole = ctx.snapshot(conn, region, None).await?;
    let held = held_back(
        &whole,
        previous.as_ref().map(|p| p.organisation_ids.as_slice()),
    );
    let whole = whole.without(&held);
    // Every view from the same snapshot and memory, then what they hid remembered: the
    // views of one release are planned together (see `domain::figures::siblings`).
    let mut views = vec![whole.clone()];
    for sector in &sectors {
        views.push(ctx.view(whole.clone(), sector));
    }
    let release = Release {
        region: region.to_owned(),
        number: store::releases::next_number(conn, region).await?,
        // As the store keeps it, so that the answer and a later list agree.
        published_at: Utc::now().trunc_subsecs(6),
        published_by: caller.subject.clone(),
        note: command.note.clone(),
        as_of: store::read::as_of(conn, region).await?,
        min_group_size: whole.min_group_size as i32,
        sectors,
        organisation_ids: whole.organisations.iter().map(|o| o.id).collect(),
        held_back: held.len() as i32,
    };
    let stamp = Some(mapping::release(&release));
    let rule = Rule::anonymised(whole.min_group_size);
    let mut answers: Vec<(String, Vec<u8>)> = Vec::new();
    for view in &views {
        let sector = view.sector.as_deref();
        let mut overview = figures::overview_answer(view, &rule, release.as_of);
        overview.release = stamp.clone();
        answers.push((Answer::Overview(sector).key(), overview.encode_to_vec()));
        let mut evaluation = figures::evaluation_answer(view, &rule);
        evaluation.release = stamp.clone();
        answers.push((Answer::Evaluation(sector).key(), evaluation.encode_to_vec()));
        let mut report = super::export::report_of(ctx, view);
        report.release = Some(release.clone());
        for format in [Format::Html, Format::Json, Format::Csv] {
            let file = export::render(&report, format).into_bytes();
            answers.push((Answer::Report(sector, format).key(), file));
        }
    }
    let mut funding = figures::funding_answer(&whole, &rule);
    funding.release = stamp.clone();
    answers.push((Answer::Funding.key(), funding.encode_to_vec()));
    for organisation in &whole.organisations {
        let mut progress = figures::progress_answer(&whole, organisation, &rule);
        progress.release = stamp.clone();
        answers.push((
            Answer::Progress(organisation.id).key(),
            progress.encode_to_vec(),
        ));
    }
    for view in &views {
        ctx.remember(conn, view, &rule).await?;
    }
    store::releases::insert(conn, &release, &answers).await?;
    Ok(release)
}

pub async fn list(
    ctx: &Context,
    caller: &Caller,
    request: pb::ListReleasesRequest,
) -> Result<pb::ListReleasesResponse, ApiError> {
    let scope = Scope::try_from((request, ctx.installation()))?;
    caller.require_region(&scope.region)?;
    let mut conn = ctx.pool.get().await?;
    let releases = store::releases::list(&mut conn, &scope.region).await?;
    Ok(pb::ListReleasesResponse {
        releases: releases.iter().map(mapping::release).collect(),
    })
}

/// One answer of a release (the numbered one, else the latest) as it was published.
pub async fn stored(
    conn: &mut AsyncPgConnection,
    region: &str,
    number: Option<i32>,
    answer: Answer<'_>,
) -> Result<(Release, Vec<u8>), ApiError> {
    let Some(release) = store::releases::find(conn, region, number).await? else {
        return Err(match number {
            Some(number) => ApiError::not_found(format!("release {number} of region {region}")),
            None => ApiError::precondition(
                "NO_RELEASE",
                format!(
                    "no release of region {region} has been published yet: anonymised figures \
                     come only from releases, which a programme manager of the region \
                     publishes (PublishRelease)"
                ),
            ),
        });
    };
    let Some(body) = store::releases::answer(conn, region, release.number, &answer.key()).await?
    else {
        return Err(ApiError::not_found(format!(
            "{} in release {} of region {region}",
            answer.describe(),
            release.number
        )));
    };
    Ok((release, body))
}

/// A read answered from a release: the response as it was published.
pub async fn served<M: Message + Default>(
    conn: &mut AsyncPgConnection,
    region: &str,
    number: Option<i32>,
    answer: Answer<'_>,
) -> Result<M, ApiError> {
    let (release, body) = stored(conn, region, number, answer).await?;
    M::decode(body.as_slice()).map_err(|e| {
        ApiError::Unexpected(anyhow::anyhow!(
            "{} of release {} of region {region} does not decode: {e}",
            answer.key(),
            release.number
        ))
    })
}
