//! A delivery's envelope: the message's properties and headers read into an
//! `IncomingEvent`, and whether its publisher may send it.
use lapin::{
    message::Delivery,
    types::{AMQPValue, FieldTable},
};
use uuid::Uuid;

use super::{IncomingEvent, REGION_HEADER};

/// Who may publish which events (`amqp.publisher_users`, `amqp.operator_user`).
#[derive(Debug, Clone, Default)]
pub struct Publishers {
    /// (service, broker user); empty: not checked.
    owners: Vec<(String, String)>,
    operator: String,
}

impl Publishers {
    /// From `service=user,service=user` (blanks around the parts are ignored; a pair
    /// without `=` names no one and trusts no one).
    pub fn new(publisher_users: &str, operator: &str) -> Publishers {
        let owners = publisher_users
            .split(',')
            .map(str::trim)
            .filter(|pair| !pair.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((service, user)) => (service.trim().to_owned(), user.trim().to_owned()),
                None => (pair.to_owned(), String::new()),
            })
            .collect();
        Publishers {
            owners,
            operator: operator.trim().to_owned(),
        }
    }

    /// Refuses an event whose broker-vouched publisher is not the user of the service
    /// that owns its routing key (nor the operators').
    pub fn check(&self, routing_key: &str, user_id: Option<&str>) -> Result<(), String> {
        if self.owners.is_empty() {
            return Ok(());
        }
        let owner = routing_key.split('.').next().unwrap_or_default();
        let expected = self
            .owners
            .iter()
            .find(|(service, _)| service == owner)
            .map(|(_, user)| user.as_str())
            .filter(|user| !user.is_empty());
        match (user_id, expected) {
            (Some(user), Some(expected)) if user == expected => Ok(()),
            (Some(user), _) if !self.operator.is_empty() && user == self.operator => Ok(()),
            (Some(user), Some(expected)) => Err(format!(
                "{routing_key} was published by broker user {user:?}, not {owner}'s \
                 {expected:?} (amqp.publisher_users)"
            )),
            (Some(user), None) => Err(format!(
                "{routing_key} was published by broker user {user:?}; no publisher is \
                 trusted for {owner:?} (amqp.publisher_users)"
            )),
            (None, _) => Err(format!(
                "{routing_key} carries no user_id: its publisher is not vouched for \
                 (amqp.publisher_users)"
            )),
        }
    }
}

pub(super) fn parse_envelope(
    delivery: &Delivery,
    headers: &FieldTable,
    publishers: &Publishers,
) -> Result<IncomingEvent, String> {
    let properties = &delivery.properties;
    let id = properties
        .message_id()
        .as_ref()
        .ok_or("message_id is missing")?
        .as_str()
        .parse::<Uuid>()
        .map_err(|_| "message_id is not a UUID".to_owned())?;
    if properties.content_type().as_ref().map(|c| c.as_str()) != Some(super::CONTENT_TYPE) {
        return Err(format!("content_type must be {}", super::CONTENT_TYPE));
    }
    let routing_key = properties
        .kind()
        .as_ref()
        .map(|t| t.to_string())
        .unwrap_or_else(|| delivery.routing_key.to_string());
    let user_id = properties.user_id().as_ref().map(|u| u.as_str());
    publishers.check(&routing_key, user_id)?;
    Ok(IncomingEvent {
        id,
        routing_key,
        region: header_str(headers, REGION_HEADER).map(str::to_owned),
        payload: delivery.data.clone(),
    })
}

/// The header in which quorum queues count a message's earlier deliveries.
pub(crate) const DELIVERY_COUNT_HEADER: &str = "x-delivery-count";

/// A non-negative whole number in a header, whatever integer type the broker chose.
pub(super) fn header_count(headers: &FieldTable, key: &str) -> Option<u64> {
    match headers.inner().get(key)? {
        AMQPValue::ShortShortUInt(n) => Some(u64::from(*n)),
        AMQPValue::ShortUInt(n) => Some(u64::from(*n)),
        AMQPValue::LongUInt(n) => Some(u64::from(*n)),
        AMQPValue::ShortShortInt(n) => u64::try_from(*n).ok(),
        AMQPValue::ShortInt(n) => u64::try_from(*n).ok(),
        AMQPValue::LongInt(n) => u64::try_from(*n).ok(),
        AMQPValue::LongLongInt(n) => u64::try_from(*n).ok(),
        _ => None,
    }
}

pub(crate) fn header_str<'a>(headers: &'a FieldTable, key: &str) -> Option<&'a str> {
    match headers.inner().get(key)? {
        AMQPValue::LongString(value) => std::str::from_utf8(value.as_bytes()).ok(),
        AMQPValue::ShortString(value) => Some(value.as_str()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_count_is_read_whatever_integer_type_carries_it() {
        let mut headers = FieldTable::default();
        for (value, expected) in [
            (AMQPValue::ShortShortUInt(3), Some(3)),
            (AMQPValue::ShortUInt(4), Some(4)),
            (AMQPValue::LongUInt(5), Some(5)),
            (AMQPValue::ShortShortInt(6), Some(6)),
            (AMQPValue::ShortInt(7), Some(7)),
            (AMQPValue::LongInt(8), Some(8)),
            (AMQPValue::LongLongInt(9), Some(9)),
            (AMQPValue::LongLongInt(-1), None),
            (AMQPValue::LongString("5".into()), None),
        ] {
            headers.insert(DELIVERY_COUNT_HEADER.into(), value.clone());
            assert_eq!(
                header_count(&headers, DELIVERY_COUNT_HEADER),
                expected,
                "{value:?}"
            );
        }
        assert_eq!(
            header_count(&FieldTable::default(), DELIVERY_COUNT_HEADER),
            None
        );
    }

    #[test]
    fn an_event_is_taken_from_its_owners_broker_user_or_the_operators() {
        let open = Publishers::default();
        assert!(open.check("intake.participant_erased.v1", None).is_ok());
        let strict = Publishers::new("intake = llo-intake, community=llo-community", "llo-ops");
        let key = "intake.participant_erased.v1";
        assert!(strict.check(key, Some("llo-intake")).is_ok());
        assert!(strict.check(key, Some("llo-ops")).is_ok());
        assert!(strict.check(key, Some("llo-community")).is_err());
        assert!(strict.check(key, None).is_err());
        assert!(
            strict
                .check("trajectories.plan_set.v1", Some("llo-intake"))
                .is_err()
        );
        assert!(
            strict
                .check("trajectories.plan_set.v1", Some("llo-ops"))
                .is_ok()
        );
        let no_operator = Publishers::new("intake=llo-intake", "");
        assert!(no_operator.check(key, Some("")).is_err());
        assert_eq!(
            super::super::broker_user("amqp://llo-intake:secret@rabbit:5672/%2f"),
            "llo-intake"
        );
        assert_eq!(super::super::broker_user("amqp://localhost:5672"), "guest");
        let external = "amqps://rabbit:5671/%2f?auth_mechanism=external";
        assert_eq!(super::super::broker_user(external), "");
    }

    /// RabbitMQ never delivers a short-string header (it reads the field type `s` as a
    /// 16-bit integer and refuses a message that has one), so this arm is reached only
    /// from other brokers; checked here, without a broker.
    #[test]
    fn headers_are_read_as_long_or_short_strings_and_nothing_else() {
        let mut headers = FieldTable::default();
        headers.insert("long".into(), AMQPValue::LongString("twente".into()));
        headers.insert("short".into(), AMQPValue::ShortString("drenthe".into()));
        headers.insert("number".into(), AMQPValue::LongInt(7));
        assert_eq!(header_str(&headers, "long"), Some("twente"));
        assert_eq!(header_str(&headers, "short"), Some("drenthe"));
        assert_eq!(header_str(&headers, "number"), None);
        assert_eq!(header_str(&headers, "missing"), None);
    }
}
