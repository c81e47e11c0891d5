//! Kubernetes resource quantities (`250m`, `1.5`, `512Mi`, `1e9`, `123456n`) as numbers.

/// CPU in millicores: `250m` → 250, `2` → 2000, `1500000n` → 1.5.
pub(crate) fn millicores(q: &str) -> Option<f64> {
    parse(q).map(|cores| cores * 1000.0)
}

/// Memory in bytes: `512Mi` → 536870912, `1G` → 1e9, `1024Ki`.
pub(crate) fn bytes(q: &str) -> Option<f64> {
    parse(q)
}

/// The quantity in base units.
fn parse(q: &str) -> Option<f64> {
    let q = q.trim();
    let split = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(q.len());
    let (number, suffix) = q.split_at(split);
    let value: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        exp if exp.starts_with(['e', 'E']) => 10f64.powi(exp[1..].parse().ok()?),
        _ => return None,
    };
    Some(value * factor)
}

/// `1.2` cores, or `4` when whole.
pub(crate) fn cores_text(millicores: f64) -> String {
    let cores = millicores / 1000.0;
    if (cores - cores.round()).abs() < 0.05 {
        format!("{}", cores.round() as i64)
    } else {
        format!("{cores:.1}")
    }
}

/// `3.1Gi`, `780Mi`, or `16Gi` when whole.
pub(crate) fn memory_text(bytes: f64) -> String {
    const GI: f64 = 1024.0 * 1024.0 * 1024.0;
    const MI: f64 = 1024.0 * 1024.0;
    if bytes >= GI {
        let g = bytes / GI;
        if (g - g.round()).abs() < 0.05 {
            format!("{}Gi", g.round() as i64)
        } else {
            format!("{g:.1}Gi")
        }
    } else {
        format!("{}Mi", (bytes / MI).round() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_forms() {
        assert_eq!(millicores("250m"), Some(250.0));
        assert_eq!(millicores("2"), Some(2000.0));
        assert_eq!(millicores("0.5"), Some(500.0));
        let n = millicores("310000000n").unwrap();
        assert!((n - 310.0).abs() < 1e-6, "{n}");
        assert_eq!(millicores("lots"), None);
    }

    #[test]
    fn memory_forms() {
        assert_eq!(bytes("512Mi"), Some(536_870_912.0));
        assert_eq!(bytes("1G"), Some(1e9));
        assert_eq!(bytes("1e3"), Some(1000.0));
        assert_eq!(bytes("798720Ki"), Some(798_720.0 * 1024.0));
        assert_eq!(bytes("12Qi"), None);
    }

    #[test]
    fn texts() {
        assert_eq!(cores_text(1234.0), "1.2");
        assert_eq!(cores_text(4000.0), "4");
        assert_eq!(memory_text(16.0 * 1024.0 * 1024.0 * 1024.0), "16Gi");
        assert_eq!(memory_text(3.1 * 1024.0 * 1024.0 * 1024.0), "3.1Gi");
        assert_eq!(memory_text(780.0 * 1024.0 * 1024.0), "780Mi");
    }
}
