//! Guess!: a round of ten lines, each to be matched with its work from
//! four choices (or by typing its name). The player's state (the round's
//! lines, score and streak) is theirs, kept in an encrypted cookie by the
//! web side, so the lines of a round are never in a page before they are
//! asked; the store keeps only how far each round went and its score, so
//! a round plays forward only and its result link shows what was played.

use crate::{secrets, Site};
use bestpick_core::guess::names_match;
use bestpick_store::{Quote, StoreError, WorkBrief};
use rand::seq::SliceRandom;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Lines in a round.
pub const ROUND: usize = 10;
/// Works offered for each line.
pub const CHOICES: usize = 4;

/// A player, as their cookie keeps them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Player {
    /// Random: what the game's form token is made for.
    pub id: String,
    pub round: Option<Round>,
    /// Right answers in a row, across rounds.
    pub streak: u32,
    pub best_streak: u32,
    pub rounds_played: u32,
    pub right_total: u32,
    pub asked_total: u32,
}

/// A round under way.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Round {
    /// Random, for the result's link.
    pub id: String,
    /// The round's lines, never one twice.
    pub lines: Vec<i64>,
    /// The line being asked (== lines.len() when the round is over).
    pub at: usize,
    /// The works offered for it, shuffled.
    pub choices: Vec<i64>,
    /// Whether each answer so far was right.
    pub answers: Vec<bool>,
    /// The streak's best within this round.
    pub best_streak: u32,
    /// The answer just given, told above the next line.
    pub last: Option<Answered>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Answered {
    pub line: i64,
    pub right: bool,
    /// What the player chose or typed.
    pub guess: String,
}

impl Round {
    pub fn score(&self) -> usize {
        self.answers.iter().filter(|a| **a).count()
    }

    pub fn is_over(&self) -> bool {
        self.at >= self.lines.len()
    }
}

/// What the page shows of the line being asked: its words and the choices,
/// nothing that says which is right.
#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub number: usize,
    pub of: usize,
    pub text: String,
    pub choices: Vec<WorkBrief>,
}

/// The answer just given, with the line it was about.
#[derive(Debug, Clone, Serialize)]
pub struct Told {
    pub right: bool,
    pub guess: String,
    pub quote: Quote,
}

/// A player's answer.
#[derive(Debug, Clone, Default)]
pub struct Guess {
    /// A work's id, from the choices.
    pub choice: Option<i64>,
    /// A name typed instead.
    pub typed: String,
}

/// Starts a round of up to [`ROUND`] distinct lines drawn at random, or
/// `None` when the site has too few lines (two) or works (two) to play.
pub async fn start(site: &Site) -> Result<Option<Round>, StoreError> {
    let store = &site.store;
    let Some((low, high)) = store.line_id_range().await? else {
        return Ok(None);
    };
    let mut lines: Vec<i64> = Vec::new();
    // Random points in the ids, each the next visible line's: more tries
    // than lines, for sites where lines are few or bunched.
    for _ in 0..ROUND * 4 {
        if lines.len() == ROUND {
            break;
        }
        let point = rand::thread_rng().gen_range(low..=high);
        if let Some(q) = store.quote_from(point).await? {
            if !lines.contains(&q.id) {
                lines.push(q.id);
            }
        }
    }
    // Then in order from a random point: every line, on a site of few.
    let mut next = rand::thread_rng().gen_range(low..=high);
    for _ in 0..ROUND * 4 {
        if lines.len() == ROUND {
            break;
        }
        let Some(q) = store.quote_from(next).await? else {
            break;
        };
        if !lines.contains(&q.id) {
            lines.push(q.id);
        }
        next = if q.id >= high { low } else { q.id + 1 };
    }
    if lines.len() < 2 {
        return Ok(None);
    }
    let mut round = Round {
        id: secrets::random_token()[..16].to_owned(),
        lines,
        at: 0,
        choices: Vec::new(),
        answers: Vec::new(),
        best_streak: 0,
        last: None,
    };
    if !offer(site, &mut round).await? {
        return Ok(None);
    }
    site.store
        .start_guess_round(&round.id, round.lines.len() as i64)
        .await?;
    Ok(Some(round))
}

/// Draws the works offered for the line being asked: its own and up to
/// three others (other names), shuffled. False when the line is gone
/// (unpublished meanwhile) and no later one is left, or no other work is.
async fn offer(site: &Site, round: &mut Round) -> Result<bool, StoreError> {
    let store = &site.store;
    while !round.is_over() {
        let Some(quote) = store.quote(round.lines[round.at]).await? else {
            // Unpublished since the round began: skipped, not asked, and
            // the round one line shorter.
            round.lines.remove(round.at);
            store
                .shorten_guess_round(&round.id, round.lines.len() as i64)
                .await?;
            continue;
        };
        let Some((low, high)) = store.work_id_range().await? else {
            return Ok(false);
        };
        let mut works = vec![quote.work.clone()];
        for _ in 0..CHOICES * 4 {
            if works.len() == CHOICES {
                break;
            }
            let point = rand::thread_rng().gen_range(low..=high);
            if let Some(w) = store.work_from(point).await? {
                if !works.iter().any(|o| o.id == w.id || o.name == w.name) {
                    works.push(w);
                }
            }
        }
        let mut next = rand::thread_rng().gen_range(low..=high);
        for _ in 0..CHOICES * 4 {
            if works.len() == CHOICES {
                break;
            }
            let Some(w) = store.work_from(next).await? else {
                break;
            };
            if !works.iter().any(|o| o.id == w.id || o.name == w.name) {
                works.push(w.clone());
            }
            next = if w.id >= high { low } else { w.id + 1 };
        }
        if works.len() < 2 {
            return Ok(false);
        }
        works.shuffle(&mut rand::thread_rng());
        round.choices = works.iter().map(|w| w.id).collect();
        return Ok(true);
    }
    Ok(true)
}

/// The line being asked, as the page shows it. A line unpublished since
/// the round began is skipped (the round is one line shorter).
pub async fn question(site: &Site, round: &mut Round) -> Result<Option<Question>, StoreError> {
    while !round.is_over() {
        let Some(quote) = site.store.quote(round.lines[round.at]).await? else {
            // Skipped by `offer`, which offers the next line's choices.
            offer(site, round).await?;
            continue;
        };
        return Ok(Some(Question {
            number: round.at + 1,
            of: round.lines.len(),
            text: quote.text,
            choices: site.store.work_briefs(&round.choices).await?,
        }));
    }
    Ok(None)
}

/// The answer just given, with its line (if still to be seen).
pub async fn told(site: &Site, round: &Round) -> Result<Option<Told>, StoreError> {
    let Some(last) = &round.last else {
        return Ok(None);
    };
    Ok(site.store.quote(last.line).await?.map(|quote| Told {
        right: last.right,
        guess: last.guess.clone(),
        quote,
    }))
}

/// Judges an answer to the line being asked and moves on to the next.
/// An answer naming no work offered, or for a round that is over, changes
/// nothing and is `false`.
pub async fn answer(site: &Site, player: &mut Player, guess: &Guess) -> Result<bool, StoreError> {
    let Some(round) = player.round.as_mut().filter(|r| !r.is_over()) else {
        return Ok(false);
    };
    let Some(quote) = site.store.quote(round.lines[round.at]).await? else {
        // Unpublished meanwhile: the next line is asked instead.
        offer(site, round).await?;
        return Ok(false);
    };
    // A name is short: what is past 200 characters is not looked at.
    let typed: String = guess.typed.trim().chars().take(200).collect();
    let typed = typed.as_str();
    let (right, said) = match guess.choice {
        Some(id) if round.choices.contains(&id) => {
            let named = site.store.work_briefs(&[id]).await?;
            (id == quote.work.id, named.first().map(|w| w.name.clone()))
        }
        Some(_) => return Ok(false),
        None if !typed.is_empty() => {
            let names = site.store.work_names(quote.work.id).await?;
            let right = names.iter().any(|n| names_match(typed, n));
            (right, Some(typed.chars().take(200).collect()))
        }
        None => return Ok(false),
    };
    // Recorded first: an old cookie sent again (to answer a line once
    // more) finds the round moved on, and the player starts afresh.
    let asked = round.answers.len() as i64;
    let score = round.score() as i64 + i64::from(right);
    let streak = round.answers.iter().rev().take_while(|a| **a).count() as u32;
    let best = round.best_streak.max(if right { streak + 1 } else { 0 });
    let after = (score, round.lines.len() as i64, i64::from(best));
    if !site.store.step_guess_round(&round.id, asked, after).await? {
        player.round = None;
        return Ok(false);
    }
    round.answers.push(right);
    round.best_streak = best;
    round.last = Some(Answered {
        line: quote.id,
        right,
        guess: said.unwrap_or_default(),
    });
    round.at += 1;
    player.asked_total += 1;
    if right {
        player.right_total += 1;
        player.streak += 1;
    } else {
        player.streak = 0;
    }
    player.best_streak = player.best_streak.max(player.streak);
    if round.is_over() {
        player.rounds_played += 1;
    } else {
        offer(site, round).await?;
    }
    Ok(true)
}
