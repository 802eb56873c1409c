//! Facts about the machine and the moment of a run, and waiting for a quiet machine
//! before each timed process (this machine is shared; contended timings mislead).

use std::fs;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn now_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn read_trim(path: &str) -> Option<String> {
    fs::read_to_string(path).ok().map(|s| s.trim().to_string())
}

/// CPU model, logical CPUs, memory, kernel and host name.
pub(crate) fn info() -> Value {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_string());
    let mem_gb = fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        let kb: f64 = m.lines().next()?.split_whitespace().nth(1)?.parse().ok()?;
        Some((kb / 1024.0 / 1024.0 * 10.0).round() / 10.0)
    });
    json!({
        "cpu_model": model,
        "logical_cpus": std::thread::available_parallelism().map_or(1, usize::from),
        "mem_total_gb": mem_gb,
        "kernel": read_trim("/proc/sys/kernel/osrelease"),
        "hostname": read_trim("/proc/sys/kernel/hostname"),
        "loadavg": read_trim("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")),
    })
}

fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The Rust compiler and the source revision (when the tree is a git checkout).
pub(crate) fn toolchain() -> Value {
    json!({
        "rustc": command_line("rustc", &["-V"]),
        "git_commit": command_line("git", &["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "--short", "HEAD"]),
        "profile": "release",
    })
}

/// Seconds the whole machine has been busy (all cores, steal included).
fn busy_s() -> Option<f64> {
    let stat = fs::read_to_string("/proc/stat").ok()?;
    let v: Vec<f64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let g = |i: usize| v.get(i).copied().unwrap_or(0.0);
    // user nice system idle iowait irq softirq steal; USER_HZ is 100.
    Some((g(0) + g(1) + g(2) + g(5) + g(6) + g(7)) / 100.0)
}

/// Waits before each timed process until other processes use less than 0.3 cores, up
/// to a limit; while the machine stays busy, the later waits are short (2 s), so a
/// loaded machine slows the run down only a little. Contention is recorded anyway.
#[derive(Debug)]
pub(crate) struct QuietWaiter {
    limit_s: f64,
    current_s: f64,
}

impl QuietWaiter {
    /// A waiter that waits at most `limit_s` seconds (0: never).
    pub(crate) fn new(limit_s: f64) -> Self {
        Self {
            limit_s,
            current_s: limit_s,
        }
    }

    /// Waits; returns the busy cores seen last (None when not waiting).
    pub(crate) fn wait(&mut self) -> Option<f64> {
        if self.limit_s <= 0.0 {
            return None;
        }
        let t0 = Instant::now();
        loop {
            let a = busy_s()?;
            std::thread::sleep(Duration::from_millis(500));
            let busy = (busy_s()? - a) / 0.5;
            let waited = t0.elapsed().as_secs_f64();
            if busy < 0.3 {
                self.current_s = self.limit_s;
                return Some(busy);
            }
            if waited >= self.current_s {
                if self.current_s == self.limit_s {
                    println!("    (machine busy: {busy:.1} cores used by others; timing anyway)");
                }
                self.current_s = self.limit_s.min(2.0);
                return Some(busy);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_format() {
        let s = now_utc();
        assert_eq!(s.len(), 20);
        assert!(s.starts_with("20"));
        assert!(s.ends_with('Z'));
    }
}
