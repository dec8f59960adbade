//! Exact loss accounting: every frame carries its publisher's number and its frame index, and
//! each publisher's window is a range of its own frame indices, so frames still in flight when
//! the window opens or closes are neither lost nor counted twice.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use super::peer::Counters;

/// Publisher number (4 bytes) and frame index (8 bytes), little-endian, at a frame's start.
pub(super) const HEADER: usize = 12;

/// The measured window, per publisher, in that publisher's frame indices: frames
/// `[start, end)` count. Every frame carries its publisher's number and its index, so loss
/// is exact whatever is still in flight when the window opens or closes.
pub struct Window {
    bounds: Vec<(AtomicU64, AtomicU64)>,
    /// Frames of each publisher's window received, by all participants together.
    pub received: Vec<AtomicU64>,
}

impl Window {
    pub fn new(publishers: usize) -> Arc<Self> {
        Arc::new(Self {
            bounds: (0..publishers)
                .map(|_| (AtomicU64::new(u64::MAX), AtomicU64::new(u64::MAX)))
                .collect(),
            received: (0..publishers).map(|_| AtomicU64::new(0)).collect(),
        })
    }

    /// Opens (or with `end`, closes) publisher `p`'s window at its next frame index.
    pub fn set(&self, p: usize, next_frame: u64, end: bool) {
        if let Some((start, stop)) = self.bounds.get(p) {
            if end { stop } else { start }.store(next_frame, Ordering::Relaxed);
        }
    }

    fn contains(&self, p: usize, frame: u64) -> bool {
        self.bounds.get(p).is_some_and(|(start, stop)| {
            frame >= start.load(Ordering::Relaxed) && frame < stop.load(Ordering::Relaxed)
        })
    }
}

/// Counts a frame in the window once, by its publisher and index.
pub(super) fn received(
    frame: &[u8],
    last: &mut Vec<Option<u64>>,
    window: &Window,
    counters: &Counters,
) {
    let (Some(publisher), Some(index)) = (frame.get(..4), frame.get(4..HEADER)) else {
        return;
    };
    let (Ok(publisher), Ok(index)) = (publisher.try_into(), index.try_into()) else {
        return;
    };
    let publisher = u32::from_le_bytes(publisher) as usize;
    let index = u64::from_le_bytes(index);
    if last.len() < window.bounds.len() {
        last.resize(window.bounds.len(), None);
    }
    let Some(seen) = last.get_mut(publisher) else {
        return;
    };
    if seen.is_some_and(|seen| index <= seen) {
        counters.late.fetch_add(1, Ordering::Relaxed);
        return;
    }
    *seen = Some(index);
    if window.contains(publisher, index) {
        counters.window_received.fetch_add(1, Ordering::Relaxed);
        if let Some(by_publisher) = window.received.get(publisher) {
            by_publisher.fetch_add(1, Ordering::Relaxed);
        }
    }
}
