//! Phosphosite effects adjusted for the level of the site's protein. A site can look
//! "hyperphosphorylated" in tumours only because its protein is more abundant there; CPTAC
//! analyses therefore fit, per site, `site ~ term + protein` and read the term's coefficient as
//! the change in phosphorylation beyond abundance (stoichiometry). Two kinds of term:
//!
//! - a group comparison ([`SiteTerm::Groups`]): the adjusted difference A minus B;
//! - a cis source ([`SiteTerm::Cis`]): the same gene's feature in another layer (copy number, RNA),
//!   the cis effect on the site with the protein held fixed.
//!
//! Sites pair with the protein of their gene ([`FeatureId::gene_symbol`]; the first protein
//! feature of a gene), samples are matched by ID, and each fit uses the samples where the site,
//! the protein and the term are all observed. Fits are statsmodels-equivalent OLS
//! ([`crate::regression::ols`]). A site whose gene has no protein (or no cis source) is skipped.

use crate::align::shared_rows;
use crate::groups::{Membership, TwoGroups};
use crate::outcome::{NotTestable, Outcome};
use crate::regression::{Coefficient, Design, ols};
use datasets::{FeatureId, Matrix};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// What the site is regressed on besides its protein.
#[derive(Clone, Copy, Debug)]
pub enum SiteTerm<'a> {
    /// Group A (1) vs group B (0); excluded samples left out.
    Groups(&'a TwoGroups),
    /// The site's gene in a source layer (samples x features).
    Cis(&'a Matrix),
}

/// One site's adjusted fit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AdjustedSiteEffect {
    pub site: FeatureId,
    pub protein: FeatureId,
    /// The cis source feature, for [`SiteTerm::Cis`].
    pub source: Option<FeatureId>,
    pub fit: Outcome<SiteFit>,
}

/// The term's effect with the protein held fixed, and the protein's own slope.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SiteFit {
    pub n: usize,
    pub effect: Coefficient,
    pub protein: Coefficient,
    pub r_squared: f64,
}

/// Fits `site ~ term + protein` for every site of `sites` whose gene has a protein in `protein`
/// (and a source feature for a cis term), in site order.
pub fn site_effects_adjusted_for_protein(
    sites: &Matrix,
    protein: &Matrix,
    term: SiteTerm<'_>,
) -> Vec<AdjustedSiteEffect> {
    let first_of = |m: &Matrix| {
        let mut by_gene: HashMap<String, usize> = HashMap::new();
        for (i, f) in m.features().iter().enumerate() {
            by_gene.entry(f.gene_symbol().to_owned()).or_insert(i);
        }
        by_gene
    };
    let proteins = first_of(protein);
    let protein_rows = shared_rows(sites.samples(), protein.samples());
    // Rows of the site matrix present in the protein matrix, and the term on those rows.
    let site_rows = &protein_rows.left;
    let prot_rows = &protein_rows.right;
    let shared_samples: Vec<_> = site_rows
        .iter()
        .map(|&r| sites.samples()[r].clone())
        .collect();
    let (group_column, sources, source_rows) = match term {
        SiteTerm::Groups(groups) => (
            Some(
                groups
                    .aligned_to(&shared_samples)
                    .into_iter()
                    .map(|m| match m {
                        Membership::A => 1.0,
                        Membership::B => 0.0,
                        Membership::Excluded => f64::NAN,
                    })
                    .collect::<Vec<f64>>(),
            ),
            HashMap::new(),
            Vec::new(),
        ),
        SiteTerm::Cis(source) => {
            let index: HashMap<&str, usize> = source
                .samples()
                .iter()
                .enumerate()
                .map(|(i, s)| (s.as_str(), i))
                .collect();
            let rows: Vec<Option<usize>> = shared_samples
                .iter()
                .map(|s| index.get(s.as_str()).copied())
                .collect();
            (None, first_of(source), rows)
        }
    };
    let term_name = match term {
        SiteTerm::Groups(_) => "group",
        SiteTerm::Cis(_) => "source",
    };
    (0..sites.n_features())
        .into_par_iter()
        .filter_map(|f| {
            let site_id = &sites.features()[f];
            let gene = site_id.gene_symbol();
            let &p = proteins.get(gene)?;
            let source_feature = match term {
                SiteTerm::Cis(_) => Some(*sources.get(gene)?),
                SiteTerm::Groups(_) => None,
            };
            let site_values = sites.feature(f);
            let prot_values = protein.feature(p);
            let y: Vec<f64> = site_rows.iter().map(|&r| site_values[r]).collect();
            let protein_column: Vec<f64> = prot_rows.iter().map(|&r| prot_values[r]).collect();
            let term_column: Vec<f64> = match (&group_column, term, source_feature) {
                (Some(g), _, _) => g.clone(),
                (None, SiteTerm::Cis(source), Some(s)) => {
                    let values = source.feature(s);
                    source_rows
                        .iter()
                        .map(|r| r.map_or(f64::NAN, |r| values[r]))
                        .collect()
                }
                _ => return None,
            };
            let source = match term {
                SiteTerm::Cis(m) => source_feature.map(|s| m.features()[s].clone()),
                SiteTerm::Groups(_) => None,
            };
            Some(AdjustedSiteEffect {
                site: site_id.clone(),
                protein: protein.features()[p].clone(),
                source,
                fit: fit_site(&y, term_name, term_column, protein_column),
            })
        })
        .collect()
}

fn fit_site(y: &[f64], term_name: &str, term: Vec<f64>, protein: Vec<f64>) -> Outcome<SiteFit> {
    let design = Design::from_columns(
        y.len(),
        vec![
            (term_name.to_owned(), term),
            ("protein".to_owned(), protein),
        ],
    )
    .ok_or_else(|| NotTestable::InvalidInput {
        detail: "design columns of unequal length".to_owned(),
    })?;
    let fit = ols(y, &design)?;
    let (effect, protein) = match (fit.coefficients.get(1), fit.coefficients.get(2)) {
        (Some(e), Some(p)) => (*e, *p),
        _ => return Err(NotTestable::SingularDesign),
    };
    if !effect.estimate.is_finite() || !protein.estimate.is_finite() {
        return Err(NotTestable::SingularDesign);
    }
    Ok(SiteFit {
        n: fit.n,
        effect,
        protein,
        r_squared: fit.r_squared,
    })
}
