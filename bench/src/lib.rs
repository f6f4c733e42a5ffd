//! Shared helpers of the NanoTS benchmarks: timing, medians, memory; and
//! [`compare`], the side-by-side suite of `--bin compare`.

pub mod compare;

use std::time::Instant;

/// Runs `f` `runs` times and returns the median duration in seconds along
/// with the last result.
pub fn median_secs<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = f();
        times.push(t.elapsed().as_secs_f64());
        last = Some(r);
    }
    (median(&mut times), last.expect("runs > 0"))
}

pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

/// Peak resident set size of this process, in bytes (Linux `VmHWM`).
pub fn peak_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// Resets the peak RSS counter (Linux: write 5 to clear_refs).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A scratch directory for benchmark files, removed on drop.
pub struct Scratch(pub std::path::PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let base = std::env::var_os("NANOTS_BENCH_DIR").map_or_else(std::env::temp_dir, Into::into);
        let dir = base.join(format!("nanots-bench-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }

    pub fn path(&self, file: &str) -> std::path::PathBuf {
        self.0.join(file)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Millions per second.
pub fn mps(count: f64, secs: f64) -> f64 {
    count / secs / 1e6
}

/// The value of command-line option `name` (`--rows 1000`), or `default`.
pub fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The value of command-line option `name` (`--data DIR`) as a string, if
/// given.
pub fn arg_str(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// What a `.ntt` file spends on block directories (SPEC.md §3.2.1).
#[derive(Debug, Default, Clone, Copy)]
pub struct DirectoryBytes {
    pub segments: u64,
    pub blocked_segments: u64,
    /// Bytes of the block directories, their CRCs included.
    pub directory_bytes: u64,
}

/// Walks the record framing of the file at `path` (SPEC.md §3) and adds up
/// the directory lengths of its segments in the blocked layout.
pub fn block_directory_bytes(path: &std::path::Path) -> std::io::Result<DirectoryBytes> {
    const SEGMENT: u8 = 2;
    const FLAG_BLOCKS: u16 = 2;
    let b = std::fs::read(path)?;
    let le32 = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes")) as usize;
    let mut out = DirectoryBytes::default();
    // The header: 104 bytes from format 4 on, 256 before (SPEC.md §2).
    let mut at = if b.len() >= 12 && le32(8) >= 4 { 104 } else { 256 };
    while at + 12 <= b.len() {
        let len = le32(at);
        if at + 12 + len > b.len() {
            break;
        }
        if b[at + 4] == SEGMENT && len >= 40 {
            let p = at + 12;
            out.segments += 1;
            if u16::from_le_bytes([b[p + 26], b[p + 27]]) & FLAG_BLOCKS != 0 {
                out.blocked_segments += 1;
                out.directory_bytes += le32(p + 36) as u64;
            }
        }
        at += 12 + len;
    }
    Ok(out)
}
