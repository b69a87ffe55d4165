//! Cleaning comment text before it is split into features.

/// Decodes the HTML entities and line-break tags that comment exports carry,
/// and drops zero-width characters (U+FEFF, U+200B) that carry no meaning
/// but can leak labels in the training data.
pub fn normalise(text: &str) -> String {
    if !text.contains(['&', '<', '\u{feff}', '\u{200b}']) {
        return text.to_owned();
    }
    let text = text
        .replace(['\u{feff}', '\u{200b}'], "")
        .replace("<br />", "\n")
        .replace("<br/>", "\n")
        .replace("<br>", "\n");
    decode_entities(&text)
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let end = after.find(';').filter(|e| *e <= 10);
        let decoded = end.and_then(|e| entity(&after[1..e]).map(|c| (c, e)));
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => {
            let n = name.strip_prefix('#')?;
            let code = match n.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => n.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_artefacts_and_decodes_entities() {
        assert_eq!(
            normalise("it&#39;s &quot;great&quot; &amp; more<br />next\u{feff}"),
            "it's \"great\" & more\nnext"
        );
        assert_eq!(normalise("AT&T & co &bogus;"), "AT&T & co &bogus;");
    }
}
