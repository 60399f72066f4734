//! What `/proc` says about a process and the machine: memory and CPU time of the server child,
//! the machine's own busy time, and the description printed at the top of every run.

use std::process::Command;

fn proc_file(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

pub fn vm_rss_kib(pid: u32) -> u64 {
    proc_file(&format!("/proc/{pid}/status"))
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .expect("VmRSS in /proc/<pid>/status")
}

/// utime + stime of a process, in clock ticks.
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = proc_file(&format!("/proc/{pid}/stat"));
    // Fields after the command name (which may hold spaces): state is the first, utime the 12th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Busy clock ticks of the whole machine, all cores.
pub fn machine_busy_ticks() -> u64 {
    let stat = proc_file("/proc/stat");
    let cpu: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal ...: all but idle and iowait.
    cpu.iter().take(8).sum::<u64>() - cpu[3] - cpu[4]
}

pub fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100.0)
}

pub fn load_average() -> String {
    proc_file("/proc/loadavg")
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn cpu_model() -> String {
    proc_file("/proc/cpuinfo")
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map_or_else(|| "unknown".into(), |(_, model)| model.trim().to_owned())
}

/// The soft limit on open files of this process (children inherit it).
fn open_files_limit() -> Option<u64> {
    proc_file("/proc/self/limits")
        .lines()
        .find_map(|line| line.strip_prefix("Max open files"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

/// Fails early, with the fix, when the client or a server would run out of file descriptors
/// part-way through opening `connections` (each side holds one per connection).
pub fn check_open_files(connections: usize) {
    let needed = connections as u64 + 256;
    if let Some(limit) = open_files_limit() {
        assert!(
            limit >= needed,
            "{connections} connections need about {needed} open files per process, the limit is \
             {limit}: raise it (ulimit -n {needed}) and run again"
        );
    }
}

/// nproc, CPU model, kernel, load average and open-files limit, for the top of the output.
pub fn machine_summary() -> String {
    format!(
        "sse bench: nproc {}, {}, kernel {}, load average {}, open files limit {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model(),
        proc_file("/proc/sys/kernel/osrelease").trim(),
        load_average(),
        open_files_limit().map_or_else(|| "unknown".into(), |n| n.to_string()),
    )
}
