//! A study: the clinical table and every omics layer of one folder, with samples harmonized to the
//! clinical table's rows. `Study::load` is the one entry point the rest of hypomics uses.

use crate::budget;
use crate::clinical::{ClinicalTable, Tissue};
use crate::error::{DatasetError, Result};
use crate::harmonize::{MatchReport, SampleMapEntry, SampleResolver, match_ids};
use crate::ids::{FeatureId, SampleId};
use crate::infer::ids::{dominant_style, is_symbol_column};
use crate::infer::kind::{Confidence, KindBasis, KindSource, ValueProfile, kind_from_content};
use crate::infer::transposed::to_samples_as_rows;
use crate::infer::{
    Shape, is_transposed_clinical, may_be_wide, numeric_table_is_clinical, shape_of, wide,
};
use crate::kinds::{FileRole, LayerKind, file_stem, role_from_header};
use crate::layer::{Layer, PrepareOptions, prepare};
use crate::layouts::cbioportal::CaseList;
use crate::layouts::{self, PlannedTable};
use crate::manifest::{MANIFEST_NAME, Manifest, Orientation};
use crate::matrix::Matrix;
use crate::mutation::{MAF_COLUMNS, MutationSource, collapse_variants, is_binary, read_maf};
use crate::read::{CellKind, RawTable, TableFormat, read_table, read_table_lazy};
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
    /// Why the file has its role (and, for layers, kind and orientation): what `inspect` explains.
    pub explain: Vec<String>,
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
        let plan = layouts::plan(files, manifest)?;
        let plan_lists = plan.case_lists;
        let mut records = plan.records;
        let mut warnings = Vec::new();
        if plan.tables.is_empty() {
            return Err(DatasetError::NoTables { path: root });
        }
        // Parse every table in parallel: decompression and parsing are per-file serial work.
        let parsed: Vec<ParsedTable> = plan
            .tables
            .into_par_iter()
            .map(parse_planned)
            .collect::<Result<_>>()?;

        let (mut given, rest): (Vec<ParsedTable>, Vec<ParsedTable>) = parsed
            .into_iter()
            .partition(|t| t.role == Some(FileRole::Clinical));
        let (candidates, mut others): (Vec<ParsedTable>, Vec<ParsedTable>) =
            rest.into_iter().partition(|t| t.role.is_none());
        // study.toml's clinical file first, then the others in folder order.
        given.sort_by_key(|t| manifest.clinical.as_deref() != Some(t.table.name.as_str()));
        let mut candidates = candidates.into_iter();
        let chosen = if given.is_empty() {
            let found: Vec<ParsedTable> = candidates.by_ref().collect();
            match found.len() {
                1 => found.into_iter().next().map(|mut t| {
                    t.why.push(
                        "the clinical table: the only table whose columns are mostly text or \
                         clinical variables (rows are samples)"
                            .into(),
                    );
                    t
                }),
                0 => None,
                _ => {
                    let names: Vec<String> = found.iter().map(|t| t.table.name.clone()).collect();
                    return Err(DatasetError::Parse {
                        path: root,
                        message: format!(
                            "several tables could be the clinical table ({}): each has mostly text \
                             or clinical columns; say which in study.toml, e.g. `clinical = \"{}\"`",
                            names.join(", "),
                            names[0]
                        ),
                    });
                }
            }
        } else {
            None
        };
        let mut given = given.into_iter();
        let Some(clinical_parsed) = chosen.or_else(|| given.next()) else {
            return Err(DatasetError::Parse {
                path: root,
                message:
                    "no clinical table found: no file is named clinical.*, *colData*, pData*, \
                          phenotype.*, samples.* or data_clinical_*, no GEO series matrix, and no \
                          table has mostly text or clinical columns; add `clinical = \"FILE\"` to \
                          study.toml"
                        .into(),
            });
        };
        for extra in given {
            warnings.push(format!(
                "{}: a second clinical table; only {} is used (set `clinical` in study.toml to choose)",
                extra.table.name, clinical_parsed.table.name
            ));
            let mut record = FileRecord::of_table(&extra.table, FileRole::Clinical);
            record.explain = extra.why;
            records.push(record);
        }
        // Mixed tables beside a named clinical table: a wide table's feature block is a layer.
        for extra in candidates {
            match wide::plan(&extra.table)? {
                Some(split) => {
                    let mut columns = vec![0];
                    columns.extend(split.features.clone());
                    warnings.push(format!(
                        "{}: {}; its clinical columns are not used because {} is the clinical table",
                        extra.table.name, split.reason, clinical_parsed.table.name
                    ));
                    others.push(ParsedTable {
                        table: extra.table.subset(&columns)?,
                        role: Some(FileRole::Layer(LayerKind::Other)),
                        source: KindSource::Content,
                        why: vec![split.reason],
                        samples_as_rows: true,
                    });
                }
                None => {
                    warnings.push(format!(
                        "{}: mostly text columns, but {} is the clinical table; not used \
                         (give it a role in study.toml, e.g. `ignore = [\"{}\"]`)",
                        extra.table.name, clinical_parsed.table.name, extra.table.name
                    ));
                    let mut record = FileRecord::of_table(
                        &extra.table,
                        FileRole::Ignored("a second table of mostly text columns".into()),
                    );
                    record.explain = extra.why;
                    records.push(record);
                }
            }
        }

        // The clinical table itself may be wide: clinical columns then a block of features.
        let ParsedTable {
            table: clinical_raw,
            why: mut clinical_why,
            ..
        } = clinical_parsed;
        let clinical_table = match wide::plan(&clinical_raw)? {
            Some(split) => {
                let mut clinical_columns = vec![0];
                clinical_columns.extend(split.clinical.iter().copied());
                let mut feature_columns = vec![0];
                feature_columns.extend(split.features.clone());
                clinical_why.push(split.reason.clone());
                others.push(ParsedTable {
                    table: clinical_raw.subset(&feature_columns)?,
                    role: Some(FileRole::Layer(LayerKind::Other)),
                    source: KindSource::Content,
                    why: vec![split.reason],
                    samples_as_rows: true,
                });
                clinical_raw.subset(&clinical_columns)?
            }
            None => clinical_raw,
        };
        let clinical =
            ClinicalTable::from_table(&clinical_table, manifest.sample_id_column.as_deref())?;
        let mut record = FileRecord::of_table(&clinical_table, FileRole::Clinical);
        record.explain = clinical_why;
        for s in &clinical.survival {
            record.explain.push(format!(
                "survival `{}`: time {}{}, event {} ({})",
                s.name,
                s.time_columns.join(" / "),
                s.unit
                    .map_or(" (unit not stated in the name)".to_owned(), |u| format!(
                        " in {}",
                        u.as_str()
                    )),
                s.event_column,
                s.convention
            ));
        }
        records.push(record);
        drop(clinical_table);

        let mut sample_map = Vec::new();
        if let Some(at) = others
            .iter()
            .position(|t| t.role == Some(FileRole::SampleMap))
        {
            let parsed = others.remove(at);
            sample_map = read_sample_map(&parsed.table)?;
            let mut record = FileRecord::of_table(&parsed.table, FileRole::SampleMap);
            record.explain = parsed.why;
            records.push(record);
        }

        let resolver = SampleResolver::new(&clinical, &sample_map);
        let sequenced = plan_lists.iter().find(|l| l.is_sequenced());
        // Layers are read and built in parallel, largest first: each table's cells are streamed
        // in only now and become its (filtered) matrix before the thread moves on. Reads reserve
        // their estimated bytes from a budget of the largest read plus an eighth
        // (`READ_BUDGET_MARGIN`), so the unfiltered blocks of the largest layers are never held
        // together while small reads keep the other threads busy.
        let largest = others
            .iter()
            .map(|t| t.table.pending_bytes())
            .max()
            .unwrap_or(0);
        let jobs: Vec<(usize, ParsedTable)> = others
            .into_iter()
            .map(|t| (t.table.pending_bytes(), t))
            .collect();
        let built: Vec<BuiltLayer> = budget::run(
            jobs,
            largest + largest / READ_BUDGET_MARGIN,
            rayon::current_num_threads(),
            |mut parsed| {
                let mut local_warnings = Vec::new();
                let layer = build_layer(
                    &mut parsed,
                    manifest,
                    (&clinical, &resolver),
                    sequenced,
                    &mut local_warnings,
                )?;
                Ok(BuiltLayer {
                    parsed,
                    layer,
                    warnings: local_warnings,
                })
            },
        )
        .into_iter()
        .collect::<Result<_>>()?;
        let mut layers: Vec<Layer> = Vec::new();
        for BuiltLayer {
            parsed,
            layer,
            warnings: local_warnings,
        } in built
        {
            warnings.extend(local_warnings);
            let ParsedTable {
                table,
                role,
                mut why,
                ..
            } = parsed;
            let overrides = manifest.layer(&table.name);
            let Some(layer) = layer else {
                if role == Some(FileRole::SampleMap) {
                    warnings.push(format!("{}: a second sample map was ignored", table.name));
                    records.push(FileRecord::of_table(&table, FileRole::SampleMap));
                }
                continue;
            };
            let layer = Layer {
                name: unique_name(&layers, &layer, overrides.and_then(|o| o.name.as_deref())),
                ..layer
            };
            if layer.kind == LayerKind::Other {
                warnings.push(format!(
                    "{}: layer kind not recognised ({}); add `kind = \"rna\"` (or proteome, \
                     copy_number, ...) under `[[layer]] file = \"{}\"` in study.toml",
                    table.name, layer.kind_basis.reason, table.name
                ));
            } else if layer.kind_basis.confidence == Confidence::Low {
                warnings.push(format!(
                    "{}: read as {} with low confidence ({}); if wrong, set `kind` under \
                     `[[layer]] file = \"{}\"` in study.toml",
                    table.name,
                    layer.kind.as_str(),
                    layer.kind_basis.reason,
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
            why.push(format!(
                "{} layer `{}` ({} confidence): {}{}",
                layer.kind.as_str(),
                layer.name,
                confidence_label(layer.kind_basis.confidence),
                layer.kind_basis.reason,
                layer
                    .kind_basis
                    .measurement
                    .as_deref()
                    .map_or(String::new(), |m| format!("; values look like {m}"))
            ));
            why.push(layer.orientation_reason.clone());
            why.extend(layer.notes.iter().cloned());
            let mut record = FileRecord::of_table(&table, FileRole::Layer(layer.kind));
            record.explain = why;
            records.push(record);
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

impl FileRecord {
    pub fn new(name: &str, role: FileRole) -> Self {
        Self {
            name: name.to_owned(),
            role,
            sha256: None,
            size_bytes: None,
            notes: Vec::new(),
            explain: Vec::new(),
        }
    }

    fn of_table(table: &RawTable, role: FileRole) -> Self {
        Self {
            name: table.name.clone(),
            role,
            sha256: Some(table.sha256.clone()),
            size_bytes: Some(table.size_bytes),
            notes: table.notes.clone(),
            explain: Vec::new(),
        }
    }
}

/// The read budget is the largest layer read plus this fraction of it. On CPTAC UCEC (debug
/// build) an eighth peaked at 258 MB for 135 MB of matrices, a quarter at 275 MB and a sixth at
/// 279 MB (which reads overlap at the end matters as much as the margin); a smaller margin
/// leaves a thread idle longer while the largest table streams in.
const READ_BUDGET_MARGIN: usize = 8;

/// One table after [`build_layer`].
struct BuiltLayer {
    parsed: ParsedTable,
    layer: Option<Layer>,
    warnings: Vec<String>,
}

/// Reads a layer table's cells and builds its layer (MAF calls or a numeric matrix); `None` for
/// tables that are not layers.
fn build_layer(
    parsed: &mut ParsedTable,
    manifest: &Manifest,
    (clinical, resolver): (&ClinicalTable, &SampleResolver<'_>),
    sequenced: Option<&CaseList>,
    warnings: &mut Vec<String>,
) -> Result<Option<Layer>> {
    let role = parsed
        .role
        .clone()
        .unwrap_or(FileRole::Layer(LayerKind::Other));
    let overrides = manifest.layer(&parsed.table.name);
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
        FileRole::MutationCalls => {
            maf_layer(&parsed.table, clinical, resolver, sequenced).map(Some)
        }
        FileRole::Layer(kind) => {
            parsed.table.load()?;
            let orientation = overrides
                .and_then(|o| o.orientation)
                .or(parsed.samples_as_rows.then_some(Orientation::SamplesAsRows));
            numeric_layer(
                &mut parsed.table,
                LayerRequest {
                    kind,
                    source: parsed.source,
                    orientation,
                },
                clinical,
                resolver,
                options,
                warnings,
            )
            .map(Some)
        }
        FileRole::Clinical
        | FileRole::SampleMap
        | FileRole::FeatureAnnotation
        | FileRole::Ignored(_) => return Ok(None),
    }?;
    // The layer holds what is needed; the table's cells would only wait for the other layers.
    parsed.table.drop_cells();
    Ok(layer)
}

fn confidence_label(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

/// A table after parsing, with its role (`None`: a table of mostly text columns whose role, the
/// clinical table or a wide table, is decided once all tables are known).
struct ParsedTable {
    table: RawTable,
    role: Option<FileRole>,
    source: KindSource,
    why: Vec<String>,
    /// The feature block of a wide table: samples are its rows.
    samples_as_rows: bool,
}

fn is_maf_header(header: &[String]) -> bool {
    let has = |name: &str| header.iter().any(|h| h.eq_ignore_ascii_case(name));
    has("Hugo_Symbol") && has("Tumor_Sample_Barcode")
}

/// Reads one planned table, deciding from its header and first rows what its name left open:
/// MAF calls by their columns, a numeric block as a layer, mostly text (or clinical-named
/// columns) as a candidate clinical or wide table.
fn parse_planned(planned: PlannedTable) -> Result<ParsedTable> {
    let PlannedTable {
        file,
        role,
        source,
        mut why,
    } = planned;
    let mut decided = role.clone();
    let mut note = None;
    let mut transposed = false;
    let mut table = read_table_lazy(&file, |peek| match &role {
        Some(FileRole::Layer(kind))
            if is_maf_header(peek.header) && source != KindSource::StudyToml =>
        {
            decided = Some(FileRole::MutationCalls);
            note = Some(format!(
                "the name suggests {}, but the header has Hugo_Symbol and Tumor_Sample_Barcode: \
                 read as MAF mutation calls",
                kind.as_str()
            ));
            CellKind::TextColumns(MAF_COLUMNS)
        }
        Some(FileRole::Layer(_)) => match shape_of(peek) {
            Shape::Numeric { label_columns } => CellKind::Numeric { label_columns },
            Shape::Mixed => CellKind::NUMERIC,
        },
        Some(FileRole::MutationCalls) => CellKind::TextColumns(MAF_COLUMNS),
        Some(FileRole::Clinical) => {
            transposed = is_transposed_clinical(peek);
            CellKind::Text
        }
        Some(_) => CellKind::Text,
        None => match role_from_header(peek.header) {
            r @ (FileRole::MutationCalls | FileRole::SampleMap) => {
                note = Some(format!(
                    "the header says {}",
                    match r {
                        FileRole::MutationCalls =>
                            "MAF mutation calls (Hugo_Symbol, Tumor_Sample_Barcode)",
                        _ => "sample map (assay, primary, colname)",
                    }
                ));
                let kind = if r == FileRole::MutationCalls {
                    CellKind::TextColumns(MAF_COLUMNS)
                } else {
                    CellKind::Text
                };
                decided = Some(r);
                kind
            }
            _ if is_transposed_clinical(peek) => {
                transposed = true;
                decided = None;
                CellKind::Text
            }
            _ => match shape_of(peek) {
                Shape::Numeric { .. } if numeric_table_is_clinical(peek) || may_be_wide(peek) => {
                    decided = None;
                    CellKind::Text
                }
                Shape::Numeric { label_columns } => {
                    decided = Some(FileRole::Layer(LayerKind::Other));
                    CellKind::Numeric { label_columns }
                }
                Shape::Mixed => {
                    decided = None;
                    CellKind::Text
                }
            },
        },
    })?;
    if transposed {
        let variables: Vec<String> = table
            .text_column(0)?
            .into_iter()
            .flatten()
            .take(6)
            .collect();
        let text = to_samples_as_rows(&table)?;
        let raw = file.read()?;
        let samples = table.n_columns() - 1;
        table = read_table(
            &SourceFile::derived(&file.name, file.path.clone(), text, &raw),
            |_| CellKind::Text,
        )?;
        why.push(format!(
            "variables are rows and samples are columns (the first column holds clinical \
             variables: {}, ...; {samples} sample columns): read transposed, one row per sample",
            variables.join(", ")
        ));
    }
    // Parquet tables are typed already; one whose name was silent is a layer.
    if decided.is_none() && table.format == TableFormat::Parquet {
        decided = Some(FileRole::Layer(LayerKind::Other));
    }
    why.extend(note);
    Ok(ParsedTable {
        table,
        role: decided,
        source,
        why,
        samples_as_rows: false,
    })
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

/// What a numeric table should become: its kind so far, where that came from, and the
/// orientation if study.toml or the table's layout fixed it.
struct LayerRequest {
    kind: LayerKind,
    source: KindSource,
    orientation: Option<Orientation>,
}

fn numeric_layer(
    table: &mut RawTable,
    request: LayerRequest,
    clinical: &ClinicalTable,
    resolver: &SampleResolver<'_>,
    options: PrepareOptions,
    warnings: &mut Vec<String>,
) -> Result<Layer> {
    let assay = file_stem(&table.name);
    let first = table.label_columns.max(1);
    let mut notes = Vec::new();
    if first > 1 {
        notes.push(format!(
            "column(s) {} are feature annotation, not samples",
            table.header[1..first].join(", ")
        ));
    }
    let column_ids: Vec<String> = table.header.iter().skip(first).cloned().collect();
    let (orientation, orientation_reason) = match request.orientation {
        Some(o) => (
            o,
            match (o, request.source) {
                (Orientation::SamplesAsRows, KindSource::Content) => {
                    "samples are rows (the feature block of a wide table)".to_owned()
                }
                _ => "orientation from study.toml".to_owned(),
            },
        ),
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
            let o = if by_rows.matched > by_columns.matched {
                Orientation::SamplesAsRows
            } else {
                Orientation::FeaturesAsRows
            };
            (
                o,
                format!(
                    "{}: {} of {} column names and {} of {} row names are clinical samples",
                    match o {
                        Orientation::SamplesAsRows => "samples are rows",
                        Orientation::FeaturesAsRows => "samples are columns",
                    },
                    by_columns.matched,
                    column_ids.len(),
                    by_rows.matched,
                    row_ids.len()
                ),
            )
        }
    };
    let (matrix, matching, id_style) = match orientation {
        Orientation::FeaturesAsRows => {
            let rows = table.row_labels("feature")?;
            let id_style = dominant_style(rows.iter().map(String::as_str));
            let features = map_probes_to_genes(table, rows, &mut notes)?;
            let (matches, report) = match_ids(resolver, &column_ids, assay);
            let pairs = matched_in_clinical_order(&matches);
            let samples = pairs
                .iter()
                .map(|&(_, c)| clinical.samples[c].clone())
                .collect();
            let matrix = match table.take_values() {
                // A streamed table's rows are features: its block is already feature-major.
                Some((values, width)) => {
                    let picks: Vec<usize> = pairs.iter().map(|&(pos, _)| pos).collect();
                    let values = select_columns_in_place(values, width, &picks);
                    let features = features.into_iter().map(FeatureId::from).collect();
                    shape(table, Matrix::new(samples, features, values))?
                }
                None => {
                    let columns: Vec<Vec<f64>> = pairs
                        .par_iter()
                        .map(|&(pos, _)| table.numeric_column(pos + first))
                        .collect::<Result<_>>()?;
                    transpose(samples, features, &columns)?
                }
            };
            (matrix, report, id_style)
        }
        Orientation::SamplesAsRows => {
            let row_ids = table.row_labels("sample")?;
            let (matches, report) = match_ids(resolver, &row_ids, assay);
            let pairs = matched_in_clinical_order(&matches);
            let columns: Vec<Vec<f64>> = (first..table.n_columns())
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
            let id_style = dominant_style(column_ids.iter().map(String::as_str));
            let features = column_ids
                .iter()
                .map(|f| FeatureId::new(f.as_str()))
                .collect();
            (
                shape(table, Matrix::from_features(samples, features, columns))?,
                report,
                id_style,
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
    let profile = ValueProfile::of(matrix.values(), matrix.n_samples());
    let (kind, kind_basis) =
        if request.kind == LayerKind::Other && request.source != KindSource::StudyToml {
            kind_from_content(id_style, profile.as_ref())
        } else {
            (
                request.kind,
                KindBasis {
                    source: request.source,
                    confidence: match request.source {
                        KindSource::StudyToml | KindSource::MetaFile => Confidence::High,
                        _ => Confidence::Medium,
                    },
                    reason: match request.source {
                        KindSource::StudyToml => "kind set in study.toml".to_owned(),
                        KindSource::MetaFile => "kind from the cBioPortal meta file".to_owned(),
                        _ => "kind from the file name".to_owned(),
                    },
                    measurement: profile
                        .as_ref()
                        .and_then(ValueProfile::measurement)
                        .map(str::to_owned),
                },
            )
        };
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
        kind_basis,
        orientation_reason,
        notes,
    })
}

/// Probe IDs beside a gene-symbol column (`ID_REF` + `Gene Symbol`, `ProbeID` + `Symbol`) become
/// `SYMBOL|probe` features, so several probes of one gene stay separate features of that gene.
/// Probes without a symbol keep their ID.
fn map_probes_to_genes(
    table: &RawTable,
    rows: Vec<String>,
    notes: &mut Vec<String>,
) -> Result<Vec<String>> {
    if table.header.first().is_some_and(|h| is_symbol_column(h)) {
        return Ok(rows);
    }
    let Some(symbol_at) = (1..table.label_columns).find(|&c| is_symbol_column(&table.header[c]))
    else {
        return Ok(rows);
    };
    let symbols = table.text_column(symbol_at)?;
    let mut genes = std::collections::HashSet::new();
    let mut unmapped = 0;
    let features: Vec<String> = rows
        .into_iter()
        .zip(symbols)
        .map(|(probe, symbol)| {
            match symbol
                .as_deref()
                .map(|s| s.split(" /// ").next().unwrap_or(s).trim())
                .filter(|s| !s.is_empty() && *s != "---")
            {
                Some(gene) => {
                    genes.insert(gene.to_owned());
                    format!("{gene}|{probe}")
                }
                None => {
                    unmapped += 1;
                    probe
                }
            }
        })
        .collect();
    notes.push(format!(
        "{} probes mapped to {} genes through column `{}` (features are GENE|probe; several \
         probes of a gene stay separate){}",
        features.len() - unmapped,
        genes.len(),
        table.header[symbol_at],
        if unmapped > 0 {
            format!("; {unmapped} probe(s) without a symbol keep their ID")
        } else {
            String::new()
        }
    ));
    Ok(features)
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

/// Keeps the given columns (in the given order) of a row-major block `width` columns wide,
/// compacting it in place: row `r`'s picks land at `r * picks.len()`, never past the start of
/// row `r + 1`, so no second block is allocated.
fn select_columns_in_place(mut values: Vec<f64>, width: usize, picks: &[usize]) -> Vec<f64> {
    if width == 0 {
        return Vec::new();
    }
    let identity = picks.len() == width && picks.iter().enumerate().all(|(i, &p)| i == p);
    if identity {
        return values;
    }
    let rows = values.len() / width;
    let k = picks.len();
    let mut row = vec![0.0; width];
    for r in 0..rows {
        row.copy_from_slice(&values[r * width..(r + 1) * width]);
        for (i, &p) in picks.iter().enumerate() {
            values[r * k + i] = row[p];
        }
    }
    values.truncate(rows * k);
    values.shrink_to_fit();
    values
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
    // Slices of the variant matrix, not copies: only the gene-level result is allocated.
    let columns: Vec<&[f64]> = matrix.feature_columns().collect();
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

/// The gene-level mutation layer from MAF calls. Its samples are those with any call (silent
/// calls included: they were sequenced) and, with a cBioPortal `cases_sequenced` list, every
/// sample it names: sequenced without a call is wild type. Other samples are missing.
fn maf_layer(
    table: &RawTable,
    clinical: &ClinicalTable,
    resolver: &SampleResolver<'_>,
    sequenced: Option<&CaseList>,
) -> Result<Layer> {
    let mut calls = read_maf(table)?;
    let mut notes = Vec::new();
    if let Some(list) = sequenced {
        let with_calls: std::collections::HashSet<&str> =
            calls.barcodes.iter().map(String::as_str).collect();
        let listed: std::collections::HashSet<&str> = list.ids.iter().map(String::as_str).collect();
        let without_calls: Vec<String> = list
            .ids
            .iter()
            .filter(|id| !with_calls.contains(id.as_str()))
            .cloned()
            .collect();
        let unlisted = calls
            .barcodes
            .iter()
            .filter(|b| !listed.contains(b.as_str()))
            .count();
        notes.push(format!(
            "{} lists {} sequenced samples: {} of them have no call and are wild type{}; samples \
             not listed are missing, not wild type",
            list.file,
            list.ids.len(),
            without_calls.len(),
            if unlisted > 0 {
                format!(" ({unlisted} samples with calls are not listed; kept as sequenced)")
            } else {
                String::new()
            }
        ));
        calls.barcodes.extend(without_calls);
    } else {
        notes.push(
            "no case list says which samples were sequenced: samples without any call are \
             missing, not wild type"
                .into(),
        );
    }
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
    // Genes with a carrier among the matched samples, written straight into the feature-major
    // block (no per-gene vectors to copy afterwards).
    let n = samples.len();
    let mut genes = Vec::with_capacity(calls.mutated.len());
    let mut values = Vec::new();
    for (gene, carriers) in &calls.mutated {
        let rows: Vec<usize> = carriers.iter().filter_map(|&b| row_of[b]).collect();
        if rows.is_empty() {
            continue;
        }
        let start = values.len();
        values.resize(start + n, 0.0);
        for row in rows {
            values[start + row] = 1.0;
        }
        genes.push(FeatureId::new(gene.as_str()));
    }
    let matrix = shape(table, Matrix::new(samples, genes, values))?;
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
        kind_basis: KindBasis {
            source: KindSource::FileName,
            confidence: Confidence::High,
            reason: format!(
                "MAF calls: {} of {} calls non-silent",
                calls.calls_non_silent, calls.calls_total
            ),
            measurement: Some("gene-level mutated (1) / not (0)".into()),
        },
        orientation_reason: "one row per call; samples from Tumor_Sample_Barcode".into(),
        notes,
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
