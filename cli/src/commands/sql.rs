//! `nanots sql`: the engine's SQL front (CREATE TABLE, INSERT).

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, Result};
use nanots::NanoTsOptions;
use nanots::sql::SqlOutcome;

use crate::db;

#[derive(clap::Args)]
#[command(after_help = "\
Runs CREATE TABLE [IF NOT EXISTS] and INSERT INTO ... VALUES statements separated by ';' (the \
timestamp column ts_ms is implicit; values are DOUBLE). Each statement is atomic; statements \
before a failing one stay done, and the error says which ran. Queries are other commands: \
query, aggregate, latest, export. The database file is created if it does not exist.

Examples:
  nanots sql plant.ntt \"CREATE TABLE IF NOT EXISTS boiler (temp, pressure)\"
  nanots sql plant.ntt \"INSERT INTO boiler VALUES (1704067200000, 81.5, 2.25), (1704067260000, 81.7, 2.5)\"
  nanots sql plant.ntt < schema.sql")]
pub struct Args {
    /// The database file (.ntt); created if missing.
    pub file: PathBuf,
    /// The statements; read from standard input when absent or -.
    pub sql: Option<String>,
}

pub fn run(args: Args) -> Result<()> {
    let sql = match args.sql.as_deref() {
        None | Some("-") => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).context("cannot read SQL from standard input")?;
            s
        }
        Some(s) => s.to_owned(),
    };
    let db = db::open_write(&args.file, true, NanoTsOptions::default())?;
    let (outcome, err) = nanots::sql::exec_sql_partial(&db, &sql);
    let closed = db::close(db);
    if let Some(e) = err {
        let done = if outcome.statements == 0 {
            "no statement ran".to_owned()
        } else {
            format!("the statements before it stay done: {}", describe(&outcome))
        };
        return Err(anyhow::Error::new(e).context(format!("SQL failed; {done}")));
    }
    closed?;
    eprintln!("{}", describe(&outcome));
    Ok(())
}

fn describe(o: &SqlOutcome) -> String {
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}: {} created, {} inserted",
        plural(o.statements as u64, "statement", "statements"),
        plural(o.tables_created as u64, "table", "tables"),
        plural(o.rows_inserted, "row", "rows")
    )
}
