//! Gene sets and pathways from the embedded GMT and PROGENy files, in a form both the importer
//! and the agent (which hands them to enrichment modules) can use. Keys carry a source prefix so
//! a GO term and a WikiPathways title can never collide.

use crate::error::KnowledgeError;
use crate::knowledge::embedded::{EmbeddedFile, GO_BP, PROGENY, WIKIPATHWAYS};
use crate::model::KnowledgeSource;
use serde::Serialize;

/// One gene set as shipped (member symbols as the file has them, not yet resolved).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GeneSetDef {
    pub source: KnowledgeSource,
    /// Entity key: `GO:0006915`, `WikiPathways:<title>` or `PROGENy:<pathway>`.
    pub key: String,
    pub label: String,
    pub members: Vec<String>,
}

/// One PROGENy pathway-responsive gene.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProgenyWeight {
    pub pathway: String,
    /// Symbol as PROGENy spells it (89 are outdated; resolve before matching data).
    pub gene: String,
    /// Signed response weight: the direction and size of the gene's response to the pathway.
    pub weight: f64,
    pub p_value: f64,
}

/// Entity key of a PROGENy pathway.
pub fn progeny_key(pathway: &str) -> String {
    format!("PROGENy:{pathway}")
}

/// GO biological-process sets (10–500 genes).
pub fn go_bp() -> Result<Vec<GeneSetDef>, KnowledgeError> {
    parse_gmt(&GO_BP.text()?, GO_BP, KnowledgeSource::GoBp)
}

/// WikiPathways sets.
pub fn wikipathways() -> Result<Vec<GeneSetDef>, KnowledgeError> {
    parse_gmt(
        &WIKIPATHWAYS.text()?,
        WIKIPATHWAYS,
        KnowledgeSource::WikiPathways,
    )
}

/// The PROGENy human model, top 100 genes per pathway.
pub fn progeny_model() -> Result<Vec<ProgenyWeight>, KnowledgeError> {
    parse_progeny(&PROGENY.text()?, PROGENY)
}

/// PROGENy pathways as gene sets (members unweighted; weights via [`progeny_model`]).
pub fn progeny_sets() -> Result<Vec<GeneSetDef>, KnowledgeError> {
    let mut sets: Vec<GeneSetDef> = Vec::new();
    for w in progeny_model()? {
        match sets.last_mut() {
            Some(set) if set.label == w.pathway => set.members.push(w.gene),
            _ => sets.push(GeneSetDef {
                source: KnowledgeSource::Progeny,
                key: progeny_key(&w.pathway),
                label: w.pathway,
                members: vec![w.gene],
            }),
        }
    }
    Ok(sets)
}

/// One GMT row: `id <TAB> description <TAB> genes...`, members with empty fields dropped.
pub(crate) struct GmtRow<'t> {
    pub first: &'t str,
    pub second: &'t str,
    pub members: Vec<String>,
}

/// Reads the rows of a GMT file; a row without a description is an error naming the line.
pub(crate) fn parse_gmt_rows(
    text: &str,
    file: EmbeddedFile,
) -> Result<Vec<GmtRow<'_>>, KnowledgeError> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let mut fields = line.split('\t');
        let (Some(first), Some(second)) = (fields.next(), fields.next()) else {
            return Err(KnowledgeError::Format {
                file: file.name,
                line: i + 1,
                detail: "a GMT row needs a name and a description".into(),
            });
        };
        let members = fields
            .filter(|g| !g.is_empty())
            .map(str::to_owned)
            .collect();
        rows.push(GmtRow {
            first,
            second,
            members,
        });
    }
    Ok(rows)
}

/// GO rows have an id and a term name; the WikiPathways file puts the title first and a
/// provenance note second.
fn parse_gmt(
    text: &str,
    file: EmbeddedFile,
    source: KnowledgeSource,
) -> Result<Vec<GeneSetDef>, KnowledgeError> {
    Ok(parse_gmt_rows(text, file)?
        .into_iter()
        .map(|row| {
            let (key, label) = match source {
                KnowledgeSource::WikiPathways => {
                    (format!("WikiPathways:{}", row.first), row.first.to_owned())
                }
                _ => (row.first.to_owned(), row.second.to_owned()),
            };
            GeneSetDef {
                source,
                key,
                label,
                members: row.members,
            }
        })
        .collect())
}

fn parse_progeny(text: &str, file: EmbeddedFile) -> Result<Vec<ProgenyWeight>, KnowledgeError> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.is_empty() {
            continue;
        }
        let bad = |detail: String| KnowledgeError::Format {
            file: file.name,
            line: i + 1,
            detail,
        };
        let fields: Vec<&str> = line.split('\t').collect();
        let [pathway, gene, weight, p_value] = fields.as_slice() else {
            return Err(bad(format!("expected 4 columns, found {}", fields.len())));
        };
        let number = |t: &str| {
            t.parse::<f64>()
                .map_err(|_| bad(format!("`{t}` is not a number")))
        };
        rows.push(ProgenyWeight {
            pathway: (*pathway).to_owned(),
            gene: (*gene).to_owned(),
            weight: number(weight)?,
            p_value: number(p_value)?,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_sets_have_the_documented_sizes() {
        let wp = wikipathways().unwrap();
        assert_eq!(wp.len(), 605);
        assert!(wp.iter().all(|s| s.key.starts_with("WikiPathways:")));
        let progeny = progeny_sets().unwrap();
        assert_eq!(progeny.len(), 14);
        assert!(progeny.iter().all(|s| s.members.len() == 100));
        assert!(progeny.iter().any(|s| s.key == "PROGENy:EGFR"));
    }

    #[test]
    fn gmt_rows_parse_into_keyed_sets() {
        let text = "GO:0000012\tsingle strand break repair\tAPLF\tAPTX\n";
        let sets = parse_gmt(text, GO_BP, KnowledgeSource::GoBp).unwrap();
        assert_eq!(sets[0].key, "GO:0000012");
        assert_eq!(sets[0].label, "single strand break repair");
        assert_eq!(sets[0].members, vec!["APLF", "APTX"]);
        assert!(parse_gmt("lonely\n", GO_BP, KnowledgeSource::GoBp).is_err());
    }
}
