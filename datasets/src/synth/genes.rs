//! Gene symbols for synthetic studies. Real symbols make enrichment against GO and
//! WikiPathways meaningful downstream, so the universe is drawn from an embedded list of 2,043
//! real human symbols (the genes of the bundled CPTAC UCEC demo measured in proteome, RNA and
//! copy number); larger studies are padded with `GENE00001`-style names.

use crate::ids::FeatureId;
use rand::Rng;
use rand::seq::index;
use std::collections::BTreeMap;

const REAL_SYMBOLS: &str = include_str!("gene_symbols.txt");

fn real_symbols() -> Vec<&'static str> {
    REAL_SYMBOLS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// `n` distinct gene symbols in alphabetical order: a random subset of the real symbols, or all
/// of them plus generated names when more are asked for.
pub(super) fn gene_universe(n: usize, rng: &mut impl Rng) -> Vec<String> {
    let real = real_symbols();
    let mut genes: Vec<String> = if n <= real.len() {
        index::sample(rng, real.len(), n)
            .into_iter()
            .map(|i| real[i].to_owned())
            .collect()
    } else {
        let extra = n - real.len();
        real.iter()
            .map(|s| (*s).to_owned())
            .chain((1..=extra).map(|i| format!("GENE{i:05}")))
            .collect()
    };
    genes.sort();
    genes
}

/// A phosphosite: the gene it lies on (index into the universe) and its `GENE-S123` ID.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Site {
    pub gene: usize,
    pub id: FeatureId,
}

/// `n` distinct phosphosites on random genes (several per gene is common, as in real data),
/// mostly serines, sorted by gene then position.
pub(super) fn draw_sites(genes: &[String], n: usize, rng: &mut impl Rng) -> Vec<Site> {
    let mut seen = BTreeMap::new();
    // Bounded: each gene has ~5,000 possible sites, far more than any study asks for.
    let mut attempts = 0;
    while seen.len() < n && attempts < n * 100 && !genes.is_empty() {
        attempts += 1;
        let gene = rng.random_range(0..genes.len());
        let residue = match rng.random_range(0..100) {
            0..80 => 'S',
            80..95 => 'T',
            _ => 'Y',
        };
        let position: u32 = rng.random_range(2..2000);
        seen.entry((gene, position)).or_insert(residue);
    }
    seen.into_iter()
        .map(|((gene, position), residue)| Site {
            gene,
            id: FeatureId::new(format!("{}-{residue}{position}", genes[gene])),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::rng::{Stream, stream};
    use std::collections::BTreeSet;

    #[test]
    fn universe_is_distinct_sorted_and_sized() {
        let mut rng = stream(1, Stream::Genes);
        let small = gene_universe(300, &mut rng);
        assert_eq!(small.len(), 300);
        assert!(small.windows(2).all(|w| w[0] < w[1]));
        let large = gene_universe(2500, &mut rng);
        assert_eq!(large.len(), 2500);
        assert!(large.iter().any(|g| g == "PTEN"));
        assert!(large.iter().any(|g| g == "GENE00457"));
        assert!(large.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn sites_are_distinct_and_name_their_gene() {
        let mut rng = stream(1, Stream::Genes);
        let genes = gene_universe(100, &mut rng);
        let sites = draw_sites(&genes, 250, &mut rng);
        assert_eq!(sites.len(), 250);
        let ids: BTreeSet<&str> = sites.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids.len(), 250);
        for site in &sites {
            assert_eq!(site.id.gene_symbol(), genes[site.gene]);
        }
    }
}
