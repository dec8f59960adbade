//! `TestApp`: the real server on a loopback port with a fresh database, and typed helpers
//! for calling it. Each test spawns its own and shuts it down at the end.

use std::time::Duration;

use gateway::{Application, Settings, settings::SecretUrl};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::db::{self, Backend, TestDatabase};

pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
    pub admin_login: String,
    pub admin_password: String,
    pub shutdown: CancellationToken,
    pub database_url: String,
    /// The running server's state, for publishing on its bus and reading its store.
    pub state: gateway::state::AppState,
    server: Option<JoinHandle<Result<(), gateway::StartupError>>>,
    _media: TempDir,
    _db: Option<TestDatabase>,
}

pub struct TestOptions {
    pub backend: Backend,
    pub redis_url: Option<String>,
    pub configure: fn(&mut Settings),
    /// Join an existing database (another node's) instead of creating one.
    pub shared_database_url: Option<String>,
}

impl Default for TestOptions {
    fn default() -> Self {
        Self {
            backend: Backend::Sqlite,
            redis_url: None,
            configure: |_| {},
            shared_database_url: None,
        }
    }
}

impl TestApp {
    /// The server on SQLite with the in-process bus.
    pub async fn spawn() -> Self {
        Self::spawn_with(TestOptions::default())
            .await
            .expect("sqlite is always available")
    }

    /// `None` when a component the options name is unavailable outside CI (skip notice printed).
    pub async fn spawn_with(options: TestOptions) -> Option<Self> {
        super::init_tls();
        let database = match &options.shared_database_url {
            Some(_) => None,
            None => Some(db::fresh(options.backend).await?),
        };
        let database_url = options
            .shared_database_url
            .clone()
            .or_else(|| database.as_ref().map(|db| db.url.clone()));
        let database_url = database_url.expect("a database");
        let media = TempDir::new();
        let mut settings = Settings::default();
        settings.http.port = 0;
        settings.http.shutdown_grace_secs = 2;
        settings.database.url = SecretUrl::new(database_url.clone());
        settings.database.max_connections = 5;
        settings.media.dir = media.path.clone();
        // Call media on loopback: nothing depends on which interface routes outwards.
        settings.calls.public_ip = "127.0.0.1".to_owned();
        if let Some(url) = options.redis_url {
            settings.bus.redis_url = SecretUrl::new(url);
        }
        (options.configure)(&mut settings);

        let shutdown = CancellationToken::new();
        let app = Application::build(settings, shutdown.clone())
            .await
            .expect("the app builds");
        // A node joining another's database finds its admin already there.
        let (login, password) = match app.bootstrap_admin().await.expect("bootstrap") {
            Some((login, password)) => (login.to_string(), password.expose().to_owned()),
            None => (String::new(), String::new()),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let address = format!("http://{}", listener.local_addr().expect("bound address"));
        let state = app.state().clone();
        let server = tokio::spawn(app.serve(listener));
        Some(Self {
            address,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .expect("http client"),
            admin_login: login,
            admin_password: password,
            shutdown,
            database_url,
            state,
            server: Some(server),
            _media: media,
            _db: database,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn ws_url(&self) -> String {
        format!("{}/api/v1/ws", self.address.replacen("http://", "ws://", 1))
    }

    pub async fn login(&self, login: &str, password: &str) -> Response {
        self.http
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"login": login, "password": password}))
            .send()
            .await
            .expect("login request")
    }

    /// Logs in and returns the bearer token; panics unless the login succeeds.
    pub async fn token(&self, login: &str, password: &str) -> String {
        let response = self.login(login, password).await;
        assert_eq!(response.status(), StatusCode::OK, "login as {login} failed");
        let body: Value = response.json().await.expect("login body");
        body["token"]
            .as_str()
            .expect("token in login response")
            .to_owned()
    }

    pub async fn admin_token(&self) -> String {
        self.token(&self.admin_login, &self.admin_password).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET")
    }

    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> Response {
        self.http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    /// Creates a user through the API as admin and returns (id, token) for them.
    pub async fn create_user(
        &self,
        admin_token: &str,
        login: &str,
        role: &str,
    ) -> (String, String) {
        let password = "a long enough password";
        let response = self
            .post_json(
                "/api/v1/users",
                admin_token,
                &json!({"login": login, "display_name": login, "role": role, "password": password}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "creating {login}");
        let body: Value = response.json().await.expect("user body");
        let id = body["user"]["id"].as_str().expect("user id").to_owned();
        (id, self.token(login, password).await)
    }

    /// Cancels the server and waits for it to finish draining.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(server) = self.server.take() {
            let finished = tokio::time::timeout(Duration::from_secs(15), server).await;
            finished
                .expect("the server stops within its grace period")
                .expect("server task")
                .expect("clean exit");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A temporary folder removed on drop.
pub struct TempDir {
    pub path: std::path::PathBuf,
}

impl TempDir {
    pub fn new() -> Self {
        let path = std::env::temp_dir().join(format!("switchboard-test-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self { path }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Reads the JSON error envelope and returns (code, message).
pub async fn error_of(response: Response) -> (StatusCode, String, Value) {
    let status = response.status();
    let body: Value = response.json().await.expect("an error body in JSON");
    let code = body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_owned();
    assert!(
        body["error"]["message"].is_string(),
        "error.message missing: {body}"
    );
    (status, code, body)
}
