//! Textbook associations recognised as known with their reason, partners, arms, and unrelated
//! pairs left unexplained, all against the embedded knowledge files.

use super::*;

fn kb() -> &'static Knowledgebase {
    Knowledgebase::embedded().expect("embedded knowledge builds")
}

fn gene(name: &str) -> EntityRef {
    EntityRef::gene(name)
}

fn level(variable: &str, level: &str) -> EntityRef {
    EntityRef::clinical_level(variable, level)
}

fn variable(name: &str) -> EntityRef {
    EntityRef::ClinicalVariable(name.into())
}

/// The reason of a `Known`, failing the test otherwise.
fn known(a: &EntityRef, b: &EntityRef) -> (String, String) {
    match kb().explain(a, b) {
        Explanation::Known { reason, source } => (reason, source),
        other => panic!("{a:?} ~ {b:?}: expected known, got {other:?}"),
    }
}

fn partly(a: &EntityRef, b: &EntityRef) -> (String, String) {
    match kb().explain(a, b) {
        Explanation::PartlyKnown { reason, source } => (reason, source),
        other => panic!("{a:?} ~ {b:?}: expected partly known, got {other:?}"),
    }
}

#[test]
fn textbook_associations_are_known_with_their_reason() {
    let msi = level("MSI_status", "MSI-H");

    let (reason, source) = known(&gene("MLH1"), &msi);
    assert!(reason.contains("promoter hypermethylation"), "{reason}");
    assert!(source.contains("Simpkins"), "{source}");

    let (reason, source) = known(&gene("PMS2"), &msi);
    assert!(
        reason.contains("MutL-alpha") && reason.contains("MLH1"),
        "{reason}"
    );
    assert!(source.contains("GO:0032389"), "{source}");

    let (reason, _) = known(&gene("MSH6"), &variable("MSI_status"));
    assert!(reason.contains("MutS-alpha"), "{reason}");

    let (reason, _) = known(&gene("ESR1"), &level("Estrogen_Receptor", "Positive"));
    assert!(reason.contains("ER-alpha"), "{reason}");

    let (reason, _) = known(&gene("PGR"), &level("Progesterone_Receptor", "Positive"));
    assert!(reason.contains("progesterone receptor"), "{reason}");

    let (reason, source) = known(
        &gene("MKI67"),
        &level("Histologic_Grade_FIGO", "FIGO grade 3"),
    );
    assert!(
        reason.contains("proliferation") && reason.contains("grade"),
        "{reason}"
    );
    assert!(source.contains("Whitfield"), "{source}");

    let (reason, source) = known(&gene("TP53"), &level("Histologic_type", "Serous"));
    assert!(reason.contains("serous"), "{reason}");
    assert!(source.contains("Nature 2013"), "{source}");

    let (reason, _) = known(&gene("CDKN2A"), &level("Histologic_type", "Serous"));
    assert!(reason.contains("p16"), "{reason}");

    let (reason, _) = known(
        &EntityRef::Mutation("POLE_p.P286R".into()),
        &level("Genomics_subtype", "POLE"),
    );
    assert!(reason.contains("ultramutated"), "{reason}");

    let (reason, _) = known(&gene("CA9"), &variable("Pathway_activity_Hypoxia"));
    assert!(reason.contains("HIF-1"), "{reason}");

    let (reason, _) = known(&gene("GZMA"), &variable("ESTIMATE_ImmuneScore"));
    assert!(reason.contains("cytolytic"), "{reason}");
}

#[test]
fn relations_are_symmetric_and_read_genes_through_their_names() {
    let msi = level("MSI_status", "MSI-H");
    assert_eq!(
        kb().explain(&gene("MLH1"), &msi),
        kb().explain(&msi, &gene("MLH1"))
    );
    // A phosphosite, an old alias and an Entrez id all stand for their gene.
    assert!(
        kb().explain(&EntityRef::Phosphosite("MLH1-S477".into()), &msi)
            .is_known()
    );
    assert!(
        kb().explain(&gene("4292"), &msi).is_known(),
        "Entrez 4292 is MLH1"
    );
    assert!(kb().explain(&gene("mlh1"), &msi).is_known());
}

#[test]
fn one_step_away_is_partly_known() {
    let msi = level("MSI_status", "MSI-H");
    // MLH3 is no core MSI gene but shares the mismatch repair complex with MLH1.
    let (reason, source) = partly(&gene("MLH3"), &msi);
    assert!(reason.contains("mismatch repair complex"), "{reason}");
    assert!(source.starts_with("GO cellular component"), "{source}");
    // EXO1 is in the GO mismatch-repair process, not in a complex with the core genes.
    let (reason, source) = partly(&gene("EXO1"), &msi);
    assert!(reason.contains("mismatch repair"), "{reason}");
    assert_eq!(source, "GO:0006298");
    // CD8A is an immune gene; MSI-H tumours are known to be more infiltrated.
    let (reason, source) = partly(&gene("CD8A"), &msi);
    assert!(reason.contains("neoantigens"), "{reason}");
    assert!(source.contains("Howitt"), "{source}");
}

#[test]
fn unrelated_pairs_are_unexplained() {
    for (g, v) in [
        ("ALB", level("MSI_status", "MSI-H")),
        ("MLH1", level("Estrogen_Receptor", "Positive")),
        ("OR2A4", level("Histologic_type", "Serous")),
        ("MKI67", variable("Age")),
        ("TP53", variable("BMI")),
        ("PMS2", level("Genomics_subtype", "CNV_low")),
    ] {
        assert_eq!(
            kb().explain(&gene(g), &v),
            Explanation::Unexplained,
            "{g} ~ {v:?}"
        );
    }
    assert_eq!(
        kb().explain(&gene("OR2A4"), &gene("ALB")),
        Explanation::Unexplained
    );
    assert_eq!(
        kb().explain(&EntityRef::Mirna("hsa-miR-21-5p".into()), &gene("PTEN")),
        Explanation::Unexplained,
        "nothing shipped speaks about miRNA targets"
    );
}

#[test]
fn a_variable_naming_the_gene_is_known() {
    // CPTAC's `MLH1` column is the MLH1 stain, `PI3K_PTEN` a PTEN mutation flag, `p53` the stain.
    let (reason, source) = known(&gene("MLH1"), &level("MLH1", "Loss of nuclear expression"));
    assert!(reason.contains("names MLH1 itself"), "{reason}");
    assert_eq!(source, "variable name");
    assert!(
        kb().explain(&gene("PTEN"), &variable("PI3K_PTEN"))
            .is_known()
    );
    assert!(kb().explain(&gene("TP53"), &variable("p53")).is_known());
    assert!(
        !kb()
            .explain(&gene("PIK3CA"), &variable("PI3K_PTEN"))
            .is_known()
    );
}

#[test]
fn gene_pairs_complexes_and_sets() {
    let (reason, source) = known(&gene("MLH1"), &gene("PMS2"));
    assert!(reason.contains("MutLalpha complex"), "{reason}");
    assert!(source.contains("GO:0032389"), "{source}");
    let (reason, _) = known(
        &EntityRef::Mutation("TP53".into()),
        &EntityRef::Phosphosite("TP53-S15".into()),
    );
    assert!(reason.contains("cis"), "{reason}");
    // Sharing only a broad complex term (77 genes) is no physical partnership.
    let (reason, _) = partly(&gene("TP53"), &gene("ARID4A"));
    assert!(
        reason.contains("transcription repressor complex"),
        "{reason}"
    );
    let (reason, _) = partly(&gene("ESR1"), &gene("GREB1"));
    assert!(reason.contains("oestrogen"), "{reason}");

    assert!(
        kb().explain(&gene("MLH1"), &EntityRef::GeneSet("GO:0006298".into()))
            .is_known()
    );
    let (reason, _) = known(
        &level("MSI_status", "MSI-H"),
        &EntityRef::GeneSet("GO:0006298".into()),
    );
    assert!(reason.contains("mismatch repair"), "{reason}");
    assert_eq!(
        kb().explain(
            &level("MSI_status", "MSI-H"),
            &EntityRef::GeneSet("PROGENy:Hypoxia".into())
        ),
        Explanation::Unexplained
    );
}

#[test]
fn clinical_pairs_by_concept() {
    let (reason, _) = known(&level("Genomics_subtype", "MSI-H"), &variable("MSI_status"));
    assert!(reason.contains("microsatellite"), "{reason}");
    let (_, source) = partly(&variable("MSI_status"), &variable("ESTIMATE_ImmuneScore"));
    assert!(source.contains("Howitt"), "{source}");
    assert_eq!(
        kb().explain(&variable("MSI_status"), &variable("BMI")),
        Explanation::Unexplained
    );
}

#[test]
fn partners_positions_and_why_it_matters() {
    let partners = kb().complex_partners("MLH1");
    assert_eq!(partners.first().map(|p| p.gene), Some("PMS2"));
    let msh2: Vec<&str> = kb()
        .complex_partners("MSH2")
        .iter()
        .take(2)
        .map(|p| p.gene)
        .collect();
    assert!(msh2.contains(&"MSH6"), "{msh2:?}");

    let pos = kb().position("MLH1").expect("MLH1 has a position");
    assert_eq!(
        pos.chromosome_arm().map(|a| a.to_string()).as_deref(),
        Some("3p")
    );
    assert_eq!(
        kb().position("TP53").and_then(|p| p.arm),
        Some(crate::knowledge::Arm::P)
    );

    let why = kb().why_it_matters(&level("MSI_status", "MSI-H"));
    assert_eq!(why.len(), 1);
    assert!(why[0].text.contains("PD-1"), "{:?}", why[0]);
    assert!(why[0].source.contains("Le et al."));
    assert!(!kb().why_it_matters(&gene("ESR1")).is_empty());
    assert!(kb().why_it_matters(&variable("BMI")).is_empty());
}
