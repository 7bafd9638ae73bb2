//! Somatic mutation calls as a sequencing core would ship them in a MAF: several classes of
//! non-silent calls per carrier, plus Silent calls (some of them in the planted genes, in
//! non-carriers) that a loader must ignore or it will get the carriers wrong.

use super::rng::weighted_index;
use crate::ids::SampleId;
use rand::Rng;
use rand::seq::index;

const NON_SILENT: [(&str, &str, f64); 6] = [
    ("Missense_Mutation", "SNP", 0.60),
    ("Nonsense_Mutation", "SNP", 0.12),
    ("Frame_Shift_Del", "DEL", 0.12),
    ("Frame_Shift_Ins", "INS", 0.06),
    ("Splice_Site", "SNP", 0.06),
    ("In_Frame_Del", "DEL", 0.04),
];
const AMINO_ACIDS: &[u8] = b"ACDEFGHIKLMNPQRSTVWY";
/// Fraction of tumours with one to three Silent calls in random genes.
const SILENT_TUMOUR_FRACTION: f64 = 0.3;

/// One MAF line (the columns the loader needs, as named by the MAF specification).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct MafRow {
    pub gene: String,
    pub classification: &'static str,
    pub variant_type: &'static str,
    pub barcode: String,
    pub protein_change: String,
}

/// The tumour barcode of a sample: deliberately not the sample ID, as in real studies.
pub(super) fn barcode(sample: &SampleId) -> String {
    format!("{sample}_T")
}

/// Exactly `round(frequency * n_tumours)` carriers (at least one), sorted.
pub(super) fn choose_carriers(n_tumours: usize, frequency: f64, rng: &mut impl Rng) -> Vec<usize> {
    let count = ((frequency * n_tumours as f64).round() as usize).clamp(1, n_tumours);
    let mut carriers = index::sample(rng, n_tumours, count).into_vec();
    carriers.sort_unstable();
    carriers
}

fn amino_acid(rng: &mut impl Rng) -> char {
    char::from(AMINO_ACIDS[rng.random_range(0..AMINO_ACIDS.len())])
}

fn non_silent_call(gene: &str, barcode: &str, rng: &mut impl Rng) -> MafRow {
    let weights: Vec<f64> = NON_SILENT.iter().map(|(_, _, w)| *w).collect();
    let (classification, variant_type, _) = NON_SILENT[weighted_index(rng, &weights)];
    let position = rng.random_range(2..1200);
    let reference = amino_acid(rng);
    let protein_change = match classification {
        "Missense_Mutation" => {
            let mut alternative = amino_acid(rng);
            while alternative == reference {
                alternative = amino_acid(rng);
            }
            format!("p.{reference}{position}{alternative}")
        }
        "Nonsense_Mutation" => format!("p.{reference}{position}*"),
        "Frame_Shift_Del" | "Frame_Shift_Ins" => format!("p.{reference}{position}fs"),
        "Splice_Site" => format!("p.X{position}_splice"),
        _ => format!("p.{reference}{position}del"),
    };
    MafRow {
        gene: gene.to_owned(),
        classification,
        variant_type,
        barcode: barcode.to_owned(),
        protein_change,
    }
}

fn silent_call(gene: &str, barcode: &str, rng: &mut impl Rng) -> MafRow {
    let reference = amino_acid(rng);
    MafRow {
        gene: gene.to_owned(),
        classification: "Silent",
        variant_type: "SNP",
        barcode: barcode.to_owned(),
        protein_change: format!("p.{reference}{}{reference}", rng.random_range(2..1200)),
    }
}

/// All MAF rows: every carrier of every mutated gene gets one non-silent call (sometimes two),
/// each planted gene gets Silent calls in two non-carriers, and random tumours get Silent calls
/// in random genes. Rows are sorted by barcode then gene.
pub(super) fn maf_rows(
    mutated: &[(String, Vec<usize>)],
    planted_genes: &[String],
    silent_pool: &[String],
    tumours: &[SampleId],
    rng: &mut impl Rng,
) -> Vec<MafRow> {
    let barcodes: Vec<String> = tumours.iter().map(barcode).collect();
    let mut rows = Vec::new();
    for (gene, carriers) in mutated {
        for &t in carriers {
            rows.push(non_silent_call(gene, &barcodes[t], rng));
            if rng.random_bool(0.1) {
                rows.push(non_silent_call(gene, &barcodes[t], rng));
            }
        }
    }
    for gene in planted_genes {
        let carriers = mutated
            .iter()
            .find(|(g, _)| g == gene)
            .map(|(_, c)| c.as_slice())
            .unwrap_or(&[]);
        let non_carriers: Vec<usize> = (0..tumours.len())
            .filter(|t| !carriers.contains(t))
            .collect();
        let picks = index::sample(rng, non_carriers.len(), non_carriers.len().min(2));
        for i in picks {
            rows.push(silent_call(gene, &barcodes[non_carriers[i]], rng));
        }
    }
    if !silent_pool.is_empty() {
        for code in &barcodes {
            if rng.random_bool(SILENT_TUMOUR_FRACTION) {
                for _ in 0..rng.random_range(1..=3) {
                    let gene = &silent_pool[rng.random_range(0..silent_pool.len())];
                    rows.push(silent_call(gene, code, rng));
                }
            }
        }
    }
    rows.sort_by(|a, b| (&a.barcode, &a.gene).cmp(&(&b.barcode, &b.gene)));
    rows
}
