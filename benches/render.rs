//! Frame and data-path costs against the budgets in DESIGN.md:
//! first frame < 100 ms; 10,000 pods: list to first render < 1 s and each
//! frame < 5 ms; logs bounded at 1M lines.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use opsdeck::app::Msg;
use opsdeck::app::logs::LogView;
use opsdeck::model::{LogLine, Platform, SourceUpdate};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn frames(c: &mut Criterion) {
    for (w, h) in [(80u16, 24u16), (200, 50)] {
        let app = support::incident_app("default", w, h);
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("backend");
        c.bench_function(&format!("frame/incident_{w}x{h}"), |b| {
            b.iter(|| {
                term.draw(|f| opsdeck::ui::draw(f, black_box(&app)))
                    .expect("draw");
            })
        });
    }
}

fn first_frame(c: &mut Criterion) {
    c.bench_function("first_frame/state_and_draw_80x24", |b| {
        b.iter(|| {
            let app = support::app_with_theme("rag7", "default");
            let mut term = Terminal::new(TestBackend::new(80, 24)).expect("backend");
            term.draw(|f| opsdeck::ui::draw(f, &app)).expect("draw");
        })
    });
}

fn ten_thousand_pods(c: &mut Criterion) {
    let pods = support::many_pods(10_000);
    c.bench_function("pods_10k/list_to_first_render_200x50", |b| {
        b.iter(|| {
            let mut app = support::app_with_theme("rag7", "default");
            app.update(Msg::Resize(200, 50), jiff::Timestamp::now());
            app.update(
                Msg::Source(SourceUpdate::Workloads {
                    platform: Platform::Kubernetes,
                    rows: pods.clone(),
                }),
                jiff::Timestamp::now(),
            );
            let mut term = Terminal::new(TestBackend::new(200, 50)).expect("backend");
            term.draw(|f| opsdeck::ui::draw(f, &app)).expect("draw");
        })
    });
    let mut app = support::app_with_theme("rag7", "default");
    app.update(Msg::Resize(200, 50), jiff::Timestamp::now());
    app.update(
        Msg::Source(SourceUpdate::Workloads {
            platform: Platform::Kubernetes,
            rows: pods.clone(),
        }),
        jiff::Timestamp::now(),
    );
    app.focus = opsdeck::app::Pane::Workloads;
    let mut term = Terminal::new(TestBackend::new(200, 50)).expect("backend");
    c.bench_function("pods_10k/frame_200x50", |b| {
        b.iter(|| {
            term.draw(|f| opsdeck::ui::draw(f, &app)).expect("draw");
        })
    });
}

fn logs(c: &mut Criterion) {
    let line = |i: usize| LogLine {
        prefix: None,
        timestamp: None,
        text: format!(
            "INFO request id={i} path=/api/query status=200 duration_ms={}",
            i % 900
        ),
        stderr: false,
    };
    c.bench_function("logs/push_1m_lines_into_10k_ring", |b| {
        b.iter(|| {
            let mut v = LogView::default();
            for chunk in 0..1000 {
                v.push((0..1000).map(|i| line(chunk * 1000 + i)));
            }
            assert_eq!(v.len(), 10_000);
            black_box(v.dropped)
        })
    });
    let mut v = LogView::default();
    v.push((0..10_000).map(line));
    v.filter = Some(opsdeck::app::logs::LogFilter::new("status=5\\d\\d|error"));
    c.bench_function("logs/filtered_window_of_10k_lines", |b| {
        b.iter(|| black_box(v.window(40).len()))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = frames, first_frame, ten_thousand_pods, logs
}
criterion_main!(benches);
