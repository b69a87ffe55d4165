//! The site's spam classifier: the shipped model, plus every moderator
//! decision stored in the database, replayed in order on start and applied
//! at once when a moderator decides. A comment is judged with what its post
//! is about ([`Store::post_context`]): naming it is a sign of a reader.

use bestpick_spam::{Context, Features, Model};
use bestpick_store::{SpamDecision, Store};
use std::collections::HashSet;
use std::sync::{Mutex, RwLock};

pub struct SpamFilter {
    model: RwLock<Model>,
    /// The stored decisions the model has learnt, by id: one heard of
    /// twice (decided here, then heard again after a reload) is learnt once.
    /// Held while the model changes, so that the two change together.
    learnt: Mutex<HashSet<i64>>,
    /// One rebuild at a time: a slower one finishing last would bring back
    /// a decision another withdrew.
    rebuilding: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for SpamFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SpamFilter {{ decisions learnt: {} }}",
            self.decisions_learnt()
        )
    }
}

impl SpamFilter {
    /// The shipped model taught every stored decision, oldest first.
    pub async fn load(store: &Store) -> anyhow::Result<SpamFilter> {
        let (model, learnt) = Self::replay(store).await?;
        Ok(SpamFilter {
            model: RwLock::new(model),
            learnt: Mutex::new(learnt),
            rebuilding: tokio::sync::Mutex::new(()),
        })
    }

    /// Builds the model again from every stored decision (after notices
    /// from other instances may have been missed, or decisions withdrawn).
    pub async fn reload(&self, store: &Store) -> anyhow::Result<()> {
        let _one = self.rebuilding.lock().await;
        let (model, learnt) = Self::replay(store).await?;
        {
            let mut held = self.lock_learnt();
            *self.model.write().unwrap_or_else(|e| e.into_inner()) = model;
            *held = learnt;
        }
        // A decision learnt while the replay ran went into the old model:
        // learnt again here (stored decisions not yet learnt, in order).
        for d in store.spam_decisions().await? {
            self.learn(&d);
        }
        Ok(())
    }

    async fn replay(store: &Store) -> anyhow::Result<(Model, HashSet<i64>)> {
        let mut model = Model::shipped();
        let mut learnt = HashSet::new();
        for d in store.spam_decisions().await? {
            model.learn(&features(&d.text, &d.context), d.spam);
            learnt.insert(d.id);
        }
        Ok((model, learnt))
    }

    fn lock_learnt(&self) -> std::sync::MutexGuard<'_, HashSet<i64>> {
        self.learnt.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The probability that `text`, a comment on a post about `context`,
    /// is spam.
    pub fn score(&self, text: &str, context: &str) -> f32 {
        let features = features(text, context);
        self.model
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .score(&features)
    }

    /// The probability that `text` is spam, and the features that pushed
    /// it most, in plain words with their push towards spam (+) or not (−):
    /// "links to a .com site: +2.30". What the pipeline stores as reasons.
    pub fn assess(&self, text: &str, context: &str, top: usize) -> (f32, Vec<String>) {
        let context = Context::of(context);
        let features = Features::in_context(text, &context);
        let model = self.model.read().unwrap_or_else(|e| e.into_inner());
        let reasons = model
            .explain(text, &context, &features, top)
            .into_iter()
            .map(|(name, weight)| {
                let sign = if weight < 0.0 { '−' } else { '+' };
                format!(
                    "{}: {sign}{:.2}",
                    bestpick_spam::features::describe(&name),
                    weight.abs()
                )
            })
            .collect();
        (model.score(&features), reasons)
    }

    /// Applies a stored decision to the model, unless it was.
    pub fn learn(&self, d: &SpamDecision) {
        let mut learnt = self.lock_learnt();
        if !learnt.insert(d.id) {
            return;
        }
        let features = features(&d.text, &d.context);
        self.model
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .learn(&features, d.spam);
        drop(learnt);
    }

    pub fn decisions_learnt(&self) -> usize {
        self.lock_learnt().len()
    }
}

fn features(text: &str, context: &str) -> Features {
    Features::in_context(text, &Context::of(context))
}
