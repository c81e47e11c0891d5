//! Tokens of PromQL, with their byte offsets for error positions.

use super::ParseError;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Ident(String),
    Number(f64),
    /// Seconds.
    Duration(f64),
    Str(String),
    LBrace,
    RBrace,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Colon,
    At,
    /// `+ - * / % ^ == != <= < >= > =~ !~ =`
    Op(&'static str),
    Eof,
}

impl Tok {
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("identifier {s:?}"),
            Tok::Number(n) => format!("number {n}"),
            Tok::Duration(_) => "duration".into(),
            Tok::Str(s) => format!("string {s:?}"),
            Tok::LBrace => "\"{\"".into(),
            Tok::RBrace => "\"}\"".into(),
            Tok::LParen => "\"(\"".into(),
            Tok::RParen => "\")\"".into(),
            Tok::LBracket => "\"[\"".into(),
            Tok::RBracket => "\"]\"".into(),
            Tok::Comma => "\",\"".into(),
            Tok::Colon => "\":\"".into(),
            Tok::At => "\"@\"".into(),
            Tok::Op(o) => format!("{o:?}"),
            Tok::Eof => "end of input".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Token {
    pub tok: Tok,
    pub pos: usize,
}

const OPS: &[&str] = &[
    "==", "!=", "<=", ">=", "=~", "!~", "+", "-", "*", "/", "%", "^", "<", ">", "=",
];

fn unit_seconds(unit: &str) -> Option<f64> {
    Some(match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        "w" => 7.0 * 86400.0,
        "y" => 365.0 * 86400.0,
        _ => return None,
    })
}

pub fn lex(input: &str) -> Result<Vec<Token>, ParseError> {
    let bytes = input.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'#' {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        let single = match c {
            b'{' => Some(Tok::LBrace),
            b'}' => Some(Tok::RBrace),
            b'(' => Some(Tok::LParen),
            b')' => Some(Tok::RParen),
            b'[' => Some(Tok::LBracket),
            b']' => Some(Tok::RBracket),
            b',' => Some(Tok::Comma),
            b':' if !matches!(
                out.last(),
                Some(Token {
                    tok: Tok::Ident(_),
                    ..
                })
            ) =>
            {
                Some(Tok::Colon)
            }
            b'@' => Some(Tok::At),
            _ => None,
        };
        if let Some(tok) = single {
            out.push(Token { tok, pos: start });
            i += 1;
            continue;
        }
        if c == b'"' || c == b'\'' || c == b'`' {
            let (s, next) = string(input, i)?;
            out.push(Token {
                tok: Tok::Str(s),
                pos: start,
            });
            i = next;
            continue;
        }
        if c.is_ascii_digit() || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let (tok, next) = number_or_duration(input, i)?;
            out.push(Token { tok, pos: start });
            i = next;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' || c == b':' {
            let mut j = i;
            while j < bytes.len()
                && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_' || bytes[j] == b':')
            {
                j += 1;
            }
            let word = &input[i..j];
            let tok = match word.to_ascii_lowercase().as_str() {
                "inf" => Tok::Number(f64::INFINITY),
                "nan" => Tok::Number(f64::NAN),
                _ => Tok::Ident(word.to_string()),
            };
            out.push(Token { tok, pos: start });
            i = j;
            continue;
        }
        if let Some(op) = OPS.iter().find(|o| input[i..].starts_with(**o)) {
            out.push(Token {
                tok: Tok::Op(op),
                pos: start,
            });
            i += op.len();
            continue;
        }
        let ch = input[i..].chars().next().unwrap_or('?');
        return Err(ParseError::at(
            input,
            start,
            format!("unexpected character: {ch:?}"),
        ));
    }
    out.push(Token {
        tok: Tok::Eof,
        pos: input.len(),
    });
    Ok(out)
}

fn number_or_duration(input: &str, start: usize) -> Result<(Tok, usize), ParseError> {
    let bytes = input.as_bytes();
    if input[start..].starts_with("0x") || input[start..].starts_with("0X") {
        let mut j = start + 2;
        while j < bytes.len() && bytes[j].is_ascii_hexdigit() {
            j += 1;
        }
        let v = u64::from_str_radix(&input[start + 2..j], 16)
            .map_err(|_| ParseError::at(input, start, "bad number".into()))?;
        return Ok((Tok::Number(v as f64), j));
    }
    let mut j = start;
    while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b'.') {
        j += 1;
    }
    let unit_follows =
        |k: usize| k < bytes.len() && matches!(bytes[k], b's' | b'm' | b'h' | b'd' | b'w' | b'y');
    if unit_follows(j) && input[start..j].bytes().all(|b| b.is_ascii_digit()) {
        // A duration: one or more <integer><unit> parts, `1h30m`.
        let mut total = 0.0;
        let mut k = start;
        loop {
            let num_start = k;
            while k < bytes.len() && bytes[k].is_ascii_digit() {
                k += 1;
            }
            if k == num_start {
                break;
            }
            let n: f64 = input[num_start..k]
                .parse()
                .map_err(|_| ParseError::at(input, num_start, "bad duration".into()))?;
            let unit = if input[k..].starts_with("ms") {
                "ms"
            } else if k < bytes.len() && bytes[k].is_ascii_alphabetic() {
                &input[k..k + 1]
            } else {
                ""
            };
            let Some(secs) = unit_seconds(unit) else {
                return Err(ParseError::at(
                    input,
                    start,
                    format!("bad duration {:?}", &input[start..k]),
                ));
            };
            total += n * secs;
            k += unit.len();
            if !(k < bytes.len() && bytes[k].is_ascii_digit()) {
                break;
            }
        }
        if k < bytes.len() && (bytes[k].is_ascii_alphanumeric() || bytes[k] == b'_') {
            let mut e = k;
            while e < bytes.len() && (bytes[e].is_ascii_alphanumeric() || bytes[e] == b'_') {
                e += 1;
            }
            return Err(ParseError::at(
                input,
                start,
                format!("bad duration syntax: {:?}", &input[start..e]),
            ));
        }
        return Ok((Tok::Duration(total), k));
    }
    if j < bytes.len() && (bytes[j] == b'e' || bytes[j] == b'E') {
        let mut k = j + 1;
        if k < bytes.len() && (bytes[k] == b'+' || bytes[k] == b'-') {
            k += 1;
        }
        if k < bytes.len() && bytes[k].is_ascii_digit() {
            while k < bytes.len() && bytes[k].is_ascii_digit() {
                k += 1;
            }
            j = k;
        }
    }
    let text = &input[start..j];
    let v: f64 = text.parse().map_err(|_| {
        ParseError::at(
            input,
            start,
            format!("bad number or duration syntax: {text:?}"),
        )
    })?;
    if j < bytes.len() && (bytes[j].is_ascii_alphabetic() || bytes[j] == b'_') {
        return Err(ParseError::at(
            input,
            start,
            format!("bad number or duration syntax: {:?}", &input[start..=j]),
        ));
    }
    Ok((Tok::Number(v), j))
}

fn string(input: &str, start: usize) -> Result<(String, usize), ParseError> {
    let quote = input.as_bytes()[start] as char;
    let mut out = String::new();
    let mut chars = input[start + 1..].char_indices();
    while let Some((off, c)) = chars.next() {
        let here = start + 1 + off;
        if c == quote {
            return Ok((out, here + 1));
        }
        if quote == '`' {
            out.push(c);
            continue;
        }
        if c == '\n' {
            break;
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else { break };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '\\' | '"' | '\'' => out.push(e),
            'x' | 'u' | 'U' => {
                let len = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = chars.by_ref().take(len).map(|(_, h)| h).collect();
                let ch = u32::from_str_radix(&hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| {
                        ParseError::at(input, here, format!("invalid escape sequence \\{e}{hex}"))
                    })?;
                out.push(ch);
            }
            other => {
                return Err(ParseError::at(
                    input,
                    here,
                    format!("unknown escape sequence {other:?}"),
                ));
            }
        }
    }
    Err(ParseError::at(
        input,
        start,
        "unterminated quoted string".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn durations_numbers_and_names() {
        assert_eq!(
            toks("rate(x[5m])"),
            vec![
                Tok::Ident("rate".into()),
                Tok::LParen,
                Tok::Ident("x".into()),
                Tok::LBracket,
                Tok::Duration(300.0),
                Tok::RBracket,
                Tok::RParen,
                Tok::Eof
            ]
        );
        assert_eq!(toks("1h30m")[0], Tok::Duration(5400.0));
        assert_eq!(toks("500ms")[0], Tok::Duration(0.5));
        assert_eq!(toks("1e3")[0], Tok::Number(1000.0));
        assert_eq!(toks("0.05")[0], Tok::Number(0.05));
        assert_eq!(toks("job:rate5m")[0], Tok::Ident("job:rate5m".into()));
        assert!(matches!(toks("NaN")[0], Tok::Number(n) if n.is_nan()));
        assert_eq!(toks(r#""5..""#)[0], Tok::Str("5..".into()));
        assert_eq!(toks("a =~ b")[1], Tok::Op("=~"));
        assert!(lex("5x").is_err());
        assert!(lex("\"open").is_err());
    }
}
