//! Switchboard's HTTP API as a client sees it, for setting up a scenario: users, their
//! tokens, a channel and a DM. Password hashing makes each login or account creation cost
//! tens of milliseconds, so scenarios create a few users and open many connections each.

use anyhow::Context;
use futures_util::{StreamExt, TryStreamExt, stream};
use serde_json::{Value, json};

use crate::server::{Kind, Server, nonce};

/// Who takes part in a scenario: member tokens, the channel they share, and the sender.
/// For the socket.io baseline everything is empty: it has no accounts and a single room.
#[derive(Clone, Debug, Default)]
pub struct Cast {
    /// One bearer token per member user; connections are spread over them.
    pub tokens: Vec<String>,
    pub user_ids: Vec<String>,
    /// The channel every member (and the sender) belongs to.
    pub room: String,
    /// The admin, who created the channel and sends into it.
    pub sender: Option<String>,
}

impl Cast {
    /// The token for the `index`-th connection, round-robin over the members.
    pub fn token(&self, index: usize) -> Option<&str> {
        match self.tokens.len() {
            0 => None,
            n => self.tokens.get(index % n).map(String::as_str),
        }
    }
}

pub struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    pub fn new(server: &Server) -> Self {
        Self {
            http: {
                // reqwest is built with rustls but no provider of its own (the server's choice).
                let _ = rustls::crypto::ring::default_provider().install_default();
                reqwest::Client::new()
            },
            base: server.base_url(),
        }
    }

    pub async fn post(
        &self,
        token: Option<&str>,
        path: &str,
        body: Value,
    ) -> anyhow::Result<Value> {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("POST {path}"))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or_default();
        anyhow::ensure!(status.is_success(), "POST {path}: {status} {body}");
        Ok(body)
    }

    /// GETs `path` (with its query) and reads the whole JSON body, as a client would.
    pub async fn get(&self, token: &str, path: &str) -> anyhow::Result<Value> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or_default();
        anyhow::ensure!(status.is_success(), "GET {path}: {status} {body}");
        Ok(body)
    }

    pub async fn login(&self, login: &str, password: &str) -> anyhow::Result<String> {
        let body = self
            .post(
                None,
                "/api/v1/auth/login",
                json!({"login": login, "password": password}),
            )
            .await?;
        string(&body["token"], "token")
    }

    /// Creates an operator and returns its id.
    pub async fn create_user(
        &self,
        admin: &str,
        login: &str,
        password: &str,
    ) -> anyhow::Result<String> {
        let body = self
            .post(
                Some(admin),
                "/api/v1/users",
                json!({"login": login, "display_name": login, "role": "operator", "password": password}),
            )
            .await?;
        string(&body["user"]["id"], "user.id")
    }

    pub async fn create_channel(
        &self,
        token: &str,
        name: &str,
        members: &[String],
    ) -> anyhow::Result<String> {
        let body = self
            .post(
                Some(token),
                "/api/v1/rooms",
                json!({"kind": "channel", "name": name, "members": members}),
            )
            .await?;
        string(&body["id"], "room id")
    }

    pub async fn open_dm(&self, token: &str, other: &str) -> anyhow::Result<String> {
        let body = self
            .post(Some(token), "/api/v1/dms", json!({"user_id": other}))
            .await?;
        string(&body["id"], "room id")
    }
}

/// Percent-encodes a query value: cursors carry `+` (phones), `@`, `:` and non-ASCII names.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

pub fn string(value: &Value, what: &str) -> anyhow::Result<String> {
    value
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("the response has no {what}"))
}

/// Creates `members` operators, logs each in once, and puts them with the admin in a new
/// channel; with no members, the admin's own token stands for them. Empty for the
/// socket.io baseline.
pub async fn cast(server: &Server, members: usize) -> anyhow::Result<Cast> {
    if server.kind == Kind::SocketIo {
        return Ok(Cast::default());
    }
    let (login, password) = server
        .admin
        .clone()
        .context("the Switchboard admin login is unknown; pass --login and --password")?;
    let api = Api::new(server);
    let admin = api.login(&login, &password).await?;
    let tag = nonce() % 1_000_000_000;
    let users: Vec<(String, String)> = stream::iter(0..members)
        .map(|i| {
            let (api, admin) = (&api, admin.as_str());
            async move {
                let login = format!("bench{tag}u{i}");
                let password = format!("bench-password-{i:04}");
                let id = api.create_user(admin, &login, &password).await?;
                let token = api.login(&login, &password).await?;
                Ok::<_, anyhow::Error>((id, token))
            }
        })
        .buffered(2)
        .try_collect()
        .await?;
    let (user_ids, mut tokens): (Vec<String>, Vec<String>) = users.into_iter().unzip();
    if tokens.is_empty() {
        tokens.push(admin.clone());
    }
    let room = api
        .create_channel(&admin, &format!("bench {tag}"), &user_ids)
        .await?;
    Ok(Cast {
        tokens,
        user_ids,
        room,
        sender: Some(admin),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_value_keeps_only_unreserved_characters() {
        assert_eq!(encode("phone:+7 900"), "phone%3A%2B7%20900");
        assert_eq!(encode("name:ёж"), "name%3A%D1%91%D0%B6");
        assert_eq!(encode("0190-ab_c.d~"), "0190-ab_c.d~");
    }
}
