//! What one instance's commits tell the others on the same PostgreSQL: the
//! topics a write touched (so their page caches drop what it changed) and
//! the events their memories follow (a new comment for the rate limits, a
//! moderator's decision for the spam filter). A notice is sent with
//! `pg_notify` inside the write's own transaction, so PostgreSQL delivers it
//! exactly when the write commits, and never for a write rolled back.
//!
//! The payload is text: `INSTANCE|TOPICS|EVENTS`, e.g. `9f2c|p12,l|c881`.

use crate::Topic;

/// The channel every instance listens on.
pub(crate) const CHANNEL: &str = "bestpick_changes";

/// PostgreSQL takes payloads of up to 8000 bytes; a notice that would be
/// longer says "everything changed" instead.
const MAX_PAYLOAD: usize = 7_900;

/// Something another instance did that this one's memory follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A comment was stored: count it for the rate limits and
    /// near-duplicate checks.
    Comment(i64),
    /// A moderator decided on a comment: the spam filter learns from it.
    SpamDecision(i64),
    /// A moderator's undo withdrew decisions: the spam filter is built
    /// again from those that remain.
    SpamWithdrawn,
    /// Notices may have been missed (the connection that hears them was
    /// lost): read what is kept in memory again.
    Resync,
}

/// The payload of a commit's notice.
pub(crate) fn encode(instance: &str, topics: &[Topic], events: &[Event]) -> String {
    let topics: Vec<String> = topics
        .iter()
        .map(|t| match t {
            Topic::Site => "s".into(),
            Topic::Lists => "l".into(),
            Topic::Films => "f".into(),
            Topic::Blocklist => "b".into(),
            Topic::Post(id) => format!("p{id}"),
        })
        .collect();
    let events: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Comment(id) => Some(format!("c{id}")),
            Event::SpamDecision(id) => Some(format!("d{id}")),
            Event::SpamWithdrawn => Some("w".into()),
            Event::Resync => None,
        })
        .collect();
    let payload = format!("{instance}|{}|{}", topics.join(","), events.join(","));
    if payload.len() <= MAX_PAYLOAD {
        payload
    } else {
        format!("{instance}|s|r")
    }
}

/// A notice read back: who sent it, what it touched, what happened.
#[derive(Debug, PartialEq)]
pub(crate) struct Notice {
    pub instance: String,
    pub topics: Vec<Topic>,
    pub events: Vec<Event>,
}

/// Reads a payload; anything unreadable counts as a change of everything.
pub(crate) fn decode(payload: &str) -> Notice {
    let mut parts = payload.splitn(3, '|');
    let instance = parts.next().unwrap_or_default().to_owned();
    let (topics, events) = (parts.next(), parts.next());
    let everything = Notice {
        instance: instance.clone(),
        topics: vec![Topic::Site],
        events: vec![Event::Resync],
    };
    let (Some(topics), Some(events)) = (topics, events) else {
        return everything;
    };
    let topics: Option<Vec<Topic>> = topics
        .split(',')
        .filter(|t| !t.is_empty())
        .map(|t| match t {
            "s" => Some(Topic::Site),
            "l" => Some(Topic::Lists),
            "f" => Some(Topic::Films),
            "b" => Some(Topic::Blocklist),
            _ => t.strip_prefix('p')?.parse().ok().map(Topic::Post),
        })
        .collect();
    let events: Option<Vec<Event>> = events
        .split(',')
        .filter(|e| !e.is_empty())
        .map(|e| {
            if let Some(id) = e.strip_prefix('c') {
                id.parse().ok().map(Event::Comment)
            } else if let Some(id) = e.strip_prefix('d') {
                id.parse().ok().map(Event::SpamDecision)
            } else {
                match e {
                    "r" => Some(Event::Resync),
                    "w" => Some(Event::SpamWithdrawn),
                    _ => None,
                }
            }
        })
        .collect();
    match (topics, events) {
        (Some(topics), Some(events)) => Notice {
            instance,
            topics,
            events,
        },
        _ => everything,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_reads_back_as_it_was_sent() {
        let payload = encode(
            "a1",
            &[Topic::Post(12), Topic::Lists, Topic::Blocklist],
            &[
                Event::Comment(881),
                Event::SpamDecision(3),
                Event::SpamWithdrawn,
            ],
        );
        assert_eq!(payload, "a1|p12,l,b|c881,d3,w");
        assert_eq!(
            decode(&payload),
            Notice {
                instance: "a1".into(),
                topics: vec![Topic::Post(12), Topic::Lists, Topic::Blocklist],
                events: vec![
                    Event::Comment(881),
                    Event::SpamDecision(3),
                    Event::SpamWithdrawn
                ],
            }
        );
    }

    #[test]
    fn a_notice_too_long_or_unreadable_means_everything_changed() {
        let posts: Vec<Topic> = (0..5_000).map(Topic::Post).collect();
        let payload = encode("a1", &posts, &[]);
        assert_eq!(payload, "a1|s|r");
        let read = decode(&payload);
        assert_eq!(read.topics, vec![Topic::Site]);
        assert_eq!(read.events, vec![Event::Resync]);
        assert_eq!(decode("a1|p12,zz|").topics, vec![Topic::Site]);
        assert_eq!(decode("a1|l|é9").events, vec![Event::Resync]);
    }
}
