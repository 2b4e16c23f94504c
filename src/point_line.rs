//! The NDJSON line of one point (spec §5): `{"time", "provider", "source", "series",
//! "metric", "unit", "value", "labels"}`. `-o ndjson` writes it as is; `history export`
//! (§10) writes the same line with the store's fields added, so the two cannot drift.
//!
//! Everything but the time and the value is the same for every point of a series, so it
//! is escaped once per series; a point costs a few copies and a number.

use std::io;

use crate::series::Series;

/// The bytes of a line that are the same for every point of a series, escaped once.
pub struct SeriesParts {
    /// `","provider":…,"unit":…,"value":` (closes the time string).
    pub middle: Vec<u8>,
    /// `,"labels":{…}`.
    pub labels: Vec<u8>,
}

impl SeriesParts {
    pub fn new(s: &Series) -> io::Result<Self> {
        let mut middle = Vec::with_capacity(128);
        middle.extend_from_slice(b"\",\"provider\":");
        serde_json::to_writer(&mut middle, &s.provider)?;
        middle.extend_from_slice(b",\"source\":");
        serde_json::to_writer(&mut middle, &s.source)?;
        middle.extend_from_slice(b",\"series\":");
        serde_json::to_writer(&mut middle, &s.name)?;
        middle.extend_from_slice(b",\"metric\":");
        serde_json::to_writer(&mut middle, &s.metric)?;
        middle.extend_from_slice(b",\"unit\":");
        serde_json::to_writer(&mut middle, &s.unit)?;
        middle.extend_from_slice(b",\"value\":");
        let mut labels = Vec::with_capacity(64);
        labels.extend_from_slice(b",\"labels\":");
        serde_json::to_writer(&mut labels, &s.labels)?;
        Ok(Self { middle, labels })
    }
}
