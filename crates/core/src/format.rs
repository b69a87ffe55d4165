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

/// "2017-01-20", for `<time datetime>`.
pub fn iso_date(t: OffsetDateTime) -> String {
    t.date().to_string()
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
