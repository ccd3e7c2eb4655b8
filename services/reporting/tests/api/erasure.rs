use llo_proto::{common::v1 as common, events::v1 as ev};
use uuid::Uuid;

use crate::{helpers::*, pilot::Pilot};

fn needs(participant: &str, organisation: &str, text: &str) -> ev::LearningNeedsRecorded {
    ev::LearningNeedsRecorded {
        participant_id: participant.into(),
        organisation_id: organisation.into(),
        region: REGION.into(),
        needs: vec![common::LearningNeed {
            need_id: Uuid::now_v7().to_string(),
            theme: "lasrobot".into(),
            description: text.into(),
        }],
        occur_time: None,
    }
}

fn erased(participant: &str, organisation: &str) -> ev::ParticipantErased {
    ev::ParticipantErased {
        participant_id: participant.into(),
        organisation_id: organisation.into(),
        region: REGION.into(),
        occur_time: None,
    }
}

fn containing(text: &str) -> String {
    format!(
        "SELECT count(*) AS n FROM events WHERE position(convert_to('{text}', 'UTF8') in payload) > 0"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn erasure_removes_the_persons_free_text_from_the_copy() {
    let app = TestApp::spawn().await;
    let organisation = Uuid::now_v7().to_string();
    let (erased_one, colleague, late) = (
        Uuid::now_v7().to_string(),
        Uuid::now_v7().to_string(),
        Uuid::now_v7().to_string(),
    );
    let mut stream = Pilot::empty();
    stream.push(needs(
        &erased_one,
        &organisation,
        "Wil leren lassen, vindt Jan Jansen",
    ));
    stream.push(needs(&colleague, &organisation, "Wil leren plannen"));
    // The erasure of `late` arrives before their learning needs do.
    stream.push(erased(&late, &organisation));
    app.feed(&stream.events, 3).await;
    assert_eq!(app.count(&containing("Jan Jansen")).await, 1);

    let mut more = Pilot::empty();
    more.push(erased(&erased_one, &organisation));
    more.push(needs(&late, &organisation, "Iets over Piet Pietersen"));
    app.feed(&more.events, 5).await;

    assert_eq!(app.count(&containing("Jan Jansen")).await, 0);
    assert_eq!(app.count(&containing("Piet Pietersen")).await, 0);
    assert_eq!(
        app.count(&containing("Wil leren plannen")).await,
        1,
        "another person's text stays"
    );
    // The events stay (their ids and themes feed rebuilds), without the text.
    assert_eq!(
        app.count("SELECT count(*) AS n FROM events WHERE routing_key = 'intake.learning_needs_recorded.v1'")
            .await,
        3
    );
    assert_eq!(
        app.count(&containing("lasrobot")).await,
        3,
        "themes are slugs, not free text"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM rm_participants WHERE erased")
            .await,
        2
    );
}
