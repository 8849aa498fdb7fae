//! The OData v2 `$filter` language, as far as an accounting adapter uses it against Exact:
//! `eq ne gt ge lt le and or not`, parentheses, literals (`'string'` with `''` escaping,
//! `guid'…'`, `datetime'…'`, numbers with an optional `L`/`M`/`D` suffix, `true`, `false`,
//! `null`) and the functions `trim`, `tolower`, `toupper`, `substringof`, `startswith`,
//! `endswith`.

use std::cmp::Ordering;

use rust_decimal::Decimal;
use uuid::Uuid;

use super::json::Json;
use super::odata::{json_to_value, parse_literal_datetime};

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null` / absent.
    Null,
    /// Boolean.
    Bool(bool),
    /// String.
    Str(String),
    /// Number.
    Num(Decimal),
    /// `guid'…'` literal.
    Guid(Uuid),
    /// Date-time, milliseconds since the epoch.
    DateTime(i64),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `eq`
    Eq,
    /// `ne`
    Ne,
    /// `gt`
    Gt,
    /// `ge`
    Ge,
    /// `lt`
    Lt,
    /// `le`
    Le,
}

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `a or b`
    Or(Box<Expr>, Box<Expr>),
    /// `a and b`
    And(Box<Expr>, Box<Expr>),
    /// `not a`
    Not(Box<Expr>),
    /// `a op b`
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    /// A property by name.
    Field(String),
    /// A literal.
    Lit(Value),
    /// A function call.
    Call(String, Vec<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Lit(Value),
    Open,
    Close,
    Comma,
}

const SYNTAX: &str = "Bad Request - Error in query syntax.";

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    let quoted = |i: &mut usize| -> Result<String, String> {
        // chars[*i] is the opening quote
        *i += 1;
        let mut text = String::new();
        loop {
            match chars.get(*i) {
                None => return Err(SYNTAX.to_string()),
                Some('\'') if chars.get(*i + 1) == Some(&'\'') => {
                    text.push('\'');
                    *i += 2;
                }
                Some('\'') => {
                    *i += 1;
                    return Ok(text);
                }
                Some(c) => {
                    text.push(*c);
                    *i += 1;
                }
            }
        }
    };
    while let Some(&c) = chars.get(i) {
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            '\'' => out.push(Tok::Lit(Value::Str(quoted(&mut i)?))),
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                i += 1;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_digit() || *c == '.')
                {
                    i += 1;
                }
                let text: String = chars.get(start..i).unwrap_or_default().iter().collect();
                if chars
                    .get(i)
                    .is_some_and(|c| matches!(c, 'L' | 'l' | 'M' | 'm' | 'D' | 'd' | 'f' | 'F'))
                {
                    i += 1;
                }
                let n: Decimal = text.parse().map_err(|_| SYNTAX.to_string())?;
                out.push(Tok::Lit(Value::Num(n)));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '/' || *c == '.')
                {
                    i += 1;
                }
                let word: String = chars.get(start..i).unwrap_or_default().iter().collect();
                if chars.get(i) == Some(&'\'') {
                    let text = quoted(&mut i)?;
                    let v = match word.to_ascii_lowercase().as_str() {
                        "guid" => {
                            Value::Guid(Uuid::parse_str(&text).map_err(|_| SYNTAX.to_string())?)
                        }
                        "datetime" | "datetimeoffset" => Value::DateTime(
                            parse_literal_datetime(&text).ok_or_else(|| SYNTAX.to_string())?,
                        ),
                        _ => return Err(SYNTAX.to_string()),
                    };
                    out.push(Tok::Lit(v));
                } else {
                    out.push(match word.as_str() {
                        "true" => Tok::Lit(Value::Bool(true)),
                        "false" => Tok::Lit(Value::Bool(false)),
                        "null" => Tok::Lit(Value::Null),
                        _ => Tok::Ident(word),
                    });
                }
            }
            _ => return Err(SYNTAX.to_string()),
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    fields: &'a [&'a str],
    type_name: &'a str,
    depth: usize,
}

/// Parse a `$filter` value; property names are checked against `fields`.
pub fn parse(text: &str, fields: &[&str], type_name: &str) -> Result<Expr, String> {
    let mut p = Parser {
        toks: tokenize(text)?,
        pos: 0,
        fields,
        type_name,
        depth: 0,
    };
    let e = p.or()?;
    if p.pos != p.toks.len() {
        return Err(SYNTAX.to_string());
    }
    Ok(e)
}

fn cmp_op(word: &str) -> Option<CmpOp> {
    Some(match word {
        "eq" => CmpOp::Eq,
        "ne" => CmpOp::Ne,
        "gt" => CmpOp::Gt,
        "ge" => CmpOp::Ge,
        "lt" => CmpOp::Lt,
        "le" => CmpOp::Le,
        _ => return None,
    })
}

impl Parser<'_> {
    fn peek_word(&self) -> Option<&str> {
        match self.toks.get(self.pos) {
            Some(Tok::Ident(w)) => Some(w.as_str()),
            _ => None,
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.peek_word() == Some("or") {
            self.pos += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.peek_word() == Some("and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek_word() == Some("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, String> {
        let left = self.operand()?;
        if let Some(op) = self.peek_word().and_then(cmp_op) {
            self.pos += 1;
            let right = self.operand()?;
            return Ok(Expr::Cmp(op, Box::new(left), Box::new(right)));
        }
        Ok(left)
    }

    fn operand(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > 64 {
            return Err(SYNTAX.to_string());
        }
        let tok = self
            .toks
            .get(self.pos)
            .cloned()
            .ok_or_else(|| SYNTAX.to_string())?;
        self.pos += 1;
        let out = match tok {
            Tok::Open => {
                let e = self.or()?;
                if self.toks.get(self.pos) != Some(&Tok::Close) {
                    return Err(SYNTAX.to_string());
                }
                self.pos += 1;
                e
            }
            Tok::Lit(v) => Expr::Lit(v),
            Tok::Ident(word) => {
                if self.toks.get(self.pos) == Some(&Tok::Open) {
                    self.pos += 1;
                    let name = word.to_ascii_lowercase();
                    if !matches!(
                        name.as_str(),
                        "trim" | "tolower" | "toupper" | "substringof" | "startswith" | "endswith"
                    ) {
                        return Err(format!("Unknown function '{word}'."));
                    }
                    let mut args = Vec::new();
                    if self.toks.get(self.pos) != Some(&Tok::Close) {
                        loop {
                            args.push(self.or()?);
                            match self.toks.get(self.pos) {
                                Some(Tok::Comma) => self.pos += 1,
                                Some(Tok::Close) => break,
                                _ => return Err(SYNTAX.to_string()),
                            }
                        }
                    }
                    self.pos += 1; // ')'
                    Expr::Call(name, args)
                } else {
                    let field = self
                        .fields
                        .iter()
                        .find(|f| f.eq_ignore_ascii_case(&word))
                        .ok_or_else(|| {
                            format!("No property '{word}' exists in type '{}'.", self.type_name)
                        })?;
                    Expr::Field((*field).to_string())
                }
            }
            Tok::Close | Tok::Comma => return Err(SYNTAX.to_string()),
        };
        self.depth -= 1;
        Ok(out)
    }
}

fn as_string(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.clone()),
        Value::Guid(g) => Some(g.to_string()),
        _ => None,
    }
}

fn compare(a: &Value, b: &Value) -> Result<Option<Ordering>, String> {
    Ok(match (a, b) {
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        (Value::Num(x), Value::Num(y)) => Some(x.cmp(y)),
        (Value::DateTime(x), Value::DateTime(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Guid(x), Value::Guid(y)) => Some(x.cmp(y)),
        (Value::Str(s), Value::Guid(g)) => Uuid::parse_str(s).ok().map(|u| u.cmp(g)),
        (Value::Guid(g), Value::Str(s)) => Uuid::parse_str(s).ok().map(|u| g.cmp(&u)),
        _ => {
            return Err(format!(
                "Operator incompatible with operand types ({} and {}).",
                type_name(a),
                type_name(b)
            ))
        }
    })
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "Edm.Boolean",
        Value::Str(_) => "Edm.String",
        Value::Num(_) => "Edm.Decimal",
        Value::Guid(_) => "Edm.Guid",
        Value::DateTime(_) => "Edm.DateTime",
    }
}

/// Evaluate `expr` against one entity's properties. Type mismatches are errors (Exact answers
/// them with a 400), a `null` compares equal only to `null`.
pub fn eval(expr: &Expr, row: &dyn Fn(&str) -> Option<Json>) -> Result<Value, String> {
    Ok(match expr {
        Expr::Or(a, b) => Value::Bool(truthy(&eval(a, row)?) || truthy(&eval(b, row)?)),
        Expr::And(a, b) => Value::Bool(truthy(&eval(a, row)?) && truthy(&eval(b, row)?)),
        Expr::Not(a) => Value::Bool(!truthy(&eval(a, row)?)),
        Expr::Field(name) => row(name).as_ref().map_or(Value::Null, json_to_value),
        Expr::Lit(v) => v.clone(),
        Expr::Cmp(op, a, b) => {
            let (a, b) = (eval(a, row)?, eval(b, row)?);
            if a == Value::Null || b == Value::Null {
                let both = a == Value::Null && b == Value::Null;
                return Ok(Value::Bool(match op {
                    CmpOp::Eq => both,
                    CmpOp::Ne => !both,
                    _ => false,
                }));
            }
            let ord = compare(&a, &b)?;
            Value::Bool(match (op, ord) {
                (CmpOp::Eq, o) => o == Some(Ordering::Equal),
                (CmpOp::Ne, o) => o != Some(Ordering::Equal),
                (_, None) => false,
                (CmpOp::Gt, Some(o)) => o == Ordering::Greater,
                (CmpOp::Ge, Some(o)) => o != Ordering::Less,
                (CmpOp::Lt, Some(o)) => o == Ordering::Less,
                (CmpOp::Le, Some(o)) => o != Ordering::Greater,
            })
        }
        Expr::Call(name, args) => {
            let vals: Vec<Value> = args
                .iter()
                .map(|a| eval(a, row))
                .collect::<Result<_, _>>()?;
            let s = |i: usize| vals.get(i).and_then(as_string);
            let bad = || format!("Wrong arguments for function '{name}'.");
            match name.as_str() {
                "trim" => s(0).map_or(Value::Null, |x| Value::Str(x.trim().to_string())),
                "tolower" => s(0).map_or(Value::Null, |x| Value::Str(x.to_lowercase())),
                "toupper" => s(0).map_or(Value::Null, |x| Value::Str(x.to_uppercase())),
                "substringof" => {
                    if vals.len() != 2 {
                        return Err(bad());
                    }
                    Value::Bool(matches!((s(0), s(1)), (Some(n), Some(h)) if h.contains(&n)))
                }
                "startswith" => {
                    if vals.len() != 2 {
                        return Err(bad());
                    }
                    Value::Bool(matches!((s(0), s(1)), (Some(h), Some(p)) if h.starts_with(&p)))
                }
                "endswith" => {
                    if vals.len() != 2 {
                        return Err(bad());
                    }
                    Value::Bool(matches!((s(0), s(1)), (Some(h), Some(p)) if h.ends_with(&p)))
                }
                _ => return Err(bad()),
            }
        }
    })
}

/// Whether a value counts as true for `and`/`or`/`not` and row selection.
pub fn truthy(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

/// The string literal that `YourRef eq '…'` (or `InvoiceNumber eq n`) names, if the filter is
/// a plain equality on one of `fields` — used to see which document reference an update
/// addressed to the collection means.
pub fn equality_on(expr: &Expr, fields: &[&str]) -> Option<(String, Value)> {
    match expr {
        Expr::Cmp(CmpOp::Eq, a, b) => match (a.as_ref(), b.as_ref()) {
            (Expr::Field(f), Expr::Lit(v)) | (Expr::Lit(v), Expr::Field(f))
                if fields.iter().any(|x| x == f) =>
            {
                Some((f.clone(), v.clone()))
            }
            _ => None,
        },
        Expr::And(a, b) => equality_on(a, fields).or_else(|| equality_on(b, fields)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: &[&str] = &["Code", "ID", "Amount", "Created", "Name", "Blocked"];

    fn row(name: &str) -> Option<Json> {
        Some(match name {
            "Code" => Json::str("                25"),
            "ID" => Json::str("4f1c8a2e-6b3d-4e7a-9c05-d81e2a7b3c64"),
            "Amount" => Json::Num("121.50".into()),
            "Created" => Json::str("/Date(1382667872203)/"),
            "Name" => Json::str("O'Brien B.V."),
            "Blocked" => Json::Bool(false),
            _ => return None,
        })
    }

    fn check(f: &str) -> bool {
        truthy(&eval(&parse(f, F, "T").unwrap(), &row).unwrap())
    }

    #[test]
    fn operators_and_literals() {
        assert!(check("ID eq guid'4F1C8A2E-6b3d-4e7a-9c05-d81e2a7b3c64'"));
        assert!(check("trim(Code) eq '25'"));
        assert!(check("Code eq '                25'"));
        assert!(check("Amount gt 100 and Amount le 121.5M"));
        assert!(check("Amount lt 100 or Amount ge 121.50"));
        assert!(check("not (Amount lt 100)"));
        assert!(check(
            "Created gt datetime'2013-01-01' and Created lt datetime'2014-01-01T00:00:00'"
        ));
        assert!(check("Name eq 'O''Brien B.V.'"));
        assert!(check("substringof('Brien', Name) eq true"));
        assert!(check("Blocked eq false and Name ne null"));
        assert!(!check("ID ne guid'4f1c8a2e-6b3d-4e7a-9c05-d81e2a7b3c64'"));
    }

    #[test]
    fn errors_not_panics() {
        for bad in [
            "Code eq",
            "Nope eq 1",
            "Code eq 'x",
            "(Code eq '1'",
            "ID eq guid'zz'",
            "foo(Code)",
            "Code eq 1 1",
        ] {
            assert!(parse(bad, F, "T").is_err(), "{bad}");
        }
        let e = parse("Amount eq 'x'", F, "T").unwrap();
        assert!(eval(&e, &row).is_err());
    }
}
