use super::scalars::uuid;
use super::types::Event;
use super::{actor, app};
use crate::access::{Caller, Right};
use async_graphql::{Context, ID, MergedSubscription, Result, Subscription as SubscriptionObject};
use futures_util::{Stream, StreamExt};
use tokio_stream_shim::broadcast_stream;

/// Every subscription, merged from one object per area.
#[derive(MergedSubscription, Default)]
pub struct Subscription(EventSubscription, super::alerts::AlertSubscription);

#[derive(Default)]
pub struct EventSubscription;

#[SubscriptionObject]
impl EventSubscription {
    /// Each event as it is appended (by this or another instance), optionally of one stream:
    /// those of the streams the caller may read (`events(streamId)`'s rule, judged as each
    /// event arrives).
    async fn event_appended(&self, ctx: &Context<'_>, stream_id: Option<ID>) -> Result<impl Stream<Item = Event>> {
        let actor = actor(ctx)?.clone();
        let app = app(ctx)?.clone();
        let stream_id = stream_id.as_ref().map(|s| uuid("streamId", s)).transpose()?;
        let rx = app.appended();
        Ok(broadcast_stream(rx).filter_map(move |recorded| {
            let (app, actor) = (app.clone(), actor.clone());
            async move {
                if stream_id.is_some_and(|s| s != recorded.stream_id) {
                    return None;
                }
                let state = app.state();
                if !Caller::new(&state, &actor).may(Right::ReadStream(recorded.stream_id)) {
                    return None;
                }
                let retracted = state.retracted.contains(&recorded.id);
                Some(Event {
                    recorded: (*recorded).clone(),
                    retracted,
                })
            }
        }))
    }
}

/// A broadcast receiver as a stream that skips what a slow subscriber missed.
mod tokio_stream_shim {
    use futures_util::Stream;
    use tokio::sync::broadcast::{Receiver, error::RecvError};

    pub fn broadcast_stream<T: Clone + Send + 'static>(rx: Receiver<T>) -> impl Stream<Item = T> {
        futures_util::stream::unfold(rx, |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(item) => return Some((item, rx)),
                    Err(RecvError::Lagged(missed)) => tracing::warn!(missed, "a subscriber fell behind"),
                    Err(RecvError::Closed) => return None,
                }
            }
        })
    }
}
