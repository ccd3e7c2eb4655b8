//! E-mail notices: a workshop registration's change told to its person once, over a real
//! SMTP exchange with a small sink started here; retried while the server refuses; nothing
//! for an erased person, and their queued notices deleted; a coach assignment told to the
//! company's HR contact.
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use llo_chassis::{auth::Role, testing::app::eventually};
use llo_proto::{
    IntegrationEvent as _,
    common::v1::{WorkshopAttendance, WorkshopRegistrationStatus as Status},
    events::v1 as events,
    intake::v1 as pb,
};
use tokio::{
    io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader},
    net::TcpListener,
};
use uuid::Uuid;

use crate::helpers::{REGION, TestApp, enrol, organisation_request, register, register_as};

/// One message as the sink received it.
#[derive(Debug, Clone)]
struct Received {
    recipients: Vec<String>,
    data: String,
}

/// An SMTP server that speaks just enough: 220, EHLO/HELO, MAIL, RCPT, DATA, QUIT; it
/// refuses the first `refuse` messages with 451.
#[derive(Clone)]
struct Sink {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<Mutex<usize>>,
    /// How long the answer to a message's data is held back (a slow server).
    stall: Duration,
}

impl Sink {
    async fn start(refuse: usize) -> Sink {
        Sink::start_stalling(refuse, Duration::ZERO).await
    }

    async fn start_stalling(refuse: usize, stall: Duration) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sink = Sink {
            port: listener.local_addr().unwrap().port(),
            received: Arc::default(),
            refuse: Arc::new(Mutex::new(refuse)),
            stall,
        };
        let server = sink.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let server = server.clone();
                tokio::spawn(async move { server.session(socket).await });
            }
        });
        sink
    }

    async fn session(&self, socket: tokio::net::TcpStream) {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        let _ = write.write_all(b"220 sink ESMTP\r\n").await;
        let mut recipients = Vec::new();
        while let Ok(Some(line)) = lines.next_line().await {
            let command = line.to_ascii_uppercase();
            let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
                b"250 sink\r\n"
            } else if command.starts_with("MAIL") {
                recipients.clear();
                let mut refuse = self.refuse.lock().unwrap();
                if *refuse > 0 {
                    *refuse -= 1;
                    b"451 4.3.0 try again later\r\n"
                } else {
                    b"250 OK\r\n"
                }
            } else if command.starts_with("RCPT") {
                recipients.push(
                    line.split_once(':')
                        .map(|(_, to)| to.trim().trim_matches(['<', '>']).to_owned())
                        .unwrap_or_default(),
                );
                b"250 OK\r\n"
            } else if command == "DATA" {
                let _ = write.write_all(b"354 go ahead\r\n").await;
                let mut data = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if line == "." {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                    data.push('\n');
                }
                tokio::time::sleep(self.stall).await;
                self.received.lock().unwrap().push(Received {
                    recipients: std::mem::take(&mut recipients),
                    data,
                });
                b"250 OK queued\r\n"
            } else if command == "QUIT" {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            } else {
                b"250 OK\r\n"
            };
            if write.write_all(reply).await.is_err() {
                return;
            }
        }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    async fn wait_for(&self, n: usize) -> Vec<Received> {
        eventually(&format!("{n} mails"), || async {
            let received = self.received();
            (received.len() >= n).then_some(received)
        })
        .await
    }
}

async fn spawn(sink: &Sink) -> TestApp {
    TestApp::spawn_with(&[
        ("notices.smtp_host", "127.0.0.1".into()),
        ("notices.smtp_port", sink.port.to_string()),
        ("notices.smtp_tls", "none".into()),
        ("notices.from", "LLO Achterhoek <noreply@llo.test>".into()),
        ("notices.poll_ms", "50".into()),
        ("notices.retry_base_seconds", "0".into()),
        ("notices.timeout_seconds", "5".into()),
    ])
    .await
}

fn at(seconds_from_now: i64) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: chrono::Utc::now().timestamp() + seconds_from_now,
        nanos: 0,
    })
}

/// A workshop scheduled, and intake holding its copy.
async fn workshop(app: &TestApp) -> String {
    workshop_starting(app, 7 * 86_400).await
}

/// A workshop of three hours from `start` seconds from now.
fn scheduled(workshop_id: &str, start: i64) -> events::WorkshopScheduled {
    events::WorkshopScheduled {
        workshop_id: workshop_id.into(),
        region: REGION.into(),
        workshop_title: "Samen leren op de werkvloer".into(),
        start_time: at(start),
        end_time: at(start + 3 * 3600),
        capacity: 1,
        occur_time: at(0),
        location: "Bibliotheek Doetinchem".into(),
        ..Default::default()
    }
}

/// A workshop starting `start` seconds from now, and intake holding its copy.
async fn workshop_starting(app: &TestApp, start: i64) -> String {
    let workshop_id = Uuid::now_v7().to_string();
    kept(app, &scheduled(&workshop_id, start)).await;
    workshop_id
}

/// The workshop published, and intake holding its copy as published.
async fn kept(app: &TestApp, event: &events::WorkshopScheduled) {
    app.env.publish(event).await;
    let start = event.start_time.unwrap_or_default().seconds;
    eventually("the workshop kept", || async {
        (app.count(&format!(
            "SELECT count(*) AS n FROM notice_workshops WHERE workshop_id = '{}' \
             AND start_time = to_timestamp({start})",
            event.workshop_id
        ))
        .await
            == 1)
            .then_some(())
    })
    .await;
}

fn changed(
    workshop_id: &str,
    registration_id: &str,
    participant: &pb::Participant,
    from: Status,
    to: Status,
    position: i32,
) -> events::WorkshopRegistrationChanged {
    events::WorkshopRegistrationChanged {
        registration_id: registration_id.into(),
        workshop_id: workshop_id.into(),
        participant_id: participant.participant_id.clone(),
        organisation_id: participant.organisation_id.clone(),
        region: REGION.into(),
        from_status: from as i32,
        to_status: to as i32,
        wait_list_position: position,
        occur_time: at(0),
        ..Default::default()
    }
}

/// A new registration of the person, booked.
fn new_booking(workshop_id: &str, person: &pb::Participant) -> events::WorkshopRegistrationChanged {
    changed(
        workshop_id,
        &Uuid::now_v7().to_string(),
        person,
        Status::Unspecified,
        Status::Booked,
        0,
    )
}

fn header<'a>(mail: &'a Received, name: &str) -> &'a str {
    mail.data
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name}: ")))
        .unwrap_or("")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_booking_is_told_once_with_a_calendar_invitation() {
    let sink = Sink::start(0).await;
    let app = spawn(&sink).await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "82000001").await;
    let anna = enrol(&mut client, &organisation.organisation_id, 1).await;
    let bert = enrol(&mut client, &organisation.organisation_id, 2).await;
    let workshop_id = workshop(&app).await;

    let registration = Uuid::now_v7().to_string();
    let booked = changed(
        &workshop_id,
        &registration,
        &anna,
        Status::Unspecified,
        Status::Booked,
        0,
    );
    let id = app.env.publish(&booked).await;
    let mails = sink.wait_for(1).await;
    let mail = &mails[0];
    assert_eq!(mail.recipients, vec!["medewerker1@bedrijf.nl".to_owned()]);
    assert_eq!(
        header(mail, "Subject"),
        "Je bent ingeschreven: Samen leren op de werkvloer"
    );
    // The region's name from its pack, not its slug.
    assert!(mail.data.contains("Regio: Achterhoek"), "{}", mail.data);
    assert!(!mail.data.contains("Regio: achterhoek"));
    assert!(header(mail, "From").contains("noreply@llo.test"));
    assert!(mail.data.contains("text/plain"));
    assert!(mail.data.contains("text/html"));
    assert!(mail.data.contains("method=REQUEST"), "{}", mail.data);
    assert!(mail.data.contains("BEGIN:VCALENDAR"));
    assert!(mail.data.contains(&format!("UID:{registration}@llo")));
    assert!(mail.data.contains("LOCATION:Bibliotheek Doetinchem"));
    assert!(mail.data.contains("Waar: Bibliotheek Doetinchem"));

    // Redelivered under the same message id, and published again under a new one.
    app.env
        .publish_raw(
            events::WorkshopRegistrationChanged::ROUTING_KEY,
            id,
            prost::Message::encode_to_vec(&booked),
        )
        .await;
    app.env.publish(&booked).await;
    // Another person wait-listed: told too, with the position and no invitation.
    app.env
        .publish(&changed(
            &workshop_id,
            &Uuid::now_v7().to_string(),
            &bert,
            Status::Unspecified,
            Status::WaitListed,
            2,
        ))
        .await;
    let mails = sink.wait_for(2).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(sink.received().len(), 2, "{mails:?}");
    let waiting = &sink.received()[1];
    assert_eq!(
        waiting.recipients,
        vec!["medewerker2@bedrijf.nl".to_owned()]
    );
    assert_eq!(
        header(waiting, "Subject"),
        "Je staat op de wachtlijst: Samen leren op de werkvloer"
    );
    assert!(!waiting.data.contains("VCALENDAR"));
    assert_eq!(
        app.count("SELECT count(*) AS n FROM notices WHERE state = 'sent'")
            .await,
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_promotion_invites_and_a_cancellation_withdraws_the_invitation() {
    let sink = Sink::start(0).await;
    let app = spawn(&sink).await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "82000002").await;
    let anna = enrol(&mut client, &organisation.organisation_id, 1).await;
    let workshop_id = workshop(&app).await;
    let registration = Uuid::now_v7().to_string();

    for (from, to) in [
        (Status::Unspecified, Status::WaitListed),
        (Status::WaitListed, Status::Booked),
        (Status::Booked, Status::Cancelled),
    ] {
        let before = sink.received().len();
        app.env
            .publish(&changed(&workshop_id, &registration, &anna, from, to, 1))
            .await;
        sink.wait_for(before + 1).await;
    }
    let mails = sink.received();
    assert_eq!(mails.len(), 3);
    assert!(header(&mails[0], "Subject").starts_with("Je staat op de wachtlijst"));
    let promoted = &mails[1];
    assert_eq!(
        header(promoted, "Subject"),
        "Er is een plek vrijgekomen: Samen leren op de werkvloer"
    );
    assert!(promoted.data.contains("METHOD:REQUEST"));
    let cancelled = &mails[2];
    assert!(header(cancelled, "Subject").starts_with("Je inschrijving is geannuleerd"));
    assert!(cancelled.data.contains("METHOD:CANCEL"));
    assert!(cancelled.data.contains(&format!("UID:{registration}@llo")));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_workshop_tells_its_people_why_and_withdraws_the_invitation() {
    let sink = Sink::start(0).await;
    let app = spawn(&sink).await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "82000005").await;
    let anna = enrol(&mut client, &organisation.organisation_id, 1).await;
    let workshop_id = workshop(&app).await;
    let registration = Uuid::now_v7().to_string();
    app.env
        .publish(&events::WorkshopRegistrationChanged {
            workshop_cancelled: true,
            cancel_reason: "De trainer is ziek <helaas>".into(),
            ..changed(
                &workshop_id,
                &registration,
                &anna,
                Status::Booked,
                Status::Cancelled,
                0,
            )
        })
        .await;
    let mails = sink.wait_for(1).await;
    let mail = &mails[0];
    assert_eq!(mail.recipients, vec!["medewerker1@bedrijf.nl".to_owned()]);
    assert_eq!(
        header(mail, "Subject"),
        "De workshop gaat niet door: Samen leren op de werkvloer"
    );
    assert!(mail.data.contains("METHOD:CANCEL"));
    assert!(mail.data.contains(&format!("UID:{registration}@llo")));
    assert!(mail.data.contains("De trainer is ziek"), "{}", mail.data);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_refuses_for_a_while_gets_every_notice_later_and_none_twice() {
    let sink = Sink::start(3).await;
    let app = spawn(&sink).await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "82000003").await;
    let workshop_id = workshop(&app).await;
    let mut people = Vec::new();
    for n in 1..=2 {
        let person = enrol(&mut client, &organisation.organisation_id, n).await;
        app.env.publish(&new_booking(&workshop_id, &person)).await;
        people.push(person);
    }
    sink.wait_for(2).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut recipients: Vec<String> = sink
        .received()
        .iter()
        .flat_map(|m| m.recipients.clone())
        .collect();
    recipients.sort();
    assert_eq!(
        recipients,
        vec![
            "medewerker1@bedrijf.nl".to_owned(),
            "medewerker2@bedrijf.nl".to_owned()
        ]
    );
    assert_eq!(*sink.refuse.lock().unwrap(), 0, "the refusals were met");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM notices WHERE state = 'sent' AND attempts > 1")
            .await,
        app.count("SELECT count(*) AS n FROM notices WHERE attempts > 1")
            .await
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notice_given_up_is_failed_and_an_erased_person_gets_nothing() {
    // A server that never takes a message: the notice is given up, visibly.
    let sink = Sink::start(usize::MAX).await;
    let app = TestApp::spawn_with(&[
        ("notices.smtp_host", "127.0.0.1".into()),
        ("notices.smtp_port", sink.port.to_string()),
        ("notices.smtp_tls", "none".into()),
        ("notices.poll_ms", "50".into()),
        ("notices.retry_base_seconds", "0".into()),
        ("notices.max_attempts", "2".into()),
    ])
    .await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "82000004").await;
    let anna = enrol(&mut client, &organisation.organisation_id, 1).await;
    let bert = enrol(&mut client, &organisation.organisation_id, 2).await;
    let workshop_id = workshop(&app).await;
    app.env.publish(&new_booking(&workshop_id, &anna)).await;
    eventually("the notice given up", || async {
        (app.count("SELECT count(*) AS n FROM notices WHERE state = 'failed' AND attempts = 2")
            .await
            == 1)
            .then_some(())
    })
    .await;

    // Anna erased: her notices and their texts go.
    let mut manager = app.as_role(Role::ProgrammeManager, REGION, None).await;
    manager
        .erase_participant(pb::EraseParticipantRequest {
            participant_id: anna.participant_id.clone(),
            reason: "AVG-verzoek".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(app.count("SELECT count(*) AS n FROM notices").await, 0);

    // A later booking of hers makes none; Bert's does (the marker the events were handled).
    app.env.publish(&new_booking(&workshop_id, &anna)).await;
    app.env.publish(&new_booking(&workshop_id, &bert)).await;
    eventually("Bert's notice", || async {
        (app.count(&format!(
            "SELECT count(*) AS n FROM notices WHERE participant_id = '{}'",
            bert.participant_id
        ))
        .await
            == 1)
            .then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM notices WHERE participant_id = '{}'",
            anna.participant_id
        ))
        .await,
        0
    );
    assert!(sink.received().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_without_consent_or_address_gets_nothing() {
    let sink = Sink::start(0).await;
    let app = spawn(&sink).await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "82000006").await;
    let withdrawn = enrol(&mut client, &organisation.organisation_id, 1).await;
    let unknown = enrol(&mut client, &organisation.organisation_id, 2).await;
    let told = enrol(&mut client, &organisation.organisation_id, 3).await;
    app.execute(&format!(
        "UPDATE participants SET consent_given = false WHERE id = '{}'",
        withdrawn.participant_id
    ))
    .await;
    app.execute(&format!(
        "UPDATE participants SET email = NULL WHERE id = '{}'",
        unknown.participant_id
    ))
    .await;
    let workshop_id = workshop(&app).await;
    for person in [&withdrawn, &unknown, &told] {
        app.env.publish(&new_booking(&workshop_id, person)).await;
    }
    sink.wait_for(1).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let received = sink.received();
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(
        received[0].recipients,
        vec!["medewerker3@bedrijf.nl".to_owned()]
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM notices").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_server_each_notice_is_an_eml_file_in_the_mail_folder() {
    let dir = std::env::temp_dir().join(format!("llo-mail-{}", Uuid::new_v4()));
    let app = TestApp::spawn_with(&[
        ("notices.mail_dir", dir.display().to_string()),
        ("notices.poll_ms", "50".into()),
    ])
    .await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "82000007").await;
    let anna = enrol(&mut client, &organisation.organisation_id, 1).await;
    let workshop_id = workshop(&app).await;
    app.env.publish(&new_booking(&workshop_id, &anna)).await;
    // Written whole: a file seen while it is being written is read again.
    let (files, mail) = eventually("an .eml file", || async {
        let files: Vec<_> = std::fs::read_dir(&dir)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        let mail = std::fs::read_to_string(files.first()?).ok()?;
        mail.contains("END:VCALENDAR").then_some((files, mail))
    })
    .await;
    assert_eq!(files.len(), 1);
    assert!(mail.contains("To: medewerker1@bedrijf.nl"), "{mail}");
    assert!(mail.contains("Subject: Je bent ingeschreven: Samen leren op de werkvloer"));
    assert!(mail.contains("BEGIN:VCALENDAR"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_mail_server_holds_no_lock_and_nothing_is_sent_twice() {
    let sink = Sink::start_stalling(0, Duration::from_secs(3)).await;
    let app = spawn(&sink).await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "82000008").await;
    let anna = enrol(&mut client, &organisation.organisation_id, 1).await;
    let workshop_id = workshop(&app).await;
    app.env.publish(&new_booking(&workshop_id, &anna)).await;
    eventually("the notice claimed", || async {
        (app.count("SELECT count(*) AS n FROM notices WHERE claim IS NOT NULL")
            .await
            == 1)
            .then_some(())
    })
    .await;
    // The sender is waiting for the server now: an erasure, which deletes the notice,
    // waits for no lock of the sender's.
    let mut manager = app.as_role(Role::ProgrammeManager, REGION, None).await;
    let started = std::time::Instant::now();
    tokio::time::timeout(
        Duration::from_millis(1500),
        manager.erase_participant(pb::EraseParticipantRequest {
            participant_id: anna.participant_id.clone(),
            reason: "AVG-verzoek".into(),
            ..Default::default()
        }),
    )
    .await
    .expect("the erasure waited for the mail server")
    .unwrap();
    assert!(started.elapsed() < Duration::from_millis(1500));
    assert!(sink.received().is_empty(), "the server was still answering");
    // The mail in flight arrives once; its erased notice is not recorded, nor sent again.
    sink.wait_for(1).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(sink.received().len(), 1);
    assert_eq!(app.count("SELECT count(*) AS n FROM notices").await, 0);
}

/// The notices of a kind in the outbox: (recipient, subject, text).
async fn notices_of(app: &TestApp, kind: &str) -> Vec<(String, String, String)> {
    use diesel_async::RunQueryDsl as _;
    let mut conn = app.database().await;
    diesel::sql_query(format!(
        "SELECT recipient, subject, body_text FROM notices WHERE kind = '{kind}' ORDER BY created_at"
    ))
    .load::<NoticeText>(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .map(|n| (n.recipient, n.subject, n.body_text))
    .collect()
}

#[derive(diesel::QueryableByName)]
struct NoticeText {
    #[diesel(sql_type = diesel::sql_types::Text)]
    recipient: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    subject: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    body_text: String,
}

#[tokio::test(flavor = "multi_thread")]
async fn a_booked_person_is_reminded_once_before_the_start() {
    let sink = Sink::start(0).await;
    let app = spawn(&sink).await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "82000009").await;
    let anna = enrol(&mut client, &organisation.organisation_id, 1).await;
    let bert = enrol(&mut client, &organisation.organisation_id, 2).await;
    let carla = enrol(&mut client, &organisation.organisation_id, 3).await;
    // Starts in a week: no reminder due yet.
    let workshop_id = workshop(&app).await;
    let three_days_ago = at(-3 * 86_400);
    // Anna booked days ago: reminded. Bert booked just now: his booking said when.
    // Carla booked days ago and cancelled: not reminded.
    let anna_booked = events::WorkshopRegistrationChanged {
        occur_time: three_days_ago,
        ..new_booking(&workshop_id, &anna)
    };
    app.env.publish(&anna_booked).await;
    app.env.publish(&new_booking(&workshop_id, &bert)).await;
    let carla_registration = Uuid::now_v7().to_string();
    app.env
        .publish(&events::WorkshopRegistrationChanged {
            occur_time: three_days_ago,
            ..changed(
                &workshop_id,
                &carla_registration,
                &carla,
                Status::Unspecified,
                Status::Booked,
                0,
            )
        })
        .await;
    app.env
        .publish(&changed(
            &workshop_id,
            &carla_registration,
            &carla,
            Status::Booked,
            Status::Cancelled,
            0,
        ))
        .await;
    eventually("every registration kept", || async {
        (app.count("SELECT count(*) AS n FROM notice_registrations WHERE status = 'cancelled'")
            .await
            == 1)
            .then_some(())
    })
    .await;
    sink.wait_for(4).await;
    // The clock moved on: it starts in ten hours, inside the default lead of 48 hours.
    app.execute(&format!(
        "UPDATE notice_workshops SET start_time = now() + interval '10 hours', \
         end_time = now() + interval '13 hours' WHERE workshop_id = '{workshop_id}'"
    ))
    .await;
    eventually("every booked registration looked at", || async {
        (app.count("SELECT count(*) AS n FROM notice_registrations WHERE reminded_at IS NOT NULL")
            .await
            == 2)
            .then_some(())
    })
    .await;
    let reminded = sink
        .wait_for(5)
        .await
        .into_iter()
        .filter(|m| header(m, "Subject").starts_with("Herinnering"))
        .collect::<Vec<_>>();
    assert_eq!(reminded.len(), 1, "{reminded:?}");
    assert_eq!(
        reminded[0].recipients,
        vec!["medewerker1@bedrijf.nl".to_owned()]
    );
    assert_eq!(
        header(&reminded[0], "Subject"),
        "Herinnering: Samen leren op de werkvloer"
    );
    assert!(!reminded[0].data.contains("VCALENDAR"));

    // As after a restart that lost the mark: the outbox's key still makes it one.
    app.execute("UPDATE notice_registrations SET reminded_at = NULL")
        .await;
    eventually("looked at again", || async {
        (app.count("SELECT count(*) AS n FROM notice_registrations WHERE reminded_at IS NULL AND status = 'booked'")
            .await
            == 0)
            .then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(notices_of(&app, "reminder").await.len(), 1);
    assert_eq!(sink.received().len(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_attendee_is_asked_for_feedback_once_and_a_no_show_is_not() {
    let sink = Sink::start(0).await;
    let app = spawn(&sink).await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "82000010").await;
    let anna = enrol(&mut client, &organisation.organisation_id, 1).await;
    let bert = enrol(&mut client, &organisation.organisation_id, 2).await;
    let workshop_id = workshop(&app).await;
    let attended =
        |person: &pb::Participant, attendance: WorkshopAttendance| events::WorkshopAttended {
            registration_id: Uuid::now_v7().to_string(),
            workshop_id: workshop_id.clone(),
            participant_id: person.participant_id.clone(),
            organisation_id: person.organisation_id.clone(),
            region: REGION.into(),
            workshop_title: "Samen leren op de werkvloer".into(),
            attendance: attendance as i32,
            hours_attended: 3.0,
            occur_time: at(0),
            ..Default::default()
        };
    let anna_attended = attended(&anna, WorkshopAttendance::FullyAttended);
    app.env.publish(&anna_attended).await;
    app.env
        .publish(&attended(&bert, WorkshopAttendance::NoShow))
        .await;
    // Published again under a new id: still one.
    app.env.publish(&anna_attended).await;
    let mails = sink.wait_for(1).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(sink.received().len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert_eq!(mail.recipients, vec!["medewerker1@bedrijf.nl".to_owned()]);
    assert_eq!(
        header(mail, "Subject"),
        "Hoe was het? Samen leren op de werkvloer"
    );
    assert!(mail.data.contains("waardering"), "{}", mail.data);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_moved_workshop_updates_the_invitation_of_those_still_booked() {
    let sink = Sink::start(0).await;
    let app = spawn(&sink).await;
    let mut client = app.coach().await;
    let organisation = register(&mut client, "82000011").await;
    let anna = enrol(&mut client, &organisation.organisation_id, 1).await;
    let bert = enrol(&mut client, &organisation.organisation_id, 2).await;
    let workshop_id = Uuid::now_v7().to_string();
    let planned = scheduled(&workshop_id, 7 * 86_400);
    kept(&app, &planned).await;
    let registration = Uuid::now_v7().to_string();
    app.env
        .publish(&changed(
            &workshop_id,
            &registration,
            &anna,
            Status::Unspecified,
            Status::Booked,
            0,
        ))
        .await;
    let bert_registration = Uuid::now_v7().to_string();
    for (from, to) in [
        (Status::Unspecified, Status::Booked),
        (Status::Booked, Status::Cancelled),
    ] {
        app.env
            .publish(&changed(
                &workshop_id,
                &bert_registration,
                &bert,
                from,
                to,
                0,
            ))
            .await;
    }
    sink.wait_for(3).await;
    // The same schedule again changes nothing; a day later tells Anna, not Bert.
    app.env.publish(&planned).await;
    let day_later = |t: Option<prost_types::Timestamp>| {
        t.map(|t| prost_types::Timestamp {
            seconds: t.seconds + 86_400,
            nanos: 0,
        })
    };
    kept(
        &app,
        &events::WorkshopScheduled {
            start_time: day_later(planned.start_time),
            end_time: day_later(planned.end_time),
            ..planned.clone()
        },
    )
    .await;
    let mails = sink.wait_for(4).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(sink.received().len(), 4, "{mails:?}");
    let moved = &mails[3];
    assert_eq!(moved.recipients, vec!["medewerker1@bedrijf.nl".to_owned()]);
    assert_eq!(
        header(moved, "Subject"),
        "Gewijzigd: Samen leren op de werkvloer"
    );
    assert!(moved.data.contains("METHOD:REQUEST"), "{}", moved.data);
    assert!(moved.data.contains("SEQUENCE:1"), "{}", moved.data);
    assert!(moved.data.contains(&format!("UID:{registration}@llo")));

    // Another place: told again, the invitation's sequence raised once more.
    app.env
        .publish(&events::WorkshopScheduled {
            start_time: day_later(planned.start_time),
            end_time: day_later(planned.end_time),
            location: "Het Stadhuis, Doetinchem".into(),
            ..planned.clone()
        })
        .await;
    let mails = sink.wait_for(5).await;
    let elsewhere = &mails[4];
    assert_eq!(
        elsewhere.recipients,
        vec!["medewerker1@bedrijf.nl".to_owned()]
    );
    assert!(elsewhere.data.contains("SEQUENCE:2"), "{}", elsewhere.data);
    assert!(
        elsewhere
            .data
            .contains("LOCATION:Het Stadhuis\\, Doetinchem"),
        "{}",
        elsewhere.data
    );
}

/// Trajectories' event: Anja Hulshof coaches the organisation's trajectory.
fn coach_assigned(organisation_id: &str) -> events::CoachAssigned {
    events::CoachAssigned {
        trajectory_id: Uuid::now_v7().to_string(),
        organisation_id: organisation_id.into(),
        region: REGION.into(),
        coach_id: "coach-anja".into(),
        occur_time: at(0),
        coach_name: "Anja Hulshof".into(),
        coach_organisation_name: "Loopbaanhuis Achterhoek".into(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hr_contact_is_told_once_which_coach_was_assigned_and_none_is_told_without_one() {
    let sink = Sink::start(0).await;
    let app = spawn(&sink).await;
    let mut client = app.coach().await;
    let with_contact = register_as(
        &mut client,
        pb::RegisterOrganisationRequest {
            hr_contact_email: "HR@lensink.nl".into(),
            hr_contact_name: "Petra Lensink".into(),
            ..organisation_request("82000010", "Lensink Metaal")
        },
    )
    .await;
    let without_contact = register(&mut client, "82000011").await;

    let assigned = coach_assigned(&with_contact.organisation_id);
    let id = app.env.publish(&assigned).await;
    let mails = sink.wait_for(1).await;
    let mail = &mails[0];
    assert_eq!(mail.recipients, vec!["hr@lensink.nl".to_owned()]);
    assert_eq!(header(mail, "Subject"), "Coach toegewezen: Lensink Metaal");
    assert!(mail.data.contains("Anja Hulshof"), "{}", mail.data);
    assert!(mail.data.contains("text/plain") && mail.data.contains("text/html"));
    assert!(!mail.data.contains("VCALENDAR"));
    let [(recipient, _, text)] = &notices_of(&app, "coach_assigned").await[..] else {
        panic!("one coach_assigned notice");
    };
    assert_eq!(recipient, "hr@lensink.nl");
    assert!(text.starts_with("Beste Petra Lensink,"), "{text}");
    assert!(
        text.contains("Lensink Metaal:\nAnja Hulshof (Loopbaanhuis Achterhoek)."),
        "{text}"
    );
    assert!(text.contains("Leven Lang Ontwikkelen Achterhoek"), "{text}");

    // Redelivered under the same message id, published again under a new one, and a
    // company without an HR contact gets its coach.
    app.env
        .publish_raw(
            events::CoachAssigned::ROUTING_KEY,
            id,
            prost::Message::encode_to_vec(&assigned),
        )
        .await;
    app.env.publish(&assigned).await;
    app.env
        .publish(&coach_assigned(&without_contact.organisation_id))
        .await;
    eventually("the three assignments handled", || async {
        (app.count(
            "SELECT count(*) AS n FROM inbox WHERE routing_key = 'trajectories.coach_assigned.v1'",
        )
        .await
            == 3)
            .then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(sink.received().len(), 1, "{:?}", sink.received());
    assert_eq!(
        app.count("SELECT count(*) AS n FROM notices WHERE kind = 'coach_assigned'")
            .await,
        1
    );
}
