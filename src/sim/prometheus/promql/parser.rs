//! A recursive-descent parser for the PromQL the simulation evaluates, with the
//! type checks Prometheus makes before it evaluates anything.

use super::ParseError;
use super::ast::*;
use super::lexer::{Tok, Token, lex};

const AGGREGATORS: &[&str] = &["sum", "avg", "min", "max", "count"];
const OTHER_AGGREGATORS: &[&str] = &[
    "topk",
    "bottomk",
    "quantile",
    "stddev",
    "stdvar",
    "count_values",
    "group",
];

pub fn parse(input: &str) -> Result<Expr, ParseError> {
    let tokens = lex(input)?;
    if tokens.len() == 1 {
        return Err(ParseError::at(
            input,
            0,
            "no expression found in input".into(),
        ));
    }
    let mut p = Parser {
        input,
        tokens,
        i: 0,
        depth: 0,
    };
    let expr = p.expr(0)?;
    if p.peek() != &Tok::Eof {
        return Err(p.unexpected("end of input"));
    }
    Ok(expr)
}

/// Deeper nesting than this is refused: the parser and evaluator recurse.
const MAX_DEPTH: usize = 128;

struct Parser<'a> {
    input: &'a str,
    tokens: Vec<Token>,
    i: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.tokens[self.i.min(self.tokens.len() - 1)].tok
    }

    fn pos(&self) -> usize {
        self.tokens[self.i.min(self.tokens.len() - 1)].pos
    }

    fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.i < self.tokens.len() - 1 {
            self.i += 1;
        }
        t
    }

    fn err(&self, pos: usize, message: impl Into<String>) -> ParseError {
        ParseError::at(self.input, pos, message.into())
    }

    fn unsupported(&self, pos: usize, what: impl Into<String>) -> ParseError {
        ParseError::unsupported(self.input, pos, what.into())
    }

    fn unexpected(&self, wanted: &str) -> ParseError {
        let t = self.peek();
        if t == &Tok::Eof {
            return self.err(
                self.pos(),
                format!("unexpected end of input, expected {wanted}"),
            );
        }
        self.err(
            self.pos(),
            format!("unexpected {} , expected {wanted}", t.describe()).replace(" ,", ","),
        )
    }

    fn expect(&mut self, tok: Tok, wanted: &str) -> Result<(), ParseError> {
        if *self.peek() == tok {
            self.next();
            Ok(())
        } else {
            Err(self.unexpected(wanted))
        }
    }

    fn ident_is(&self, word: &str) -> bool {
        matches!(self.peek(), Tok::Ident(w) if w.eq_ignore_ascii_case(word))
    }

    /// The binary operator at the cursor, if any.
    fn binary_op(&self) -> Result<Option<BinOp>, ParseError> {
        Ok(Some(match self.peek() {
            Tok::Op("+") => BinOp::Add,
            Tok::Op("-") => BinOp::Sub,
            Tok::Op("*") => BinOp::Mul,
            Tok::Op("/") => BinOp::Div,
            Tok::Op("%") => BinOp::Mod,
            Tok::Op("^") => BinOp::Pow,
            Tok::Op("==") => BinOp::Eq,
            Tok::Op("!=") => BinOp::Ne,
            Tok::Op(">") => BinOp::Gt,
            Tok::Op("<") => BinOp::Lt,
            Tok::Op(">=") => BinOp::Ge,
            Tok::Op("<=") => BinOp::Le,
            Tok::Ident(w) if ["and", "or", "unless", "atan2"].contains(&w.as_str()) => {
                return Err(self.unsupported(self.pos(), format!("the `{w}` operator")));
            }
            _ => return Ok(None),
        }))
    }

    fn expr(&mut self, min_prec: u8) -> Result<Expr, ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(self.pos(), "expression nested too deeply"));
        }
        let e = self.binary_chain(min_prec);
        self.depth -= 1;
        e
    }

    fn binary_chain(&mut self, min_prec: u8) -> Result<Expr, ParseError> {
        let mut lhs = self.unary()?;
        while let Some(op) = self.binary_op()? {
            let prec = op.precedence();
            if prec < min_prec {
                break;
            }
            let op_pos = self.pos();
            self.next();
            let mut return_bool = false;
            if self.ident_is("bool") {
                if !op.is_comparison() {
                    return Err(self.err(
                        self.pos(),
                        "bool modifier can only be used on comparison operators",
                    ));
                }
                self.next();
                return_bool = true;
            }
            let mut matching = None;
            if self.ident_is("on") || self.ident_is("ignoring") {
                let on = self.ident_is("on");
                self.next();
                let labels = self.label_list()?;
                matching = Some(Matching { on, labels });
            }
            if self.ident_is("group_left") || self.ident_is("group_right") {
                let pos = self.pos();
                let Tok::Ident(w) = self.next() else {
                    unreachable!("checked above")
                };
                return Err(self.unsupported(pos, format!("many-to-one matching (`{w}`)")));
            }
            // `^` is right-associative; the others are left-associative.
            let next_min = if op == BinOp::Pow { prec } else { prec + 1 };
            let rhs = self.expr(next_min)?;
            lhs = self.binary(op_pos, op, lhs, rhs, return_bool, matching)?;
        }
        Ok(lhs)
    }

    fn binary(
        &self,
        pos: usize,
        op: BinOp,
        lhs: Expr,
        rhs: Expr,
        return_bool: bool,
        matching: Option<Matching>,
    ) -> Result<Expr, ParseError> {
        let (lt, rt) = (lhs.value_type(), rhs.value_type());
        let operand = |t: ValueType| matches!(t, ValueType::Scalar | ValueType::Vector);
        if !operand(lt) || !operand(rt) {
            return Err(self.err(
                pos,
                "binary expression must contain only scalar and instant vector types",
            ));
        }
        if op.is_comparison() && !return_bool && lt == ValueType::Scalar && rt == ValueType::Scalar
        {
            return Err(self.err(pos, "comparisons between scalars must use BOOL modifier"));
        }
        if matching.is_some() && (lt != ValueType::Vector || rt != ValueType::Vector) {
            return Err(self.err(pos, "vector matching only allowed between instant vectors"));
        }
        Ok(Expr::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
            return_bool,
            matching,
        })
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        match self.peek() {
            Tok::Op("-") | Tok::Op("+") => {
                let negate = self.peek() == &Tok::Op("-");
                let pos = self.pos();
                self.next();
                // Unary minus binds looser than `^`: `-2 ^ 2` is -4.
                let e = self.expr(BinOp::Pow.precedence())?;
                if !matches!(e.value_type(), ValueType::Scalar | ValueType::Vector) {
                    return Err(self.err(
                        pos,
                        "unary expression only allowed on expressions of type scalar or instant vector",
                    ));
                }
                Ok(match (negate, e) {
                    (false, e) => e,
                    (true, Expr::Number(v)) => Expr::Number(-v),
                    (true, e) => Expr::Negate(Box::new(e)),
                })
            }
            _ => self.postfix(),
        }
    }

    /// A primary expression with its range, offset and `@` suffixes.
    fn postfix(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos();
        let mut e = self.primary()?;
        loop {
            match self.peek() {
                Tok::LBracket => {
                    let pos = self.pos();
                    self.next();
                    let Tok::Duration(range) = self.next() else {
                        return Err(self.err(pos, "bad range: write a duration such as [5m]"));
                    };
                    if self.peek() == &Tok::Colon {
                        return Err(self.unsupported(pos, "subqueries (`[range:step]`)"));
                    }
                    self.expect(Tok::RBracket, "\"]\"")?;
                    e = match e {
                        Expr::Selector(selector) if selector.offset == 0.0 => {
                            Expr::Range { selector, range }
                        }
                        Expr::Selector(_) => {
                            return Err(self.err(pos, "offset must be written after the range"));
                        }
                        _ => {
                            return Err(self.unsupported(
                                start,
                                "subqueries (a range on anything but a metric selector)",
                            ));
                        }
                    };
                }
                Tok::Ident(w) if w.eq_ignore_ascii_case("offset") => {
                    let pos = self.pos();
                    self.next();
                    let negative = if self.peek() == &Tok::Op("-") {
                        self.next();
                        true
                    } else {
                        false
                    };
                    let Tok::Duration(d) = self.next() else {
                        return Err(
                            self.err(pos, "unexpected offset: write a duration such as offset 5m")
                        );
                    };
                    let d = if negative { -d } else { d };
                    match &mut e {
                        Expr::Selector(s) | Expr::Range { selector: s, .. } if s.offset == 0.0 => {
                            s.offset = d;
                        }
                        Expr::Selector(_) | Expr::Range { .. } => {
                            return Err(self.err(pos, "offset may not be set multiple times"));
                        }
                        _ => {
                            return Err(self.err(
                                pos,
                                "offset modifier must be preceded by an instant vector selector or range vector selector",
                            ));
                        }
                    }
                }
                Tok::At => return Err(self.unsupported(self.pos(), "the `@` modifier")),
                _ => return Ok(e),
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let pos = self.pos();
        match self.next() {
            Tok::Number(v) => Ok(Expr::Number(v)),
            Tok::Str(s) => Ok(Expr::String(s)),
            Tok::LParen => {
                let e = self.expr(0)?;
                if self.peek() == &Tok::Eof {
                    return Err(self.err(pos, "unclosed left parenthesis"));
                }
                self.expect(Tok::RParen, "\")\"")?;
                Ok(Expr::Paren(Box::new(e)))
            }
            Tok::LBrace => {
                let matchers = self.matchers(pos)?;
                self.selector(pos, None, matchers)
            }
            Tok::Ident(word) => {
                let lower = word.to_ascii_lowercase();
                if AGGREGATORS.contains(&lower.as_str())
                    && matches!(self.peek(), Tok::LParen | Tok::Ident(_))
                {
                    return self.aggregate(pos, &lower);
                }
                if OTHER_AGGREGATORS.contains(&lower.as_str()) && self.peek() != &Tok::LBrace {
                    return Err(self.unsupported(pos, format!("the `{lower}` aggregation")));
                }
                if self.peek() == &Tok::LParen {
                    return self.call(pos, &word);
                }
                let matchers = if self.peek() == &Tok::LBrace {
                    let brace = self.pos();
                    self.next();
                    self.matchers(brace)?
                } else {
                    Vec::new()
                };
                self.selector(pos, Some(word), matchers)
            }
            Tok::Duration(_) => Err(self.err(pos, "unexpected duration")),
            Tok::Eof => Err(self.err(pos, "unexpected end of input")),
            other => Err(self.err(pos, format!("unexpected {}", other.describe()))),
        }
    }

    fn selector(
        &self,
        pos: usize,
        name: Option<String>,
        mut matchers: Vec<Matcher>,
    ) -> Result<Expr, ParseError> {
        if let Some(n) = &name {
            if matchers.iter().any(|m| m.name == METRIC_NAME) {
                return Err(self.err(pos, format!("metric name must not be set twice: {n:?}")));
            }
            let m = Matcher::new(METRIC_NAME, MatchOp::Equal, n)
                .map_err(|e| self.err(pos, e.to_string()))?;
            matchers.insert(0, m);
        }
        if !matchers.iter().any(|m| !m.matches("")) {
            return Err(self.err(
                pos,
                "vector selector must contain at least one non-empty matcher",
            ));
        }
        let name = name.or_else(|| {
            matchers
                .iter()
                .find(|m| m.name == METRIC_NAME && m.op == MatchOp::Equal)
                .map(|m| m.value.clone())
        });
        Ok(Expr::Selector(Selector {
            name,
            matchers,
            offset: 0.0,
        }))
    }

    /// After `{`: `label op "value", …}`.
    fn matchers(&mut self, open: usize) -> Result<Vec<Matcher>, ParseError> {
        let mut out = Vec::new();
        loop {
            match self.next() {
                Tok::RBrace => return Ok(out),
                Tok::Ident(name) => {
                    let op_pos = self.pos();
                    let op = match self.next() {
                        Tok::Op("=") => MatchOp::Equal,
                        Tok::Op("!=") => MatchOp::NotEqual,
                        Tok::Op("=~") => MatchOp::Regex,
                        Tok::Op("!~") => MatchOp::NotRegex,
                        other => {
                            return Err(self.err(
                                op_pos,
                                format!(
                                    "unexpected {} in label matching, expected one of \"=\", \"!=\", \"=~\" or \"!~\"",
                                    other.describe()
                                ),
                            ));
                        }
                    };
                    let value_pos = self.pos();
                    let Tok::Str(value) = self.next() else {
                        return Err(self.err(
                            value_pos,
                            "unexpected label matching value, expected string",
                        ));
                    };
                    let m = Matcher::new(&name, op, &value).map_err(|e| {
                        self.err(
                            value_pos,
                            format!("invalid regular expression {value:?}: {e}"),
                        )
                    })?;
                    out.push(m);
                    match self.next() {
                        Tok::Comma => continue,
                        Tok::RBrace => return Ok(out),
                        Tok::Eof => {
                            return Err(self.err(open, "unexpected end of input inside braces"));
                        }
                        other => {
                            return Err(self.err(
                                self.tokens[self.i - 1].pos,
                                format!(
                                    "unexpected {} in label matching, expected \",\" or \"}}\"",
                                    other.describe()
                                ),
                            ));
                        }
                    }
                }
                Tok::Eof => return Err(self.err(open, "unexpected end of input inside braces")),
                other => {
                    return Err(self.err(
                        self.tokens[self.i - 1].pos,
                        format!(
                            "unexpected {} in label matching, expected label",
                            other.describe()
                        ),
                    ));
                }
            }
        }
    }

    /// `(label, …)`.
    fn label_list(&mut self) -> Result<Vec<String>, ParseError> {
        self.expect(Tok::LParen, "\"(\"")?;
        let mut out = Vec::new();
        loop {
            match self.next() {
                Tok::RParen => return Ok(out),
                Tok::Ident(l) => {
                    out.push(l);
                    match self.next() {
                        Tok::Comma => continue,
                        Tok::RParen => return Ok(out),
                        _ => {
                            return Err(self.err(
                                self.tokens[self.i - 1].pos,
                                "unexpected token in grouping opts, expected \",\" or \")\"",
                            ));
                        }
                    }
                }
                _ => {
                    return Err(self.err(
                        self.tokens[self.i - 1].pos,
                        "unexpected token in grouping opts, expected label",
                    ));
                }
            }
        }
    }

    fn grouping(&mut self) -> Result<Option<Grouping>, ParseError> {
        if self.ident_is("by") {
            self.next();
            return Ok(Some(Grouping::By(self.label_list()?)));
        }
        if self.ident_is("without") {
            self.next();
            return Ok(Some(Grouping::Without(self.label_list()?)));
        }
        Ok(None)
    }

    fn aggregate(&mut self, pos: usize, name: &str) -> Result<Expr, ParseError> {
        let op = match name {
            "sum" => AggOp::Sum,
            "avg" => AggOp::Avg,
            "min" => AggOp::Min,
            "max" => AggOp::Max,
            _ => AggOp::Count,
        };
        let before = self.grouping()?;
        let open = self.pos();
        self.expect(Tok::LParen, "\"(\"")?;
        let expr = self.expr(0)?;
        if self.peek() == &Tok::Comma {
            return Err(self.err(
                self.pos(),
                format!("wrong number of arguments for aggregate expression provided, expected 1, got 2 (in `{name}`)"),
            ));
        }
        if self.peek() == &Tok::Eof {
            return Err(self.err(open, "unclosed left parenthesis"));
        }
        self.expect(Tok::RParen, "\")\"")?;
        let after = self.grouping()?;
        if before.is_some() && after.is_some() {
            return Err(self.err(pos, "aggregation must only contain one grouping clause"));
        }
        if expr.value_type() != ValueType::Vector {
            return Err(self.err(
                pos,
                format!(
                    "expected type instant vector in aggregation expression, got {}",
                    expr.value_type()
                ),
            ));
        }
        Ok(Expr::Aggregate {
            op,
            grouping: before.or(after).unwrap_or(Grouping::All),
            expr: Box::new(expr),
        })
    }

    fn call(&mut self, pos: usize, name: &str) -> Result<Expr, ParseError> {
        let Some(func) = Function::by_name(name) else {
            if PROMQL_FUNCTIONS.contains(&name) {
                return Err(self.unsupported(pos, format!("the function `{name}`")));
            }
            return Err(self.err(pos, format!("unknown function with name {name:?}")));
        };
        let open = self.pos();
        self.expect(Tok::LParen, "\"(\"")?;
        let mut args = Vec::new();
        if self.peek() != &Tok::RParen {
            loop {
                args.push(self.expr(0)?);
                match self.peek() {
                    Tok::Comma => {
                        self.next();
                    }
                    Tok::RParen => break,
                    Tok::Eof => return Err(self.err(open, "unclosed left parenthesis")),
                    _ => return Err(self.unexpected("\",\" or \")\"")),
                }
            }
        }
        self.next();
        let (types, _) = func.signature();
        if args.len() != types.len() {
            return Err(self.err(
                pos,
                format!(
                    "expected {} argument(s) in call to {:?}, got {}",
                    types.len(),
                    name,
                    args.len()
                ),
            ));
        }
        for (arg, want) in args.iter().zip(types) {
            if arg.value_type() != *want {
                return Err(self.err(
                    pos,
                    format!(
                        "expected type {want} in call to function {name:?}, got {}",
                        arg.value_type()
                    ),
                ));
            }
        }
        Ok(Expr::Call { func, args })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(q: &str) -> String {
        parse(q).unwrap_or_else(|e| panic!("{q}: {e}")).to_string()
    }

    #[test]
    fn the_seeds_expressions_print_as_prometheus_prints_them() {
        for q in [
            r#"up{job="deepseek-rag"} == 0"#,
            r#"rate(http_requests_total{status=~"5.."}[5m]) > 0.05"#,
            r#"histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m])) > 2"#,
            r#"rate(http_requests_total{status=~"5.."}[5m]) / rate(http_requests_total[5m])"#,
            r#"(node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes) / node_memory_MemTotal_bytes * 100"#,
            r#"pg_stat_activity_count / pg_settings_max_connections * 100"#,
        ] {
            assert_eq!(round_trip(q), q);
        }
        assert_eq!(
            round_trip("sum(rate(x[1m])) by (le,service)"),
            "sum by (le, service) (rate(x[1m]))"
        );
        assert_eq!(
            round_trip(r#"x{b="1",a!~"2"} offset 90s"#),
            r#"x{a!~"2",b="1"} offset 1m30s"#
        );
        assert_eq!(round_trip("x == bool on(a) y"), "x == bool on (a) y");
        assert_eq!(round_trip("-1"), "-1");
        assert_eq!(round_trip("x[5m] offset 1h"), "x[5m] offset 1h");
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(round_trip("1 + 2 * 3"), "1 + 2 * 3");
        let e = parse("a - b - c").unwrap();
        let Expr::Binary { lhs, .. } = e else {
            panic!()
        };
        assert!(matches!(*lhs, Expr::Binary { op: BinOp::Sub, .. }));
        let e = parse("2 ^ 3 ^ 2").unwrap();
        let Expr::Binary { rhs, .. } = e else {
            panic!()
        };
        assert!(matches!(*rhs, Expr::Binary { op: BinOp::Pow, .. }));
        let e = parse("a > 1 + 2").unwrap();
        assert!(matches!(e, Expr::Binary { op: BinOp::Gt, .. }));
    }

    #[test]
    fn errors_name_the_position_and_the_problem() {
        let msg = |q: &str| parse(q).unwrap_err().to_string();
        assert_eq!(
            msg("rate(up[1m"),
            "1:11: parse error: unexpected end of input, expected \"]\""
        );
        assert_eq!(
            msg("foo(up)"),
            "1:1: parse error: unknown function with name \"foo\""
        );
        assert_eq!(msg(""), "1:1: parse error: no expression found in input");
        assert_eq!(
            msg("{}"),
            "1:1: parse error: vector selector must contain at least one non-empty matcher"
        );
        assert_eq!(
            msg("1 > 2"),
            "1:3: parse error: comparisons between scalars must use BOOL modifier"
        );
        assert_eq!(
            msg("rate(up)"),
            "1:1: parse error: expected type range vector in call to function \"rate\", got instant vector"
        );
        assert!(msg("sum(up").contains("unclosed left parenthesis"));
        assert!(msg("x +").contains("unexpected end of input"));
        let deep = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(msg(&deep).contains("nested too deeply"));
    }

    proptest::proptest! {
        /// Whatever a client sends, the parser answers; it never panics.
        #[test]
        fn any_text_parses_or_errs(text in "\\PC{0,40}") {
            let _ = parse(&text);
        }

        #[test]
        fn promql_like_text_parses_or_errs(text in "[a-z_{}()\\[\\]=~!<>+*/^%,. 0-9\"'smhdwy-]{0,40}") {
            let _ = parse(&text);
        }
    }

    #[test]
    fn unsupported_parts_are_named() {
        for (q, part) in [
            (
                "label_replace(up, \"a\", \"b\", \"c\", \"d\")",
                "the function `label_replace`",
            ),
            ("topk(3, up)", "the `topk` aggregation"),
            ("up and up", "the `and` operator"),
            (
                "up / on(a) group_left up",
                "many-to-one matching (`group_left`)",
            ),
            ("rate(up[5m])[10m:1m]", "subqueries"),
            ("up @ 100", "the `@` modifier"),
        ] {
            let e = parse(q).unwrap_err();
            assert!(e.unsupported, "{q}: {e}");
            assert!(e.to_string().contains(part), "{q}: {e}");
            assert!(e.to_string().contains("simulation of Prometheus"), "{e}");
        }
    }
}
