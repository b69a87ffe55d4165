//! Numbers and dates written for people: "$446.1 million", "20 January 2017".

use time::OffsetDateTime;

/// US dollars the way film coverage writes them.
pub fn usd(amount: u64) -> String {
    let scaled = |div: f64, unit: &str| {
        let v = amount as f64 / div;
        let text = format!("{v:.1}");
        let text = text.strip_suffix(".0").unwrap_or(&text).to_owned();
        format!("${text} {unit}")
    };
    match amount {
        a if a >= 1_000_000_000 => scaled(1e9, "billion"),
        a if a >= 1_000_000 => scaled(1e6, "million"),
        a => format!("${}", thousands(a)),
    }
}

/// An amount of US dollars as film coverage writes it: "$203.4 million",
/// "203.4M", "$1.2 billion", "203,400,000", "446_100_000".
pub fn parse_usd(written: &str) -> Result<u64, String> {
    let refuse = || {
        format!(
            "'{}' is not an amount such as $203.4 million, 203.4M or 203,400,000",
            written.trim()
        )
    };
    let text = written.trim().to_lowercase();
    let text = text.strip_prefix("us").unwrap_or(&text).trim_start();
    let text = text.strip_prefix('$').unwrap_or(text).trim();
    let text = text.strip_suffix("usd").unwrap_or(text).trim();
    let split = text.find(|c: char| c.is_alphabetic()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let factor = match unit.trim() {
        "" => 1.0,
        "k" | "thousand" => 1e3,
        "m" | "mn" | "mil" | "million" | "millions" => 1e6,
        "b" | "bn" | "billion" | "billions" => 1e9,
        _ => return Err(refuse()),
    };
    // Commas and spaces only between thousands: "1,5 million" is not read
    // as fifteen million.
    let number = number.trim();
    let whole = number.split('.').next().unwrap_or("");
    for sep in [',', ' '] {
        let groups: Vec<&str> = whole.split(sep).collect();
        let thousands = groups.len() == 1
            || (!groups[0].is_empty()
                && groups[0].len() <= 3
                && groups[1..].iter().all(|g| g.len() == 3));
        if !thousands || number.split('.').nth(1).is_some_and(|f| f.contains(sep)) {
            return Err(refuse());
        }
    }
    let digits: String = number
        .chars()
        .filter(|c| !matches!(c, ',' | '_' | ' '))
        .collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(refuse());
    }
    let value: f64 = digits.parse().map_err(|_| refuse())?;
    let dollars = (value * factor).round();
    if !(0.0..=1e15).contains(&dollars) {
        return Err(refuse());
    }
    Ok(dollars as u64)
}

/// 1234567 → "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "20 January 2017".
pub fn date(t: OffsetDateTime) -> String {
    format!("{} {} {}", t.day(), t.month(), t.year())
}

/// "20 January 2017 at 18:30 UTC".
pub fn date_time(t: OffsetDateTime) -> String {
    format!("{} at {:02}:{:02} UTC", date(t), t.hour(), t.minute())
}

/// "2017-01-20", for `<time datetime>`.
pub fn iso_date(t: OffsetDateTime) -> String {
    t.date().to_string()
}

/// Unix seconds as RFC 3339 in UTC ("2017-01-20T18:30:00Z"): `<time
/// datetime>`, sitemaps, structured data, exports. None past the calendar.
pub fn unix_rfc3339(unix: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()?
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// 128 → "2 h 8 min".
pub fn runtime(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// "Damien Chazelle", "A and B", "A, B and C".
pub fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {}", init.join(", "), last),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn money_as_people_write_it() {
        for (written, dollars) in [
            ("$203.4 million", 203_400_000),
            ("203.4M", 203_400_000),
            ("203.4 m", 203_400_000),
            ("203,400,000", 203_400_000),
            ("446_100_000", 446_100_000),
            ("$1.2 billion", 1_200_000_000),
            ("US$ 30m", 30_000_000),
            ("$950K", 950_000),
            ("12000", 12_000),
        ] {
            assert_eq!(parse_usd(written), Ok(dollars), "{written}");
        }
        assert_eq!(parse_usd(".5M"), Ok(500_000));
        assert_eq!(parse_usd("$1 200 000"), Ok(1_200_000));
        for bad in [
            "",
            "lots",
            "$",
            "12 apples",
            "-5",
            "1.2.3m",
            "1e30",
            "$1,5 million",
            "1,2,3",
            "12,00",
            "1.000,5",
        ] {
            let e = parse_usd(bad).unwrap_err();
            assert!(e.contains("$203.4 million"), "{bad}: {e}");
        }
        // What the site shows reads back.
        assert_eq!(parse_usd(&usd(446_100_000)), Ok(446_100_000));
    }

    #[test]
    fn money() {
        assert_eq!(usd(446_100_000), "$446.1 million");
        assert_eq!(usd(30_000_000), "$30 million");
        assert_eq!(usd(2_923_706_026), "$2.9 billion");
        assert_eq!(usd(950_000), "$950,000");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn dates_and_runtimes() {
        assert_eq!(date(datetime!(2017-01-20 0:00 UTC)), "20 January 2017");
        assert_eq!(
            date_time(datetime!(2099-05-04 18:30:59 UTC)),
            "4 May 2099 at 18:30 UTC"
        );
        assert_eq!(runtime(128), "2 h 8 min");
        assert_eq!(runtime(45), "45 min");
        assert_eq!(runtime(120), "2 h");
    }

    #[test]
    fn lists_read_naturally() {
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(list(&v(&["A"])), "A");
        assert_eq!(list(&v(&["A", "B"])), "A and B");
        assert_eq!(list(&v(&["A", "B", "C"])), "A, B and C");
    }
}
