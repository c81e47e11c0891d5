//! A small PromQL: parser, canonical printer and evaluator for the expressions
//! the seed profiles' SLOs and the seeds' alert rules use. Everything else is
//! refused with an error that names the unsupported part.

pub mod ast;
pub mod eval;
mod lexer;
mod parser;

use std::fmt;

pub use ast::{Expr, Labels, METRIC_NAME, Matcher};
pub use eval::{EvalError, STALE_NAN, Sample, Series, Storage, TimeMap, Value, evaluate, is_stale};
pub use parser::parse;

/// A query that does not parse, or uses PromQL the simulation does not evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// Valid PromQL that this simulation does not evaluate.
    pub unsupported: bool,
}

impl ParseError {
    pub(crate) fn at(input: &str, offset: usize, message: String) -> ParseError {
        let (line, column) = position(input, offset);
        ParseError {
            line,
            column,
            message,
            unsupported: false,
        }
    }

    pub(crate) fn unsupported(input: &str, offset: usize, what: String) -> ParseError {
        let (line, column) = position(input, offset);
        ParseError {
            line,
            column,
            message: format!(
                "{what} is not supported by opsdeck's simulation of Prometheus (it evaluates selectors, rate, increase, irate, histogram_quantile, *_over_time, sum/avg/min/max/count, arithmetic and comparisons)"
            ),
            unsupported: true,
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn position(input: &str, offset: usize) -> (usize, usize) {
    let before = &input[..offset.min(input.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: parse error: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for ParseError {}
