use llo_chassis::auth::Role;
use llo_proto::community::v1 as pb;
use tonic::Code;

use crate::helpers::*;

async fn publish(client: &mut Client, author: &str, title: &str, body: &str) -> String {
    publish_as(
        client,
        author,
        (title, body),
        pb::KnowledgeItemKind::LearningExperience,
        "instrumenten-leercultuur",
    )
    .await
}

async fn publish_as(
    client: &mut Client,
    author: &str,
    (title, body): (&str, &str),
    kind: pb::KnowledgeItemKind,
    theme: &str,
) -> String {
    client
        .publish_knowledge_item(pb::PublishKnowledgeItemRequest {
            request_id: String::new(),
            region: REGION.into(),
            kind: kind as i32,
            title: title.into(),
            body: body.into(),
            themes: vec![theme.into()],
            author_member_id: author.into(),
            visibility: pb::KnowledgeVisibility::Community as i32,
        })
        .await
        .unwrap()
        .into_inner()
        .item
        .unwrap()
        .knowledge_item_id
}

async fn search(
    client: &mut Client,
    query: &str,
    page_size: i32,
    token: &str,
) -> pb::SearchKnowledgeResponse {
    client
        .search_knowledge(pb::SearchKnowledgeRequest {
            query: query.into(),
            page_size,
            page_token: token.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

fn ids(response: &pb::SearchKnowledgeResponse) -> Vec<String> {
    // Compared with `[&str]` below.
    response
        .results
        .iter()
        .map(|r| r.item.as_ref().unwrap().knowledge_item_id.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn dutch_search_finds_inflections_accents_and_parts_of_compounds_best_first() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let author = app.company("Nijhuis Groep").await;
    // The oldest: an instrument on another theme, "medewerkers" once in its body.
    let floor = publish_as(
        &mut coach,
        &author,
        (
            "Leren op de vloer",
            "Ervaren medewerkers nemen nieuwe collega's mee op de werkvloer.",
        ),
        pb::KnowledgeItemKind::Instrument,
        "other",
    )
    .await;
    let training = publish(
        &mut coach,
        &author,
        "Bedrijfsopleidingen in de metaal",
        "Hoe wij **vakmanschap** borgen met interne bedrijfsopleidingen en een leermeester.",
    )
    .await;
    let ideas = publish(
        &mut coach,
        &author,
        "Werkoverleg met medewerkers als leermoment",
        "Nieuwe ideeën van medewerkers komen in het werkoverleg op tafel.",
    )
    .await;
    let planning = publish(
        &mut coach,
        &author,
        "Strategische personeelsplanning",
        "Medewerkers ontwikkelen zich wanneer leidinggevenden daar tijd voor maken. \
         Ontwikkeling vraagt om ruimte.",
    )
    .await;

    // An inflected word: "ontwikkelingen" and "ontwikkelen" share their stem.
    let found = search(&mut coach, "ontwikkelingen", 10, "").await;
    assert_eq!(ids(&found), [planning.as_str()]);
    assert!(
        found.results[0].snippet.contains("<b>"),
        "{}",
        found.results[0].snippet
    );

    // With and without the accent.
    assert_eq!(
        ids(&search(&mut coach, "ideeen", 10, "").await),
        [ideas.as_str()]
    );
    assert_eq!(
        ids(&search(&mut coach, "ideeën", 10, "").await),
        [ideas.as_str()]
    );

    // A part of a compound word.
    let found = search(&mut coach, "opleiding", 10, "").await;
    assert_eq!(ids(&found), [training.as_str()]);

    // Best match first, not newest or oldest first: the word in the title and the body
    // (ideas, published second) beats the body alone; equal matches newest first
    // (planning, then floor, the oldest).
    let all = search(&mut coach, "medewerkers", 10, "").await;
    assert_eq!(
        ids(&all),
        [ideas.as_str(), planning.as_str(), floor.as_str()]
    );
    assert!(all.results[0].score > all.results[1].score);
    assert_eq!(all.results[1].score, all.results[2].score);

    // Paged, each page with its own snippets.
    let first = search(&mut coach, "medewerkers", 1, "").await;
    assert_eq!(ids(&first), [ideas.as_str()]);
    assert!(!first.next_page_token.is_empty());
    let second = search(&mut coach, "medewerkers", 1, &first.next_page_token).await;
    assert_eq!(ids(&second), [planning.as_str()]);
    assert!(second.results[0].snippet.contains("<b>"));
    let third = search(&mut coach, "medewerkers", 1, &second.next_page_token).await;
    assert_eq!(ids(&third), [floor.as_str()]);
    assert!(third.next_page_token.is_empty());

    // Filters that match, and filters that leave nothing; a word that is nowhere finds
    // nothing.
    let filtered = |kind: pb::KnowledgeItemKind, theme: &str| pb::SearchKnowledgeRequest {
        query: "medewerkers".into(),
        kind: kind as i32,
        theme: theme.into(),
        ..Default::default()
    };
    let mut found = async |request| coach.search_knowledge(request).await.unwrap().into_inner();
    let instruments = found(filtered(pb::KnowledgeItemKind::Instrument, "")).await;
    assert_eq!(ids(&instruments), [floor.as_str()]);
    let on_theme = found(filtered(
        pb::KnowledgeItemKind::Unspecified,
        "instrumenten-leercultuur",
    ))
    .await;
    assert_eq!(ids(&on_theme), [ideas.as_str(), planning.as_str()]);
    let neither = found(filtered(
        pb::KnowledgeItemKind::Instrument,
        "instrumenten-leercultuur",
    ))
    .await;
    assert!(neither.results.is_empty());
    assert!(
        found(pb::SearchKnowledgeRequest {
            query: "zorgrobot".into(),
            ..Default::default()
        })
        .await
        .results
        .is_empty()
    );
    // No text: the newest first.
    assert_eq!(
        ids(&search(&mut coach, "", 10, "").await),
        [
            planning.as_str(),
            ideas.as_str(),
            training.as_str(),
            floor.as_str()
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn publishing_checks_every_field_and_the_author() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let status = coach
        .publish_knowledge_item(pb::PublishKnowledgeItemRequest {
            request_id: String::new(),
            region: REGION.into(),
            kind: 0,
            title: String::new(),
            body: " ".into(),
            themes: vec!["breien".into()],
            author_member_id: "x".into(),
            visibility: 0,
        })
        .await
        .unwrap_err();
    let mut fields = violations(&status);
    fields.sort();
    assert_eq!(
        fields,
        [
            "author_member_id",
            "body",
            "kind",
            "themes[0]",
            "title",
            "visibility"
        ]
    );
    // A company publishes as itself only.
    let mine = app.company("Eigen").await;
    let other = app.company("Ander").await;
    let mut hr = app.as_role(Role::CompanyHr, REGION, Some(&mine)).await;
    let request = |author: &str| pb::PublishKnowledgeItemRequest {
        request_id: String::new(),
        region: REGION.into(),
        kind: pb::KnowledgeItemKind::Instrument as i32,
        title: "Loopbaangesprek".into(),
        body: "Een vaste vorm".into(),
        themes: vec![],
        author_member_id: author.into(),
        visibility: pb::KnowledgeVisibility::Public as i32,
    };
    hr.publish_knowledge_item(request(&mine)).await.unwrap();
    let status = hr
        .publish_knowledge_item(request(&other))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
}

#[tokio::test(flavor = "multi_thread")]
async fn too_many_themes_or_too_long_a_body_is_refused_and_nothing_is_published() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let author = app.host().await;
    let request = pb::PublishKnowledgeItemRequest {
        request_id: String::new(),
        region: REGION.into(),
        kind: pb::KnowledgeItemKind::Instrument as i32,
        title: "Loopbaangesprek".into(),
        body: "b".repeat(100_001),
        themes: vec![THEME.into(); 11],
        author_member_id: author,
        visibility: pb::KnowledgeVisibility::Public as i32,
    };
    let status = coach.publish_knowledge_item(request).await.unwrap_err();
    let expected: Vec<(String, String)> = [
        ("body", "must be at most 100000 characters"),
        ("themes", "must have at most 10 items"),
    ]
    .iter()
    .map(|(f, d)| (f.to_string(), d.to_string()))
    .collect();
    assert_eq!(violation_details(&status), expected);
    assert!(search(&mut coach, "", 10, "").await.results.is_empty());
}

/// Workshops and knowledge items are on the community themes of the region's sector
/// packs, or `other`: another theme is refused on its field (its place in the list),
/// naming the themes, and nothing is stored.
#[tokio::test(flavor = "multi_thread")]
async fn themes_are_the_packs_community_themes_or_other_and_anything_else_stores_nothing() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let author = app.host().await;
    let item = |themes: &[&str]| pb::PublishKnowledgeItemRequest {
        request_id: String::new(),
        region: REGION.into(),
        kind: pb::KnowledgeItemKind::Instrument as i32,
        title: "Het ontwikkelgesprek in vijf vragen".into(),
        body: "Een kaart voor ploegleiders".into(),
        themes: themes.iter().map(|t| (*t).to_owned()).collect(),
        author_member_id: author.clone(),
        visibility: pb::KnowledgeVisibility::Community as i32,
    };
    // A learning theme is not a community theme.
    let status = coach
        .publish_knowledge_item(item(&["hr-netwerkcafe", "lassen"]))
        .await
        .unwrap_err();
    let found = violation_details(&status);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "themes[1]");
    assert!(
        found[0].1.starts_with(
            "\"lassen\" is not a community theme of the region's sector packs; one of: "
        ) && found[0].1.contains("hr-netwerkcafe")
            && found[0].1.ends_with(", or \"other\""),
        "{found:?}"
    );
    let mut workshop = workshop_request(&author, 10, 0);
    workshop.theme = "lassen".into();
    let status = coach.schedule_workshop(workshop.clone()).await.unwrap_err();
    assert_eq!(violations(&status), ["theme"]);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM knowledge_items").await,
        0
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM workshops").await, 0);

    let published = coach
        .publish_knowledge_item(item(&["other", "hr-netwerkcafe"]))
        .await
        .unwrap()
        .into_inner()
        .item
        .unwrap();
    assert_eq!(published.themes, ["other", "hr-netwerkcafe"]);
    workshop.theme = "other".into();
    let scheduled = coach
        .schedule_workshop(workshop)
        .await
        .unwrap()
        .into_inner()
        .workshop
        .unwrap();
    assert_eq!(scheduled.theme, "other");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_snippet_is_the_items_text_escaped_with_only_the_matches_marked() {
    let app = TestApp::spawn().await;
    let mut coach = app.coach().await;
    let author = app.company("Nijhuis Groep").await;
    publish(
        &mut coach,
        &author,
        "Lasrobots <img src=x onerror=alert(1)>",
        "Onze lasrobots & <script>alert('x')</script> de vakmensen.",
    )
    .await;
    // A full-text hit and a similar-word hit (a typo) alike.
    for query in ["lasrobots", "lasrobbots"] {
        let found = search(&mut coach, query, 10, "").await;
        let snippet = &found.results[0].snippet;
        assert!(
            !snippet.contains("<script") && !snippet.contains("<img"),
            "{snippet}"
        );
        assert!(
            snippet.contains("&lt;script&gt;") || snippet.contains("&lt;img"),
            "{snippet}"
        );
        assert!(snippet.contains("<b>"), "{query}: {snippet}");
    }
}
