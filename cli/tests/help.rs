//! Every subcommand has `--help` with an example; a bad command line exits
//! 2 with the reason on standard error and nothing on standard output.

mod common;
use common::{nanots, tempdir};

const SUBCOMMANDS: [&str; 12] = [
    "info",
    "verify",
    "import",
    "query",
    "aggregate",
    "latest",
    "sql",
    "pack",
    "retention",
    "delete",
    "drop",
    "export",
];

#[test]
fn every_subcommand_has_help_with_an_example() {
    let dir = tempdir();
    let top = nanots(dir.path(), &["--help"]);
    let text = top.ok();
    for sub in SUBCOMMANDS {
        assert!(text.contains(&format!("\n  {sub} ")), "top-level help lists {sub}:\n{text}");
        let run = nanots(dir.path(), &[sub, "--help"]);
        let help = run.ok();
        assert!(
            help.starts_with(&format!("Usage: nanots {sub} "))
                || help.contains(&format!("Usage: nanots {sub} ")),
            "{sub}:\n{help}"
        );
        let example = help.find("Example").unwrap_or_else(|| panic!("{sub} --help has no example:\n{help}"));
        assert!(help[example..].contains(&format!("nanots {sub} ")), "{sub}'s example runs {sub}:\n{help}");
        assert_eq!(run.stderr, "", "{sub} --help writes to stdout only");
    }
}

#[test]
fn bad_command_lines_exit_2() {
    let dir = tempdir();
    for args in [
        &["frobnicate"][..],
        &["query", "a.ntt"],
        &["aggregate", "a.ntt", "t", "--agg", "min"],
        &["aggregate", "a.ntt", "t", "--bucket", "1h", "--agg", "median"],
        &["retention", "a.ntt", "--keep", "forever"],
        &["retention", "a.ntt", "--keep", "0"],
        &["query", "a.ntt", "t", "--from", "last tuesday"],
        &["delete", "a.ntt", "t", "--from", "0"],
        &["export", "a.ntt", "t"],
        &["export", "a.ntt", "t", "--parquet", "a.parquet", "--csv", "a.csv"],
        &["export", "a.ntt", "t", "--parquet", "a", "--partition", "hour"],
    ] {
        let run = nanots(dir.path(), args);
        let err = run.fails(2);
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert_eq!(run.stdout, "", "{args:?}");
    }
    assert!(common::entries(dir.path()).is_empty(), "a refused command line creates nothing");
    let run = nanots(dir.path(), &["aggregate", "a.ntt", "t", "--bucket", "1h", "--agg", "median"]);
    assert!(
        run.stderr.contains("unknown function \"median\": use count, sum, min, max, mean, first or last")
    );
    let run = nanots(dir.path(), &["retention", "a.ntt", "--keep", "forever"]);
    assert!(run.stderr.contains("bad duration \"forever\""), "{}", run.stderr);
    let run = nanots(dir.path(), &["query", "a.ntt", "t", "--from", "last tuesday"]);
    assert!(run.stderr.contains("bad timestamp \"last tuesday\""), "{}", run.stderr);
}

#[test]
fn version() {
    let dir = tempdir();
    assert_eq!(nanots(dir.path(), &["--version"]).ok(), format!("nanots {}\n", env!("CARGO_PKG_VERSION")));
}
