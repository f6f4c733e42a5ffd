//! A tiny SQL front for creating tables and inserting rows.
//!
//! Two statements, several per script separated by `;` (empty statements
//! and a trailing `;` are fine):
//!
//! ```sql
//! CREATE TABLE [IF NOT EXISTS] name (col [DOUBLE|FLOAT|REAL|F64], ...);
//! INSERT INTO name [(ts_ms, col, ...)] VALUES (ts, v, ...), (...);
//! ```
//!
//! Queries are not SQL here: `SELECT` (like `UPDATE`, `DELETE`, `DROP`
//! and anything else) is refused with a hint to use the query API, or
//! DuckDB/DataFusion over the Arrow export.
//!
//! # Rules
//!
//! * Keywords are case-insensitive and not reserved. Names are bare
//!   (`[A-Za-z_][A-Za-z0-9_]*`, kept as written: names are case-sensitive),
//!   in double quotes or in backticks, a doubled quote standing for one
//!   (`"a""b"` is `a"b`). Names follow the engine's rules: 1 to 255 bytes,
//!   no control characters.
//! * `CREATE TABLE`: the timestamp column `ts_ms` is implicit. It may be
//!   declared anyway, as the first column with type `BIGINT`, `INTEGER`,
//!   `INT` or `TIMESTAMP` (or none), so DDL written for other databases runs
//!   unchanged; elsewhere or with another type it is an error. Value
//!   columns are `f64`; their type may be omitted, `DOUBLE [PRECISION]`,
//!   `FLOAT`, `REAL` or `F64`; any other type is an error naming it.
//!   Without `IF NOT EXISTS` an existing table is an `AlreadyExists` error
//!   even with the same columns; with it, an existing table is left alone
//!   whatever its columns, as in SQLite and PostgreSQL (the statement must
//!   still parse: an unsupported type is an error either way).
//! * `INSERT`: without a column list, each row is `ts_ms` then the table's
//!   columns in order. A column list may name the columns in any order but
//!   must name `ts_ms` and every column exactly once: there are no
//!   defaults and no NULL. Timestamps are integers (optionally signed)
//!   within `i64`; values are numbers with optional sign, decimals and
//!   exponent (`-1.5e-3`, `+2`, `.5`, `5.`), or `NaN` / `inf` /
//!   `infinity` with optional sign, any case. Values are parsed by
//!   `f64::from_str`, so correctly rounded (beyond `f64::MAX` rounds to
//!   infinity).
//!   A sign may be separated from its number by blanks (`- 8`), as a
//!   unary minus in SQL; `--8` is a comment, not a double negation.
//! * Comments: `--` to the end of the line and `/* ... */` (not nested).
//! * [`Statement`] implements `Display`, rendering canonical SQL that
//!   parses back to the same statement (floats in shortest round-trip form).
//!
//! # Errors and atomicity
//!
//! Syntax and validation errors are `InvalidArgument` with a message that
//! starts with `line L, column C:` (1-based, columns in characters) and
//! says what was expected and what was found. Engine errors (unknown
//! table: `NotFound`, `AlreadyExists`, ...) keep their kind and get the
//! position of the name or statement concerned.
//!
//! The script is parsed and executed one statement at a time, like
//! `sqlite3_exec`. **Each statement is atomic, the script is not**: an
//! INSERT is parsed and checked completely (every row, its width, every
//! column) before its rows go to the engine in one `append_rows` call, so
//! a statement with one bad row inserts nothing; but statements before
//! the failing one stay executed and later ones are not run. Use
//! [`exec_sql_partial`] to learn what ran before an error. (Atomicity here
//! is about validation; what a crash in the middle of one large
//! `append_rows` leaves behind is the engine's WAL semantics.)
//!
//! # Limits
//!
//! Names are at most 255 bytes, number literals at most
//! [`lexer::MAX_NUMBER_LEN`] characters, rows at most 4097 values. The
//! parser does not recurse and must not panic on any input (fuzzed by
//! `fuzz/fuzz_targets/sql.rs` and `tests/sql.rs`). An INSERT's rows are held
//! in memory (8 bytes per value) until executed.

mod ast;
pub mod lexer;
pub mod parser;

use crate::db::NanoTsDb;
use crate::error::{Error, ErrorKind, Result};
pub use ast::{CreateTable, Ident, Insert, Statement, TS_COLUMN, UNSUPPORTED_HINT};
pub use lexer::Pos;
use lexer::error_at;
pub use parser::{Parser, parse};

// The SQL front is a client of the handle: it lives here and uses the
// handle's public API, and the handle's module never imports this one.
impl NanoTsDb {
    /// Runs SQL statements separated by `;`: `CREATE TABLE [IF NOT EXISTS]`
    /// and `INSERT INTO ... VALUES`, a small subset kept compatible with the reference API (see
    /// [the module documentation](self)). Each statement is atomic; statements before a failing
    /// one stay executed. Errors give line and column.
    pub fn exec_sql(&self, sql: &str) -> Result<SqlOutcome> {
        self.writable()?;
        exec_sql(self, sql)
    }
}

/// What a script did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SqlOutcome {
    /// Statements executed (empty statements not counted).
    pub statements: usize,
    /// Tables created (a `CREATE TABLE IF NOT EXISTS` that found the table
    /// does not count).
    pub tables_created: usize,
    /// Rows inserted.
    pub rows_inserted: u64,
}

/// Parses and executes `sql` against `db`, one statement at a time; see
/// the [module documentation](self) for the dialect.
///
/// Errors: `InvalidArgument` for syntax and validation errors, or the
/// engine's error kind (`NotFound`, `AlreadyExists`, `Io`, ...), with the
/// line and column in the message. Statements before the failing one stay
/// executed.
pub fn exec_sql(db: &NanoTsDb, sql: &str) -> Result<SqlOutcome> {
    match exec_sql_partial(db, sql) {
        (outcome, None) => Ok(outcome),
        (_, Some(err)) => Err(err),
    }
}

/// Like [`exec_sql`], but also returns what the statements before an
/// error did, since they stay executed.
pub fn exec_sql_partial(db: &NanoTsDb, sql: &str) -> (SqlOutcome, Option<Error>) {
    let mut outcome = SqlOutcome::default();
    let mut parser = Parser::new(sql);
    loop {
        let stmt = match parser.next_statement() {
            Ok(Some(s)) => s,
            Ok(None) => return (outcome, None),
            Err(e) => return (outcome, Some(e)),
        };
        if let Err(e) = execute(db, &stmt, &mut outcome) {
            return (outcome, Some(e));
        }
    }
}

/// Executes one parsed statement, adding what it did to `outcome` (left
/// unchanged on error: the statement did nothing).
pub fn execute(db: &NanoTsDb, stmt: &Statement, outcome: &mut SqlOutcome) -> Result<()> {
    match stmt {
        Statement::CreateTable(c) => create_table(db, c, outcome)?,
        Statement::Insert(i) => insert(db, i, outcome)?,
    }
    outcome.statements += 1;
    Ok(())
}

/// Prefixes an engine error with the position it concerns. I/O errors are
/// passed through untouched to keep their source (the error type has no
/// public way to rebuild one with it), the others keep their kind.
fn at(pos: Pos, err: Error) -> Error {
    if err.kind() == ErrorKind::Io {
        return err;
    }
    Error::new(err.kind(), format!("{pos}: {}", err.message()))
}

/// Whether `table` exists; other errors (closed handle, ...) propagate.
fn table_columns(db: &NanoTsDb, table: &Ident) -> Result<Option<Vec<String>>> {
    match db.table_columns(&table.name) {
        Ok(cols) => Ok(Some(cols)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(at(table.pos, e)),
    }
}

fn create_table(db: &NanoTsDb, c: &CreateTable, outcome: &mut SqlOutcome) -> Result<()> {
    let existing = table_columns(db, &c.name)?;
    if let Some(cols) = &existing {
        if !c.if_not_exists {
            // SQL semantics: without IF NOT EXISTS an existing table is an
            // error even with the same columns, unlike the idempotent
            // `create_table` API.
            return Err(Error::new(
                ErrorKind::AlreadyExists,
                format!(
                    "{}: table {:?} already exists (with columns {cols:?}); use CREATE TABLE IF NOT EXISTS",
                    c.name.pos, c.name.name
                ),
            ));
        }
        // SQLite and PostgreSQL: IF NOT EXISTS is a no-op for an existing
        // table, whatever its columns.
        return Ok(());
    }
    let cols: Vec<&str> = c.columns.iter().map(|i| i.name.as_str()).collect();
    // The engine validates again (and is idempotent if another thread
    // created the same table since the check above).
    db.create_table(&c.name.name, &cols).map_err(|e| at(c.name.pos, e))?;
    outcome.tables_created += 1;
    Ok(())
}

fn insert(db: &NanoTsDb, ins: &Insert, outcome: &mut SqlOutcome) -> Result<()> {
    let Some(table_cols) = table_columns(db, &ins.table)? else {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("{}: table {:?} does not exist", ins.table.pos, ins.table.name),
        ));
    };
    // `order[t]`: index into `ins.values` of table column `t`.
    let order: Vec<usize> = match &ins.columns {
        None => {
            if ins.values.len() != table_cols.len() {
                return Err(error_at(
                    ins.first_row,
                    format!(
                        "table {:?} has {} columns, so rows need {} values (ts_ms, {}), not {}",
                        ins.table.name,
                        table_cols.len(),
                        table_cols.len() + 1,
                        table_cols.join(", "),
                        ins.values.len() + 1
                    ),
                ));
            }
            (0..table_cols.len()).collect()
        }
        Some(list) => {
            let mut order = vec![usize::MAX; table_cols.len()];
            let mut c = 0;
            for id in list {
                if id.name == TS_COLUMN {
                    continue;
                }
                let Some(t) = table_cols.iter().position(|n| *n == id.name) else {
                    return Err(error_at(
                        id.pos,
                        format!(
                            "table {:?} has no column {:?} (its columns: ts_ms, {})",
                            ins.table.name,
                            id.name,
                            table_cols.join(", ")
                        ),
                    ));
                };
                order[t] = c;
                c += 1;
            }
            let missing: Vec<String> = table_cols
                .iter()
                .zip(&order)
                .filter(|(_, o)| **o == usize::MAX)
                .map(|(n, _)| format!("{n:?}"))
                .collect();
            if !missing.is_empty() {
                return Err(error_at(
                    ins.columns_pos.unwrap_or(ins.pos),
                    format!(
                        "the column list misses {} {}: every column needs a value (there are no defaults)",
                        if missing.len() == 1 { "column" } else { "columns" },
                        missing.join(", ")
                    ),
                ));
            }
            order
        }
    };
    let columns: Vec<&[f64]> = order.iter().map(|&c| ins.values[c].as_slice()).collect();
    db.append_rows(&ins.table.name, &ins.ts, &columns).map_err(|e| at(ins.pos, e))?;
    outcome.rows_inserted += ins.ts.len() as u64;
    Ok(())
}
