//! The post editor's form: what the browser sends, turned into the same
//! [`PostData`] an imported file gives, and back again to fill the form.
//! Field errors use the document's field paths (`work.year`, `scores[1].value`),
//! so one message table serves files, forms and the API.

use bestpick_core::document::{PostData, PostDate};
use bestpick_core::post::{CriticQuote, Line, PostKind, PostStatus};
use bestpick_core::score::Score;
use bestpick_core::work::{CastMember, Work, WorkKind};
use bestpick_core::FieldErrors;
use serde::{Deserialize, Serialize};
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// What a press of one of the editor's buttons asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Save,
    /// Save with the status "published" (the "Publish" button).
    Publish,
    Preview,
    /// Upload the image chosen in the form and show the form again with it in use.
    Upload,
    /// Save a draft by script while it is written (never publishing it).
    Autosave,
    /// Show the form again with one more blank row in a table (the "Add a
    /// row" button without JavaScript), keeping everything typed.
    AddRow(String),
    /// Show the form again without a table's row (counting from 0).
    RemoveRow(String, usize),
    /// A button this editor does not have (a stale page's): the form is
    /// shown again, nothing saved.
    Unknown,
}

/// The editor's tables of repeated rows.
pub const TABLES: [&str; 4] = ["cast", "scores", "critics", "lines"];

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct PostForm {
    #[serde(skip_serializing)]
    pub csrf: String,
    /// "save", "publish", "preview", "upload", "autosave", "add:TABLE" or
    /// "remove:TABLE:N".
    #[serde(skip_serializing)]
    pub action: String,
    pub kind: String,
    pub title: String,
    pub slug: String,
    pub section: String,
    pub tags: String,
    pub summary: String,
    pub authors: String,
    pub status: String,
    /// `YYYY-MM-DDTHH:MM` in UTC, from `<input type=datetime-local>`.
    pub date: String,
    /// The id of an uploaded image, or empty.
    pub cover: String,
    pub body: String,
    pub question: String,
    /// The slug of an existing work to use as it is, or empty to use the fields below.
    pub work: String,
    pub work_kind: String,
    pub work_name: String,
    pub work_original_name: String,
    pub work_year: String,
    pub work_end_year: String,
    pub work_seasons: String,
    pub work_directors: String,
    pub work_writers: String,
    pub work_genres: String,
    pub work_countries: String,
    pub work_languages: String,
    pub work_runtime_minutes: String,
    pub work_box_office_usd: String,
    pub work_budget_usd: String,
    pub work_awards: String,
    pub work_imdb_id: String,
    /// An address of the poster image, such as an uploaded `/media/...` file.
    pub work_poster: String,
    /// The alt text of an image uploaded with the form (its file comes apart).
    pub image_alt: String,
    /// What the uploaded image becomes: "cover", "poster" or "body".
    pub image_use: String,
    pub cast_name: Vec<String>,
    pub cast_role: Vec<String>,
    pub score_source: Vec<String>,
    pub score_value: Vec<String>,
    pub score_scale: Vec<String>,
    pub critic_outlet: Vec<String>,
    pub critic_quote: Vec<String>,
    pub critic_critic: Vec<String>,
    pub critic_link: Vec<String>,
    pub line_speaker: Vec<String>,
    pub line_text: Vec<String>,
    pub line_context: Vec<String>,
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

fn list(s: &str) -> Vec<String> {
    s.split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn cell(v: &[String], i: usize) -> &str {
    v.get(i).map(String::as_str).unwrap_or("")
}

/// Rows of parallel columns as they were sent, blank ones included.
fn all_rows<'a>(columns: &[&'a [String]]) -> Vec<Vec<&'a str>> {
    let n = columns.iter().map(|c| c.len()).max().unwrap_or(0);
    (0..n)
        .map(|i| columns.iter().map(|c| cell(c, i).trim()).collect())
        .collect()
}

/// Rows of parallel columns, without the ones left wholly blank.
fn rows<'a>(columns: &[&'a [String]]) -> Vec<Vec<&'a str>> {
    all_rows(columns)
        .into_iter()
        .filter(|row| row.iter().any(|c| !c.is_empty()))
        .collect()
}

/// Parses an optional number, recording an error for `field` when it is not one.
fn number<T: std::str::FromStr>(
    s: &str,
    field: &str,
    what: &str,
    errors: &mut FieldErrors,
) -> Option<T> {
    let s = s.trim().replace(['_', ','], "");
    if s.is_empty() {
        return None;
    }
    match s.parse() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(field, format!("'{s}' is not {what}"));
            None
        }
    }
}

/// An amount of dollars as people write it ("$203.4 million"), or an error at `field`.
fn dollars(s: &str, field: &str, errors: &mut FieldErrors) -> Option<u64> {
    if s.trim().is_empty() {
        return None;
    }
    match bestpick_core::format::parse_usd(s) {
        Ok(n) => Some(n),
        Err(m) => {
            errors.push(field, m);
            None
        }
    }
}

impl PostForm {
    /// The button pressed: none (a form sent by a script) or "save" saves.
    pub fn action(&self) -> Action {
        let mut parts = self.action.split(':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("" | "save"), None, None) => Action::Save,
            (Some("publish"), None, None) => Action::Publish,
            (Some("preview"), None, None) => Action::Preview,
            (Some("upload"), None, None) => Action::Upload,
            (Some("autosave"), None, None) => Action::Autosave,
            (Some("add"), Some(t), None) if TABLES.contains(&t) => Action::AddRow(t.to_owned()),
            (Some("remove"), Some(t), Some(n)) if TABLES.contains(&t) => match n.parse() {
                Ok(n) => Action::RemoveRow(t.to_owned(), n),
                Err(_) => Action::Unknown,
            },
            _ => Action::Unknown,
        }
    }

    /// The post this form describes, with every error found in it at once:
    /// what could not be read (a year that is not a number) and what breaks
    /// the rules `PostData::validate` checks on saving, each under its field.
    pub fn checked(&self, existing_work: Option<Work>) -> Result<PostData, FieldErrors> {
        let (data, mut errors) = self.read(existing_work);
        if let Err(rules) = data.validate() {
            // A field (or a row) that could not be read is not also told
            // what its stand-in lacks.
            let row = |field: &str| field.rsplit_once("].").map_or(field, |(r, _)| r).to_owned();
            let unread: Vec<String> = errors.0.iter().map(|e| row(&e.field)).collect();
            errors.0.extend(
                rules
                    .0
                    .into_iter()
                    .filter(|e| !unread.contains(&row(&e.field))),
            );
        }
        errors.into_result(data)
    }

    /// The post this form describes and what could not be read from it.
    /// `existing_work` is the chosen stored work, if any.
    pub fn read(&self, existing_work: Option<Work>) -> (PostData, FieldErrors) {
        let mut errors = FieldErrors::default();
        let kind = match self.kind.as_str() {
            "" => None,
            k => {
                let kind = PostKind::parse(k);
                if kind.is_none() {
                    errors.push("kind", format!("'{k}' is not pick, essay or article"));
                }
                kind
            }
        };
        let status = match self.status.as_str() {
            "" => Some(PostStatus::Draft),
            s => {
                let status = PostStatus::parse(s);
                if status.is_none() {
                    errors.push("status", format!("'{s}' is not draft, review or published"));
                }
                status
            }
        };
        let date = match self.date.trim() {
            "" => None,
            d => match parse_local(d).map(PostDate::from_time) {
                Some(Some(date)) => Some(date),
                Some(None) => {
                    errors.push("date", format!("'{d}' is not between the years 0 and 9999"));
                    None
                }
                None => {
                    errors.push(
                        "date",
                        format!("'{d}' is not a date and time such as 2017-01-20T18:00"),
                    );
                    None
                }
            },
        };
        let is_pick = kind == Some(PostKind::Pick);
        let work = if !is_pick {
            None
        } else if existing_work.is_some() {
            existing_work
        } else {
            self.work_from_fields(&mut errors)
        };
        let (scores, critics, lines) = if is_pick {
            (self.scores(&mut errors), self.critics(), self.lines())
        } else {
            Default::default()
        };
        let data = PostData {
            title: self.title.trim().to_owned(),
            slug: opt(&self.slug),
            kind,
            section: self.section.trim().to_owned(),
            date,
            status,
            tags: list(&self.tags),
            summary: opt(&self.summary),
            authors: list(&self.authors),
            question: if is_pick { opt(&self.question) } else { None },
            cover: None,
            work,
            scores,
            critics,
            lines,
            body: self.body.replace("\r\n", "\n"),
        };
        (data, errors)
    }

    fn work_from_fields(&self, errors: &mut FieldErrors) -> Option<Work> {
        let kind = match self.work_kind.as_str() {
            "tv" => WorkKind::Tv,
            _ => WorkKind::Movie,
        };
        let year = number::<i32>(&self.work_year, "work.year", "a year", errors);
        if year.is_none() && self.work_year.trim().is_empty() {
            errors.push("work.year", "is missing: give the year it came out");
        }
        let work = Work {
            kind,
            name: self.work_name.trim().to_owned(),
            original_name: opt(&self.work_original_name),
            year: year.unwrap_or_default(),
            end_year: number(&self.work_end_year, "work.end_year", "a year", errors),
            seasons: number(
                &self.work_seasons,
                "work.seasons",
                "a number of seasons",
                errors,
            ),
            directors: list(&self.work_directors),
            writers: list(&self.work_writers),
            cast: rows(&[&self.cast_name, &self.cast_role])
                .into_iter()
                .map(|r| CastMember {
                    name: r[0].to_owned(),
                    role: r[1].to_owned(),
                })
                .collect(),
            genres: list(&self.work_genres),
            runtime_minutes: number(
                &self.work_runtime_minutes,
                "work.runtime_minutes",
                "a number of minutes",
                errors,
            ),
            countries: list(&self.work_countries),
            languages: list(&self.work_languages),
            box_office_usd: dollars(&self.work_box_office_usd, "work.box_office_usd", errors),
            budget_usd: dollars(&self.work_budget_usd, "work.budget_usd", errors),
            awards: opt(&self.work_awards),
            imdb_id: opt(&self.work_imdb_id),
            poster: opt(&self.work_poster),
        };
        Some(work)
    }

    /// The scores as typed: "Rotten Tomatoes" and "94%" read as the site keeps them.
    fn scores(&self, errors: &mut FieldErrors) -> Vec<Score> {
        rows(&[&self.score_source, &self.score_value, &self.score_scale])
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let read = Score::from_written(r[0], r[1], r[2], &format!("scores[{i}]"));
                errors.check(read).unwrap_or_else(|| Score {
                    source: r[0].to_owned(),
                    value: 0.0,
                    scale: None,
                })
            })
            .collect()
    }

    fn critics(&self) -> Vec<CriticQuote> {
        rows(&[
            &self.critic_outlet,
            &self.critic_quote,
            &self.critic_critic,
            &self.critic_link,
        ])
        .into_iter()
        .map(|r| CriticQuote {
            outlet: r[0].to_owned(),
            quote: r[1].to_owned(),
            critic: opt(r[2]),
            link: opt(r[3]),
        })
        .collect()
    }

    fn lines(&self) -> Vec<Line> {
        rows(&[&self.line_speaker, &self.line_text, &self.line_context])
            .into_iter()
            .map(|r| Line {
                speaker: r[0].to_owned(),
                text: r[1].to_owned(),
                context: opt(r[2]),
            })
            .collect()
    }

    /// The form filled from a stored post's data, to edit it.
    pub fn from_data(data: &PostData, cover: Option<i64>) -> PostForm {
        let join = |v: &[String]| v.join(", ");
        let mut f = PostForm {
            kind: data.kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
            title: data.title.clone(),
            slug: data.slug.clone().unwrap_or_default(),
            section: data.section.clone(),
            tags: join(&data.tags),
            summary: data.summary.clone().unwrap_or_default(),
            authors: join(&data.authors),
            status: data
                .status
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            date: data
                .date
                .as_ref()
                .and_then(|d| d.to_time().ok())
                .map(format_local)
                .unwrap_or_default(),
            cover: cover.map(|c| c.to_string()).unwrap_or_default(),
            body: data.body.clone(),
            question: data.question.clone().unwrap_or_default(),
            ..PostForm::default()
        };
        if let Some(w) = &data.work {
            let n = |v: Option<u64>| v.map(bestpick_core::format::thousands).unwrap_or_default();
            f.work_kind = w.kind.as_str().to_owned();
            f.work_name = w.name.clone();
            f.work_original_name = w.original_name.clone().unwrap_or_default();
            f.work_year = w.year.to_string();
            f.work_end_year = w.end_year.map(|y| y.to_string()).unwrap_or_default();
            f.work_seasons = w.seasons.map(|y| y.to_string()).unwrap_or_default();
            f.work_directors = join(&w.directors);
            f.work_writers = join(&w.writers);
            f.work_genres = join(&w.genres);
            f.work_countries = join(&w.countries);
            f.work_languages = join(&w.languages);
            f.work_runtime_minutes = w.runtime_minutes.map(|y| y.to_string()).unwrap_or_default();
            f.work_box_office_usd = n(w.box_office_usd);
            f.work_budget_usd = n(w.budget_usd);
            f.work_awards = w.awards.clone().unwrap_or_default();
            f.work_imdb_id = w.imdb_id.clone().unwrap_or_default();
            f.work_poster = w.poster.clone().unwrap_or_default();
            for c in &w.cast {
                f.cast_name.push(c.name.clone());
                f.cast_role.push(c.role.clone());
            }
        }
        for s in &data.scores {
            f.score_source.push(s.source_label().to_owned());
            f.score_value.push(s.written());
            f.score_scale
                .push(s.scale.map(|v| v.to_string()).unwrap_or_default());
        }
        for c in &data.critics {
            f.critic_outlet.push(c.outlet.clone());
            f.critic_quote.push(c.quote.clone());
            f.critic_critic.push(c.critic.clone().unwrap_or_default());
            f.critic_link.push(c.link.clone().unwrap_or_default());
        }
        for l in &data.lines {
            f.line_speaker.push(l.speaker.clone());
            f.line_text.push(l.text.clone());
            f.line_context.push(l.context.clone().unwrap_or_default());
        }
        f
    }

    /// The repeated rows as the template shows them. After a save or a
    /// preview: the filled ones, in the order their errors are numbered, then
    /// one blank row to type into. After "add a row" or "remove": the rows
    /// as they were sent, with one more blank or one fewer.
    pub fn table_rows(&self) -> TableRows {
        let action = self.action();
        let show = |table: &str, columns: &[&[String]]| -> Vec<Vec<String>> {
            let own = |r: Vec<&str>| r.into_iter().map(str::to_owned).collect::<Vec<_>>();
            let blank = vec![String::new(); columns.len()];
            match &action {
                Action::AddRow(t) if t == table => {
                    let mut r: Vec<_> = all_rows(columns).into_iter().map(own).collect();
                    r.push(blank);
                    r
                }
                Action::RemoveRow(t, n) if t == table => {
                    let mut r: Vec<_> = all_rows(columns).into_iter().map(own).collect();
                    if *n < r.len() {
                        r.remove(*n);
                    }
                    if r.is_empty() {
                        r.push(blank);
                    }
                    r
                }
                Action::AddRow(_) | Action::RemoveRow(..) => {
                    all_rows(columns).into_iter().map(own).collect()
                }
                _ => {
                    let mut r: Vec<_> = rows(columns).into_iter().map(own).collect();
                    r.push(blank);
                    r
                }
            }
        };
        TableRows {
            cast: show("cast", &[&self.cast_name, &self.cast_role]),
            scores: show(
                "scores",
                &[&self.score_source, &self.score_value, &self.score_scale],
            ),
            critics: show(
                "critics",
                &[
                    &self.critic_outlet,
                    &self.critic_quote,
                    &self.critic_critic,
                    &self.critic_link,
                ],
            ),
            lines: show(
                "lines",
                &[&self.line_speaker, &self.line_text, &self.line_context],
            ),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct TableRows {
    pub cast: Vec<Vec<String>>,
    pub scores: Vec<Vec<String>>,
    pub critics: Vec<Vec<String>>,
    pub lines: Vec<Vec<String>>,
}

fn parse_local(s: &str) -> Option<OffsetDateTime> {
    let long = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let short = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let day = format_description!("[year]-[month]-[day]");
    PrimitiveDateTime::parse(s, short)
        .or_else(|_| PrimitiveDateTime::parse(s, long))
        .or_else(|_| time::Date::parse(s, day).map(|d| d.midnight()))
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

fn format_local(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.format(format_description!("[year]-[month]-[day]T[hour]:[minute]"))
        .unwrap_or_default()
}

/// The editor's form body decoded and validated as a save reads it (for
/// the fuzzer, which holds the decoder to: a message, never a panic).
pub fn decode(body: &[u8]) -> Result<PostData, String> {
    let form: PostForm = serde_html_form::from_bytes(body).map_err(|e| e.to_string())?;
    form.checked(None).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick_form() -> PostForm {
        PostForm {
            kind: "pick".into(),
            title: "Heat".into(),
            section: "best-pick".into(),
            status: "published".into(),
            date: "2024-03-01T18:30".into(),
            work_name: "Heat".into(),
            work_year: "1995".into(),
            work_directors: "Michael Mann".into(),
            cast_name: vec!["Al Pacino".into(), "".into(), "Robert De Niro".into()],
            cast_role: vec!["Vincent Hanna".into(), "".into(), "Neil McCauley".into()],
            score_source: vec!["imdb".into(), "".into()],
            score_value: vec!["8.3".into(), "".into()],
            score_scale: vec!["".into(), "".into()],
            work_box_office_usd: "187,400,000".into(),
            ..PostForm::default()
        }
    }

    #[test]
    fn a_pick_form_becomes_post_data_without_blank_rows() {
        let data = pick_form().checked(None).unwrap();
        let work = data.work.as_ref().unwrap();
        assert_eq!(work.cast.len(), 2);
        assert_eq!(work.cast[1].role, "Neil McCauley");
        assert_eq!(work.box_office_usd, Some(187_400_000));
        assert_eq!(data.scores.len(), 1);
        assert!(data.validate().is_ok());
        let again = PostForm::from_data(&data, None);
        assert_eq!(again.date, "2024-03-01T18:30");
        assert_eq!(again.checked(None).unwrap(), data);
    }

    #[test]
    fn numbers_that_are_not_numbers_name_their_field() {
        let form = PostForm {
            work_year: "nineteen".into(),
            score_value: vec!["lots".into()],
            score_source: vec!["imdb".into()],
            ..pick_form()
        };
        let errors = form.checked(None).unwrap_err();
        assert!(errors.get("work.year").unwrap().contains("nineteen"));
        assert!(errors.get("scores[0].value").is_some());
    }

    #[test]
    fn every_error_comes_at_once_and_values_read_as_written() {
        let form = PostForm {
            title: "".into(),
            work_year: "nineteen".into(),
            work_box_office_usd: "$203.4 million".into(),
            work_budget_usd: "a lot".into(),
            score_source: vec!["Rotten Tomatoes".into(), "IMDb".into()],
            score_value: vec!["94%".into(), "4/5".into()],
            ..pick_form()
        };
        let errors = form.checked(None).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        // Unreadable and rule-breaking fields together, each told once.
        assert_eq!(
            fields,
            ["work.year", "work.budget_usd", "scores[1].value", "title"],
            "{errors}"
        );
        // A source the site does not know, its value unreadable: one error.
        let form = PostForm {
            score_source: vec!["Douban".into()],
            score_value: vec!["8.5/ten".into()],
            score_scale: vec!["".into()],
            ..pick_form()
        };
        let errors = form.checked(None).unwrap_err();
        assert_eq!(errors.0.len(), 1, "{errors}");
        assert_eq!(errors.0[0].field, "scores[0].value");
        let form = PostForm {
            work_box_office_usd: "$203.4 million".into(),
            score_source: vec!["Rotten Tomatoes".into()],
            score_value: vec!["94%".into()],
            ..pick_form()
        };
        let data = form.checked(None).unwrap();
        assert_eq!(data.work.unwrap().box_office_usd, Some(203_400_000));
        assert_eq!(data.scores[0].source, "rotten-tomatoes");
        assert_eq!(data.scores[0].value, 94.0);
    }

    #[test]
    fn rows_are_added_and_removed_without_losing_what_was_typed() {
        let with = |action: &str| PostForm {
            action: action.into(),
            ..pick_form()
        };
        // Two cast rows filled, one left blank between them: saved, the
        // blank one goes and one blank row is offered.
        assert_eq!(with("save").table_rows().cast.len(), 3);
        assert_eq!(with("add:cast").table_rows().cast.len(), 4);
        assert_eq!(with("add:cast").table_rows().scores.len(), 2);
        let removed = with("remove:cast:0").table_rows().cast;
        assert_eq!(removed[1], ["Robert De Niro", "Neil McCauley"]);
        assert_eq!(removed.len(), 2);
        assert_eq!(with("remove:cast:x").action(), Action::Unknown);
        assert_eq!(
            with("remove:cast:99999999999999999999").action(),
            Action::Unknown
        );
        assert_eq!(with("add:nothing").action(), Action::Unknown);
        assert_eq!(with("").action(), Action::Save);
        assert_eq!(with("publish").action(), Action::Publish);
    }

    /// Found by the `post_input` fuzz target: a date before year 0 made
    /// the save panic writing it as TOML.
    #[test]
    fn a_date_toml_cannot_write_is_an_error() {
        for date in ["-2020-05-04", "-0001-01-01T10:00"] {
            let form = PostForm {
                date: date.into(),
                ..pick_form()
            };
            let errors = form.checked(None).unwrap_err();
            assert!(errors.get("date").unwrap().contains("9999"), "{date}");
        }
        assert!(decode(b"title=Heat&section=best-pick&date=-2020-05-04").is_err());
    }
}
