//! `nanots verify`: the engine's integrity check, exit 1 on any damage.

use std::path::PathBuf;

use anyhow::Result;
use nanots::{ErrorKind, NanoTsDb};

use crate::Exit;

#[derive(clap::Args)]
#[command(after_help = "Checks every record and its checksum, and decodes every column of every \
segment, without changing the file. Prints each problem with its file offset; exits 1 if there is \
any.\n\nExample:\n  nanots verify device-042.ntt && echo sound")]
pub struct Args {
    /// The database file (.ntt).
    pub file: PathBuf,
}

pub fn run(args: Args) -> Result<Exit> {
    let name = args.file.display();
    crate::db::require_file(&args.file)?;
    let db = match NanoTsDb::open_read_only(&args.file) {
        Ok(db) => db,
        // A file too damaged to open is a verdict, not a failure to check.
        Err(e) if e.kind() == ErrorKind::Corrupt => {
            println!("{name}: {}", e.message());
            println!("{name}: damaged: the file does not open");
            return Ok(Exit::Damaged);
        }
        Err(e) => return Err(anyhow::Error::new(e).context(format!("cannot open {name}"))),
    };
    let report = db.verify()?;
    for p in &report.problems {
        println!("{name}: {p}");
    }
    println!(
        "{name}: {} records, {} segments, {} rows checked; {}",
        report.records,
        report.segments,
        report.rows,
        match report.problems.len() {
            0 => "no problem found".to_owned(),
            1 => "damaged: 1 problem".to_owned(),
            n => format!("damaged: {n} problems"),
        }
    );
    Ok(if report.is_ok() { Exit::Ok } else { Exit::Damaged })
}
