//! A consuming service's reactions, one typed handler per event type: the event type
//! names its routing key (see `llo_proto::integration`), so a service never writes one.
use std::collections::HashMap;

use diesel_async::AsyncPgConnection;
use futures_util::future::BoxFuture;
use llo_proto::IntegrationEvent;

use super::{EventHandler, HandleError, IncomingEvent};

/// A reaction to one event type, run inside the consumer's transaction (with the
/// inbox row), given the service's reaction state `S`.
pub type Reaction<S, E> =
    for<'a> fn(&'a S, &'a mut AsyncPgConnection, E) -> BoxFuture<'a, Result<(), HandleError>>;

type Dispatch<S> = Box<
    dyn for<'a> Fn(
            &'a S,
            &'a mut AsyncPgConnection,
            &'a IncomingEvent,
        ) -> BoxFuture<'a, Result<(), HandleError>>
        + Send
        + Sync,
>;

/// The list of what a service reacts to: `Subscriptions::new(state).on::<Event>(reaction)`.
pub struct Subscriptions<S> {
    state: S,
    routes: HashMap<&'static str, Dispatch<S>>,
}

impl<S: Send + Sync + 'static> Subscriptions<S> {
    pub fn new(state: S) -> Self {
        Self {
            state,
            routes: HashMap::new(),
        }
    }

    /// Reacts to `E`; its body is decoded first, and one that does not decode is
    /// malformed (dead-lettered at once).
    pub fn on<E: IntegrationEvent>(mut self, reaction: Reaction<S, E>) -> Self {
        let dispatch: Dispatch<S> = Box::new(move |state, conn, event| match event.decode::<E>() {
            Ok(message) => reaction(state, conn, message),
            Err(error) => Box::pin(async move { Err(error) }),
        });
        self.routes.insert(E::ROUTING_KEY, dispatch);
        self
    }

    /// The routing keys subscribed to: the service queue's bindings.
    pub fn routing_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.routes.keys().map(|k| (*k).to_owned()).collect();
        keys.sort();
        keys
    }
}

impl<S: Send + Sync + 'static> EventHandler for Subscriptions<S> {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a IncomingEvent,
    ) -> BoxFuture<'a, Result<(), HandleError>> {
        match self.routes.get(event.routing_key.as_str()) {
            Some(dispatch) => dispatch(&self.state, conn, event),
            // Bound by a wider pattern, or re-driven from elsewhere: nothing to do.
            None => {
                tracing::debug!(routing_key = %event.routing_key, "no reaction subscribed");
                Box::pin(async { Ok(()) })
            }
        }
    }

    fn routing_keys(&self) -> Vec<String> {
        Subscriptions::routing_keys(self)
    }
}
