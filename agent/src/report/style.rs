//! The report's stylesheet, inlined so the file works offline and can be mailed as one
//! attachment. Plain system fonts, print-friendly, colours only where they carry meaning.

pub const CSS: &str = r#"
:root { --ink: #1d1d1d; --muted: #5a5a5a; --line: #dddddd; --soft: #f6f6f4; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #ffffff;
  font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 60px; }
header { border-bottom: 3px solid var(--ink); margin-bottom: 20px; }
header h1 { margin: 0 0 4px; font-size: 26px; }
header p { margin: 0 0 12px; color: var(--muted); }
nav { font-size: 13px; margin-bottom: 8px; }
nav a { color: #0072B2; text-decoration: none; }
h2 { margin-top: 36px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { margin: 0 0 6px; font-size: 17px; }
h4 { margin: 14px 0 4px; font-size: 14px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.facts { width: auto; }
table.facts th { background: none; font-weight: normal; color: var(--muted); }
.muted { color: var(--muted); }
.hyp { border: 1px solid var(--line); border-radius: 6px; padding: 14px 16px; margin: 16px 0; }
.rank { display: inline-block; min-width: 2.6em; font-weight: bold; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  border: 1px solid var(--line); background: var(--soft); margin-right: 6px; }
.badge.replicated { background: #d9efe6; border-color: #009E73; }
.badge.not_replicated { background: #fbe3d6; border-color: #D55E00; }
.badge.not_tested { background: #eeeeee; border-color: #9a9a9a; }
.badge.known { background: #e0ecf7; border-color: #0072B2; }
.badge.partly_known { background: #f3ecd6; border-color: #E69F00; }
.badge.new { background: #f1e4ef; border-color: #CC79A7; }
.badge.contradiction { background: #fbe3d6; border-color: #D55E00; }
table.score { width: auto; margin-top: 6px; }
ol.evidence { margin: 4px 0; padding-left: 22px; font-size: 13px; }
ol.evidence code { font-weight: bold; }
.role { color: var(--muted); font-style: italic; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 10px; }
figure { margin: 0; flex: 1 1 460px; max-width: 560px; }
figure svg { width: 100%; height: auto; border: 1px solid var(--line); }
figure.chain { max-width: 660px; }
figure.chain svg { border: none; }
figcaption { font-size: 12px; color: var(--muted); margin-top: 2px; }
tr:target, section:target { background: #fff8db; }
@media print { .hyp { break-inside: avoid; } }
"#;
