//! Opus in Ogg (RFC 7845 over RFC 3533), written by hand: an identification page
//! (`OpusHead`), a comment page (`OpusTags`), then one page per Opus packet, each carrying the
//! granule position (48 kHz samples, pre-skip included) reached at its end.

use std::io::{self, Write};

/// Samples a decoder discards at the start (80 ms at 48 kHz, the value RFC 7845 suggests).
const PRE_SKIP: u16 = 3840;
const VENDOR: &[u8] = b"switchboard";

use super::ogg_crc as crc32;

pub struct OggOpusWriter<W: Write> {
    out: W,
    serial: u32,
    sequence: u32,
    /// The RTP time of the first packet; granules count from it.
    first_rtp: Option<u64>,
    last_granule: u64,
    pub packets: u64,
    pub bytes: u64,
}

impl<W: Write> OggOpusWriter<W> {
    /// Writes the two header pages.
    pub fn new(out: W, serial: u32) -> io::Result<Self> {
        let mut writer = Self {
            out,
            serial,
            sequence: 0,
            first_rtp: None,
            last_granule: 0,
            packets: 0,
            bytes: 0,
        };
        let mut head = Vec::with_capacity(19);
        head.extend_from_slice(b"OpusHead");
        head.push(1); // version
        head.push(1); // channels: WebRTC Opus is mono unless negotiated otherwise
        head.extend_from_slice(&PRE_SKIP.to_le_bytes());
        head.extend_from_slice(&48_000u32.to_le_bytes());
        head.extend_from_slice(&0i16.to_le_bytes()); // output gain
        head.push(0); // channel mapping family
        writer.page(&head, 0, 0x02)?;
        let mut tags = Vec::new();
        tags.extend_from_slice(b"OpusTags");
        tags.extend_from_slice(&(VENDOR.len() as u32).to_le_bytes());
        tags.extend_from_slice(VENDOR);
        tags.extend_from_slice(&0u32.to_le_bytes()); // no user comments
        writer.page(&tags, 0, 0)?;
        Ok(writer)
    }

    /// Writes one Opus packet with its RTP time (48 kHz clock) and length in samples.
    pub fn packet(&mut self, data: &[u8], rtp_time: u64, samples: u64) -> io::Result<()> {
        let first = *self.first_rtp.get_or_insert(rtp_time);
        let granule =
            (u64::from(PRE_SKIP) + rtp_time.saturating_sub(first) + samples).max(self.last_granule);
        self.last_granule = granule;
        self.page(data, granule, 0)?;
        self.packets += 1;
        Ok(())
    }

    /// Ends the stream with an empty end-of-stream page and hands back the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.page(&[], self.last_granule, 0x04)?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn page(&mut self, packet: &[u8], granule: u64, flags: u8) -> io::Result<()> {
        // Lacing: 255 for every full 255 bytes, then the remainder (0 ends an exact multiple).
        let mut lacing = vec![255u8; packet.len() / 255];
        lacing.push((packet.len() % 255) as u8);
        if lacing.len() > 255 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "an Opus packet does not fit one Ogg page",
            ));
        }
        let mut page = Vec::with_capacity(27 + lacing.len() + packet.len());
        page.extend_from_slice(b"OggS");
        page.push(0); // version
        page.push(flags);
        page.extend_from_slice(&granule.to_le_bytes());
        page.extend_from_slice(&self.serial.to_le_bytes());
        page.extend_from_slice(&self.sequence.to_le_bytes());
        page.extend_from_slice(&0u32.to_le_bytes()); // CRC, filled below
        page.push(lacing.len() as u8);
        page.extend_from_slice(&lacing);
        page.extend_from_slice(packet);
        let crc = crc32(&page);
        page[22..26].copy_from_slice(&crc.to_le_bytes());
        self.out.write_all(&page)?;
        self.sequence += 1;
        self.bytes += page.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crc_matches_the_ogg_reference_value() {
        // CRC-32/MPEG-2 without final inversion and zero init ("CRC-32/BZIP2" unreflected,
        // init 0) of "123456789".
        assert_eq!(crc32(b"123456789"), 0x89a1_897f);
    }

    #[test]
    fn pages_carry_head_tags_audio_and_end_of_stream() {
        let mut writer = OggOpusWriter::new(Vec::new(), 7).unwrap();
        writer.packet(&[0xfc; 300], 1000, 960).unwrap();
        writer.packet(&[0xfc; 40], 1960, 960).unwrap();
        let bytes = writer.finish().unwrap();
        let pages = crate::recording::parse_ogg(&bytes).unwrap();
        assert_eq!(pages.len(), 5);
        assert!(pages[0].1.starts_with(b"OpusHead"));
        assert!(pages[1].1.starts_with(b"OpusTags"));
        assert_eq!((pages[2].0, pages[2].1.len()), (3840 + 960, 300));
        assert_eq!(pages[3].0, 3840 + 1920);
        assert!(pages[4].1.is_empty());
    }
}
