//! Host genes of microRNAs. Data files name mature miRNAs (`hsa-miR-125b-5p`), NCBI names the
//! precursor genes (`MIR125B1`, `MIR125B2`); linking the two lets miRNA evidence meet the gene
//! sets that contain the host gene. Only an unambiguous match is returned.

use crate::knowledge::{GeneIndex, GeneRecord};

/// The NCBI gene a human miRNA name comes from, when exactly one fits.
pub fn host_gene<'a>(name: &str, genes: &'a GeneIndex) -> Option<&'a GeneRecord> {
    let lower = name.trim().to_ascii_lowercase();
    let rest = lower.strip_prefix("hsa-")?;
    let mut tokens = rest
        .split('-')
        .filter(|t| !matches!(*t, "3p" | "5p" | "3p*" | "5p*"));
    let family = tokens.next()?;
    let id = tokens.next()?.trim_end_matches('*').to_ascii_uppercase();
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let base = match family {
        "mir" => format!("MIR{id}"),
        "let" => format!("MIRLET{id}"),
        _ => return None,
    };
    // NCBI writes the copy number after a hyphen when the id ends in a digit (MIR9-1) and
    // directly otherwise (MIR125B1).
    let sep = if id.ends_with(|c: char| c.is_ascii_digit()) {
        "-"
    } else {
        ""
    };
    if let Some(copy) = tokens
        .next()
        .filter(|t| t.bytes().all(|b| b.is_ascii_digit()))
    {
        return genes.get(&format!("{base}{sep}{copy}"));
    }
    if let Some(gene) = genes.get(&base) {
        return Some(gene);
    }
    let mut copies = (1..=9).filter_map(|copy| genes.get(&format!("{base}{sep}{copy}")));
    match (copies.next(), copies.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mature_names_map_to_unique_precursor_genes() {
        let genes = GeneIndex::embedded().unwrap();
        let host = |n: &str| host_gene(n, genes).map(|g| g.symbol.as_str());
        assert_eq!(host("hsa-miR-21-5p"), Some("MIR21"));
        assert_eq!(host("hsa-let-7a-2-3p"), Some("MIRLET7A2"));
        assert_eq!(host("hsa-mir-9-1"), Some("MIR9-1"));
        assert_eq!(host("hsa-miR-125b-1-3p"), Some("MIR125B1"));
        // Two precursor genes make hsa-miR-125b-5p: no single host.
        assert_eq!(host("hsa-miR-125b-5p"), None);
        assert_eq!(host("PTEN"), None);
    }
}
