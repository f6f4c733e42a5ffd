//! Progress bars on standard error, only when it is a terminal: a pipe or
//! a log file gets the final summary line and nothing else.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A counter of rows with their rate, for a total not known in advance.
pub fn rows_spinner(what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} {human_pos} rows ({per_sec:0}) {elapsed}")
            .expect("valid template"),
    );
    pb.set_message(what.to_owned());
    pb
}

/// A bar over `total` rows with their rate.
pub fn rows_bar(what: &str, total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template(
            "{msg} {wide_bar} {human_pos}/{human_len} rows ({per_sec:0}, {eta} left)",
        )
        .expect("valid template"),
    );
    pb.set_message(what.to_owned());
    pb
}
