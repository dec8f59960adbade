//! What every handler can reach: the services, the bus, metrics, the login throttle and the
//! shutdown signal. Cheap to clone.

use std::sync::Arc;

use crm_core::{
    Store,
    service::{Accounts, Rooms},
};
use realtime::Bus;
use tokio_util::sync::CancellationToken;

use crate::{http::metrics::Metrics, settings::Settings, throttle::LoginThrottle};

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Store,
    pub accounts: Accounts,
    pub rooms: Rooms,
    pub bus: Arc<dyn Bus>,
    pub metrics: Arc<Metrics>,
    pub throttle: Arc<LoginThrottle>,
    /// Cancelled when the server begins shutting down; long-lived handlers watch it.
    pub shutdown: CancellationToken,
}
