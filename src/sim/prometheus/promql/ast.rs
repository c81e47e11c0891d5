//! The expression tree, and its canonical text (what Prometheus' `String()` prints,
//! which the rules API shows as a rule's `query`).

use std::collections::BTreeMap;
use std::fmt;

use regex::Regex;

use crate::sim::prometheus::format::{duration, go_float, go_quote};

/// A series' labels, `__name__` included, sorted by name.
pub type Labels = BTreeMap<String, String>;

pub const METRIC_NAME: &str = "__name__";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

impl fmt::Display for MatchOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        })
    }
}

/// One label matcher; regular expressions are anchored at both ends, as in Prometheus.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
    regex: Option<Regex>,
}

impl Matcher {
    pub fn new(name: &str, op: MatchOp, value: &str) -> Result<Matcher, regex::Error> {
        let regex = match op {
            MatchOp::Regex | MatchOp::NotRegex => Some(Regex::new(&format!("^(?s:{value})$"))?),
            _ => None,
        };
        Ok(Matcher {
            name: name.to_string(),
            op,
            value: value.to_string(),
            regex,
        })
    }

    /// Whether a label value (empty when the label is absent) satisfies the matcher.
    pub fn matches(&self, value: &str) -> bool {
        match (self.op, &self.regex) {
            (MatchOp::Equal, _) => value == self.value,
            (MatchOp::NotEqual, _) => value != self.value,
            (MatchOp::Regex, Some(re)) => re.is_match(value),
            (MatchOp::NotRegex, Some(re)) => !re.is_match(value),
            _ => false,
        }
    }

    pub fn matches_labels(&self, labels: &Labels) -> bool {
        self.matches(labels.get(&self.name).map(String::as_str).unwrap_or(""))
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.name, self.op, go_quote(&self.value))
    }
}

/// An instant vector selector: `name{matchers} offset 5m`.
#[derive(Debug, Clone)]
pub struct Selector {
    pub name: Option<String>,
    /// Every matcher, the one on `__name__` included when a name was written.
    pub matchers: Vec<Matcher>,
    /// Seconds back from the evaluation time.
    pub offset: f64,
}

impl Selector {
    fn body(&self) -> String {
        let mut parts: Vec<String> = self
            .matchers
            .iter()
            .filter(|m| {
                !(m.name == METRIC_NAME
                    && m.op == MatchOp::Equal
                    && Some(&m.value) == self.name.as_ref())
            })
            .map(Matcher::to_string)
            .collect();
        parts.sort();
        let name = self.name.as_deref().unwrap_or("");
        if parts.is_empty() {
            name.to_string()
        } else {
            format!("{name}{{{}}}", parts.join(","))
        }
    }

    fn offset_suffix(&self) -> String {
        if self.offset == 0.0 {
            String::new()
        } else {
            format!(" offset {}", duration(self.offset))
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggOp {
    Sum,
    Avg,
    Min,
    Max,
    Count,
}

impl AggOp {
    pub fn name(self) -> &'static str {
        match self {
            AggOp::Sum => "sum",
            AggOp::Avg => "avg",
            AggOp::Min => "min",
            AggOp::Max => "max",
            AggOp::Count => "count",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grouping {
    /// No clause: everything in one group.
    All,
    By(Vec<String>),
    Without(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
}

impl BinOp {
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Gt | BinOp::Lt | BinOp::Ge | BinOp::Le
        )
    }

    /// Binding strength; higher binds tighter.
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Eq | BinOp::Ne | BinOp::Gt | BinOp::Lt | BinOp::Ge | BinOp::Le => 1,
            BinOp::Add | BinOp::Sub => 2,
            BinOp::Mul | BinOp::Div | BinOp::Mod => 3,
            BinOp::Pow => 4,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Pow => "^",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Gt => ">",
            BinOp::Lt => "<",
            BinOp::Ge => ">=",
            BinOp::Le => "<=",
        }
    }
}

/// `on (…)` or `ignoring (…)` on a binary operation between two vectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matching {
    pub on: bool,
    pub labels: Vec<String>,
}

/// The functions the simulation evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Rate,
    Irate,
    Increase,
    HistogramQuantile,
    AvgOverTime,
    MinOverTime,
    MaxOverTime,
    SumOverTime,
    CountOverTime,
    Abs,
    Time,
    Vector,
    Scalar,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    Scalar,
    Vector,
    Matrix,
    String,
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueType::Scalar => "scalar",
            ValueType::Vector => "instant vector",
            ValueType::Matrix => "range vector",
            ValueType::String => "string",
        })
    }
}

impl Function {
    pub const ALL: &'static [Function] = &[
        Function::Rate,
        Function::Irate,
        Function::Increase,
        Function::HistogramQuantile,
        Function::AvgOverTime,
        Function::MinOverTime,
        Function::MaxOverTime,
        Function::SumOverTime,
        Function::CountOverTime,
        Function::Abs,
        Function::Time,
        Function::Vector,
        Function::Scalar,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Function::Rate => "rate",
            Function::Irate => "irate",
            Function::Increase => "increase",
            Function::HistogramQuantile => "histogram_quantile",
            Function::AvgOverTime => "avg_over_time",
            Function::MinOverTime => "min_over_time",
            Function::MaxOverTime => "max_over_time",
            Function::SumOverTime => "sum_over_time",
            Function::CountOverTime => "count_over_time",
            Function::Abs => "abs",
            Function::Time => "time",
            Function::Vector => "vector",
            Function::Scalar => "scalar",
        }
    }

    pub fn by_name(name: &str) -> Option<Function> {
        Function::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// Argument types, and the result type.
    pub fn signature(self) -> (&'static [ValueType], ValueType) {
        use ValueType::*;
        match self {
            Function::Rate | Function::Irate | Function::Increase => (&[Matrix], Vector),
            Function::AvgOverTime
            | Function::MinOverTime
            | Function::MaxOverTime
            | Function::SumOverTime
            | Function::CountOverTime => (&[Matrix], Vector),
            Function::HistogramQuantile => (&[Scalar, Vector], Vector),
            Function::Abs => (&[Vector], Vector),
            Function::Time => (&[], Scalar),
            Function::Vector => (&[Scalar], Vector),
            Function::Scalar => (&[Vector], Scalar),
        }
    }
}

/// Every function name real PromQL knows, so an unsupported one is told apart
/// from a misspelt one.
pub const PROMQL_FUNCTIONS: &[&str] = &[
    "abs",
    "absent",
    "absent_over_time",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "avg_over_time",
    "ceil",
    "changes",
    "clamp",
    "clamp_max",
    "clamp_min",
    "cos",
    "cosh",
    "count_over_time",
    "day_of_month",
    "day_of_week",
    "day_of_year",
    "days_in_month",
    "deg",
    "delta",
    "deriv",
    "exp",
    "floor",
    "histogram_count",
    "histogram_fraction",
    "histogram_quantile",
    "histogram_sum",
    "holt_winters",
    "hour",
    "idelta",
    "increase",
    "irate",
    "label_join",
    "label_replace",
    "last_over_time",
    "ln",
    "log10",
    "log2",
    "max_over_time",
    "min_over_time",
    "minute",
    "month",
    "pi",
    "predict_linear",
    "present_over_time",
    "quantile_over_time",
    "rad",
    "rate",
    "resets",
    "round",
    "scalar",
    "sgn",
    "sin",
    "sinh",
    "sort",
    "sort_desc",
    "sqrt",
    "stddev_over_time",
    "stdvar_over_time",
    "sum_over_time",
    "tan",
    "tanh",
    "time",
    "timestamp",
    "vector",
    "year",
];

#[derive(Debug, Clone)]
pub enum Expr {
    Number(f64),
    String(String),
    Selector(Selector),
    /// `selector[range]`; the range in seconds.
    Range {
        selector: Selector,
        range: f64,
    },
    Call {
        func: Function,
        args: Vec<Expr>,
    },
    Aggregate {
        op: AggOp,
        grouping: Grouping,
        expr: Box<Expr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
        return_bool: bool,
        matching: Option<Matching>,
    },
    Negate(Box<Expr>),
    Paren(Box<Expr>),
}

impl Expr {
    pub fn value_type(&self) -> ValueType {
        match self {
            Expr::Number(_) => ValueType::Scalar,
            Expr::String(_) => ValueType::String,
            Expr::Selector(_) => ValueType::Vector,
            Expr::Range { .. } => ValueType::Matrix,
            Expr::Call { func, .. } => func.signature().1,
            Expr::Aggregate { .. } => ValueType::Vector,
            Expr::Binary { lhs, rhs, .. } => {
                if lhs.value_type() == ValueType::Scalar && rhs.value_type() == ValueType::Scalar {
                    ValueType::Scalar
                } else {
                    ValueType::Vector
                }
            }
            Expr::Negate(e) | Expr::Paren(e) => e.value_type(),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Number(v) => f.write_str(&go_float(*v)),
            Expr::String(s) => f.write_str(&go_quote(s)),
            Expr::Selector(s) => write!(f, "{}{}", s.body(), s.offset_suffix()),
            Expr::Range { selector, range } => write!(
                f,
                "{}[{}]{}",
                selector.body(),
                duration(*range),
                selector.offset_suffix()
            ),
            Expr::Call { func, args } => {
                let args: Vec<String> = args.iter().map(Expr::to_string).collect();
                write!(f, "{}({})", func.name(), args.join(", "))
            }
            Expr::Aggregate { op, grouping, expr } => {
                let clause = match grouping {
                    Grouping::All => String::new(),
                    Grouping::By(l) => format!(" by ({}) ", l.join(", ")),
                    Grouping::Without(l) => format!(" without ({}) ", l.join(", ")),
                };
                write!(f, "{}{clause}({expr})", op.name())
            }
            Expr::Binary {
                op,
                lhs,
                rhs,
                return_bool,
                matching,
            } => {
                let b = if *return_bool { " bool" } else { "" };
                let m = match matching {
                    Some(m) if m.on || !m.labels.is_empty() => format!(
                        " {} ({})",
                        if m.on { "on" } else { "ignoring" },
                        m.labels.join(", ")
                    ),
                    _ => String::new(),
                };
                write!(f, "{lhs} {}{b}{m} {rhs}", op.symbol())
            }
            Expr::Negate(e) => write!(f, "-{e}"),
            Expr::Paren(e) => write!(f, "({e})"),
        }
    }
}
