//! The part of Prometheus' alert templating (Go `text/template`) that rule
//! files use: `{{ $labels.NAME }}`, `{{ $value }}`, `.Labels.NAME`, `.Value`,
//! and the `humanize`, `humanizePercentage` and `humanizeDuration` functions,
//! applied as `{{ $value | humanize }}` or `{{ humanize $value }}`.

use super::format::{go_float, go_g};
use super::promql::Labels;

/// Expands `text` for one alert. Like Prometheus, a template that cannot be
/// expanded yields `<error expanding template: …>` in place of the text.
pub fn expand(text: &str, labels: &Labels, value: f64) -> String {
    match try_expand(text, labels, value) {
        Ok(s) => s,
        Err(e) => format!("<error expanding template: {e}>"),
    }
}

/// Checks that every action in `text` is one this templating understands.
pub fn check(text: &str) -> Result<(), String> {
    try_expand(text, &Labels::new(), 0.0).map(drop)
}

enum Datum {
    Text(String),
    Number(f64),
}

fn try_expand(text: &str, labels: &Labels, value: f64) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after
            .find("}}")
            .ok_or_else(|| "unclosed action".to_string())?;
        let action = after[..close]
            .trim_start_matches('-')
            .trim_end_matches('-')
            .trim();
        out.push_str(&action_text(action, labels, value)?);
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn operand(word: &str, labels: &Labels, value: f64) -> Result<Datum, String> {
    if word == "$value" || word == ".Value" {
        return Ok(Datum::Number(value));
    }
    for prefix in ["$labels.", ".Labels."] {
        if let Some(name) = word.strip_prefix(prefix) {
            // Prometheus runs templates with missingkey=zero: an absent label is empty.
            return Ok(Datum::Text(labels.get(name).cloned().unwrap_or_default()));
        }
    }
    if let Some(s) = word.strip_prefix('"').and_then(|w| w.strip_suffix('"')) {
        return Ok(Datum::Text(s.to_string()));
    }
    if let Ok(n) = word.parse::<f64>() {
        return Ok(Datum::Number(n));
    }
    Err(format!("unsupported template operand `{word}`"))
}

fn apply(func: &str, d: Datum) -> Result<Datum, String> {
    let v = match d {
        Datum::Number(v) => v,
        Datum::Text(t) => t
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("{func}: {t:?} is not a number"))?,
    };
    Ok(Datum::Text(match func {
        "humanize" => humanize(v),
        "humanizePercentage" => format!("{}%", go_g(v * 100.0, 4)),
        "humanizeDuration" => humanize_duration(v),
        other => return Err(format!("function {other:?} not defined")),
    }))
}

fn action_text(action: &str, labels: &Labels, value: f64) -> Result<String, String> {
    let mut stages = action.split('|').map(str::trim);
    let first: Vec<&str> = stages.next().unwrap_or("").split_whitespace().collect();
    let mut datum = match first.as_slice() {
        [word] => operand(word, labels, value)?,
        [func, arg] => apply(func, operand(arg, labels, value)?)?,
        _ => return Err(format!("unsupported template action `{action}`")),
    };
    for stage in stages {
        datum = apply(stage, datum)?;
    }
    Ok(match datum {
        Datum::Text(t) => t,
        Datum::Number(v) => go_float(v),
    })
}

/// Prometheus' `humanize`: SI prefixes, four significant digits.
pub fn humanize(v: f64) -> String {
    if v == 0.0 || v.is_nan() || v.is_infinite() {
        return go_g(v, 4);
    }
    let mut v = v;
    let mut prefix = "";
    if v.abs() >= 1.0 {
        for p in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
            if v.abs() < 1000.0 {
                break;
            }
            prefix = p;
            v /= 1000.0;
        }
    } else {
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if v.abs() >= 1.0 {
                break;
            }
            prefix = p;
            v *= 1000.0;
        }
    }
    format!("{}{prefix}", go_g(v, 4))
}

/// Prometheus' `humanizeDuration`: `1d 2h 3m 4s`, or milliseconds and below for
/// values under a second.
pub fn humanize_duration(v: f64) -> String {
    if v.is_nan() || v.is_infinite() {
        return go_g(v, 4);
    }
    if v.abs() >= 1.0 {
        let sign = if v < 0.0 { "-" } else { "" };
        let total = v.abs();
        let seconds = total as i64 % 60;
        let minutes = (total / 60.0) as i64 % 60;
        let hours = (total / 3600.0) as i64 % 24;
        let days = (total / 86400.0) as i64;
        return if days != 0 {
            format!("{sign}{days}d {hours}h {minutes}m {seconds}s")
        } else if hours != 0 {
            format!("{sign}{hours}h {minutes}m {seconds}s")
        } else if minutes != 0 {
            format!("{sign}{minutes}m {seconds}s")
        } else {
            format!("{sign}{}s", go_g(total, 4))
        };
    }
    if v == 0.0 {
        return "0s".into();
    }
    let mut v = v;
    let mut prefix = "";
    for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
        if v.abs() >= 1.0 {
            break;
        }
        prefix = p;
        v *= 1000.0;
    }
    format!("{}{prefix}s", go_g(v, 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Labels {
        [("service", "langgraph")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn labels_values_and_functions() {
        let l = labels();
        assert_eq!(
            expand("p95 of {{ $labels.service }} is {{ $value }}", &l, 3.5),
            "p95 of langgraph is 3.5"
        );
        assert_eq!(
            expand("{{ .Labels.service }}/{{.Value}}", &l, 2.0),
            "langgraph/2"
        );
        assert_eq!(expand("{{ $value | humanize }}", &l, 1234567.0), "1.235M");
        assert_eq!(expand("{{ humanize $value }}", &l, 0.0123), "12.3m");
        assert_eq!(
            expand("{{ $value | humanizePercentage }}", &l, 0.0812),
            "8.12%"
        );
        assert_eq!(expand("{{ $value | humanizeDuration }}", &l, 3.4), "3.4s");
        assert_eq!(
            expand("{{ $value | humanizeDuration }}", &l, 93784.0),
            "1d 2h 3m 4s"
        );
        assert_eq!(expand("{{ $labels.missing }}", &l, 0.0), "");
        assert_eq!(expand("no templates", &l, 0.0), "no templates");
    }

    #[test]
    fn what_it_cannot_expand_says_so() {
        let l = labels();
        assert!(expand("{{ range $labels }}", &l, 0.0).starts_with("<error expanding template: "));
        assert!(expand("{{ $value | title }}", &l, 0.0).contains("not defined"));
        assert!(check("{{ $labels.service }} {{ $value | humanize }}").is_ok());
        assert!(check("{{ query \"up\" }}").is_err());
    }
}
