//! `bestpick spam train` and `bestpick spam eval`: the classifier on
//! labelled files, outside any site.

use anyhow::{bail, Context};
use bestpick_spam::{data, Evaluation, Example, Model, Thresholds, Training};
use std::path::Path;

/// Reads a labelled file: YouTube-style CSV (`.csv`) or SMS-style lines.
/// A file of the YouTube collection is read as comments on its video: the
/// video's artist and title are their post's context.
fn examples(file: &Path) -> anyhow::Result<Vec<Example>> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let parsed = if file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    {
        data::youtube_csv(&bytes)
    } else {
        data::sms(&String::from_utf8_lossy(&bytes))
    };
    let mut examples = parsed.map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    if let Some(video) = data::youtube_video(&name) {
        for e in &mut examples {
            e.context = video.to_owned();
        }
    }
    Ok(examples)
}

pub fn train(files: &[std::path::PathBuf], out: &Path) -> anyhow::Result<()> {
    let mut all = Vec::new();
    for file in files {
        all.extend(examples(file)?);
    }
    if all.is_empty() {
        bail!("the files hold no labelled comments");
    }
    let spam = all.iter().filter(|e| e.spam).count();
    let model = Model::train(&all, Training::default());
    let bytes = model.to_bytes();
    // Written beside, then renamed: a crash never leaves half a model.
    let partial = out.with_extension("partial");
    std::fs::write(&partial, &bytes).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, out).with_context(|| format!("writing {}", out.display()))?;
    println!(
        "Trained on {} comments ({spam} spam) from {} files; wrote {} ({} bytes).",
        all.len(),
        files.len(),
        out.display(),
        bytes.len()
    );
    Ok(())
}

pub fn eval(file: &Path, model: Option<&Path>, hold: f32, spam: f32) -> anyhow::Result<()> {
    let thresholds = Thresholds::new(hold, spam).map_err(anyhow::Error::msg)?;
    let model = match model {
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            Model::from_bytes(&bytes, Training::default())
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
        None => Model::shipped(),
    };
    let examples = examples(file)?;
    if examples.is_empty() {
        bail!("{} holds no labelled comments", file.display());
    }
    println!("{}", file.display());
    println!("{}", Evaluation::of(&model, &examples, thresholds));
    println!("(publish below {hold}, hold from {hold}, spam from {spam})");
    Ok(())
}
