//! Logistic regression over hashed features, trained by stochastic gradient
//! descent with per-weight (AdaGrad) step sizes. It learns online: one
//! moderator decision is one gradient step, applied at once.

use crate::features::{self, Context, Features, DIMENSIONS};

/// How training runs; the defaults are what the evaluation chose.
#[derive(Debug, Clone, Copy)]
pub struct Training {
    pub epochs: usize,
    pub learning_rate: f32,
    /// L2 penalty per step, keeping rare features from dominating.
    pub l2: f32,
    pub seed: u64,
}

impl Default for Training {
    fn default() -> Self {
        Training {
            epochs: 12,
            learning_rate: 0.5,
            l2: 1e-5,
            seed: 42,
        }
    }
}

/// A labelled comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub text: String,
    pub spam: bool,
    /// What its post is about ([`Context::of`]); empty when not known.
    pub context: String,
}

impl Example {
    pub fn features(&self) -> Features {
        Features::in_context(&self.text, &Context::of(&self.context))
    }
}

#[derive(Clone)]
pub struct Model {
    weights: Vec<f32>,
    /// Sum of squared gradients per weight (AdaGrad).
    squares: Vec<f32>,
    bias: f32,
    bias_square: f32,
    training: Training,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let used = self.weights.iter().filter(|w| **w != 0.0).count();
        write!(f, "Model {{ weights in use: {used}, bias: {} }}", self.bias)
    }
}

impl Model {
    pub fn new(training: Training) -> Model {
        Model {
            weights: vec![0.0; DIMENSIONS],
            squares: vec![0.0; DIMENSIONS],
            bias: 0.0,
            bias_square: 0.0,
            training,
        }
    }

    /// The model bestpick ships with: trained on videos 1-4 of the YouTube
    /// Spam Collection by `bestpick spam train` (see the README), committed
    /// as `model/default.bpspam` and built into the binary.
    pub fn shipped() -> Model {
        Model::from_bytes(SHIPPED, Training::default()).expect("the shipped model file is valid")
    }

    /// Trains a new model on `examples`, visiting them in a seeded shuffled
    /// order each epoch so results are repeatable.
    pub fn train(examples: &[Example], training: Training) -> Model {
        let mut model = Model::new(training);
        let features: Vec<(Features, bool)> =
            examples.iter().map(|e| (e.features(), e.spam)).collect();
        let mut order: Vec<usize> = (0..features.len()).collect();
        let mut rng = training.seed.max(1);
        for _ in 0..training.epochs {
            for i in (1..order.len()).rev() {
                // xorshift64: enough randomness for a shuffle, no dependency.
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                order.swap(i, (rng % (i as u64 + 1)) as usize);
            }
            for &i in &order {
                let (f, spam) = &features[i];
                model.step(f, *spam);
            }
        }
        model
    }

    /// The probability that a comment is spam, 0 to 1.
    pub fn score(&self, features: &Features) -> f32 {
        sigmoid(self.margin(features))
    }

    pub fn score_text(&self, text: &str) -> f32 {
        self.score(&Features::of(text))
    }

    fn margin(&self, features: &Features) -> f32 {
        self.bias
            + features
                .0
                .iter()
                .map(|(s, v)| self.weights[*s as usize] * v)
                .sum::<f32>()
    }

    /// One online update towards the given label.
    pub fn learn(&mut self, features: &Features, spam: bool) {
        self.step(features, spam);
    }

    fn step(&mut self, features: &Features, spam: bool) {
        let target = if spam { 1.0 } else { 0.0 };
        let error = self.score(features) - target;
        let lr = self.training.learning_rate;
        for (s, v) in &features.0 {
            let i = *s as usize;
            let g = error * v + self.training.l2 * self.weights[i];
            self.squares[i] += g * g;
            self.weights[i] -= lr * g / (self.squares[i].sqrt() + 1e-6);
        }
        self.bias_square += error * error;
        self.bias -= lr * error / (self.bias_square.sqrt() + 1e-6);
    }

    /// The features that pushed this comment's score most, strongest first,
    /// with their contribution to the log-odds (positive: towards spam).
    /// `features` are the text's on a post about `context`, as
    /// [`Features::in_context`] made them for scoring.
    pub fn explain(
        &self,
        text: &str,
        context: &Context,
        features: &Features,
        top: usize,
    ) -> Vec<(String, f32)> {
        // The strongest slots first; then names for those alone, as a text
        // has hundreds of features and naming them all is the slow part.
        let mut strongest: Vec<(u32, f32)> = features
            .0
            .iter()
            .map(|(s, v)| (*s, self.weights[*s as usize] * v))
            .filter(|(_, c)| *c != 0.0)
            .collect();
        strongest.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        strongest.truncate(top);
        let slots: Vec<u32> = strongest.iter().map(|(s, _)| *s).collect();
        let names = features::names_of(text, context, &slots);
        strongest
            .into_iter()
            .filter_map(|(s, c)| {
                let (_, name) = names.iter().find(|(n, _)| *n == s)?;
                Some((name.clone(), c))
            })
            .collect()
    }

    /// The model as bytes: a header, the bias and its AdaGrad sum, then
    /// (slot, weight, sum of squared gradients) for every slot in use. The
    /// sums are kept so a loaded model goes on learning with the step sizes
    /// it had: a moderator's one decision nudges well-known features and
    /// moves new ones (a new spam domain) fully.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(DIMENSIONS as u32).to_le_bytes());
        out.extend_from_slice(&self.bias.to_le_bytes());
        out.extend_from_slice(&self.bias_square.to_le_bytes());
        for (i, (w, sq)) in self.weights.iter().zip(&self.squares).enumerate() {
            if *w != 0.0 || *sq != 0.0 {
                out.extend_from_slice(&(i as u32).to_le_bytes());
                out.extend_from_slice(&w.to_le_bytes());
                out.extend_from_slice(&sq.to_le_bytes());
            }
        }
        out
    }

    pub fn from_bytes(bytes: &[u8], training: Training) -> Result<Model, String> {
        let body = bytes
            .strip_prefix(MAGIC)
            .ok_or("not a bestpick spam model (wrong header)")?;
        let word =
            |b: &[u8]| <[u8; 4]>::try_from(b).map_err(|_| "the model file is cut short".to_owned());
        if body.len() < 12 || (body.len() - 12) % 12 != 0 {
            return Err("the model file is cut short".into());
        }
        let dims = u32::from_le_bytes(word(&body[0..4])?) as usize;
        if dims != DIMENSIONS {
            return Err(format!(
                "the model has {dims} slots; this build uses {DIMENSIONS}"
            ));
        }
        let mut model = Model::new(training);
        model.bias = f32::from_le_bytes(word(&body[4..8])?);
        model.bias_square = f32::from_le_bytes(word(&body[8..12])?);
        for entry in body[12..].chunks_exact(12) {
            let slot = u32::from_le_bytes(word(&entry[0..4])?) as usize;
            if slot >= DIMENSIONS {
                return Err(format!("slot {slot} is out of range"));
            }
            model.weights[slot] = f32::from_le_bytes(word(&entry[4..8])?);
            model.squares[slot] = f32::from_le_bytes(word(&entry[8..12])?);
        }
        Ok(model)
    }
}

const MAGIC: &[u8] = b"BPSPAM02";
const SHIPPED: &[u8] = include_bytes!("../model/default.bpspam");

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(text: &str, spam: bool) -> Example {
        Example {
            text: text.into(),
            spam,
            context: String::new(),
        }
    }

    fn toy() -> Vec<Example> {
        vec![
            ex("check out my channel http://spam.example", true),
            ex("subscribe to my channel please", true),
            ex("free gift cards visit www.win.example", true),
            ex("this song takes me back to summer", false),
            ex("her voice is beautiful in this one", false),
            ex("I listened to this on repeat all week", false),
        ]
    }

    #[test]
    fn learns_a_toy_split_and_explains_itself() {
        let model = Model::train(&toy(), Training::default());
        assert!(model.score_text("please subscribe to my channel www.x.example") > 0.7);
        assert!(model.score_text("this song is beautiful") < 0.3);
        let why = model.explain(
            "subscribe to my channel",
            &Context::default(),
            &Features::of("subscribe to my channel"),
            5,
        );
        assert!(
            why.iter()
                .any(|(name, c)| name.starts_with("w:") && *c > 0.0),
            "{why:?}"
        );
    }

    #[test]
    fn one_decision_moves_the_score_at_once() {
        let mut model = Model::train(&toy(), Training::default());
        let f = Features::of("buy cheap followers today");
        let before = model.score(&f);
        model.learn(&f, true);
        assert!(model.score(&f) > before);
    }

    #[test]
    fn the_shipped_model_loads() {
        let model = Model::shipped();
        assert!(model.weights.iter().any(|w| *w != 0.0), "{model:?}");
    }

    #[test]
    fn saves_and_loads_the_same_scores() {
        let model = Model::train(&toy(), Training::default());
        let mut loaded = Model::from_bytes(&model.to_bytes(), Training::default()).unwrap();
        let t = "check out this song";
        assert_eq!(model.score_text(t), loaded.score_text(t));
        // It goes on learning exactly as the original would.
        let mut original = model.clone();
        let f = Features::of("free followers www.spam.example");
        original.learn(&f, true);
        loaded.learn(&f, true);
        assert_eq!(original.score(&f), loaded.score(&f));
        assert!(Model::from_bytes(b"nonsense", Training::default()).is_err());
    }
}
