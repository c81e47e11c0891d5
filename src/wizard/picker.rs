//! The procedure picker: a fuzzy match over every procedure's title, symptoms
//! and alert names.

use crate::runbook::Runbook;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub runbook: usize,
    pub procedure: usize,
    pub score: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Picker {
    pub query: String,
    pub matches: Vec<Match>,
    pub selected: usize,
    /// The procedure the live state suggests, shown on top.
    pub suggested: Option<(usize, usize)>,
    pub reason: Option<String>,
}

impl Picker {
    pub fn new(catalog: &[Runbook], query: &str) -> Picker {
        let mut p = Picker {
            query: query.to_string(),
            ..Picker::default()
        };
        p.refilter(catalog);
        p
    }

    pub fn refilter(&mut self, catalog: &[Runbook]) {
        let mut matches = Vec::new();
        for (ri, rb) in catalog.iter().enumerate() {
            for (pi, proc_) in rb.procedures.iter().enumerate() {
                if proc_.step_count() == 0 {
                    continue;
                }
                let mut score = fuzzy(&self.query, &proc_.title).map(|s| s * 3);
                for text in proc_.symptoms.iter().chain(proc_.alerts.iter()) {
                    if let Some(s) = fuzzy_words(&self.query, text) {
                        score = Some(score.unwrap_or(0).max(s));
                    }
                }
                if let Some(mut score) = score {
                    if self.suggested == Some((ri, pi)) {
                        score += 1_000_000;
                    }
                    matches.push(Match {
                        runbook: ri,
                        procedure: pi,
                        score,
                    });
                }
            }
        }
        matches.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then(a.runbook.cmp(&b.runbook))
                .then(a.procedure.cmp(&b.procedure))
        });
        self.matches = matches;
        self.selected = 0;
    }

    pub fn chosen(&self) -> Option<&Match> {
        self.matches.get(self.selected)
    }
}

/// Subsequence match, case-insensitive; higher is better (contiguous runs and
/// word starts count more). `None` when `query` is not a subsequence.
pub fn fuzzy(query: &str, text: &str) -> Option<i64> {
    let q: Vec<char> = query
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if q.is_empty() {
        return Some(0);
    }
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let mut score = 0i64;
    let mut qi = 0;
    let mut prev: Option<usize> = None;
    for (i, c) in t.iter().enumerate() {
        if qi < q.len() && *c == q[qi] {
            score += 1;
            if prev == Some(i.wrapping_sub(1)) {
                score += 3;
            }
            if i == 0 || !t[i - 1].is_alphanumeric() {
                score += 2;
            }
            prev = Some(i);
            qi += 1;
        }
    }
    (qi == q.len()).then_some(score - t.len() as i64 / 8)
}

/// Every query word appears in `text` (symptoms and alerts match by words, not letters).
fn fuzzy_words(query: &str, text: &str) -> Option<i64> {
    let lower = text.to_lowercase();
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return None;
    }
    words
        .iter()
        .all(|w| lower.contains(w.as_str()))
        .then_some(words.iter().map(|w| w.len() as i64).sum::<i64>() * 2)
}
