//! Gene-level mutation status. Analyses ask "is gene G mutated in this sample", not "which
//! variant", so both MAF calls and variant x sample matrices become one samples x genes 0/1 matrix.

use crate::error::{DatasetError, Result};
use crate::read::RawTable;
use serde::Serialize;
use std::collections::BTreeMap;

/// MAF variant classes that change the protein; silent, intronic and UTR calls are left out.
pub const NON_SILENT_CLASSES: &[&str] = &[
    "Missense_Mutation",
    "Nonsense_Mutation",
    "Frame_Shift_Del",
    "Frame_Shift_Ins",
    "In_Frame_Del",
    "In_Frame_Ins",
    "Splice_Site",
    "Translation_Start_Site",
    "Nonstop_Mutation",
];

/// Where a gene-level mutation matrix came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MutationSource {
    /// MAF calls, non-silent classes only.
    MafCalls,
    /// A variant x sample 0/1 matrix (e.g. `GENE_p.R130Q` rows), collapsed per gene.
    VariantMatrix,
}

/// Non-silent calls from a MAF: per tumour barcode, the set of mutated genes.
pub struct MafCalls {
    /// Barcodes in order of first appearance, including those with only silent calls
    /// (they were sequenced, so they count as wild type).
    pub barcodes: Vec<String>,
    /// gene -> indices into `barcodes`
    pub mutated: BTreeMap<String, Vec<usize>>,
    pub calls_total: usize,
    pub calls_non_silent: usize,
}

/// The MAF columns [`read_maf`] uses; a MAF is read with only these.
pub const MAF_COLUMNS: &[&str] = &[
    "Hugo_Symbol",
    "Variant_Classification",
    "Tumor_Sample_Barcode",
];

pub fn read_maf(table: &RawTable) -> Result<MafCalls> {
    let column = |name: &'static str| {
        table
            .column_index(name)
            .ok_or_else(|| DatasetError::MissingColumn {
                path: table.path.clone(),
                column: name.to_owned(),
                context: "MAF mutation calls need Hugo_Symbol, Variant_Classification and Tumor_Sample_Barcode",
            })
    };
    // Streamed MAF columns are borrowed, not copied: a large MAF has tens of thousands of calls.
    let owned;
    let (genes, classes, samples) = match (
        table.label_cells(column("Hugo_Symbol")?),
        table.label_cells(column("Variant_Classification")?),
        table.label_cells(column("Tumor_Sample_Barcode")?),
    ) {
        (Some(g), Some(c), Some(s)) => (g, c, s),
        _ => {
            owned = (
                table.text_column(column("Hugo_Symbol")?)?,
                table.text_column(column("Variant_Classification")?)?,
                table.text_column(column("Tumor_Sample_Barcode")?)?,
            );
            (&owned.0[..], &owned.1[..], &owned.2[..])
        }
    };
    let mut barcodes = Vec::new();
    let mut index = std::collections::HashMap::new();
    let mut mutated: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut calls_non_silent = 0;
    for ((gene, class), sample) in genes.iter().zip(classes).zip(samples) {
        let Some(sample) = sample else { continue };
        let s = *index.entry(sample.clone()).or_insert_with(|| {
            barcodes.push(sample.clone());
            barcodes.len() - 1
        });
        let (Some(gene), Some(class)) = (gene, class) else {
            continue;
        };
        if gene == "Unknown" || !NON_SILENT_CLASSES.contains(&class.as_str()) {
            continue;
        }
        calls_non_silent += 1;
        let carriers = mutated.entry(gene.clone()).or_default();
        if !carriers.contains(&s) {
            carriers.push(s);
        }
    }
    Ok(MafCalls {
        barcodes,
        mutated,
        calls_total: genes.len(),
        calls_non_silent,
    })
}

/// Collapses variant rows to genes: a sample is mutated in G if any variant of G is 1.
/// `values[v]` is the variant's column over samples. Returns genes in sorted order.
pub fn collapse_variants<V: AsRef<[f64]>>(
    variant_genes: &[&str],
    values: &[V],
) -> (Vec<String>, Vec<Vec<f64>>) {
    let mut by_gene: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (gene, column) in variant_genes.iter().zip(values) {
        let column = column.as_ref();
        let entry = by_gene
            .entry(gene)
            .or_insert_with(|| vec![0.0; column.len()]);
        for (e, &v) in entry.iter_mut().zip(column) {
            if v.is_nan() && *e == 0.0 {
                *e = f64::NAN;
            } else if v > 0.0 {
                *e = 1.0;
            }
        }
    }
    by_gene.into_iter().map(|(g, v)| (g.to_owned(), v)).unzip()
}

/// Whether a numeric layer looks like a 0/1 mutation matrix.
pub fn is_binary(values: &[f64]) -> bool {
    values.iter().all(|&v| v.is_nan() || v == 0.0 || v == 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_collapse_to_genes() {
        let (genes, cols) = collapse_variants(
            &["PTEN", "TP53", "PTEN"],
            &[
                vec![1.0, 0.0, 0.0],
                vec![0.0, 0.0, 1.0],
                vec![0.0, 1.0, 0.0],
            ],
        );
        assert_eq!(genes, ["PTEN", "TP53"]);
        assert_eq!(cols[0], [1.0, 1.0, 0.0]);
        assert_eq!(cols[1], [0.0, 0.0, 1.0]);
        assert!(is_binary(&cols[0]));
        assert!(!is_binary(&[0.5]));
    }
}
