//! Runs the whole simulation in memory: samples and clinical data, correlated background,
//! planted relations, survival, batch nuisance, mutations, then each layer in its own unit with
//! missing values. Writing to disk is `write`'s job.

use super::SynthError;
use super::background::{Columns, draw_background, draw_copy_number};
use super::clinical::{ClinicalRecord, draw_clinical};
use super::config::GroupVariable;
use super::config::{SynthConfig, SynthLayer};
use super::genes::{Site, draw_sites, gene_universe};
use super::harder::{
    MSI_COLUMN, MSI_HIGH, add_hypermutated, background_modules, confounded_carriers, coregulate,
    hypermutated,
};
use super::mutations::{MafRow, choose_carriers, maf_rows};
use super::plant::{Pools, associate, cis, shift};
use super::rng::{Stream, normal, stream};
use super::survival::draw_survival;
use super::truth::{
    Confounded, GroupDirection, MutationDirection, Nuisance, Planted, PlantedRelation, Truth,
};
use crate::ids::{FeatureId, SampleId};
use rand::Rng;

/// How a layer's values are written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum ValueFormat {
    Decimals(usize),
    /// Non-negative integers (raw sequencing counts).
    Counts,
}

/// One layer file: features as rows, samples as columns.
pub(super) struct LayerTable {
    pub layer: SynthLayer,
    /// Header of the feature-ID column.
    pub id_header: &'static str,
    pub samples: Vec<SampleId>,
    pub features: Vec<FeatureId>,
    pub values: Columns,
    pub format: ValueFormat,
}

pub(super) struct SimulatedStudy {
    pub clinical: Vec<ClinicalRecord>,
    pub has_normals: bool,
    /// Whether `clinical.tsv` gets the hypermutation column.
    pub has_msi_status: bool,
    pub layers: Vec<LayerTable>,
    pub maf: Vec<MafRow>,
    pub truth: Truth,
}

/// The z-values of the feature layers while effects are planted.
struct Layers {
    rna: Columns,
    proteome: Columns,
    phospho: Columns,
}

impl Layers {
    fn get_mut(&mut self, layer: SynthLayer) -> Result<&mut Columns, SynthError> {
        match layer {
            SynthLayer::Rna => Ok(&mut self.rna),
            SynthLayer::Proteome => Ok(&mut self.proteome),
            SynthLayer::Phospho => Ok(&mut self.phospho),
            SynthLayer::Cna => Err(SynthError::InvalidConfig(
                "copy number cannot carry a planted effect".into(),
            )),
        }
    }
}

/// Feature IDs of the given rows of a layer.
fn feature_ids(
    layer: SynthLayer,
    rows: &[usize],
    genes: &[String],
    sites: &[Site],
) -> Vec<FeatureId> {
    rows.iter()
        .map(|&r| match layer {
            SynthLayer::Phospho => sites[r].id.clone(),
            _ => FeatureId::new(genes[r].clone()),
        })
        .collect()
}

/// The universe with every planted chain's genes in it and in the proteome: a missing gene
/// replaces a drawn one (the universe keeps its size, so the background draws are unchanged),
/// and names stay sorted with their proteome flags. Without chains nothing changes.
fn with_chain_genes(
    config: &SynthConfig,
    genes: Vec<String>,
    in_proteome: Vec<bool>,
) -> (Vec<String>, Vec<bool>) {
    if config.chains.is_empty() {
        return (genes, in_proteome);
    }
    let wanted: Vec<&String> = config
        .chains
        .iter()
        .flat_map(|c| [&c.gene, &c.partner])
        .collect();
    let mut pairs: Vec<(String, bool)> = genes.into_iter().zip(in_proteome).collect();
    let mut replace = pairs.len();
    for gene in wanted {
        match pairs.iter().position(|(g, _)| g == gene) {
            Some(i) => pairs[i].1 = true,
            None => {
                // Replace from the end, never another wanted gene.
                while replace > 0 {
                    replace -= 1;
                    if !config
                        .chains
                        .iter()
                        .any(|c| c.gene == pairs[replace].0 || c.partner == pairs[replace].0)
                    {
                        break;
                    }
                }
                pairs[replace] = (gene.clone(), true);
            }
        }
    }
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    pairs.into_iter().unzip()
}

pub(super) fn simulate(config: &SynthConfig) -> Result<SimulatedStudy, SynthError> {
    let seed = config.seed;
    let n_samples = config.n_samples();
    let n_tumours = config.n_tumours;

    let mut gene_rng = stream(seed, Stream::Genes);
    let genes = gene_universe(config.n_genes, &mut gene_rng);
    let in_proteome: Vec<bool> = (0..genes.len())
        .map(|_| gene_rng.random_bool(config.proteome_coverage))
        .collect();
    let (genes, in_proteome) = with_chain_genes(config, genes, in_proteome);
    let sites = draw_sites(&genes, config.n_phosphosites, &mut gene_rng);
    let site_genes: Vec<usize> = sites.iter().map(|s| s.gene).collect();

    let mut clinical = draw_clinical(config, &mut stream(seed, Stream::Clinical));
    let sample_ids: Vec<SampleId> = clinical.iter().map(|c| c.id.clone()).collect();
    let mut hyper_rng = stream(seed, Stream::Hypermutator);
    let hyper: Vec<usize> = match &config.hypermutator {
        Some(h) => hypermutated(n_tumours, h.frequency, &mut hyper_rng),
        None => Vec::new(),
    };
    for &t in &hyper {
        clinical[t].hypermutated = true;
    }
    let background = draw_background(
        genes.len(),
        n_samples,
        config.n_latent_factors,
        &site_genes,
        &mut stream(seed, Stream::Background),
    );
    let copy_number = draw_copy_number(
        genes.len(),
        n_tumours,
        &mut stream(seed, Stream::CopyNumber),
    );
    let mut z = Layers {
        rna: background.rna,
        proteome: background.proteome,
        phospho: background.phospho,
    };
    background_modules(
        &config.background_modules,
        &mut z.rna,
        &mut z.proteome,
        &mut stream(seed, Stream::BackgroundModules),
    );
    // Planted sets share a programme (when configured), as a pathway's genes do.
    let mut coregulation_rng = stream(seed, Stream::Coregulation);
    let mut coregulated = |z: &mut Columns, rows: &[usize]| {
        coregulate(
            &mut [(z, rows)],
            config.planted_coregulation,
            n_samples,
            &mut coregulation_rng,
        );
    };

    let mut plan_rng = stream(seed, Stream::Plan);
    let mut mutation_rng = stream(seed, Stream::Mutations);
    let mut pools = Pools::new(&genes, &in_proteome, &site_genes);
    for spec in &config.mutation_modules {
        pools.reserve(&spec.gene);
    }
    if let Some(h) = &config.hypermutator {
        pools.reserve(&h.gene);
    }
    for spec in &config.chains {
        pools.reserve(&spec.gene);
        pools.reserve(&spec.partner);
    }
    let mut planted = Vec::new();
    let mut mutated: Vec<(String, Vec<usize>)> = Vec::new();

    for spec in &config.mutation_modules {
        let carriers = choose_carriers(n_tumours, spec.frequency, &mut mutation_rng);
        let rows = pools.take(spec.layer, spec.n_features, &mut plan_rng)?;
        coregulated(z.get_mut(spec.layer)?, &rows);
        shift(z.get_mut(spec.layer)?, &rows, &carriers, spec.effect);
        planted.push(PlantedRelation::MutationShiftsModule {
            mutation: spec.gene.clone(),
            layer: spec.layer,
            features: feature_ids(spec.layer, &rows, &genes, &sites),
            effect: spec.effect,
            direction: MutationDirection::of(spec.effect),
            carriers: carriers.iter().map(|&t| sample_ids[t].clone()).collect(),
        });
        mutated.push((spec.gene.clone(), carriers));
    }

    for spec in &config.chains {
        let carriers = choose_carriers(n_tumours, spec.frequency, &mut mutation_rng);
        for gene in [&spec.gene, &spec.partner] {
            let g = genes
                .binary_search(gene)
                .map_err(|_| SynthError::InvalidConfig(format!("chain gene {gene} missing")))?;
            shift(&mut z.proteome, &[g], &carriers, spec.effect);
        }
        planted.push(PlantedRelation::MutationChain {
            mutation: spec.gene.clone(),
            partner: spec.partner.clone(),
            effect: spec.effect,
            carriers: carriers.iter().map(|&t| sample_ids[t].clone()).collect(),
        });
        mutated.push((spec.gene.clone(), carriers));
    }

    for spec in &config.group_differences {
        let members: Vec<usize> = (0..n_samples)
            .filter(|&s| clinical[s].in_group(spec.variable, &spec.level))
            .collect();
        let rows = pools.take(spec.layer, spec.n_features, &mut plan_rng)?;
        coregulated(z.get_mut(spec.layer)?, &rows);
        shift(z.get_mut(spec.layer)?, &rows, &members, spec.effect);
        planted.push(PlantedRelation::ClinicalGroupDifference {
            variable: spec.variable,
            level: spec.level.clone(),
            layer: spec.layer,
            features: feature_ids(spec.layer, &rows, &genes, &sites),
            effect: spec.effect,
            direction: GroupDirection::of(spec.effect),
        });
    }

    for spec in &config.numeric_associations {
        let covariate: Vec<Option<f64>> =
            clinical.iter().map(|c| c.numeric(spec.variable)).collect();
        let rows = pools.take(spec.layer, spec.n_features, &mut plan_rng)?;
        coregulated(z.get_mut(spec.layer)?, &rows);
        associate(z.get_mut(spec.layer)?, &rows, &covariate, spec.effect);
        planted.push(PlantedRelation::ClinicalNumericAssociation {
            variable: spec.variable,
            layer: spec.layer,
            features: feature_ids(spec.layer, &rows, &genes, &sites),
            effect: spec.effect,
        });
    }

    if config.cis.n_genes > 0 {
        let rows = pools.take_cis(config.cis.n_genes, &mut plan_rng)?;
        for &g in &rows {
            cis(
                &mut z.rna[g],
                &mut z.proteome[g],
                &copy_number[g],
                config.cis.correlation,
            );
        }
        planted.push(PlantedRelation::CisCopyNumber {
            genes: rows.iter().map(|&g| genes[g].clone()).collect(),
            layers: vec![SynthLayer::Cna, SynthLayer::Rna, SynthLayer::Proteome],
            correlation: config.cis.correlation,
        });
    }

    if let Some(spec) = &config.survival {
        let rows = pools.take(spec.layer, 1, &mut plan_rng)?;
        let values = &z.get_mut(spec.layer)?[rows[0]][..n_tumours];
        let survival = draw_survival(values, spec, &mut stream(seed, Stream::Survival));
        for (record, s) in clinical.iter_mut().zip(survival) {
            record.survival = Some(s);
        }
        let feature = feature_ids(spec.layer, &rows, &genes, &sites).remove(0);
        planted.push(PlantedRelation::SurvivalAssociation {
            feature,
            layer: spec.layer,
            hazard_ratio: spec.hazard_ratio,
        });
    }

    // The hypermutated subgroup: a real group difference of msi_status, and the confounded
    // gene's carriers drawn mostly from it.
    let mut confounded = Vec::new();
    if let Some(spec) = &config.hypermutator {
        let rows = pools.take(spec.layer, spec.n_features, &mut hyper_rng)?;
        coregulated(z.get_mut(spec.layer)?, &rows);
        shift(z.get_mut(spec.layer)?, &rows, &hyper, spec.effect);
        let features = feature_ids(spec.layer, &rows, &genes, &sites);
        planted.push(PlantedRelation::ClinicalGroupDifference {
            variable: GroupVariable::MsiStatus,
            level: MSI_HIGH.into(),
            layer: spec.layer,
            features: features.clone(),
            effect: spec.effect,
            direction: GroupDirection::of(spec.effect),
        });
        let carriers = confounded_carriers(spec, n_tumours, &hyper, &mut hyper_rng);
        mutated.push((spec.gene.clone(), carriers));
        confounded.push(Confounded {
            id: "C1".into(),
            mutations: vec![spec.gene.clone()],
            layer: spec.layer,
            features,
            explained_by: MSI_COLUMN.into(),
        });
    }

    let mut nuisance = Vec::new();
    if config.n_batches > 1 && config.batch_effect_sd > 0.0 {
        add_batch_effect(
            &mut z.proteome,
            &clinical,
            config,
            &mut stream(seed, Stream::Batch),
        );
        nuisance.push(Nuisance::BatchEffect {
            variable: "batch".into(),
            layer: SynthLayer::Proteome,
            shift_sd: config.batch_effect_sd,
        });
    }

    let passengers = pools.take_genes(config.n_passenger_genes, &mut plan_rng)?;
    let mut passenger_mutations = Vec::new();
    for &g in &passengers {
        let frequency = mutation_rng.random_range(0.03..0.12);
        let mut carriers = choose_carriers(n_tumours, frequency, &mut mutation_rng);
        if let Some(spec) = &config.hypermutator {
            add_hypermutated(&mut carriers, &hyper, spec.passenger_rate, &mut hyper_rng);
        }
        mutated.push((genes[g].clone(), carriers));
        passenger_mutations.push(genes[g].clone());
    }
    // Passengers hit in hypermutated tumours are confounded the same way as the chosen gene.
    if let Some(c) = confounded.first_mut()
        && config
            .hypermutator
            .as_ref()
            .is_some_and(|h| h.passenger_rate > 0.0)
    {
        c.mutations.extend(passenger_mutations.iter().cloned());
    }

    let planted_genes: Vec<String> = config
        .mutation_modules
        .iter()
        .map(|m| m.gene.clone())
        .collect();
    let maf = maf_rows(
        &mutated,
        &planted_genes,
        &genes,
        &sample_ids[..n_tumours],
        &mut stream(seed, Stream::Maf),
    );

    let layers = layer_tables(
        config,
        z,
        copy_number,
        &genes,
        &in_proteome,
        &sites,
        &sample_ids,
    );
    let truth = Truth {
        seed,
        n_tumours,
        n_normals: config.n_normals,
        planted: planted
            .into_iter()
            .enumerate()
            .map(|(i, relation)| Planted {
                id: format!("P{}", i + 1),
                relation,
            })
            .collect(),
        nuisance,
        passenger_mutations,
        confounded,
        config: config.clone(),
    };
    Ok(SimulatedStudy {
        clinical,
        has_normals: config.n_normals > 0,
        has_msi_status: config.hypermutator.is_some(),
        layers,
        maf,
        truth,
    })
}

/// Each protein gets its own random offset per batch, as TMT plexes do.
fn add_batch_effect(
    proteome: &mut Columns,
    clinical: &[ClinicalRecord],
    config: &SynthConfig,
    rng: &mut impl Rng,
) {
    for column in proteome.iter_mut() {
        let offsets: Vec<f64> = (0..config.n_batches)
            .map(|_| config.batch_effect_sd * normal(rng))
            .collect();
        for (x, record) in column.iter_mut().zip(clinical) {
            *x += offsets[record.batch];
        }
    }
}

/// Turns z-values into each layer's unit and blanks missing cells.
fn layer_tables(
    config: &SynthConfig,
    z: Layers,
    copy_number: Columns,
    genes: &[String],
    in_proteome: &[bool],
    sites: &[Site],
    samples: &[SampleId],
) -> Vec<LayerTable> {
    let mut scale_rng = stream(config.seed, Stream::Scales);
    let mut missing_rng = stream(config.seed, Stream::Missing);
    let gene_ids: Vec<FeatureId> = genes.iter().map(|g| FeatureId::new(g.clone())).collect();

    // Proteome: log2 ratios to a pooled reference, centred near zero.
    let (features, values): (Vec<FeatureId>, Columns) = z
        .proteome
        .into_iter()
        .zip(&gene_ids)
        .zip(in_proteome)
        .filter(|(_, measured)| **measured)
        .map(|((column, id), _)| (id.clone(), column))
        .unzip();
    let mut values = rescale(values, 0.15, (0.5, 1.2), &mut scale_rng);
    blank(&mut values, config.proteome_missing, &mut missing_rng);
    let mut tables = vec![LayerTable {
        layer: SynthLayer::Proteome,
        id_header: "gene",
        samples: samples.to_vec(),
        features,
        values,
        format: ValueFormat::Decimals(4),
    }];

    // RNA: raw read counts, log-normal around a gene-specific depth.
    let rna = z
        .rna
        .into_iter()
        .map(|column| {
            let depth = scale_rng.random_range(3.0..12.0);
            let sd = scale_rng.random_range(0.6..1.4);
            column
                .into_iter()
                .map(|x| (2f64.powf(depth + sd * x) - 1.0).max(0.0).round())
                .collect()
        })
        .collect();
    tables.push(LayerTable {
        layer: SynthLayer::Rna,
        id_header: "gene",
        samples: samples.to_vec(),
        features: gene_ids.clone(),
        values: rna,
        format: ValueFormat::Counts,
    });

    tables.push(LayerTable {
        layer: SynthLayer::Cna,
        id_header: "gene",
        samples: samples[..config.n_tumours].to_vec(),
        features: gene_ids,
        values: copy_number,
        format: ValueFormat::Decimals(3),
    });

    if !sites.is_empty() {
        let mut values = rescale(z.phospho, 0.2, (0.6, 1.5), &mut scale_rng);
        blank(&mut values, config.phospho_missing, &mut missing_rng);
        tables.push(LayerTable {
            layer: SynthLayer::Phospho,
            id_header: "site",
            samples: samples.to_vec(),
            features: sites.iter().map(|s| s.id.clone()).collect(),
            values,
            format: ValueFormat::Decimals(4),
        });
    }
    tables
}

/// `offset + sd * z` with a per-feature offset ~ N(0, offset_sd) and sd uniform in `sd_range`.
fn rescale(values: Columns, offset_sd: f64, sd_range: (f64, f64), rng: &mut impl Rng) -> Columns {
    values
        .into_iter()
        .map(|column| {
            let offset = offset_sd * normal(rng);
            let sd = rng.random_range(sd_range.0..sd_range.1);
            column.into_iter().map(|x| offset + sd * x).collect()
        })
        .collect()
}

/// Missing completely at random, as NaN.
fn blank(values: &mut Columns, fraction: f64, rng: &mut impl Rng) {
    if fraction <= 0.0 {
        return;
    }
    for x in values.iter_mut().flatten() {
        if rng.random_bool(fraction) {
            *x = f64::NAN;
        }
    }
}
