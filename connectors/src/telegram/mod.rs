//! Telegram Bot API: updates (webhook or long polling) into `InboundMessage`s, and replies
//! out. The base URL is configurable so a self-hosted Bot API server or an emulator works.
//! <https://core.telegram.org/bots/api>

mod client;
mod parse;

pub use client::{BotInfo, TelegramClient};
pub use parse::{ParseError, ParsedUpdate, UpdateEvent, parse_update};

/// The header Telegram sends with the webhook's secret token.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// The public Bot API.
pub const DEFAULT_BASE_URL: &str = "https://api.telegram.org";
