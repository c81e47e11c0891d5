//! SLOs in the Alerts pane: value, objective, state and a sparkline of recent
//! values; one row each when there is room, one compact line when there is not.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::format::truncate;
use crate::app::alerts::SloRow;
use crate::app::state::App;
use crate::config::slo::SloState;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Marker and word per state: the word carries the meaning without colour.
pub fn marker(state: SloState) -> &'static str {
    match state {
        SloState::Ok => "✓",
        SloState::Near => "▲",
        SloState::Breached => "✖",
        SloState::NoData => "○",
    }
}

pub fn style(app: &App, state: SloState) -> Style {
    match state {
        SloState::Ok => app.theme.ok,
        SloState::Near => app.theme.warn,
        SloState::Breached => app.theme.crit,
        SloState::NoData => app.theme.muted,
    }
}

/// The last `width` values between their own minimum and maximum; a gap for no data.
pub fn sparkline(values: impl DoubleEndedIterator<Item = f64> + Clone, width: usize) -> String {
    let recent: Vec<f64> = values.rev().take(width).collect();
    let finite = recent.iter().copied().filter(|v| v.is_finite());
    let lo = finite.clone().fold(f64::INFINITY, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
    recent
        .iter()
        .rev()
        .map(|v| {
            if !v.is_finite() {
                ' '
            } else if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
                BARS[3]
            } else {
                BARS[(((v - lo) / (hi - lo)) * 7.0).round().clamp(0.0, 7.0) as usize]
            }
        })
        .collect()
}

fn value(row: &SloRow) -> String {
    match (row.value, &row.error) {
        (_, Some(_)) => "error".into(),
        (Some(v), None) => row.unit.format(v),
        (None, None) => "…".into(),
    }
}

/// One row per SLO: `✖ p95 latency   1.42 s  < 1     breached ▁▂▄▆█`.
pub fn rows(app: &App, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let name_w = app
        .alerts
        .slos
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 18);
    let fixed = 2 + name_w + 1 + 10 + 1 + 8 + 1 + 9;
    let spark_w = width.saturating_sub(fixed + 1).min(24);
    app.alerts
        .slos
        .iter()
        .map(|row| {
            let state = row.state();
            let st = style(app, state);
            let mut spans = vec![
                Span::styled(format!("{} ", marker(state)), st),
                Span::styled(format!("{:<name_w$} ", truncate(&row.name, name_w)), t.text),
                Span::styled(format!("{:>10} ", value(row)), st),
                Span::styled(format!("{:<8} ", row.objective.to_string()), t.muted),
                Span::styled(format!("{:<9}", state.name()), st),
            ];
            if let Some(e) = &row.error {
                spans.push(Span::styled(
                    truncate(&format!(" {e}"), width.saturating_sub(fixed)).into_owned(),
                    t.crit,
                ));
            } else if spark_w >= 4 {
                spans.push(Span::styled(
                    format!(" {}", sparkline(row.history.iter().copied(), spark_w)),
                    t.accent,
                ));
            }
            Line::from(spans)
        })
        .collect()
}

/// Every SLO on one line, worst first: `SLO ✖ p95 latency 1.42 s · ✓ errors 0.3 %`.
pub fn compact(app: &App, width: usize) -> Line<'static> {
    let t = &app.theme;
    let mut order: Vec<&SloRow> = app.alerts.slos.iter().collect();
    order.sort_by_key(|r| match r.state() {
        SloState::Breached => 0,
        SloState::Near => 1,
        SloState::NoData => 2,
        SloState::Ok => 3,
    });
    let mut spans = vec![Span::styled("SLO ", t.header)];
    let mut used = 4;
    for (i, row) in order.iter().enumerate() {
        let state = row.state();
        let text = format!("{} {}", row.name, value(row));
        let sep = if i == 0 { "" } else { " · " };
        let need = sep.len() + 2 + text.chars().count();
        if used + need > width {
            spans.push(Span::styled(" …", t.muted));
            break;
        }
        spans.push(Span::styled(sep, t.muted));
        spans.push(Span::styled(
            format!("{} ", marker(state)),
            style(app, state),
        ));
        spans.push(Span::styled(
            text,
            if state == SloState::Ok {
                t.text
            } else {
                style(app, state)
            },
        ));
        used += need;
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_scale_between_the_extremes_and_leave_gaps() {
        assert_eq!(sparkline([0.1, 0.5, 0.9].into_iter(), 8), "▁▅█");
        assert_eq!(sparkline([1.0, f64::NAN, 1.0].into_iter(), 8), "▄ ▄");
        assert_eq!(sparkline([0.0, 1.0, 2.0, 3.0].into_iter(), 2), "▁█");
    }
}
