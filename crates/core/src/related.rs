//! Why one pick is related to another, and how a reader is told.

/// What two picks' works share, strongest first: the order is the rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Why {
    /// One person directed both.
    Director,
    /// One person wrote both.
    Writer,
    /// One person acted in both.
    Cast,
    /// One person made or played in both, in different jobs.
    Crew,
    /// Both are of a genre.
    Genre,
}

impl Why {
    pub fn as_str(self) -> &'static str {
        match self {
            Why::Director => "director",
            Why::Writer => "writer",
            Why::Cast => "cast",
            Why::Crew => "crew",
            Why::Genre => "genre",
        }
    }

    pub fn parse(s: &str) -> Option<Why> {
        [Why::Director, Why::Writer, Why::Cast, Why::Crew, Why::Genre]
            .into_iter()
            .find(|w| w.as_str() == s)
    }

    /// A shared person's jobs on the two works (director, writer, cast).
    pub fn of_jobs(here: &str, there: &str) -> Why {
        match (here, there) {
            ("director", "director") => Why::Director,
            ("writer", "writer") => Why::Writer,
            ("cast", "cast") => Why::Cast,
            _ => Why::Crew,
        }
    }

    /// How much one such link counts when picks are ranked: a shared
    /// director says more about a film than a shared genre.
    pub fn weight(self) -> i64 {
        match self {
            Why::Director => 8,
            Why::Writer => 4,
            Why::Cast => 3,
            Why::Crew => 2,
            Why::Genre => 1,
        }
    }

    /// The reason in words, naming the person or genre: "same director:
    /// Damien Chazelle", "also with Emma Stone", "also a musical".
    pub fn words(self, name: &str) -> String {
        match self {
            Why::Director => format!("same director: {name}"),
            Why::Writer => format!("same writer: {name}"),
            Why::Cast => format!("also with {name}"),
            Why::Crew => format!("also by {name}"),
            Why::Genre => {
                let genre = name.to_lowercase();
                let article = match genre.chars().next() {
                    Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
                    _ => "a",
                };
                format!("also {article} {genre}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_as_sentences() {
        assert_eq!(
            Why::Director.words("Damien Chazelle"),
            "same director: Damien Chazelle"
        );
        assert_eq!(Why::Cast.words("Emma Stone"), "also with Emma Stone");
        assert_eq!(Why::Genre.words("Musical"), "also a musical");
        assert_eq!(Why::Genre.words("Animation"), "also an animation");
        assert_eq!(Why::of_jobs("director", "cast"), Why::Crew);
        for w in [Why::Director, Why::Writer, Why::Cast, Why::Crew, Why::Genre] {
            assert_eq!(Why::parse(w.as_str()), Some(w));
        }
    }
}
