//! Resuming an incident: a fresh wizard on the same runbook takes the
//! timeline's history. A step confirmed and started whose end was never
//! recorded (opsdeck was killed while it ran) comes back as such, and is
//! never run again on its own.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::flow::{Level, Mode, Request, Wizard};
use super::items::ItemState;
use super::timeline::{Confirmation, Entry};

impl Wizard {
    /// Re-applies a timeline's history to a fresh wizard on the same runbook.
    pub fn replay(&mut self, entries: &[Entry]) -> Vec<Request> {
        let mut open: BTreeMap<usize, Timestamp> = BTreeMap::new();
        for e in entries {
            match e {
                Entry::Confirmed {
                    item,
                    confirmed,
                    started,
                    ..
                } if *confirmed != Confirmation::Preview => {
                    open.insert(*item, *started);
                }
                Entry::Symptoms { ticked, .. } => {
                    for (s, t) in &mut self.symptoms {
                        *t = ticked.contains(s);
                    }
                    self.mode = Mode::Steps;
                }
                Entry::Value { name, value } => {
                    self.values.insert(name.clone(), value.clone());
                }
                Entry::Command {
                    item,
                    exit_code,
                    confirmed,
                    ..
                } if *confirmed != Confirmation::Preview => {
                    open.remove(item);
                    if let Some(it) = self.items.get_mut(*item) {
                        it.exit_code = *exit_code;
                        it.state = if *exit_code == Some(0) {
                            ItemState::Done
                        } else {
                            ItemState::Failed
                        };
                    }
                }
                Entry::Edit { item, to, .. } => {
                    // The edited text is stored resolved; it stands as a command without placeholders.
                    let _ = self.apply_edit(*item, to.clone());
                }
                Entry::Skip { item, .. } => {
                    if let Some(it) = self.items.get_mut(*item) {
                        it.state = ItemState::Skipped;
                    }
                }
                Entry::Done { item, .. } => {
                    if let Some(it) = self.items.get_mut(*item) {
                        it.state = ItemState::Done;
                    }
                }
                Entry::End { .. } => self.completed = true,
                _ => {}
            }
        }
        for item in open.keys() {
            if let Some(it) = self.items.get_mut(*item) {
                it.state = ItemState::Unknown;
            }
        }
        self.unfinished = open;
        self.cursor = self
            .items
            .iter()
            .position(|i| !i.state.settled())
            .unwrap_or(self.items.len().saturating_sub(1));
        match self.unfinished.iter().next() {
            // Never run again on its own: the operator looks first.
            Some((item, at)) => self.say(
                Level::Warn,
                format!(
                    "resumed at step {} of {}; step {}: {}",
                    self.cursor + 1,
                    self.items.len(),
                    item + 1,
                    unfinished_note(*at)
                ),
            ),
            None => self.say(
                Level::Info,
                format!(
                    "resumed at step {} of {}",
                    self.cursor + 1,
                    self.items.len()
                ),
            ),
        }
        vec![Request::Record(Entry::Resumed {
            at_item: self.cursor,
        })]
    }
}

/// What the operator is told about a step whose end was not recorded.
pub fn unfinished_note(at: Timestamp) -> String {
    format!(
        "started at {} UTC, end not recorded: check its effect before running it again",
        at.strftime("%H:%M:%S")
    )
}
