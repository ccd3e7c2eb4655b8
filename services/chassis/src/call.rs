//! The shape of a unary call: the caller the gate admitted, the message, and the
//! handler's work run on its own task, so that a client hanging up mid-call cannot
//! cancel it halfway through a database transaction.
use std::future::Future;

use crate::ApiError;

pub async fn run_to_end<T, F>(work: F) -> Result<T, tonic::Status>
where
    F: Future<Output = Result<T, ApiError>> + Send + 'static,
    T: Send + 'static,
{
    // Keep the caller's span, so the work (and the events it records) stays in its trace.
    match tokio::spawn(tracing::Instrument::in_current_span(work)).await {
        Ok(result) => result.map_err(tonic::Status::from),
        Err(join_error) => {
            Err(ApiError::Unexpected(anyhow::anyhow!("handler task failed: {join_error}")).into())
        }
    }
}

/// A unary gRPC method: the caller the gate admitted, the message, and the handler
/// `async fn(&Context, &Caller, Request) -> Result<Response, ApiError>` run to its end.
#[macro_export]
macro_rules! unary_call {
    ($ctx:expr, $request:ident, $handler:path) => {{
        let caller = $crate::auth::caller(&$request)?.clone();
        let ctx = $ctx.clone();
        let message = $request.into_inner();
        $crate::call::run_to_end(async move { $handler(&ctx, &caller, message).await })
            .await
            .map(::tonic::Response::new)
    }};
}

/// A download answered as a server stream: the chunks a handler rendered whole.
pub type Download<T> =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<T, tonic::Status>> + Send>>;

/// The rendered chunks as the stream a download method returns.
pub fn download<T: Send + 'static>(chunks: Vec<T>) -> Download<T> {
    Box::pin(futures_util::stream::iter(chunks.into_iter().map(Ok)))
}

/// A service's gRPC trait, one line per method: `fn name(Request) -> Response = handler;`
/// for a unary call, `download fn name(Request) -> Stream of Chunk = handler;` for a
/// file sent as a stream of chunks (the handler returns them all; both run as
/// `unary_call!` does), and `upload fn name(Request) -> Response = handler;` for a client
/// stream, which the handler `(context, caller, stream)` reads as it arrives. The impl is written whole here, since `async_trait` does not see
/// methods that a macro inside the impl would write.
#[macro_export]
macro_rules! grpc_service {
    (impl $service:ident for $api:ty { $($body:tt)* }) => {
        $crate::grpc_service!(@munch [$service] [$api] [] $($body)*);
    };
    (@munch [$service:ident] [$api:ty] [$($done:tt)*]) => {
        #[::tonic::async_trait]
        impl $service for $api {
            $($done)*
        }
    };
    (@munch [$service:ident] [$api:ty] [$($done:tt)*]
        fn $method:ident($request:ty) -> $response:ty = $handler:path; $($rest:tt)*) => {
        $crate::grpc_service!(@munch [$service] [$api] [$($done)*
            async fn $method(
                &self,
                request: ::tonic::Request<$request>,
            ) -> ::std::result::Result<::tonic::Response<$response>, ::tonic::Status> {
                $crate::unary_call!(self.ctx, request, $handler)
            }
        ] $($rest)*);
    };
    (@munch [$service:ident] [$api:ty] [$($done:tt)*]
        upload fn $method:ident($request:ty) -> $response:ty = $handler:path; $($rest:tt)*) => {
        $crate::grpc_service!(@munch [$service] [$api] [$($done)*
            async fn $method(
                &self,
                request: ::tonic::Request<::tonic::Streaming<$request>>,
            ) -> ::std::result::Result<::tonic::Response<$response>, ::tonic::Status> {
                let caller = $crate::auth::caller(&request)?.clone();
                $handler(self.ctx.clone(), caller, request.into_inner())
                    .await
                    .map(::tonic::Response::new)
            }
        ] $($rest)*);
    };
    (@munch [$service:ident] [$api:ty] [$($done:tt)*]
        download fn $method:ident($request:ty) -> $stream:ident of $chunk:ty = $handler:path;
        $($rest:tt)*) => {
        $crate::grpc_service!(@munch [$service] [$api] [$($done)*
            type $stream = $crate::call::Download<$chunk>;

            async fn $method(
                &self,
                request: ::tonic::Request<$request>,
            ) -> ::std::result::Result<::tonic::Response<Self::$stream>, ::tonic::Status> {
                let chunks = $crate::unary_call!(self.ctx, request, $handler)?;
                Ok(::tonic::Response::new($crate::call::download(chunks.into_inner())))
            }
        ] $($rest)*);
    };
}
