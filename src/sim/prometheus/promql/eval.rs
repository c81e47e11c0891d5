//! Evaluation of an expression at one instant, with Prometheus' semantics:
//! five minutes of lookback for instant selectors, staleness markers,
//! extrapolated `rate`/`increase`, one-to-one vector matching, and the
//! bucket interpolation of `histogram_quantile`.
//!
//! Times are scenario seconds; [`TimeMap`] converts to and from Unix time,
//! which is what clients send and read.

use std::collections::{BTreeMap, HashMap};

use super::ast::*;

/// Prometheus' staleness marker: a NaN with this bit pattern ends a series.
pub const STALE_NAN: u64 = 0x7ff0_0000_0000_0002;

pub fn is_stale(v: f64) -> bool {
    v.to_bits() == STALE_NAN
}

/// How long an instant selector looks back for a sample (Prometheus' default).
pub const LOOKBACK: f64 = 300.0;

/// Scenario time against Unix time: the scenario clock started at `origin_unix`
/// and runs `speed` times faster than the wall clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeMap {
    pub origin_unix: f64,
    pub speed: f64,
}

impl TimeMap {
    pub fn to_scenario(&self, unix: f64) -> f64 {
        (unix - self.origin_unix) * self.speed
    }

    pub fn to_unix(&self, scenario: f64) -> f64 {
        self.origin_unix + scenario / self.speed
    }
}

/// Where samples come from.
pub trait Storage {
    /// Every series all `matchers` select, with its samples whose time lies in
    /// `[start, end]` (staleness markers included), oldest first.
    fn select(&self, matchers: &[Matcher], start: f64, end: f64) -> Vec<(Labels, Vec<(f64, f64)>)>;
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: Labels,
    pub value: f64,
}

/// A series of a range result; times in scenario seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: Labels,
    pub points: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(f64),
    String(String),
    Vector(Vec<Sample>),
    Matrix(Vec<Series>),
}

/// A failure while evaluating a valid expression (Prometheus' `execution` errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EvalError(pub String);

/// Evaluates `expr` at scenario time `t`.
pub fn evaluate(
    expr: &Expr,
    storage: &dyn Storage,
    time: TimeMap,
    t: f64,
) -> Result<Value, EvalError> {
    let ev = Evaluator { storage, time };
    let mut v = ev.eval(expr, t)?;
    if let Value::Vector(samples) = &mut v {
        samples.sort_by(|a, b| a.labels.cmp(&b.labels));
    }
    Ok(v)
}

/// A function of one series' samples in a window: (points, range, window end).
type WindowFn = dyn Fn(&[(f64, f64)], f64, f64) -> Option<f64>;

struct Evaluator<'a> {
    storage: &'a dyn Storage,
    time: TimeMap,
}

fn drop_name(mut l: Labels) -> Labels {
    l.remove(METRIC_NAME);
    l
}

fn labels_text(l: &Labels) -> String {
    let parts: Vec<String> = l.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", parts.join(", "))
}

impl Evaluator<'_> {
    fn eval(&self, expr: &Expr, t: f64) -> Result<Value, EvalError> {
        Ok(match expr {
            Expr::Number(v) => Value::Scalar(*v),
            Expr::String(s) => Value::String(s.clone()),
            Expr::Paren(e) => self.eval(e, t)?,
            Expr::Selector(s) => Value::Vector(self.instant(s, t)),
            Expr::Range { selector, range } => Value::Matrix(self.range(selector, *range, t)),
            Expr::Negate(e) => match self.eval(e, t)? {
                Value::Scalar(v) => Value::Scalar(-v),
                Value::Vector(v) => Value::Vector(
                    v.into_iter()
                        .map(|s| Sample {
                            labels: drop_name(s.labels),
                            value: -s.value,
                        })
                        .collect(),
                ),
                other => other,
            },
            Expr::Call { func, args } => self.call(*func, args, t)?,
            Expr::Aggregate { op, grouping, expr } => {
                let Value::Vector(v) = self.eval(expr, t)? else {
                    return Err(EvalError("aggregation over a non-vector".into()));
                };
                Value::Vector(aggregate(*op, grouping, v))
            }
            Expr::Binary {
                op,
                lhs,
                rhs,
                return_bool,
                matching,
            } => {
                let l = self.eval(lhs, t)?;
                let r = self.eval(rhs, t)?;
                binary(*op, l, r, *return_bool, matching.as_ref())?
            }
        })
    }

    fn instant(&self, s: &Selector, t: f64) -> Vec<Sample> {
        let at = t - s.offset;
        self.storage
            .select(&s.matchers, at - LOOKBACK, at)
            .into_iter()
            .filter_map(|(labels, points)| {
                let (ts, v) = *points.last()?;
                (ts > at - LOOKBACK && !is_stale(v)).then_some(Sample { labels, value: v })
            })
            .collect()
    }

    fn range(&self, s: &Selector, range: f64, t: f64) -> Vec<Series> {
        let end = t - s.offset;
        self.storage
            .select(&s.matchers, end - range, end)
            .into_iter()
            .filter_map(|(labels, points)| {
                let points: Vec<(f64, f64)> =
                    points.into_iter().filter(|(_, v)| !is_stale(*v)).collect();
                (!points.is_empty()).then_some(Series { labels, points })
            })
            .collect()
    }

    fn call(&self, func: Function, args: &[Expr], t: f64) -> Result<Value, EvalError> {
        let matrix = |i: usize| -> Result<(Vec<Series>, f64), EvalError> {
            match args.get(i) {
                Some(e @ Expr::Range { range, .. }) => match self.eval(e, t)? {
                    Value::Matrix(m) => Ok((m, *range)),
                    _ => Err(EvalError("expected a range vector".into())),
                },
                _ => Err(EvalError(format!(
                    "{} needs a range vector selector",
                    func.name()
                ))),
            }
        };
        let vector = |i: usize| -> Result<Vec<Sample>, EvalError> {
            match args.get(i).map(|e| self.eval(e, t)).transpose()? {
                Some(Value::Vector(v)) => Ok(v),
                _ => Err(EvalError(format!(
                    "{} needs an instant vector",
                    func.name()
                ))),
            }
        };
        let scalar = |i: usize| -> Result<f64, EvalError> {
            match args.get(i).map(|e| self.eval(e, t)).transpose()? {
                Some(Value::Scalar(v)) => Ok(v),
                _ => Err(EvalError(format!("{} needs a scalar", func.name()))),
            }
        };
        let per_series = |f: &WindowFn| {
            let (m, range) = matrix(0)?;
            let offset = match args.first() {
                Some(Expr::Range { selector, .. }) => selector.offset,
                _ => 0.0,
            };
            Ok::<_, EvalError>(Value::Vector(
                m.into_iter()
                    .filter_map(|s| {
                        let value = f(&s.points, range, t - offset)?;
                        Some(Sample {
                            labels: drop_name(s.labels),
                            value,
                        })
                    })
                    .collect(),
            ))
        };
        Ok(match func {
            Function::Rate => per_series(&|p, range, end| extrapolated(p, range, end, true))?,
            Function::Increase => per_series(&|p, range, end| extrapolated(p, range, end, false))?,
            Function::Irate => per_series(&|p, _, _| instant_rate(p))?,
            Function::AvgOverTime => {
                per_series(&|p, _, _| Some(p.iter().map(|x| x.1).sum::<f64>() / p.len() as f64))?
            }
            Function::SumOverTime => per_series(&|p, _, _| Some(p.iter().map(|x| x.1).sum()))?,
            Function::CountOverTime => per_series(&|p, _, _| Some(p.len() as f64))?,
            Function::MinOverTime => per_series(&|p, _, _| {
                Some(
                    p.iter()
                        .map(|x| x.1)
                        .fold(f64::NAN, |m, v| if v < m || m.is_nan() { v } else { m }),
                )
            })?,
            Function::MaxOverTime => per_series(&|p, _, _| {
                Some(
                    p.iter()
                        .map(|x| x.1)
                        .fold(f64::NAN, |m, v| if v > m || m.is_nan() { v } else { m }),
                )
            })?,
            Function::Abs => Value::Vector(
                vector(0)?
                    .into_iter()
                    .map(|s| Sample {
                        labels: drop_name(s.labels),
                        value: s.value.abs(),
                    })
                    .collect(),
            ),
            Function::Time => Value::Scalar(self.time.to_unix(t)),
            Function::Vector => Value::Vector(vec![Sample {
                labels: Labels::new(),
                value: scalar(0)?,
            }]),
            Function::Scalar => {
                let v = vector(0)?;
                Value::Scalar(if v.len() == 1 { v[0].value } else { f64::NAN })
            }
            Function::HistogramQuantile => {
                let q = scalar(0)?;
                Value::Vector(histogram_quantile(q, vector(1)?))
            }
        })
    }
}

/// Prometheus' `extrapolatedRate`: the increase over the window, extrapolated to
/// its edges when the samples come close enough to them, never below zero for
/// a counter; divided by the window for `rate`.
fn extrapolated(points: &[(f64, f64)], range: f64, end: f64, per_second: bool) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let start = end - range;
    let (first_t, first_v) = points[0];
    let (last_t, last_v) = points[points.len() - 1];
    let mut result = last_v - first_v;
    let mut previous = 0.0;
    for (_, v) in points {
        if *v < previous {
            // A counter reset: what was counted before it still counts.
            result += previous;
        }
        previous = *v;
    }
    let mut to_start = first_t - start;
    let to_end = end - last_t;
    let sampled = last_t - first_t;
    if sampled <= 0.0 {
        return None;
    }
    let average_step = sampled / (points.len() - 1) as f64;
    if result > 0.0 && first_v >= 0.0 {
        let to_zero = sampled * (first_v / result);
        if to_zero < to_start {
            to_start = to_zero;
        }
    }
    let threshold = average_step * 1.1;
    let mut interval = sampled;
    interval += if to_start < threshold {
        to_start
    } else {
        average_step / 2.0
    };
    interval += if to_end < threshold {
        to_end
    } else {
        average_step / 2.0
    };
    let mut value = result * (interval / sampled);
    if per_second {
        value /= range;
    }
    Some(value)
}

fn instant_rate(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let (t1, v1) = points[points.len() - 2];
    let (t2, v2) = points[points.len() - 1];
    let dt = t2 - t1;
    if dt <= 0.0 {
        return None;
    }
    let delta = if v2 < v1 { v2 } else { v2 - v1 };
    Some(delta / dt)
}

/// Prometheus' `bucketQuantile` over the `le` buckets of each group.
fn histogram_quantile(q: f64, v: Vec<Sample>) -> Vec<Sample> {
    let mut groups: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
    for s in v {
        let Some(le) = s.labels.get("le").and_then(|l| parse_le(l)) else {
            continue;
        };
        let mut key = drop_name(s.labels);
        key.remove("le");
        groups.entry(key).or_default().push((le, s.value));
    }
    groups
        .into_iter()
        .map(|(labels, buckets)| Sample {
            labels,
            value: bucket_quantile(q, buckets),
        })
        .collect()
}

fn parse_le(s: &str) -> Option<f64> {
    match s {
        "+Inf" | "Inf" | "+inf" | "inf" => Some(f64::INFINITY),
        _ => s.parse().ok(),
    }
}

fn bucket_quantile(q: f64, mut buckets: Vec<(f64, f64)>) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    if !buckets.last().is_some_and(|b| b.0 == f64::INFINITY) {
        return f64::NAN;
    }
    // Coalesce equal bounds, then make the counts monotonic.
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(buckets.len());
    for (le, c) in buckets {
        match merged.last_mut() {
            Some(last) if last.0 == le => last.1 += c,
            _ => merged.push((le, c)),
        }
    }
    let mut max = f64::NEG_INFINITY;
    for b in merged.iter_mut() {
        if b.1 > max {
            max = b.1;
        } else {
            b.1 = max;
        }
    }
    if merged.len() < 2 {
        return f64::NAN;
    }
    let observations = merged[merged.len() - 1].1;
    if observations == 0.0 || observations.is_nan() {
        return f64::NAN;
    }
    let mut rank = q * observations;
    let b = merged[..merged.len() - 1]
        .iter()
        .position(|x| x.1 >= rank)
        .unwrap_or(merged.len() - 1);
    if b == merged.len() - 1 {
        return merged[merged.len() - 2].0;
    }
    if b == 0 && merged[0].0 <= 0.0 {
        return merged[0].0;
    }
    let (mut start, end, mut count) = (0.0, merged[b].0, merged[b].1);
    if b > 0 {
        start = merged[b - 1].0;
        count -= merged[b - 1].1;
        rank -= merged[b - 1].1;
    }
    start + (end - start) * (rank / count)
}

fn group_key(labels: &Labels, grouping: &Grouping) -> Labels {
    match grouping {
        Grouping::All => Labels::new(),
        Grouping::By(keep) => labels
            .iter()
            .filter(|(k, _)| keep.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        Grouping::Without(drop) => labels
            .iter()
            .filter(|(k, _)| k.as_str() != METRIC_NAME && !drop.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

fn aggregate(op: AggOp, grouping: &Grouping, v: Vec<Sample>) -> Vec<Sample> {
    // (sum or extreme, count) per group, in order of first appearance.
    let mut groups: BTreeMap<Labels, (f64, usize)> = BTreeMap::new();
    for s in v {
        let key = group_key(&s.labels, grouping);
        let entry = groups.entry(key).or_insert((
            match op {
                AggOp::Min | AggOp::Max => s.value,
                _ => 0.0,
            },
            0,
        ));
        entry.1 += 1;
        match op {
            AggOp::Sum | AggOp::Avg => entry.0 += s.value,
            AggOp::Count => entry.0 += 1.0,
            AggOp::Min => {
                if s.value < entry.0 || entry.0.is_nan() {
                    entry.0 = s.value;
                }
            }
            AggOp::Max => {
                if s.value > entry.0 || entry.0.is_nan() {
                    entry.0 = s.value;
                }
            }
        }
    }
    groups
        .into_iter()
        .map(|(labels, (v, n))| Sample {
            labels,
            value: if op == AggOp::Avg { v / n as f64 } else { v },
        })
        .collect()
}

/// The value of `l op r`, and whether a comparison holds (always true for arithmetic).
fn apply(op: BinOp, l: f64, r: f64) -> (f64, bool) {
    match op {
        BinOp::Add => (l + r, true),
        BinOp::Sub => (l - r, true),
        BinOp::Mul => (l * r, true),
        BinOp::Div => (l / r, true),
        BinOp::Mod => (l % r, true),
        BinOp::Pow => (l.powf(r), true),
        BinOp::Eq => (l, l == r),
        BinOp::Ne => (l, l != r),
        BinOp::Gt => (l, l > r),
        BinOp::Lt => (l, l < r),
        BinOp::Ge => (l, l >= r),
        BinOp::Le => (l, l <= r),
    }
}

fn signature(labels: &Labels, matching: Option<&Matching>) -> Labels {
    match matching {
        Some(m) if m.on => labels
            .iter()
            .filter(|(k, _)| m.labels.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        _ => labels
            .iter()
            .filter(|(k, _)| {
                k.as_str() != METRIC_NAME && !matching.is_some_and(|m| m.labels.contains(k))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

fn binary(
    op: BinOp,
    l: Value,
    r: Value,
    return_bool: bool,
    matching: Option<&Matching>,
) -> Result<Value, EvalError> {
    let drop = !op.is_comparison() || return_bool;
    Ok(match (l, r) {
        (Value::Scalar(a), Value::Scalar(b)) => {
            let (v, keep) = apply(op, a, b);
            Value::Scalar(if op.is_comparison() {
                f64::from(u8::from(keep))
            } else {
                v
            })
        }
        (Value::Vector(v), Value::Scalar(s)) => {
            Value::Vector(vector_scalar(op, v, s, false, return_bool, drop))
        }
        (Value::Scalar(s), Value::Vector(v)) => {
            Value::Vector(vector_scalar(op, v, s, true, return_bool, drop))
        }
        (Value::Vector(lv), Value::Vector(rv)) => {
            Value::Vector(vector_vector(op, lv, rv, return_bool, matching)?)
        }
        _ => {
            return Err(EvalError(
                "binary expression must contain only scalar and instant vector types".into(),
            ));
        }
    })
}

fn vector_scalar(
    op: BinOp,
    v: Vec<Sample>,
    s: f64,
    scalar_on_left: bool,
    return_bool: bool,
    drop: bool,
) -> Vec<Sample> {
    v.into_iter()
        .filter_map(|sample| {
            let (l, r) = if scalar_on_left {
                (s, sample.value)
            } else {
                (sample.value, s)
            };
            let (mut value, keep) = apply(op, l, r);
            if op.is_comparison() && scalar_on_left {
                // A comparison keeps the vector's value, whichever side it is on.
                value = sample.value;
            }
            if return_bool {
                value = f64::from(u8::from(keep));
            } else if !keep {
                return None;
            }
            let labels = if drop {
                drop_name(sample.labels)
            } else {
                sample.labels
            };
            Some(Sample { labels, value })
        })
        .collect()
}

fn vector_vector(
    op: BinOp,
    lhs: Vec<Sample>,
    rhs: Vec<Sample>,
    return_bool: bool,
    matching: Option<&Matching>,
) -> Result<Vec<Sample>, EvalError> {
    if lhs.is_empty() || rhs.is_empty() {
        return Ok(Vec::new());
    }
    let mut right: HashMap<Labels, Sample> = HashMap::new();
    for s in rhs {
        let sig = signature(&s.labels, matching);
        if let Some(dup) = right.get(&sig) {
            return Err(EvalError(format!(
                "found duplicate series for the match group {} on the right hand-side of the operation: [{}, {}];many-to-many matching not allowed: matching labels must be unique on one side",
                labels_text(&sig),
                labels_text(&s.labels),
                labels_text(&dup.labels)
            )));
        }
        right.insert(sig, s);
    }
    let mut matched: HashMap<Labels, ()> = HashMap::new();
    let mut out = Vec::new();
    for l in lhs {
        let sig = signature(&l.labels, matching);
        let Some(r) = right.get(&sig) else { continue };
        let (mut value, keep) = apply(op, l.value, r.value);
        if return_bool {
            value = f64::from(u8::from(keep));
        } else if !keep {
            continue;
        }
        if matched.insert(sig.clone(), ()).is_some() {
            return Err(EvalError(
                "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)".into(),
            ));
        }
        let mut labels = l.labels;
        if !op.is_comparison() || return_bool {
            labels.remove(METRIC_NAME);
        }
        if let Some(m) = matching {
            if m.on {
                labels.retain(|k, _| m.labels.contains(k));
            } else {
                labels.retain(|k, _| !m.labels.contains(k));
            }
        }
        out.push(Sample { labels, value });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    /// Series in memory: (labels, points) pairs, for unit tests.
    struct Mem(Vec<(Labels, Vec<(f64, f64)>)>);

    impl Storage for Mem {
        fn select(
            &self,
            matchers: &[Matcher],
            start: f64,
            end: f64,
        ) -> Vec<(Labels, Vec<(f64, f64)>)> {
            self.0
                .iter()
                .filter(|(l, _)| matchers.iter().all(|m| m.matches_labels(l)))
                .map(|(l, p)| {
                    (
                        l.clone(),
                        p.iter()
                            .copied()
                            .filter(|(t, _)| *t >= start && *t <= end)
                            .collect(),
                    )
                })
                .filter(|(_, p): &(Labels, Vec<(f64, f64)>)| !p.is_empty())
                .collect()
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A counter growing by `per_second` from 0, sampled every 15 s up to 600 s.
    fn counter(pairs: &[(&str, &str)], per_second: f64) -> (Labels, Vec<(f64, f64)>) {
        (
            labels(pairs),
            (0..=40)
                .map(|i| (i as f64 * 15.0, i as f64 * 15.0 * per_second))
                .collect(),
        )
    }

    fn gauge(pairs: &[(&str, &str)], v: f64) -> (Labels, Vec<(f64, f64)>) {
        (
            labels(pairs),
            (0..=40).map(|i| (i as f64 * 15.0, v)).collect(),
        )
    }

    fn store() -> Mem {
        let mut series = vec![
            counter(
                &[
                    ("__name__", "http_requests_total"),
                    ("service", "api"),
                    ("status", "200"),
                ],
                9.0,
            ),
            counter(
                &[
                    ("__name__", "http_requests_total"),
                    ("service", "api"),
                    ("status", "500"),
                ],
                1.0,
            ),
            counter(
                &[
                    ("__name__", "http_requests_total"),
                    ("service", "web"),
                    ("status", "200"),
                ],
                4.0,
            ),
            counter(
                &[
                    ("__name__", "http_requests_total"),
                    ("service", "web"),
                    ("status", "500"),
                ],
                0.0,
            ),
            gauge(&[("__name__", "up"), ("job", "x"), ("service", "api")], 1.0),
            gauge(&[("__name__", "up"), ("job", "x"), ("service", "web")], 0.0),
        ];
        // 10 requests a second; cumulative fractions under each bound.
        for (le, frac) in [("0.1", 0.5), ("0.5", 0.9), ("1", 0.96), ("+Inf", 1.0)] {
            series.push(counter(
                &[("__name__", "lat_bucket"), ("service", "api"), ("le", le)],
                10.0 * frac,
            ));
        }
        Mem(series)
    }

    fn eval(q: &str) -> Value {
        let e = parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        evaluate(
            &e,
            &store(),
            TimeMap {
                origin_unix: 1000.0,
                speed: 1.0,
            },
            600.0,
        )
        .unwrap_or_else(|e| panic!("{q}: {e}"))
    }

    fn vector(q: &str) -> Vec<(Labels, f64)> {
        match eval(q) {
            Value::Vector(v) => v.into_iter().map(|s| (s.labels, s.value)).collect(),
            other => panic!("{q}: {other:?}"),
        }
    }

    fn one(q: &str) -> f64 {
        let v = vector(q);
        assert_eq!(v.len(), 1, "{q}: {v:?}");
        v[0].1
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn rate_and_increase_of_a_steady_counter() {
        assert!(close(
            one(r#"rate(http_requests_total{service="api",status="500"}[5m])"#),
            1.0
        ));
        assert!(close(
            one(r#"increase(http_requests_total{service="api",status="200"}[5m])"#),
            2700.0
        ));
        assert!(close(
            one(r#"irate(http_requests_total{service="web",status="200"}[1m])"#),
            4.0
        ));
        let r = vector(r#"rate(http_requests_total{status=~"5.."}[5m])"#);
        assert_eq!(r.len(), 2);
        assert!(r.iter().all(|(l, _)| !l.contains_key("__name__")));
    }

    #[test]
    fn the_seed_error_ratio_divides_matching_series_and_yields_nan_for_zero_over_zero() {
        let r = vector(
            r#"rate(http_requests_total{status=~"5.."}[5m]) / rate(http_requests_total[5m])"#,
        );
        let api = r.iter().find(|(l, _)| l["service"] == "api").unwrap();
        assert!(close(api.1, 1.0));
        let web = r.iter().find(|(l, _)| l["service"] == "web").unwrap();
        assert!(web.1.is_nan());
        let ratio = one(
            r#"sum(rate(http_requests_total{service="api",status=~"5.."}[5m])) / sum(rate(http_requests_total{service="api"}[5m]))"#,
        );
        assert!(close(ratio, 0.1));
    }

    #[test]
    fn comparisons_filter_or_answer_bool() {
        let down = vector(r#"up{job="x"} == 0"#);
        assert_eq!(down.len(), 1);
        assert_eq!(down[0].0["service"], "web");
        assert_eq!(down[0].0["__name__"], "up");
        let b = vector(r#"up == bool 0"#);
        assert_eq!(b.len(), 2);
        assert!(b.iter().all(|(l, _)| !l.contains_key("__name__")));
        assert_eq!(vector("0.5 < up").len(), 1);
        assert_eq!(vector("0.5 < up")[0].1, 1.0);
        assert_eq!(eval("1 < bool 2"), Value::Scalar(1.0));
    }

    #[test]
    fn aggregations_group_by_and_without() {
        assert_eq!(one("sum(up)"), 1.0);
        assert_eq!(one("count(up)"), 2.0);
        assert_eq!(one("avg(up)"), 0.5);
        assert_eq!(one("min(up)"), 0.0);
        assert_eq!(one("max(up)"), 1.0);
        let by = vector("sum by (service) (rate(http_requests_total[5m]))");
        assert_eq!(by.len(), 2);
        assert!(close(
            by.iter().find(|(l, _)| l["service"] == "api").unwrap().1,
            10.0
        ));
        assert_eq!(by[0].0.len(), 1);
        let without = vector("sum without (status) (rate(http_requests_total[5m]))");
        assert_eq!(without.len(), 2);
        assert!(
            without
                .iter()
                .all(|(l, _)| l.keys().collect::<Vec<_>>() == ["service"])
        );
    }

    #[test]
    fn histogram_quantile_interpolates_within_the_bucket() {
        // rank 0.95 of 10/s falls between 0.9 (le 0.5) and 0.96 (le 1): 0.5 + 0.5 * 5/6.
        let p95 =
            one(r#"histogram_quantile(0.95, sum by (le) (rate(lat_bucket{service="api"}[5m])))"#);
        assert!(close(p95, 0.5 + 0.5 * (0.05 / 0.06)), "{p95}");
        let p50 = one(r#"histogram_quantile(0.5, rate(lat_bucket[5m]))"#);
        assert!(close(p50, 0.1), "{p50}");
        // Beyond the highest finite bucket: its bound.
        assert!(close(
            one("histogram_quantile(0.99, rate(lat_bucket[5m]))"),
            1.0
        ));
    }

    #[test]
    fn arithmetic_matching_and_offsets() {
        let v = vector(r#"up{service="api"} * 100 + 1"#);
        assert_eq!(v[0].1, 101.0);
        assert!(!v[0].0.contains_key("__name__"));
        let on = vector(r#"sum by (service) (rate(http_requests_total[5m])) * on (service) up"#);
        assert_eq!(on.len(), 2);
        assert_eq!(eval("time()"), Value::Scalar(1600.0));
        assert_eq!(one("vector(2) ^ 3"), 8.0);
        assert!(close(
            one(r#"rate(http_requests_total{service="api",status="500"}[5m] offset 5m)"#),
            1.0
        ));
        assert_eq!(one("-up{service=\"api\"}"), -1.0);
    }

    #[test]
    fn many_to_many_is_an_execution_error() {
        let e = parse("http_requests_total / on (service) http_requests_total").unwrap();
        let err = evaluate(
            &e,
            &store(),
            TimeMap {
                origin_unix: 0.0,
                speed: 1.0,
            },
            600.0,
        )
        .unwrap_err();
        assert!(err.0.contains("many-to-many matching not allowed"), "{err}");
    }

    #[test]
    fn stale_series_and_the_lookback_window() {
        let mem = Mem(vec![
            (
                labels(&[("__name__", "g"), ("a", "1")]),
                vec![(0.0, 1.0), (10.0, f64::from_bits(STALE_NAN))],
            ),
            (labels(&[("__name__", "g"), ("a", "2")]), vec![(0.0, 2.0)]),
        ]);
        let at = |t: f64| match evaluate(
            &parse("g").unwrap(),
            &mem,
            TimeMap {
                origin_unix: 0.0,
                speed: 1.0,
            },
            t,
        )
        .unwrap()
        {
            Value::Vector(v) => v.len(),
            _ => 0,
        };
        assert_eq!(at(5.0), 2);
        assert_eq!(at(20.0), 1, "the stale series is gone");
        assert_eq!(at(400.0), 0, "beyond five minutes of lookback");
    }

    #[test]
    fn rate_extrapolates_a_series_that_starts_inside_the_window() {
        // A counter born at t=300 with 0 and growing 2/s: the window [0,600] holds 300 s of it.
        let mem = Mem(vec![(
            labels(&[("__name__", "c")]),
            (20..=40)
                .map(|i| (i as f64 * 15.0, (i - 20) as f64 * 30.0))
                .collect(),
        )]);
        let v = evaluate(
            &parse("increase(c[10m])").unwrap(),
            &mem,
            TimeMap {
                origin_unix: 0.0,
                speed: 1.0,
            },
            600.0,
        )
        .unwrap();
        let Value::Vector(v) = v else { panic!() };
        // Extrapolation towards the window's start stops at the counter's zero point.
        assert!(close(v[0].value, 600.0), "{}", v[0].value);
    }
}
