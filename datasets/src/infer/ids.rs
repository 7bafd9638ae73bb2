//! What a feature ID looks like: a platform probe (Affymetrix, Illumina, Agilent), an Ensembl
//! gene, a miRNA, an RPPA antibody (`GENE|antibody`), or a gene symbol. Used to infer a layer's
//! kind when its file name says nothing, and to decide when probes can be mapped to genes.

/// The style of a feature ID column, judged from its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdStyle {
    /// Microarray probe set IDs (`1007_s_at`, `ILMN_1343291`, `A_23_P100001`).
    Probe(Platform),
    /// Ensembl gene IDs (`ENSG00000141510`).
    Ensembl,
    /// miRNA names (`hsa-miR-21-5p`, `hsa-let-7a`, `MIMAT0000062`).
    Mirna,
    /// RPPA antibodies as cBioPortal writes them (`AKT1 AKT2|Akt_pS473`).
    Antibody,
    /// Phosphosites (`PTEN-S380`).
    Site,
    /// Anything else: usually gene symbols.
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    Affymetrix,
    Illumina,
    Agilent,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Affymetrix => "Affymetrix",
            Self::Illumina => "Illumina",
            Self::Agilent => "Agilent",
        }
    }
}

impl IdStyle {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Probe(Platform::Affymetrix) => "Affymetrix probe set IDs",
            Self::Probe(Platform::Illumina) => "Illumina probe IDs",
            Self::Probe(Platform::Agilent) => "Agilent probe IDs",
            Self::Ensembl => "Ensembl gene IDs",
            Self::Mirna => "miRNA names",
            Self::Antibody => "RPPA antibody IDs (GENE|antibody)",
            Self::Site => "site IDs (GENE-S123)",
            Self::Other => "gene symbols or other names",
        }
    }
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The style of one ID.
pub fn style_of(id: &str) -> IdStyle {
    let id = id.trim();
    let lower = id.to_ascii_lowercase();
    if id.contains('|') {
        return IdStyle::Antibody;
    }
    if lower.ends_with("_at") || lower.ends_with("_st") {
        return IdStyle::Probe(Platform::Affymetrix);
    }
    if let Some(rest) = id.strip_prefix("ILMN_")
        && is_digits(rest)
    {
        return IdStyle::Probe(Platform::Illumina);
    }
    if let Some(rest) = id.strip_prefix("A_")
        && let Some((array, probe)) = rest.split_once("_P")
        && is_digits(array)
        && is_digits(probe)
    {
        return IdStyle::Probe(Platform::Agilent);
    }
    if let Some(rest) = id.strip_prefix("ENSG") {
        let core = rest.split('.').next().unwrap_or(rest);
        if is_digits(core) {
            return IdStyle::Ensembl;
        }
    }
    if lower.starts_with("hsa-mir")
        || lower.starts_with("hsa-let")
        || lower.starts_with("mimat")
        || lower.starts_with("mir-")
    {
        return IdStyle::Mirna;
    }
    if crate::ids::FeatureId::from(id).gene_symbol() != id {
        return IdStyle::Site;
    }
    IdStyle::Other
}

/// The style most of the given IDs share (at least 80% of the first 500), else `Other`.
pub fn dominant_style<'a>(ids: impl IntoIterator<Item = &'a str>) -> IdStyle {
    let mut counts: Vec<(IdStyle, usize)> = Vec::new();
    let mut total = 0;
    for id in ids.into_iter().take(500) {
        total += 1;
        let style = style_of(id);
        match counts.iter_mut().find(|(s, _)| *s == style) {
            Some((_, n)) => *n += 1,
            None => counts.push((style, 1)),
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(_, n)| n)
        .filter(|&(_, n)| total > 0 && n * 5 >= total * 4)
        .map_or(IdStyle::Other, |(s, _)| s)
}

/// Column names that hold a gene symbol for each row (beside a probe or Entrez ID).
pub fn is_symbol_column(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace(['.', ' ', '-'], "_");
    matches!(
        n.as_str(),
        "symbol" | "gene_symbol" | "genesymbol" | "hugo_symbol" | "gene_name" | "gene" | "genes"
    )
}

/// Column names of per-row annotation beside the ID: never sample data.
pub fn is_annotation_column(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace(['.', ' ', '-'], "_");
    is_symbol_column(name)
        || matches!(
            n.as_str(),
            "entrez_gene_id"
                | "entrez_id"
                | "entrez"
                | "entrezid"
                | "gene_id"
                | "locus_id"
                | "description"
                | "cytoband"
                | "chromosome"
                | "chr"
                | "gene_title"
                | "definition"
                | "ensembl_id"
                | "ensembl"
                | "identifier"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles() {
        assert_eq!(style_of("1007_s_at"), IdStyle::Probe(Platform::Affymetrix));
        assert_eq!(style_of("ILMN_1343291"), IdStyle::Probe(Platform::Illumina));
        assert_eq!(style_of("A_23_P100001"), IdStyle::Probe(Platform::Agilent));
        assert_eq!(style_of("ENSG00000141510.16"), IdStyle::Ensembl);
        assert_eq!(style_of("hsa-miR-21-5p"), IdStyle::Mirna);
        assert_eq!(style_of("AKT1 AKT2|Akt_pS473"), IdStyle::Antibody);
        assert_eq!(style_of("PTEN-S380"), IdStyle::Site);
        assert_eq!(style_of("TP53"), IdStyle::Other);
        assert_eq!(
            dominant_style(["1007_s_at", "1053_at", "TP53", "117_at", "121_at"]),
            IdStyle::Probe(Platform::Affymetrix)
        );
        assert_eq!(dominant_style(["a", "1007_s_at"]), IdStyle::Other);
        assert!(is_symbol_column("Gene Symbol") && is_symbol_column("Hugo_Symbol"));
        assert!(is_annotation_column("Entrez_Gene_Id"));
        assert!(!is_annotation_column("S001"));
    }
}
