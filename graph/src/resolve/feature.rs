//! Reading an entity out of a feature id as data files write it: `PTEN-S380` is a phosphosite,
//! `A2M-K1168` an acetylsite, `TP53_p.R175H` a mutation of TP53, `hsa-miR-21-5p` a miRNA, and
//! anything else a gene or protein name.

use crate::model::EntityRef;
use datasets::FeatureId;

/// Splits `GENE-S380` into (`GENE`, `S380`) when the part after the last hyphen is a residue
/// letter from `residues` followed by a position. Gene symbols may contain hyphens themselves
/// (`ANKHD1-EIF4EBP3-S2539`), hence the last hyphen.
pub fn split_site<'a>(id: &'a str, residues: &[char]) -> Option<(&'a str, &'a str)> {
    let (gene, site) = id.trim().rsplit_once('-')?;
    let mut chars = site.chars();
    let residue = chars.next()?;
    let first_digit = chars.next()?;
    if gene.is_empty() || !residues.contains(&residue) || !first_digit.is_ascii_digit() {
        return None;
    }
    Some((gene, site))
}

pub const PHOSPHO_RESIDUES: &[char] = &['S', 'T', 'Y'];
pub const ACETYL_RESIDUES: &[char] = &['K'];

impl EntityRef {
    /// The entity a feature id names, judged from its form.
    pub fn from_feature(feature: &FeatureId) -> EntityRef {
        let id = feature.as_str().trim();
        if let Some((gene, _variant)) = id.split_once("_p.") {
            return EntityRef::Mutation(gene.to_owned());
        }
        if id.len() > 4 && id.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("hsa-")) {
            return EntityRef::Mirna(id.to_owned());
        }
        if split_site(id, PHOSPHO_RESIDUES).is_some() {
            return EntityRef::Phosphosite(id.to_owned());
        }
        if split_site(id, ACETYL_RESIDUES).is_some() {
            return EntityRef::Acetylsite(id.to_owned());
        }
        EntityRef::Gene(id.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(id: &str) -> EntityRef {
        EntityRef::from_feature(&FeatureId::new(id))
    }

    #[test]
    fn feature_ids_are_classified_by_form() {
        assert_eq!(of("PTEN-S380"), EntityRef::Phosphosite("PTEN-S380".into()));
        assert_eq!(
            of("ANKHD1-EIF4EBP3-S2539"),
            EntityRef::Phosphosite("ANKHD1-EIF4EBP3-S2539".into())
        );
        assert_eq!(of("A2M-K1168"), EntityRef::Acetylsite("A2M-K1168".into()));
        assert_eq!(of("TP53_p.R175H"), EntityRef::Mutation("TP53".into()));
        assert_eq!(
            of("hsa-miR-21-5p"),
            EntityRef::Mirna("hsa-miR-21-5p".into())
        );
        assert_eq!(of("NKX2-1"), EntityRef::Gene("NKX2-1".into()));
        assert_eq!(of("HLA-A"), EntityRef::Gene("HLA-A".into()));
        assert_eq!(of("PTEN"), EntityRef::Gene("PTEN".into()));
    }
}
