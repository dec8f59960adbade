//! The `switchboard` server as a library: settings, the HTTP surface, and the lifecycle that
//! `main` and the tests share (`Application::build`, then `serve` until the shutdown token
//! is cancelled).
#![forbid(unsafe_code)]

mod calls;
mod crm_events;
mod delivery;
pub mod error;
mod events;
pub mod http;
mod inbound_batch;
pub mod open_lines;
mod routes;
pub mod routing_turns;
pub mod settings;
pub mod state;
mod task_reminders;
mod telegram;
pub mod telemetry;
pub mod throttle;
mod web;
mod widget;
pub mod ws;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{Router, extract::DefaultBodyLimit, http::StatusCode, middleware, routing::get};
use crm_core::{
    Store, StoreOptions,
    domain::{Login, Password},
    service::{Accounts, Attachments, Calls, OpenLines, Outbox, Rooms, Widget},
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::{limit::RequestBodyLimitLayer, timeout::TimeoutLayer, trace::TraceLayer};

pub use settings::Settings;
use state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Store(#[from] crm_core::Error),
    #[error("event bus: {0}")]
    Bus(#[from] realtime::BusError),
    #[error("media folder {path}: {source}")]
    Media {
        path: String,
        source: std::io::Error,
    },
    #[error("call media (UDP port {port}): {source}")]
    Sfu { port: u16, source: std::io::Error },
    #[error("http: {0}")]
    Io(#[from] std::io::Error),
}

/// A built server: connected to its database and bus, not yet listening.
pub struct Application {
    state: AppState,
    sfu_events: tokio::sync::mpsc::UnboundedReceiver<media::sfu::SfuEvent>,
}

pub fn store_options(settings: &Settings) -> StoreOptions {
    let mut options = StoreOptions::new(settings.database.url.expose());
    options.max_connections = settings.database.max_connections;
    options
}

impl Application {
    /// Opens the database (applying migrations), connects the bus and prepares the media
    /// folder. `shutdown` is the token whose cancellation stops `serve`.
    pub async fn build(
        settings: Settings,
        shutdown: CancellationToken,
    ) -> Result<Self, StartupError> {
        let store = Store::open(&store_options(&settings)).await?;
        let bus = realtime::connect(settings.redis_url(), settings.bus.capacity_per_topic).await?;
        let presence = realtime::presence(
            settings.redis_url(),
            bus.clone(),
            realtime::DEFAULT_PRESENCE_TTL,
        )
        .await?;
        let blobs = media::LocalBlobStore::open(&settings.media.dir)
            .await
            .map_err(|error| StartupError::Media {
                path: settings.media.dir.display().to_string(),
                source: match error {
                    media::MediaError::Io { source, .. } => source,
                    other => std::io::Error::other(other),
                },
            })?;
        let (sfu, sfu_events, _sfu_task) =
            media::sfu::Sfu::start(calls::sfu_config(&settings.calls), shutdown.clone())
                .await
                .map_err(|source| StartupError::Sfu {
                    port: settings.calls.udp_port,
                    source,
                })?;
        let session_ttl_seconds =
            i64::try_from(settings.auth.session_ttl_hours.saturating_mul(3600)).unwrap_or(i64::MAX);
        let state = AppState::new(state::Services {
            accounts: Accounts::new(store.clone(), session_ttl_seconds),
            rooms: Rooms::new(store.clone()),
            open_lines: OpenLines::new(store.clone()),
            inbound_batch: inbound_batch::InboundBatcher::start(
                store.clone(),
                OpenLines::new(store.clone()),
                shutdown.clone(),
            ),
            outbox: Outbox::new(store.clone()),
            widget: Widget::new(store.clone()),
            outbox_wakeup: Arc::default(),
            attachments: Attachments::new(store.clone()),
            calls: Calls::new(store.clone()),
            call_hub: Arc::default(),
            sfu,
            blobs: Arc::new(blobs),
            throttle: Arc::new(throttle::LoginThrottle::new(&settings.auth)),
            routing_turns: routing_turns::RoutingTurns::default(),
            metrics: Arc::default(),
            settings: Arc::new(settings),
            store,
            bus,
            presence,
            shutdown,
        });
        Ok(Self { state, sfu_events })
    }

    /// On an empty database, creates the first admin; the caller shows the password once.
    pub async fn bootstrap_admin(&self) -> Result<Option<(Login, Password)>, StartupError> {
        Ok(self.state.accounts.bootstrap_admin().await?)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn router(&self) -> Router {
        let settings = &self.state.settings;
        Router::new()
            .merge(routes::api_router())
            .route("/healthz", get(routes::health::healthz))
            .route("/readyz", get(routes::health::readyz))
            .route("/metrics", get(http::metrics::render))
            // The web app for browser paths; unknown API routes keep the JSON 404.
            .fallback(web::fallback)
            // Innermost first. The envelope wraps the limits and the timeout so their
            // responses get the JSON body too; metrics and tracing see the final status.
            // `http.body_limit_bytes` bounds every extractor that reads a body into memory;
            // the hard cap on any body is the larger of it and `media.max_upload_bytes`, so
            // attachment uploads (streamed to disk, limited in their handler) get through.
            .layer(DefaultBodyLimit::max(settings.http.body_limit_bytes))
            .layer(RequestBodyLimitLayer::new(body_cap(settings)))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                Duration::from_secs(settings.http.request_timeout_secs),
            ))
            .layer(middleware::from_fn(http::envelope::ensure_json_errors))
            .layer(middleware::from_fn_with_state(
                self.state.clone(),
                http::metrics::track,
            ))
            .layer(TraceLayer::new_for_http().make_span_with(http::trace::make_span))
            .with_state(self.state.clone())
    }

    /// Serves until the shutdown token is cancelled, then stops accepting, lets in-flight
    /// requests and websockets finish within `http.shutdown_grace_secs`, and closes the bus
    /// and the database pool.
    pub async fn serve(self, listener: TcpListener) -> Result<(), StartupError> {
        let router = self.router();
        let Self { state, sfu_events } = self;
        let grace = Duration::from_secs(state.settings.http.shutdown_grace_secs);
        let shutdown = state.shutdown.clone();
        // Chat frames are small and latency matters: no Nagle delay waiting for the peer's ACK.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let server = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown.clone().cancelled_owned());
        let mut server = tokio::spawn(async move { server.await });
        // Background work, each stopping when `shutdown` is cancelled.
        let mut workers = tokio::task::JoinSet::new();
        workers.spawn(state.presence.clone().run_sweeper(shutdown.clone()));
        workers.spawn(delivery::run(state.clone(), shutdown.clone()));
        workers.spawn(open_lines::run_router(state.clone(), shutdown.clone()));
        workers.spawn(telegram::run_pollers(state.clone(), shutdown.clone()));
        workers.spawn(task_reminders::run(state.clone(), shutdown.clone()));
        workers.spawn(calls::run_signals(
            state.clone(),
            sfu_events,
            shutdown.clone(),
        ));
        let outcome = tokio::select! {
            finished = &mut server => Some(finished),
            () = shutdown.cancelled() => None,
        };
        let outcome = match outcome {
            Some(finished) => finished,
            None => match tokio::time::timeout(grace, &mut server).await {
                Ok(finished) => finished,
                Err(_) => {
                    tracing::warn!(
                        grace_secs = grace.as_secs(),
                        "connections still open after the grace period; closing them"
                    );
                    server.abort();
                    Ok(Ok(()))
                }
            },
        };
        shutdown.cancel();
        if tokio::time::timeout(grace, async {
            while workers.join_next().await.is_some() {}
        })
        .await
        .is_err()
        {
            tracing::warn!("background workers did not stop within the grace period");
            workers.abort_all();
        }
        state.bus.close().await;
        state.store.close().await;
        match outcome {
            Ok(result) => Ok(result?),
            Err(join) => Err(StartupError::Io(std::io::Error::other(join))),
        }
    }
}

/// The largest request body any route accepts: attachments may exceed the JSON limit.
fn body_cap(settings: &Settings) -> usize {
    let uploads = usize::try_from(settings.media.max_upload_bytes).unwrap_or(usize::MAX);
    settings.http.body_limit_bytes.max(uploads)
}

/// Builds and serves on an already bound listener: the entry point `main` and the tests share.
pub async fn launch_with_listener(
    settings: Settings,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), StartupError> {
    Application::build(settings, shutdown)
        .await?
        .serve(listener)
        .await
}
