//! A consuming service's reactions, one typed handler per event type: the event type
//! names its routing key (see `llo_proto::integration`), so a service never writes one.
//! A reaction registered with `on_many` gets every event of a run of its type that
//! arrived together at once (one multi-row statement instead of one per event).
use std::collections::HashMap;

use diesel_async::AsyncPgConnection;
use futures_util::future::BoxFuture;
use llo_proto::IntegrationEvent;

use super::{BatchError, EventHandler, HandleError, IncomingEvent, handler::one_by_one};

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

/// A reaction to events of one type that arrived together, in their order (at least
/// one), run inside the consumer's transaction. An error names no event: the consumer
/// then applies each alone, through the same reaction, to find the guilty one.
pub type ManyReaction<S, E> =
    for<'a> fn(&'a S, &'a mut AsyncPgConnection, Vec<E>) -> BoxFuture<'a, Result<(), HandleError>>;

type DispatchMany<S> = Box<
    dyn for<'a> Fn(
            &'a S,
            &'a mut AsyncPgConnection,
            &'a [&'a IncomingEvent],
        ) -> BoxFuture<'a, Result<(), BatchError>>
        + Send
        + Sync,
>;

/// The list of what a service reacts to: `Subscriptions::new(state).on::<Event>(reaction)`.
pub struct Subscriptions<S> {
    state: S,
    routes: HashMap<&'static str, Dispatch<S>>,
    runs: HashMap<&'static str, DispatchMany<S>>,
}

impl<S: Send + Sync + 'static> Subscriptions<S> {
    pub fn new(state: S) -> Self {
        Self {
            state,
            routes: HashMap::new(),
            runs: HashMap::new(),
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

    /// Reacts to `E` a run at a time: consecutive events of the type in one batch go to
    /// `reaction` together; an event alone goes as a run of one.
    pub fn on_many<E: IntegrationEvent>(mut self, reaction: ManyReaction<S, E>) -> Self {
        let alone: Dispatch<S> = Box::new(move |state, conn, event| match event.decode::<E>() {
            Ok(message) => reaction(state, conn, vec![message]),
            Err(error) => Box::pin(async move { Err(error) }),
        });
        let run: DispatchMany<S> = Box::new(move |state, conn, events| {
            Box::pin(async move {
                let mut messages = Vec::with_capacity(events.len());
                for (index, event) in events.iter().enumerate() {
                    messages.push(
                        event
                            .decode::<E>()
                            .map_err(|error| BatchError::at(index, error))?,
                    );
                }
                reaction(state, conn, messages)
                    .await
                    .map_err(|error| BatchError { index: None, error })
            })
        });
        self.routes.insert(E::ROUTING_KEY, alone);
        self.runs.insert(E::ROUTING_KEY, run);
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

    /// Runs of one event type go to their `on_many` reaction at once; everything else
    /// event by event, in the order it arrived.
    fn handle_batch<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        events: &'a [&'a IncomingEvent],
    ) -> BoxFuture<'a, Result<(), BatchError>> {
        Box::pin(async move {
            let mut start = 0;
            while start < events.len() {
                let key = events[start].routing_key.as_str();
                let end = start
                    + events[start..]
                        .iter()
                        .take_while(|e| e.routing_key == key)
                        .count();
                match self.runs.get(key) {
                    Some(run) if end - start > 1 => {
                        run(&self.state, conn, &events[start..end])
                            .await
                            .map_err(|failure| BatchError {
                                index: failure.index.map(|i| start + i),
                                error: failure.error,
                            })?;
                    }
                    _ => one_by_one(self, conn, &events[start..end], start).await?,
                }
                start = end;
            }
            Ok(())
        })
    }
}
