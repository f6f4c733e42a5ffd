//! Timestamps and durations in the forms people type: raw milliseconds,
//! ISO-8601 / RFC 3339 (`2024-01-01T00:00:00Z`, `2024-01-01 00:00:00+02:00`,
//! `2024-01-01`), and human durations (`30d`, `1h`, `15m`, `500ms`).
//!
//! Every timestamp is an `i64` count of milliseconds since the Unix epoch,
//! UTC, as the engine stores it. A date and time without an offset is UTC.
//! Digits below the millisecond are dropped (rounded toward the past).

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

/// Milliseconds in one day.
pub const DAY_MS: i64 = 86_400_000;

/// Parses a timestamp argument (`--from`, `--to`): raw milliseconds, or an
/// ISO-8601 date or date and time.
pub fn parse_timestamp(s: &str) -> Result<i64> {
    let t = s.trim();
    if let Ok(ms) = t.parse::<i64>() {
        return Ok(ms);
    }
    parse_datetime(t).ok_or_else(|| {
        anyhow!(
            "bad timestamp {s:?}: expected milliseconds since the Unix epoch (1704067200000), \
             an ISO-8601 date and time (2024-01-01T00:00:00Z, 2024-01-01 00:00:00+02:00; UTC when no \
             offset is given) or a date (2024-01-01)"
        )
    })
}

/// Parses an ISO-8601 / RFC 3339 date and time (offset optional: UTC), or a
/// bare date (midnight UTC), into milliseconds. `None` if it is neither or
/// lies outside the `i64` millisecond range.
pub fn parse_datetime(t: &str) -> Option<i64> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.timestamp_millis());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, fmt) {
            return Some(naive.and_utc().timestamp_millis());
        }
    }
    // A date with an offset but no seconds, such as `2024-01-01T00:00+02:00`,
    // is not RFC 3339: ask for the full form rather than guess.
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc().timestamp_millis())
}

/// Parses a duration: raw milliseconds (`3600000`) or a human form (`30d`,
/// `1h30m`, `15min`, `500ms`, `2w`). Must be positive.
pub fn parse_duration_ms(s: &str) -> Result<i64> {
    let t = s.trim();
    let ms = if let Ok(ms) = t.parse::<i64>() {
        ms
    } else {
        let d = humantime::parse_duration(t).with_context(|| {
            format!("bad duration {s:?}: expected milliseconds (3600000) or a human form (30d, 1h, 15m, 10s, 500ms)")
        })?;
        i64::try_from(d.as_millis()).map_err(|_| anyhow!("duration {s:?} is too long"))?
    };
    if ms <= 0 {
        bail!("bad duration {s:?}: it must be at least 1 ms");
    }
    Ok(ms)
}

/// `ms` as `2024-01-01T00:00:00.000Z`, or the raw number when it lies
/// outside the calendar chrono can show.
pub fn format_ms(ms: i64) -> String {
    match DateTime::<Utc>::from_timestamp_millis(ms) {
        Some(dt) => dt.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => format!("{ms} ms"),
    }
}

/// The UTC day of `ms` as `YYYY-MM-DD` (for Hive-style `date=` partitions).
pub fn format_day(day_start_ms: i64) -> String {
    match DateTime::<Utc>::from_timestamp_millis(day_start_ms) {
        Some(dt) => dt.format("%Y-%m-%d").to_string(),
        None => format!("day{}", day_start_ms.div_euclid(DAY_MS)),
    }
}

/// What the integers of a CSV timestamp column count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TsUnit {
    /// Decide from the column's name and its first value: a name `ts_ms`
    /// or ending in `_ms` means milliseconds; otherwise an integer of at
    /// least 10^11 in magnitude (1973 in ms, year 5138 in seconds) is
    /// milliseconds and a smaller one or a decimal fraction is seconds.
    Auto,
    /// Milliseconds since the Unix epoch.
    Ms,
    /// Seconds since the Unix epoch (fractions allowed).
    S,
}

/// Below this magnitude an integer timestamp is taken as seconds by
/// [`TsUnit::Auto`]: 10^11 ms is 1973-03-03, 10^11 s is the year 5138.
const AUTO_SECONDS_BELOW: i64 = 100_000_000_000;

impl TsUnit {
    /// Resolves `Auto` for a column named `name` whose first value is
    /// `first` (`Ms` or `S` pass through). ISO values leave it undecided
    /// until a number shows up, so the result may stay `Auto`.
    pub fn resolve(self, name: &str, first: &str) -> TsUnit {
        if self != TsUnit::Auto {
            return self;
        }
        if name == "ts_ms" || name.ends_with("_ms") {
            return TsUnit::Ms;
        }
        let t = first.trim();
        if let Ok(i) = t.parse::<i64>() {
            return if i.unsigned_abs() >= AUTO_SECONDS_BELOW as u64 { TsUnit::Ms } else { TsUnit::S };
        }
        if t.parse::<f64>().is_ok_and(f64::is_finite) {
            return TsUnit::S;
        }
        TsUnit::Auto
    }
}

/// Parses one CSV timestamp: an integer or decimal number in `unit` (which
/// `resolve` should have settled), or an ISO-8601 date and time. The error
/// says what was wrong, without the position (the caller adds it).
pub fn parse_csv_timestamp(field: &str, unit: TsUnit) -> Result<i64, String> {
    let t = field.trim();
    if t.is_empty() {
        return Err("empty timestamp".into());
    }
    let unit = if unit == TsUnit::Auto { TsUnit::Auto.resolve("", t) } else { unit };
    if let Ok(i) = t.parse::<i64>() {
        return match unit {
            TsUnit::S => {
                i.checked_mul(1000).ok_or_else(|| format!("timestamp {t} s overflows i64 milliseconds"))
            }
            _ => Ok(i),
        };
    }
    if let Ok(f) = t.parse::<f64>() {
        let ms = match unit {
            TsUnit::S => f * 1000.0,
            _ => f,
        };
        // The i64 range in f64: [-2^63, 2^63).
        if !(-9.223372036854776e18..9.223372036854776e18).contains(&ms) {
            return Err(format!("timestamp {t} is outside the i64 millisecond range"));
        }
        if unit != TsUnit::S && ms.fract() != 0.0 {
            return Err(format!("timestamp {t} has a fraction of a millisecond"));
        }
        return Ok(ms.floor() as i64);
    }
    parse_datetime(t).ok_or_else(|| {
        format!(
            "bad timestamp {t:?}: expected ms or s since the Unix epoch, or ISO-8601 such as \
             2024-01-01T00:00:00Z or 2024-01-01 00:00:00"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1704067200000").unwrap(), 1_704_067_200_000);
        assert_eq!(parse_timestamp("-5").unwrap(), -5);
        assert_eq!(parse_timestamp("2024-01-01T00:00:00Z").unwrap(), 1_704_067_200_000);
        assert_eq!(parse_timestamp("2024-01-01 00:00:00").unwrap(), 1_704_067_200_000);
        assert_eq!(parse_timestamp("2024-01-01T02:00:00+02:00").unwrap(), 1_704_067_200_000);
        assert_eq!(parse_timestamp("2024-01-01 00:00:00.250").unwrap(), 1_704_067_200_250);
        assert_eq!(parse_timestamp("2024-01-01").unwrap(), 1_704_067_200_000);
        assert_eq!(parse_timestamp("2024-01-01T00:01").unwrap(), 1_704_067_260_000);
        assert!(
            parse_timestamp("yesterday").unwrap_err().to_string().contains("bad timestamp \"yesterday\"")
        );
        assert!(parse_timestamp("2024-13-01").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("30d").unwrap(), 30 * DAY_MS);
        assert_eq!(parse_duration_ms("1h").unwrap(), 3_600_000);
        assert_eq!(parse_duration_ms("1h 30m").unwrap(), 5_400_000);
        assert_eq!(parse_duration_ms("500ms").unwrap(), 500);
        assert_eq!(parse_duration_ms("2500").unwrap(), 2500);
        assert!(parse_duration_ms("0").unwrap_err().to_string().contains("at least 1 ms"));
        assert!(parse_duration_ms("3 fortnights").unwrap_err().to_string().contains("bad duration"));
    }

    #[test]
    fn csv_units() {
        assert_eq!(TsUnit::Auto.resolve("ts_ms", "5"), TsUnit::Ms);
        assert_eq!(TsUnit::Auto.resolve("time", "1704067200"), TsUnit::S);
        assert_eq!(TsUnit::Auto.resolve("time", "1704067200000"), TsUnit::Ms);
        assert_eq!(TsUnit::Auto.resolve("time", "1704067200.5"), TsUnit::S);
        assert_eq!(TsUnit::Auto.resolve("time", "2024-01-01"), TsUnit::Auto);
        assert_eq!(parse_csv_timestamp("1704067200.5", TsUnit::S), Ok(1_704_067_200_500));
        assert_eq!(parse_csv_timestamp("1704067200", TsUnit::S), Ok(1_704_067_200_000));
        assert_eq!(parse_csv_timestamp("17", TsUnit::Ms), Ok(17));
        assert_eq!(parse_csv_timestamp("2014-07-01 00:30:00", TsUnit::S), Ok(1_404_174_600_000));
        assert!(parse_csv_timestamp("1.5", TsUnit::Ms).unwrap_err().contains("fraction of a millisecond"));
        assert!(parse_csv_timestamp("", TsUnit::Ms).unwrap_err().contains("empty"));
        assert!(parse_csv_timestamp("9999999999999999999", TsUnit::S).unwrap_err().contains("i64"));
    }
}
