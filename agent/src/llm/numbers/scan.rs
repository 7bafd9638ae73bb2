//! Splitting prose into words, numbers and the digits that only look like numbers.
//!
//! The scanner decides what a run of digits *is* from the characters around it: glued to
//! letters it is part of a name (TP53, H3K27ac, IL-6, 3'UTR, 5kb), dotted twice it is a version
//! or section number, shaped like 2024-05-01 it is a date. Everything else becomes a
//! [`Written`] number with the precision its digits imply. Whether a bare integer is a label
//! ("grade 2") is decided later from the words before it.

/// Characters that keep an identifier going when a letter or digit follows them:
/// IL-6, HLA-A*02:01, 3'UTR, R^2, miR-21, Fig.2.
const JOINERS: &[char] = &['-', '\u{2010}', '.', ':', '*', '\'', '\u{2032}', '^', '_'];
/// Characters after which `-` or `+` is a sign rather than a hyphen or range dash.
const BEFORE_SIGN: &[char] = &[
    '(', '[', '{', '=', '<', '>', ':', ',', ';', '/', '≈', '~', '≤', '≥',
];
/// Multiplication signs of "1.2 × 10^-5".
const TIMES: &[char] = &['×', 'x', 'X', '*', '·', '⋅'];
/// Spaces allowed inside "1.2 × 10^-5" and before "%".
const SPACES: &[char] = &[' ', '\u{a0}', '\u{2009}', '\u{202f}'];
const SUPERSCRIPT_DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

/// A number as the model wrote it, with the precision its digits imply.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Written {
    /// Exactly as written, e.g. `1.2×10^-5`, `45%`, `-0.3`.
    pub text: String,
    /// The value of the digits, signed, before any percent scaling.
    pub value: f64,
    /// One unit in the last written place: `0.03` → 0.01, `2e-8` → 1e-8, `45` → 1.
    pub ulp: f64,
    /// An explicit minus sign was written.
    pub negative: bool,
    /// Followed by `%` or "percent".
    pub percent: bool,
    /// Plain digits with no sign, decimals, exponent, grouping or percent: could be a label.
    pub bare_integer: bool,
}

/// One piece of the text.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token {
    /// Letters, with any digits glued to them.
    Word(String),
    Number(Written),
    /// Digits that are a version, date or unit-glued quantity, not a claim to check.
    Opaque,
    /// Any other single character (space, punctuation).
    Mark(char),
}

/// Splits `text` into tokens.
pub(super) fn tokens(text: &str) -> Vec<Token> {
    let mut scanner = Scanner {
        cs: text.chars().collect(),
        pos: 0,
    };
    let mut out = Vec::new();
    while scanner.pos < scanner.cs.len() {
        let c = scanner.cs[scanner.pos];
        if c.is_alphabetic() || c == '_' {
            let start = scanner.pos;
            scanner.pos = scanner.skip_identifier(start);
            out.push(Token::Word(scanner.cs[start..scanner.pos].iter().collect()));
        } else if scanner.starts_number(scanner.pos) {
            out.push(scanner.number());
        } else {
            out.push(Token::Mark(c));
            scanner.pos += 1;
        }
    }
    out
}

struct Scanner {
    cs: Vec<char>,
    pos: usize,
}

impl Scanner {
    fn at(&self, i: usize) -> Option<char> {
        self.cs.get(i).copied()
    }

    fn is_digit(&self, i: usize) -> bool {
        self.at(i).is_some_and(|c| c.is_ascii_digit())
    }

    fn is_alnum(&self, i: usize) -> bool {
        self.at(i).is_some_and(char::is_alphanumeric)
    }

    /// End of the identifier starting at `i`: letters, digits and joiners between them.
    fn skip_identifier(&self, mut i: usize) -> usize {
        while let Some(c) = self.at(i) {
            if c.is_alphanumeric() || c == '_' || (JOINERS.contains(&c) && self.is_alnum(i + 1)) {
                i += 1;
            } else {
                break;
            }
        }
        i
    }

    fn starts_number(&self, i: usize) -> bool {
        let Some(c) = self.at(i) else {
            return false;
        };
        let prev = i.checked_sub(1).and_then(|p| self.at(p));
        let decimal_start =
            |j: usize| self.is_digit(j) || (self.at(j) == Some('.') && self.is_digit(j + 1));
        match c {
            '0'..='9' => true,
            '.' => self.is_digit(i + 1) && !prev.is_some_and(|p| p.is_alphanumeric() || p == '.'),
            '-' | '\u{2212}' | '+' => {
                decimal_start(i + 1)
                    && prev.is_none_or(|p| p.is_whitespace() || BEFORE_SIGN.contains(&p))
            }
            _ => false,
        }
    }

    /// Reads the number at `self.pos` (which `starts_number` accepted) and what follows it.
    fn number(&mut self) -> Token {
        let start = self.pos;
        let mut i = start;
        let negative = matches!(self.at(i), Some('-' | '\u{2212}'));
        let signed = negative || self.at(i) == Some('+');
        if signed {
            i += 1;
        }

        let mut mantissa = String::new();
        let int_start = i;
        while self.is_digit(i) {
            mantissa.push(self.cs[i]);
            i += 1;
        }
        let int_len = i - int_start;
        let mut grouped = false;
        if (1..=3).contains(&int_len) && self.at(int_start) != Some('0') {
            // Thousands separators: 12,345 but not the list "1,2" or "1,2345".
            while self.at(i) == Some(',')
                && (1..=3).all(|k| self.is_digit(i + k))
                && !self.is_digit(i + 4)
            {
                mantissa.extend(&self.cs[i + 1..i + 4]);
                i += 4;
                grouped = true;
            }
        }
        let mut frac_len = 0;
        if self.at(i) == Some('.') && self.is_digit(i + 1) {
            mantissa.push('.');
            i += 1;
            while self.is_digit(i) {
                mantissa.push(self.cs[i]);
                frac_len += 1;
                i += 1;
            }
            if self.at(i) == Some('.') && self.is_digit(i + 1) {
                return self.opaque_until(self.skip_dotted(i));
            }
        }
        if !signed && int_len == 4 && frac_len == 0 && !grouped && self.is_iso_date_tail(i) {
            return self.opaque_until(i + 6);
        }

        let mut exponent = 0;
        let mut has_exponent = false;
        if frac_len == 0
            && !grouped
            && mantissa == "10"
            && let Some((power, end)) = self.power(i)
        {
            mantissa = "1".to_string();
            exponent = power;
            has_exponent = true;
            i = end;
        }
        if !has_exponent && let Some((power, end)) = self.exponent(i) {
            exponent = power;
            has_exponent = true;
            i = end;
        }
        if has_exponent && self.is_alnum(i) {
            return self.opaque_until(self.skip_identifier(i));
        }

        let mut percent = false;
        if let Some(end) = self.percent(i) {
            percent = true;
            i = end;
        } else if let Some(c) = self.at(i) {
            let next_is_alnum = self.is_alnum(i + 1);
            if (c == 'x' || c == '×') && !next_is_alnum && !has_exponent {
                i += 1; // a fold change written "2.5x": still a quantity
            } else if c.is_alphabetic()
                || c == '_'
                || (matches!(c, '\'' | '\u{2032}') && next_is_alnum)
            {
                return self.opaque_until(self.skip_identifier(i));
            }
        }

        let digits = if mantissa.starts_with('.') {
            format!("0{mantissa}")
        } else {
            mantissa
        };
        let magnitude = format!("{digits}e{exponent}")
            .parse::<f64>()
            .unwrap_or(f64::INFINITY);
        self.pos = i;
        Token::Number(Written {
            text: self.cs[start..i].iter().collect(),
            value: if negative { -magnitude } else { magnitude },
            ulp: 10f64.powi(exponent - frac_len),
            negative,
            percent,
            bare_integer: !signed && frac_len == 0 && !grouped && !has_exponent && !percent,
        })
    }

    fn opaque_until(&mut self, end: usize) -> Token {
        self.pos = end;
        Token::Opaque
    }

    /// End of a dotted run such as 1.2.3 or 10.1038.
    fn skip_dotted(&self, mut i: usize) -> usize {
        while self.is_digit(i) || (self.at(i) == Some('.') && self.is_digit(i + 1)) {
            i += 1;
        }
        i
    }

    /// "-MM-DD" after a four-digit year.
    fn is_iso_date_tail(&self, i: usize) -> bool {
        self.at(i) == Some('-')
            && self.is_digit(i + 1)
            && self.is_digit(i + 2)
            && self.at(i + 3) == Some('-')
            && self.is_digit(i + 4)
            && self.is_digit(i + 5)
            && !self.is_digit(i + 6)
    }

    /// An exponent after a mantissa: `e-5`, `E+03`, ` × 10^-5`, `x10⁻⁵`.
    fn exponent(&self, i: usize) -> Option<(i32, usize)> {
        if matches!(self.at(i), Some('e' | 'E')) {
            let mut j = i + 1;
            let negative = matches!(self.at(j), Some('-' | '\u{2212}'));
            if negative || self.at(j) == Some('+') {
                j += 1;
            }
            let digits_start = j;
            while self.is_digit(j) {
                j += 1;
            }
            if j > digits_start {
                let digits: String = self.cs[digits_start..j].iter().collect();
                let power: i32 = digits.parse().ok()?;
                return Some((if negative { -power } else { power }, j));
            }
            return None;
        }
        let mut j = self.skip_spaces(i);
        if !self.at(j).is_some_and(|c| TIMES.contains(&c)) {
            return None;
        }
        j = self.skip_spaces(j + 1);
        if self.at(j) == Some('1') && self.at(j + 1) == Some('0') {
            self.power(j + 2)
        } else {
            None
        }
    }

    /// A power of ten after "10": `^-5`, `^5`, `⁻⁵`.
    fn power(&self, i: usize) -> Option<(i32, usize)> {
        let (mut j, superscript) = if self.at(i) == Some('^') {
            (i + 1, false)
        } else {
            (i, true)
        };
        let sign = self.at(j);
        let negative = if superscript {
            sign == Some('⁻')
        } else {
            matches!(sign, Some('-' | '\u{2212}'))
        };
        let plus = if superscript { '⁺' } else { '+' };
        if negative || sign == Some(plus) {
            j += 1;
        }
        let mut power: i32 = 0;
        let digits_start = j;
        while let Some(c) = self.at(j) {
            let digit = if superscript {
                SUPERSCRIPT_DIGITS.iter().position(|&s| s == c)
            } else {
                c.to_digit(10).map(|d| d as usize)
            };
            let Some(digit) = digit else { break };
            power = power.checked_mul(10)?.checked_add(digit as i32)?;
            j += 1;
        }
        (j > digits_start).then_some((if negative { -power } else { power }, j))
    }

    fn skip_spaces(&self, mut i: usize) -> usize {
        while self.at(i).is_some_and(|c| SPACES.contains(&c)) {
            i += 1;
        }
        i
    }

    /// End of a `%` or "percent" right after a number (one space allowed).
    fn percent(&self, i: usize) -> Option<usize> {
        let j = if self.at(i).is_some_and(|c| SPACES.contains(&c)) {
            i + 1
        } else {
            i
        };
        if self.at(j) == Some('%') {
            return Some(j + 1);
        }
        let word: String = self.cs.get(j..j + 7)?.iter().collect();
        (j > i && word.eq_ignore_ascii_case("percent") && !self.is_alnum(j + 7)).then_some(j + 7)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(text: &str) -> Vec<Written> {
        tokens(text)
            .into_iter()
            .filter_map(|t| match t {
                Token::Number(n) => Some(n),
                _ => None,
            })
            .collect()
    }

    fn texts(text: &str) -> Vec<String> {
        numbers(text).into_iter().map(|n| n.text).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
    }

    #[test]
    fn plain_numbers_carry_value_and_precision() {
        let found = numbers("n = 42, r = 0.030 and .05");
        assert_eq!(found.len(), 3);
        assert_eq!((found[0].value, found[0].ulp), (42.0, 1.0));
        assert!(found[0].bare_integer);
        assert!(close(found[1].value, 0.03) && close(found[1].ulp, 0.001));
        assert!(!found[1].bare_integer);
        assert_eq!(found[2].text, ".05");
        assert!(close(found[2].value, 0.05) && close(found[2].ulp, 0.01));
    }

    #[test]
    fn scientific_notation_in_its_written_forms() {
        for (text, value, ulp) in [
            ("p = 1.2e-5", 1.2e-5, 1e-6),
            ("p = 2E+03", 2e3, 1e3),
            ("p = 1.2×10^-5", 1.2e-5, 1e-6),
            ("p = 1.2 × 10^-5", 1.2e-5, 1e-6),
            ("p = 3.45 x 10⁻¹²", 3.45e-12, 1e-14),
            ("p = 1.2*10^5", 1.2e5, 1e4),
            ("p = 10^-8", 1e-8, 1e-8),
            ("p = 10⁻⁸", 1e-8, 1e-8),
            ("p = 4e−7", 4e-7, 1e-7),
        ] {
            let found = numbers(text);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            assert!(close(found[0].value, value), "{text}: {}", found[0].value);
            assert!(close(found[0].ulp, ulp), "{text}: ulp {}", found[0].ulp);
            assert_eq!(found[0].text, text.trim_start_matches("p = "));
        }
    }

    #[test]
    fn signs_only_where_a_sign_can_be() {
        let found = numbers("logFC = -1.5 (−0.3) and range 0.2-0.4, +2");
        let values: Vec<f64> = found.iter().map(|n| n.value).collect();
        assert_eq!(values, vec![-1.5, -0.3, 0.2, 0.4, 2.0]);
        assert!(found[0].negative && found[1].negative && !found[2].negative && !found[3].negative);
        assert!(!found[4].bare_integer);
    }

    #[test]
    fn percentages_are_marked() {
        let found = numbers("45% and 12.5 % and 7 percent but 8 percentile");
        let marked: Vec<(String, bool)> = found.into_iter().map(|n| (n.text, n.percent)).collect();
        assert_eq!(
            marked,
            vec![
                ("45%".to_string(), true),
                ("12.5 %".to_string(), true),
                ("7 percent".to_string(), true),
                ("8".to_string(), false),
            ]
        );
    }

    #[test]
    fn digits_glued_to_letters_are_names() {
        for text in [
            "TP53",
            "CD8A",
            "H3K27ac",
            "IL-6",
            "COVID-19",
            "HLA-A*02:01",
            "log2FC",
            "3'UTR",
            "R^2",
            "miR-21",
            "p53",
            "CD8+",
            "5kb",
            "24h",
            "2nd",
            "3D",
            "1e5x",
            "PC1",
            "chr17",
        ] {
            assert_eq!(texts(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn versions_and_dates_are_not_numbers() {
        assert!(texts("release 1.2.3 on 2024-05-01").is_empty());
        assert_eq!(texts("2024-05-01T10"), Vec::<String>::new());
    }

    #[test]
    fn fold_changes_and_hyphenated_quantities_are_numbers() {
        assert_eq!(
            texts("a 2.5x rise, 3-fold higher, 2.5× overall"),
            vec!["2.5x", "3", "2.5×"]
        );
    }

    #[test]
    fn thousands_separators_and_lists() {
        let found = numbers("1,024 samples and 12,345,678 reads; items 1,2 and 1,2345");
        let values: Vec<f64> = found.iter().map(|n| n.value).collect();
        assert_eq!(values, vec![1024.0, 12_345_678.0, 1.0, 2.0, 1.0, 2345.0]);
        assert!(!found[0].bare_integer);
    }

    #[test]
    fn sentence_punctuation_is_not_part_of_a_number() {
        assert_eq!(
            texts("It was 0.45. Then 3, then 4;"),
            vec!["0.45", "3", "4"]
        );
    }

    #[test]
    fn absurd_exponents_do_not_panic() {
        let found = numbers("1e999999999999 and 10^99999999999999 and 1e400");
        assert!(found.iter().any(|n| n.value.is_infinite()));
    }
}
