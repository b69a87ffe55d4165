//! The share image of a post with no picture of its own: 1200 × 630, the
//! size social networks show large, drawn here with the post's title, its
//! work and the scores, in DejaVu Sans (inside the binary, so a fresh
//! install draws the same card). Served through the page cache at
//! `/cards/{slug}` for published posts only. The fediverse accounts' pictures
//! and headers are drawn the same way.

use crate::error::AppError;
use crate::page_cache;
use crate::public::site_context;
use crate::routes::Routes;
use crate::state::AppState;
use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bestpick_store::{PostView, Topic};
use image::{Rgb, RgbImage};

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 630;
const MARGIN: f32 = 72.0;

const BACKGROUND: Rgb<u8> = Rgb([20, 22, 28]);
const INK: Rgb<u8> = Rgb([244, 241, 234]);
const MUTED: Rgb<u8> = Rgb([170, 172, 180]);
const ACCENT: Rgb<u8> = Rgb([232, 176, 75]);

pub fn router() -> Routes {
    Routes::new()
        .get("/cards/{slug}", card)
        .get("/cards/actors/{username}", avatar)
        .get("/cards/actors/{username}/header", header_image)
}

/// The picture and the header of an actor on the fediverse (`site`, or an
/// author with something published): their initials, and their name with
/// the site's, drawn as the share card is.
async fn actor_card(state: &AppState, username: &str, header: bool) -> Result<Response, AppError> {
    let site = site_context(state).await?;
    let (name, line) = match username {
        bestpick_app::federation::SITE_ACTOR => (site.name.clone(), site.tagline.clone()),
        _ => {
            let user = bestpick_app::federation::public_author(&state.site, username)
                .await?
                .ok_or(AppError::NotFound)?;
            (user.display_name, format!("on {}", site.name))
        }
    };
    let png = crate::render::off_the_async_threads(state, move || match header {
        true => draw_header(&name, &line),
        false => draw_avatar(&name),
    })
    .await??;
    Ok(page_cache::shared(
        ([(header::CONTENT_TYPE, "image/png")], png).into_response(),
        vec![Topic::Site],
        None,
    ))
}

async fn avatar(
    State(state): State<AppState>,
    Path(username): Path<String>,
) -> Result<Response, AppError> {
    actor_card(&state, &username, false).await
}

async fn header_image(
    State(state): State<AppState>,
    Path(username): Path<String>,
) -> Result<Response, AppError> {
    actor_card(&state, &username, true).await
}

/// A square of 400 with the name's initials (two at most) in the middle.
fn draw_avatar(name: &str) -> Result<Vec<u8>, AppError> {
    let (_, bold) = fonts()?;
    let mut img = RgbImage::from_pixel(400, 400, BACKGROUND);
    for y in 372..400 {
        for x in 0..400 {
            img.put_pixel(x, y, ACCENT);
        }
    }
    let initials: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect();
    let size = 180.0;
    let x = (400.0 - measure(&bold, size, &initials)) / 2.0;
    text(&mut img, &bold, size, x.max(0.0), 262.0, &initials, INK);
    png(&img)
}

/// A banner of 1500 × 500: the name, large, and a line under it.
fn draw_header(name: &str, line: &str) -> Result<Vec<u8>, AppError> {
    let (regular, bold) = fonts()?;
    let mut img = RgbImage::from_pixel(1500, 500, BACKGROUND);
    for y in 0..500 {
        for x in 0..16 {
            img.put_pixel(x, y, ACCENT);
        }
    }
    let width = 1500.0 - 2.0 * MARGIN;
    let mut y = 230.0;
    for l in wrap(&bold, 84.0, name, width).iter().take(1) {
        text(&mut img, &bold, 84.0, MARGIN, y, l, INK);
    }
    y += 90.0;
    for l in wrap(&regular, 40.0, line, width).iter().take(2) {
        text(&mut img, &regular, 40.0, MARGIN, y, l, MUTED);
        y += 52.0;
    }
    png(&img)
}

fn fonts() -> Result<(FontRef<'static>, FontRef<'static>), AppError> {
    let font = |data| {
        FontRef::try_from_slice(data)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("the card's font: {e}")))
    };
    Ok((font(dejavu::sans::regular())?, font(dejavu::sans::bold())?))
}

fn png(img: &RgbImage) -> Result<Vec<u8>, AppError> {
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(png)
}

/// The card's path for a post.
pub fn path(slug: &str) -> String {
    format!("/cards/{slug}")
}

async fn card(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let store = &state.site.store;
    let post = store.post_by_slug(&slug).await?.ok_or(AppError::NotFound)?;
    // Only what anyone may read: a draft's card would tell its title.
    let post = bestpick_app::posts::visible_to(post, None).ok_or(AppError::NotFound)?;
    let site = site_context(&state).await?;
    let lines = Lines::of(&post, &site.name);
    // Drawing takes a core for a while: in turn with page renders.
    let png = crate::render::off_the_async_threads(&state, move || draw(&lines)).await??;
    let topics = vec![Topic::Post(post.card.id), Topic::Films, Topic::Site];
    Ok(page_cache::shared(
        ([(header::CONTENT_TYPE, "image/png")], png).into_response(),
        topics,
        None,
    ))
}

/// What the card says.
struct Lines {
    site: String,
    kicker: String,
    title: String,
    scores: String,
}

impl Lines {
    fn of(post: &PostView, site: &str) -> Lines {
        let kicker = match &post.work {
            Some(w) => format!("{} ({})", w.name, w.years_label),
            None => post.card.section.name.clone(),
        };
        let scores = post
            .scores
            .iter()
            .map(|s| format!("{} {}", s.label, s.display))
            .collect::<Vec<_>>()
            .join("   ·   ");
        Lines {
            site: site.to_owned(),
            kicker,
            title: post.card.title.clone(),
            scores,
        }
    }
}

fn draw(lines: &Lines) -> Result<Vec<u8>, AppError> {
    let (regular, bold) = fonts()?;
    let mut img = RgbImage::from_pixel(WIDTH, HEIGHT, BACKGROUND);
    // A band of the accent colour down the left edge.
    for y in 0..HEIGHT {
        for x in 0..16 {
            img.put_pixel(x, y, ACCENT);
        }
    }
    let width = WIDTH as f32 - 2.0 * MARGIN;
    let mut y = MARGIN + 30.0;
    text(&mut img, &regular, 30.0, MARGIN, y, &lines.site, MUTED);
    y += 90.0;
    for line in wrap(&bold, 40.0, &lines.kicker, width).iter().take(2) {
        text(&mut img, &bold, 40.0, MARGIN, y, line, ACCENT);
        y += 54.0;
    }
    y += 24.0;
    // The title as large as fits in three lines.
    let (size, title) = [64.0, 54.0, 46.0]
        .iter()
        .map(|s| (*s, wrap(&bold, *s, &lines.title, width)))
        .find(|(_, l)| l.len() <= 3)
        .unwrap_or_else(|| (46.0, wrap(&bold, 46.0, &lines.title, width)));
    for line in title.iter().take(3) {
        y += size;
        text(&mut img, &bold, size, MARGIN, y, line, INK);
        y += size * 0.25;
    }
    if !lines.scores.is_empty() {
        text(
            &mut img,
            &regular,
            32.0,
            MARGIN,
            HEIGHT as f32 - MARGIN,
            &lines.scores,
            INK,
        );
    }
    png(&img)
}

/// Width of `s` at `size` pixels.
fn measure(font: &FontRef, size: f32, s: &str) -> f32 {
    layout(font, size, s).last().map_or(0.0, |(_, _, end)| *end)
}

/// Each glyph of `s` at `size` pixels with where it starts and where the
/// next starts (kerning included), from 0: one layout for measuring and
/// for drawing.
fn layout(font: &FontRef, size: f32, s: &str) -> Vec<(ab_glyph::GlyphId, f32, f32)> {
    let font = font.as_scaled(PxScale::from(size));
    let mut last = None;
    let mut pen = 0.0;
    s.chars()
        .map(|c| {
            let id = font.glyph_id(c);
            if let Some(prev) = last {
                pen += font.kern(prev, id);
            }
            let start = pen;
            pen += font.h_advance(id);
            last = Some(id);
            (id, start, pen)
        })
        .collect()
}

/// `s` in lines no wider than `width`, broken between words (a word too
/// long for a line is cut with "…").
fn wrap(font: &FontRef, size: f32, s: &str, width: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if measure(font, size, &candidate) <= width || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    for l in &mut lines {
        while measure(font, size, l) > width && l.chars().count() > 1 {
            l.pop();
            l.pop();
            l.push('…');
        }
    }
    lines
}

/// Draws `s` with its baseline at `y`, blending each glyph's coverage.
fn text(img: &mut RgbImage, font: &FontRef, size: f32, x: f32, y: f32, s: &str, ink: Rgb<u8>) {
    let scale = PxScale::from(size);
    for (id, start, _) in layout(font, size, s) {
        let glyph = id.with_scale_and_position(scale, ab_glyph::point(x + start, y));
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let px = bounds.min.x as i32 + gx as i32;
            let py = bounds.min.y as i32 + gy as i32;
            if px < 0 || py < 0 || px >= img.width() as i32 || py >= img.height() as i32 {
                return;
            }
            let under = img.get_pixel_mut(px as u32, py as u32);
            for i in 0..3 {
                let a = coverage.clamp(0.0, 1.0);
                under.0[i] = (under.0[i] as f32 * (1.0 - a) + ink.0[i] as f32 * a).round() as u8;
            }
        });
    }
}
