//! The log view's state, shared by Kubernetes and Docker: a ring buffer of
//! lines with follow, scroll, filter, timestamps and wrap.

use std::collections::VecDeque;

use regex::Regex;

use crate::model::{LogLine, StreamId};

pub const DEFAULT_CAPACITY: usize = 10_000;

/// A log filter: a case-insensitive regex, or a plain substring when the text is
/// not a valid regex. A leading `!` shows the lines that do *not* match.
#[derive(Debug, Clone)]
pub struct LogFilter {
    pub text: String,
    matcher: Matcher,
    pub inverse: bool,
}

#[derive(Debug, Clone)]
enum Matcher {
    Regex(Regex),
    Substring(String),
}

impl LogFilter {
    pub fn new(text: &str) -> LogFilter {
        let (inverse, pattern) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let matcher = match Regex::new(&format!("(?i){pattern}")) {
            Ok(re) => Matcher::Regex(re),
            Err(_) => Matcher::Substring(pattern.to_lowercase()),
        };
        LogFilter {
            text: text.to_string(),
            matcher,
            inverse,
        }
    }

    pub fn matches(&self, line: &str) -> bool {
        let hit = match &self.matcher {
            Matcher::Regex(re) => re.is_match(line),
            Matcher::Substring(s) => line.to_lowercase().contains(s.as_str()),
        };
        hit != self.inverse
    }
}

#[derive(Debug, Clone)]
pub struct LogView {
    pub stream: Option<StreamId>,
    /// Title of what is being shown, e.g. `pod/langgraph-7d9 (previous)`.
    pub title: String,
    lines: VecDeque<LogLine>,
    capacity: usize,
    /// Lines dropped from the front since the stream started.
    pub dropped: u64,
    pub follow: bool,
    /// Lines scrolled up from the bottom (0 = at the bottom).
    pub scroll: usize,
    pub timestamps: bool,
    pub wrap: bool,
    pub filter: Option<LogFilter>,
    pub previous: bool,
    /// Why the stream ended, if it did.
    pub ended: Option<String>,
}

impl Default for LogView {
    fn default() -> LogView {
        LogView::with_capacity(DEFAULT_CAPACITY)
    }
}

impl LogView {
    pub fn with_capacity(capacity: usize) -> LogView {
        LogView {
            stream: None,
            title: String::new(),
            lines: VecDeque::with_capacity(capacity.min(1024)),
            capacity: capacity.max(1),
            dropped: 0,
            follow: true,
            scroll: 0,
            timestamps: false,
            wrap: false,
            filter: None,
            previous: false,
            ended: None,
        }
    }

    /// Starts showing a new stream, clearing the buffer.
    pub fn open(&mut self, stream: StreamId, title: String, previous: bool) {
        self.stream = Some(stream);
        self.title = title;
        self.lines.clear();
        self.dropped = 0;
        self.scroll = 0;
        self.follow = true;
        self.previous = previous;
        self.ended = None;
    }

    pub fn push(&mut self, new: impl IntoIterator<Item = LogLine>) {
        let mut added = 0usize;
        for line in new {
            if self.lines.len() == self.capacity {
                self.lines.pop_front();
                self.dropped += 1;
            }
            self.lines.push_back(line);
            added += 1;
        }
        // Scrolled up: keep the same lines on screen while new ones arrive below.
        if !self.follow && self.scroll > 0 {
            self.scroll = (self.scroll + added).min(self.lines.len());
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn lines(&self) -> &VecDeque<LogLine> {
        &self.lines
    }

    pub fn visible(&self, line: &LogLine) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(&line.text))
    }

    /// Up to `height` visible lines ending `scroll` visible lines above the bottom,
    /// oldest first. Walks from the end, so cost is bounded by what is shown
    /// plus what the filter skips.
    pub fn window(&self, height: usize) -> Vec<&LogLine> {
        let mut out = Vec::with_capacity(height);
        let mut skip = self.scroll;
        for line in self.lines.iter().rev() {
            if !self.visible(line) {
                continue;
            }
            if skip > 0 {
                skip -= 1;
                continue;
            }
            out.push(line);
            if out.len() == height {
                break;
            }
        }
        out.reverse();
        out
    }

    pub fn scroll_up(&mut self, n: usize) {
        self.follow = false;
        self.scroll = (self.scroll + n).min(self.lines.len().saturating_sub(1));
    }

    pub fn scroll_down(&mut self, n: usize) {
        self.scroll = self.scroll.saturating_sub(n);
        if self.scroll == 0 {
            self.follow = true;
        }
    }

    pub fn to_bottom(&mut self) {
        self.scroll = 0;
        self.follow = true;
    }

    pub fn to_top(&mut self) {
        self.follow = false;
        self.scroll = self.lines.len().saturating_sub(1);
    }

    pub fn toggle_follow(&mut self) {
        if self.follow {
            self.follow = false;
        } else {
            self.to_bottom();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> LogLine {
        LogLine {
            prefix: None,
            timestamp: None,
            text: text.into(),
            stderr: false,
        }
    }

    #[test]
    fn ring_buffer_is_bounded_and_counts_drops() {
        let mut v = LogView::with_capacity(100);
        v.push((0..1000).map(|i| line(&format!("line {i}"))));
        assert_eq!(v.len(), 100);
        assert_eq!(v.dropped, 900);
        assert_eq!(v.window(1)[0].text, "line 999");
    }

    #[test]
    fn filter_regex_inverse_and_fallback_to_substring() {
        let mut v = LogView::with_capacity(10);
        v.push(["ERROR db down", "INFO ok", "WARN slow"].map(line));
        v.filter = Some(LogFilter::new("error|warn"));
        let shown: Vec<_> = v.window(10).iter().map(|l| l.text.clone()).collect();
        assert_eq!(shown, ["ERROR db down", "WARN slow"]);
        v.filter = Some(LogFilter::new("!error"));
        assert_eq!(v.window(10).len(), 2);
        v.filter = Some(LogFilter::new("db ("));
        assert_eq!(
            v.window(10).len(),
            0,
            "invalid regex is a literal substring"
        );
    }

    #[test]
    fn scrolled_up_view_stays_put_while_lines_arrive() {
        let mut v = LogView::with_capacity(100);
        v.push((0..50).map(|i| line(&i.to_string())));
        v.scroll_up(10);
        let before = v.window(1)[0].text.clone();
        v.push((50..60).map(|i| line(&i.to_string())));
        assert_eq!(v.window(1)[0].text, before);
        assert!(!v.follow);
        v.to_bottom();
        assert_eq!(v.window(1)[0].text, "59");
    }
}
