//! Reading the labelled collections: the YouTube comment CSV files and the
//! SMS collection's tab-separated lines. Callers read the files; these parse.

use crate::model::Example;

/// Parses a YouTube Spam Collection file (`COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS`).
/// Only the content is kept: the ids and dates leak labels, and the model
/// judges a comment by its text.
pub fn youtube_csv(bytes: &[u8]) -> Result<Vec<Example>, String> {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or_else(|| format!("the header has no {name} column"))
    };
    let (content, class) = (col("CONTENT")?, col("CLASS")?);
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("record {}: {e}", i + 1))?;
        let spam = match record.get(class).map(str::trim) {
            Some("1") => true,
            Some("0") => false,
            other => return Err(format!("record {}: CLASS is {other:?}, not 0 or 1", i + 1)),
        };
        out.push(Example {
            text: record.get(content).unwrap_or("").to_owned(),
            spam,
            context: String::new(),
        });
    }
    Ok(out)
}

/// The video each file of the YouTube collection holds comments on, as its
/// artist and title (the collection's README): the "post" its comments
/// answer, the context they are read in. By the file's name, e.g.
/// `Youtube01-Psy.csv`.
pub fn youtube_video(file_name: &str) -> Option<&'static str> {
    const VIDEOS: [(&str, &str); 5] = [
        ("Youtube01", "PSY\nGangnam Style"),
        ("Youtube02", "Katy Perry\nRoar"),
        ("Youtube03", "LMFAO\nParty Rock Anthem"),
        ("Youtube04", "Eminem\nLove the Way You Lie"),
        ("Youtube05", "Shakira\nWaka Waka"),
    ];
    VIDEOS
        .iter()
        .find(|(prefix, _)| file_name.starts_with(prefix))
        .map(|(_, video)| *video)
}

/// Parses the SMS Spam Collection: `ham<TAB>text` or `spam<TAB>text` per line.
pub fn sms(text: &str) -> Result<Vec<Example>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            let (label, body) = line
                .split_once('\t')
                .ok_or_else(|| format!("line {}: no tab after the label", i + 1))?;
            let spam = match label {
                "spam" => true,
                "ham" => false,
                other => {
                    return Err(format!(
                        "line {}: label {other:?} is not ham or spam",
                        i + 1
                    ))
                }
            };
            Ok(Example {
                text: body.to_owned(),
                spam,
                context: String::new(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quoted_multiline_csv_and_sms() {
        let csv = "COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\nz1,Ann,,\"hello, \"\"world\"\"\nagain\",0\nz2,Bob,,buy now,1\n";
        let rows = youtube_csv(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].text, "hello, \"world\"\nagain");
        assert!(rows[1].spam);
        let sms = sms("ham\tsee you soon\nspam\tWIN a prize\n").unwrap();
        assert_eq!(sms.len(), 2);
        assert!(sms[1].spam);
        assert!(super::sms("maybe\ttext").is_err());
    }
}
