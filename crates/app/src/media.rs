//! Image uploads: checked, stored under a name derived from their content,
//! and resized for responsive pages.

use crate::{OpError, Site};
use bestpick_core::{FieldError, FieldErrors};
use bestpick_store::{Media, MediaUse, NewMedia, User, Variant};
use image::{GenericImageView, ImageFormat};
use sha2::{Digest, Sha256};
use std::io::Cursor;
use std::path::Path;

/// Uploads larger than this are refused before decoding.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Widths of the resized copies; none is made wider than the original.
pub const VARIANT_WIDTHS: [u32; 3] = [480, 960, 1600];
/// Images with more pixels than this are refused: decoding one would take
/// too much memory (a "decompression bomb").
const MAX_PIXELS: u64 = 40_000_000;

/// The words that go with a photo.
#[derive(Debug, Clone, Default)]
pub struct PhotoText {
    pub alt: String,
    pub caption: Option<String>,
    pub credit: Option<String>,
}

/// Checks an image uploaded through `field`, stores it and its variants in
/// the site's media folder and records it; or says what is wrong with it.
pub async fn upload(
    site: &Site,
    field: &str,
    original_name: String,
    bytes: Vec<u8>,
    text: PhotoText,
) -> Result<Result<Media, FieldErrors>, OpError> {
    let dir = site.media_dir();
    let field_name = field.to_owned();
    // Decoding and resizing take a while: off the async threads.
    let stored = tokio::task::spawn_blocking(move || {
        store_image(&dir, &field_name, &original_name, &bytes, text)
    })
    .await
    .map_err(|e| OpError::Other(e.into()))?;
    match stored {
        Ok(new) => Ok(Ok(site.store.save_media(&new).await?)),
        Err(errors) => Ok(Err(errors)),
    }
}

/// Where an image is used, as `actor` may know it: the posts `actor` may
/// edit by title, and how many others (a draft's title is its writers').
pub async fn uses(site: &Site, actor: &User, id: i64) -> Result<Uses, OpError> {
    let mut shown = Uses::default();
    for u in site.store.media_uses(id).await? {
        let post = site.store.post(u.post_id).await?;
        let visible = post.is_some_and(|p| crate::posts::visible_to(p, Some(actor)).is_some());
        if visible {
            shown.posts.push(u);
        } else {
            shown.others += 1;
        }
    }
    Ok(shown)
}

/// The uses of an image that an editor may be told of.
#[derive(Debug, Default, serde::Serialize)]
pub struct Uses {
    pub posts: Vec<MediaUse>,
    /// Uses in posts the viewer may not see.
    pub others: usize,
}

impl Uses {
    pub fn is_empty(&self) -> bool {
        self.posts.is_empty() && self.others == 0
    }

    /// "the cover of “Heat”, in the body of “Arrival” and 2 other posts".
    pub fn words(&self) -> String {
        let mut parts: Vec<String> = self
            .posts
            .iter()
            .map(|u| match u.how {
                "cover" => format!("the cover of “{}”", u.title),
                "poster" => format!("the poster of the work of “{}”", u.title),
                _ => format!("the body of “{}”", u.title),
            })
            .collect();
        match self.others {
            0 => {}
            1 => parts.push("a post you cannot see".into()),
            n => parts.push(format!("{n} posts you cannot see")),
        }
        match parts.len() {
            0 => String::new(),
            1 => parts.remove(0),
            _ => {
                let last = parts.pop().unwrap_or_default();
                format!("{} and {last}", parts.join(", "))
            }
        }
    }
}

/// Deletes an image and its files, refused while anything uses it (the
/// refusal says where).
pub async fn delete(site: &Site, actor: &User, id: i64) -> Result<Result<(), Uses>, OpError> {
    OpError::unless(actor, actor.role.can_delete_media(), "delete images")?;
    // The store looks for uses in the delete's own transaction; only a
    // refusal needs them told as `actor` may know them.
    let media = match site.store.delete_media(id).await {
        Ok(Ok(media)) => media,
        Ok(Err(_)) => return Ok(Err(uses(site, actor, id).await?)),
        Err(bestpick_store::StoreError::NotFound(_)) => return Err(OpError::NotFound("image")),
        Err(e) => return Err(e.into()),
    };
    // The same picture uploaded again since keeps its files.
    if !site
        .store
        .media_by_urls(std::slice::from_ref(&media.url))
        .await?
        .is_empty()
    {
        return Ok(Ok(()));
    }
    let dir = site.media_dir();
    let files = std::iter::once(media.file).chain(media.variants.into_iter().map(|v| v.file));
    for file in files {
        // Names come from the database: only plain names inside the folder.
        let plain = !file.is_empty() && !file.starts_with('.') && !file.contains(['/', '\\']);
        if !plain {
            tracing::warn!("not removing media file {file:?}: not a plain file name");
            continue;
        }
        // The record is gone; a file left behind is only wasted space.
        if let Err(e) = std::fs::remove_file(dir.join(&file)) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!("could not remove media/{file}: {e}");
            }
        }
    }
    Ok(Ok(()))
}

/// Checks an upload, writes it and its variants into `media_dir`, and returns
/// the record to store. `field` names the form field for errors. Runs the
/// decoding and resizing on the calling thread: call it from a blocking task.
pub fn store_image(
    media_dir: &Path,
    field: &str,
    original_name: &str,
    bytes: &[u8],
    text: PhotoText,
) -> Result<NewMedia, FieldErrors> {
    let mut errors = FieldErrors::default();
    if text.alt.trim().is_empty() {
        errors.push(
            format!("{field}.alt"),
            "describe the photo for readers who cannot see it",
        );
    }
    let decoded = check_image(field, original_name, bytes);
    let (format, img, turned) = match decoded {
        Ok(v) => v,
        Err(e) => {
            errors.0.push(e);
            return Err(errors);
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let io = |e: std::io::Error| {
        FieldErrors::from(FieldError::new(
            field,
            format!("could not save the image: {e}"),
        ))
    };
    std::fs::create_dir_all(media_dir).map_err(io)?;
    // Photos stay JPEG; the rest become PNG (a GIF loses its animation).
    let out_format = if format == ImageFormat::Jpeg {
        ImageFormat::Jpeg
    } else {
        ImageFormat::Png
    };
    let out_ext = out_format.extensions_str()[0];
    let encoded = |img: &image::DynamicImage| {
        encode(img, out_format).map_err(|e| {
            FieldErrors::from(FieldError::new(
                field,
                format!("could not convert the image: {e}"),
            ))
        })
    };
    // The original is never kept byte for byte: whatever else the file
    // held (HTML appended to a PNG, a script in a comment, the camera's GPS
    // position) is not served. A JPEG keeps its compressed image data
    // untouched (no loss of quality), the rest is encoded anew from its
    // pixels. Both are stable: the file an export writes imports under the
    // same name.
    let original = match format {
        // A photo its camera turned (EXIF orientation) is drawn upright:
        // that needs new pixels, so it is encoded anew too.
        ImageFormat::Jpeg if !turned => clean_jpeg(bytes)
            .filter(|clean| image::load_from_memory_with_format(clean, format).is_ok())
            .map_or_else(|| encoded(&img), Ok)?,
        _ => encoded(&img)?,
    };
    let stem = hex::encode(&Sha256::digest(&original)[..8]);
    let file = format!("{stem}.{out_ext}");
    write_atomic(&media_dir.join(&file), &original).map_err(io)?;

    let (width, height) = img.dimensions();
    let mut variants = Vec::new();
    for w in VARIANT_WIDTHS.into_iter().filter(|w| *w < width) {
        let h = ((height as u64 * w as u64) / width as u64).max(1) as u32;
        let resized = img.resize_exact(w, h, image::imageops::FilterType::Triangle);
        let name = format!("{stem}-{w}.{out_ext}");
        write_atomic(&media_dir.join(&name), &encoded(&resized)?).map_err(io)?;
        variants.push(Variant {
            width: w,
            file: name,
        });
    }
    let clean = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    Ok(NewMedia {
        file,
        original_name: original_name.to_owned(),
        mime: out_format.to_mime_type().to_owned(),
        width,
        height,
        bytes: original.len() as i64,
        alt: text.alt.trim().to_owned(),
        caption: clean(text.caption),
        credit: clean(text.credit),
        variants,
    })
}

/// A JPEG with only what draws the image: its tables, frame and scans,
/// up to its end marker. Metadata (EXIF, XMP, comments, thumbnails) and
/// anything after the end go. `None` when the file is not laid out as
/// a JPEG should be (it is then encoded anew instead).
fn clean_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    // What of a segment is written: all of those that draw the image
    // (tables, frames, restart interval, line count, scans) and of the
    // colour profile; only the fixed fields of the JFIF and Adobe headers
    // (no thumbnail, nothing appended); nothing of the rest.
    fn kept(marker: u8, whole: &[u8], payload: &[u8]) -> Option<Vec<u8>> {
        let header = |fields: &[u8], extra: &[u8]| {
            let len = (2 + fields.len() + extra.len()) as u16;
            let mut out = vec![0xFF, marker];
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(fields);
            out.extend_from_slice(extra);
            out
        };
        match marker {
            0xC0..=0xCF | 0xDA..=0xDD => Some(whole.to_vec()),
            0xE2 if payload.starts_with(b"ICC_PROFILE\0") => Some(whole.to_vec()),
            0xE0 if payload.starts_with(b"JFIF\0") && payload.len() >= 12 => {
                Some(header(&payload[..12], &[0, 0]))
            }
            0xEE if payload.starts_with(b"Adobe") && payload.len() >= 12 => {
                Some(header(&payload[..12], &[]))
            }
            _ => None,
        }
    }
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = vec![0xFF, 0xD8];
    let mut i = 2;
    loop {
        // Markers may be padded with extra 0xFF bytes.
        while bytes.get(i) == Some(&0xFF) && bytes.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if bytes.get(i) != Some(&0xFF) {
            return None;
        }
        let marker = *bytes.get(i + 1)?;
        if marker == 0xD9 {
            out.extend_from_slice(&[0xFF, 0xD9]);
            return Some(out);
        }
        let len = u16::from_be_bytes([*bytes.get(i + 2)?, *bytes.get(i + 3)?]) as usize;
        let end = i + 2 + len;
        let payload = bytes.get(i + 4..end)?;
        if let Some(segment) = kept(marker, &bytes[i..end], payload) {
            out.extend_from_slice(&segment);
        }
        i = end;
        if marker == 0xDA {
            // The scan's coded data runs to the next marker that is neither
            // a stuffed 0xFF00 nor a restart marker.
            let start = i;
            loop {
                match (bytes.get(i)?, bytes.get(i + 1)?) {
                    (0xFF, 0x00 | 0xD0..=0xD7) => i += 2,
                    (0xFF, _) => break,
                    _ => i += 1,
                }
            }
            out.extend_from_slice(&bytes[start..i]);
        }
    }
}

/// An image's pixels written anew as JPEG (quality 90) or PNG.
fn encode(img: &image::DynamicImage, format: ImageFormat) -> image::ImageResult<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    if format == ImageFormat::Jpeg {
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
        img.to_rgb8().write_with_encoder(encoder)?;
    } else {
        img.write_to(&mut out, ImageFormat::Png)?;
    }
    Ok(out.into_inner())
}

/// The format, the decoded image (upright), whether it had to be turned,
/// or why it is refused.
fn check_image(
    field: &str,
    name: &str,
    bytes: &[u8],
) -> Result<(ImageFormat, image::DynamicImage, bool), FieldError> {
    if bytes.is_empty() {
        return Err(FieldError::new(field, "choose an image file to upload"));
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(FieldError::new(
            field,
            format!(
                "'{name}' is {:.1} MB; images may be at most {} MB",
                bytes.len() as f64 / 1_048_576.0,
                MAX_UPLOAD_BYTES / 1_048_576
            ),
        ));
    }
    let not_image = || {
        FieldError::new(
            field,
            format!("'{name}' is not an image we can use: upload a JPEG, PNG, WebP or GIF file"),
        )
    };
    // Trust the bytes, not the file name or the browser's content type.
    let format = image::guess_format(bytes).map_err(|_| not_image())?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif
    ) {
        return Err(not_image());
    }
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let (w, h) = reader.into_dimensions().map_err(|_| not_image())?;
    if w as u64 * h as u64 > MAX_PIXELS {
        return Err(FieldError::new(
            field,
            format!("'{name}' is {w}×{h} pixels; images may have at most 40 megapixels"),
        ));
    }
    let mut decoder = image::ImageReader::with_format(Cursor::new(bytes), format)
        .into_decoder()
        .map_err(|_| not_image())?;
    let orientation = image::ImageDecoder::orientation(&mut decoder)
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = image::DynamicImage::from_decoder(decoder).map_err(|_| not_image())?;
    img.apply_orientation(orientation);
    let turned = orientation != image::metadata::Orientation::NoTransforms;
    Ok((format, img, turned))
}

/// Writes through a temporary file and a rename, so a crash never leaves half a file.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if path.exists() {
        return Ok(()); // same name, same content
    }
    let tmp = path.with_extension("part");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// A small generated picture (soft stripes of colour), used by the demo so
/// that its photo is our own.
pub fn generated_picture(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        let t = (x as f32 / width as f32, y as f32 / height as f32);
        let wave = ((t.0 * 9.0 + seed as f32).sin() * 0.5 + 0.5) * (1.0 - t.1);
        let glow = (-((t.0 - 0.5).powi(2) + (t.1 - 0.35).powi(2)) * 8.0).exp();
        image::Rgb([
            (30.0 + 200.0 * glow + 25.0 * wave) as u8,
            (20.0 + 120.0 * glow * wave + 30.0 * t.1) as u8,
            (60.0 + 90.0 * wave + 40.0 * (1.0 - glow)) as u8,
        ])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, ImageFormat::Jpeg)
        .expect("encoding an in-memory JPEG cannot fail");
    out.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> PhotoText {
        PhotoText {
            alt: "Lights over a street".into(),
            caption: Some("Opening night".into()),
            credit: Some("Photo: bestpick".into()),
        }
    }

    #[test]
    fn images_are_stored_with_variants() {
        let dir = tempfile::tempdir().unwrap();
        let jpeg = generated_picture(1200, 800, 1);
        let m = store_image(dir.path(), "photo", "lights.jpg", &jpeg, text()).unwrap();
        assert_eq!((m.width, m.height), (1200, 800));
        assert_eq!(m.mime, "image/jpeg");
        assert_eq!(
            m.variants.iter().map(|v| v.width).collect::<Vec<_>>(),
            [480, 960]
        );
        for v in &m.variants {
            assert!(dir.path().join(&v.file).exists());
        }
        assert!(dir.path().join(&m.file).exists());
    }

    #[test]
    fn non_images_and_missing_alt_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = store_image(
            dir.path(),
            "photo",
            "notes.txt",
            b"hello, not a picture",
            text(),
        )
        .unwrap_err();
        assert!(e.get("photo").unwrap().contains("is not an image"), "{e}");
        let jpeg = generated_picture(100, 100, 2);
        let e = store_image(dir.path(), "photo", "a.jpg", &jpeg, PhotoText::default()).unwrap_err();
        assert!(e.get("photo.alt").is_some(), "{e}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "nothing written"
        );
    }

    #[test]
    fn a_polyglot_is_not_served_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let mut png = Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(image::RgbImage::new(600, 400))
            .write_to(&mut png, ImageFormat::Png)
            .unwrap();
        let mut polyglot = png.into_inner();
        polyglot.extend_from_slice(b"<html><script>alert(document.domain)</script></html>");
        let m = store_image(dir.path(), "photo", "cover.png", &polyglot, text()).unwrap();
        for file in std::iter::once(&m.file).chain(m.variants.iter().map(|v| &v.file)) {
            let stored = std::fs::read(dir.path().join(file)).unwrap();
            assert!(!stored.windows(7).any(|w| w == b"<script"), "{file}");
            assert!(
                image::load_from_memory(&stored).is_ok(),
                "{file} is an image"
            );
        }
        assert_eq!(m.mime, "image/png");
    }

    #[test]
    fn a_jpeg_keeps_its_image_and_loses_what_else_it_held() {
        let dir = tempfile::tempdir().unwrap();
        let jpeg = generated_picture(800, 600, 3);
        // A comment segment after the start, and HTML after the end.
        let mut doctored = vec![0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x12];
        doctored.extend_from_slice(b"<script>x()</script>"[..16].as_ref());
        // A JFIF header whose "thumbnail" is a script.
        let jfif: &[u8] = b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00<script>y()</script>";
        doctored.extend_from_slice(&[0xFF, 0xE0, 0x00, (jfif.len() + 2) as u8]);
        doctored.extend_from_slice(jfif);
        doctored.extend_from_slice(&jpeg[2..]);
        doctored.extend_from_slice(b"<html><script>alert(1)</script>");
        let m = store_image(dir.path(), "photo", "a.jpg", &doctored, text()).unwrap();
        let stored = std::fs::read(dir.path().join(&m.file)).unwrap();
        assert!(!stored.windows(7).any(|w| w == b"<script"));
        assert!(stored.ends_with(&[0xFF, 0xD9]));
        let a = image::load_from_memory(&stored).unwrap().to_rgb8();
        let b = image::load_from_memory(&jpeg).unwrap().to_rgb8();
        assert_eq!(a, b, "the same pixels: the coded data is untouched");
        // Stored again (an export imported elsewhere): the same file.
        let again = store_image(dir.path(), "photo", "a.jpg", &stored, text()).unwrap();
        assert_eq!(again.file, m.file);
    }

    #[test]
    fn oversized_uploads_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let big = vec![0u8; MAX_UPLOAD_BYTES + 1];
        let e = store_image(dir.path(), "photo", "big.jpg", &big, text()).unwrap_err();
        assert!(e.get("photo").unwrap().contains("at most 10 MB"), "{e}");
    }
}
