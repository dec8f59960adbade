//! A line's policies as values: the weekly working hours in an IANA time zone, and how a
//! client's rating is asked for and read back.

use jiff::tz::TimeZone;
use serde::{Serialize, Serializer, ser::SerializeMap};
use serde_json::{Map, Value, json};

use super::Timestamp;
use crate::Error;

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MINUTES_PER_DAY: u16 = 24 * 60;

/// When a line answers: per weekday, intervals of local time (minutes since midnight,
/// end exclusive) in the line's time zone. Written `{"time_zone": "Europe/Berlin",
/// "week": {"mon": ["09:00-18:00"], …}}`; a day left out is closed all day.
#[derive(Clone, Debug)]
pub struct WorkingHours {
    time_zone: TimeZone,
    zone_name: String,
    week: [Vec<(u16, u16)>; 7],
}

impl PartialEq for WorkingHours {
    fn eq(&self, other: &Self) -> bool {
        self.zone_name == other.zone_name && self.week == other.week
    }
}

impl WorkingHours {
    pub fn parse(raw: &Value) -> Result<Self, Error> {
        let invalid = |message: String| Error::validation("working_hours", message);
        let zone_name = raw
            .get("time_zone")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("needs a time_zone such as \"Europe/Berlin\"".into()))?;
        let time_zone = TimeZone::get(zone_name)
            .map_err(|_| invalid(format!("unknown time zone \"{zone_name}\"")))?;
        let empty = Map::new();
        let days = match raw.get("week") {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(days)) => days,
            Some(_) => return Err(invalid("week must map days (mon … sun) to lists".into())),
        };
        let mut week: [Vec<(u16, u16)>; 7] = Default::default();
        for (day, intervals) in days {
            let index = DAYS
                .iter()
                .position(|name| name == day)
                .ok_or_else(|| invalid(format!("unknown day \"{day}\"; use mon … sun")))?;
            let intervals = intervals
                .as_array()
                .ok_or_else(|| invalid(format!("{day} must be a list like [\"09:00-18:00\"]")))?;
            for interval in intervals {
                let text = interval.as_str().unwrap_or_default();
                week[index].push(parse_interval(text).ok_or_else(|| {
                    invalid(format!(
                        "{day}: \"{text}\" is not an interval like \"09:00-18:00\""
                    ))
                })?);
            }
            week[index].sort_unstable();
        }
        Ok(Self {
            time_zone,
            zone_name: zone_name.to_owned(),
            week,
        })
    }

    pub fn time_zone(&self) -> &str {
        &self.zone_name
    }

    /// Whether `at` falls within the hours, in the line's local time (DST included).
    pub fn is_open(&self, at: Timestamp) -> bool {
        let Ok(instant) = jiff::Timestamp::from_millisecond(at.millis()) else {
            return false;
        };
        let local = self.time_zone.to_datetime(instant);
        let day = usize::try_from(local.weekday().to_monday_zero_offset()).unwrap_or(0);
        let minute =
            u16::try_from(i32::from(local.hour()) * 60 + i32::from(local.minute())).unwrap_or(0);
        self.week[day % 7]
            .iter()
            .any(|(start, end)| (*start..*end).contains(&minute))
    }

    pub fn to_json(&self) -> Value {
        let mut week = Map::new();
        for (index, intervals) in self.week.iter().enumerate() {
            if !intervals.is_empty() {
                let texts: Vec<Value> = intervals
                    .iter()
                    .map(|(start, end)| Value::String(format!("{}-{}", clock(*start), clock(*end))))
                    .collect();
                week.insert(DAYS[index].to_owned(), Value::Array(texts));
            }
        }
        json!({"time_zone": self.zone_name, "week": week})
    }
}

impl Serialize for WorkingHours {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value = self.to_json();
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("time_zone", &value["time_zone"])?;
        map.serialize_entry("week", &value["week"])?;
        map.end()
    }
}

/// `HH:MM-HH:MM` with the start before the end; `24:00` ends at midnight.
fn parse_interval(text: &str) -> Option<(u16, u16)> {
    let (start, end) = text.trim().split_once('-')?;
    let (start, end) = (parse_clock(start)?, parse_clock(end)?);
    (start < end).then_some((start, end))
}

fn parse_clock(text: &str) -> Option<u16> {
    let (hours, minutes) = text.trim().split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let (hours, minutes): (u16, u16) = (hours.parse().ok()?, minutes.parse().ok()?);
    let total = hours * 60 + minutes;
    (minutes < 60 && total <= MINUTES_PER_DAY).then_some(total)
}

fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Whether and how a closed conversation asks the client for a rating.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingMode {
    #[default]
    Off,
    /// 1 (poor) to 5 (excellent).
    Csat,
    /// 👍 (stored as 1) or 👎 (stored as 0).
    Thumbs,
}

impl RatingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RatingMode::Off => "off",
            RatingMode::Csat => "csat",
            RatingMode::Thumbs => "thumbs",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Error> {
        match raw {
            "off" => Ok(RatingMode::Off),
            "csat" => Ok(RatingMode::Csat),
            "thumbs" => Ok(RatingMode::Thumbs),
            _ => Err(Error::validation(
                "rating_mode",
                "must be one of off, csat, thumbs",
            )),
        }
    }

    /// What the client is sent when the conversation closes.
    pub fn request_text(self) -> Option<&'static str> {
        match self {
            RatingMode::Off => None,
            RatingMode::Csat => Some(
                "Please rate this conversation: reply with a number from 1 (poor) to 5 (excellent).",
            ),
            RatingMode::Thumbs => Some("Did we help you? Reply 👍 or 👎."),
        }
    }

    /// The rating a client's reply gives, if it is one.
    pub fn read(self, text: &str) -> Option<i64> {
        let text = text.trim();
        match self {
            RatingMode::Off => None,
            RatingMode::Csat => text.parse().ok().filter(|score| (1..=5).contains(score)),
            // Skin tones and variation selectors follow the base emoji.
            RatingMode::Thumbs if text.starts_with('👍') => Some(1),
            RatingMode::Thumbs if text.starts_with('👎') => Some(0),
            RatingMode::Thumbs => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(week: Value) -> WorkingHours {
        WorkingHours::parse(&json!({"time_zone": "Europe/Berlin", "week": week})).unwrap()
    }

    #[test]
    fn hours_are_local_to_the_time_zone_across_daylight_saving() {
        let hours = hours(json!({"mon": ["09:00-18:00"]}));
        // Monday 2026-01-05 08:30 UTC is 09:30 in Berlin (CET, +1).
        assert!(hours.is_open(Timestamp::from_millis(1_767_601_800_000)));
        // Monday 2026-07-06 07:30 UTC is 09:30 in Berlin (CEST, +2).
        assert!(hours.is_open(Timestamp::from_millis(1_783_323_000_000)));
        // Monday 2026-07-06 16:30 UTC is 18:30 in Berlin: closed.
        assert!(!hours.is_open(Timestamp::from_millis(1_783_355_400_000)));
        // Tuesday is not listed.
        assert!(!hours.is_open(Timestamp::from_millis(1_767_688_200_000)));
    }

    #[test]
    fn bad_hours_name_the_problem() {
        let unknown = WorkingHours::parse(&json!({"time_zone": "Mars/Olympus"})).unwrap_err();
        assert!(unknown.to_string().contains("Mars/Olympus"), "{unknown}");
        for week in [
            json!({"mon": ["18:00-09:00"]}),
            json!({"mon": ["9-18"]}),
            json!({"funday": []}),
            json!({"mon": ["09:00-24:01"]}),
        ] {
            assert!(
                WorkingHours::parse(&json!({"time_zone": "UTC", "week": week})).is_err(),
                "{week}"
            );
        }
        let round = hours(json!({"fri": ["13:00-24:00", "08:00-12:00"]}));
        assert_eq!(
            round.to_json()["week"],
            json!({"fri": ["08:00-12:00", "13:00-24:00"]})
        );
    }

    #[test]
    fn ratings_are_read_from_replies_by_mode() {
        assert_eq!(RatingMode::Csat.read(" 4 "), Some(4));
        assert_eq!(RatingMode::Csat.read("6"), None);
        assert_eq!(RatingMode::Csat.read("thanks"), None);
        assert_eq!(RatingMode::Thumbs.read("👍🏽"), Some(1));
        assert_eq!(RatingMode::Thumbs.read("👎"), Some(0));
        assert_eq!(RatingMode::Off.read("5"), None);
    }
}
