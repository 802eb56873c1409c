//! The timing rule shared with the Python side (`scripts/bench/peers.py`), and the
//! process figures read from `/proc`: CPU time, peak resident memory, other load.
//!
//! Rule (from `bench/workloads.json` `conventions.timing`): the first call calibrates.
//! If it took at least 0.2 s it is repetition 1 and `reps - 1` more follow (none if it
//! took more than 20 s). Otherwise `reps` loops of `number = ceil(0.2 s / first)` calls
//! are timed and the per-call time is reported; the calibration call is discarded.

use std::fs;
use std::time::Instant;

use serde_json::{Value, json};

/// A call shorter than this is timed in a loop.
pub const MIN_TIME_S: f64 = 0.2;
/// A call longer than this is timed once.
pub const SLOW_S: f64 = 20.0;
/// The longest loop the autorange rule builds.
pub const MAX_NUMBER: usize = 10_000;

/// Linux reports process CPU time in clock ticks of `USER_HZ`, which the kernel fixes at
/// 100 on every mainstream architecture (it is not the kernel's `HZ`).
const USER_HZ: f64 = 100.0;

/// User + system CPU seconds of this process, all threads (from `/proc/self/stat`).
pub fn process_cpu_s() -> Option<f64> {
    let stat = fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may contain spaces; fields after it are space-separated.
    let after = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the full line, 12 and 13 after the name.
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / USER_HZ)
}

/// A field of `/proc/self/status` in kB (`VmHWM`, `VmRSS`...).
pub fn status_kb(field: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// Resets the peak-RSS watermark (`VmHWM`) to the current RSS; false where not allowed.
pub fn reset_peak_rss() -> bool {
    fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Busy and steal seconds of the whole machine since boot (first line of `/proc/stat`).
pub fn machine_busy_s() -> Option<(f64, f64)> {
    let stat = fs::read_to_string("/proc/stat").ok()?;
    let v: Vec<f64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let g = |i: usize| v.get(i).copied().unwrap_or(0.0);
    // user nice system idle iowait irq softirq steal
    Some(((g(0) + g(1) + g(2) + g(5) + g(6)) / USER_HZ, g(7) / USER_HZ))
}

/// What the timing rule measured for one step.
#[derive(Debug, Clone)]
pub struct StepTiming {
    /// Wall seconds per call, one per repetition.
    pub wall_all: Vec<f64>,
    /// CPU seconds per call (all threads), one per repetition.
    pub cpu_all: Vec<f64>,
    /// Calls per repetition (1 unless the call was shorter than [`MIN_TIME_S`]).
    pub number: usize,
    /// Peak RSS during the step in MB, if `/proc` allowed resetting the watermark.
    pub peak_rss_mb: Option<f64>,
    /// RSS before the step in MB.
    pub base_rss_mb: Option<f64>,
    /// Mean number of cores that other processes (and the hypervisor) used meanwhile.
    pub foreign_cores: Option<f64>,
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        0.5 * (s[n / 2 - 1] + s[n / 2])
    }
}

impl StepTiming {
    /// Median wall seconds per call.
    pub fn wall_median(&self) -> f64 {
        median(&self.wall_all)
    }

    /// The record for the JSON schema shared with the Python side.
    pub fn to_json(&self, name: &str) -> Value {
        let min = self.wall_all.iter().copied().fold(f64::INFINITY, f64::min);
        let max = self.wall_all.iter().copied().fold(0.0, f64::max);
        json!({
            "name": name,
            "wall_all": self.wall_all,
            "wall_median": self.wall_median(),
            "wall_min": min,
            "wall_max": max,
            "cpu_all": self.cpu_all,
            "cpu_median": median(&self.cpu_all),
            "reps": self.wall_all.len(),
            "number": self.number,
            "peak_rss_mb": self.peak_rss_mb,
            "base_rss_mb": self.base_rss_mb,
            "foreign_cores": self.foreign_cores,
        })
    }
}

/// Times `step` by the autorange rule; the first error stops the timing.
///
/// # Errors
/// Whatever `step` returns.
pub fn time_step<E>(reps: usize, mut step: impl FnMut() -> Result<(), E>) -> Result<StepTiming, E> {
    let reps = reps.max(1);
    let hwm_ok = reset_peak_rss();
    let base = status_kb("VmRSS");
    let machine0 = machine_busy_s();
    let (t_all, c_all) = (Instant::now(), process_cpu_s());

    let mut timed_calls = |n: usize| -> Result<(f64, f64), E> {
        let c0 = process_cpu_s();
        let t0 = Instant::now();
        for _ in 0..n {
            step()?;
        }
        let wall = t0.elapsed().as_secs_f64();
        let cpu = match (c0, process_cpu_s()) {
            (Some(a), Some(b)) => b - a,
            _ => f64::NAN,
        };
        Ok((wall / n as f64, cpu / n as f64))
    };

    let (first, first_cpu) = timed_calls(1)?;
    let mut wall_all = Vec::with_capacity(reps);
    let mut cpu_all = Vec::with_capacity(reps);
    let number;
    if first >= MIN_TIME_S {
        number = 1;
        wall_all.push(first);
        cpu_all.push(first_cpu);
        if first <= SLOW_S {
            for _ in 1..reps {
                let (w, c) = timed_calls(1)?;
                wall_all.push(w);
                cpu_all.push(c);
            }
        }
    } else {
        number = ((MIN_TIME_S / first.max(1e-7)).ceil() as usize).clamp(1, MAX_NUMBER);
        for _ in 0..reps {
            let (w, c) = timed_calls(number)?;
            wall_all.push(w);
            cpu_all.push(c);
        }
    }

    let peak = status_kb("VmHWM");
    let wall = t_all.elapsed().as_secs_f64();
    let own_cpu = match (c_all, process_cpu_s()) {
        (Some(a), Some(b)) => b - a,
        _ => 0.0,
    };
    let foreign_cores = match (machine0, machine_busy_s()) {
        (Some(a), Some(b)) if wall > 0.0 => {
            Some(((b.0 - a.0 - own_cpu).max(0.0) + (b.1 - a.1).max(0.0)) / wall)
        }
        _ => None,
    };
    Ok(StepTiming {
        wall_all,
        cpu_all,
        number,
        peak_rss_mb: peak.filter(|_| hwm_ok).map(|kb| kb as f64 / 1024.0),
        base_rss_mb: base.map(|kb| kb as f64 / 1024.0),
        foreign_cores,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_steps_are_looped() {
        let mut calls = 0usize;
        let t = time_step::<()>(3, || {
            calls += 1;
            std::thread::sleep(std::time::Duration::from_millis(20));
            Ok(())
        })
        .unwrap();
        assert_eq!(t.wall_all.len(), 3);
        assert!(t.number >= 2, "number = {}", t.number);
        assert_eq!(calls, 1 + 3 * t.number);
        assert!(t.wall_median() >= 0.019);
    }

    #[test]
    fn errors_stop_timing() {
        assert_eq!(time_step(3, || Err::<(), _>("boom")).unwrap_err(), "boom");
    }

    #[test]
    fn proc_figures_are_readable() {
        assert!(process_cpu_s().is_some());
        assert!(status_kb("VmRSS").unwrap() > 0);
        assert!(machine_busy_s().is_some());
    }
}
