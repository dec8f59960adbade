//! The Telegram Bot API emulator (npm `telegram-test-api`, in tests/peers) as a child
//! process on a free loopback port, plus the calls a test makes as the client.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::{Value, json};

pub struct TelegramEmulator {
    pub url: String,
    child: Child,
    http: reqwest::Client,
}

impl TelegramEmulator {
    /// Starts the emulator; fails the test (never skips) when Node or the package is missing.
    pub fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Self::start_on(port)
    }

    /// Starts it on a given port: a Telegram that comes back where it was (empty, as after a
    /// restart).
    pub fn start_on(port: u16) -> Self {
        let peers = concat!(env!("CARGO_MANIFEST_DIR"), "/peers");
        let mut child = Command::new("node")
            .arg(format!("{peers}/telegram.js"))
            .arg(port.to_string())
            .current_dir(peers)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs the Telegram emulator (install with: npm ci --prefix tests/peers)");
        let stdout = child.stdout.take().unwrap();
        let ready = BufReader::new(stdout).lines().next();
        assert!(
            matches!(ready, Some(Ok(ref line)) if line == "ready"),
            "the Telegram emulator did not start: {ready:?}"
        );
        super::init_tls();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Self {
            url: format!("http://127.0.0.1:{port}"),
            child,
            http,
        }
    }

    pub async fn set_webhook(&self, token: &str, url: &str) {
        let response = self
            .http
            .post(format!("{}/bot{token}/setWebhook", self.url))
            .json(&json!({"url": url}))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }

    /// The client writes to the bot.
    pub async fn client_says(&self, token: &str, chat: i64, name: &str, text: &str) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let body = json!({
            "botToken": token,
            "from": {"id": chat, "first_name": name, "is_bot": false},
            "chat": {"id": chat, "type": "private", "first_name": name},
            "date": now,
            "text": text,
        });
        let response = self
            .http
            .post(format!("{}/sendMessage", self.url))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "emulator refused the client's message"
        );
    }

    /// Puts a file on the emulated Telegram servers, as a client's upload; its `file_id`.
    pub async fn upload_file(&self, bytes: &[u8], name: &str, mime: &str) -> String {
        use base64::Engine;
        let body = json!({
            "content_base64": base64::engine::general_purpose::STANDARD.encode(bytes),
            "file_name": name,
            "mime_type": mime,
        });
        let stored: Value = self
            .http
            .post(format!("{}/uploadFile", self.url))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        stored["file_id"].as_str().unwrap().to_owned()
    }

    /// The client sends a message with the given Telegram `Message` fields (a document,
    /// a caption, `reply_to_message`…).
    pub async fn client_sends(&self, token: &str, chat: i64, name: &str, fields: Value) {
        let mut body = json!({
            "botToken": token,
            "from": {"id": chat, "first_name": name, "is_bot": false},
            "chat": {"id": chat, "type": "private", "first_name": name},
            "date": std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        });
        for (key, value) in fields.as_object().unwrap() {
            body[key] = value.clone();
        }
        let response = self
            .http
            .post(format!("{}/sendMessage", self.url))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }

    /// Everything the bot sent to a chat: each request's fields and the `message_id` it got.
    pub async fn bot_sent(&self, token: &str, chat: i64) -> Vec<Value> {
        let response: Value = self
            .http
            .post(format!("{}/getUpdatesHistory", self.url))
            .json(&json!({"token": token}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        response["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|update| {
                update["message"]["chat_id"].to_string().trim_matches('"') == chat.to_string()
            })
            .map(|update| {
                // The emulator keeps the id it answered with beside the request's fields.
                let mut message = update["message"].clone();
                message["message_id"] = update["messageId"].clone();
                message
            })
            .collect()
    }

    /// A file's bytes, downloaded the way a bot does (getFile path).
    pub async fn file_bytes(&self, token: &str, file_id: &str) -> Vec<u8> {
        self.http
            .get(format!("{}/file/bot{token}/documents/{file_id}", self.url))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec()
    }

    /// What the bot has sent to a chat so far.
    pub async fn bot_messages(&self, token: &str, chat: i64) -> Vec<String> {
        let body = json!({"token": token});
        let response: Value = self
            .http
            .post(format!("{}/getUpdatesHistory", self.url))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        response["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|update| {
                update["message"]["chat_id"].to_string().trim_matches('"') == chat.to_string()
            })
            .filter_map(|update| update["message"]["text"].as_str().map(str::to_owned))
            .collect()
    }
}

impl Drop for TelegramEmulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
