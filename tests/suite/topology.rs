//! The broker definitions an operator loads by hand (`infra/rabbitmq/definitions.json`)
//! say what the services declare themselves: one queue per consuming service, bound to
//! exactly the events it reacts to, with its dead-letter queue.
use std::collections::BTreeSet;

use llo_chassis::{bus::EventHandler, packs::Packs, testing::packs_dir};

fn declared_by_code() -> BTreeSet<(String, String)> {
    let packs = Packs::load(&packs_dir()).unwrap();
    // Intake binds completions when it has keys to sign credentials with, and workshops
    // and registrations when notices go somewhere, as deployed.
    let keys = std::env::temp_dir().join(format!("llo-topology-keys-{}", uuid::Uuid::new_v4()));
    llo_intake::credentials::keys::generate_for_regions(&keys, &packs_dir(), "test").unwrap();
    let mut settings = llo_chassis::Settings::defaults(llo_chassis::ServiceName::Intake);
    settings.credentials.keys_dir = Some(keys.clone());
    settings.notices.mail_dir = Some(std::env::temp_dir().join("llo-topology-mail"));
    let intake = llo_intake::handlers::subscriptions(&settings, &packs)
        .unwrap()
        .routing_keys();
    std::fs::remove_dir_all(&keys).unwrap();
    let consumers: [(&str, Vec<String>); 4] = [
        ("intake", intake),
        (
            "trajectories",
            llo_trajectories::handlers::subscriptions(&packs).routing_keys(),
        ),
        (
            "community",
            llo_community::handlers::subscriptions(&packs).routing_keys(),
        ),
        (
            "reporting",
            llo_reporting::handlers::reactions(&packs).routing_keys(),
        ),
    ];
    let mut bindings = BTreeSet::new();
    for (service, keys) in consumers {
        bindings.insert((format!("{service}.events.dead"), format!("{service}.dead")));
        for key in keys {
            bindings.insert((format!("{service}.events"), key));
        }
    }
    bindings.insert(("llo.events.unrouted".to_owned(), String::new()));
    bindings
}

#[test]
fn the_operators_broker_definitions_match_what_the_services_declare() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../infra/rabbitmq/definitions.json"
    );
    let definitions: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let in_file: BTreeSet<(String, String)> = definitions["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["destination"].as_str().unwrap().to_owned(),
                b["routing_key"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = declared_by_code();
    let missing: Vec<_> = expected.difference(&in_file).collect();
    let extra: Vec<_> = in_file.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "infra/rabbitmq/definitions.json drifted: missing {missing:?}, not declared by any service {extra:?}"
    );
    let queues: BTreeSet<&str> = definitions["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    let bound: BTreeSet<&str> = expected.iter().map(|(queue, _)| queue.as_str()).collect();
    assert_eq!(
        queues, bound,
        "one queue per consumer, its dead letters, unrouted"
    );
}

/// The queue arguments in the operator's definitions are the ones the services declare
/// (a difference would make a service's declaration fall back to the queue as it is).
#[test]
fn the_operators_queue_arguments_match_what_the_services_declare() {
    use llo_chassis::bus::topology::{BROKER_DELIVERY_LIMIT, INSPECTED_DELIVERY_LIMIT};
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../infra/rabbitmq/definitions.json"
    );
    let definitions: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for queue in definitions["queues"].as_array().unwrap() {
        let name = queue["name"].as_str().unwrap();
        let arguments = &queue["arguments"];
        assert_eq!(arguments["x-queue-type"], "quorum", "{name}");
        let consuming = name.ends_with(".events");
        let expected_limit = if consuming {
            BROKER_DELIVERY_LIMIT
        } else {
            INSPECTED_DELIVERY_LIMIT
        };
        assert_eq!(
            arguments["x-delivery-limit"].as_i64(),
            Some(expected_limit),
            "{name}"
        );
        if consuming {
            let service = name.trim_end_matches(".events");
            assert_eq!(
                arguments["x-dead-letter-exchange"], "llo.events.dlx",
                "{name}"
            );
            assert_eq!(
                arguments["x-dead-letter-routing-key"],
                format!("{service}.dead").as_str(),
                "{name}"
            );
        }
    }
}
