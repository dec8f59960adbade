//! Call recording: each consenting participant's audio as Ogg/Opus and video as IVF/VP8,
//! written from the frames the SFU already receives (no transcoding). A recorder is fed by
//! the SFU's run loop; files go to a folder the caller names and are handed back when the
//! recording stops, for the caller to move into the media store. Video starts at the first
//! keyframe, so a file is decodable from its start; video in a codec other than VP8 is not
//! written. Of a simulcast publisher the largest layer it sends is written, chosen and
//! switched the way a subscriber's is (`sfu::layers`), so the file holds one stream.
//!
//! `parse_ogg` and `parse_ivf` read the files back; tests use them to prove what was written.

mod ivf;
mod ogg;

use std::{
    fs::File,
    io::{self, BufWriter},
    path::{Path, PathBuf},
};

use str0m::{
    format::Codec,
    media::{MediaData, Rid},
};

pub use ivf::{IvfWriter, vp8_keyframe_size};
pub use ogg::OggOpusWriter;

use crate::sfu::{
    ParticipantKey,
    layers::{Frame, Layers, Selection, Step},
};

/// What one file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrackKind {
    Audio,
    Video,
}

impl TrackKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TrackKind::Audio => "audio",
            TrackKind::Video => "video",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            TrackKind::Audio => "audio/ogg",
            TrackKind::Video => "video/x-ivf",
        }
    }
}

/// A finished file of one participant's track.
#[derive(Clone, Debug)]
pub struct RecordedFile {
    pub participant: ParticipantKey,
    pub kind: TrackKind,
    pub path: PathBuf,
    /// Opus packets or video frames written.
    pub frames: u64,
    pub bytes: u64,
}

/// How long video is left out when a recording starts, so the file starts on the largest
/// layer rather than on whichever arrived first.
const LAYERS_SETTLE: std::time::Duration = std::time::Duration::from_millis(300);

/// One participant's recording in progress.
pub(crate) struct ParticipantRecorder {
    participant: ParticipantKey,
    dir: PathBuf,
    audio: Option<OggOpusWriter<BufWriter<File>>>,
    video: Option<IvfWriter<BufWriter<File>>>,
    /// Which simulcast layer goes into the video file (the largest).
    layer: Selection,
    /// When the recorder saw the participant's first video frame.
    first_video: Option<std::time::Instant>,
    /// Writing failed (disk full, folder gone): stop trying, keep what was written.
    failed: bool,
}

impl ParticipantRecorder {
    pub fn new(participant: ParticipantKey, dir: &Path) -> Self {
        Self {
            participant,
            dir: dir.to_path_buf(),
            audio: None,
            video: None,
            layer: Selection::default(),
            first_video: None,
            failed: false,
        }
    }

    fn path(&self, kind: TrackKind) -> PathBuf {
        let extension = match kind {
            TrackKind::Audio => "ogg",
            TrackKind::Video => "ivf",
        };
        self.dir.join(format!(
            "{}-{}.{extension}",
            self.participant,
            kind.as_str()
        ))
    }

    /// Writes a frame the participant sent (`layers`: the simulcast layers it sends now).
    /// Returns the layer to ask the participant for a keyframe of, when the file waits for
    /// one. The loop's writes are buffered (a few kilobytes per second per participant), so
    /// they do not hold up forwarding.
    pub fn write(
        &mut self,
        data: &MediaData,
        frame: &Frame,
        layers: &Layers,
    ) -> Option<Option<Rid>> {
        if self.failed {
            return None;
        }
        let (rtp, ask) = if data.params.spec().codec.is_audio() {
            (data.time.numer(), None)
        } else if frame
            .arrived
            .duration_since(*self.first_video.get_or_insert(frame.arrived))
            < LAYERS_SETTLE
        {
            // A camera's simulcast layers start within a frame or two of each other: choosing
            // at the first frame would start the file on the smallest layer and switch.
            return None;
        } else {
            match self.layer.step(frame, layers) {
                Step::Forward(time) => (time.numer(), None),
                Step::Drop => return None,
                Step::DropAskKeyframe(rid) => return Some(rid),
                // The file itself starts at a keyframe (`try_write`).
                Step::ForwardAskKeyframe(time) => (time.numer(), Some(None)),
            }
        };
        if let Err(error) = self.try_write(data, rtp) {
            tracing::warn!(participant = %self.participant, error.message = %error, "recording stopped writing");
            self.failed = true;
        }
        ask
    }

    fn try_write(&mut self, data: &MediaData, rtp: u64) -> io::Result<()> {
        match data.params.spec().codec {
            Codec::Opus => {
                if self.audio.is_none() {
                    let file = BufWriter::new(File::create(self.path(TrackKind::Audio))?);
                    let serial = self.participant.as_u128() as u32;
                    self.audio = Some(OggOpusWriter::new(file, serial)?);
                }
                if let Some(audio) = &mut self.audio {
                    audio.packet(&data.data, rtp, opus_samples(&data.data))?;
                }
            }
            Codec::Vp8 => {
                if self.video.is_none() {
                    let Some((width, height)) = vp8_keyframe_size(&data.data) else {
                        return Ok(());
                    };
                    let file = BufWriter::new(File::create(self.path(TrackKind::Video))?);
                    self.video = Some(IvfWriter::new(file, width, height)?);
                }
                if let Some(video) = &mut self.video {
                    video.frame(&data.data, rtp)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Closes the files; returns those that hold at least one frame.
    pub fn finish(self) -> Vec<RecordedFile> {
        let (audio_path, video_path) = (self.path(TrackKind::Audio), self.path(TrackKind::Video));
        let mut files = Vec::new();
        if let Some(audio) = self.audio {
            let (frames, bytes) = (audio.packets, audio.bytes);
            if audio.finish().is_ok() && frames > 0 {
                files.push(RecordedFile {
                    participant: self.participant,
                    kind: TrackKind::Audio,
                    path: audio_path,
                    frames,
                    bytes,
                });
            }
        }
        if let Some(video) = self.video {
            let (frames, bytes) = (video.frames, video.bytes);
            if video.finish().is_ok() && frames > 0 {
                files.push(RecordedFile {
                    participant: self.participant,
                    kind: TrackKind::Video,
                    path: video_path,
                    frames,
                    bytes,
                });
            }
        }
        files
    }
}

/// Samples in an Opus packet, from its TOC byte (RFC 6716 §3.1); 20 ms when unreadable.
fn opus_samples(packet: &[u8]) -> u64 {
    let Some(toc) = packet.first() else {
        return 960;
    };
    let config = toc >> 3;
    let frame = match config {
        0..=11 => [480, 960, 1920, 2880][usize::from(config % 4)],
        12..=15 => [480, 960][usize::from(config % 2)],
        _ => [120, 240, 480, 960][usize::from(config % 4)],
    };
    let count = match toc & 0x03 {
        0 => 1,
        1 | 2 => 2,
        _ => packet.get(1).map_or(1, |byte| u64::from(byte & 0x3f)),
    };
    frame * count
}

/// The pages of an Ogg stream as `(granule position, packet)`, checking each page's capture
/// pattern and CRC. One packet per page, as `OggOpusWriter` writes them.
pub fn parse_ogg(bytes: &[u8]) -> Result<Vec<(u64, Vec<u8>)>, String> {
    let mut pages = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let header = bytes.get(at..at + 27).ok_or("truncated page header")?;
        if &header[..4] != b"OggS" {
            return Err(format!("no OggS capture pattern at {at}"));
        }
        let granule = u64::from_le_bytes(header[6..14].try_into().map_err(|_| "granule")?);
        let segments = usize::from(header[26]);
        let lacing = bytes
            .get(at + 27..at + 27 + segments)
            .ok_or("truncated lacing")?;
        let length: usize = lacing.iter().map(|l| usize::from(*l)).sum();
        let end = at + 27 + segments + length;
        let mut page = bytes.get(at..end).ok_or("truncated page")?.to_vec();
        let stored = u32::from_le_bytes(page[22..26].try_into().map_err(|_| "crc")?);
        page[22..26].fill(0);
        if ogg_crc(&page) != stored {
            return Err(format!("bad CRC in the page at {at}"));
        }
        pages.push((granule, bytes[at + 27 + segments..end].to_vec()));
        at = end;
    }
    Ok(pages)
}

/// CRC-32 of Ogg pages: polynomial 0x04c11db7, not reflected, initial value 0.
pub(crate) fn ogg_crc(bytes: &[u8]) -> u32 {
    let mut crc = 0u32;
    for byte in bytes {
        crc ^= u32::from(*byte) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04c1_1db7
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// An IVF file's `(width, height, frame count)` and its frames as `(pts, bytes)`.
#[allow(clippy::type_complexity)]
pub fn parse_ivf(bytes: &[u8]) -> Result<((u16, u16, u32), Vec<(u64, Vec<u8>)>), String> {
    let header = bytes.get(..32).ok_or("shorter than an IVF header")?;
    if &header[..4] != b"DKIF" || &header[8..12] != b"VP80" {
        return Err("not a VP8 IVF file".into());
    }
    let width = u16::from_le_bytes([header[12], header[13]]);
    let height = u16::from_le_bytes([header[14], header[15]]);
    let count = u32::from_le_bytes([header[24], header[25], header[26], header[27]]);
    let mut frames = Vec::new();
    let mut at = 32;
    while at < bytes.len() {
        let size = bytes.get(at..at + 4).ok_or("truncated frame header")?;
        let size = u32::from_le_bytes(size.try_into().map_err(|_| "size")?) as usize;
        let pts = bytes.get(at + 4..at + 12).ok_or("truncated frame header")?;
        let pts = u64::from_le_bytes(pts.try_into().map_err(|_| "pts")?);
        let data = bytes
            .get(at + 12..at + 12 + size)
            .ok_or("truncated frame")?;
        frames.push((pts, data.to_vec()));
        at += 12 + size;
    }
    Ok(((width, height, count), frames))
}
