//! Numbers and durations written the way Prometheus (Go) writes them, so the
//! simulation's JSON and rendered expressions read like the real server's.

/// Decimal digits and exponent of the shortest representation that reads back as `v`
/// (`v` finite and non-zero): `1234.5` is `("12345", 3)`.
fn shortest_digits(v: f64) -> (String, i32) {
    let s = format!("{:e}", v.abs());
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exp.parse().unwrap_or(0))
}

/// Digits rounded to `precision` significant digits, and the exponent.
fn rounded_digits(v: f64, precision: usize) -> (String, i32) {
    let s = format!("{:.*e}", precision.saturating_sub(1), v.abs());
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exp.parse().unwrap_or(0))
}

fn special(v: f64) -> Option<String> {
    if v.is_nan() {
        Some("NaN".into())
    } else if v.is_infinite() {
        Some(if v > 0.0 { "+Inf" } else { "-Inf" }.into())
    } else {
        None
    }
}

fn exp_suffix(exp: i32) -> String {
    let sign = if exp < 0 { '-' } else { '+' };
    format!("e{sign}{:02}", exp.abs())
}

/// `digits` as d.ddd, trailing zeros removed.
fn mantissa(digits: &str) -> String {
    let trimmed = digits.trim_end_matches('0');
    let trimmed = if trimmed.is_empty() { "0" } else { trimmed };
    let (first, rest) = trimmed.split_at(1);
    if rest.is_empty() {
        first.to_string()
    } else {
        format!("{first}.{rest}")
    }
}

/// `digits × 10^exp` written out without an exponent, trailing zeros removed.
fn positional(digits: &str, exp: i32) -> String {
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let point = exp + 1;
    if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    }
}

fn sign(v: f64) -> &'static str {
    if v.is_sign_negative() && v != 0.0 {
        "-"
    } else {
        ""
    }
}

/// Go's `strconv.FormatFloat(v, 'f', -1, 64)`, as the query API writes sample values
/// (`NaN`, `+Inf` and `-Inf` as Prometheus spells them).
pub fn sample_value(v: f64) -> String {
    if let Some(s) = special(v) {
        return s;
    }
    if v == 0.0 {
        return "0".into();
    }
    let (digits, exp) = shortest_digits(v);
    format!("{}{}", sign(v), positional(&digits, exp))
}

/// Go's `fmt.Sprint(v)` for a float64 (`%g`, shortest): how PromQL number
/// literals and `{{ $value }}` print.
pub fn go_float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let (digits, exp) = shortest_digits(v);
    // Shortest %g switches to an exponent at 10^6, as Go's strconv does.
    if !(-4..6).contains(&exp) {
        format!("{}{}{}", sign(v), mantissa(&digits), exp_suffix(exp))
    } else {
        format!("{}{}", sign(v), positional(&digits, exp))
    }
}

/// Go's `strconv.FormatFloat(v, 'e', -1, 64)`: the `value` of an alert in the API.
pub fn go_exponent(v: f64) -> String {
    if let Some(s) = special(v) {
        return s;
    }
    if v == 0.0 {
        return "0e+00".into();
    }
    let (digits, exp) = shortest_digits(v);
    format!("{}{}{}", sign(v), mantissa(&digits), exp_suffix(exp))
}

/// Go's `fmt.Sprintf("%.<precision>g", v)`, which Prometheus' `humanize` uses.
pub fn go_g(v: f64, precision: usize) -> String {
    if let Some(s) = special(v) {
        return s;
    }
    if v == 0.0 {
        return "0".into();
    }
    let precision = precision.max(1);
    let (digits, exp) = rounded_digits(v, precision);
    if exp < -4 || exp >= precision as i32 {
        format!("{}{}{}", sign(v), mantissa(&digits), exp_suffix(exp))
    } else {
        format!("{}{}", sign(v), positional(&digits, exp))
    }
}

/// Prometheus' duration syntax (`model.Duration`): `90s` is `1m30s`, `0` is `0s`.
pub fn duration(seconds: f64) -> String {
    let mut ms = (seconds * 1000.0).round() as i64;
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    if ms < 0 {
        out.push('-');
        ms = -ms;
    }
    const UNITS: &[(&str, i64)] = &[
        ("y", 365 * 24 * 3600 * 1000),
        ("w", 7 * 24 * 3600 * 1000),
        ("d", 24 * 3600 * 1000),
        ("h", 3600 * 1000),
        ("m", 60 * 1000),
        ("s", 1000),
        ("ms", 1),
    ];
    for (unit, size) in UNITS {
        let n = ms / size;
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
            ms -= n * size;
        }
    }
    out
}

/// Parses Prometheus' duration syntax (`5m`, `1h30m`, `10s`, `500ms`, `1d`) into seconds.
pub fn parse_duration(text: &str) -> Option<f64> {
    const UNITS: &[(&str, f64)] = &[
        ("y", 365.0 * 86400.0),
        ("w", 7.0 * 86400.0),
        ("d", 86400.0),
        ("h", 3600.0),
        ("m", 60.0),
        ("s", 1.0),
        ("ms", 0.001),
    ];
    let text = text.trim();
    if text == "0" {
        return Some(0.0);
    }
    let mut rest = text;
    let mut total = 0.0;
    // Units must come largest first, each at most once.
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (i, (unit, secs)) = UNITS
            .iter()
            .enumerate()
            .skip(next_unit)
            .filter(|(_, (u, _))| rest.starts_with(u))
            .max_by_key(|(_, (u, _))| u.len())?;
        if rest[unit.len()..].starts_with(|c: char| c.is_ascii_alphabetic()) {
            return None;
        }
        total += n * secs;
        rest = &rest[unit.len()..];
        next_unit = i + 1;
    }
    (!text.is_empty()).then_some(total)
}

/// Go's `strconv.Quote` for the ASCII and printable text label values hold.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An RFC 3339 time with nanoseconds, trailing zeros dropped (Go's `RFC3339Nano`).
pub fn rfc3339_nano(unix_seconds: f64) -> String {
    let nanos = (unix_seconds * 1e9).round() as i128;
    jiff::Timestamp::from_nanosecond(nanos)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| "0001-01-01T00:00:00Z".into())
}

/// A timestamp in the query API: seconds with millisecond precision.
pub fn api_time(unix_seconds: f64) -> serde_json::Value {
    let ms = (unix_seconds * 1000.0).round() / 1000.0;
    serde_json::Number::from_f64(ms)
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_values_as_the_query_api_writes_them() {
        assert_eq!(sample_value(1.0), "1");
        assert_eq!(sample_value(0.0475), "0.0475");
        assert_eq!(sample_value(0.9527027027027026), "0.9527027027027026");
        assert_eq!(sample_value(1e21), "1000000000000000000000");
        assert_eq!(sample_value(1.5e-7), "0.00000015");
        assert_eq!(sample_value(-2.5), "-2.5");
        assert_eq!(sample_value(f64::NAN), "NaN");
        assert_eq!(sample_value(f64::INFINITY), "+Inf");
        assert_eq!(sample_value(f64::NEG_INFINITY), "-Inf");
    }

    #[test]
    fn go_formats() {
        assert_eq!(go_float(0.95), "0.95");
        assert_eq!(go_float(2.0), "2");
        assert_eq!(go_float(100000.0), "100000");
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_float(1e6), "1e+06");
        assert_eq!(go_float(123456.0), "123456");
        assert_eq!(go_float(0.00001), "1e-05");
        assert_eq!(go_float(0.0001), "0.0001");
        assert_eq!(go_exponent(0.0), "0e+00");
        assert_eq!(go_exponent(0.2808), "2.808e-01");
        assert_eq!(go_exponent(1.0), "1e+00");
        assert_eq!(go_exponent(-1234.5), "-1.2345e+03");
        assert_eq!(go_g(3.4, 4), "3.4");
        assert_eq!(go_g(123456.0, 4), "1.235e+05");
        assert_eq!(go_g(0.000123, 4), "0.000123");
        assert_eq!(go_g(0.0000123, 4), "1.23e-05");
        assert_eq!(go_g(999.96, 4), "1000");
    }

    #[test]
    fn durations_as_prometheus_prints_them() {
        assert_eq!(duration(300.0), "5m");
        assert_eq!(duration(90.0), "1m30s");
        assert_eq!(duration(0.0), "0s");
        assert_eq!(duration(0.5), "500ms");
        assert_eq!(duration(86400.0 * 8.0), "1w1d");
    }

    #[test]
    fn parses_prometheus_durations() {
        assert_eq!(parse_duration("5m"), Some(300.0));
        assert_eq!(parse_duration("1h30m"), Some(5400.0));
        assert_eq!(parse_duration("500ms"), Some(0.5));
        assert_eq!(parse_duration("0"), Some(0.0));
        assert_eq!(parse_duration("1m1h"), None);
        assert_eq!(parse_duration("5 minutes"), None);
        assert_eq!(parse_duration(""), None);
    }
}
