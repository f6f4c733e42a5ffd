//! The statements the SQL front parses ([`Statement`]), and their rendering
//! back to SQL that parses to the same statement.

use std::fmt;

use super::lexer::Pos;

/// The implicit timestamp column's name (the engine's).
pub use crate::table::TS_COLUMN;

/// The hint given for every statement other than CREATE TABLE and INSERT.
pub const UNSUPPORTED_HINT: &str = "not supported: use the query API, or DuckDB/DataFusion over the Arrow export \
     (NanoTS SQL runs only CREATE TABLE and INSERT)";

/// A table or column name and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The name, with quotes removed and doubled quotes unescaped.
    pub name: String,
    /// Where the name starts (its opening quote, if quoted).
    pub pos: Pos,
}

/// One parsed statement.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Statement {
    /// `CREATE TABLE [IF NOT EXISTS] name (col [type], ...)`.
    CreateTable(CreateTable),
    /// `INSERT INTO name [(col, ...)] VALUES (...), ...`.
    Insert(Insert),
}

impl Statement {
    /// Where the statement starts (its first keyword).
    pub fn pos(&self) -> Pos {
        match self {
            Statement::CreateTable(c) => c.pos,
            Statement::Insert(i) => i.pos,
        }
    }
}

/// `CREATE TABLE [IF NOT EXISTS] name (col [DOUBLE|FLOAT|REAL|F64], ...)`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateTable {
    /// Where `CREATE` is.
    pub pos: Pos,
    /// `IF NOT EXISTS` was given.
    pub if_not_exists: bool,
    /// The table's name.
    pub name: Ident,
    /// The value columns, in order. A leading `ts_ms BIGINT` declaration is
    /// accepted and not included: the timestamp column is implicit.
    pub columns: Vec<Ident>,
}

/// `INSERT INTO name [(col, ...)] VALUES (ts, v, ...), ...`, stored by
/// column so it can be handed to `append_rows` without copying.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Insert {
    /// Where `INSERT` is.
    pub pos: Pos,
    /// The table's name.
    pub table: Ident,
    /// The column list as written, `ts_ms` included, or `None` when values
    /// are in table order (`ts_ms` first).
    pub columns: Option<Vec<Ident>>,
    /// Where the column list's `(` is, if there is one.
    pub columns_pos: Option<Pos>,
    /// Where the first row's `(` is.
    pub first_row: Pos,
    /// The timestamp of each row.
    pub ts: Vec<i64>,
    /// `values[c][i]` is the `c`-th non-timestamp value of row `i`, in the
    /// order written (the column list's order without `ts_ms`, or table order).
    pub values: Vec<Vec<f64>>,
}

impl Insert {
    /// Number of rows.
    pub fn row_count(&self) -> usize {
        self.ts.len()
    }

    /// Index of `ts_ms` among the values of a row as written.
    pub fn ts_index(&self) -> usize {
        self.columns.as_ref().and_then(|cols| cols.iter().position(|c| c.name == TS_COLUMN)).unwrap_or(0)
    }
}

/// Keywords quoted by [`Display`](fmt::Display) even though they would
/// parse back as names, to keep the output readable in any SQL dialect.
const KEYWORDS: &[&str] = &["CREATE", "TABLE", "IF", "NOT", "EXISTS", "INSERT", "INTO", "VALUES", "NULL"];

/// Writes `name` bare if it is a plain word, else in double quotes with
/// `"` doubled.
fn write_ident(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    let bare = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(name));
    if bare { f.write_str(name) } else { write!(f, "\"{}\"", name.replace('"', "\"\"")) }
}

/// Renders the statement as SQL that parses back to the same statement
/// (positions aside): names quoted where needed, floats in their shortest
/// round-tripping form (`{:?}`: `1.5`, `1e-7`, `NaN`, `-inf`).
impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statement::CreateTable(c) => {
                f.write_str("CREATE TABLE ")?;
                if c.if_not_exists {
                    f.write_str("IF NOT EXISTS ")?;
                }
                write_ident(f, &c.name.name)?;
                f.write_str(" (")?;
                for (i, col) in c.columns.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_ident(f, &col.name)?;
                    f.write_str(" DOUBLE")?;
                }
                f.write_str(")")
            }
            Statement::Insert(ins) => {
                f.write_str("INSERT INTO ")?;
                write_ident(f, &ins.table.name)?;
                if let Some(cols) = &ins.columns {
                    f.write_str(" (")?;
                    for (i, col) in cols.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write_ident(f, &col.name)?;
                    }
                    f.write_str(")")?;
                }
                f.write_str(" VALUES ")?;
                let ts_index = ins.ts_index();
                for (r, ts) in ins.ts.iter().enumerate() {
                    if r > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str("(")?;
                    for n in 0..=ins.values.len() {
                        if n > 0 {
                            f.write_str(", ")?;
                        }
                        if n == ts_index {
                            write!(f, "{ts}")?;
                        } else {
                            let c = if n > ts_index { n - 1 } else { n };
                            write!(f, "{:?}", ins.values[c][r])?;
                        }
                    }
                    f.write_str(")")?;
                }
                Ok(())
            }
        }
    }
}
