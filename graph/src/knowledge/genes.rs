//! The gene index: maps every name a data file may use for a human gene (current symbol, outdated
//! symbol or other alias, Entrez, Ensembl, UniProt) to the current NCBI symbol, so evidence from
//! files of different vintages lands on one gene.

use crate::error::KnowledgeError;
use crate::knowledge::embedded::{EmbeddedFile, GENES, parsed_once};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// One gene of `genes.tsv.gz`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GeneRecord {
    pub symbol: String,
    pub entrez: Option<u32>,
    pub ensembl: Vec<String>,
    pub uniprot: Vec<String>,
    pub name: String,
    pub chromosome: String,
    pub map_location: String,
    /// Other names, outdated symbols among them.
    pub aliases: Vec<String>,
    /// NCBI type: `protein-coding` or `ncRNA`.
    pub gene_type: String,
}

/// Which kind of name matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GeneMatch {
    Symbol,
    /// The symbol, in different letter case (`pten`).
    SymbolIgnoringCase,
    /// An alias or outdated symbol (`CTGF` for `CCN2`).
    Alias,
    Entrez,
    Ensembl,
    Uniprot,
}

/// Outcome of resolving one name.
#[derive(Clone, Debug, PartialEq)]
pub enum GeneResolution<'a> {
    Resolved {
        gene: &'a GeneRecord,
        via: GeneMatch,
        /// Other genes listing the name as an alias. Non-empty means the name was ambiguous and
        /// the exact current symbol was preferred.
        also_alias_of: Vec<&'a str>,
    },
    /// Several genes claim the name and none has it as its current symbol.
    Ambiguous {
        via: GeneMatch,
        candidates: Vec<&'a str>,
    },
    Unknown,
}

/// Look-up tables over the gene list. Indices point into `genes`.
#[derive(Debug, Default)]
pub struct GeneIndex {
    genes: Vec<GeneRecord>,
    by_symbol: HashMap<String, u32>,
    by_alias: HashMap<String, Vec<u32>>,
    by_upper_symbol: HashMap<String, Vec<u32>>,
    by_upper_alias: HashMap<String, Vec<u32>>,
    by_entrez: HashMap<u32, u32>,
    by_ensembl: HashMap<String, Vec<u32>>,
    by_uniprot: HashMap<String, Vec<u32>>,
}

impl GeneIndex {
    /// The index over the embedded `genes.tsv.gz`, parsed once per process.
    pub fn embedded() -> Result<&'static GeneIndex, KnowledgeError> {
        static INDEX: OnceLock<Result<GeneIndex, String>> = OnceLock::new();
        parsed_once(&INDEX, GENES.name, || {
            GeneIndex::parse(&GENES.text()?, GENES)
        })
    }

    /// Parses the TSV (header names the columns; lists are `;`-joined).
    pub fn parse(text: &str, file: EmbeddedFile) -> Result<Self, KnowledgeError> {
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
        let column = |name: &str| {
            header
                .iter()
                .position(|h| *h == name)
                .ok_or_else(|| KnowledgeError::Format {
                    file: file.name,
                    line: 1,
                    detail: format!("missing column `{name}`"),
                })
        };
        let c_symbol = column("symbol")?;
        let c_entrez = column("entrez_id")?;
        let c_ensembl = column("ensembl_gene")?;
        let c_uniprot = column("uniprot")?;
        let c_name = column("name")?;
        let c_chrom = column("chromosome")?;
        let c_map = column("map_location")?;
        let c_aliases = column("aliases")?;
        let c_type = column("gene_type")?;

        let mut index = GeneIndex::default();
        for (i, line) in lines.enumerate() {
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let field = |c: usize| {
                fields
                    .get(c)
                    .copied()
                    .ok_or_else(|| KnowledgeError::Format {
                        file: file.name,
                        line: i + 2,
                        detail: format!(
                            "expected {} columns, found {}",
                            header.len(),
                            fields.len()
                        ),
                    })
            };
            let list = |c: usize| -> Result<Vec<String>, KnowledgeError> {
                Ok(field(c)?
                    .split(';')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect())
            };
            let entrez = match field(c_entrez)? {
                "" => None,
                text => Some(text.parse().map_err(|_| KnowledgeError::Format {
                    file: file.name,
                    line: i + 2,
                    detail: format!("bad Entrez id `{text}`"),
                })?),
            };
            index.push(GeneRecord {
                symbol: field(c_symbol)?.to_owned(),
                entrez,
                ensembl: list(c_ensembl)?,
                uniprot: list(c_uniprot)?,
                name: field(c_name)?.to_owned(),
                chromosome: field(c_chrom)?.to_owned(),
                map_location: field(c_map)?.to_owned(),
                aliases: list(c_aliases)?,
                gene_type: field(c_type)?.to_owned(),
            });
        }
        Ok(index)
    }

    fn push(&mut self, gene: GeneRecord) {
        let Ok(ix) = u32::try_from(self.genes.len()) else {
            return; // more than 4 billion genes: not a human gene list
        };
        self.by_symbol.insert(gene.symbol.clone(), ix);
        self.by_upper_symbol
            .entry(gene.symbol.to_uppercase())
            .or_default()
            .push(ix);
        for alias in &gene.aliases {
            self.by_alias.entry(alias.clone()).or_default().push(ix);
            self.by_upper_alias
                .entry(alias.to_uppercase())
                .or_default()
                .push(ix);
        }
        if let Some(entrez) = gene.entrez {
            self.by_entrez.insert(entrez, ix);
        }
        for id in &gene.ensembl {
            self.by_ensembl.entry(id.clone()).or_default().push(ix);
        }
        for acc in &gene.uniprot {
            self.by_uniprot.entry(acc.clone()).or_default().push(ix);
        }
        self.genes.push(gene);
    }

    pub fn len(&self) -> usize {
        self.genes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.genes.is_empty()
    }

    pub fn genes(&self) -> &[GeneRecord] {
        &self.genes
    }

    /// The gene whose *current* symbol is exactly `symbol`.
    pub fn get(&self, symbol: &str) -> Option<&GeneRecord> {
        self.by_symbol
            .get(symbol)
            .and_then(|&ix| self.genes.get(ix as usize))
    }

    /// Resolves any gene name. Order: exact current symbol (an alias clash is reported, not
    /// followed), Entrez id, Ensembl gene id, UniProt accession, alias, then the same ignoring
    /// letter case.
    pub fn resolve(&self, query: &str) -> GeneResolution<'_> {
        let q = query.trim();
        if q.is_empty() {
            return GeneResolution::Unknown;
        }
        if let Some(gene) = self.get(q) {
            let also_alias_of = self
                .by_alias
                .get(q)
                .map(|ixs| self.symbols(ixs))
                .unwrap_or_default()
                .into_iter()
                .filter(|s| *s != gene.symbol)
                .collect();
            return GeneResolution::Resolved {
                gene,
                via: GeneMatch::Symbol,
                also_alias_of,
            };
        }
        if q.bytes().all(|b| b.is_ascii_digit())
            && let Some(gene) = q
                .parse::<u32>()
                .ok()
                .and_then(|e| self.by_entrez.get(&e))
                .and_then(|&ix| self.genes.get(ix as usize))
        {
            return GeneResolution::Resolved {
                gene,
                via: GeneMatch::Entrez,
                also_alias_of: Vec::new(),
            };
        }
        if q.starts_with("ENSG") {
            let unversioned = q.split('.').next().unwrap_or(q);
            if let Some(ixs) = self.by_ensembl.get(unversioned) {
                return self.resolve_candidates(ixs, GeneMatch::Ensembl);
            }
        }
        // UniProt isoforms are written ACCESSION-N.
        let accession = match q.rsplit_once('-') {
            Some((acc, iso)) if iso.bytes().all(|b| b.is_ascii_digit()) => acc,
            _ => q,
        };
        if let Some(ixs) = self.by_uniprot.get(accession) {
            return self.resolve_candidates(ixs, GeneMatch::Uniprot);
        }
        if let Some(ixs) = self.by_alias.get(q) {
            return self.resolve_candidates(ixs, GeneMatch::Alias);
        }
        let upper = q.to_uppercase();
        if let Some(ixs) = self.by_upper_symbol.get(&upper) {
            return self.resolve_candidates(ixs, GeneMatch::SymbolIgnoringCase);
        }
        if let Some(ixs) = self.by_upper_alias.get(&upper) {
            return self.resolve_candidates(ixs, GeneMatch::Alias);
        }
        GeneResolution::Unknown
    }

    fn symbols(&self, ixs: &[u32]) -> Vec<&str> {
        let mut out: Vec<&str> = ixs
            .iter()
            .filter_map(|&ix| self.genes.get(ix as usize))
            .map(|g| g.symbol.as_str())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    fn resolve_candidates(&self, ixs: &[u32], via: GeneMatch) -> GeneResolution<'_> {
        let candidates = self.symbols(ixs);
        match candidates.as_slice() {
            [] => GeneResolution::Unknown,
            [only] => match self.get(only) {
                Some(gene) => GeneResolution::Resolved {
                    gene,
                    via,
                    also_alias_of: Vec::new(),
                },
                None => GeneResolution::Unknown,
            },
            _ => GeneResolution::Ambiguous { via, candidates },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "symbol\tentrez_id\tensembl_gene\tuniprot\tname\tchromosome\tmap_location\taliases\tgene_type
CCN2\t1490\tENSG00000118523\tP29279\tcellular communication network factor 2\t6\t6q23.2\tCTGF;HCS24;IGFBP8;NOV2\tprotein-coding
NOV\t4856\tENSG00000136999\tP48745\tnephroblastoma overexpressed\t8\t8q24.12\tCCN3;IGFBP9\tprotein-coding
CCN3\t99999\t\t\tmade-up gene to test clashes\t1\t1p1\tIGFBP9\tprotein-coding
";

    fn index() -> GeneIndex {
        GeneIndex::parse(SAMPLE, GENES).unwrap()
    }

    #[test]
    fn outdated_symbol_resolves_to_current() {
        let idx = index();
        match idx.resolve("CTGF") {
            GeneResolution::Resolved { gene, via, .. } => {
                assert_eq!(gene.symbol, "CCN2");
                assert_eq!(via, GeneMatch::Alias);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn exact_symbol_wins_over_alias_and_reports_the_clash() {
        let idx = index();
        match idx.resolve("CCN3") {
            GeneResolution::Resolved {
                gene,
                via,
                also_alias_of,
            } => {
                assert_eq!(gene.symbol, "CCN3");
                assert_eq!(via, GeneMatch::Symbol);
                assert_eq!(also_alias_of, vec!["NOV"]);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn shared_alias_is_ambiguous() {
        let idx = index();
        assert_eq!(
            idx.resolve("IGFBP9"),
            GeneResolution::Ambiguous {
                via: GeneMatch::Alias,
                candidates: vec!["CCN3", "NOV"]
            }
        );
    }

    #[test]
    fn ids_and_case_resolve() {
        let idx = index();
        let symbol = |q: &str| match idx.resolve(q) {
            GeneResolution::Resolved { gene, via, .. } => Some((gene.symbol.clone(), via)),
            _ => None,
        };
        assert_eq!(symbol("1490"), Some(("CCN2".into(), GeneMatch::Entrez)));
        assert_eq!(
            symbol("ENSG00000118523.9"),
            Some(("CCN2".into(), GeneMatch::Ensembl))
        );
        assert_eq!(
            symbol("P29279-2"),
            Some(("CCN2".into(), GeneMatch::Uniprot))
        );
        assert_eq!(
            symbol("ccn2"),
            Some(("CCN2".into(), GeneMatch::SymbolIgnoringCase))
        );
        assert_eq!(symbol("ctgf"), Some(("CCN2".into(), GeneMatch::Alias)));
        assert_eq!(idx.resolve("NOPE"), GeneResolution::Unknown);
        assert_eq!(idx.resolve("  "), GeneResolution::Unknown);
    }
}
