//! HTML and XML escaping, in one place: the report, the plots' SVG and the dashboard's pages all
//! escape through [`escape`], so a page and its embedded SVG treat text alike.

/// Escapes text for XML and HTML, in element content and in quoted attributes alike. Gene names,
/// clinical levels (`<50`, `A&B`) and file names all reach the report through this.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0; tabs and newlines read as spaces.
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<50 & "x" 'y'"#),
            "&lt;50 &amp; &quot;x&quot; &#39;y&#39;"
        );
        assert_eq!(escape("a\tb\u{0}"), "a b ");
    }
}
