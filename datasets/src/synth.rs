//! Synthetic studies with planted truth: the yardstick for the whole system.
//!
//! [`write_synthetic_study`] writes a study folder in the formats labs really ship (so the real
//! loader, not a shortcut, reads it) together with `truth.json`, the list of relationships that
//! were planted with known size. Running the agent on such a study and comparing its hypotheses
//! with the truth measures recall and false-discovery rate. The background is correlated
//! (latent programmes, shared copy-number segments, a batch effect) and carries passenger
//! mutations and null clinical variables, so finding the planted relations takes real
//! statistics rather than picking the largest number.
//!
//! Files written: `clinical.tsv`, `proteome.tsv.gz`, `rna.tsv.gz` (raw counts), `cna.tsv.gz`
//! (tumours only), `phospho.tsv.gz` (unless disabled), `mutations.maf`, `truth.json`.
//! Everything is a deterministic function of [`SynthConfig`] (ChaCha streams of its seed).

mod background;
mod clinical;
mod config;
mod genes;
mod harder;
mod mutations;
mod plant;
mod rng;
mod simulate;
mod survival;
mod truth;
mod write;

pub use config::{
    ChainSpec, CisSpec, GroupDifferenceSpec, GroupVariable, HISTOLOGY_LEVELS, MutationModuleSpec,
    NumericAssociationSpec, NumericVariable, SurvivalSpec, SynthConfig, SynthLayer,
};
pub use harder::{BackgroundModules, HypermutatorSpec, MSI_COLUMN, MSI_HIGH, MSI_STABLE};
pub use truth::{
    Confounded, GroupDirection, MutationDirection, Nuisance, Planted, PlantedRelation, TRUTH_FILE,
    Truth,
};

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("invalid synthetic-study configuration: {0}")]
    InvalidConfig(String),
    #[error("cannot write or read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("truth file is not valid JSON for this version: {0}")]
    Json(#[from] serde_json::Error),
}

/// Simulates the study described by `config`, writes it into `dir` (created if needed; existing
/// files of the same names are overwritten) and returns the planted truth, which is also
/// written to `dir/truth.json`.
pub fn write_synthetic_study(dir: &Path, config: &SynthConfig) -> Result<Truth, SynthError> {
    config.validate()?;
    let study = simulate::simulate(config)?;
    write::write_study(dir, &study)?;
    Ok(study.truth)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;
    use std::collections::{BTreeMap, BTreeSet};
    use std::io::Read;

    /// A parsed features-as-rows table: header cells and rows of (id, cells).
    struct Table {
        header: Vec<String>,
        rows: Vec<(String, Vec<String>)>,
    }

    impl Table {
        fn read(path: &Path) -> Table {
            let mut text = String::new();
            let file = std::fs::File::open(path).unwrap();
            if path.extension().is_some_and(|e| e == "gz") {
                GzDecoder::new(file).read_to_string(&mut text).unwrap();
            } else {
                text = std::fs::read_to_string(path).unwrap();
            }
            let mut lines = text.lines().filter(|l| !l.starts_with('#'));
            let header: Vec<String> = lines
                .next()
                .unwrap()
                .split('\t')
                .map(String::from)
                .collect();
            let rows = lines
                .map(|l| {
                    let mut cells = l.split('\t').map(String::from);
                    let id = cells.next().unwrap();
                    (id, cells.collect())
                })
                .collect();
            Table { header, rows }
        }

        fn samples(&self) -> &[String] {
            &self.header[1..]
        }

        fn numeric(&self, id: &str) -> Vec<f64> {
            let (_, cells) = self.rows.iter().find(|(f, _)| f == id).unwrap();
            cells
                .iter()
                .map(|c| {
                    if c == "NA" {
                        f64::NAN
                    } else {
                        c.parse().unwrap()
                    }
                })
                .collect()
        }

        fn column(&self, name: &str) -> Vec<String> {
            let i = self.header.iter().position(|h| h == name).unwrap() - 1;
            self.rows
                .iter()
                .map(|(_, cells)| cells[i].clone())
                .collect()
        }
    }

    fn study(config: &SynthConfig) -> (tempfile::TempDir, Truth) {
        let dir = tempfile::tempdir().unwrap();
        let truth = write_synthetic_study(dir.path(), config).unwrap();
        (dir, truth)
    }

    fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect()
    }

    fn mean(values: impl IntoIterator<Item = f64>) -> f64 {
        let v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        v.iter().sum::<f64>() / v.len() as f64
    }

    fn sd(values: &[f64]) -> f64 {
        let m = mean(values.iter().copied());
        let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
    }

    fn pearson(a: &[f64], b: &[f64]) -> f64 {
        let (ma, mb) = (mean(a.iter().copied()), mean(b.iter().copied()));
        let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
        let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
        cov / (va * vb).sqrt()
    }

    #[test]
    fn same_seed_gives_identical_bytes() {
        let config = SynthConfig::default();
        let (a, truth_a) = study(&config);
        let (b, truth_b) = study(&config);
        let (fa, fb) = (files(a.path()), files(b.path()));
        assert_eq!(
            fa.keys().collect::<Vec<_>>(),
            [
                "clinical.tsv",
                "cna.tsv.gz",
                "mutations.maf",
                "phospho.tsv.gz",
                "proteome.tsv.gz",
                "rna.tsv.gz",
                "truth.json"
            ]
        );
        assert_eq!(fa, fb);
        assert_eq!(truth_a, truth_b);
    }

    #[test]
    fn different_seeds_differ() {
        let (a, truth_a) = study(&SynthConfig::default());
        let (b, truth_b) = study(&SynthConfig {
            seed: 7,
            ..SynthConfig::default()
        });
        let (fa, fb) = (files(a.path()), files(b.path()));
        for name in [
            "clinical.tsv",
            "proteome.tsv.gz",
            "rna.tsv.gz",
            "mutations.maf",
        ] {
            assert_ne!(fa[name], fb[name], "{name}");
        }
        assert_ne!(truth_a.planted, truth_b.planted);
    }

    #[test]
    fn files_have_the_promised_shapes() {
        let config = SynthConfig::default();
        let (dir, truth) = study(&config);
        let n = config.n_samples();

        let clinical = Table::read(&dir.path().join("clinical.tsv"));
        assert_eq!(clinical.header[0], "sample_id");
        assert_eq!(clinical.rows.len(), n);
        assert_eq!(clinical.rows[0].0, "S001");
        let types = clinical.column("Sample_Type");
        assert_eq!(
            types.iter().filter(|t| *t == "Normal").count(),
            config.n_normals
        );
        let stages: BTreeSet<String> = clinical.column("stage").into_iter().collect();
        assert!(stages.is_subset(&BTreeSet::from(
            ["Stage I", "Stage II", "Stage III", "Stage IV", "NA"].map(String::from)
        )));
        assert_eq!(
            clinical
                .column("histology")
                .into_iter()
                .filter(|h| h != "NA")
                .collect::<BTreeSet<_>>()
                .len(),
            3
        );
        let events = clinical.column("os_event");
        assert!(
            events[..config.n_tumours]
                .iter()
                .all(|e| e == "0" || e == "1")
        );
        let censored = events.iter().filter(|e| *e == "0").count() as f64 / config.n_tumours as f64;
        assert!(
            (0.1..0.5).contains(&censored),
            "censored fraction {censored}"
        );

        let proteome = Table::read(&dir.path().join("proteome.tsv.gz"));
        assert_eq!(proteome.samples().len(), n);
        let n_proteins = proteome.rows.len() as f64 / config.n_genes as f64;
        assert!(
            (0.8..0.9).contains(&n_proteins),
            "proteome coverage {n_proteins}"
        );
        let cells: Vec<&String> = proteome.rows.iter().flat_map(|(_, c)| c).collect();
        let missing =
            cells.iter().filter(|c| c.as_str() == "NA").count() as f64 / cells.len() as f64;
        assert!((0.04..0.06).contains(&missing), "missing {missing}");
        let values: Vec<f64> = cells.iter().filter_map(|c| c.parse().ok()).collect();
        assert!(mean(values.iter().copied()).abs() < 0.1);

        let rna = Table::read(&dir.path().join("rna.tsv.gz"));
        assert_eq!((rna.rows.len(), rna.samples().len()), (config.n_genes, n));
        assert!(
            rna.rows
                .iter()
                .flat_map(|(_, c)| c)
                .all(|c| c.parse::<u64>().is_ok())
        );

        let cna = Table::read(&dir.path().join("cna.tsv.gz"));
        assert_eq!(
            (cna.rows.len(), cna.samples().len()),
            (config.n_genes, config.n_tumours)
        );

        let phospho = Table::read(&dir.path().join("phospho.tsv.gz"));
        assert_eq!(phospho.rows.len(), config.n_phosphosites);
        assert!(phospho.rows.iter().all(|(id, _)| {
            let (_, site) = id.rsplit_once('-').unwrap();
            site.starts_with(['S', 'T', 'Y']) && site[1..].parse::<u32>().is_ok()
        }));

        let maf = Table::read(&dir.path().join("mutations.maf"));
        assert_eq!(maf.header[0], "Hugo_Symbol");
        let barcodes = maf.column("Tumor_Sample_Barcode");
        assert!(barcodes.iter().all(|b| b.ends_with("_T")));
        assert!(
            maf.column("Variant_Classification")
                .iter()
                .any(|c| c == "Silent")
        );
        assert_eq!(truth.passenger_mutations.len(), config.n_passenger_genes);
    }

    /// Carriers from the MAF, ignoring Silent calls, keyed by gene.
    fn carriers_from_maf(dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
        let maf = Table::read(&dir.join("mutations.maf"));
        let classes = maf.column("Variant_Classification");
        let barcodes = maf.column("Tumor_Sample_Barcode");
        let mut carriers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (((gene, _), class), code) in maf.rows.iter().zip(&classes).zip(&barcodes) {
            if class != "Silent" {
                let sample = code.trim_end_matches("_T").to_owned();
                carriers.entry(gene.clone()).or_default().insert(sample);
            }
        }
        carriers
    }

    #[test]
    fn planted_mutation_carriers_have_shifted_modules() {
        let config = SynthConfig::default();
        let (dir, truth) = study(&config);
        let from_maf = carriers_from_maf(dir.path());
        let mut checked = 0;
        for planted in &truth.planted {
            let PlantedRelation::MutationShiftsModule {
                mutation,
                layer,
                features,
                effect,
                direction,
                carriers,
            } = &planted.relation
            else {
                continue;
            };
            let carriers: BTreeSet<String> = carriers.iter().map(|s| s.to_string()).collect();
            assert_eq!(from_maf[mutation], carriers, "{mutation} carriers in MAF");
            let frequency = carriers.len() as f64 / config.n_tumours as f64;
            assert!((0.15..=0.25).contains(&frequency));

            let table = Table::read(&dir.path().join(layer.file_name()));
            let tumours = &table.samples()[..config.n_tumours];
            let mut shifts = Vec::new();
            for feature in features {
                let mut values = table.numeric(feature.as_str());
                if *layer == SynthLayer::Rna {
                    values.iter_mut().for_each(|v| *v = (*v + 1.0).log2());
                }
                let (mut hit, mut rest) = (Vec::new(), Vec::new());
                for (s, v) in tumours.iter().zip(&values) {
                    if carriers.contains(s) {
                        hit.push(*v)
                    } else {
                        rest.push(*v)
                    }
                }
                shifts.push((mean(hit) - mean(rest.iter().copied())) / sd(&rest));
            }
            let average = mean(shifts);
            assert!(
                (average - effect).abs() < 0.45 && average.signum() == effect.signum(),
                "{mutation}: planted {effect}, observed {average}"
            );
            assert_eq!(*direction, MutationDirection::of(*effect));
            checked += 1;
        }
        assert_eq!(checked, 3);
        // Planted genes also carry Silent calls in non-carriers, which must not count.
        let maf = Table::read(&dir.path().join("mutations.maf"));
        let silent_pten = maf
            .rows
            .iter()
            .zip(maf.column("Variant_Classification"))
            .filter(|((gene, _), class)| gene == "PTEN" && class == "Silent")
            .count();
        assert!(silent_pten >= 2);
    }

    /// The hypermutated subgroup: written as `msi_status`, its planted features shifted, the
    /// confounded gene mutated mostly in it (so a naive carrier test sees the shift) and listed
    /// in truth.json's `confounded`; planted sets co-vary.
    #[test]
    fn harder_truth_plants_a_confounded_mutation() {
        let config = SynthConfig::harder();
        let (dir, truth) = study(&config);
        let clinical = Table::read(&dir.path().join("clinical.tsv"));
        let msi = clinical.column(MSI_COLUMN);
        let ids: Vec<String> = clinical.rows.iter().map(|(id, _)| id.clone()).collect();
        let high: BTreeSet<String> = ids
            .iter()
            .zip(&msi)
            .filter(|(_, m)| *m == MSI_HIGH)
            .map(|(id, _)| id.clone())
            .collect();
        assert_eq!(high.len(), 14, "12% of 120 tumours");
        assert!(msi[config.n_tumours..].iter().all(|m| m == "NA"));
        let [confounded] = &truth.confounded[..] else {
            panic!("one confounded relation: {:?}", truth.confounded);
        };
        assert_eq!(confounded.mutations[0], "ARID1A");
        assert_eq!(confounded.explained_by, MSI_COLUMN);
        let carriers = &carriers_from_maf(dir.path())["ARID1A"];
        let in_high = carriers.iter().filter(|c| high.contains(*c)).count();
        assert!(
            2 * in_high > carriers.len(),
            "{in_high} of {} carriers MSI-H",
            carriers.len()
        );
        // One gene at a time, ARID1A carriers show the hypermutation shift.
        let rna = Table::read(&dir.path().join("rna.tsv.gz"));
        let tumours = &rna.samples()[..config.n_tumours];
        let naive: Vec<f64> = confounded
            .features
            .iter()
            .map(|f| {
                let v: Vec<f64> = rna
                    .numeric(f.as_str())
                    .iter()
                    .map(|x| (x + 1.0).log2())
                    .collect();
                let (hit, rest): (Vec<_>, Vec<_>) = tumours
                    .iter()
                    .zip(&v)
                    .partition(|(s, _)| carriers.contains(*s));
                let rest: Vec<f64> = rest.into_iter().map(|(_, x)| *x).collect();
                (mean(hit.into_iter().map(|(_, x)| *x)) - mean(rest.iter().copied())) / sd(&rest)
            })
            .collect();
        assert!(mean(naive) > 0.5, "naive ARID1A shift");
        // The MSI-H difference is planted (a real relation), and planted sets co-vary.
        let msi_planted = truth.planted.iter().any(|p| {
            matches!(&p.relation, PlantedRelation::ClinicalGroupDifference { variable, features, .. }
                if *variable == GroupVariable::MsiStatus && *features == confounded.features)
        });
        assert!(msi_planted);
        let first = rna.numeric(confounded.features[0].as_str());
        let second = rna.numeric(confounded.features[1].as_str());
        let log = |v: &[f64]| v.iter().map(|x| (x + 1.0).log2()).collect::<Vec<_>>();
        assert!(pearson(&log(&first), &log(&second)) > 0.2);
    }

    /// A truth.json written before the harder fields existed still reads, and its configuration
    /// regenerates the classic study (the new fields default to off, not to the harder preset).
    #[test]
    fn old_configurations_read_and_stay_classic() {
        let (dir, truth) = study(&SynthConfig::default());
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join(TRUTH_FILE)).unwrap())
                .unwrap();
        let config = json["config"].as_object_mut().unwrap();
        for field in ["background_modules", "planted_coregulation", "hypermutator"] {
            assert!(config.remove(field).is_some(), "{field} is written");
        }
        json.as_object_mut().unwrap().remove("confounded");
        let old: Truth = serde_json::from_value(json).unwrap();
        assert_eq!(old.config, SynthConfig::default());
        assert!(old.confounded.is_empty() && truth.confounded.is_empty());
        let clinical = std::fs::read_to_string(dir.path().join("clinical.tsv")).unwrap();
        assert!(!clinical.contains(MSI_COLUMN));
    }

    #[test]
    fn passenger_mutations_do_not_shift_planted_modules() {
        let (dir, truth) = study(&SynthConfig::default());
        let from_maf = carriers_from_maf(dir.path());
        let proteome = Table::read(&dir.path().join("proteome.tsv.gz"));
        let Some(PlantedRelation::MutationShiftsModule { features, .. }) =
            truth.planted.first().map(|p| &p.relation)
        else {
            panic!("first planted relation is the PTEN module");
        };
        let passenger = &truth.passenger_mutations[0];
        let carriers = &from_maf[passenger];
        let shifts: Vec<f64> = features
            .iter()
            .map(|f| {
                let values = proteome.numeric(f.as_str());
                let (mut hit, mut rest) = (Vec::new(), Vec::new());
                for (s, v) in proteome.samples()[..120].iter().zip(&values) {
                    if carriers.contains(s) {
                        hit.push(*v)
                    } else {
                        rest.push(*v)
                    }
                }
                (mean(hit) - mean(rest.iter().copied())) / sd(&rest)
            })
            .collect();
        assert!(mean(shifts).abs() < 0.4);
    }

    #[test]
    fn group_and_numeric_relations_are_visible() {
        let config = SynthConfig::default();
        let (dir, truth) = study(&config);
        let clinical = Table::read(&dir.path().join("clinical.tsv"));
        for planted in &truth.planted {
            match &planted.relation {
                PlantedRelation::ClinicalGroupDifference {
                    variable,
                    level,
                    layer,
                    features,
                    effect,
                    ..
                } => {
                    let in_level: Vec<bool> = clinical
                        .column(variable.column())
                        .iter()
                        .map(|v| v == level)
                        .collect();
                    let table = Table::read(&dir.path().join(layer.file_name()));
                    let shifts: Vec<f64> = features
                        .iter()
                        .map(|f| {
                            let mut values = table.numeric(f.as_str());
                            if *layer == SynthLayer::Rna {
                                values.iter_mut().for_each(|v| *v = (*v + 1.0).log2());
                            }
                            let (mut hit, mut rest) = (Vec::new(), Vec::new());
                            for (inside, v) in in_level.iter().zip(&values) {
                                if *inside { hit.push(*v) } else { rest.push(*v) }
                            }
                            (mean(hit) - mean(rest.iter().copied())) / sd(&rest)
                        })
                        .collect();
                    let average = mean(shifts);
                    assert!(
                        (average - effect).abs() < 0.5,
                        "{level}: {average} vs {effect}"
                    );
                }
                PlantedRelation::ClinicalNumericAssociation {
                    variable,
                    layer,
                    features,
                    ..
                } => {
                    let covariate: Vec<f64> = clinical
                        .column(variable.column())
                        .iter()
                        .take(config.n_tumours)
                        .map(|v| v.parse().unwrap())
                        .collect();
                    let table = Table::read(&dir.path().join(layer.file_name()));
                    let r = mean(features.iter().map(|f| {
                        let values: Vec<f64> = table.numeric(f.as_str())[..config.n_tumours]
                            .iter()
                            .map(|v| (v + 1.0).log2())
                            .collect();
                        pearson(&covariate, &values)
                    }));
                    assert!(r > 0.35, "{} association r = {r}", variable.column());
                }
                _ => {}
            }
        }
    }

    #[test]
    fn cis_genes_follow_their_copy_number() {
        let config = SynthConfig::default();
        let (dir, truth) = study(&config);
        let cna = Table::read(&dir.path().join("cna.tsv.gz"));
        let rna = Table::read(&dir.path().join("rna.tsv.gz"));
        let proteome = Table::read(&dir.path().join("proteome.tsv.gz"));
        let cis_genes = truth
            .planted
            .iter()
            .find_map(|p| match &p.relation {
                PlantedRelation::CisCopyNumber { genes, .. } => Some(genes.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(cis_genes.len(), config.cis.n_genes);
        let nt = config.n_tumours;
        let rna_r = mean(cis_genes.iter().map(|g| {
            let log: Vec<f64> = rna.numeric(g)[..nt]
                .iter()
                .map(|v| (v + 1.0).log2())
                .collect();
            pearson(&cna.numeric(g), &log)
        }));
        let protein_r = mean(cis_genes.iter().map(|g| {
            let (c, p): (Vec<f64>, Vec<f64>) = cna
                .numeric(g)
                .into_iter()
                .zip(proteome.numeric(g))
                .filter(|(_, p)| p.is_finite())
                .unzip();
            pearson(&c, &p)
        }));
        assert!((rna_r - 0.6).abs() < 0.15, "rna r = {rna_r}");
        assert!((protein_r - 0.6).abs() < 0.2, "protein r = {protein_r}");
        // An unplanted gene shows no such dosage effect.
        let other = rna
            .rows
            .iter()
            .map(|(g, _)| g)
            .find(|g| !cis_genes.contains(g))
            .unwrap();
        let log: Vec<f64> = rna.numeric(other)[..nt]
            .iter()
            .map(|v| (v + 1.0).log2())
            .collect();
        assert!(pearson(&cna.numeric(other), &log).abs() < 0.3);
    }

    #[test]
    fn survival_follows_the_planted_feature() {
        let config = SynthConfig::default();
        let (dir, truth) = study(&config);
        let (feature, layer) = truth
            .planted
            .iter()
            .find_map(|p| match &p.relation {
                PlantedRelation::SurvivalAssociation { feature, layer, .. } => {
                    Some((feature.clone(), *layer))
                }
                _ => None,
            })
            .unwrap();
        let clinical = Table::read(&dir.path().join("clinical.tsv"));
        let nt = config.n_tumours;
        let days: Vec<f64> = clinical.column("os_days")[..nt]
            .iter()
            .map(|d| d.parse().unwrap())
            .collect();
        let events: Vec<bool> = clinical.column("os_event")[..nt]
            .iter()
            .map(|e| e == "1")
            .collect();
        let x = Table::read(&dir.path().join(layer.file_name())).numeric(feature.as_str());
        // Harrell's concordance: higher feature, earlier death.
        let (mut concordant, mut comparable) = (0.0, 0.0);
        for i in 0..nt {
            for j in 0..nt {
                if events[i] && days[i] < days[j] && x[i].is_finite() && x[j].is_finite() {
                    comparable += 1.0;
                    if x[i] > x[j] {
                        concordant += 1.0;
                    }
                }
            }
        }
        let c = concordant / comparable;
        assert!(c > 0.6, "concordance {c}");
    }

    #[test]
    fn truth_file_round_trips_and_uses_the_documented_schema() {
        let (dir, truth) = study(&SynthConfig::default());
        assert_eq!(Truth::read(dir.path()).unwrap(), truth);
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(TRUTH_FILE)).unwrap()).unwrap();
        let first = &json["planted"][0];
        assert_eq!(first["id"], "P1");
        assert_eq!(first["kind"], "mutation_shifts_module");
        assert_eq!(first["mutation"], "PTEN");
        assert_eq!(first["layer"], "proteome");
        assert_eq!(first["direction"], "lower_in_mutated");
        let kinds: BTreeSet<&str> = json["planted"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            BTreeSet::from([
                "mutation_shifts_module",
                "clinical_group_difference",
                "clinical_numeric_association",
                "cis_copy_number",
                "survival_association"
            ])
        );
        assert_eq!(json["nuisance"][0]["kind"], "batch_effect");
        // Every planted feature exists in the layer file it names.
        for planted in &truth.planted {
            for layer in planted.relation.layers() {
                let table = Table::read(&dir.path().join(layer.file_name()));
                let ids: BTreeSet<&str> = table.rows.iter().map(|(id, _)| id.as_str()).collect();
                for f in planted.relation.features() {
                    assert!(
                        ids.contains(f.as_str()),
                        "{} missing from {}",
                        f,
                        layer.as_str()
                    );
                }
            }
        }
        // No gene takes part in two planted relations.
        let mut genes = BTreeSet::new();
        for planted in &truth.planted {
            for f in planted.relation.features() {
                assert!(genes.insert(f.gene_symbol().to_owned()), "{f} reused");
            }
        }
    }

    #[test]
    fn invalid_configurations_are_rejected_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("study");
        let mut bad = SynthConfig::default();
        bad.mutation_modules[0].frequency = 1.5;
        assert!(matches!(
            write_synthetic_study(&out, &bad),
            Err(SynthError::InvalidConfig(_))
        ));
        let no_normals = SynthConfig {
            n_normals: 0,
            ..SynthConfig::default()
        };
        assert!(matches!(
            write_synthetic_study(&out, &no_normals),
            Err(SynthError::InvalidConfig(_))
        ));
        let mut too_big = SynthConfig::default();
        too_big.group_differences[0].n_features = 5000;
        assert!(matches!(
            write_synthetic_study(&out, &too_big),
            Err(SynthError::InvalidConfig(_))
        ));
        assert!(!out.exists());
    }

    #[test]
    fn small_study_without_normals_or_phospho() {
        let config = SynthConfig {
            seed: 3,
            n_tumours: 40,
            n_normals: 0,
            n_genes: 300,
            n_phosphosites: 0,
            n_passenger_genes: 5,
            mutation_modules: vec![MutationModuleSpec {
                gene: "TP53".into(),
                frequency: 0.3,
                layer: SynthLayer::Rna,
                n_features: 10,
                effect: -2.0,
            }],
            group_differences: Vec::new(),
            ..SynthConfig::default()
        };
        let (dir, truth) = study(&config);
        let names: Vec<String> = files(dir.path()).into_keys().collect();
        assert!(!names.contains(&"phospho.tsv.gz".to_owned()));
        let clinical = Table::read(&dir.path().join("clinical.tsv"));
        assert!(!clinical.header.contains(&"Sample_Type".to_owned()));
        assert_eq!(clinical.rows.len(), 40);
        assert_eq!(truth.planted.len(), 4);
    }
}
