//! `bestpick demo`: sample content written for bestpick, so a new site has
//! something to show. Loading it twice updates it; nothing is duplicated.

use crate::import;
use crate::posts::CoverSource;
use crate::{accounts, secrets, Site};
use anyhow::Context;
use bestpick_core::comment::{self, CommentStatus};
use bestpick_core::user::Role;
use bestpick_store::Feature;

/// The sample posts, embedded so the binary needs no files beside it.
const POSTS: &[(&str, &str)] = &[
    ("la-la-land.md", include_str!("../demo/la-la-land.md")),
    ("the-thing.md", include_str!("../demo/the-thing.md")),
    ("the-wire.md", include_str!("../demo/the-wire.md")),
    (
        "why-we-rewatch.md",
        include_str!("../demo/why-we-rewatch.md"),
    ),
    ("festival-news.md", include_str!("../demo/festival-news.md")),
];

/// (slug, name, description) of the demo's sections.
const SECTIONS: &[(&str, &str, &str)] = &[
    (
        "best-pick",
        "Best Pick",
        "One film or show we love, with everything you need to decide.",
    ),
    (
        "essays",
        "Essays",
        "Longer thoughts on watching, rewatching and why films stay with us.",
    ),
    (
        "news",
        "News",
        "Festivals, releases and what is happening on screens near you.",
    ),
];

/// The sections that are features: every line of the picks, and the game.
const FEATURES: &[(&str, &str, &str, Feature)] = &[
    (
        "quotes",
        "Quotes",
        "Every line of every film and show we have written about.",
        Feature::Quotes,
    ),
    (
        "guess",
        "Guess!",
        "Which film or show said it? Ten lines a round.",
        Feature::Guess,
    ),
];

/// A section the site used to have: retired, its address now leads to Best Pick.
const RETIRED: (&str, &str, &str) = (
    "recommended",
    "Recommended",
    "Our old recommendations section.",
);

#[derive(Debug)]
pub struct DemoReport {
    pub posts: usize,
    /// Set when the demo created the admin account: shown once, never stored.
    pub admin: Option<(String, String)>,
}

pub async fn load(site: &Site) -> anyhow::Result<DemoReport> {
    let store = &site.store;
    let mut admin_created = None;
    let admin = match store.first_admin().await? {
        Some(a) => a,
        None => {
            let password = secrets::random_password();
            let user = accounts::add_user(site, "admin", "Site Admin", Role::Admin, &password)
                .await
                .context("could not create the admin account")?;
            admin_created = Some((user.username.clone(), password));
            user
        }
    };
    for (slug, name, description) in SECTIONS.iter().chain([&RETIRED]) {
        if store.section_by_slug(slug).await?.is_none() {
            store.create_section(slug, name, description).await?;
        }
    }
    for (slug, name, description, feature) in FEATURES {
        if store.section_by_slug(slug).await?.is_none() {
            store
                .create_feature_section(slug, name, description, Some(*feature))
                .await?;
        }
    }
    let retired = store
        .section_by_slug(RETIRED.0)
        .await?
        .context("the retired section")?;
    let target = store
        .section_by_slug("best-pick")
        .await?
        .context("the Best Pick section")?;
    if retired.is_active() {
        store.retire_section(retired.id, target.id).await?;
    }
    for (i, (name, text)) in POSTS.iter().enumerate() {
        // The demo's posts name "admin" as their author; use whoever the admin is.
        let mut text = text.replace(
            "authors = [\"admin\"]",
            &format!("authors = [\"{}\"]", admin.username),
        );
        // Each pick's work gets a poster of the demo's own making: artwork
        // drawn here, stored as an upload (the same picture each time).
        if let Some(work) = text.find("\n[work]\n") {
            let url = poster(site, name, i as u32).await?;
            text.insert_str(work + "\n[work]\n".len(), &format!("poster = \"{url}\"\n"));
        }
        let cover = CoverSource::Load(Box::new(|src: &str| match src {
            "festival-lights.jpg" => Ok(crate::media::generated_picture(1600, 1000, 3)),
            other => Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                other.to_owned(),
            )),
        }));
        import::import_text(site, &text, cover, &admin)
            .await
            .map_err(|errors| {
                let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
                anyhow::anyhow!("the demo post {name} did not load: {}", list.join("; "))
            })?;
    }
    sample_comments(site, &admin).await?;
    Ok(DemoReport {
        posts: POSTS.len(),
        admin: admin_created,
    })
}

/// A generated poster for the demo post `name`, stored as an upload; its address.
async fn poster(site: &Site, name: &str, seed: u32) -> anyhow::Result<String> {
    let work = name.trim_end_matches(".md").replace('-', " ");
    let text = crate::media::PhotoText {
        alt: format!("Poster artwork for {work}, drawn by bestpick's demo"),
        caption: None,
        credit: Some("Generated artwork".into()),
    };
    let bytes = crate::media::generated_picture(600, 900, 20 + seed);
    match crate::media::upload(site, "poster", format!("{work}.jpg"), bytes, text).await {
        Ok(Ok(m)) => Ok(m.url),
        Ok(Err(errors)) => anyhow::bail!("the demo poster of {name} was refused: {errors}"),
        Err(e) => Err(anyhow::anyhow!("the demo poster of {name}: {e}")),
    }
}

/// A short thread under the La La Land pick, with the author's reply, so a
/// new site shows what comments look like. Added once.
async fn sample_comments(site: &Site, admin: &bestpick_store::User) -> anyhow::Result<()> {
    let store = &site.store;
    let Some(post_id) = store.post_id_by_slug("la-la-land").await? else {
        return Ok(());
    };
    if !store.published_comments(post_id).await?.is_empty() {
        return Ok(());
    }
    let thread = [
        ("Mia R.", "mia@example.com", None, "The planetarium scene gets me every time. Did anyone else stay for the *whole* epilogue twice?"),
        ("Sebastian", "seb@example.com", Some(0), "Twice, and I still argue with the last look. It's the only honest ending it could have."),
        (admin.display_name.as_str(), "", Some(1), "That last look is why it's the pick: it lets both of them be right."),
    ];
    let mut ids: Vec<i64> = Vec::new();
    for (depth, (name, email, parent, body)) in thread.into_iter().enumerate() {
        let team = email.is_empty();
        let id = store
            .insert_comment(&bestpick_store::NewComment {
                post_id,
                parent_id: parent.map(|p: usize| ids[p]),
                depth: if parent.is_some() { depth as i64 } else { 0 },
                name: name.to_owned(),
                email: email.to_owned(),
                website: None,
                user_id: team.then_some(admin.id),
                body: body.to_owned(),
                body_html: comment::body_html(body),
                status: CommentStatus::Published,
                score: None,
                reasons: vec!["sample comment from `bestpick demo`".into()],
                ip: "127.0.0.1".into(),
                network: "127.0.0.0/24".into(),
                notify: false,
                fingerprint: comment::fingerprint(body),
            })
            .await?;
        ids.push(id);
    }
    Ok(())
}
