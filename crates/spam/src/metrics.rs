//! How well a classifier did: the confusion matrix and the measures derived
//! from it, with spam as the positive class.

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
