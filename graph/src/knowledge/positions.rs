//! Where genes sit on the genome (`gene_positions.tsv.gz`): chromosome, arm, cytoband and GRCh38
//! span. Copy-number changes hit whole arms, so an arm-level effect, and a cis neighbourhood
//! (genes co-amplified with their neighbours), need each gene's place.

use crate::error::KnowledgeError;
use crate::knowledge::embedded::{EmbeddedFile, GENE_POSITIONS, parsed_once};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

/// Chromosome arm: `p` (short) or `q` (long).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Arm {
    P,
    Q,
}

impl Arm {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "p" => Some(Self::P),
            "q" => Some(Self::Q),
            _ => None,
        }
    }
}

/// Coding strand of the gene's transcripts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strand {
    Plus,
    Minus,
    /// Transcripts on both strands (read-through and overlapping models).
    Mixed,
}

/// A chromosome arm, displayed `3p`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ChromosomeArm {
    pub chromosome: String,
    pub arm: Arm,
}

impl fmt::Display for ChromosomeArm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let arm = match self.arm {
            Arm::P => 'p',
            Arm::Q => 'q',
        };
        write!(f, "{}{arm}", self.chromosome)
    }
}

/// One gene's place on GRCh38.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GenePosition {
    pub symbol: String,
    /// `1`..`22`, `X`, `Y` or `MT`.
    pub chromosome: String,
    /// From the NCBI cytoband; `None` when the band is missing or spans both arms.
    pub arm: Option<Arm>,
    /// NCBI cytoband as given (`3p22.2`, `6q25.1-q25.2`).
    pub band: String,
    /// Outermost transcript coordinates (UCSC hg38 via org.Hs.eg.db), `start <= end`.
    pub start: u64,
    pub end: u64,
    pub strand: Strand,
}

impl GenePosition {
    pub fn chromosome_arm(&self) -> Option<ChromosomeArm> {
        self.arm.map(|arm| ChromosomeArm {
            chromosome: self.chromosome.clone(),
            arm,
        })
    }

    /// Base pairs between the two spans (0 when they overlap); `None` on different chromosomes.
    pub fn distance(&self, other: &GenePosition) -> Option<u64> {
        if self.chromosome != other.chromosome {
            return None;
        }
        Some(if self.end < other.start {
            other.start - self.end
        } else {
            self.start.saturating_sub(other.end)
        })
    }
}

/// Positions indexed by symbol and by chromosome.
#[derive(Debug, Default)]
pub struct GenePositions {
    genes: Vec<GenePosition>,
    by_symbol: HashMap<String, usize>,
    /// Per chromosome, indices sorted by start.
    by_chromosome: HashMap<String, Vec<usize>>,
}

impl GenePositions {
    /// The embedded `gene_positions.tsv.gz`, parsed once per process.
    pub fn embedded() -> Result<&'static GenePositions, KnowledgeError> {
        static PARSED: OnceLock<Result<GenePositions, String>> = OnceLock::new();
        parsed_once(&PARSED, GENE_POSITIONS.name, || {
            GenePositions::parse(&GENE_POSITIONS.text()?, GENE_POSITIONS)
        })
    }

    /// Parses `symbol chromosome arm band start end strand` with a header line.
    pub fn parse(text: &str, file: EmbeddedFile) -> Result<Self, KnowledgeError> {
        const HEADER: &str = "symbol\tchromosome\tarm\tband\tstart\tend\tstrand";
        let mut lines = text.lines();
        if lines.next() != Some(HEADER) {
            return Err(KnowledgeError::Format {
                file: file.name,
                line: 1,
                detail: format!("expected the header `{HEADER}`"),
            });
        }
        let mut out = GenePositions::default();
        for (i, line) in lines.enumerate() {
            if line.is_empty() {
                continue;
            }
            let bad = |detail: String| KnowledgeError::Format {
                file: file.name,
                line: i + 2,
                detail,
            };
            let fields: Vec<&str> = line.split('\t').collect();
            let [symbol, chromosome, arm, band, start, end, strand] = fields.as_slice() else {
                return Err(bad(format!("expected 7 columns, found {}", fields.len())));
            };
            let coordinate = |t: &str| {
                t.parse::<u64>()
                    .map_err(|_| bad(format!("`{t}` is not a coordinate")))
            };
            let (start, end) = (coordinate(start)?, coordinate(end)?);
            if start > end {
                return Err(bad(format!("start {start} is after end {end}")));
            }
            let arm = match *arm {
                "" => None,
                text => Some(Arm::parse(text).ok_or_else(|| bad(format!("arm `{text}`")))?),
            };
            let strand = match *strand {
                "+" => Strand::Plus,
                "-" => Strand::Minus,
                "." => Strand::Mixed,
                other => return Err(bad(format!("strand `{other}`"))),
            };
            let ix = out.genes.len();
            out.by_symbol.insert((*symbol).to_owned(), ix);
            out.by_chromosome
                .entry((*chromosome).to_owned())
                .or_default()
                .push(ix);
            out.genes.push(GenePosition {
                symbol: (*symbol).to_owned(),
                chromosome: (*chromosome).to_owned(),
                arm,
                band: (*band).to_owned(),
                start,
                end,
                strand,
            });
        }
        for ixs in out.by_chromosome.values_mut() {
            let genes = &out.genes;
            ixs.sort_by_key(|&ix| (genes[ix].start, ix));
        }
        Ok(out)
    }

    pub fn len(&self) -> usize {
        self.genes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.genes.is_empty()
    }

    /// The position of a gene by its current symbol.
    pub fn get(&self, symbol: &str) -> Option<&GenePosition> {
        self.by_symbol.get(symbol).map(|&ix| &self.genes[ix])
    }

    /// The arm both genes sit on, if they share one.
    pub fn same_arm(&self, a: &str, b: &str) -> Option<ChromosomeArm> {
        let (a, b) = (self.get(a)?, self.get(b)?);
        let arm = a.chromosome_arm()?;
        (b.chromosome_arm().as_ref() == Some(&arm)).then_some(arm)
    }

    /// Genes on one chromosome arm, in genome order.
    pub fn on_arm(&self, arm: &ChromosomeArm) -> impl Iterator<Item = &GenePosition> {
        self.by_chromosome
            .get(&arm.chromosome)
            .into_iter()
            .flatten()
            .map(|&ix| &self.genes[ix])
            .filter(move |g| g.arm == Some(arm.arm))
    }

    /// The cis neighbourhood: other genes whose span lies within `window` base pairs of the
    /// gene's span, nearest first.
    pub fn neighbours(&self, symbol: &str, window: u64) -> Vec<(&GenePosition, u64)> {
        let Some(gene) = self.get(symbol) else {
            return Vec::new();
        };
        let mut out: Vec<(&GenePosition, u64)> = self
            .by_chromosome
            .get(&gene.chromosome)
            .into_iter()
            .flatten()
            .map(|&ix| &self.genes[ix])
            .take_while(|g| g.start <= gene.end.saturating_add(window))
            .filter(|g| g.symbol != gene.symbol)
            .filter_map(|g| gene.distance(g).map(|d| (g, d)))
            .filter(|&(_, d)| d <= window)
            .collect();
        out.sort_by(|a, b| (a.1, &a.0.symbol).cmp(&(b.1, &b.0.symbol)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded() -> &'static GenePositions {
        GenePositions::embedded().expect("embedded positions parse")
    }

    fn arm_of(symbol: &str) -> Option<String> {
        embedded()
            .get(symbol)
            .and_then(GenePosition::chromosome_arm)
            .map(|a| a.to_string())
    }

    #[test]
    fn textbook_genes_sit_on_their_arms() {
        assert_eq!(arm_of("MLH1").as_deref(), Some("3p"));
        assert_eq!(arm_of("PMS2").as_deref(), Some("7p"));
        assert_eq!(arm_of("TP53").as_deref(), Some("17p"));
        assert_eq!(arm_of("ERBB2").as_deref(), Some("17q"));
        assert_eq!(arm_of("ESR1").as_deref(), Some("6q"));
        assert_eq!(arm_of("MYC").as_deref(), Some("8q"));
        // Pseudoautosomal: placed on X, no single arm from the band "X;Y".
        let shox = embedded().get("SHOX").expect("SHOX");
        assert_eq!((shox.chromosome.as_str(), shox.arm), ("X", None));
    }

    #[test]
    fn spans_and_strands_match_grch38() {
        let tp53 = embedded().get("TP53").expect("TP53");
        assert_eq!((tp53.start, tp53.end), (7_668_401, 7_687_550));
        assert_eq!(tp53.strand, Strand::Minus);
        assert_eq!(tp53.band, "17p13.1");
        let mlh1 = embedded().get("MLH1").expect("MLH1");
        assert_eq!(mlh1.strand, Strand::Plus);
        assert!(mlh1.start > 36_000_000 && mlh1.end < 38_000_000);
    }

    #[test]
    fn arms_and_neighbourhoods() {
        let p = embedded();
        assert_eq!(
            p.same_arm("ERBB2", "GRB7")
                .map(|a| a.to_string())
                .as_deref(),
            Some("17q")
        );
        assert_eq!(p.same_arm("ERBB2", "TP53"), None, "17q versus 17p");
        let arm_17q = ChromosomeArm {
            chromosome: "17".into(),
            arm: Arm::Q,
        };
        let on_17q: Vec<&str> = p.on_arm(&arm_17q).map(|g| g.symbol.as_str()).collect();
        assert!(on_17q.contains(&"ERBB2") && !on_17q.contains(&"TP53"));
        assert!(on_17q.len() > 1000);
        // GRB7 and PGAP3 flank ERBB2 in the 17q12 amplicon.
        let near: Vec<&str> = p
            .neighbours("ERBB2", 100_000)
            .into_iter()
            .map(|(g, _)| g.symbol.as_str())
            .collect();
        assert!(
            near.contains(&"GRB7") && near.contains(&"PGAP3"),
            "{near:?}"
        );
        assert!(!near.contains(&"ERBB2"));
        assert!(
            p.neighbours("ERBB2", 100_000)
                .iter()
                .all(|&(_, d)| d <= 100_000)
        );
        assert!(p.neighbours("NOT-A-GENE", 1_000).is_empty());
    }

    #[test]
    fn bad_rows_name_their_line() {
        let header = "symbol\tchromosome\tarm\tband\tstart\tend\tstrand\n";
        let err = GenePositions::parse(&format!("{header}A\t1\tp\t1p1\t9\t3\t+\n"), GENE_POSITIONS)
            .unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let err = GenePositions::parse(&format!("{header}A\t1\tz\t1p1\t1\t3\t+\n"), GENE_POSITIONS)
            .unwrap_err();
        assert!(err.to_string().contains("arm `z`"), "{err}");
        assert!(GenePositions::parse("wrong header\n", GENE_POSITIONS).is_err());
    }
}
