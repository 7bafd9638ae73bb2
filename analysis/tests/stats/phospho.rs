//! Phosphosite effects adjusted for protein level vs statsmodels OLS
//! (`analysis/reference/make_phospho_fixtures.py`): estimates, standard errors and t to `REL`,
//! p-values to `REL_P` relative (deep tails included).

use crate::common::*;
use analysis::groups::{Membership, TwoGroups};
use analysis::phospho::{SiteTerm, site_effects_adjusted_for_protein};
use analysis::regression::Coefficient;
use datasets::SampleId;
use serde_json::Value;

fn check(got: &Coefficient, want: &Value, what: &str) {
    close(got.estimate, num(&want["estimate"]), REL, what);
    close(got.std_error, num(&want["std_error"]), REL, what);
    close(got.t, num(&want["t"]), REL, what);
    close_p(got.p_value, num(&want["p"]), REL_P, what);
}

#[test]
fn site_effects_adjusted_for_protein_match_statsmodels() {
    let fx = load("phospho.json");
    let sites = layer_from_rows(
        &fx["samples"],
        &fx["sites"]["features"],
        &fx["sites"]["values"],
    );
    let protein = layer_from_rows(
        &fx["protein"]["samples"],
        &fx["protein"]["features"],
        &fx["protein"]["values"],
    );
    let cna = layer_from_rows(
        &fx["cna"]["samples"],
        &fx["cna"]["features"],
        &fx["cna"]["values"],
    );
    let samples: Vec<SampleId> = strings(&fx["samples"])
        .into_iter()
        .map(SampleId::from)
        .collect();
    let membership = nums(&fx["tumour"])
        .into_iter()
        .map(|t| {
            if t == 1.0 {
                Membership::A
            } else {
                Membership::B
            }
        })
        .collect();
    let groups = TwoGroups::new(samples, membership, "tumour", "normal").unwrap();
    for (term, key) in [
        (SiteTerm::Groups(&groups), "expected_group"),
        (SiteTerm::Cis(&cna), "expected_cis"),
    ] {
        let results = site_effects_adjusted_for_protein(&sites, &protein, term);
        let expected = fx[key].as_object().unwrap();
        assert_eq!(
            results.len(),
            expected.len(),
            "{key}: the orphan site is skipped"
        );
        for r in &results {
            let want = &expected[r.site.as_str()];
            let fit = r.fit.as_ref().unwrap();
            let what = format!("{key} {}", r.site.as_str());
            assert_eq!(fit.n as f64, num(&want["n"]), "{what}");
            check(&fit.effect, &want["effect"], &format!("{what} effect"));
            check(&fit.protein, &want["protein"], &format!("{what} protein"));
            close(fit.r_squared, num(&want["r_squared"]), REL, &what);
            assert_eq!(r.protein.gene_symbol(), r.site.gene_symbol());
        }
    }
}
