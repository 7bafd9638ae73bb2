//! What a file is: a clinical sheet, a sample map, mutation calls, or an omics layer of some
//! kind. Inferred from the file name first (that is where labs put it: `proteomics.cct.gz`,
//! `gistict.csv`) and from the header where names are silent; `study.toml` overrides both.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The kind of measurement an omics layer holds. It decides preprocessing (copy number is never
/// log-transformed, counts are) and which analyses make sense between layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    Proteome,
    Phosphosite,
    /// Phosphorylation summarised per gene.
    PhosphoGene,
    Acetylsite,
    Rna,
    CircularRna,
    Mirna,
    CopyNumber,
    /// Gene-level mutated (1) / not mutated (0) matrix, from MAF calls or a variant matrix.
    Mutation,
    Other,
}

impl LayerKind {
    pub const ALL: [LayerKind; 10] = [
        Self::Proteome,
        Self::Phosphosite,
        Self::PhosphoGene,
        Self::Acetylsite,
        Self::Rna,
        Self::CircularRna,
        Self::Mirna,
        Self::CopyNumber,
        Self::Mutation,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proteome => "proteome",
            Self::Phosphosite => "phosphosite",
            Self::PhosphoGene => "phospho_gene",
            Self::Acetylsite => "acetylsite",
            Self::Rna => "rna",
            Self::CircularRna => "circular_rna",
            Self::Mirna => "mirna",
            Self::CopyNumber => "copy_number",
            Self::Mutation => "mutation",
            Self::Other => "other",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        let n = name.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == n)
            .or(match n.as_str() {
                "protein" | "proteomics" => Some(Self::Proteome),
                "phosphoproteome" | "phospho" | "phosphoproteomics" => Some(Self::Phosphosite),
                "acetylome" | "acetylproteomics" => Some(Self::Acetylsite),
                "transcriptome" | "transcriptomics" | "mrna" | "expression" => Some(Self::Rna),
                "mirna_seq" | "microrna" => Some(Self::Mirna),
                "cna" | "cnv" | "copy_number_alteration" => Some(Self::CopyNumber),
                "mutations" | "somatic" => Some(Self::Mutation),
                _ => None,
            })
    }

    /// Whether values are measured abundances on a scale where a log transform may apply.
    pub fn is_abundance(self) -> bool {
        !matches!(self, Self::CopyNumber | Self::Mutation)
    }
}

impl fmt::Display for LayerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The role of one file in a study folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "role", content = "detail")]
pub enum FileRole {
    Clinical,
    SampleMap,
    /// Mutation calls in MAF format (one row per call).
    MutationCalls,
    Layer(LayerKind),
    /// Per-feature annotation (e.g. `*_rowData.csv`); read by nothing yet, listed for the user.
    FeatureAnnotation,
    Ignored(String),
}

impl FileRole {
    /// The role in words, as `inspect` and the decisions it explains say it.
    pub fn describe(&self) -> String {
        match self {
            Self::Clinical => "the clinical table".into(),
            Self::SampleMap => "a sample map".into(),
            Self::MutationCalls => "mutation calls (MAF)".into(),
            Self::Layer(kind) => format!("a {} layer", kind.as_str()),
            Self::FeatureAnnotation => "feature annotation (not read)".into(),
            Self::Ignored(why) => format!("ignored: {why}"),
        }
    }
}

const TABLE_EXTENSIONS: &[&str] = &[
    "tsv", "csv", "txt", "tab", "cct", "cbt", "maf", "parquet", "pq", "xlsx", "xlsm", "xls", "ods",
];

/// The file name without compression suffix, lowercased, and its table extension if any.
fn stem_and_extension(name: &str) -> (String, Option<String>) {
    let lower = name.to_ascii_lowercase();
    let base = lower.strip_suffix(".gz").unwrap_or(&lower);
    match base.rsplit_once('.') {
        Some((stem, ext)) if TABLE_EXTENSIONS.contains(&ext) => {
            (stem.to_owned(), Some(ext.to_owned()))
        }
        Some((stem, _)) => (stem.to_owned(), None),
        None => (base.to_owned(), None),
    }
}

/// The file's stem as the study's other files refer to it (e.g. a sample map's assay name).
pub fn file_stem(name: &str) -> &str {
    let base = name.strip_suffix(".gz").unwrap_or(name);
    base.rsplit_once('.').map_or(base, |(stem, _)| stem)
}

/// Decides a file's role from its name alone; `None` means a table whose role needs its header.
pub fn role_from_name(name: &str) -> Option<FileRole> {
    let (stem, ext) = stem_and_extension(name);
    let Some(ext) = ext else {
        return Some(FileRole::Ignored("not a table file".into()));
    };
    let has = |words: &[&str]| words.iter().any(|w| stem.contains(w));
    if has(&[
        "readme",
        "license",
        "licence",
        "definitions",
        "sources",
        "truth",
        "changelog",
    ]) {
        return Some(FileRole::Ignored("documentation".into()));
    }
    if has(&["samplemap", "sample_map", "sample-map"]) {
        return Some(FileRole::SampleMap);
    }
    if has(&[
        "rowdata",
        "annotation",
        "feature_info",
        "fdata",
        "featuredata",
    ]) {
        return Some(FileRole::FeatureAnnotation);
    }
    if ext == "maf" {
        return Some(FileRole::MutationCalls);
    }
    if has(&[
        "clinical",
        "coldata",
        "phenotype",
        "pheno",
        "pdata",
        "metadata",
        "sample_info",
        "sampleinfo",
        "sample_sheet",
        "samplesheet",
    ]) || stem == "samples"
    {
        return Some(FileRole::Clinical);
    }
    let kind = if has(&["phospho"]) {
        if has(&["gene"]) {
            LayerKind::PhosphoGene
        } else {
            LayerKind::Phosphosite
        }
    } else if has(&["acetyl"]) {
        LayerKind::Acetylsite
    } else if has(&["circ"]) {
        LayerKind::CircularRna
    } else if has(&["mirna", "microrna", "mir_"]) {
        LayerKind::Mirna
    } else if has(&["cna", "cnv", "copy", "gistic", "scna", "segment"]) {
        LayerKind::CopyNumber
    } else if has(&["somatic", "mutation", "mut", "snv", "variant"]) || ext == "cbt" {
        LayerKind::Mutation
    } else if has(&["proteom", "protein", "rppa"]) {
        LayerKind::Proteome
    } else if has(&[
        "transcript",
        "rna",
        "expression",
        "rsem",
        "fpkm",
        "tpm",
        "counts",
    ]) {
        LayerKind::Rna
    } else {
        return None;
    };
    Some(FileRole::Layer(kind))
}

/// Decides the role of a table whose name was silent, from its header.
pub fn role_from_header(header: &[String]) -> FileRole {
    let has = |name: &str| header.iter().any(|h| h.eq_ignore_ascii_case(name));
    if has("Hugo_Symbol") && has("Tumor_Sample_Barcode") {
        FileRole::MutationCalls
    } else if has("assay") && has("primary") && has("colname") {
        FileRole::SampleMap
    } else {
        FileRole::Layer(LayerKind::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(name: &str) -> Option<FileRole> {
        role_from_name(name)
    }

    #[test]
    fn cptac_and_tcga_names() {
        use LayerKind::*;
        let cases = [
            ("proteomics.cct.gz", FileRole::Layer(Proteome)),
            (
                "phosphoproteomics_site.cct.gz",
                FileRole::Layer(Phosphosite),
            ),
            (
                "phosphoproteomics_gene.cct.gz",
                FileRole::Layer(PhosphoGene),
            ),
            ("acetylproteomics.cct.gz", FileRole::Layer(Acetylsite)),
            ("transcriptomics_linear.cct.gz", FileRole::Layer(Rna)),
            (
                "transcriptomics_circular.cct.gz",
                FileRole::Layer(CircularRna),
            ),
            ("miRNA.cct.gz", FileRole::Layer(Mirna)),
            ("CNA.cct.gz", FileRole::Layer(CopyNumber)),
            ("somatic_binary.cbt.gz", FileRole::Layer(Mutation)),
            ("somatic.maf.gz", FileRole::MutationCalls),
            ("clinical.txt", FileRole::Clinical),
            ("RNASeq2GeneNorm.csv", FileRole::Layer(Rna)),
            ("gistict.csv", FileRole::Layer(CopyNumber)),
            ("RPPAArray.csv", FileRole::Layer(Proteome)),
            ("miRNASeqGene.csv", FileRole::Layer(Mirna)),
            ("Mutations.csv", FileRole::Layer(Mutation)),
            ("clinical_colData.csv", FileRole::Clinical),
            ("sampleMap.csv", FileRole::SampleMap),
            ("gistict_rowData.csv", FileRole::FeatureAnnotation),
            ("pData.csv", FileRole::Clinical),
            ("fData.csv", FileRole::FeatureAnnotation),
            ("data_clinical_sample.txt", FileRole::Clinical),
            ("samples.xlsx", FileRole::Clinical),
        ];
        for (name, role) in cases {
            assert_eq!(kind(name), Some(role), "{name}");
        }
        assert!(matches!(
            kind("definitions.txt"),
            Some(FileRole::Ignored(_))
        ));
        assert!(matches!(
            kind("LICENSE-cptac-package.md"),
            Some(FileRole::Ignored(_))
        ));
        assert_eq!(kind("data.tsv"), None);
        // An ExpressionSet's exprs file says nothing: its probes and values decide.
        assert_eq!(kind("exprs_GSE2034.csv.gz"), None);
        assert_eq!(file_stem("RNASeq2GeneNorm.csv"), "RNASeq2GeneNorm");
        assert_eq!(file_stem("proteomics.cct.gz"), "proteomics");
    }

    #[test]
    fn header_decides_when_name_is_silent() {
        let maf: Vec<String> = [
            "Hugo_Symbol",
            "Variant_Classification",
            "Tumor_Sample_Barcode",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(role_from_header(&maf), FileRole::MutationCalls);
        assert_eq!(LayerKind::parse("Copy-Number"), Some(LayerKind::CopyNumber));
        assert_eq!(LayerKind::parse("proteomics"), Some(LayerKind::Proteome));
    }
}
