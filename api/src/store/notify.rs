//! PostgreSQL LISTEN/NOTIFY: how an instance learns of the others' appends.

use super::NOTIFY_CHANNEL;
use sea_orm::sqlx::PgPool;
use sea_orm::sqlx::postgres::PgListener;
use std::time::Duration;
use tokio::sync::mpsc;

const RETRY: Duration = Duration::from_secs(1);

/// Listens on [`NOTIFY_CHANNEL`] and forwards the notified positions until the receiver is
/// dropped. When this returns, the first LISTEN has been tried: appends committed from now on
/// are notified (unless that attempt failed; the task keeps retrying every [`RETRY`]).
pub(super) async fn subscribe(pool: PgPool) -> mpsc::Receiver<i64> {
    let (tx, rx) = mpsc::channel(1024);
    let first = listen(&pool).await;
    tokio::spawn(async move {
        tokio::select! {
            () = forward(&pool, first, &tx) => {}
            () = tx.closed() => {}
        }
    });
    rx
}

async fn listen(pool: &PgPool) -> Option<PgListener> {
    let mut listener = match PgListener::connect_with(pool).await {
        Ok(listener) => listener,
        Err(error) => {
            tracing::warn!(%error, "cannot connect the event listener");
            return None;
        }
    };
    match listener.listen(NOTIFY_CHANNEL).await {
        Ok(()) => Some(listener),
        Err(error) => {
            tracing::warn!(%error, "cannot LISTEN for events");
            None
        }
    }
}

async fn forward(pool: &PgPool, mut listener: Option<PgListener>, tx: &mpsc::Sender<i64>) {
    loop {
        let Some(active) = listener.as_mut() else {
            tokio::time::sleep(RETRY).await;
            listener = listen(pool).await;
            continue;
        };
        match active.try_recv().await {
            Ok(Some(notification)) => match notification.payload().parse::<i64>() {
                Ok(position) => {
                    if tx.send(position).await.is_err() {
                        return;
                    }
                }
                Err(_) => tracing::warn!(
                    payload = notification.payload(),
                    "ignoring a malformed event notification"
                ),
            },
            // The connection was lost; `try_recv` reconnects and listens again on the next call.
            Ok(None) => tracing::warn!("the event listener lost its connection; notifications may have been missed"),
            Err(error) => {
                tracing::warn!(%error, "the event listener failed; reconnecting");
                listener = None;
            }
        }
    }
}
