//! The Events pane's state: warnings first, then newest first; optionally
//! only the events of the selected workload.

use std::collections::HashMap;

use crate::model::EventRecord;

/// Events kept; the oldest normal events go first when full.
pub const MAX_EVENTS: usize = 2_000;

#[derive(Debug, Clone, Default)]
pub struct EventsView {
    events: Vec<EventRecord>,
    by_uid: HashMap<String, usize>,
    pub selected: usize,
    pub filter: Option<super::logs::LogFilter>,
    /// Show only events about this object name (the selected workload).
    pub scope: Option<String>,
}

impl EventsView {
    /// Upserts events by uid and keeps the display order.
    pub fn upsert(&mut self, incoming: Vec<EventRecord>) {
        for ev in incoming {
            match self.by_uid.get(&ev.uid) {
                Some(&i) => self.events[i] = ev,
                None => {
                    self.by_uid.insert(ev.uid.clone(), self.events.len());
                    self.events.push(ev);
                }
            }
        }
        self.events.sort_by(|a, b| {
            b.warning
                .cmp(&a.warning)
                .then_with(|| b.last_seen.cmp(&a.last_seen))
        });
        if self.events.len() > MAX_EVENTS {
            self.events.truncate(MAX_EVENTS);
        }
        self.reindex();
    }

    /// Events shown, in order, after scope and filter.
    pub fn visible(&self) -> impl Iterator<Item = &EventRecord> {
        self.events.iter().filter(move |e| {
            self.scope
                .as_deref()
                .is_none_or(|s| e.object.rsplit('/').next() == Some(s))
                && self.filter.as_ref().is_none_or(|f| {
                    f.matches(&e.message) || f.matches(&e.reason) || f.matches(&e.object)
                })
        })
    }

    /// Forgets one platform's events (its source is being restarted elsewhere).
    pub fn clear_platform(&mut self, platform: crate::model::Platform) {
        self.events.retain(|e| e.platform != platform);
        self.reindex();
        self.selected = 0;
    }

    pub fn contains(&self, uid: &str) -> bool {
        self.by_uid.contains_key(uid)
    }

    fn reindex(&mut self) {
        self.by_uid = self
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| (e.uid.clone(), i))
            .collect();
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub fn warnings(&self) -> usize {
        self.events.iter().filter(|e| e.warning).count()
    }
}
