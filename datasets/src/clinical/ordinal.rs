//! Recognising ordered levels: tumour stage and grade written the many ways clinical sheets write
//! them (`Stage IIIA`, `IIIC1`, `FIGO grade 2`, `pT1a (FIGO IA)`, `t2`, `G3`).

use std::cmp::Ordering;

/// Levels that mean "not assessed"; they are read as missing rather than breaking the order.
const UNKNOWN_LEVELS: &[&str] = &[
    "x",
    "tx",
    "nx",
    "mx",
    "gx",
    "unknown",
    "not reported",
    "not available",
];

/// The rank of a stage/grade label, or `None` if it is not one. `IIIC1` ranks 3.31.
pub fn ordinal_rank(level: &str) -> Option<f64> {
    let mut s = level.trim().to_ascii_lowercase();
    if let Some(i) = s.find('(') {
        s.truncate(i);
    }
    let mut rest = s.trim();
    loop {
        let before = rest;
        for prefix in ["figo", "stage", "grade", "pt", "pn", "pm", "ct", "cn", "cm"] {
            if let Some(r) = rest.strip_prefix(prefix) {
                rest = r.trim_start_matches([' ', '_', '-', ':']);
            }
        }
        if rest == before {
            break;
        }
    }
    let bytes = rest.as_bytes();
    if bytes.len() >= 2
        && matches!(bytes[0], b't' | b'n' | b'm' | b'g')
        && bytes[1].is_ascii_digit()
    {
        rest = &rest[1..];
    }
    let (value, tail) = leading_numeral(rest)?;
    let mut rank = value;
    let mut chars = tail.chars();
    match chars.next() {
        None => return Some(rank),
        Some(c @ 'a'..='d') => rank += f64::from(c as u8 - b'a' + 1) * 0.1,
        Some(_) => return None,
    }
    match chars.next() {
        None => Some(rank),
        Some(d) if d.is_ascii_digit() && chars.next().is_none() => {
            Some(rank + f64::from(d.to_digit(10)?) * 0.01)
        }
        Some(_) => None,
    }
}

fn leading_numeral(s: &str) -> Option<(f64, &str)> {
    for (roman, value) in [
        ("iv", 4.0),
        ("iii", 3.0),
        ("ii", 2.0),
        ("i", 1.0),
        ("v", 5.0),
    ] {
        if let Some(rest) = s.strip_prefix(roman) {
            return Some((value, rest));
        }
    }
    let digit = s.chars().next()?.to_digit(10)?;
    (digit <= 5).then(|| (f64::from(digit), &s[1..]))
}

/// `X` stages ("pNX", "cMX", "Stage X") mean not assessed, whatever prefix they carry.
fn is_unknown_level(level: &str) -> bool {
    let l = level.trim().to_ascii_lowercase();
    if UNKNOWN_LEVELS.contains(&l.as_str()) {
        return true;
    }
    let rest = ["stage", "grade", "figo", "p", "c", "y"]
        .iter()
        .fold(l.as_str(), |r, p| {
            r.strip_prefix(p).unwrap_or(r).trim_start()
        });
    UNKNOWN_LEVELS.contains(&rest)
}

/// Orders the levels of a stage/grade column, or returns `None` if it is not one. The column must
/// say so in its name or its values, so that a column of `I`/`II` codes for something else is not
/// mistaken for a stage.
pub fn ordered_levels(name: &str, values: &[(String, usize)]) -> Option<Vec<String>> {
    let lower = name.to_ascii_lowercase();
    let words = ["stage", "grade", "figo", "tnm"];
    let named = words.iter().any(|w| lower.contains(w));
    let valued = values
        .iter()
        .any(|(v, _)| words.iter().any(|w| v.to_ascii_lowercase().contains(w)));
    if !(named || valued) {
        return None;
    }
    let mut ranked = Vec::with_capacity(values.len());
    for (v, _) in values {
        if is_unknown_level(v) {
            continue;
        }
        ranked.push((v.clone(), ordinal_rank(v)?));
    }
    if ranked.len() < 2 {
        return None;
    }
    ranked.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    Some(ranked.into_iter().map(|(v, _)| v).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks() {
        assert_eq!(ordinal_rank("Stage I"), Some(1.0));
        assert_eq!(ordinal_rank("stage iva"), Some(4.1));
        assert_eq!(ordinal_rank("IIIC2"), Some(3.32));
        assert_eq!(ordinal_rank("FIGO grade 3"), Some(3.0));
        assert_eq!(ordinal_rank("pT1b (FIGO IB)"), Some(1.2));
        assert_eq!(ordinal_rank("t2"), Some(2.0));
        assert_eq!(ordinal_rank("G1"), Some(1.0));
        assert_eq!(ordinal_rank("Serous"), None);
        assert_eq!(ordinal_rank("Normal"), None);
    }

    #[test]
    fn unknown_levels_do_not_break_order() {
        let values = [
            ("t2".to_owned(), 3),
            ("tx".to_owned(), 1),
            ("t1".to_owned(), 2),
        ];
        assert_eq!(
            ordered_levels("pathology_T_stage", &values),
            Some(vec!["t1".into(), "t2".into()])
        );
        assert_eq!(
            ordered_levels("code", &[("I".into(), 1), ("II".into(), 1)]),
            None
        );
    }
}
