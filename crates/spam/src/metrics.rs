//! How well a classifier did: the confusion matrix and the measures derived
//! from it, with spam as the positive class, and the three-way outcome
//! (published, held, spam) that decides what a reader sees.

use crate::model::{Example, Model};
use crate::verdict::{Thresholds, Verdict};
use std::fmt;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Confusion {
    /// Spam caught.
    pub tp: u32,
    /// Legitimate comments taken for spam: the costly error.
    pub fp: u32,
    pub tn: u32,
    /// Spam let through.
    pub fn_: u32,
}

impl Confusion {
    pub fn add(&mut self, actual_spam: bool, predicted_spam: bool) {
        match (actual_spam, predicted_spam) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (false, false) => self.tn += 1,
            (true, false) => self.fn_ += 1,
        }
    }

    fn f(n: u32) -> f64 {
        f64::from(n)
    }

    pub fn total(&self) -> u32 {
        self.tp + self.fp + self.tn + self.fn_
    }

    pub fn accuracy(&self) -> f64 {
        ratio(Self::f(self.tp + self.tn), Self::f(self.total()))
    }

    pub fn precision(&self) -> f64 {
        ratio(Self::f(self.tp), Self::f(self.tp + self.fp))
    }

    pub fn recall(&self) -> f64 {
        ratio(Self::f(self.tp), Self::f(self.tp + self.fn_))
    }

    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        ratio(2.0 * p * r, p + r)
    }

    /// Share of legitimate comments taken for spam.
    pub fn false_positive_rate(&self) -> f64 {
        ratio(Self::f(self.fp), Self::f(self.fp + self.tn))
    }

    /// Matthews correlation coefficient, -1 to 1.
    pub fn mcc(&self) -> f64 {
        let (tp, fp, tn, fn_) = (
            Self::f(self.tp),
            Self::f(self.fp),
            Self::f(self.tn),
            Self::f(self.fn_),
        );
        let d = ((tp + fp) * (tp + fn_) * (tn + fp) * (tn + fn_)).sqrt();
        ratio(tp * tn - fp * fn_, d)
    }
}

/// Where comments of one class ended up under the three-way decision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    pub published: u32,
    pub held: u32,
    pub spam: u32,
}

impl Outcome {
    fn add(&mut self, verdict: Verdict) {
        match verdict {
            Verdict::Publish => self.published += 1,
            Verdict::Hold => self.held += 1,
            Verdict::Spam => self.spam += 1,
        }
    }

    pub fn total(&self) -> u32 {
        self.published + self.held + self.spam
    }
}

/// A model's results on a labelled set: the binary confusion matrix at 0.5
/// and the three-way outcome at the given thresholds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Evaluation {
    pub confusion: Confusion,
    pub ham: Outcome,
    pub spam: Outcome,
}

impl Evaluation {
    pub fn of(model: &Model, examples: &[Example], thresholds: Thresholds) -> Evaluation {
        let mut e = Evaluation::default();
        for example in examples {
            let score = model.score(&example.features());
            e.confusion.add(example.spam, score >= 0.5);
            let verdict = thresholds.verdict(score);
            if example.spam {
                e.spam.add(verdict);
            } else {
                e.ham.add(verdict);
            }
        }
        e
    }

    /// Share of legitimate comments sent to the spam folder.
    pub fn ham_to_spam(&self) -> f64 {
        ratio(f64::from(self.ham.spam), f64::from(self.ham.total()))
    }

    /// Share of spam published.
    pub fn spam_published(&self) -> f64 {
        ratio(f64::from(self.spam.published), f64::from(self.spam.total()))
    }

    /// Share of all comments held for a moderator.
    pub fn held(&self) -> f64 {
        ratio(
            f64::from(self.ham.held + self.spam.held),
            f64::from(self.ham.total() + self.spam.total()),
        )
    }
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.confusion;
        writeln!(
            f,
            "comments   {} ({} spam, {} legitimate)",
            c.total(),
            c.tp + c.fn_,
            c.tn + c.fp
        )?;
        writeln!(f, "accuracy   {:.3}", c.accuracy())?;
        writeln!(f, "precision  {:.3}", c.precision())?;
        writeln!(f, "recall     {:.3}", c.recall())?;
        writeln!(f, "F1         {:.3}", c.f1())?;
        writeln!(f, "MCC        {:.3}", c.mcc())?;
        writeln!(f, "FPR        {:.3}", c.false_positive_rate())?;
        writeln!(f)?;
        writeln!(f, "confusion matrix (score >= 0.5 is spam)")?;
        writeln!(f, "                 predicted spam  predicted legitimate")?;
        writeln!(f, "actual spam      {:>14}  {:>20}", c.tp, c.fn_)?;
        writeln!(f, "actual legitimate{:>14}  {:>20}", c.fp, c.tn)?;
        writeln!(f)?;
        writeln!(f, "three-way outcome  published   held   spam")?;
        for (name, o) in [("spam", self.spam), ("legitimate", self.ham)] {
            writeln!(
                f,
                "{name:<18} {:>9} {:>6} {:>6}",
                o.published, o.held, o.spam
            )?;
        }
        writeln!(f)?;
        writeln!(f, "legitimate to spam {:.1}%", 100.0 * self.ham_to_spam())?;
        writeln!(
            f,
            "spam published     {:.1}%",
            100.0 * self.spam_published()
        )?;
        write!(f, "held               {:.1}%", 100.0 * self.held())
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        a / b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_from_a_known_matrix() {
        // The naive Bayes floor from the data README: 162 TP, 173 TN, 23 FP, 12 FN.
        let c = Confusion {
            tp: 162,
            fp: 23,
            tn: 173,
            fn_: 12,
        };
        assert!((c.accuracy() - 0.9054).abs() < 1e-3);
        assert!((c.f1() - 0.9025).abs() < 1e-3);
        assert!((c.mcc() - 0.8117).abs() < 1e-3);
    }
}
