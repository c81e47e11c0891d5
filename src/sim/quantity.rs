//! Kubernetes resource quantities (`512Mi`, `2Gi`, `500m`), as far as the
//! simulation needs them.

/// Memory in MiB.
pub fn mebibytes(q: &str) -> Option<f64> {
    let q = q.trim();
    let split = q.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(q.len());
    let (num, unit) = q.split_at(split);
    let n: f64 = num.parse().ok()?;
    let bytes = match unit {
        "" => n,
        "Ki" => n * 1024.0,
        "Mi" => n * 1024.0 * 1024.0,
        "Gi" => n * 1024.0 * 1024.0 * 1024.0,
        "Ti" => n * 1024f64.powi(4),
        "k" => n * 1e3,
        "M" => n * 1e6,
        "G" => n * 1e9,
        "T" => n * 1e12,
        _ => return None,
    };
    Some(bytes / 1024.0 / 1024.0)
}

/// Storage in bytes (for PVC resize checks).
pub fn bytes(q: &str) -> Option<f64> {
    mebibytes(q).map(|m| m * 1024.0 * 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_binary_and_decimal_suffixes() {
        assert_eq!(mebibytes("512Mi"), Some(512.0));
        assert_eq!(mebibytes("2Gi"), Some(2048.0));
        assert_eq!(mebibytes("1048576"), Some(1.0));
        assert!(mebibytes("12Qx").is_none());
        assert!(bytes("50Gi") > bytes("20Gi"));
    }
}
