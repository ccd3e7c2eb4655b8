//! What a service gives the consumer: the reactions to events (`EventHandler`), the
//! event as a handler sees it, and how a handler says what went wrong.
use diesel_async::AsyncPgConnection;
use futures_util::future::BoxFuture;
use uuid::Uuid;

/// An event as a handler sees it.
#[derive(Debug, Clone)]
pub struct IncomingEvent {
    pub id: Uuid,
    pub routing_key: String,
    pub region: Option<String>,
    pub payload: Vec<u8>,
}

impl IncomingEvent {
    /// Decodes the protobuf body; a body that does not decode is malformed.
    pub fn decode<T: prost::Message + Default>(&self) -> Result<T, HandleError> {
        T::decode(self.payload.as_slice()).map_err(|e| {
            HandleError::Malformed(format!("{} does not decode: {e}", self.routing_key))
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// The event can never be applied: dead-lettered at once.
    #[error("malformed event: {0}")]
    Malformed(String),
    /// May work later (a missing dependency, a conflict): retried, then dead-lettered.
    #[error(transparent)]
    Retry(#[from] anyhow::Error),
    /// The database is out of reach: the event waits (uncounted) until it is back,
    /// rather than draining into the dead-letter queue during an outage.
    #[error("database unavailable: {0}")]
    Unavailable(String),
}

impl From<diesel::result::Error> for HandleError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
            | Error::BrokenTransactionManager => HandleError::Unavailable(error.to_string()),
            other => HandleError::Retry(other.into()),
        }
    }
}

/// A service's reactions to events. Runs inside the transaction that also records
/// the event in the inbox, so the effect and "applied" commit together.
pub trait EventHandler: Send + Sync + 'static {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a IncomingEvent,
    ) -> BoxFuture<'a, Result<(), HandleError>>;

    /// The routing-key patterns this handler needs: the service queue's bindings.
    fn routing_keys(&self) -> Vec<String>;

    /// Applies several events (none of them a duplicate) in the caller's transaction.
    /// By default one after the other; a handler that writes one statement per table
    /// for the whole batch overrides it (reporting). An error that names no event makes
    /// the consumer apply each event of the batch alone, where the guilty one is found.
    fn handle_batch<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        events: &'a [&'a IncomingEvent],
    ) -> BoxFuture<'a, Result<(), BatchError>> {
        Box::pin(one_by_one(self, conn, events, 0))
    }
}

/// Applies `events` one after the other; a failure names its event by its index plus
/// `offset` (its place in the whole batch).
pub(super) async fn one_by_one<H: EventHandler + ?Sized>(
    handler: &H,
    conn: &mut AsyncPgConnection,
    events: &[&IncomingEvent],
    offset: usize,
) -> Result<(), BatchError> {
    for (index, event) in events.iter().enumerate() {
        handler
            .handle(conn, event)
            .await
            .map_err(|error| BatchError::at(offset + index, error))?;
    }
    Ok(())
}

/// Why a batch of events was not applied, and at which event when that is known.
#[derive(Debug)]
pub struct BatchError {
    pub index: Option<usize>,
    pub error: HandleError,
}

impl BatchError {
    pub fn at(index: usize, error: HandleError) -> BatchError {
        BatchError {
            index: Some(index),
            error,
        }
    }
}

/// A statement of the whole batch failed: no one event is to blame.
impl From<diesel::result::Error> for BatchError {
    fn from(error: diesel::result::Error) -> Self {
        BatchError {
            index: None,
            error: error.into(),
        }
    }
}
