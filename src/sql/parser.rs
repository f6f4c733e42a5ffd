//! Parser for the SQL front: tokens to [`Statement`]s.
//!
//! The grammar has no nesting, so the parser is a flat loop with one token
//! of lookahead and no recursion: no input can exhaust the stack. Keywords
//! are case-insensitive and not reserved; whether a word is a keyword or a
//! name is decided by its place in the statement. Bare names are kept as
//! written (case-sensitive), like every NanoTS name.

use super::ast::{CreateTable, Ident, Insert, Statement, TS_COLUMN, UNSUPPORTED_HINT};
use super::lexer::{Lexer, Pos, Token, TokenKind, error_at};
use crate::error::{Error, Result};
use crate::format::MAX_COLUMNS;

/// Parses a whole script. Convenient for tests and tools; [`super::exec_sql`]
/// uses [`Parser`] to parse and execute one statement at a time.
pub fn parse(sql: &str) -> Result<Vec<Statement>> {
    let mut p = Parser::new(sql);
    let mut out = Vec::new();
    while let Some(stmt) = p.next_statement()? {
        out.push(stmt);
    }
    Ok(out)
}

/// Parses statements one at a time.
#[derive(Debug)]
pub struct Parser<'a> {
    lexer: Lexer<'a>,
    peeked: Option<Token<'a>>,
    /// Set after an error: later calls return `None` instead of parsing
    /// from an arbitrary spot inside a broken statement.
    failed: bool,
}

/// Column types accepted for value columns (all mean `f64`).
const VALUE_TYPES: &[&str] = &["DOUBLE", "FLOAT", "REAL", "F64"];
/// Types accepted on an explicit leading `ts_ms` declaration.
const TS_TYPES: &[&str] = &["BIGINT", "INTEGER", "INT", "TIMESTAMP"];

impl<'a> Parser<'a> {
    /// A parser at the start of `sql`.
    pub fn new(sql: &'a str) -> Self {
        Parser { lexer: Lexer::new(sql), peeked: None, failed: false }
    }

    fn peek(&mut self) -> Result<&Token<'a>> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lexer.next_token()?);
        }
        Ok(self.peeked.as_ref().expect("just filled"))
    }

    fn advance(&mut self) -> Result<Token<'a>> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.lexer.next_token(),
        }
    }

    /// Consumes the next token if it is of kind `kind`.
    fn eat(&mut self, kind: &TokenKind) -> Result<bool> {
        if &self.peek()?.kind == kind {
            self.advance()?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Consumes the next token if it is the keyword `kw`.
    fn eat_keyword(&mut self, kw: &str) -> Result<bool> {
        if self.peek()?.is_keyword(kw) {
            self.advance()?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Consumes a token of kind `kind` or fails with "expected {what}".
    fn expect(&mut self, kind: &TokenKind, what: &str) -> Result<Token<'a>> {
        let t = self.advance()?;
        if &t.kind == kind { Ok(t) } else { Err(expected(what, &t)) }
    }

    fn expect_keyword(&mut self, kw: &str, what: &str) -> Result<Token<'a>> {
        let t = self.advance()?;
        if t.is_keyword(kw) { Ok(t) } else { Err(expected(what, &t)) }
    }

    /// A bare or quoted name.
    fn ident(&mut self, what: &str) -> Result<Ident> {
        let t = self.advance()?;
        let name = match t.kind {
            TokenKind::Word => t.text.to_owned(),
            TokenKind::QuotedIdent(name) => name,
            _ => return Err(expected(what, &t)),
        };
        Ok(Ident { name, pos: t.pos })
    }

    /// The next statement, or `None` at the end of the script. Empty
    /// statements (`;;`) are skipped. After an error, always `None`.
    pub fn next_statement(&mut self) -> Result<Option<Statement>> {
        if self.failed {
            return Ok(None);
        }
        let r = self.statement();
        if r.is_err() {
            self.failed = true;
        }
        r
    }

    fn statement(&mut self) -> Result<Option<Statement>> {
        while self.eat(&TokenKind::Semicolon)? {}
        let first = self.advance()?;
        let stmt = if first.kind == TokenKind::Eof {
            return Ok(None);
        } else if first.is_keyword("CREATE") {
            Statement::CreateTable(self.create_table(first.pos)?)
        } else if first.is_keyword("INSERT") {
            Statement::Insert(self.insert(first.pos)?)
        } else if first.kind == TokenKind::Word {
            return Err(error_at(
                first.pos,
                format!("{} is {UNSUPPORTED_HINT}", first.text.to_ascii_uppercase()),
            ));
        } else {
            return Err(expected("a statement (CREATE TABLE or INSERT INTO)", &first));
        };
        let t = self.advance()?;
        if !matches!(t.kind, TokenKind::Semicolon | TokenKind::Eof) {
            return Err(expected("';' or end of input after the statement", &t));
        }
        Ok(Some(stmt))
    }

    fn create_table(&mut self, pos: Pos) -> Result<CreateTable> {
        let t = self.advance()?;
        if !t.is_keyword("TABLE") {
            if t.kind == TokenKind::Word {
                return Err(error_at(
                    pos,
                    format!("CREATE {} is {UNSUPPORTED_HINT}", t.text.to_ascii_uppercase()),
                ));
            }
            return Err(expected("TABLE after CREATE", &t));
        }
        let mut if_not_exists = false;
        let name = if self.peek()?.is_keyword("IF") {
            // `IF` starts `IF NOT EXISTS` only if `NOT` follows: keywords are
            // not reserved, so `CREATE TABLE if (x)` names a table "if".
            let if_tok = self.ident("table name")?;
            if self.eat_keyword("NOT")? {
                self.expect_keyword("EXISTS", "EXISTS after IF NOT")?;
                if_not_exists = true;
                self.ident("table name")?
            } else {
                if_tok
            }
        } else {
            self.ident("table name")?
        };
        self.expect(&TokenKind::LParen, "'(' after the table name")?;
        let mut columns: Vec<Ident> = Vec::new();
        let mut first = true;
        loop {
            let col = self.ident("a column name")?;
            let ty = if self.peek()?.kind == TokenKind::Word {
                let t = self.advance()?;
                let mut ty = t.text.to_ascii_uppercase();
                if ty == "DOUBLE" && self.eat_keyword("PRECISION")? {
                    ty.push_str(" PRECISION");
                }
                Some((ty, t.pos))
            } else {
                None
            };
            if col.name == TS_COLUMN {
                // Accepted so DDL written for other databases (with an
                // explicit timestamp column) runs unchanged; anywhere else,
                // or with a float type, it is a mistake worth reporting.
                if !first {
                    return Err(error_at(
                        col.pos,
                        "column ts_ms is the implicit timestamp: declare it first (as BIGINT, INTEGER or TIMESTAMP) or not at all",
                    ));
                }
                if let Some((ty, tpos)) = &ty
                    && !TS_TYPES.contains(&ty.as_str())
                {
                    return Err(error_at(
                        *tpos,
                        format!(
                            "column ts_ms is the implicit i64 millisecond timestamp: its type must be BIGINT, INTEGER or TIMESTAMP, not {ty}"
                        ),
                    ));
                }
            } else {
                if let Some((ty, tpos)) = &ty
                    && !VALUE_TYPES.contains(&ty.as_str())
                    && ty != "DOUBLE PRECISION"
                {
                    return Err(error_at(
                        *tpos,
                        format!(
                            "unsupported type {ty} for column {:?}: value columns are DOUBLE (also spelled FLOAT, REAL or F64)",
                            col.name
                        ),
                    ));
                }
                if columns.iter().any(|c| c.name == col.name) {
                    return Err(error_at(col.pos, format!("duplicate column {:?}", col.name)));
                }
                if columns.len() == MAX_COLUMNS {
                    return Err(error_at(col.pos, format!("too many columns; the limit is {MAX_COLUMNS}")));
                }
                columns.push(col);
            }
            first = false;
            let t = self.advance()?;
            match t.kind {
                TokenKind::Comma => {}
                TokenKind::RParen => {
                    if columns.is_empty() {
                        return Err(error_at(t.pos, "a table needs at least one value column besides ts_ms"));
                    }
                    break;
                }
                _ => return Err(expected("',' or ')' after a column definition", &t)),
            }
        }
        Ok(CreateTable { pos, if_not_exists, name, columns })
    }

    fn insert(&mut self, pos: Pos) -> Result<Insert> {
        self.expect_keyword("INTO", "INTO after INSERT")?;
        let table = self.ident("a table name")?;
        let mut columns = None;
        let mut columns_pos = None;
        let lp = self.peek()?;
        if lp.kind == TokenKind::LParen {
            columns_pos = Some(lp.pos);
            columns = Some(self.column_list()?);
            self.expect_keyword("VALUES", "VALUES after the column list")?;
        } else {
            self.expect_keyword("VALUES", "VALUES or '(' after the table name")?;
        }
        let ts_index = columns
            .as_ref()
            .map_or(0, |c: &Vec<Ident>| c.iter().position(|c| c.name == TS_COLUMN).unwrap_or(0));
        // With a column list every row has its width; without, the first
        // row sets it.
        let mut width = columns.as_ref().map(Vec::len);
        let mut values: Vec<Vec<f64>> = match width {
            Some(w) => vec![Vec::new(); w - 1],
            None => Vec::new(),
        };
        let mut ts = Vec::new();
        let mut first_row = None;
        loop {
            let lp = self.expect(&TokenKind::LParen, "'(' to start a row")?;
            first_row.get_or_insert(lp.pos);
            let mut n = 0usize;
            loop {
                let at = self.peek()?.pos;
                if let Some(w) = width
                    && n >= w
                {
                    return Err(error_at(
                        at,
                        format!("too many values: rows have {w} (ts_ms and {} columns)", w - 1),
                    ));
                }
                if n > MAX_COLUMNS {
                    return Err(error_at(
                        at,
                        format!("too many values in a row; the limit is {}", MAX_COLUMNS + 1),
                    ));
                }
                if n == ts_index {
                    ts.push(self.timestamp()?);
                } else {
                    let v = self.number()?;
                    let c = if n > ts_index { n - 1 } else { n };
                    if c == values.len() {
                        // Only while the first row (without a column list)
                        // is still setting the width.
                        values.push(Vec::new());
                    }
                    values[c].push(v);
                }
                n += 1;
                let t = self.advance()?;
                match t.kind {
                    TokenKind::Comma => {}
                    TokenKind::RParen => {
                        match width {
                            Some(w) if n < w => {
                                return Err(error_at(
                                    t.pos,
                                    format!(
                                        "too few values: this row has {n}, rows need {w} (ts_ms and {} columns)",
                                        w - 1
                                    ),
                                ));
                            }
                            Some(_) => {}
                            None => width = Some(n),
                        }
                        break;
                    }
                    _ => return Err(expected("',' or ')' after a value", &t)),
                }
            }
            if !self.eat(&TokenKind::Comma)? {
                break;
            }
        }
        Ok(Insert {
            pos,
            table,
            columns,
            columns_pos,
            first_row: first_row.expect("at least one row"),
            ts,
            values,
        })
    }

    /// `( name, ... )` of an INSERT: distinct names, `ts_ms` among them.
    fn column_list(&mut self) -> Result<Vec<Ident>> {
        let lp = self.expect(&TokenKind::LParen, "'('")?;
        let mut cols: Vec<Ident> = Vec::new();
        loop {
            let col = self.ident("a column name")?;
            if cols.iter().any(|c| c.name == col.name) {
                return Err(error_at(col.pos, format!("column {:?} is listed twice", col.name)));
            }
            if cols.len() > MAX_COLUMNS {
                return Err(error_at(col.pos, format!("too many columns; the limit is {}", MAX_COLUMNS + 1)));
            }
            cols.push(col);
            let t = self.advance()?;
            match t.kind {
                TokenKind::Comma => {}
                TokenKind::RParen => break,
                _ => return Err(expected("',' or ')' after a column name", &t)),
            }
        }
        if !cols.iter().any(|c| c.name == TS_COLUMN) {
            return Err(error_at(lp.pos, "the column list must include ts_ms (every row needs a timestamp)"));
        }
        Ok(cols)
    }

    /// An optional sign and the token after it, as one literal text.
    fn signed(&mut self, what: &str) -> Result<(String, Token<'a>, Pos)> {
        let first = self.advance()?;
        let (sign, t) = match first.kind {
            TokenKind::Plus | TokenKind::Minus => {
                let t = self.advance()?;
                if !matches!(t.kind, TokenKind::Number { .. } | TokenKind::Word) {
                    return Err(expected(&format!("a number after '{}'", first.text), &t));
                }
                (first.text, t)
            }
            TokenKind::Number { .. } | TokenKind::Word => ("", first.clone()),
            _ => return Err(expected(what, &first)),
        };
        Ok((format!("{sign}{}", t.text), t, first.pos))
    }

    /// A timestamp: an optionally signed integer within `i64`.
    fn timestamp(&mut self) -> Result<i64> {
        let (text, t, pos) = self.signed("a timestamp (integer milliseconds)")?;
        if t.kind != (TokenKind::Number { integer: true }) {
            return Err(error_at(
                pos,
                format!("expected a timestamp (integer milliseconds), found {}", shown(&text, &t)),
            ));
        }
        text.parse::<i64>()
            .map_err(|_| error_at(pos, format!("timestamp {} is out of the range of i64", shown(&text, &t))))
    }

    /// A value: an optionally signed number, or `NaN` / `inf` / `infinity`
    /// spelled as `f64::from_str` accepts. Parsed by `f64::from_str`, so
    /// correctly rounded; magnitudes beyond `f64::MAX` round to infinity.
    fn number(&mut self) -> Result<f64> {
        let (text, t, pos) = self.signed("a value (a number, NaN or inf)")?;
        match text.parse::<f64>() {
            Ok(v) => Ok(v),
            Err(_) => {
                let mut msg = format!("expected a value (a number, NaN or inf), found {}", shown(&text, &t));
                if t.is_keyword("NULL") {
                    msg.push_str(": NULL is not supported, every column needs a value");
                }
                Err(error_at(pos, msg))
            }
        }
    }
}

/// `'text'` shortened like [`Token::describe`].
fn shown(text: &str, t: &Token<'_>) -> String {
    if text.len() == t.text.len() {
        t.describe()
    } else {
        Token { kind: t.kind.clone(), text, pos: t.pos }.describe()
    }
}

/// "expected {what}, found {token}" at the token's position.
fn expected(what: &str, found: &Token<'_>) -> Error {
    error_at(found.pos, format!("expected {what}, found {}", found.describe()))
}
