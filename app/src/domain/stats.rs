//! Statistics the leadership reads: percentiles and SLA shares.
//!
//! Percentiles use linear interpolation between closest ranks (Hyndman & Fan type 7, the
//! definition of Excel's `PERCENTILE.INC` and NumPy's default), so the median of an even count
//! is the mean of the two middle values.

/// The `p`-th percentile (0–100) of `values`, sorting them in place. `None` when empty.
pub fn percentile(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable_by(|a, b| a.total_cmp(b));
    Some(percentile_sorted(values, p))
}

/// The `p`-th percentile of already sorted, non-empty `sorted`.
pub fn percentile_sorted(sorted: &[f64], p: f64) -> f64 {
    debug_assert!(!sorted.is_empty());
    let n = sorted.len();
    if n == 1 {
        return sorted[0];
    }
    let h = (n - 1) as f64 * (p.clamp(0.0, 100.0) / 100.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Median and 90th percentile of `values` (sorted in place).
pub fn median_p90(values: &mut [f64]) -> (Option<f64>, Option<f64>) {
    if values.is_empty() {
        return (None, None);
    }
    values.sort_unstable_by(|a, b| a.total_cmp(b));
    (
        Some(percentile_sorted(values, 50.0)),
        Some(percentile_sorted(values, 90.0)),
    )
}

/// Counts SLA outcomes. A ticket is *decided* once it met its target, or once the target has
/// passed without it being met; tickets still inside their target are not counted either way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlaTally {
    pub met: u64,
    pub missed: u64,
}

impl SlaTally {
    /// Records one ticket: `done_at` is when the step happened (if it has), `due_at` its target.
    pub fn record(&mut self, done_at: Option<i64>, due_at: Option<i64>, now: i64) {
        let Some(due) = due_at else { return };
        match done_at {
            Some(done) if done <= due => self.met += 1,
            Some(_) => self.missed += 1,
            None if now > due => self.missed += 1,
            None => {}
        }
    }

    /// Share met among decided tickets, `None` when nothing is decided yet.
    pub fn share(&self) -> Option<f64> {
        let n = self.met + self.missed;
        (n > 0).then(|| self.met as f64 / n as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_matches_numpy_linear() {
        // numpy.percentile([1,2,3,4], [50, 90]) == [2.5, 3.7]
        let mut v = vec![4.0, 1.0, 3.0, 2.0];
        assert_eq!(percentile(&mut v, 50.0), Some(2.5));
        assert!((percentile(&mut v, 90.0).unwrap() - 3.7).abs() < 1e-12);
        // numpy.percentile(range(1, 11), 90) == 9.1
        let mut w: Vec<f64> = (1..=10).map(f64::from).collect();
        assert!((percentile(&mut w, 90.0).unwrap() - 9.1).abs() < 1e-12);
        assert_eq!(percentile(&mut w, 0.0), Some(1.0));
        assert_eq!(percentile(&mut w, 100.0), Some(10.0));
    }

    #[test]
    fn percentile_edges() {
        assert_eq!(percentile(&mut [], 50.0), None);
        assert_eq!(percentile(&mut [7.0], 90.0), Some(7.0));
        let mut odd = vec![5.0, 1.0, 9.0];
        assert_eq!(median_p90(&mut odd), (Some(5.0), Some(8.2)));
    }

    #[test]
    fn sla_tally_counts_only_decided() {
        let mut t = SlaTally::default();
        t.record(Some(100), Some(100), 1_000); // met exactly on time
        t.record(Some(101), Some(100), 1_000); // late
        t.record(None, Some(100), 1_000); // open and past due: missed
        t.record(None, Some(5_000), 1_000); // open, still in time: undecided
        t.record(Some(50), None, 1_000); // no target: not counted
        assert_eq!(t, SlaTally { met: 1, missed: 2 });
        assert_eq!(t.share(), Some(1.0 / 3.0));
        assert_eq!(SlaTally::default().share(), None);
    }
}
