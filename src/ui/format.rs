//! Small text formatters shared by the panes.

use jiff::Timestamp;

/// `5s`, `3m`, `2h`, `4d`: the age kubectl shows.
pub fn age(now: Timestamp, then: Timestamp) -> String {
    let secs = now.as_second().saturating_sub(then.as_second()).max(0);
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86_400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

/// Bytes as `512Ki`, `1.2Gi`, the way Kubernetes writes memory.
pub fn bytes(b: f64) -> String {
    const UNITS: [&str; 5] = ["", "Ki", "Mi", "Gi", "Ti"];
    let mut v = b.max(0.0);
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if v >= 100.0 || unit == 0 {
        format!("{v:.0}{}", UNITS[unit])
    } else {
        format!("{v:.1}{}", UNITS[unit])
    }
}

/// Millicores as `250m` or `1.5`.
pub fn millicores(m: f64) -> String {
    if m >= 1000.0 {
        format!("{:.1}", m / 1000.0)
    } else {
        format!("{m:.0}m")
    }
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A sparkline of latencies; `0` (a failed run) is drawn as `×`.
/// Writes into `out` to avoid allocating per frame.
pub fn sparkline(values: impl Iterator<Item = u64> + Clone, width: usize, out: &mut String) {
    let max = values.clone().max().unwrap_or(1).max(1);
    let count = values.clone().count();
    for v in values.skip(count.saturating_sub(width)) {
        if v == 0 {
            out.push('×');
        } else {
            let idx = ((v * 7) / max) as usize;
            out.push(BARS[idx.min(7)]);
        }
    }
}

/// Cuts `s` to `width` columns, ending with `…` when cut.
pub fn truncate(s: &str, width: usize) -> std::borrow::Cow<'_, str> {
    use unicode_width::UnicodeWidthStr;
    if s.width() <= width {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(width + 3);
    let mut w = 0;
    for c in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_like_kubectl() {
        let now = Timestamp::from_second(100_000).unwrap();
        assert_eq!(age(now, Timestamp::from_second(99_995).unwrap()), "5s");
        assert_eq!(age(now, Timestamp::from_second(99_700).unwrap()), "5m");
        assert_eq!(age(now, Timestamp::from_second(92_800).unwrap()), "2h");
        assert_eq!(age(now, Timestamp::from_second(100_005).unwrap()), "0s");
    }

    #[test]
    fn sizes() {
        assert_eq!(bytes(512.0 * 1024.0), "512Ki");
        assert_eq!(bytes(1.5 * 1024.0 * 1024.0 * 1024.0), "1.5Gi");
        assert_eq!(millicores(250.0), "250m");
        assert_eq!(millicores(1500.0), "1.5");
        assert_eq!(truncate("abcdef", 4), "abc…");
        let mut s = String::new();
        sparkline([1u64, 8, 0].into_iter(), 10, &mut s);
        assert_eq!(s, "▁█×");
    }
}
