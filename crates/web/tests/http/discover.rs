//! Being led from one pick to the next: related picks with their reasons,
//! kept in step as picks change, and `/works`, every work readers may see,
//! filtered, sorted and paged.

use crate::helpers::TestApp;

/// A pick document; `extra` goes at its top (a status, a date). (Every
/// fact a test varies is an argument, so each call reads as the pick.)
#[allow(clippy::too_many_arguments)]
fn pick(
    slug: &str,
    work: &str,
    year: i32,
    directors: &[&str],
    cast: &[&str],
    genres: &[&str],
    metacritic: Option<u32>,
    extra: &str,
) -> String {
    let list = |names: &[&str]| {
        names
            .iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let cast = cast
        .iter()
        .map(|n| format!("{{ name = {n:?}, role = \"\" }}"))
        .collect::<Vec<_>>()
        .join(", ");
    let score = metacritic
        .map(|v| format!("\n[[scores]]\nsource = \"metacritic\"\nvalue = {v}\n"))
        .unwrap_or_default();
    format!(
        "+++\ntitle = \"Why {work} matters\"\nslug = \"{slug}\"\nkind = \"pick\"\nsection = \"best-pick\"\n{extra}\n\
         [work]\nkind = \"movie\"\nname = {work:?}\nyear = {year}\ndirectors = [{}]\ncast = [{cast}]\ngenres = [{}]\n{score}+++\nWords.\n",
        list(directors),
        list(genres)
    )
}

/// The related picks on a page: each title with its reason.
fn related(html: &str) -> Vec<(String, String)> {
    let Some(start) = html.find("id=\"related-title\"") else {
        return Vec::new();
    };
    let section = &html[start..start + html[start..].find("</section>").unwrap()];
    section
        .split("<li class=\"related-pick\">")
        .skip(1)
        .map(|li| {
            let between = |open: &str, close: &str| {
                let a = li.find(open).unwrap() + open.len();
                let a = a + li[a..].find('>').unwrap() + 1;
                li[a..a + li[a..].find(close).unwrap()].to_owned()
            };
            (
                between("class=\"related-title\"", "</a>"),
                between("class=\"related-reason\"", "</span>"),
            )
        })
        .collect()
}

const YEAR_SECS: i64 = 366 * 24 * 3600;

#[tokio::test]
async fn related_picks_name_their_reason_and_follow_changes() {
    let app = TestApp::spawn().await;
    let published = "date = 2020-01-01";
    app.import(&pick(
        "la-la-land",
        "La La Land",
        2016,
        &["Damien Chazelle"],
        &["Emma Stone", "Ryan Gosling"],
        &["Musical", "Romance"],
        Some(94),
        published,
    ))
    .await;
    app.import(&pick(
        "whiplash",
        "Whiplash",
        2014,
        &["Damien Chazelle"],
        &["Miles Teller"],
        &["Drama"],
        Some(88),
        published,
    ))
    .await;
    app.import(&pick(
        "crazy-stupid-love",
        "Crazy, Stupid, Love.",
        2011,
        &["Glenn Ficarra"],
        &["Steve Carell", "Emma Stone"],
        &["Comedy"],
        Some(68),
        published,
    ))
    .await;
    app.import(&pick(
        "greatest-showman",
        "The Greatest Showman",
        2017,
        &["Michael Gracey"],
        &["Hugh Jackman"],
        &["Musical"],
        Some(48),
        published,
    ))
    .await;
    app.import(&pick(
        "heat",
        "Heat",
        1995,
        &["Michael Mann"],
        &["Al Pacino"],
        &["Crime"],
        Some(76),
        published,
    ))
    .await;
    // A draft and a scheduled pick by the same director are not named.
    let first_man = |status: &str| {
        pick(
            "first-man",
            "First Man",
            2018,
            &["Damien Chazelle"],
            &["Ryan Gosling"],
            &["Drama"],
            Some(84),
            &format!("status = \"{status}\"\ndate = 2020-02-01"),
        )
    };
    app.import(&first_man("draft")).await;
    app.import(&pick(
        "babylon",
        "Babylon",
        2022,
        &["Damien Chazelle"],
        &["Margot Robbie"],
        &["Drama"],
        Some(60),
        "date = 2099-01-01",
    ))
    .await;

    let page = || async { app.get_text("/best-pick/la-la-land").await.1 };
    let shown = related(&page().await);
    assert_eq!(
        shown,
        [
            (
                "Why Whiplash matters".to_owned(),
                "same director: Damien Chazelle".to_owned()
            ),
            (
                "Why Crazy, Stupid, Love. matters".to_owned(),
                "also with Emma Stone".to_owned()
            ),
            (
                "Why The Greatest Showman matters".to_owned(),
                "also a musical".to_owned()
            ),
        ],
        "{shown:?}"
    );
    // The other way round, the reason is the same person.
    let whiplash = related(&app.get_text("/best-pick/whiplash").await.1);
    assert_eq!(whiplash[0].0, "Why La La Land matters");
    assert_eq!(whiplash[0].1, "same director: Damien Chazelle");
    assert!(!whiplash.iter().any(|(t, _)| t.contains("Heat")));

    // Published, the draft is named at once, on a page cached before.
    app.import(&first_man("published")).await;
    let shown = related(&page().await);
    assert_eq!(shown[0].0, "Why First Man matters", "{shown:?}");
    assert_eq!(shown[0].1, "same director: Damien Chazelle");

    // Unpublished, a related pick leaves the lists that named it.
    app.import(&pick(
        "whiplash",
        "Whiplash",
        2014,
        &["Damien Chazelle"],
        &["Miles Teller"],
        &["Drama"],
        Some(88),
        "status = \"draft\"",
    ))
    .await;
    let shown = related(&page().await);
    assert!(
        !shown.iter().any(|(t, _)| t.contains("Whiplash")),
        "{shown:?}"
    );
    // Retitled, it is shown by its new title.
    app.import(
        &pick(
            "crazy-stupid-love",
            "Crazy, Stupid, Love.",
            2011,
            &["Glenn Ficarra"],
            &["Steve Carell", "Emma Stone"],
            &["Comedy"],
            Some(68),
            published,
        )
        .replace("Why Crazy, Stupid, Love. matters", "Love, crazy and stupid"),
    )
    .await;
    let shown = related(&page().await);
    assert!(
        shown.iter().any(|(t, _)| t == "Love, crazy and stupid"),
        "{shown:?}"
    );
    // The scheduled pick is named once its time has come.
    assert!(!shown.iter().any(|(t, _)| t.contains("Babylon")));
    app.advance_clock(80 * YEAR_SECS);
    let shown = related(&page().await);
    assert!(
        shown
            .iter()
            .any(|(t, r)| t == "Why Babylon matters" && r == "same director: Damien Chazelle"),
        "{shown:?}"
    );
    // Deleted, it is gone from the list.
    let id = app
        .site
        .store
        .post_id_by_slug("babylon")
        .await
        .unwrap()
        .unwrap();
    app.site.store.delete_post(id).await.unwrap();
    let shown = related(&page().await);
    assert!(!shown.iter().any(|(t, _)| t.contains("Babylon")));
}

/// The works on a page of the list, by name, in order.
fn works(html: &str) -> Vec<String> {
    html.split("<li class=\"work-row\">")
        .skip(1)
        .map(|li| {
            let a = li.find("<a href=\"/work/").unwrap();
            let a = a + li[a..].find('>').unwrap() + 1;
            li[a..a + li[a..].find("</a>").unwrap()].to_owned()
        })
        .collect()
}

/// The address a pager link leads to.
fn link(html: &str, rel: &str) -> Option<String> {
    let at = html.find(&format!("rel=\"{rel}\" href=\""))? + rel.len() + 13;
    Some(html[at..at + html[at..].find('"').unwrap()].replace("&amp;", "&"))
}

#[tokio::test]
async fn the_works_list_filters_sorts_and_pages_what_readers_may_see() {
    let app = TestApp::spawn().await;
    let published = "date = 2020-01-01";
    for (slug, name, year, genres, score) in [
        (
            "la-la-land",
            "La La Land",
            2016,
            &["Musical", "Romance"][..],
            Some(94),
        ),
        ("whiplash", "Whiplash", 2014, &["Drama"][..], Some(88)),
        (
            "showman",
            "The Greatest Showman",
            2017,
            &["Musical"][..],
            Some(48),
        ),
        ("heat", "Heat", 1995, &["Crime"][..], Some(76)),
        ("amelie", "Amélie", 2001, &["Comedy"][..], None),
    ] {
        app.import(&pick(
            slug,
            name,
            year,
            &["Someone"],
            &[],
            genres,
            score,
            published,
        ))
        .await;
    }
    app.import(
        &pick(
            "wire",
            "The Wire",
            2002,
            &[],
            &[],
            &["Crime"],
            Some(98),
            published,
        )
        .replace("kind = \"movie\"", "kind = \"tv\""),
    )
    .await;
    app.import(&pick(
        "first-man",
        "First Man",
        2018,
        &[],
        &[],
        &["Drama"],
        Some(84),
        "status = \"draft\"",
    ))
    .await;
    app.import(&pick(
        "babylon",
        "Babylon",
        2022,
        &[],
        &[],
        &["Drama"],
        Some(60),
        "date = 2099-01-01",
    ))
    .await;

    let list = |q: &str| {
        let app = &app;
        let q = q.to_owned();
        async move {
            let (status, html) = app.get_text(&format!("/works{q}")).await;
            assert_eq!(status, 200, "{q}: {html}");
            works(&html)
        }
    };
    // Highest score first, works without one last; drafts' and scheduled
    // posts' works are not there.
    assert_eq!(
        list("").await,
        [
            "The Wire",
            "La La Land",
            "Whiplash",
            "Heat",
            "The Greatest Showman",
            "Amélie"
        ]
    );
    assert_eq!(list("?kind=tv").await, ["The Wire"]);
    assert_eq!(
        list("?genre=Musical").await,
        ["La La Land", "The Greatest Showman"]
    );
    assert_eq!(
        list("?decade=2010s").await,
        ["La La Land", "Whiplash", "The Greatest Showman"]
    );
    assert_eq!(
        list("?min_score=80&kind=movie").await,
        ["La La Land", "Whiplash"]
    );
    // By name, accents and "The" as written: a, h, l, t, w.
    assert_eq!(
        list("?sort=name").await,
        [
            "Amélie",
            "Heat",
            "La La Land",
            "The Greatest Showman",
            "The Wire",
            "Whiplash"
        ]
    );
    assert_eq!(list("?sort=year&genre=Crime").await, ["The Wire", "Heat"]);
    // The scores are drawn as bars, each with its source.
    let (_, html) = app.get_text("/works?kind=tv").await;
    assert!(html.contains("<strong>98</strong>/100"), "{html}");
    assert!(html.contains("<span class=\"bar-label\">Metacritic</span>"));

    // A newer pick's scores are the work's; a scheduled one's only once
    // its time has come.
    app.import(&pick(
        "whiplash-again",
        "Whiplash",
        2014,
        &["Someone"],
        &[],
        &["Drama"],
        Some(20),
        "date = 2021-01-01",
    ))
    .await;
    app.import(&pick(
        "heat-later",
        "Heat",
        1995,
        &["Someone"],
        &[],
        &["Crime"],
        Some(100),
        "date = 2099-06-01",
    ))
    .await;
    assert_eq!(
        list("").await,
        [
            "The Wire",
            "La La Land",
            "Heat",
            "The Greatest Showman",
            "Whiplash",
            "Amélie"
        ]
    );
    app.advance_clock(80 * YEAR_SECS);
    assert_eq!(
        list("").await,
        [
            "Heat",
            "The Wire",
            "La La Land",
            "Babylon",
            "The Greatest Showman",
            "Whiplash",
            "Amélie"
        ]
    );

    // Wrong values are named, and nothing is listed.
    for (q, said) in [
        ("?decade=1995", "&#39;1995&#39; is not a decade"),
        (
            "?sort=random",
            "&#39;random&#39; is not one of score, year and name",
        ),
        ("?kind=opera", "&#39;opera&#39; is neither movie nor tv"),
        (
            "?min_score=101",
            "&#39;101&#39; is not a number from 0 to 100",
        ),
        ("?after=1&before=2", "give after or before, not both"),
        ("?after=x", "&#39;x&#39; is not a work&#39;s number"),
    ] {
        let (status, html) = app.get_text(&format!("/works{q}")).await;
        assert_eq!(status, 400, "{q}");
        assert!(
            html.contains("error-summary") && html.contains(said),
            "{q}: {html}"
        );
        assert!(works(&html).is_empty());
    }

    // Enough works for pages: walked forward and back, none missed or
    // repeated, in every order.
    for i in 0..70 {
        app.import(&pick(
            &format!("film-{i}"),
            &format!("Film {i:02}"),
            1950 + i,
            &[],
            &[],
            &["Western"],
            (i % 3 != 0).then_some(i as u32),
            published,
        ))
        .await;
    }
    for sort in ["score", "year", "name"] {
        let all = {
            let mut seen = Vec::new();
            let mut next = Some(format!("/works?sort={sort}&genre=Western"));
            let mut pages = Vec::new();
            while let Some(url) = next {
                let (status, html) = app.get_text(&url).await;
                assert_eq!(status, 200, "{url}");
                pages.push(url);
                seen.extend(works(&html));
                next = link(&html, "next");
            }
            assert_eq!(pages.len(), 3, "{pages:?}");
            // Back from the last page, the same works in the same order.
            let mut back = Vec::new();
            let mut prev = link(&app.get_text(pages.last().unwrap()).await.1, "prev");
            let mut last_page = works(&app.get_text(pages.last().unwrap()).await.1);
            back.append(&mut last_page);
            while let Some(url) = prev {
                let html = app.get_text(&url).await.1;
                let mut page = works(&html);
                page.append(&mut back);
                back = page;
                prev = link(&html, "prev");
            }
            assert_eq!(back, seen, "{sort}: back and forth differ");
            seen
        };
        let mut sorted = all.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 70, "{sort}: {all:?}");
        if sort == "name" {
            assert_eq!(all, sorted);
        }
        if sort == "year" {
            assert_eq!(all[0], "Film 69");
        }
        if sort == "score" {
            assert_eq!(all[0], "Film 68");
            // Unscored works come last.
            assert!(
                all[46..]
                    .iter()
                    .all(|n| n[5..].parse::<u32>().unwrap() % 3 == 0),
                "{all:?}"
            );
        }
    }
    // A cursor that leads nowhere is not a page.
    assert_eq!(app.get_text("/works?after=999999").await.0, 404);
}
