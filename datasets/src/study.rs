//! A study: the clinical table and every omics layer of one folder, with samples harmonized to the
//! clinical table's rows. `Study::load` is the one entry point the rest of hypomics uses.

use crate::clinical::{ClinicalTable, Tissue};
use crate::error::{DatasetError, Result};
use crate::harmonize::{MatchReport, SampleMapEntry, SampleResolver, match_ids};
use crate::ids::{FeatureId, SampleId};
use crate::kinds::{FileRole, LayerKind, file_stem, role_from_header, role_from_name};
use crate::layer::{Layer, PrepareOptions, prepare};
use crate::manifest::{MANIFEST_NAME, Manifest, Orientation};
use crate::matrix::Matrix;
use crate::mutation::{MutationSource, collapse_variants, is_binary, read_maf};
use crate::read::{CellKind, RawTable, read_table};
use crate::source::{SourceFile, list_folder};
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct Study {
    pub name: String,
    /// The folder it came from (or a pseudo-path for the embedded demo).
    pub root: PathBuf,
    pub clinical: ClinicalTable,
    pub layers: Vec<Layer>,
    /// Every file in the folder with its role and content hash: the provenance of all results.
    pub files: Vec<FileRecord>,
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FileRecord {
    pub name: String,
    pub role: FileRole,
    pub sha256: Option<String>,
    pub size_bytes: Option<usize>,
    pub notes: Vec<String>,
}

impl Study {
    /// Loads a study folder, honouring a `study.toml` beside the tables if there is one.
    pub fn load(dir: &Path) -> Result<Self> {
        let files = list_folder(dir)?;
        let manifest = match files.iter().find(|f| f.name == MANIFEST_NAME) {
            Some(f) => {
                let bytes = f.read()?;
                Manifest::parse(&f.path, &String::from_utf8_lossy(&bytes))?
            }
            None => Manifest::default(),
        };
        let name = manifest.name.clone().unwrap_or_else(|| {
            dir.canonicalize()
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| dir.display().to_string())
        });
        Self::from_files(name, dir.to_owned(), files, &manifest)
    }

    /// Loads a study from files that need not be on disk (the embedded demo uses this).
    pub fn from_files(
        name: String,
        root: PathBuf,
        files: Vec<SourceFile>,
        manifest: &Manifest,
    ) -> Result<Self> {
        let mut records = Vec::new();
        let mut warnings = Vec::new();
        let mut tables: Vec<(SourceFile, Option<FileRole>)> = Vec::new();
        for file in files {
            if file.name == MANIFEST_NAME {
                continue;
            }
            if manifest.ignore.contains(&file.name) {
                records.push(record(
                    &file.name,
                    FileRole::Ignored("study.toml ignore".into()),
                ));
                continue;
            }
            let role = assigned_role(&file.name, manifest);
            match role {
                Some(FileRole::Ignored(_)) | Some(FileRole::FeatureAnnotation) => {
                    records.push(record(&file.name, role.unwrap_or(FileRole::Clinical)))
                }
                _ => tables.push((file, role)),
            }
        }
        if tables.is_empty() {
            return Err(DatasetError::NoTables { path: root });
        }

        let clinical_at = tables
            .iter()
            .position(|(_, r)| *r == Some(FileRole::Clinical))
            .ok_or_else(|| DatasetError::Parse {
                path: root.clone(),
                message:
                    "no clinical table found (a file named clinical.*, *colData*, phenotype.*); \
                          name one so, or set `clinical = \"FILE\"` in study.toml"
                        .into(),
            })?;
        let (clinical_file, _) = tables.remove(clinical_at);
        let clinical_table = read_table(&clinical_file, |_| CellKind::Text)?;
        let clinical =
            ClinicalTable::from_table(&clinical_table, manifest.sample_id_column.as_deref())?;
        records.push(table_record(&clinical_table, FileRole::Clinical));
        for (extra, _) in tables
            .iter()
            .filter(|(_, r)| *r == Some(FileRole::Clinical))
        {
            warnings.push(format!(
                "{}: a second clinical table; only {} is used (set `clinical` in study.toml to choose)",
                extra.name, clinical.file
            ));
        }
        tables.retain(|(_, r)| *r != Some(FileRole::Clinical));

        let mut sample_map = Vec::new();
        if let Some(at) = tables
            .iter()
            .position(|(_, r)| *r == Some(FileRole::SampleMap))
        {
            let (file, _) = tables.remove(at);
            let table = read_table(&file, |_| CellKind::Text)?;
            sample_map = read_sample_map(&table)?;
            records.push(table_record(&table, FileRole::SampleMap));
        }

        // Parse all remaining tables in parallel: decompression and scanning are per-file serial work.
        let parsed: Vec<Result<(RawTable, FileRole)>> = tables
            .par_iter()
            .map(|(file, role)| {
                let mut decided = role.clone();
                let table = read_table(file, |header| {
                    let r = decided.clone().unwrap_or_else(|| role_from_header(header));
                    let cells = match r {
                        FileRole::MutationCalls | FileRole::SampleMap => CellKind::Text,
                        _ => CellKind::Numeric,
                    };
                    decided = Some(r);
                    cells
                })?;
                Ok((table, decided.unwrap_or(FileRole::Layer(LayerKind::Other))))
            })
            .collect();

        let resolver = SampleResolver::new(&clinical, &sample_map);
        let mut layers: Vec<Layer> = Vec::new();
        for item in parsed {
            let (table, role) = item?;
            let overrides = manifest.layer(&table.name);
            let options = PrepareOptions {
                log_transform: overrides.map(|o| o.log_transform).unwrap_or_default(),
                median_center: overrides
                    .and_then(|o| o.median_center)
                    .or(manifest.median_center)
                    .unwrap_or(false),
                min_observed_fraction: overrides
                    .and_then(|o| o.min_observed_fraction)
                    .or(manifest.min_observed_fraction)
                    .unwrap_or(0.5),
            };
            let layer = match role {
                FileRole::MutationCalls => maf_layer(&table, &clinical, &resolver)?,
                FileRole::SampleMap => {
                    warnings.push(format!("{}: a second sample map was ignored", table.name));
                    records.push(table_record(&table, role));
                    continue;
                }
                FileRole::Layer(kind) => numeric_layer(
                    &table,
                    kind,
                    overrides.and_then(|o| o.orientation),
                    &clinical,
                    &resolver,
                    options,
                    &mut warnings,
                )?,
                FileRole::Clinical | FileRole::FeatureAnnotation | FileRole::Ignored(_) => continue,
            };
            let layer = Layer {
                name: unique_name(&layers, &layer, overrides.and_then(|o| o.name.as_deref())),
                ..layer
            };
            if layer.kind == LayerKind::Other {
                warnings.push(format!(
                    "{}: layer kind not recognised from the file name; set `kind` in study.toml",
                    table.name
                ));
            }
            if layer.matching.matched < layer.matching.ids_in_file {
                warnings.push(format!(
                    "{}: {} of {} sample IDs matched no clinical sample (e.g. {})",
                    table.name,
                    layer.matching.ids_in_file - layer.matching.matched,
                    layer.matching.ids_in_file,
                    layer.matching.unmatched_examples.join(", ")
                ));
            }
            records.push(table_record(&table, FileRole::Layer(layer.kind)));
            layers.push(layer);
        }
        for file in &records {
            for note in &file.notes {
                warnings.push(format!("{}: {note}", file.name));
            }
        }
        records.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Self {
            name,
            root,
            clinical,
            layers,
            files: records,
            warnings,
        })
    }

    pub fn layer(&self, kind: LayerKind) -> Option<&Layer> {
        self.layers.iter().find(|l| l.kind == kind)
    }

    /// The gene-level mutation layer analyses should use: from MAF calls when the study has them
    /// (they cover every sequenced sample and only non-silent classes), else a variant matrix.
    pub fn mutation_layer(&self) -> Option<&Layer> {
        self.layers
            .iter()
            .filter(|l| l.kind == LayerKind::Mutation)
            .min_by_key(|l| l.mutation_source != Some(MutationSource::MafCalls))
    }

    pub fn layer_named(&self, name: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.name == name)
    }

    /// Tumour and normal counts among the given samples, when the study records tissue.
    pub fn tissue_counts(&self, samples: &[SampleId]) -> Option<(usize, usize)> {
        self.clinical.tissue.as_ref()?;
        let index = self.clinical.sample_index();
        let mut counts = (0, 0);
        for s in samples {
            match index
                .get(s.as_str())
                .and_then(|&i| self.clinical.tissue_of(i))
            {
                Some(Tissue::Tumor) => counts.0 += 1,
                Some(Tissue::Normal) => counts.1 += 1,
                None => {}
            }
        }
        Some(counts)
    }
}

fn record(name: &str, role: FileRole) -> FileRecord {
    FileRecord {
        name: name.to_owned(),
        role,
        sha256: None,
        size_bytes: None,
        notes: Vec::new(),
    }
}

fn table_record(table: &RawTable, role: FileRole) -> FileRecord {
    FileRecord {
        name: table.name.clone(),
        role,
        sha256: Some(table.sha256.clone()),
        size_bytes: Some(table.size_bytes),
        notes: table.notes.clone(),
    }
}

/// The role study.toml gives a file, else the one its name gives.
fn assigned_role(name: &str, manifest: &Manifest) -> Option<FileRole> {
    if manifest.clinical.as_deref() == Some(name) {
        return Some(FileRole::Clinical);
    }
    if manifest.sample_map.as_deref() == Some(name) {
        return Some(FileRole::SampleMap);
    }
    if let Some(kind) = manifest
        .layer(name)
        .and_then(|l| l.kind.as_deref())
        .and_then(LayerKind::parse)
    {
        return Some(FileRole::Layer(kind));
    }
    let role = role_from_name(name);
    // With an explicit clinical file, other clinical-looking names are ordinary tables.
    if manifest.clinical.is_some() && role == Some(FileRole::Clinical) {
        return None;
    }
    role
}

fn read_sample_map(table: &RawTable) -> Result<Vec<SampleMapEntry>> {
    let column = |name: &'static str| {
        table
            .column_index(name)
            .ok_or_else(|| DatasetError::MissingColumn {
                path: table.path.clone(),
                column: name.to_owned(),
                context: "a sample map needs columns assay, primary and colname",
            })
    };
    let assay = table.text_column(column("assay")?)?;
    let primary = table.text_column(column("primary")?)?;
    let colname = table.text_column(column("colname")?)?;
    Ok(assay
        .into_iter()
        .zip(primary)
        .zip(colname)
        .filter_map(|((a, p), c)| {
            Some(SampleMapEntry {
                assay: a.unwrap_or_default(),
                primary: p?,
                colname: c?,
            })
        })
        .collect())
}

/// The layer's sample columns/rows that matched, as (position in file, clinical index), in
/// clinical order so that every layer lists samples the same way.
fn matched_in_clinical_order(matches: &[Option<usize>]) -> Vec<(usize, usize)> {
    let mut pairs: Vec<(usize, usize)> = matches
        .iter()
        .enumerate()
        .filter_map(|(pos, m)| m.map(|c| (pos, c)))
        .collect();
    pairs.sort_by_key(|&(_, c)| c);
    pairs
}

fn numeric_layer(
    table: &RawTable,
    kind: LayerKind,
    orientation: Option<Orientation>,
    clinical: &ClinicalTable,
    resolver: &SampleResolver<'_>,
    options: PrepareOptions,
    warnings: &mut Vec<String>,
) -> Result<Layer> {
    let assay = file_stem(&table.name);
    let column_ids: Vec<String> = table.header.iter().skip(1).cloned().collect();
    let orientation = match orientation {
        Some(o) => o,
        None => {
            let row_ids = table.text_column(0)?;
            let row_ids: Vec<String> = row_ids.into_iter().flatten().collect();
            let (_, by_columns) = match_ids(resolver, &column_ids, assay);
            let (_, by_rows) = match_ids(resolver, &row_ids, assay);
            if by_columns.matched == 0 && by_rows.matched == 0 {
                return Err(DatasetError::NoSharedSamples {
                    path: table.path.clone(),
                    clinical: clinical.file.clone(),
                    n_columns: column_ids.len(),
                    n_rows: row_ids.len(),
                });
            }
            if by_rows.matched > by_columns.matched {
                Orientation::SamplesAsRows
            } else {
                Orientation::FeaturesAsRows
            }
        }
    };
    let (matrix, matching) = match orientation {
        Orientation::FeaturesAsRows => {
            let features = table.row_labels("feature")?;
            let (matches, report) = match_ids(resolver, &column_ids, assay);
            let pairs = matched_in_clinical_order(&matches);
            let columns: Vec<Vec<f64>> = pairs
                .par_iter()
                .map(|&(pos, _)| table.numeric_column(pos + 1))
                .collect::<Result<_>>()?;
            let samples = pairs
                .iter()
                .map(|&(_, c)| clinical.samples[c].clone())
                .collect();
            (transpose(samples, features, &columns)?, report)
        }
        Orientation::SamplesAsRows => {
            let row_ids = table.row_labels("sample")?;
            let (matches, report) = match_ids(resolver, &row_ids, assay);
            let pairs = matched_in_clinical_order(&matches);
            let columns: Vec<Vec<f64>> = (1..table.n_columns())
                .into_par_iter()
                .map(|c| {
                    let all = table.numeric_column(c)?;
                    Ok(pairs.iter().map(|&(pos, _)| all[pos]).collect())
                })
                .collect::<Result<_>>()?;
            let samples = pairs
                .iter()
                .map(|&(_, c)| clinical.samples[c].clone())
                .collect();
            let features = column_ids
                .iter()
                .map(|f| FeatureId::new(f.as_str()))
                .collect();
            (
                shape(table, Matrix::from_features(samples, features, columns))?,
                report,
            )
        }
    };
    if matching.matched == 0 {
        return Err(DatasetError::NoSharedSamples {
            path: table.path.clone(),
            clinical: clinical.file.clone(),
            n_columns: column_ids.len(),
            n_rows: table.n_rows(),
        });
    }
    let (kind, matrix, mutation_source) = if kind == LayerKind::Mutation {
        if is_binary(matrix.values()) {
            (
                LayerKind::Mutation,
                collapse_to_genes(table, matrix)?,
                Some(MutationSource::VariantMatrix),
            )
        } else {
            warnings.push(format!(
                "{}: named like a mutation table but holds values other than 0/1; loaded as kind `other`",
                table.name
            ));
            (LayerKind::Other, matrix, None)
        }
    } else {
        (kind, matrix, None)
    };
    let (matrix, processing) = if kind == LayerKind::Mutation {
        // Mutation flags are complete by construction; nothing to filter or transform.
        prepare(
            kind,
            matrix,
            PrepareOptions {
                min_observed_fraction: 0.0,
                ..options
            },
        )
    } else {
        prepare(kind, matrix, options)
    };
    Ok(Layer {
        name: String::new(),
        kind,
        file: table.name.clone(),
        orientation,
        matrix,
        matching,
        processing,
        mutation_source,
    })
}

fn shape(
    table: &RawTable,
    m: std::result::Result<Matrix, crate::matrix::ShapeError>,
) -> Result<Matrix> {
    m.map_err(|e| DatasetError::Parse {
        path: table.path.clone(),
        message: e.to_string(),
    })
}

/// Turns per-sample columns (features-as-rows files) into the feature-major matrix.
fn transpose(
    samples: Vec<SampleId>,
    features: Vec<String>,
    columns: &[Vec<f64>],
) -> Result<Matrix> {
    let n = samples.len();
    let p = features.len();
    let mut values = vec![f64::NAN; n * p];
    if n > 0 {
        values.par_chunks_mut(n).enumerate().for_each(|(f, out)| {
            for (s, col) in columns.iter().enumerate() {
                out[s] = col.get(f).copied().unwrap_or(f64::NAN);
            }
        });
    }
    let features = features.into_iter().map(FeatureId::from).collect();
    Matrix::new(samples, features, values).map_err(|e| DatasetError::Parse {
        path: PathBuf::new(),
        message: e.to_string(),
    })
}

fn collapse_to_genes(table: &RawTable, matrix: Matrix) -> Result<Matrix> {
    let genes: Vec<&str> = matrix
        .features()
        .iter()
        .map(FeatureId::gene_symbol)
        .collect();
    let columns: Vec<Vec<f64>> = matrix.feature_columns().map(<[f64]>::to_vec).collect();
    let (genes, columns) = collapse_variants(&genes, &columns);
    let samples = matrix.samples().to_vec();
    shape(
        table,
        Matrix::from_features(
            samples,
            genes.into_iter().map(FeatureId::from).collect(),
            columns,
        ),
    )
}

fn maf_layer(
    table: &RawTable,
    clinical: &ClinicalTable,
    resolver: &SampleResolver<'_>,
) -> Result<Layer> {
    let calls = read_maf(table)?;
    let (matches, matching) = match_ids(resolver, &calls.barcodes, file_stem(&table.name));
    if matching.matched == 0 {
        return Err(DatasetError::NoSharedSamples {
            path: table.path.clone(),
            clinical: clinical.file.clone(),
            n_columns: table.n_columns(),
            n_rows: calls.barcodes.len(),
        });
    }
    let pairs = matched_in_clinical_order(&matches);
    // Position of each barcode in the layer's sample order.
    let mut row_of = vec![None; calls.barcodes.len()];
    for (row, &(pos, _)) in pairs.iter().enumerate() {
        row_of[pos] = Some(row);
    }
    let samples: Vec<SampleId> = pairs
        .iter()
        .map(|&(_, c)| clinical.samples[c].clone())
        .collect();
    let mut genes = Vec::with_capacity(calls.mutated.len());
    let mut columns = Vec::with_capacity(calls.mutated.len());
    for (gene, carriers) in &calls.mutated {
        let mut column = vec![0.0; samples.len()];
        let mut any = false;
        for &b in carriers {
            if let Some(row) = row_of[b] {
                column[row] = 1.0;
                any = true;
            }
        }
        if any {
            genes.push(FeatureId::new(gene.as_str()));
            columns.push(column);
        }
    }
    let matrix = shape(table, Matrix::from_features(samples, genes, columns))?;
    let (matrix, processing) = prepare(
        LayerKind::Mutation,
        matrix,
        PrepareOptions {
            min_observed_fraction: 0.0,
            ..PrepareOptions::default()
        },
    );
    Ok(Layer {
        name: String::new(),
        kind: LayerKind::Mutation,
        file: table.name.clone(),
        orientation: Orientation::SamplesAsRows,
        matrix,
        matching,
        processing,
        mutation_source: Some(MutationSource::MafCalls),
    })
}

fn unique_name(existing: &[Layer], layer: &Layer, requested: Option<&str>) -> String {
    if let Some(name) = requested {
        return name.to_owned();
    }
    let base = layer.kind.as_str();
    if existing.iter().any(|l| l.name == base) {
        format!("{base} ({})", file_stem(&layer.file))
    } else {
        base.to_owned()
    }
}

/// Genes ranked by how many samples of a mutation layer carry a mutation.
pub fn mutation_recurrence(layer: &Layer) -> Vec<(FeatureId, usize)> {
    let mut counts: Vec<(FeatureId, usize)> = layer
        .matrix
        .features()
        .iter()
        .zip(layer.matrix.feature_columns())
        .map(|(f, col)| (f.clone(), col.iter().filter(|&&v| v == 1.0).count()))
        .collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
}

/// Re-exported so callers can name the report type without reaching into `harmonize`.
pub type SampleMatchReport = MatchReport;
