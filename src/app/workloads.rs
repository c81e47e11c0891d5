//! The Workloads pane's state: rows from every platform, a precomputed view
//! order (sorted, filtered, grouped) so drawing never sorts.

use std::collections::BTreeMap;

use crate::model::{Platform, SourceState, Workload};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortColumn {
    /// Unhealthy first, then name.
    #[default]
    Health,
    Name,
    Restarts,
    Age,
    Cpu,
    Memory,
}

impl SortColumn {
    pub fn next(self) -> SortColumn {
        match self {
            SortColumn::Health => SortColumn::Name,
            SortColumn::Name => SortColumn::Restarts,
            SortColumn::Restarts => SortColumn::Age,
            SortColumn::Age => SortColumn::Cpu,
            SortColumn::Cpu => SortColumn::Memory,
            SortColumn::Memory => SortColumn::Health,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortColumn::Health => "health",
            SortColumn::Name => "name",
            SortColumn::Restarts => "restarts",
            SortColumn::Age => "age",
            SortColumn::Cpu => "cpu",
            SortColumn::Memory => "memory",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct WorkloadsView {
    rows: Vec<Workload>,
    /// Indexes into `rows` in display order.
    order: Vec<usize>,
    pub states: BTreeMap<Platform, SourceState>,
    pub selected: usize,
    pub sort: SortColumn,
    pub reverse: bool,
    pub filter: Option<String>,
    pub group: bool,
    /// Node summary like `kubectl top nodes`, set by the source.
    pub nodes_line: Option<String>,
}

impl WorkloadsView {
    /// Replaces one platform's rows, keeping the selection on the same workload.
    pub fn replace(&mut self, platform: Platform, rows: Vec<Workload>) {
        let keep = self
            .selected_row()
            .map(|w| (w.platform, w.namespace.clone(), w.name.clone()));
        self.rows.retain(|w| w.platform != platform);
        self.rows.extend(rows);
        self.recompute();
        if let Some((p, ns, name)) = keep
            && let Some(pos) = self.order.iter().position(|&i| {
                let w = &self.rows[i];
                w.platform == p && w.namespace == ns && w.name == name
            })
        {
            self.selected = pos;
        }
        self.clamp();
    }

    pub fn all(&self) -> &[Workload] {
        &self.rows
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn row(&self, pos: usize) -> Option<&Workload> {
        self.order.get(pos).and_then(|&i| self.rows.get(i))
    }

    pub fn selected_row(&self) -> Option<&Workload> {
        self.row(self.selected)
    }

    pub fn set_filter(&mut self, filter: Option<String>) {
        self.filter = filter.filter(|f| !f.is_empty());
        self.recompute();
        self.clamp();
    }

    pub fn set_sort(&mut self, sort: SortColumn, reverse: bool) {
        self.sort = sort;
        self.reverse = reverse;
        self.recompute();
    }

    pub fn toggle_group(&mut self) {
        self.group = !self.group;
        self.recompute();
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.order.is_empty() {
            self.selected = 0;
            return;
        }
        let max = self.order.len() as isize - 1;
        self.selected = (self.selected as isize + delta).clamp(0, max) as usize;
    }

    pub fn to_top(&mut self) {
        self.selected = 0;
    }

    pub fn to_bottom(&mut self) {
        self.selected = self.order.len().saturating_sub(1);
    }

    fn clamp(&mut self) {
        self.selected = self.selected.min(self.order.len().saturating_sub(1));
    }

    fn recompute(&mut self) {
        let matcher = self.filter.as_deref().map(super::logs::LogFilter::new);
        self.order = (0..self.rows.len())
            .filter(|&i| {
                let w = &self.rows[i];
                matcher.as_ref().is_none_or(|m| {
                    m.matches(&w.name)
                        || m.matches(&w.status)
                        || m.matches(&w.namespace)
                        || w.group.as_deref().is_some_and(|g| m.matches(g))
                })
            })
            .collect();
        let rows = &self.rows;
        let sort = self.sort;
        let cmp = |a: &usize, b: &usize| {
            let (x, y) = (&rows[*a], &rows[*b]);
            let primary = match sort {
                SortColumn::Health => x.severity.cmp(&y.severity),
                SortColumn::Name => std::cmp::Ordering::Equal,
                SortColumn::Restarts => y.restarts.cmp(&x.restarts),
                SortColumn::Age => y.created.cmp(&x.created),
                SortColumn::Cpu => cmp_f64(y.cpu.map(|u| u.used), x.cpu.map(|u| u.used)),
                SortColumn::Memory => cmp_f64(y.memory.map(|u| u.used), x.memory.map(|u| u.used)),
            };
            primary
                .then_with(|| x.namespace.cmp(&y.namespace))
                .then_with(|| x.name.cmp(&y.name))
        };
        if self.group {
            // Groups keep the sort inside them; a group sorts by its worst member.
            let mut worst: BTreeMap<(&str, &str), crate::model::Severity> = BTreeMap::new();
            for &i in &self.order {
                let w = &rows[i];
                let key = (w.namespace.as_str(), w.group.as_deref().unwrap_or(&w.name));
                let e = worst.entry(key).or_insert(w.severity);
                *e = (*e).min(w.severity);
            }
            self.order.sort_by(|a, b| {
                let (x, y) = (&rows[*a], &rows[*b]);
                let kx = (x.namespace.as_str(), x.group.as_deref().unwrap_or(&x.name));
                let ky = (y.namespace.as_str(), y.group.as_deref().unwrap_or(&y.name));
                worst[&kx]
                    .cmp(&worst[&ky])
                    .then_with(|| kx.cmp(&ky))
                    .then_with(|| cmp(a, b))
            });
        } else {
            self.order.sort_by(cmp);
        }
        if self.reverse {
            self.order.reverse();
        }
    }
}

fn cmp_f64(a: Option<f64>, b: Option<f64>) -> std::cmp::Ordering {
    a.unwrap_or(-1.0).total_cmp(&b.unwrap_or(-1.0))
}
