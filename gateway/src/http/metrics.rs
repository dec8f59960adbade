//! Prometheus metrics in the text exposition format: requests by route and status, a latency
//! histogram per route, open websockets and the database pool. Routes are labelled by their
//! pattern (`/api/v1/users/{id}`), never the raw path, so label cardinality stays bounded.

use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{
        Mutex,
        atomic::{AtomicI64, Ordering},
    },
    time::Instant,
};

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::Response,
};

use crate::state::AppState;

const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    open_websockets: AtomicI64,
}

#[derive(Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Metrics {
    pub fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests
                .entry((route.to_owned(), method.to_owned(), status))
                .or_default() += 1;
        }
        if let Ok(mut latency) = self.latency.lock() {
            let histogram = latency.entry(route.to_owned()).or_default();
            for (bucket, bound) in histogram.counts.iter_mut().zip(BUCKETS) {
                if seconds <= bound {
                    *bucket += 1;
                }
            }
            histogram.count += 1;
            histogram.sum += seconds;
        }
    }

    /// Counts a websocket for as long as the returned guard lives.
    pub fn websocket_opened(&self) -> WebsocketGuard<'_> {
        self.open_websockets.fetch_add(1, Ordering::Relaxed);
        WebsocketGuard(self)
    }

    pub fn open_websockets(&self) -> i64 {
        self.open_websockets.load(Ordering::Relaxed)
    }

    pub fn render(&self, pool: (u32, usize), max_connections: u32) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP switchboard_http_requests_total HTTP requests answered, by route, method and status.\n");
        out.push_str("# TYPE switchboard_http_requests_total counter\n");
        if let Ok(requests) = self.requests.lock() {
            for ((route, method, status), count) in requests.iter() {
                let _ = writeln!(
                    out,
                    "switchboard_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {count}",
                    escape(route)
                );
            }
        }
        out.push_str("# HELP switchboard_http_request_duration_seconds Time to answer HTTP requests, by route.\n");
        out.push_str("# TYPE switchboard_http_request_duration_seconds histogram\n");
        if let Ok(latency) = self.latency.lock() {
            for (route, histogram) in latency.iter() {
                let route = escape(route);
                for (count, bound) in histogram.counts.iter().zip(BUCKETS) {
                    let _ = writeln!(
                        out,
                        "switchboard_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                    );
                }
                let _ = writeln!(
                    out,
                    "switchboard_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    histogram.count
                );
                let _ = writeln!(
                    out,
                    "switchboard_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                    histogram.sum
                );
                let _ = writeln!(
                    out,
                    "switchboard_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    histogram.count
                );
            }
        }
        out.push_str("# HELP switchboard_websockets_open Websocket connections open now.\n");
        out.push_str("# TYPE switchboard_websockets_open gauge\n");
        let _ = writeln!(
            out,
            "switchboard_websockets_open {}",
            self.open_websockets()
        );
        let (size, idle) = pool;
        out.push_str("# HELP switchboard_db_pool_connections Database connections by state.\n");
        out.push_str("# TYPE switchboard_db_pool_connections gauge\n");
        let _ = writeln!(
            out,
            "switchboard_db_pool_connections{{state=\"idle\"}} {idle}"
        );
        let _ = writeln!(
            out,
            "switchboard_db_pool_connections{{state=\"busy\"}} {}",
            (size as usize).saturating_sub(idle)
        );
        out.push_str(
            "# HELP switchboard_db_pool_max_connections Most connections the pool may open.\n",
        );
        out.push_str("# TYPE switchboard_db_pool_max_connections gauge\n");
        let _ = writeln!(out, "switchboard_db_pool_max_connections {max_connections}");
        out
    }
}

pub struct WebsocketGuard<'a>(&'a Metrics);

impl Drop for WebsocketGuard<'_> {
    fn drop(&mut self) {
        self.0.open_websockets.fetch_sub(1, Ordering::Relaxed);
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Middleware: times each request and counts it under its route pattern.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    state.metrics.record(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// # GET /metrics
pub async fn render(
    State(state): State<AppState>,
) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    let body = state.metrics.render(
        state.store.pool_stats(),
        state.settings.database.max_connections,
    );
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let metrics = Metrics::default();
        metrics.record("GET", "/healthz", 200, 0.003);
        metrics.record("GET", "/healthz", 200, 0.2);
        let text = metrics.render((3, 2), 10);
        assert!(text.contains(
            "switchboard_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "switchboard_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "switchboard_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.25\"} 2"
        ));
        assert!(text.contains("switchboard_db_pool_connections{state=\"busy\"} 1"));
    }
}
