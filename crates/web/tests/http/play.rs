//! Quotes and Guess!: the sections that are features. Every line by work
//! and speaker with a permalink each, a line on the home page, the game
//! played with plain form posts and in Chromium, a result to share, and
//! both renamed, hidden and kept free of posts like any section.

use crate::helpers::{client, hidden_value, TestApp};
use bestpick_store::Feature;
use std::collections::{BTreeSet, HashMap};

/// A work and its lines: (slug, name, year, [(speaker, text)]).
type Quoted = (
    &'static str,
    &'static str,
    i32,
    &'static [(&'static str, &'static str)],
);

const WORKS: &[Quoted] = &[
    (
        "la-la-land",
        "La La Land",
        2016,
        &[
            ("Mia", "Here's to the ones who dream."),
            ("Sebastian", "I'm letting life hit me until it gets tired."),
            (
                "Mia",
                "It's pretty strange that we keep running into each other.",
            ),
        ],
    ),
    (
        "whiplash",
        "Whiplash",
        2014,
        &[
            ("Fletcher", "Not quite my tempo."),
            (
                "Fletcher",
                "There are no two words more harmful than good job.",
            ),
        ],
    ),
    (
        "heat",
        "Heat",
        1995,
        &[
            ("Neil", "Don't let yourself get attached to anything."),
            ("Vincent", "All I am is what I'm going after."),
        ],
    ),
    (
        "amelie",
        "Amélie",
        2001,
        &[
            ("Raymond", "Times are hard for dreamers."),
            ("Amélie", "I like to look for things no one else catches."),
        ],
    ),
    (
        "casablanca",
        "Casablanca",
        1942,
        &[
            ("Rick", "Here's looking at you, kid."),
            ("Rick", "We'll always have Paris."),
            ("Renault", "Round up the usual suspects."),
        ],
    ),
];

const SECRET_LINE: &str = "The quokka speaks at midnight.";
const LATER_LINE: &str = "The marmoset returns in spring.";

fn pick(slug: &str, name: &str, year: i32, lines: &[(&str, &str)], extra: &str) -> String {
    let lines: String = lines
        .iter()
        .map(|(s, t)| format!("[[lines]]\nspeaker = {s:?}\ntext = {t:?}\n"))
        .collect();
    format!(
        "+++\ntitle = \"Why {name} stays\"\nslug = \"{slug}\"\nkind = \"pick\"\nsection = \"best-pick\"\n{extra}\n\
         [work]\nkind = \"movie\"\nname = {name:?}\nyear = {year}\n{lines}+++\nWords.\n"
    )
}

/// A site with the Quotes and Guess! sections and the works above, and a
/// draft's and a scheduled pick's lines, which must never show.
async fn app_with_lines() -> TestApp {
    let app = TestApp::spawn().await;
    let store = &app.site.store;
    store
        .create_feature_section("quotes", "Quotes", "Every line.", Some(Feature::Quotes))
        .await
        .unwrap();
    store
        .create_feature_section("guess", "Guess!", "", Some(Feature::Guess))
        .await
        .unwrap();
    for (slug, name, year, lines) in WORKS {
        app.import(&pick(slug, name, *year, lines, "date = 2020-01-01"))
            .await;
    }
    app.import(&pick(
        "secret",
        "Secret Film",
        2026,
        &[("Quokka", SECRET_LINE)],
        "status = \"draft\"",
    ))
    .await;
    app.import(&pick(
        "later",
        "Later Film",
        2026,
        &[("Marmoset", LATER_LINE)],
        "date = 2099-01-01",
    ))
    .await;
    app
}

/// Which work each line is from, by its words as a page writes them.
fn answers() -> HashMap<String, &'static str> {
    WORKS
        .iter()
        .flat_map(|(_, name, _, lines)| {
            lines
                .iter()
                .map(move |(_, text)| (html_escape(text), *name))
        })
        .collect()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('\'', "&#39;")
}

/// Every `/quotes/NUMBER` linked from a page.
fn permalinks(html: &str) -> BTreeSet<i64> {
    html.split("href=\"/quotes/")
        .skip(1)
        .filter_map(|s| s[..s.find('"').unwrap()].parse().ok())
        .collect()
}

#[tokio::test]
async fn quotes_lists_every_line_by_work_and_speaker_with_a_permalink_each() {
    let app = app_with_lines().await;
    let (status, index) = app.get_text("/quotes").await;
    assert_eq!(status, 200, "{index}");
    for (slug, name, year, lines) in WORKS {
        assert!(
            index.contains(&format!(
                "href=\"/quotes/{slug}-{year}\">{}</a>",
                html_escape(name)
            )),
            "{name} is listed"
        );
        // The first three lines of each work are on the first page.
        for (_, text) in lines.iter().take(3) {
            assert!(index.contains(&html_escape(text)), "{text}");
        }
    }
    assert!(!index.contains(SECRET_LINE) && !index.contains(LATER_LINE));
    assert!(!index.contains("Secret Film") && !index.contains("Later Film"));
    // A work's lines, by speaker.
    let (status, lll) = app.get_text("/quotes/la-la-land-2016").await;
    assert_eq!(status, 200);
    let mia = lll.find(">Mia</h2>").expect("Mia's lines");
    let seb = lll.find(">Sebastian</h2>").expect("Sebastian's lines");
    assert!(mia < seb);
    assert!(lll[mia..seb].contains("Here&#39;s to the ones who dream."));
    assert!(lll[seb..].contains("I&#39;m letting life hit me"));
    assert_eq!(app.get_text("/quotes/secret-film-2026").await.0, 404);

    // Every permalink answers with its line, its work and its post; no
    // number leads to the draft's or the scheduled pick's line.
    let (low, high) = app.site.store.line_id_range().await.unwrap().unwrap();
    let mut shown = 0;
    for id in low..=high + 1 {
        let (status, html) = app.get_text(&format!("/quotes/{id}")).await;
        assert!(
            !html.contains(SECRET_LINE) && !html.contains(LATER_LINE),
            "{id}"
        );
        if status == 200 {
            shown += 1;
            assert!(html.contains("Quoted in <a href=\"/best-pick/"), "{html}");
        } else {
            assert_eq!(status, 404);
        }
    }
    assert_eq!(shown, 12);

    // Saved again, reordered and with one more line, a pick's lines keep
    // their addresses.
    let whiplash = permalinks(&app.get_text("/quotes/whiplash-2014").await.1);
    let before: Vec<(i64, String)> = {
        let mut v = Vec::new();
        for id in &whiplash {
            v.push((*id, app.get_text(&format!("/quotes/{id}")).await.1));
        }
        v
    };
    app.import(&pick(
        "whiplash",
        "Whiplash",
        2014,
        &[
            ("Andrew", "I'm upset."),
            (
                "Fletcher",
                "There are no two words more harmful than good job.",
            ),
            ("Fletcher", "Not quite my tempo."),
        ],
        "date = 2020-01-01",
    ))
    .await;
    for (id, html) in before {
        let text = if html.contains("tempo") {
            "Not quite my tempo."
        } else {
            "good job."
        };
        let (status, now) = app.get_text(&format!("/quotes/{id}")).await;
        assert_eq!(status, 200);
        assert!(now.contains(text), "/quotes/{id} still shows {text}");
    }

    // The home page shows a line of the moment, linked to its page.
    let (_, home) = app.get_text("/").await;
    let line = permalinks(&home);
    assert_eq!(line.len(), 1, "one line on the home page");
    assert!(home.contains("class=\"line-of-the-moment\""));
}

#[tokio::test]
async fn feature_sections_are_renamed_hidden_and_hold_no_posts() {
    let app = app_with_lines().await;
    let store = &app.site.store;
    let quotes = store.section_by_slug("quotes").await.unwrap().unwrap();
    store
        .update_section(quotes.id, "Lines", "What they said.")
        .await
        .unwrap();
    let (_, home) = app.get_text("/best-pick").await;
    assert!(
        home.contains("<a href=\"/quotes\">Lines</a>"),
        "renamed in the menu"
    );
    store.set_section_hidden(quotes.id, true).await.unwrap();
    let (_, page) = app.get_text("/best-pick").await;
    assert!(!page.contains("href=\"/quotes\""), "hidden from the menus");
    let (status, lines) = app.get_text("/quotes").await;
    assert_eq!(status, 200, "a hidden section still answers");
    assert!(lines.contains("<h1>Lines</h1>"));

    // No post goes into a feature section.
    let admin = store.first_admin().await.unwrap().unwrap();
    let refused = bestpick_app::import::import_text(
        &app.site,
        &pick("stray", "Stray", 2001, &[], "date = 2020-01-01").replace("best-pick", "guess"),
        bestpick_app::posts::CoverSource::None,
        &admin,
    )
    .await
    .unwrap_err();
    assert!(
        format!("{refused:?}").contains("holds no posts"),
        "{refused:?}"
    );
    // Nor is a section of posts retired into one.
    let news = store.section_by_slug("news").await.unwrap().unwrap();
    let guess = store.section_by_slug("guess").await.unwrap().unwrap();
    let refused =
        bestpick_app::sections::retire(&app.site, &admin, news.id, &guess.id.to_string()).await;
    assert!(refused.is_err());
    // The editor offers only sections of posts.
    let editor = app.logged_in("chief").await;
    let form = app.text_with(&editor, "/admin/posts/new").await;
    assert!(form.contains("value=\"best-pick\""));
    assert!(!form.contains("value=\"quotes\"") && !form.contains("value=\"guess\""));
}

/// The Guess! page's line and choices: (line's words, [(work id, name)]).
fn question(html: &str) -> Option<(String, Vec<(String, String)>)> {
    let form = &html[html.find("class=\"guess-form\"")?..];
    let a = form.find("<blockquote><p>“")? + "<blockquote><p>“".len();
    let text = form[a..a + form[a..].find("”</p>")?].to_owned();
    let choices = form
        .split("name=\"choice\" value=\"")
        .skip(1)
        .map(|c| {
            let id = c[..c.find('"').unwrap()].to_owned();
            let name_at = c.find("</span> ").unwrap() + "</span> ".len();
            let name = c[name_at..name_at + c[name_at..].find(" <span").unwrap()].to_owned();
            (id, name)
        })
        .collect();
    Some((text, choices))
}

#[tokio::test]
async fn a_round_of_guess_is_played_with_plain_forms_and_its_result_shared() {
    let app = app_with_lines().await;
    let reader = client();
    let get = |path: &str| {
        let url = app.url(path);
        let reader = reader.clone();
        async move {
            let r = reader.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let url = app.url("/guess");
        let reader = reader.clone();
        async move { reader.post(url).form(&fields).send().await.unwrap() }
    };
    let (status, page) = get("/guess").await;
    assert_eq!(status, 200);
    let csrf = hidden_value(&page, "csrf").unwrap();
    // A form from elsewhere (no token, or another's) changes nothing.
    let forged = post(vec![("step", "start".into())]).await;
    assert_eq!(forged.status().as_u16(), 403);
    let started = post(vec![("step", "start".into()), ("csrf", csrf.clone())]).await;
    assert_eq!(started.status().as_u16(), 303);

    let answers = answers();
    let mut asked = Vec::new();
    let mut right = 0;
    for n in 1..=10 {
        let (_, page) = get("/guess").await;
        let (text, choices) = question(&page).unwrap_or_else(|| panic!("line {n}: {page}"));
        assert!(page.contains(&format!("Line {n} of 10")));
        assert_eq!(choices.len(), 4, "{choices:?}");
        // The page says nothing of which choice is right: no speaker, no
        // link to the line or its post, the choices as a set of works.
        let form = &page[page.find("class=\"guess-form\"").unwrap()..];
        let form = &form[..form.find("</form>").unwrap()];
        assert!(!form.contains("/quotes/") && !form.contains("/best-pick/"));
        for (_, _, _, lines) in WORKS {
            for (speaker, _) in *lines {
                let a_work = WORKS.iter().any(|w| w.1 == *speaker);
                assert!(a_work || !form.contains(speaker), "{speaker} in {form}");
            }
        }
        assert!(!asked.contains(&text), "a line asked twice: {text}");
        asked.push(text.clone());
        let work = answers[&text];
        let fields = match n {
            // Right by choice, by a typed name with a typo, and wrong.
            1..=5 => {
                let (id, _) = choices
                    .iter()
                    .find(|(_, name)| name == &html_escape(work))
                    .unwrap();
                vec![("choice", id.clone())]
            }
            // Typed, lower case, two letters swapped (where there are five).
            6 => {
                let mut typed: Vec<char> = work.to_lowercase().chars().collect();
                if typed.len() >= 5 {
                    typed.swap(2, 3);
                }
                vec![("typed", typed.into_iter().collect())]
            }
            _ => {
                let (id, _) = choices
                    .iter()
                    .find(|(_, name)| name != &html_escape(work))
                    .unwrap();
                vec![("choice", id.clone())]
            }
        };
        right += usize::from(n <= 6);
        let mut fields = fields;
        fields.push(("step", "answer".into()));
        fields.push(("csrf", csrf.clone()));
        let r = post(fields).await;
        assert_eq!(r.status().as_u16(), 303);
        // The answer is told above the next line.
        let (_, next) = get("/guess").await;
        let told = &next[next.find("class=\"told").unwrap()..];
        let verdict_right = told.starts_with("class=\"told told-right");
        assert_eq!(verdict_right, n <= 6, "answer {n}: {told}");
        assert!(told.contains(&html_escape(work)));
    }
    let (_, end) = get("/guess").await;
    assert!(question(&end).is_none(), "ten lines a round");
    let score_line = format!("You scored {right} out of 10");
    assert!(end.contains(&score_line), "{score_line}: {end}");
    // The result's link, opened by someone else: the score, no lines.
    let at = end.find("/guess/result/").unwrap();
    let link = &end[at..at + end[at..].find('"').unwrap()];
    let (status, shared) = app.get_text(link).await;
    assert_eq!(status, 200);
    assert!(shared.contains(&format!("<h1>{right} out of 10</h1>")));
    for text in &asked {
        assert!(!shared.contains(text.as_str()));
    }
    // A round never played has no result.
    assert_eq!(app.get_text("/guess/result/0123456789abcdef").await.0, 404);
    // Another round never repeats a line within itself either.
    let r = post(vec![("step", "start".into()), ("csrf", csrf.clone())]).await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, page) = get("/guess").await;
    assert!(question(&page).is_some());
    assert!(page.contains("Line 1 of 10"));
}

#[tokio::test]
async fn guess_is_played_in_chromium_without_reloading_the_page() {
    use crate::chromium::{connect, start_chromedriver};
    use fantoccini::Locator;
    let Some(driver) = start_chromedriver() else {
        crate::helpers::skip("chromedriver is not installed (apt-get install chromium chromium-driver, as .ci/run does)");
        return;
    };
    let app = app_with_lines().await;
    let c = connect(&driver).await;
    c.goto(&app.url("/guess")).await.unwrap();
    // A mark on the page: still there at the end if it never reloaded.
    c.execute("window.stayed = true;", vec![]).await.unwrap();
    c.find(Locator::Css(".guess-start button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let answers = answers();
    for n in 1..=10 {
        let number = match c.wait().for_element(Locator::Css(".guess-number")).await {
            Ok(e) => e,
            Err(e) => panic!("line {n}: {e}: {}", c.source().await.unwrap()),
        };
        assert_eq!(number.text().await.unwrap(), format!("Line {n} of 10"));
        let text = c
            .find(Locator::Css(".guess-form blockquote p"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let words = text
            .trim_matches(|c| c == '“' || c == '”')
            .replace('\'', "&#39;");
        let work = answers[&words];
        let choices = c.find_all(Locator::Css(".choice")).await.unwrap();
        let mut index = None;
        for (i, ch) in choices.iter().enumerate() {
            if ch.text().await.unwrap().contains(work) {
                index = Some(i);
            }
        }
        let index = index.unwrap();
        if n % 2 == 0 {
            // By its key, 1 to 4, pressed as a reader would.
            use fantoccini::actions::{InputSource, KeyAction, KeyActions};
            let key = char::from_digit(index as u32 + 1, 10).unwrap();
            let press = KeyActions::new("keyboard".into())
                .then(KeyAction::Down { value: key })
                .then(KeyAction::Up { value: key });
            c.perform_actions(press).await.unwrap();
        } else {
            choices[index].click().await.unwrap();
        }
        // The next line (or the result) comes in place, told above it.
        let next = if n < 10 {
            format!("Line {} of 10", n + 1)
        } else {
            String::new()
        };
        let mut tries = 0;
        loop {
            let now = match c.find(Locator::Css(".guess-number")).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            let over = n == 10 && c.find(Locator::Css(".result-link")).await.is_ok();
            if now == next && (n < 10 || over) {
                break;
            }
            assert!(tries < 100, "answer {n}: {}", c.source().await.unwrap());
            tries += 1;
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let told = c.find(Locator::Css(".told")).await.unwrap();
        let told_text = told.text().await.unwrap();
        assert!(told_text.starts_with("Right!"), "{told_text}");
        assert!(told_text.contains(work), "{told_text}");
    }
    let result = c
        .wait()
        .for_element(Locator::Css(".result-link"))
        .await
        .unwrap();
    assert!(result
        .attr("href")
        .await
        .unwrap()
        .unwrap()
        .starts_with("/guess/result/"));
    let link = result.attr("href").await.unwrap().unwrap();
    assert!(app
        .get_text(&link)
        .await
        .1
        .contains("<h1>10 out of 10</h1>"));
    let stayed = c
        .execute("return window.stayed === true;", vec![])
        .await
        .unwrap();
    assert_eq!(
        stayed,
        serde_json::Value::Bool(true),
        "the page never reloaded"
    );
    c.close().await.unwrap();
}

#[tokio::test]
async fn an_old_guess_cookie_sent_again_cannot_answer_a_line_twice() {
    use bestpick_app::guess::{self, Guess, Player};
    let app = app_with_lines().await;
    let site = &app.site;
    let mut player = Player {
        round: guess::start(site).await.unwrap(),
        ..Player::default()
    };
    let before = player.clone();
    let wrong = Guess {
        typed: "Not a film at all".into(),
        ..Guess::default()
    };
    assert!(guess::answer(site, &mut player, &wrong).await.unwrap());
    // The state from before the answer (a saved cookie), answering again.
    let mut replayed = before;
    let choice = replayed.round.as_ref().unwrap().choices[0];
    let again = Guess {
        choice: Some(choice),
        ..Guess::default()
    };
    assert!(!guess::answer(site, &mut replayed, &again).await.unwrap());
    assert!(replayed.round.is_none(), "the replayed round is dropped");
    // The real round goes on.
    assert!(guess::answer(site, &mut player, &wrong).await.unwrap());
    assert_eq!(player.round.as_ref().unwrap().answers, [false, false]);
}
