//! UTC timestamps without a calendar dependency: statements and audit lines carry
//! RFC 3339 times (`2026-11-25T02:00:00Z`), allowed-signers files carry OpenSSH's
//! `YYYYMMDD[HHMM[SS]][Z]`.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The current time as RFC 3339 UTC.
pub fn now_rfc3339() -> String {
    rfc3339(now_unix())
}

// Howard Hinnant's days-from-civil algorithm and its inverse: exact for the proleptic
// Gregorian calendar, which is all UTC timestamps need.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `unix` seconds as RFC 3339 UTC (`YYYY-MM-DDTHH:MM:SSZ`).
pub fn rfc3339(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn num(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn to_unix(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<i64> {
    // Four-digit years only: anything else is a malformed (or hostile) timestamp, and
    // the calendar arithmetic below must not overflow on it.
    let valid = (0..=9999).contains(&y)
        && (1..=12).contains(&mo)
        && (1..=31).contains(&d)
        && (0..24).contains(&h)
        && (0..60).contains(&mi)
        && (0..61).contains(&s);
    valid.then(|| days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

/// Parses the RFC 3339 UTC form [`rfc3339`] writes (`Z` only; fractions are refused).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-');
    let mut t = time.split(':');
    let (y, mo, da) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    let (h, mi, se) = (num(t.next()?)?, num(t.next()?)?, num(t.next()?)?);
    if d.next().is_some() || t.next().is_some() {
        return None;
    }
    to_unix(y, mo, da, h, mi, se)
}

/// Parses OpenSSH's allowed-signers time (`YYYYMMDD`, `YYYYMMDDHHMM` or
/// `YYYYMMDDHHMMSS`, optionally ending in `Z`). OpenSSH reads a time without `Z` as
/// local time; scopecheck reads every time as UTC so CI and laptops agree.
pub fn parse_ssh_time(s: &str) -> Option<i64> {
    let s = s.strip_suffix(['Z', 'z']).unwrap_or(s);
    if !matches!(s.len(), 8 | 12 | 14) || !s.is_ascii() {
        return None;
    }
    let part = |a: usize, b: usize| s.get(a..b).and_then(num);
    let (h, mi, se) = match s.len() {
        8 => (0, 0, 0),
        12 => (part(8, 10)?, part(10, 12)?, 0),
        _ => (part(8, 10)?, part(10, 12)?, part(12, 14)?),
    };
    to_unix(part(0, 4)?, part(4, 6)?, part(6, 8)?, h, mi, se)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_known_values() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_572_000), "2026-11-25T02:00:00Z");
        for t in [0, 59, 86_399, 951_782_400, 1_795_572_000, 4_102_444_800] {
            assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t));
        }
        assert_eq!(parse_rfc3339("2026-11-25T02:00:00"), None);
        assert_eq!(parse_rfc3339("2026-13-25T02:00:00Z"), None);
        assert_eq!(parse_rfc3339("2026-11-25T02:00:00.5Z"), None);
        assert_eq!(parse_rfc3339("9000000000000000000-01-01T00:00:00Z"), None);
        assert_eq!(
            parse_ssh_time("99999999999999"),
            parse_rfc3339("9999-99-99T99:99:99Z")
        );
    }

    #[test]
    fn ssh_times() {
        assert_eq!(
            parse_ssh_time("20261125"),
            parse_rfc3339("2026-11-25T00:00:00Z")
        );
        assert_eq!(
            parse_ssh_time("202611250200Z"),
            parse_rfc3339("2026-11-25T02:00:00Z")
        );
        assert_eq!(
            parse_ssh_time("20261125020030"),
            parse_rfc3339("2026-11-25T02:00:30Z")
        );
        assert_eq!(parse_ssh_time("2026112"), None);
        assert_eq!(parse_ssh_time("2026x125"), None);
    }
}
