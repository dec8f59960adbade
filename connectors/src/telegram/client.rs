//! Calls to the Bot API, with its error envelope mapped to what the delivery worker does:
//! 429 waits `retry_after`, 403 and other 4xx fail the reply with the provider's reason,
//! network faults and 5xx are retried.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use crm_core::domain::{DeliveryError, OutboundFile, OutboundMessage};
use reqwest::multipart::{Form, Part};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Clone)]
pub struct TelegramClient {
    http: reqwest::Client,
    base_url: String,
    token: String,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
pub struct BotInfo {
    pub id: i64,
    pub username: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    ok: bool,
    result: Option<Value>,
    description: Option<String>,
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    retry_after: Option<u64>,
}

impl TelegramClient {
    /// `base_url` without a trailing slash, e.g. `https://api.telegram.org`.
    pub fn new(base_url: &str, token: &str, timeout: Duration) -> reqwest::Result<Self> {
        Ok(Self {
            http: crate::client(timeout)?,
            base_url: base_url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
    }

    pub async fn get_me(&self) -> Result<BotInfo, DeliveryError> {
        let result = self.call("getMe", &json!({})).await?;
        serde_json::from_value(result)
            .map_err(|e| temporary(format!("unexpected getMe answer: {e}")))
    }

    /// Sends a text reply; returns the provider's id of the sent message.
    pub async fn send_message(&self, message: &OutboundMessage) -> Result<String, DeliveryError> {
        let mut body = json!({"chat_id": message.chat_id, "text": message.text});
        if let Some(reply_to) = message
            .reply_to
            .as_deref()
            .and_then(|id| id.parse::<i64>().ok())
        {
            body["reply_parameters"] =
                json!({"message_id": reply_to, "allow_sending_without_reply": true});
            // Older servers and emulators still read the flat field.
            body["reply_to_message_id"] = json!(reply_to);
        }
        let result = self.call("sendMessage", &body).await?;
        message_id_of("sendMessage", &result)
    }

    /// Long polling: updates after `offset`, waiting up to `timeout_secs` for one to arrive.
    /// Returns each update as raw JSON for `parse_update`.
    pub async fn get_updates(
        &self,
        offset: i64,
        timeout_secs: u64,
    ) -> Result<Vec<Vec<u8>>, DeliveryError> {
        let result = self
            .call(
                "getUpdates",
                &json!({"offset": offset, "timeout": timeout_secs, "limit": 100}),
            )
            .await?;
        let updates = result.as_array().cloned().unwrap_or_default();
        Ok(updates
            .iter()
            .map(|update| update.to_string().into_bytes())
            .collect())
    }

    pub async fn set_webhook(&self, url: &str, secret_token: &str) -> Result<(), DeliveryError> {
        self.call("setWebhook", &json!({"url": url, "secret_token": secret_token, "allowed_updates": ["message", "edited_message", "my_chat_member"]}))
            .await
            .map(drop)
    }

    pub async fn delete_webhook(&self) -> Result<(), DeliveryError> {
        self.call("deleteWebhook", &json!({})).await.map(drop)
    }

    /// Where a file the client sent is: its `file_path` for `download`.
    /// <https://core.telegram.org/bots/api#getfile>
    pub async fn get_file(&self, file_id: &str) -> Result<String, DeliveryError> {
        let result = self.call("getFile", &json!({"file_id": file_id})).await?;
        result
            .get("file_path")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| rejected("the file is no longer available on Telegram's servers"))
    }

    /// The bytes of a file found by `get_file`, refusing more than `limit`.
    pub async fn download(&self, file_path: &str, limit: u64) -> Result<Bytes, DeliveryError> {
        let url = format!("{}/file/bot{}/{file_path}", self.base_url, self.token);
        let mut response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| temporary(without_url(e)))?;
        let status = response.status();
        if !status.is_success() {
            let reason = format!("file download: HTTP {status}");
            return Err(if status.is_server_error() {
                temporary(reason)
            } else {
                rejected(&reason)
            });
        }
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Err(too_large(limit));
        }
        let mut bytes = BytesMut::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| temporary(without_url(e)))?
        {
            if bytes.len() as u64 + chunk.len() as u64 > limit {
                return Err(too_large(limit));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes.freeze())
    }

    /// Sends a file (as a photo, a voice note or a document, by its type) with an optional
    /// caption; returns the provider's id of the sent message.
    pub async fn send_file(
        &self,
        message: &OutboundMessage,
        file: &OutboundFile,
        bytes: Bytes,
        caption: Option<&str>,
    ) -> Result<String, DeliveryError> {
        let (method, field) = match file.content_type.as_str() {
            "image/jpeg" | "image/png" | "image/webp" => ("sendPhoto", "photo"),
            "audio/ogg" => ("sendVoice", "voice"),
            _ => ("sendDocument", "document"),
        };
        let part = Part::bytes(bytes.to_vec())
            .file_name(file.file_name.clone())
            .mime_str(&file.content_type)
            .map_err(|e| rejected(&format!("unusable content type: {e}")))?;
        let mut form = Form::new()
            .text("chat_id", message.chat_id.clone())
            .part(field, part);
        if let Some(caption) = caption.filter(|c| !c.is_empty()) {
            form = form.text("caption", caption.to_owned());
        }
        if let Some(reply_to) = message.reply_to.as_deref() {
            form = form.text(
                "reply_parameters",
                json!({"message_id": reply_to.parse::<i64>().unwrap_or_default(), "allow_sending_without_reply": true})
                    .to_string(),
            );
        }
        let url = format!("{}/bot{}/{method}", self.base_url, self.token);
        let request = self.http.post(url).multipart(form);
        let result = self.answer(method, request).await?;
        message_id_of(method, &result)
    }

    async fn call(&self, method: &str, body: &Value) -> Result<Value, DeliveryError> {
        let url = format!("{}/bot{}/{method}", self.base_url, self.token);
        self.answer(method, self.http.post(url).json(body)).await
    }

    async fn answer(
        &self,
        method: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<Value, DeliveryError> {
        let response = request
            .send()
            .await
            .map_err(|e| temporary(without_url(e)))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| temporary(without_url(e)))?;
        let envelope: Option<Envelope> = serde_json::from_slice(&bytes).ok();
        match envelope {
            Some(Envelope {
                ok: true, result, ..
            }) => Ok(result.unwrap_or(Value::Null)),
            Some(envelope) => Err(classify(status.as_u16(), envelope)),
            None if status.is_server_error() => Err(temporary(format!("{method}: HTTP {status}"))),
            None => Err(DeliveryError::Rejected {
                reason: format!("{method}: HTTP {status} without a Bot API answer"),
            }),
        }
    }
}

fn classify(status: u16, envelope: Envelope) -> DeliveryError {
    let reason = envelope
        .description
        .unwrap_or_else(|| format!("HTTP {status}"));
    let retry_after = envelope.parameters.and_then(|p| p.retry_after);
    match (status, retry_after) {
        (_, Some(seconds)) => DeliveryError::RetryAfter {
            retry_after_secs: seconds,
            reason,
        },
        (429, None) => DeliveryError::RetryAfter {
            retry_after_secs: 1,
            reason,
        },
        (500..=599, _) => DeliveryError::Temporary { reason },
        _ => DeliveryError::Rejected { reason },
    }
}

fn message_id_of(method: &str, result: &Value) -> Result<String, DeliveryError> {
    result
        .get("message_id")
        .and_then(Value::as_i64)
        .map(|id| id.to_string())
        .ok_or_else(|| temporary(format!("{method} answered without a message_id")))
}

fn rejected(reason: &str) -> DeliveryError {
    DeliveryError::Rejected {
        reason: reason.to_owned(),
    }
}

/// Bots may download at most 20 MB; the media store may allow less.
fn too_large(limit: u64) -> DeliveryError {
    rejected(&format!("the file is larger than {limit} bytes"))
}

fn temporary(reason: String) -> DeliveryError {
    DeliveryError::Temporary { reason }
}

/// reqwest errors include the URL, and a Bot API URL contains the token.
fn without_url(error: reqwest::Error) -> String {
    error.without_url().to_string()
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
