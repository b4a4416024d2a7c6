//! Timing: contenders of one row run round-robin, sample after sample, so a burst of noise
//! on the machine hits them all alike; each keeps the per-operation time of every sample.

use crate::engines::Op;
use std::fmt;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Who runs an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runner {
    /// Tarn, from `crates/api`.
    Tarn,
    /// Tarn compiling lazily (`CompilationStrategy::Lazy`); `Tarn` is then eager.
    TarnLazy,
    /// Wasmtime from crates.io.
    Wasmtime,
    /// Native Rust compiled with the bench profile.
    Native,
}

impl fmt::Display for Runner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Runner::Tarn => "tarn",
            Runner::TarnLazy => "tarn lazy",
            Runner::Wasmtime => "wasmtime",
            Runner::Native => "native",
        })
    }
}

/// One runner's operation in a row, with the checksum it must agree on.
pub struct Contender {
    /// Who runs it.
    pub runner: Runner,
    /// The value every contender of the row must report.
    pub check: i64,
    /// The timed operation.
    pub op: Op,
}

impl Contender {
    /// A contender whose check is its operation's result (computed once here).
    pub fn from_op(runner: Runner, mut op: Op) -> Self {
        let check = op();
        Self { runner, check, op }
    }

    /// A contender whose check was computed at setup (for operations that return none).
    pub fn with_check(runner: Runner, check: i64, op: Op) -> Self {
        Self { runner, check, op }
    }
}

/// How long and how often to sample.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Timed samples per contender (after one warm-up sample).
    pub samples: usize,
    /// Wall time one sample of the first contender should take.
    pub sample_time: Duration,
}

/// One runner's per-operation times, one per sample.
pub struct Timings {
    /// Who ran.
    pub runner: Runner,
    /// Per-operation time of each sample in seconds, sorted.
    pub per_op: Vec<f64>,
}

impl Timings {
    /// The same timings for one of `batch` items each operation handles.
    pub fn per_item(&self, batch: u32) -> Timings {
        Timings {
            runner: self.runner,
            per_op: self
                .per_op
                .iter()
                .map(|&time| time / f64::from(batch))
                .collect(),
        }
    }

    /// The median per-operation time, in seconds.
    pub fn median(&self) -> f64 {
        let n = self.per_op.len();
        if n % 2 == 1 {
            self.per_op[n / 2]
        } else {
            (self.per_op[n / 2 - 1] + self.per_op[n / 2]) / 2.0
        }
    }

    /// Interquartile range relative to the median: how noisy the samples were.
    pub fn spread(&self) -> f64 {
        let n = self.per_op.len();
        let q1 = self.per_op[n / 4];
        let q3 = self.per_op[(3 * n) / 4];
        (q3 - q1) / self.median()
    }
}

/// Checks that every contender agrees with the first, then times them all.
///
/// # Panics
///
/// If two contenders report different checks: an engine computed a wrong result.
pub fn measure(row: &str, contenders: &mut [Contender], settings: Settings) -> Vec<Timings> {
    assert_agree(row, contenders);
    let reps = calibrate(&mut contenders[0].op, settings.sample_time);
    for contender in contenders.iter_mut() {
        time_sample(&mut contender.op, reps);
    }
    let mut per_op = vec![Vec::with_capacity(settings.samples); contenders.len()];
    for sample in 0..settings.samples {
        for offset in 0..contenders.len() {
            let index = (sample + offset) % contenders.len();
            per_op[index].push(time_sample(&mut contenders[index].op, reps));
        }
    }
    contenders
        .iter()
        .zip(per_op)
        .map(|(contender, mut per_op)| {
            per_op.sort_by(f64::total_cmp);
            Timings {
                runner: contender.runner,
                per_op,
            }
        })
        .collect()
}

/// Panics unless every contender's check equals the first one's.
fn assert_agree(row: &str, contenders: &[Contender]) {
    let first = &contenders[0];
    for other in &contenders[1..] {
        assert_eq!(
            other.check, first.check,
            "{row}: {} computed {}, {} computed {}",
            other.runner, other.check, first.runner, first.check
        );
    }
}

/// How many operations make one sample last about `sample_time`.
fn calibrate(op: &mut Op, sample_time: Duration) -> u32 {
    let start = Instant::now();
    let mut ops: u32 = 0;
    while start.elapsed() < sample_time / 10 || ops == 0 {
        black_box(op());
        ops += 1;
    }
    let per_op = start.elapsed() / ops;
    let reps = sample_time.as_nanos() / per_op.as_nanos().max(1);
    u32::try_from(reps).unwrap_or(u32::MAX).max(1)
}

/// Runs `reps` operations and returns the time of one, in seconds.
fn time_sample(op: &mut Op, reps: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..reps {
        black_box(op());
    }
    start.elapsed().as_secs_f64() / f64::from(reps)
}
