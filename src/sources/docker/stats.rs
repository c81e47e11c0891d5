//! CPU, memory and network figures computed exactly the way `docker stats` computes them
//! (docker/cli `cli/command/container/stats_helpers.go`).

use bollard::models::{ContainerCpuStats, ContainerMemoryStats, ContainerStatsResponse};

/// One reading of a container's CPU counters, kept between polls to compute a delta.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CpuSample {
    /// Nanoseconds of CPU the container has used since it started.
    pub total_usage: u64,
    /// Nanoseconds of CPU the whole host has used (all CPUs summed).
    pub system_usage: u64,
    pub online_cpus: u32,
}

impl CpuSample {
    pub(crate) fn from_stats(cpu: &ContainerCpuStats) -> Option<Self> {
        let total_usage = cpu.cpu_usage.as_ref()?.total_usage?;
        let system_usage = cpu.system_cpu_usage?;
        // Older engines leave online_cpus at 0; the CLI then counts the per-CPU entries.
        let online_cpus = match cpu.online_cpus {
            Some(n) if n > 0 => n,
            _ => cpu
                .cpu_usage
                .as_ref()
                .and_then(|u| u.percpu_usage.as_ref())
                .map(|v| u32::try_from(v.len()).unwrap_or(u32::MAX))
                .unwrap_or(0),
        };
        Some(Self {
            total_usage,
            system_usage,
            online_cpus,
        })
    }
}

/// `docker stats`' CPU %: the container's share of the host's CPU time between two samples,
/// scaled by the number of online CPUs (so one busy core reads 100%).
///
/// `None` when there is no usable delta (first sample, counters reset by a restart).
pub(crate) fn cpu_percent(previous: CpuSample, current: CpuSample) -> Option<f64> {
    let cpu_delta = current.total_usage.checked_sub(previous.total_usage)?;
    let system_delta = current.system_usage.checked_sub(previous.system_usage)?;
    if system_delta == 0 {
        return None;
    }
    Some(cpu_delta as f64 / system_delta as f64 * f64::from(current.online_cpus) * 100.0)
}

/// Percent of one core to millicores: 100% of one core is 1000m.
pub(crate) fn percent_to_millicores(percent: f64) -> f64 {
    percent * 10.0
}

/// `docker stats`' memory usage: usage minus the page cache the kernel can drop at once
/// (`total_inactive_file` on cgroup v1, `inactive_file` on cgroup v2).
pub(crate) fn memory_used(mem: &ContainerMemoryStats) -> Option<u64> {
    let usage = mem.usage?;
    let stats = mem.stats.as_ref();
    let inactive = stats
        .and_then(|s| s.get("total_inactive_file"))
        .or_else(|| stats.and_then(|s| s.get("inactive_file")))
        .copied();
    Some(match inactive {
        Some(cache) if cache < usage => usage - cache,
        _ => usage,
    })
}

/// Bytes received and sent over all of the container's networks.
pub(crate) fn network_io(stats: &ContainerStatsResponse) -> Option<(u64, u64)> {
    let networks = stats.networks.as_ref()?;
    Some(networks.values().fold((0, 0), |(rx, tx), n| {
        (rx + n.rx_bytes.unwrap_or(0), tx + n.tx_bytes.unwrap_or(0))
    }))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use bollard::models::{ContainerCpuUsage, ContainerNetworkStats};

    use super::*;

    fn sample(total: u64, system: u64, cpus: u32) -> CpuSample {
        CpuSample {
            total_usage: total,
            system_usage: system,
            online_cpus: cpus,
        }
    }

    #[test]
    fn one_busy_core_on_two_reads_100_percent_and_1000_millicores() {
        // In 1s of wall time a 2-CPU host accrues 2e9 ns of system time; the container used 1e9.
        let pct = cpu_percent(sample(0, 0, 2), sample(1_000_000_000, 2_000_000_000, 2));
        assert_eq!(pct, Some(100.0));
        assert_eq!(percent_to_millicores(100.0), 1000.0);
    }

    #[test]
    fn counters_going_backwards_give_no_figure() {
        assert_eq!(cpu_percent(sample(10, 10, 2), sample(5, 20, 2)), None);
        assert_eq!(cpu_percent(sample(10, 10, 2), sample(20, 10, 2)), None);
    }

    #[test]
    fn online_cpus_falls_back_to_per_cpu_entries() {
        let cpu = ContainerCpuStats {
            cpu_usage: Some(ContainerCpuUsage {
                total_usage: Some(7),
                percpu_usage: Some(vec![3, 4, 0, 0]),
                ..Default::default()
            }),
            system_cpu_usage: Some(100),
            online_cpus: Some(0),
            ..Default::default()
        };
        assert_eq!(CpuSample::from_stats(&cpu), Some(sample(7, 100, 4)));
    }

    #[test]
    fn memory_excludes_inactive_file_cache_on_both_cgroup_versions() {
        let v1 = ContainerMemoryStats {
            usage: Some(2_101_248),
            stats: Some(HashMap::from([
                ("total_inactive_file".to_string(), 1_507_328),
                ("inactive_file".to_string(), 1_507_328),
            ])),
            ..Default::default()
        };
        assert_eq!(memory_used(&v1), Some(593_920));
        let v2 = ContainerMemoryStats {
            usage: Some(1000),
            stats: Some(HashMap::from([("inactive_file".to_string(), 400)])),
            ..Default::default()
        };
        assert_eq!(memory_used(&v2), Some(600));
        let cache_above_usage = ContainerMemoryStats {
            usage: Some(100),
            stats: Some(HashMap::from([("inactive_file".to_string(), 400)])),
            ..Default::default()
        };
        assert_eq!(memory_used(&cache_above_usage), Some(100));
    }

    #[test]
    fn network_io_sums_every_network() {
        let net = |rx, tx| ContainerNetworkStats {
            rx_bytes: Some(rx),
            tx_bytes: Some(tx),
            ..Default::default()
        };
        let stats = ContainerStatsResponse {
            networks: Some(HashMap::from([
                ("eth0".to_string(), net(10, 1)),
                ("eth1".to_string(), net(5, 2)),
            ])),
            ..Default::default()
        };
        assert_eq!(network_io(&stats), Some((15, 3)));
    }
}
