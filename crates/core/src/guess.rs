//! Guess!: whether a typed name is the work's, typos forgiven.

use crate::search::fold;

/// The name as compared, folded (case, accents), letters and digits only:
/// as written, and without a leading article ("The Wire" and "wire" are
/// one; "La La Land" is not "La Land").
fn keys(name: &str) -> [String; 2] {
    let folded = fold(name);
    let trimmed = [
        "the ", "a ", "an ", "le ", "la ", "les ", "el ", "il ", "der ", "die ",
    ]
    .iter()
    .find_map(|a| folded.strip_prefix(a))
    .unwrap_or(&folded);
    let letters = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).collect();
    [letters(&folded), letters(trimmed)]
}

/// Whether `typed` names `name`: equal once folded, or within one typo
/// for every five letters (a swapped pair counts as one).
pub fn names_match(typed: &str, name: &str) -> bool {
    let typed = keys(typed);
    keys(name).iter().any(|name| {
        let allowed = name.chars().count() / 5;
        !name.is_empty()
            && typed
                .iter()
                .any(|t| !t.is_empty() && strsim::damerau_levenshtein(t, name) <= allowed)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_forgiven_but_other_names_are_not() {
        for (typed, name) in [
            ("la la land", "La La Land"),
            ("La La Lnad", "La La Land"),
            ("amelie", "Amélie"),
            ("wire", "The Wire"),
            ("Shawshank Redemtion", "The Shawshank Redemption"),
            ("the godfather", "The Godfather"),
            ("lal a land", "La La Land"),
            ("godfather", "The Godfather"),
        ] {
            assert!(names_match(typed, name), "{typed} / {name}");
        }
        for (typed, name) in [
            ("heat", "Hea"),
            ("Up", "Us"),
            ("", "Heat"),
            ("Whiplash", "La La Land"),
            ("La La", "La La Land"),
        ] {
            assert!(!names_match(typed, name), "{typed} / {name}");
        }
    }
}
