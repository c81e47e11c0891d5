//! Continue tokens for paged lists, consistent as the API server's are.
//!
//! The API server serves every page of one list from the same snapshot (etcd
//! keeps the revision), so a client paging through 10,000 pods while pods are
//! replaced sees each object exactly once, as of the first page. An offset into
//! the live store would skip or repeat objects whenever one is added or removed
//! before the offset. Here the first page of a list that does not fit keeps the
//! matching objects; later pages read from that snapshot. A few snapshots are
//! kept; a token whose snapshot was dropped gets 410 Expired, as the API server
//! answers a continue token that is too old.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::status::ApiError;

/// Snapshots kept at once: a few clients paging at the same time.
const KEPT: usize = 4;

/// The objects of one list, as of its first page.
pub struct Snapshot {
    pub items: Vec<Value>,
    pub resource_version: u64,
}

#[derive(Default)]
pub struct Pages {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    kept: VecDeque<(u64, Arc<Snapshot>)>,
}

/// Where a continue token points: a snapshot and the index of the next object.
pub struct Cursor {
    pub snapshot: Arc<Snapshot>,
    pub start: usize,
}

impl Pages {
    /// Keeps `snapshot` and returns the token for reading it from `start`.
    pub fn keep(&self, snapshot: Snapshot, start: usize) -> String {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.next_id += 1;
        let id = inner.next_id;
        inner.kept.push_back((id, Arc::new(snapshot)));
        while inner.kept.len() > KEPT {
            inner.kept.pop_front();
        }
        token(id, start)
    }

    /// The snapshot a token refers to, or why it cannot be read.
    pub fn resume(&self, token: &str) -> Result<(u64, Cursor), ApiError> {
        let (id, start) = token
            .split_once('-')
            .and_then(|(id, start)| Some((id.parse::<u64>().ok()?, start.parse::<usize>().ok()?)))
            .ok_or_else(|| ApiError::bad_request(format!("invalid continue token {token:?}")))?;
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let snapshot = inner
            .kept
            .iter()
            .find(|(kept, _)| *kept == id)
            .map(|(_, s)| Arc::clone(s))
            .ok_or_else(|| {
                ApiError::gone(
                    "The provided continue parameter is too old to display a consistent list \
                     result. You can start a new list without the continue parameter.",
                )
            })?;
        Ok((id, Cursor { snapshot, start }))
    }
}

impl Pages {
    /// Drops a snapshot whose last page has been served.
    pub fn finish(&self, id: u64) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.kept.retain(|(kept, _)| *kept != id);
    }
}

pub fn token(id: u64, start: usize) -> String {
    format!("{id}-{start}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(n: usize) -> Snapshot {
        Snapshot {
            items: (0..n).map(|i| Value::from(i as u64)).collect(),
            resource_version: 7,
        }
    }

    #[test]
    fn a_token_reads_its_snapshot_from_where_it_left_off() {
        let pages = Pages::default();
        let t = pages.keep(snapshot(10), 4);
        let (_, cursor) = pages.resume(&t).expect("kept");
        assert_eq!(cursor.start, 4);
        assert_eq!(cursor.snapshot.items.len(), 10);
        assert_eq!(cursor.snapshot.resource_version, 7);
    }

    #[test]
    fn old_tokens_expire_and_bad_ones_are_refused() {
        let pages = Pages::default();
        let first = pages.keep(snapshot(1), 0);
        for _ in 0..KEPT {
            pages.keep(snapshot(1), 0);
        }
        assert_eq!(pages.resume(&first).err().map(|e| e.code), Some(410));
        assert_eq!(pages.resume("12").err().map(|e| e.code), Some(400));
        assert_eq!(pages.resume("x-1").err().map(|e| e.code), Some(400));
    }
}
