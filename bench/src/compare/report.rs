//! Samples from the children, their medians, the ratios NanoTS/peer, and
//! the two outputs: the table on stdout and the JSON file.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::median;

/// Every sample, by (workload, engine, `phase.key`).
#[derive(Debug, Default)]
pub struct Samples(BTreeMap<(String, String, String), Vec<f64>>);

impl Samples {
    /// Adds what one child reported.
    pub fn add(&mut self, workload: &str, engine: &str, phase: &str, reported: &BTreeMap<String, f64>) {
        for (k, v) in reported {
            let key = (workload.to_owned(), engine.to_owned(), format!("{phase}.{k}"));
            self.0.entry(key).or_default().push(*v);
        }
    }

    /// The samples of one figure, if any.
    pub fn get(&self, workload: &str, engine: &str, key: &str) -> Option<&[f64]> {
        self.0.get(&(workload.to_owned(), engine.to_owned(), key.to_owned())).map(Vec::as_slice)
    }

    fn median(&self, workload: &str, engine: &str, key: &str) -> Option<f64> {
        self.get(workload, engine, key).map(|v| median(&mut v.to_vec()))
    }
}

/// A figure of the report: a child's key, shown as `label` in `unit`.
struct Metric {
    key: &'static str,
    label: &'static str,
    unit: &'static str,
    scale: f64,
}

const MIB: f64 = 1.0 / 1_048_576.0;

const fn m(key: &'static str, label: &'static str, unit: &'static str, scale: f64) -> Metric {
    Metric { key, label, unit, scale }
}

const METRICS: [Metric; 15] = [
    m("ingest-row.total_secs", "ingest, 1 row/call: total", "s", 1.0),
    m("ingest-row.close_secs", "ingest, 1 row/call: of which flush+close", "s", 1.0),
    m("ingest-row.peak_rss_bytes", "ingest, 1 row/call: peak RSS", "MiB", MIB),
    m("ingest-row.bytes_per_row", "ingest, 1 row/call: size", "B/row", 1.0),
    m("ingest-batch.total_secs", "ingest, batches: total", "s", 1.0),
    m("ingest-batch.close_secs", "ingest, batches: of which flush+close", "s", 1.0),
    m("ingest-batch.peak_rss_bytes", "ingest, batches: peak RSS", "MiB", MIB),
    m("ingest-batch.bytes_per_row", "ingest, batches: size", "B/row", 1.0),
    m("query.open_secs", "open existing file (read-write)", "ms", 1e3),
    m("query.open_ro_secs", "open existing file, read-only", "ms", 1e3),
    m("query.query_0.1%_secs", "query 0.1% of rows", "ms", 1e3),
    m("query.query_1%_secs", "query 1% of rows", "ms", 1e3),
    m("query.query_10%_secs", "query 10% of rows", "ms", 1e3),
    m("query.query_100%_secs", "query 100% of rows", "ms", 1e3),
    m("query.peak_rss_bytes", "open + queries: peak RSS", "MiB", MIB),
];

/// Late/in-order ratios shown for the late workloads.
const LATE_RATIOS: [(&str, &str); 6] = [
    ("ingest-row.total_secs", "late/in-order: ingest, 1 row/call"),
    ("ingest-batch.total_secs", "late/in-order: ingest, batches"),
    ("query.query_0.1%_secs", "late/in-order: query 0.1%"),
    ("query.query_1%_secs", "late/in-order: query 1%"),
    ("query.query_10%_secs", "late/in-order: query 10%"),
    ("query.query_100%_secs", "late/in-order: query 100%"),
];

/// One line of the report.
#[derive(Debug, Clone)]
pub struct Line {
    /// Engine as shown (`sqlite*` where its batch figure is its per-row one).
    pub engine: String,
    /// Workload label (`floats`, `floats+late`, ...).
    pub workload: String,
    /// What was measured.
    pub metric: String,
    /// Unit of `median`, `min`, `max`.
    pub unit: &'static str,
    /// Median over the runs.
    pub median: f64,
    /// Smallest and largest run.
    pub min: f64,
    /// Largest run.
    pub max: f64,
    /// Runs behind the median.
    pub runs: usize,
    /// NanoTS's median over this engine's (lower is better for every
    /// figure: below 1, NanoTS does better).
    pub ratio: Option<f64>,
}

/// The lines of the report, workload by workload, metric by metric.
/// `late_of` maps a late workload to its in-order one; `engines` gives the
/// order (NanoTS first).
pub fn lines(s: &Samples, workloads: &[(String, Option<String>)], engines: &[&str]) -> Vec<Line> {
    let mut out = Vec::new();
    for (w, in_order) in workloads {
        for metric in &METRICS {
            let nano = s.median(w, "nanots", metric.key);
            for &e in engines {
                let Some(v) = s.get(w, e, metric.key) else { continue };
                let med = median(&mut v.to_vec());
                let shown =
                    if e == "sqlite" && metric.key.starts_with("ingest-batch") { "sqlite*" } else { e };
                out.push(Line {
                    engine: shown.to_owned(),
                    workload: w.clone(),
                    metric: metric.label.to_owned(),
                    unit: metric.unit,
                    median: med * metric.scale,
                    min: v.iter().copied().fold(f64::INFINITY, f64::min) * metric.scale,
                    max: v.iter().copied().fold(f64::NEG_INFINITY, f64::max) * metric.scale,
                    runs: v.len(),
                    ratio: nano.filter(|_| e != "nanots").map(|n| n / med),
                });
            }
        }
        let Some(base) = in_order else { continue };
        for (key, label) in LATE_RATIOS {
            let ratio = |e: &str| Some(s.median(w, e, key)? / s.median(base, e, key)?);
            let nano = ratio("nanots");
            for &e in engines {
                let Some(r) = ratio(e) else { continue };
                out.push(Line {
                    engine: e.to_owned(),
                    workload: w.clone(),
                    metric: label.to_owned(),
                    unit: "x",
                    median: r,
                    min: f64::NAN,
                    max: f64::NAN,
                    runs: s.get(w, e, key).map_or(0, <[f64]>::len),
                    ratio: nano.filter(|_| e != "nanots").map(|n| n / r),
                });
            }
        }
    }
    out
}

/// Four significant digits, without exponent for the usual range.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return "-".to_owned();
    }
    let a = v.abs();
    let decimals = if a >= 1000.0 {
        0
    } else if a >= 100.0 {
        1
    } else if a >= 10.0 {
        2
    } else if a >= 1.0 {
        3
    } else if a >= 0.01 {
        4
    } else {
        6
    };
    format!("{v:.decimals$}")
}

/// The table printed on stdout.
pub fn table(lines: &[Line]) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{:<9} {:<17} {:<42} {:>12} {:<6} {:>23} {:>11}",
        "engine", "workload", "metric", "median", "unit", "min..max", "NanoTS/peer"
    );
    let mut prev = None;
    for l in lines {
        let group = (&l.workload, &l.metric);
        if prev.is_some_and(|p: (&String, &String)| p.0 != group.0) {
            t.push('\n');
        }
        prev = Some(group);
        let range = if l.min.is_finite() { format!("{}..{}", num(l.min), num(l.max)) } else { String::new() };
        let ratio = l.ratio.map_or(String::new(), |r| format!("{r:.3}"));
        let _ = writeln!(
            t,
            "{:<9} {:<17} {:<42} {:>12} {:<6} {:>23} {:>11}",
            l.engine,
            l.workload,
            l.metric,
            num(l.median),
            l.unit,
            range,
            ratio
        );
    }
    t
}

/// A JSON string literal.
pub fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// A JSON number (`null` for NaN and infinities).
pub fn json_num(v: f64) -> String {
    if v.is_finite() { format!("{v}") } else { "null".to_owned() }
}

/// The `results` array of the JSON file.
pub fn json_lines(lines: &[Line]) -> String {
    let items: Vec<String> = lines
        .iter()
        .map(|l| {
            format!(
                "{{\"engine\":{},\"workload\":{},\"metric\":{},\"unit\":{},\"median\":{},\"min\":{},\"max\":{},\"runs\":{},\"ratio_nanots_over_peer\":{}}}",
                json_str(&l.engine),
                json_str(&l.workload),
                json_str(&l.metric),
                json_str(l.unit),
                json_num(l.median),
                json_num(l.min),
                json_num(l.max),
                l.runs,
                l.ratio.map_or("null".to_owned(), json_num)
            )
        })
        .collect();
    format!("[\n    {}\n  ]", items.join(",\n    "))
}
