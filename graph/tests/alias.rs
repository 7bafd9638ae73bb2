//! Alias resolution against the real embedded gene list (NCBI Gene 2022-09-12).

#[macro_use]
mod common;

use common::{analysis, de_finding};
use graph::knowledge::{GeneIndex, GeneMatch, GeneResolution};
use graph::resolve::ResolutionIssue;
use graph::sql::scratch::ScratchStore;
use graph::{EntityKind, EntityRef, ResearchGraph};

fn resolved(q: &str) -> Option<(String, GeneMatch)> {
    match GeneIndex::embedded().unwrap().resolve(q) {
        GeneResolution::Resolved { gene, via, .. } => Some((gene.symbol.clone(), via)),
        _ => None,
    }
}

#[test]
fn outdated_symbols_map_to_current_ones() {
    // CTGF was renamed CCN2 (2018), DDX58 -> RIGI (2022), ACPP -> ACP3, PARK2 -> PRKN.
    assert_eq!(resolved("CTGF"), Some(("CCN2".into(), GeneMatch::Alias)));
    assert_eq!(resolved("DDX58"), Some(("RIGI".into(), GeneMatch::Alias)));
    assert_eq!(resolved("ACPP"), Some(("ACP3".into(), GeneMatch::Alias)));
    assert_eq!(resolved("PARK2"), Some(("PRKN".into(), GeneMatch::Alias)));
    assert_eq!(GeneIndex::embedded().unwrap().len(), 42_815);
}

#[test]
fn ids_of_other_namespaces_resolve() {
    assert_eq!(resolved("7157"), Some(("TP53".into(), GeneMatch::Entrez)));
    assert_eq!(
        resolved("P60484"),
        Some(("PTEN".into(), GeneMatch::Uniprot))
    );
    assert_eq!(
        resolved("ENSG00000141510"),
        Some(("TP53".into(), GeneMatch::Ensembl))
    );
    assert_eq!(resolved("c-Myc"), Some(("MYC".into(), GeneMatch::Alias)));
}

#[test]
fn ambiguity_is_reported_and_exact_symbols_win() {
    let genes = GeneIndex::embedded().unwrap();
    // SPS1 is an alias of both SEPHS1 and SRM and nobody's current symbol.
    assert_eq!(
        genes.resolve("SPS1"),
        GeneResolution::Ambiguous {
            via: GeneMatch::Alias,
            candidates: vec!["SEPHS1", "SRM"]
        }
    );
    // LRP1 is a current symbol and also an alias of C1D: the symbol wins, the clash is noted.
    match genes.resolve("LRP1") {
        GeneResolution::Resolved {
            gene,
            via,
            also_alias_of,
        } => {
            assert_eq!(gene.symbol, "LRP1");
            assert_eq!(via, GeneMatch::Symbol);
            assert_eq!(also_alias_of, vec!["C1D"]);
        }
        other => panic!("{other:?}"),
    }
}

fn findings_under_old_and_new_names_share_one_entity_and_notes_say_why(store: &ScratchStore) {
    let mut g = ResearchGraph::open(store.location()).unwrap();
    let run = g.start_run("r", None).unwrap();
    let recorded = g
        .record_analysis(
            analysis(run, "s", "differential_abundance"),
            vec![
                de_finding("CTGF", "Tumor", 1.0, 0.01, 0.02),
                de_finding("CCN2", "Tumor", 1.2, 0.01, 0.02),
                de_finding("CTGF-S200", "Tumor", 0.5, 0.01, 0.02),
                de_finding("SPS1", "Tumor", 0.5, 0.01, 0.02),
                de_finding("LRP1", "Tumor", 0.5, 0.01, 0.02),
            ],
        )
        .unwrap();
    let claim = |i: usize| g.finding(recorded.findings[i]).unwrap().claim.unwrap();
    assert_eq!(claim(0), claim(1), "CTGF and CCN2 support one relation");
    assert_eq!(g.edge(claim(0)).unwrap().edge.evidence.len(), 2);
    let site = g
        .find_entity(&EntityRef::Phosphosite("CTGF-S200".into()))
        .unwrap()
        .unwrap();
    assert_eq!(g.entity(site).unwrap().key, "CCN2-S200");
    let sps1 = g.entity_by_key(EntityKind::Gene, "SPS1").unwrap();
    assert_eq!(g.entity(sps1).unwrap().attrs["resolved"], false);

    // One note per distinct name: CTGF translated, SPS1 ambiguous, LRP1 preferred.
    let issue = |q: &str| {
        recorded
            .notes
            .iter()
            .find(|n| n.query == q)
            .map(|n| n.issue.clone())
    };
    assert_eq!(
        issue("CTGF"),
        Some(ResolutionIssue::Translated {
            via: GeneMatch::Alias
        })
    );
    assert_eq!(
        issue("SPS1"),
        Some(ResolutionIssue::Ambiguous {
            candidates: vec!["SEPHS1".into(), "SRM".into()]
        })
    );
    assert_eq!(
        issue("LRP1"),
        Some(ResolutionIssue::PreferredSymbol {
            also_alias_of: vec!["C1D".into()]
        })
    );
    assert_eq!(issue("CCN2"), None);
    assert_eq!(
        recorded.notes.iter().filter(|n| n.query == "CTGF").count(),
        1
    );
}

on_both_backends!(findings_under_old_and_new_names_share_one_entity_and_notes_say_why,);
