//! Simulcast: a browser sends its camera at several sizes at once (RTP stream ids, `rid`), and
//! each subscriber gets the one layer that fits how big it shows that participant — a thumbnail
//! needs a fraction of the bandwidth and decoding of a full-screen tile.
//!
//! The publisher side (`LayerStats`) learns which layers arrive and ranks them from smallest to
//! largest: by the picture size a VP8 keyframe states where known, else by bitrate, so the SFU
//! does not depend on what a client names its layers. The subscriber side (`Selection`) turns
//! the quality the viewer asked for into a layer, switches only on a keyframe of the new layer
//! (a decoder cannot start mid-stream), and rewrites RTP time so the switch is seamless: layers
//! are separate RTP streams whose timestamps need not share an origin.

use std::time::{Duration, Instant};

use str0m::media::{MediaData, MediaTime, Rid};

use crate::recording::vp8_keyframe_size;

/// How a subscriber shows a participant's video, which decides the layer it receives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Quality {
    /// Not shown (hidden tile, camera view collapsed): no video is forwarded at all.
    Off,
    Low,
    Medium,
    /// The default: the largest layer the publisher sends.
    #[default]
    High,
}

impl std::str::FromStr for Quality {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        match text {
            "off" => Ok(Self::Off),
            "low" => Ok(Self::Low),
            "medium" => Ok(Self::Medium),
            "high" => Ok(Self::High),
            _ => Err(()),
        }
    }
}

/// Browsers send at most three layers; a fourth slot tolerates a client that sends more.
const MAX_LAYERS: usize = 4;
/// A layer not heard from for this long is not offered: the browser stopped sending it (its
/// bandwidth estimate or CPU dropped it), and waiting for its keyframe would freeze the video.
const ACTIVE_WITHIN: Duration = Duration::from_secs(1);
/// Bitrates are compared over windows of this length.
const RATE_WINDOW: Duration = Duration::from_millis(500);

/// The layers a publisher currently sends, smallest first. Copied into every forwarded frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layers {
    ranked: [Option<Rid>; MAX_LAYERS],
}

impl Layers {
    fn len(&self) -> usize {
        self.ranked.iter().flatten().count()
    }

    /// The layer for `quality`: low the smallest, high the largest, medium the middle one (of
    /// two, the larger). `None` when the publisher sends no simulcast.
    pub fn pick(&self, quality: Quality) -> Option<Rid> {
        let count = self.len();
        let index = match quality {
            Quality::Off | Quality::Low => 0,
            Quality::Medium => count / 2,
            Quality::High => count.checked_sub(1)?,
        };
        self.ranked.get(index).copied().flatten()
    }
}

#[derive(Debug)]
struct LayerSeen {
    rid: Rid,
    /// Width × height from the layer's last VP8 keyframe.
    pixels: Option<u32>,
    bytes_in_window: u64,
    last_window_bytes: u64,
    last_seen: Instant,
}

/// What layer selection needs to know of a received video frame.
#[derive(Clone, Copy, Debug)]
pub struct Frame {
    pub rid: Option<Rid>,
    /// A decoder can start here.
    pub keyframe: bool,
    /// Width × height a VP8 keyframe states.
    pub pixels: Option<u32>,
    pub bytes: usize,
    pub time: MediaTime,
    pub arrived: Instant,
}

impl Frame {
    pub fn of(data: &MediaData) -> Self {
        let keyframe = is_keyframe(data);
        Self {
            rid: data.rid,
            keyframe,
            pixels: keyframe
                .then(|| vp8_keyframe_size(&data.data))
                .flatten()
                .map(|(width, height)| u32::from(width) * u32::from(height)),
            bytes: data.data.len(),
            time: data.time,
            arrived: data.network_time,
        }
    }
}

/// Per published video track: what each of its layers looks like.
#[derive(Debug, Default)]
pub struct LayerStats {
    seen: Vec<LayerSeen>,
    window_started: Option<Instant>,
    ranked: Layers,
}

impl LayerStats {
    /// Counts a frame of the track and returns the current ranking.
    pub fn heard(&mut self, frame: &Frame) -> Layers {
        let now = frame.arrived;
        let Some(rid) = frame.rid else {
            return Layers::default();
        };
        let window_started = *self.window_started.get_or_insert(now);
        let rolled = now.duration_since(window_started) >= RATE_WINDOW;
        if rolled {
            self.window_started = Some(now);
            for layer in &mut self.seen {
                layer.last_window_bytes = std::mem::take(&mut layer.bytes_in_window);
            }
        }
        let index = match self.seen.iter().position(|layer| layer.rid == rid) {
            Some(index) => index,
            None if self.seen.len() < MAX_LAYERS => {
                self.seen.push(LayerSeen {
                    rid,
                    pixels: None,
                    bytes_in_window: 0,
                    last_window_bytes: 0,
                    last_seen: now,
                });
                self.seen.len() - 1
            }
            None => return self.ranked,
        };
        let layer = &mut self.seen[index];
        layer.bytes_in_window += frame.bytes as u64;
        layer.last_seen = now;
        let resized = frame.pixels.is_some_and(|p| layer.pixels != Some(p));
        if frame.pixels.is_some() {
            layer.pixels = frame.pixels;
        }
        // Re-ranked when a window closes, a layer appears or a keyframe states a new size; in
        // between the ranking holds still, so subscribers do not flap between close bitrates.
        let appeared = !self.ranked.ranked.contains(&Some(rid));
        if rolled || appeared || resized {
            self.rank(now);
        }
        self.ranked
    }

    fn rank(&mut self, now: Instant) {
        let mut active: Vec<&LayerSeen> = self
            .seen
            .iter()
            .filter(|layer| now.duration_since(layer.last_seen) < ACTIVE_WITHIN)
            .collect();
        // A stated picture size beats a bitrate; a layer whose size is unknown yet sorts by
        // bitrate below the ones whose size is known.
        active.sort_by_key(|layer| {
            (
                layer.pixels.unwrap_or(0),
                layer.last_window_bytes.max(layer.bytes_in_window),
            )
        });
        let mut ranked = [None; MAX_LAYERS];
        for (slot, layer) in ranked.iter_mut().zip(active) {
            *slot = Some(layer.rid);
        }
        self.ranked = Layers { ranked };
    }
}

/// What to do with a frame of the track for this subscriber.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Forward it with this RTP time.
    Forward(MediaTime),
    Drop,
    /// Drop it and ask the publisher for a keyframe of this layer (`None`: the only one).
    DropAskKeyframe(Option<Rid>),
    /// Forward it, and ask the publisher (of a track without layers) for a keyframe: the
    /// subscriber's decoder starts at the next one.
    ForwardAskKeyframe(MediaTime),
}

/// Per subscriber and video track: which layer it gets and how its RTP time continues.
#[derive(Debug, Default)]
pub struct Selection {
    pub wanted: Quality,
    /// The layer being forwarded (`Some(None)` for a track without simulcast); `None` until the
    /// first keyframe, and again after video was turned off.
    current: Option<Option<Rid>>,
    /// Added to the publisher's RTP time so the outgoing time runs on across layer switches.
    offset: i64,
    last_out: Option<(u64, Instant)>,
}

impl Selection {
    pub fn set(&mut self, quality: Quality) {
        self.wanted = quality;
        if quality == Quality::Off {
            self.current = None;
        }
    }

    /// The layer forwarded now, for keyframe requests the subscriber makes.
    pub fn current_layer(&self) -> Option<Rid> {
        self.current.flatten()
    }

    pub fn step(&mut self, frame: &Frame, layers: &Layers) -> Step {
        if self.wanted == Quality::Off {
            return Step::Drop;
        }
        if frame.rid.is_none() {
            // One stream, nothing to switch between: forwarded from the first frame (a
            // publisher that ignores keyframe requests still gets through), asking for a
            // keyframe when this subscriber starts or resumes.
            if self.current.is_none() {
                self.switch_to(frame);
                if !frame.keyframe {
                    return Step::ForwardAskKeyframe(self.continued(frame));
                }
            }
            return Step::Forward(self.continued(frame));
        }
        let target = layers.pick(self.wanted);
        if frame.rid == target && self.current != Some(target) {
            if !frame.keyframe {
                return Step::DropAskKeyframe(target);
            }
            self.switch_to(frame);
        }
        // Until the new layer's keyframe arrives the old one keeps the picture moving.
        if self.current == Some(frame.rid) {
            return Step::Forward(self.continued(frame));
        }
        Step::Drop
    }

    fn switch_to(&mut self, frame: &Frame) {
        tracing::debug!(rid = ?frame.rid, wanted = ?self.wanted, "layer switched");
        self.current = Some(frame.rid);
        let Some((last, at)) = self.last_out else {
            return;
        };
        let elapsed = frame.arrived.saturating_duration_since(at);
        let ticks = (elapsed.as_secs_f64() * f64::from(frame.time.denom())).round() as i64;
        let next = last as i64 + ticks.max(1);
        self.offset = next - frame.time.numer() as i64;
    }

    fn continued(&mut self, frame: &Frame) -> MediaTime {
        let out = (frame.time.numer() as i64 + self.offset).max(0) as u64;
        self.last_out = Some((out, frame.arrived));
        MediaTime::new(out, frame.time.frequency())
    }
}

/// Whether a decoder can start at this frame. Where the codec's depacketizer cannot tell
/// (`CodecExtra::None`), every frame counts, so such video is forwarded as before.
fn is_keyframe(data: &MediaData) -> bool {
    matches!(data.codec_extra, str0m::format::CodecExtra::None) || data.is_keyframe()
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use str0m::media::{Frequency, MediaTime, Rid};

    use super::{Frame, LayerStats, Layers, Quality, Selection, Step};

    fn frame(rid: &str, keyframe: bool, bytes: usize, ticks: u64, arrived: Instant) -> Frame {
        Frame {
            rid: (!rid.is_empty()).then(|| Rid::from(rid)),
            keyframe,
            pixels: None,
            bytes,
            time: MediaTime::new(ticks, Frequency::NINETY_KHZ),
            arrived,
        }
    }

    fn sized(rid: &str, width: u32, height: u32, at: Instant) -> Frame {
        Frame {
            pixels: Some(width * height),
            ..frame(rid, true, 500, 0, at)
        }
    }

    fn picks(layers: &Layers) -> [Option<Rid>; 3] {
        [
            layers.pick(Quality::Low),
            layers.pick(Quality::Medium),
            layers.pick(Quality::High),
        ]
    }

    fn rids(names: [&str; 3]) -> [Option<Rid>; 3] {
        names.map(|name| Some(Rid::from(name)))
    }

    #[test]
    fn layers_rank_by_the_picture_size_their_keyframes_state_whatever_they_are_called() {
        // Arrange: the largest layer is named as if it were the smallest.
        let mut stats = LayerStats::default();
        let now = Instant::now();
        // Act
        stats.heard(&sized("a", 1280, 720, now));
        stats.heard(&sized("b", 320, 180, now));
        let layers = stats.heard(&sized("c", 640, 360, now));
        // Assert
        assert_eq!(picks(&layers), rids(["b", "c", "a"]));
    }

    #[test]
    fn without_a_stated_size_layers_rank_by_bitrate() {
        let mut stats = LayerStats::default();
        let start = Instant::now();
        let mut layers = Layers::default();
        for tick in 0..20u64 {
            let at = start + Duration::from_millis(tick * 33);
            stats.heard(&frame("h", false, 3000, tick, at));
            stats.heard(&frame("l", false, 100, tick, at));
            layers = stats.heard(&frame("m", false, 1000, tick, at));
        }
        assert_eq!(picks(&layers), rids(["l", "m", "h"]));
    }

    #[test]
    fn a_layer_the_browser_stopped_sending_is_not_picked() {
        let mut stats = LayerStats::default();
        let start = Instant::now();
        stats.heard(&sized("h", 1280, 720, start));
        stats.heard(&sized("l", 320, 180, start));
        // Act: only the small layer keeps arriving for two seconds.
        let mut layers = Layers::default();
        for tick in 1..60u64 {
            let at = start + Duration::from_millis(tick * 33);
            layers = stats.heard(&frame("l", false, 100, tick, at));
        }
        // Assert
        assert_eq!(layers.pick(Quality::High), Some(Rid::from("l")));
    }

    fn two_layers(now: Instant) -> Layers {
        let mut stats = LayerStats::default();
        stats.heard(&sized("l", 320, 180, now));
        stats.heard(&sized("h", 1280, 720, now))
    }

    #[test]
    fn a_subscriber_switches_layers_only_at_a_keyframe_and_keeps_the_old_one_until_then() {
        let start = Instant::now();
        let layers = two_layers(start);
        let mut selection = Selection::default();
        assert!(matches!(
            selection.step(&frame("h", true, 3000, 0, start), &layers),
            Step::Forward(_)
        ));
        // Act: the viewer shrinks the tile.
        selection.set(Quality::Low);
        let at = start + Duration::from_millis(33);
        let small_delta = selection.step(&frame("l", false, 100, 2970, at), &layers);
        let large_delta = selection.step(&frame("h", false, 1000, 2970, at), &layers);
        let at = start + Duration::from_millis(66);
        let small_key = selection.step(&frame("l", true, 800, 5940, at), &layers);
        let large_after = selection.step(&frame("h", false, 1000, 5940, at), &layers);
        // Assert
        assert_eq!(small_delta, Step::DropAskKeyframe(Some(Rid::from("l"))));
        assert!(matches!(large_delta, Step::Forward(_)));
        assert!(matches!(small_key, Step::Forward(_)));
        assert_eq!(large_after, Step::Drop);
        assert_eq!(selection.current_layer(), Some(Rid::from("l")));
    }

    #[test]
    fn rtp_time_runs_on_across_a_switch_between_layers_with_different_clocks() {
        let start = Instant::now();
        let layers = two_layers(start);
        let mut selection = Selection::default();
        selection.step(&frame("h", true, 3000, 1_000_000, start), &layers);
        selection.set(Quality::Low);
        // The small layer's timestamps start somewhere else entirely.
        let at = start + Duration::from_millis(100);
        let Step::Forward(time) = selection.step(&frame("l", true, 800, 7_000, at), &layers) else {
            panic!("the keyframe of the wanted layer is forwarded");
        };
        let Step::Forward(next) =
            selection.step(&frame("l", false, 100, 7_000 + 3_000, at), &layers)
        else {
            panic!("the layer now forwarded keeps flowing");
        };
        // Assert: 100 ms after the last frame at 90 kHz, then one frame (3000 ticks) later.
        assert_eq!(time.numer(), 1_000_000 + 9_000);
        assert_eq!(next.numer(), 1_000_000 + 9_000 + 3_000);
    }

    #[test]
    fn off_forwards_no_video_and_turning_it_back_on_asks_for_a_keyframe() {
        let start = Instant::now();
        let mut selection = Selection::default();
        let layers = Layers::default();
        assert!(matches!(
            selection.step(&frame("", true, 3000, 0, start), &layers),
            Step::Forward(_)
        ));
        // Act
        selection.set(Quality::Off);
        let while_off = selection.step(&frame("", true, 3000, 3000, start), &layers);
        selection.set(Quality::High);
        let delta = selection.step(&frame("", false, 1000, 6000, start), &layers);
        let key = selection.step(&frame("", true, 3000, 9000, start), &layers);
        // Assert
        assert_eq!(while_off, Step::Drop);
        assert!(matches!(delta, Step::ForwardAskKeyframe(_)), "{delta:?}");
        assert!(matches!(key, Step::Forward(_)));
    }

    #[test]
    fn quality_names_parse_and_others_do_not() {
        assert_eq!("medium".parse(), Ok(Quality::Medium));
        assert_eq!("off".parse(), Ok(Quality::Off));
        assert_eq!("HIGH".parse::<Quality>(), Err(()));
    }
}
