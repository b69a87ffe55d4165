//! Validation errors that name the field they are about.

use std::fmt;

/// One thing wrong with the input, and where: `field` is a path such as
/// `title`, `work.year` or `scores[1].value`, the same path an editor form
/// or an API client uses to put the message next to the right input.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl FieldError {
    /// The field as an editor's form labels it: "Score 2: value", "Box office".
    pub fn label(&self) -> String {
        label(&self.field)
    }
}

/// The label of a field path, counting rows from 1: `scores[1].value` is
/// "Score 2: value", `work.box_office_usd` "Box office", `tags[0]` "Tag 1".
/// The editor's inputs carry these labels, so a message names what is seen.
pub fn label(path: &str) -> String {
    let (in_work, path) = match path.strip_prefix("work.") {
        Some(rest) => (true, rest),
        None => (false, path),
    };
    let (head, rest) = path.split_once('.').unwrap_or((path, ""));
    if let Some((list, index)) = head.strip_suffix(']').and_then(|h| h.split_once('[')) {
        let n = index
            .parse::<usize>()
            .map_or_else(|_| index.to_owned(), |i| (i + 1).to_string());
        let row = match list {
            "scores" => "Score",
            "critics" => "Critic",
            "lines" => "Line",
            "cast" => "Cast",
            "tags" => "Tag",
            "authors" => "Author",
            "directors" => "Director",
            "writers" => "Writer",
            "genres" => "Genre",
            "countries" => "Country",
            "languages" => "Language",
            other => other,
        };
        return match (list, rest) {
            (_, "") => format!("{row} {n}"),
            ("cast", "name") => format!("{row} {n}: actor"),
            ("lines", "text") => format!("{row} {n}: line"),
            (_, column) => format!("{row} {n}: {column}"),
        };
    }
    let known = match (in_work, path) {
        (false, "title") => "Title",
        (false, "slug") => "Address (slug)",
        (false, "kind") => "Kind",
        (false, "date") => "Publication time",
        (false, "cover") => "Cover image",
        (false, "question") => "Closing question",
        (false, "work") => "Stored work",
        (false, "critics") => "Critics' quotes",
        (false, "image_file") => "New image",
        (false, "image_alt") => "Alt text of the new image",
        (false, "min_score") => "Least score",
        (true, "kind") => "Type",
        (true, "name") => "Title of the work",
        (true, "original_name") => "Original title",
        (true, "end_year") => "Last year",
        (true, "runtime_minutes") => "Runtime",
        (true, "budget_usd") => "Budget",
        (true, "box_office_usd") => "Box office",
        (true, "imdb_id") => "IMDb id",
        // Others are their name: "Summary", "Year", "Directors".
        (_, other) => {
            let mut words = other.replace('_', " ");
            if let Some(first) = words.get(0..1) {
                words.replace_range(0..1, &first.to_uppercase());
            }
            return words;
        }
    };
    known.to_owned()
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn labels_name_fields_as_the_editor_does_counting_from_1() {
        for (path, expected) in [
            ("scores[1].value", "Score 2: value"),
            ("work.box_office_usd", "Box office"),
            ("work.cast[0].name", "Cast 1: actor"),
            ("work.cast[2].role", "Cast 3: role"),
            ("lines[0].text", "Line 1: line"),
            ("critics[3].link", "Critic 4: link"),
            ("tags[0]", "Tag 1"),
            ("work.directors[1]", "Director 2"),
            ("work.year", "Year"),
            ("work.kind", "Type"),
            ("kind", "Kind"),
            ("title", "Title"),
            ("summary", "Summary"),
            ("critics", "Critics' quotes"),
            ("email", "Email"),
        ] {
            assert_eq!(label(path), expected, "{path}");
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// All the field errors of one piece of input, so a form shows every problem at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Each problem as a person reads it, the field as the editor labels
    /// it: "Score 2: value: 'lots' is not a number".
    pub fn labelled(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|e| format!("{}: {}", e.label(), e.message))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for one field, for templates that show it next to its input.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// `Ok(value)` when nothing was pushed.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// Records the error of a fallible step under `prefix` and returns its value.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }
}

impl From<FieldError> for FieldErrors {
    fn from(e: FieldError) -> Self {
        Self(vec![e])
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}
