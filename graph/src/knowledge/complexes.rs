//! Protein complexes from GO cellular component (`complexes.gmt.gz`): which genes' products are
//! annotated to the same complex. A mechanism chain uses this to say why a partner's protein
//! drops with a gene's loss (PMS2 is only stable in MutL-alpha with MLH1).

use crate::error::KnowledgeError;
use crate::knowledge::embedded::{COMPLEXES, EmbeddedFile, parsed_once};
use crate::knowledge::gene_sets::parse_gmt_rows;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// One GO complex term with its member genes (2 to 200, see SOURCES.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Complex {
    /// GO id, `GO:0032389`.
    pub key: String,
    /// GO term name, `MutLalpha complex`.
    pub label: String,
    /// Current NCBI symbols, sorted.
    pub members: Vec<String>,
}

/// A gene that shares a complex with the queried one, named with the smallest complex they
/// share (the most specific evidence of a physical partnership).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ComplexPartner<'a> {
    pub gene: &'a str,
    pub complex: &'a Complex,
}

/// The complexes, indexed by member gene.
#[derive(Debug, Default)]
pub struct Complexes {
    complexes: Vec<Complex>,
    by_gene: HashMap<String, Vec<usize>>,
}

impl Complexes {
    /// The embedded `complexes.gmt.gz`, parsed once per process.
    pub fn embedded() -> Result<&'static Complexes, KnowledgeError> {
        static PARSED: OnceLock<Result<Complexes, String>> = OnceLock::new();
        parsed_once(&PARSED, COMPLEXES.name, || {
            Complexes::parse(&COMPLEXES.text()?, COMPLEXES)
        })
    }

    /// Parses GMT rows `GO id <TAB> term name <TAB> genes...`.
    pub fn parse(text: &str, file: EmbeddedFile) -> Result<Self, KnowledgeError> {
        let mut out = Complexes::default();
        for row in parse_gmt_rows(text, file)? {
            let ix = out.complexes.len();
            for gene in &row.members {
                out.by_gene.entry(gene.clone()).or_default().push(ix);
            }
            out.complexes.push(Complex {
                key: row.first.to_owned(),
                label: row.second.to_owned(),
                members: row.members,
            });
        }
        // Smallest first, so the most specific complex is the one a lookup names.
        for ixs in out.by_gene.values_mut() {
            let complexes = &out.complexes;
            ixs.sort_by_key(|&ix| (complexes[ix].members.len(), ix));
        }
        Ok(out)
    }

    pub fn len(&self) -> usize {
        self.complexes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.complexes.is_empty()
    }

    /// The complexes `gene` (a current symbol) belongs to, smallest first.
    pub fn of(&self, gene: &str) -> impl Iterator<Item = &Complex> {
        self.by_gene
            .get(gene)
            .into_iter()
            .flatten()
            .map(|&ix| &self.complexes[ix])
    }

    /// Every gene sharing a complex with `gene`, once each, named with the smallest complex they
    /// share; ordered by that complex's size, then by symbol.
    pub fn partners(&self, gene: &str) -> Vec<ComplexPartner<'_>> {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut out = Vec::new();
        for complex in self.of(gene) {
            for member in &complex.members {
                if member != gene && seen.insert(member) {
                    out.push(ComplexPartner {
                        gene: member,
                        complex,
                    });
                }
            }
        }
        out.sort_by(|a, b| {
            (a.complex.members.len(), a.gene).cmp(&(b.complex.members.len(), b.gene))
        });
        out
    }

    /// The smallest complex holding both genes, if any.
    pub fn shared(&self, a: &str, b: &str) -> Option<&Complex> {
        if a == b {
            return None;
        }
        self.of(a).find(|c| c.members.iter().any(|m| m == b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded() -> &'static Complexes {
        Complexes::embedded().expect("embedded complexes parse")
    }

    #[test]
    fn mlh1_partners_with_pms2_in_mutl_alpha() {
        let partners = embedded().partners("MLH1");
        let first = partners.first().expect("MLH1 has partners");
        assert_eq!(first.gene, "PMS2");
        assert_eq!(first.complex.key, "GO:0032389");
        assert_eq!(first.complex.label, "MutLalpha complex");
        // The wider mismatch-repair complex brings the MutS genes, named with that complex.
        let msh2 = partners.iter().find(|p| p.gene == "MSH2").expect("MSH2");
        assert_eq!(msh2.complex.key, "GO:0032300");
        assert!(partners.iter().all(|p| p.gene != "MLH1"));
    }

    #[test]
    fn muts_alpha_and_unrelated_genes() {
        let c = embedded();
        assert_eq!(
            c.shared("MSH2", "MSH6").map(|c| c.label.as_str()),
            Some("MutSalpha complex")
        );
        assert_eq!(c.shared("MLH1", "ESR1"), None);
        assert_eq!(c.shared("MLH1", "MLH1"), None);
        assert!(c.partners("NOT-A-GENE").is_empty());
    }

    #[test]
    fn sizes_stay_within_the_documented_bounds() {
        let c = embedded();
        assert_eq!(c.len(), 931, "SOURCES.md documents 931 complexes");
        assert!(
            c.complexes
                .iter()
                .all(|x| (2..=200).contains(&x.members.len()) && x.key.starts_with("GO:"))
        );
    }

    #[test]
    fn a_row_without_a_name_is_an_error_with_its_line() {
        let err = Complexes::parse("GO:1\tok\tA\tB\nlonely\n", COMPLEXES).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
