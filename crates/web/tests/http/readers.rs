//! The readers' pages of the demo site in Chromium, at a phone's width and
//! a desktop's, in the light scheme and the dark one: text contrast meets
//! WCAG AA, nothing scrolls sideways, headings do not skip a level, and
//! what issue 13 found is fixed. Screenshots go to target/screenshots/.

use crate::chromium::{connect_with, start_chromedriver};
use crate::helpers::TestApp;
use fantoccini::{Client, Locator};
use std::time::Duration;

/// Every text on the page whose contrast with what is behind it is below
/// WCAG AA (4.5:1, or 3:1 for large text), as "text: ratio".
const LOW_CONTRAST: &str = r#"
const lum = (c) => {
  const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const rgba = (s) => (s.match(/[\d.]+/g) || []).map(Number);
const behind = (el) => {
  for (let e = el; e; e = e.parentElement) {
    const c = rgba(getComputedStyle(e).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
  }
  return rgba(getComputedStyle(document.documentElement).backgroundColor).slice(0, 3);
};
const bad = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const node = walker.currentNode;
  const el = node.parentElement;
  if (!node.textContent.trim() || !el || el.closest("svg, .visually-hidden, .honeypot, [hidden]")) continue;
  const style = getComputedStyle(el);
  if (style.visibility === "hidden" || style.display === "none" || el.getClientRects().length === 0) continue;
  const fg = rgba(style.color).slice(0, 3);
  const bg = behind(el);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  const ratio = (a + 0.05) / (b + 0.05);
  const size = parseFloat(style.fontSize);
  const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) bad.push(node.textContent.trim().slice(0, 40) + ": " + ratio.toFixed(2));
}
return bad;
"#;

/// Headings that skip a level going down (an h1 followed by an h3).
const SKIPPED_HEADINGS: &str = r#"
const levels = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map((h) => Number(h.tagName[1]));
const bad = [];
levels.forEach((l, i) => { if (i > 0 && l > levels[i - 1] + 1) bad.push("h" + levels[i - 1] + " then h" + l); });
return bad;
"#;

async fn run(c: &Client, script: &str) -> serde_json::Value {
    c.execute(script, vec![]).await.unwrap()
}

#[tokio::test]
async fn the_readers_pages_read_well_in_both_schemes_on_phones_and_desktops_in_chromium() {
    let Some(driver) = start_chromedriver() else {
        crate::helpers::skip("chromedriver is not installed (apt-get install chromium chromium-driver, as .ci/run does)");
        return;
    };
    let app = TestApp::spawn_empty().await;
    bestpick_app::demo::load(&app.site).await.unwrap();
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let pages = [
        ("home", "/"),
        ("section", "/best-pick"),
        ("tag", "/tag/los-angeles"),
        ("pick", "/best-pick/la-la-land"),
        ("essay", "/essays/why-we-rewatch"),
        ("work", "/work/la-la-land-2016"),
        ("person", "/person/emma-stone"),
        ("works", "/works"),
        ("quotes", "/quotes"),
        ("work's lines", "/quotes/la-la-land-2016"),
        ("guess", "/guess"),
    ];
    for scheme in ["light", "dark"] {
        let args: &[&str] = if scheme == "dark" {
            &["--force-dark-mode"]
        } else {
            &[]
        };
        let c = connect_with(&driver, args).await;
        c.goto(&app.url("/")).await.unwrap();
        let dark = run(
            &c,
            "return matchMedia('(prefers-color-scheme: dark)').matches;",
        )
        .await;
        assert_eq!(dark, scheme == "dark", "the browser prefers {scheme}");
        for (size, width, height) in [("phone", 390, 844), ("desktop", 1366, 900)] {
            c.set_window_size(width, height).await.unwrap();
            for (name, path) in pages {
                c.goto(&app.url(path)).await.unwrap();
                tokio::time::sleep(Duration::from_millis(150)).await;
                let title = c.title().await.unwrap();
                assert!(!title.contains("not found"), "{path}: {title}");
                let low = run(&c, LOW_CONTRAST).await;
                assert_eq!(
                    low,
                    serde_json::json!([]),
                    "{path} ({scheme}, {size}): text below WCAG AA"
                );
                let skipped = run(&c, SKIPPED_HEADINGS).await;
                assert_eq!(
                    skipped,
                    serde_json::json!([]),
                    "{path}: headings skip a level"
                );
                let wide = run(
                    &c,
                    "return document.documentElement.scrollWidth > window.innerWidth;",
                )
                .await;
                assert_eq!(wide, false, "{path} scrolls sideways at {width} px");
                // `main` keeps its padding above the first line.
                let top = run(&c, "return parseFloat(getComputedStyle(document.querySelector('main')).paddingTop);").await;
                assert!(
                    top.as_f64().unwrap() >= 16.0,
                    "{path}: main's top padding is {top}"
                );
                let png = c.screenshot().await.unwrap();
                std::fs::write(shots.join(format!("{name}-{size}-{scheme}.png")), png).unwrap();
            }
        }
        c.close().await.unwrap();
    }

    // The pick page, looked at closely.
    let c = connect_with(&driver, &[]).await;
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&app.url("/best-pick/la-la-land")).await.unwrap();
    let top_of = |css: &'static str| {
        let c = c.clone();
        async move {
            run(
                &c,
                &format!("return document.querySelector('{css}').getBoundingClientRect().top;"),
            )
            .await
            .as_f64()
            .unwrap()
        }
    };
    // On a phone the review opens the page, before the facts and critics.
    assert!(top_of(".pick-intro").await < top_of(".factbox").await);
    assert!(top_of(".factbox").await < top_of(".critics").await);
    // The poster is responsive and sized.
    let poster = c.find(Locator::Css(".factbox img.poster")).await.unwrap();
    for attr in ["srcset", "sizes", "width", "height"] {
        assert!(
            poster.attr(attr).await.unwrap().is_some(),
            "the poster has {attr}"
        );
    }
    // Each source's name sits above its bar, not over it.
    let overlap = run(
        &c,
        "const labels = [...document.querySelectorAll('.chart-label')]; const bars = [...document.querySelectorAll('.chart-track')];
         return labels.some((l, i) => l.getBBox().y + l.getBBox().height > bars[i].getBBox().y);",
    )
    .await;
    assert_eq!(overlap, false, "a score's name overlaps its bar");
    // "Plot" is a heading; its warning changes once open.
    let summary = c.find(Locator::Css(".spoilers summary")).await.unwrap();
    assert!(summary.text().await.unwrap().contains("open to read"));
    let before = run(
        &c,
        "return document.querySelector('.spoilers').previousElementSibling.outerHTML;",
    )
    .await;
    assert!(
        before
            .as_str()
            .unwrap()
            .starts_with("<h2 class=\"plot-heading\">Plot</h2>"),
        "{before}"
    );
    crate::chromium::click(&c, ".spoilers summary").await;
    let opened = summary.text().await.unwrap();
    assert!(!opened.contains("open to read"), "{opened}");
    // Comments line up with the article's text.
    let left = |css: &'static str| {
        let c = c.clone();
        async move {
            run(
                &c,
                &format!("return document.querySelector('{css}').getBoundingClientRect().left;"),
            )
            .await
            .as_f64()
            .unwrap()
        }
    };
    c.set_window_size(1366, 900).await.unwrap();
    assert_eq!(left("#comments").await, left(".post").await);
    // Tags read as they were typed.
    let tags = c
        .find(Locator::Css(".tags"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(tags.contains("Los Angeles"), "{tags}");
    // Cards below the fold wait to load their pictures; the first do not.
    c.goto(&app.url("/best-pick")).await.unwrap();
    let lazy: Vec<Option<String>> = {
        let mut out = Vec::new();
        for img in c.find_all(Locator::Css(".card img")).await.unwrap() {
            out.push(img.attr("loading").await.unwrap());
        }
        out
    };
    assert_eq!(
        lazy.first(),
        Some(&None),
        "the first card's picture loads at once"
    );
    c.close().await.unwrap();
}
