//! VP8 in IVF, written by hand: a 32-byte `DKIF` header (frame size from the first keyframe,
//! 90 kHz timebase), then each frame with its size and presentation time. The frame count in
//! the header is filled in when the file is finished.

use std::io::{self, Seek, SeekFrom, Write};

pub struct IvfWriter<W: Write + Seek> {
    out: W,
    first_rtp: Option<u64>,
    pub frames: u64,
    pub bytes: u64,
}

/// Width and height of a VP8 keyframe (RFC 6386 §9.1), or `None` for an interframe.
pub fn vp8_keyframe_size(frame: &[u8]) -> Option<(u16, u16)> {
    let is_key = frame.first().is_some_and(|tag| tag & 0x01 == 0);
    if !is_key || frame.len() < 10 || frame[3..6] != [0x9d, 0x01, 0x2a] {
        return None;
    }
    let width = u16::from_le_bytes([frame[6], frame[7]]) & 0x3fff;
    let height = u16::from_le_bytes([frame[8], frame[9]]) & 0x3fff;
    Some((width, height))
}

impl<W: Write + Seek> IvfWriter<W> {
    pub fn new(mut out: W, width: u16, height: u16) -> io::Result<Self> {
        let mut header = Vec::with_capacity(32);
        header.extend_from_slice(b"DKIF");
        header.extend_from_slice(&0u16.to_le_bytes()); // version
        header.extend_from_slice(&32u16.to_le_bytes()); // header length
        header.extend_from_slice(b"VP80");
        header.extend_from_slice(&width.to_le_bytes());
        header.extend_from_slice(&height.to_le_bytes());
        header.extend_from_slice(&90_000u32.to_le_bytes()); // timebase denominator
        header.extend_from_slice(&1u32.to_le_bytes()); // timebase numerator
        header.extend_from_slice(&0u32.to_le_bytes()); // frame count, set by `finish`
        header.extend_from_slice(&0u32.to_le_bytes());
        out.write_all(&header)?;
        Ok(Self {
            out,
            first_rtp: None,
            frames: 0,
            bytes: 32,
        })
    }

    /// Writes one frame with its RTP time (90 kHz clock).
    pub fn frame(&mut self, data: &[u8], rtp_time: u64) -> io::Result<()> {
        let first = *self.first_rtp.get_or_insert(rtp_time);
        let size = u32::try_from(data.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame too large"))?;
        self.out.write_all(&size.to_le_bytes())?;
        self.out
            .write_all(&rtp_time.saturating_sub(first).to_le_bytes())?;
        self.out.write_all(data)?;
        self.frames += 1;
        self.bytes += 12 + data.len() as u64;
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<W> {
        let count = u32::try_from(self.frames).unwrap_or(u32::MAX);
        self.out.seek(SeekFrom::Start(24))?;
        self.out.write_all(&count.to_le_bytes())?;
        self.out.seek(SeekFrom::End(0))?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyframes_give_their_size_and_interframes_none() {
        let key = [
            0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01, 0, 0,
        ];
        assert_eq!(vp8_keyframe_size(&key), Some((640, 480)));
        assert_eq!(vp8_keyframe_size(&[0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0]), None);
    }

    #[test]
    fn the_header_counts_the_frames_written() {
        let mut writer = IvfWriter::new(std::io::Cursor::new(Vec::new()), 640, 480).unwrap();
        writer.frame(&[1, 2, 3], 9000).unwrap();
        writer.frame(&[4, 5], 12000).unwrap();
        let bytes = writer.finish().unwrap().into_inner();
        let (header, frames) = crate::recording::parse_ivf(&bytes).unwrap();
        assert_eq!(header, (640, 480, 2));
        assert_eq!(frames, vec![(0, vec![1, 2, 3]), (3000, vec![4, 5])]);
    }
}
