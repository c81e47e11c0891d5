//! Importing large runbooks and catalogs: generated files of 1,000, 4,000 and 20,000
//! procedures (the last about 1.5 MB). The cost must grow linearly with the sections.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use opsdeck::runbook::Rules;
use opsdeck::runbook::import::import_str_with;

/// A runbook of `procedures` sections in the styles the seeds use: headings with a
/// severity, bold phase labels, commented shell blocks and inline-code list items.
fn generated(procedures: usize) -> String {
    let mut text = String::from("# Generated operations runbook\n\n");
    for i in 0..procedures {
        match i % 4 {
            0 => text.push_str(&format!(
                "## Service {i} down (Critical)\n**Diagnosis:**\n```bash\nkubectl get pods -n ns{i}\n```\n"
            )),
            1 => text.push_str(&format!(
                "### Restart worker {i}\n1. Restart: `kubectl rollout restart deploy/w{i}`\n\n"
            )),
            2 => text.push_str(&format!(
                "### Cache {i}\n```bash\n# Check\nredis-cli -n {} info memory\n```\n",
                i % 16
            )),
            _ => text.push_str(&format!(
                "### Disk {i}\n- Check usage: `df -h /data{i}`\n- Notify the owner\n\n"
            )),
        }
    }
    text
}

fn bench(c: &mut Criterion) {
    let rules = Rules::builtin();
    let mut group = c.benchmark_group("runbook_import");
    group.sample_size(10);
    for procedures in [1_000usize, 4_000, 20_000] {
        let text = generated(procedures);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(procedures), &text, |b, text| {
            b.iter(|| {
                let runbook = import_str_with(black_box(text), Path::new("generated.md"), &rules);
                black_box(runbook.map(|r| r.procedures.len()).unwrap_or(0))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
