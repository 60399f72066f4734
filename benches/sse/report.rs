//! Medians, percentiles, ratios and the targets as met or missed: the shared vocabulary
//! of every scenario's output.

pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

pub fn percentile<T: Ord + Copy>(values: &mut [T], q: f64) -> T {
    let index = ((values.len() - 1) as f64 * q).round() as usize;
    *values.select_nth_unstable(index).1
}

/// `a / b` as `1.23x`, or `-` when there is nothing to divide by.
pub fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 && a.is_finite() {
        format!("{:.2}x", a / b)
    } else {
        "-".into()
    }
}

pub fn with_commas(n: usize) -> String {
    match n {
        0..1_000 => n.to_string(),
        _ => format!("{},{:03}", with_commas(n / 1_000), n % 1_000),
    }
}

/// One target of the issue against what this run measured.
pub struct Verdict {
    pub scenario: String,
    /// What is compared and the bound, e.g. `tidings / axum stream::iter >= 2.00x`.
    pub target: String,
    pub measured: String,
    pub met: bool,
}

impl Verdict {
    /// A target that a larger value meets: `measured >= bound`.
    pub fn at_least(scenario: &str, what: &str, measured: f64, bound: f64, unit: &str) -> Self {
        Verdict {
            scenario: scenario.into(),
            target: format!("{what} >= {bound}{unit}"),
            measured: format!("{measured:.2}{unit}"),
            met: measured >= bound,
        }
    }

    /// A target that a smaller value meets: `measured <= bound`.
    pub fn at_most(scenario: &str, what: &str, measured: f64, bound: f64, unit: &str) -> Self {
        Verdict {
            scenario: scenario.into(),
            target: format!("{what} <= {bound}{unit}"),
            measured: format!("{measured:.2}{unit}"),
            met: measured <= bound,
        }
    }

    pub fn line(&self) -> String {
        format!(
            "{:<30} {:<40} {:>12}  {}",
            self.scenario,
            self.target,
            self.measured,
            if self.met { "met" } else { "MISSED" }
        )
    }
}

/// A scenario's targets, right after its figures.
pub fn print_targets(verdicts: &[Verdict]) {
    println!("\nTargets (issues #9 and #18):");
    for verdict in verdicts {
        println!("  {}", verdict.line());
    }
    println!();
}

/// Every target of the run, at its end.
pub fn print_verdicts(verdicts: &[Verdict]) {
    if verdicts.is_empty() {
        return;
    }
    let met = verdicts.iter().filter(|v| v.met).count();
    println!(
        "==== All targets: {met} of {} met (ratios of this run; a quick run's mean nothing)",
        verdicts.len()
    );
    for verdict in verdicts {
        println!("  {}", verdict.line());
    }
}
