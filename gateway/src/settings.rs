//! Settings, loaded in layers: defaults in code, then an optional `switchboard.toml`, then
//! `SWITCHBOARD__SECTION__KEY` environment variables, then `DATABASE_URL` and `REDIS_URL`.
//! Loading fails with a message that names the key at fault and what it accepts.

use std::{
    fmt,
    path::{Path, PathBuf},
};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

/// The documented configuration, printed by `switchboard default-config`.
pub const EXAMPLE_CONFIG: &str = include_str!("../switchboard.example.toml");

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub http: HttpSettings,
    pub database: DatabaseSettings,
    pub bus: BusSettings,
    pub media: MediaSettings,
    pub auth: AuthSettings,
    pub channels: ChannelSettings,
    pub calls: CallSettings,
    pub log: LogSettings,
}

/// Audio/video calls: the SFU's UDP socket and the ICE servers browsers are given.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CallSettings {
    /// The one UDP port all call media uses (open it in the firewall); 0 picks a free port
    /// at start. default: 0
    pub udp_port: u16,
    /// Offer browsers media over UDP on `udp_port`. Turn off only where nothing but TCP gets
    /// through. default: true
    pub udp: bool,
    /// Also accept media over TCP on the same port number (ICE-TCP), for browsers whose
    /// network blocks UDP; open that TCP port too. default: true
    pub tcp: bool,
    /// The address browsers send media to (the host candidate): this server's public
    /// address, or its LAN address. Empty: the address of the interface that routes to the
    /// internet, else 127.0.0.1. default: ""
    pub public_ip: String,
    /// STUN servers browsers use to find their own public address
    /// (`stun:stun.example.com:3478`). default: []
    pub stun_servers: Vec<String>,
    /// TURN relays for browsers behind restrictive NATs. default: []
    pub turn_servers: Vec<TurnServer>,
}

impl Default for CallSettings {
    fn default() -> Self {
        Self {
            udp_port: 0,
            udp: true,
            tcp: true,
            public_ip: String::new(),
            stun_servers: Vec::new(),
            turn_servers: Vec::new(),
        }
    }
}

/// A TURN relay as browsers are given it (`RTCIceServer`). `Debug` hides the credential.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TurnServer {
    /// `turn:turn.example.com:3478?transport=udp`
    pub url: String,
    pub username: String,
    pub credential: String,
}

impl fmt::Debug for TurnServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TurnServer")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("credential", &"***")
            .finish()
    }
}

/// Messenger channels.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ChannelSettings {
    /// The address providers reach this server at, for registering webhooks
    /// (`https://hub.example.com`). default: empty (webhooks are registered by hand)
    pub public_url: String,
    /// The Telegram Bot API; a self-hosted Bot API server works too.
    /// default: "https://api.telegram.org"
    pub telegram_api_url: String,
}

impl Default for ChannelSettings {
    fn default() -> Self {
        Self {
            public_url: String::new(),
            telegram_api_url: "https://api.telegram.org".to_owned(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSettings {
    pub host: std::net::IpAddr,
    pub port: u16,
    pub body_limit_bytes: usize,
    pub request_timeout_secs: u64,
    pub shutdown_grace_secs: u64,
    pub trust_forwarded_for: bool,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            host: std::net::IpAddr::from([127, 0, 0, 1]),
            port: 8080,
            body_limit_bytes: 2 * 1024 * 1024,
            request_timeout_secs: 30,
            shutdown_grace_secs: 10,
            trust_forwarded_for: false,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    pub url: SecretUrl,
    pub max_connections: u32,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: SecretUrl("sqlite://data/switchboard.db".to_owned()),
            max_connections: 10,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct BusSettings {
    pub redis_url: SecretUrl,
    pub capacity_per_topic: usize,
    /// A connection that keeps receiving a channel's fan-out writes it at most once per
    /// this many milliseconds, everything that arrived meanwhile in one write; 0 writes every
    /// event at once. Conversations with few members and answers to a client's own frames
    /// are always written at once. default: 30
    pub fanout_window_ms: u64,
}

impl BusSettings {
    pub fn fanout_window(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.fanout_window_ms)
    }
}

impl Default for BusSettings {
    fn default() -> Self {
        Self {
            redis_url: SecretUrl(String::new()),
            capacity_per_topic: 1024,
            fanout_window_ms: 30,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MediaSettings {
    /// Folder for attachments and recordings. default: "data/media"
    pub dir: PathBuf,
    /// Largest attachment accepted, in bytes; larger uploads get 413. Uploads are streamed to
    /// disk, so this is not held in memory. default: 26214400 (25 MiB)
    pub max_upload_bytes: u64,
    /// MIME types accepted for attachments: exact (`application/pdf`), a whole type
    /// (`image/*`) or `*/*` for anything; other types get 415. default: images, MP4 video,
    /// audio, PDF, plain text, CSV, Word/Excel/PowerPoint and OpenDocument files, zip
    pub allowed_types: Vec<String>,
}

impl Default for MediaSettings {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("data/media"),
            max_upload_bytes: 25 * 1024 * 1024,
            allowed_types: DEFAULT_ALLOWED_TYPES.map(str::to_owned).to_vec(),
        }
    }
}

/// What `media.allowed_types` accepts unless configured otherwise.
const DEFAULT_ALLOWED_TYPES: [&str; 17] = [
    "image/*",
    "video/mp4",
    "audio/*",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/zip",
    "application/x-zip-compressed",
];

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    pub session_ttl_hours: u64,
    pub max_failures_per_account: u32,
    pub max_failures_per_address: u32,
    pub failure_window_secs: u64,
    pub lockout_secs: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_ttl_hours: 168,
            max_failures_per_account: 5,
            max_failures_per_address: 20,
            failure_window_secs: 900,
            lockout_secs: 900,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    pub format: LogFormat,
    pub filter: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            filter: "info,gateway=debug".to_owned(),
        }
    }
}

/// A connection URL that may hold a password: `Debug` shows it with the password masked.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct SecretUrl(String);

impl SecretUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", crm_core::store::redact_url(&self.0))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// Loads the layers. `explicit_file` must exist when given; otherwise `switchboard.toml`
    /// in the working directory is read if present.
    pub fn load(explicit_file: Option<&Path>) -> Result<Self, SettingsError> {
        let file = match explicit_file {
            Some(path) if !path.exists() => {
                return Err(SettingsError::MissingFile(path.to_owned()));
            }
            Some(path) => path.to_owned(),
            None => PathBuf::from("switchboard.toml"),
        };
        let mut figment = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("SWITCHBOARD__").split("__"));
        if let Ok(url) = std::env::var("DATABASE_URL") {
            figment = figment.merge(Serialized::default("database.url", url));
        }
        if let Ok(url) = std::env::var("REDIS_URL") {
            figment = figment.merge(Serialized::default("bus.redis_url", url));
        }
        let settings: Settings = figment.extract().map_err(describe)?;
        settings.validate()?;
        Ok(settings)
    }

    /// Rules serde cannot express.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let invalid = |message: String| Err(SettingsError::Invalid(message));
        if let Err(error) = crm_core::Backend::from_url(self.database.url.expose()) {
            return invalid(format!("database.url: {error}"));
        }
        let redis = self.bus.redis_url.expose();
        if !(redis.is_empty() || redis.starts_with("redis://") || redis.starts_with("rediss://")) {
            return invalid("bus.redis_url: unsupported scheme; expected redis:// or rediss://, or empty for the in-process bus".into());
        }
        if self.http.body_limit_bytes < 1024 {
            return invalid("http.body_limit_bytes: must be at least 1024".into());
        }
        if self.media.max_upload_bytes == 0 {
            return invalid("media.max_upload_bytes: must be at least 1".into());
        }
        if let Some(pattern) = self
            .media
            .allowed_types
            .iter()
            .find(|p| !crm_core::domain::ContentType::is_valid_pattern(p))
        {
            return invalid(format!(
                "media.allowed_types: {pattern:?} is not a MIME type pattern; expected type/subtype, type/* or */*"
            ));
        }
        if !self.calls.udp && !self.calls.tcp {
            return invalid(
                "calls.udp and calls.tcp are both false: call media needs at least one of them"
                    .to_owned(),
            );
        }
        if !self.calls.public_ip.is_empty()
            && self.calls.public_ip.parse::<std::net::IpAddr>().is_err()
        {
            return invalid(format!(
                "calls.public_ip: {:?} is not an IP address; expected e.g. 203.0.113.7, or empty to detect it",
                self.calls.public_ip
            ));
        }
        if let Some(url) = self
            .calls
            .stun_servers
            .iter()
            .find(|u| !u.starts_with("stun:") && !u.starts_with("stuns:"))
        {
            return invalid(format!(
                "calls.stun_servers: {url:?} must start with stun: or stuns:"
            ));
        }
        if let Some(turn) = self
            .calls
            .turn_servers
            .iter()
            .find(|t| !t.url.starts_with("turn:") && !t.url.starts_with("turns:"))
        {
            return invalid(format!(
                "calls.turn_servers: {:?} must start with turn: or turns:",
                turn.url
            ));
        }
        if self.database.max_connections == 0 {
            return invalid("database.max_connections: must be at least 1".into());
        }
        if self.bus.capacity_per_topic == 0 {
            return invalid("bus.capacity_per_topic: must be at least 1".into());
        }
        if self.auth.session_ttl_hours == 0 {
            return invalid("auth.session_ttl_hours: must be at least 1".into());
        }
        if self.auth.max_failures_per_account == 0 || self.auth.max_failures_per_address == 0 {
            return invalid("auth.max_failures_per_account and auth.max_failures_per_address: must be at least 1".into());
        }
        Ok(())
    }

    pub fn redis_url(&self) -> Option<&str> {
        (!self.bus.redis_url.is_empty()).then(|| self.bus.redis_url.expose())
    }
}

/// "log.format: unknown variant: found `xml`, expected `text` or `json` (in …)": the key in
/// the dotted form the file uses, whichever layer the value came from.
fn describe(error: figment::Error) -> SettingsError {
    let messages: Vec<String> = error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".").to_lowercase();
            let source = e
                .metadata
                .as_ref()
                .map(|m| format!(" (in {})", m.name))
                .unwrap_or_default();
            if key.is_empty() {
                format!("{}{source}", e.kind)
            } else {
                format!("{key}: {}{source}", e.kind)
            }
        })
        .collect();
    SettingsError::Invalid(messages.join("; "))
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail closures return figment::Error by design
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_matches_the_defaults() {
        let parsed: Settings = Figment::from(Toml::string(EXAMPLE_CONFIG))
            .extract()
            .unwrap();
        assert_eq!(parsed, Settings::default());
    }

    #[test]
    fn every_default_key_is_documented_in_the_example() {
        let defaults = toml_keys(&figment::value::Value::serialize(Settings::default()).unwrap());
        for key in defaults {
            let leaf = key.rsplit('.').next().unwrap_or_default();
            assert!(
                EXAMPLE_CONFIG.contains(&format!("\n{leaf} = ")),
                "{key} is missing from the example"
            );
        }
    }

    fn toml_keys(value: &figment::value::Value) -> Vec<String> {
        match value {
            figment::value::Value::Dict(_, dict) => dict
                .iter()
                .flat_map(|(key, value)| {
                    let nested = toml_keys(value);
                    if nested.is_empty() {
                        vec![key.clone()]
                    } else {
                        nested.into_iter().map(|n| format!("{key}.{n}")).collect()
                    }
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn an_unknown_database_scheme_lists_the_valid_ones() {
        let mut settings = Settings::default();
        settings.database.url = SecretUrl::new("mysql://localhost/db");
        let message = settings.validate().unwrap_err().to_string();
        assert!(message.contains("database.url"), "{message}");
        assert!(message.contains("sqlite:, postgres://"), "{message}");
    }

    #[test]
    fn call_media_needs_udp_or_tcp() {
        let mut settings = Settings::default();
        settings.calls.udp = false;
        assert!(settings.validate().is_ok(), "TCP alone is enough");
        settings.calls.tcp = false;
        let message = settings.validate().unwrap_err().to_string();
        assert!(message.contains("calls.udp and calls.tcp"), "{message}");
    }

    #[test]
    fn an_allowed_type_that_is_not_a_mime_pattern_is_rejected() {
        let mut settings = Settings::default();
        settings.media.allowed_types.push("pdf".to_owned());
        let message = settings.validate().unwrap_err().to_string();
        assert!(message.contains("media.allowed_types"), "{message}");
        assert!(message.contains("\"pdf\""), "{message}");
    }

    #[test]
    fn an_invalid_enum_value_names_the_key_and_the_accepted_values() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("SWITCHBOARD__LOG__FORMAT", "xml");
            let message = Settings::load(None).unwrap_err().to_string();
            assert!(message.contains("log.format"), "{message}");
            assert!(message.contains("`text` or `json`"), "{message}");
            Ok(())
        });
    }

    #[test]
    fn environment_overrides_the_file_and_database_url_overrides_both() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "switchboard.toml",
                "[http]\nport = 9000\n[database]\nurl = \"sqlite://file.db\"\n",
            )?;
            jail.set_env("SWITCHBOARD__HTTP__PORT", "9100");
            jail.set_env(
                "DATABASE_URL",
                "postgres://sb:secret@db.internal/switchboard",
            );
            let settings = Settings::load(None).unwrap();
            assert_eq!(settings.http.port, 9100);
            assert_eq!(
                settings.database.url.expose(),
                "postgres://sb:secret@db.internal/switchboard"
            );
            assert!(!format!("{settings:?}").contains("secret"));
            Ok(())
        });
    }

    #[test]
    fn a_mistyped_key_is_rejected() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("switchboard.toml", "[http]\nprot = 9000\n")?;
            let message = Settings::load(None).unwrap_err().to_string();
            assert!(message.contains("prot"), "{message}");
            Ok(())
        });
    }
}
