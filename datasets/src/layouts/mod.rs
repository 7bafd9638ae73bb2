//! The layouts labs share studies in, turned into plain tables with a first guess at each one's
//! role: a cBioPortal folder (meta files, patient + sample clinical files), GEO series matrices,
//! Excel workbooks, and ordinary folders of tables. Every guess keeps its reason, because
//! `inspect` explains each decision and `study.toml` can override any of them.

pub mod cbioportal;
pub mod geo;
pub mod xlsx;

use crate::error::Result;
use crate::infer::kind::KindSource;
use crate::kinds::{FileRole, LayerKind, role_from_name};
use crate::manifest::{MANIFEST_NAME, Manifest};
use crate::read::{CellKind, decode_text, decompress, read_table};
use crate::source::SourceFile;
use crate::study::FileRecord;
use std::borrow::Cow;

/// A table to read, with its role so far (`None`: decide from content) and why.
pub struct PlannedTable {
    pub file: SourceFile,
    pub role: Option<FileRole>,
    pub source: KindSource,
    pub why: Vec<String>,
}

/// The folder as tables to read, plus the files that are not tables (with their roles).
pub struct Plan {
    pub tables: Vec<PlannedTable>,
    pub records: Vec<FileRecord>,
    /// cBioPortal case lists: which samples each profile covers.
    pub case_lists: Vec<cbioportal::CaseList>,
}

/// The role study.toml gives a file, if any.
fn manifest_role(name: &str, manifest: &Manifest) -> Option<FileRole> {
    if manifest.clinical.as_deref() == Some(name) {
        return Some(FileRole::Clinical);
    }
    if manifest.sample_map.as_deref() == Some(name) {
        return Some(FileRole::SampleMap);
    }
    manifest
        .layer(name)
        .and_then(|l| l.kind.as_deref())
        .and_then(LayerKind::parse)
        .map(FileRole::Layer)
}

pub fn plan(files: Vec<SourceFile>, manifest: &Manifest) -> Result<Plan> {
    let mut records = Vec::new();
    let mut metas = Vec::new();
    let mut rest = Vec::new();
    let mut case_lists = Vec::new();
    for file in files {
        if file.name == MANIFEST_NAME {
            continue;
        }
        if manifest.ignore.contains(&file.name) {
            records.push(FileRecord::new(
                &file.name,
                FileRole::Ignored("study.toml ignore".into()),
            ));
        } else if let Some(list) = case_list(&file)? {
            let mut record = FileRecord::new(
                &file.name,
                FileRole::Ignored(format!(
                    "not a table: cBioPortal case list `{}` of {} samples",
                    list.stable_id,
                    list.ids.len()
                )),
            );
            if list.is_sequenced() {
                record.explain.push(
                    "the samples sequenced for mutations: those without a call are wild type, \
                     those not listed are missing"
                        .into(),
                );
            }
            records.push(record);
            case_lists.push(list);
        } else if file.name.starts_with("case_lists/") {
            records.push(FileRecord::new(
                &file.name,
                FileRole::Ignored("in case_lists/ but has no case_list_ids line".into()),
            ));
        } else if cbioportal::is_meta_file(&file.name) {
            let text = file.read()?;
            metas.push(cbioportal::parse_meta(
                &file.name,
                &String::from_utf8_lossy(&text),
            ));
        } else {
            rest.push(file);
        }
    }
    for meta in &metas {
        let about = meta
            .data_filename
            .as_deref()
            .map_or("the study".to_owned(), |f| format!("describes {f}"));
        records.push(FileRecord::new(
            &meta.file,
            FileRole::Ignored(format!("cBioPortal meta file ({about})")),
        ));
    }

    let mut tables = Vec::new();
    for file in rest {
        let explicit = manifest_role(&file.name, manifest);
        let meta = metas
            .iter()
            .find(|m| m.data_filename.as_deref() == Some(file.name.as_str()));
        let (role, source, why) = if geo::is_series_matrix(&file.name) {
            tables.extend(series_matrix(&file, explicit)?);
            continue;
        } else if let Some(role) = explicit {
            let why = format!("{}: study.toml says so", role.describe());
            (Some(role), KindSource::StudyToml, why)
        } else if let Some(meta) = meta {
            let (role, what) = cbioportal::role_from_meta(meta, &metas);
            let why = format!("{}: {what}", role.describe());
            (Some(role), KindSource::MetaFile, why)
        } else {
            let mut role = role_from_name(&file.name);
            // With an explicit clinical file, other clinical-looking names are ordinary tables.
            if manifest.clinical.is_some() && role == Some(FileRole::Clinical) {
                role = None;
            }
            let why = match &role {
                Some(r) => format!("{}: from the file name", r.describe()),
                None => "the name says nothing; role decided from content".to_owned(),
            };
            (role, KindSource::FileName, why)
        };
        match role {
            Some(r @ (FileRole::Ignored(_) | FileRole::FeatureAnnotation)) => {
                let mut record = FileRecord::new(&file.name, r);
                record.explain.push(why);
                records.push(record);
            }
            role => {
                let mut planned = PlannedTable {
                    file,
                    role,
                    source,
                    why: vec![why],
                };
                if xlsx::is_workbook(&planned.file.name) {
                    let bytes = planned.file.read()?;
                    let sheet = xlsx::first_sheet(&planned.file.path, bytes.to_vec())?;
                    planned.why.push(sheet.note);
                    planned.file = SourceFile::derived(
                        &planned.file.name,
                        planned.file.path.clone(),
                        sheet.text,
                        &bytes,
                    );
                }
                tables.push(planned);
            }
        }
    }
    join_cbioportal_clinical(&mut tables, &mut records, manifest)?;
    Ok(Plan {
        tables,
        records,
        case_lists,
    })
}

/// The file as a cBioPortal case list, if its name and its `case_list_ids:` line say it is one.
fn case_list(file: &SourceFile) -> Result<Option<cbioportal::CaseList>> {
    if !cbioportal::may_be_case_list(&file.name) {
        return Ok(None);
    }
    let raw = file.read()?;
    let text = decode_text(decompress(&file.path, raw)?);
    Ok(cbioportal::parse_case_list(
        &file.name,
        &String::from_utf8_lossy(&text.bytes),
    ))
}

/// A GEO series matrix becomes two tables: the samples' characteristics (clinical) and the data.
/// A kind set in study.toml for the file applies to its data table.
fn series_matrix(file: &SourceFile, explicit: Option<FileRole>) -> Result<Vec<PlannedTable>> {
    let raw = file.read()?;
    let text = decode_text(decompress(&file.path, Cow::Borrowed(&raw))?);
    let text = String::from_utf8_lossy(&text.bytes);
    let matrix = geo::split(&file.path, &text)?;
    let platform = matrix
        .platform
        .as_deref()
        .map_or(String::new(), |p| format!(", platform {p}"));
    let clinical_name = format!("{} (samples)", file.name);
    Ok(vec![
        PlannedTable {
            file: SourceFile::derived(&clinical_name, file.path.clone(), matrix.clinical, &raw),
            role: Some(FileRole::Clinical),
            source: KindSource::FileName,
            why: vec![format!(
                "the clinical table: the !Sample_ lines of GEO series matrix {} ({} samples{platform}; \
                 characteristics: {})",
                file.name,
                matrix.samples,
                if matrix.characteristics.is_empty() {
                    "none".to_owned()
                } else {
                    matrix.characteristics.join(", ")
                }
            )],
        },
        PlannedTable {
            file: SourceFile::derived(&file.name, file.path.clone(), matrix.table, &raw),
            source: if explicit.is_some() {
                KindSource::StudyToml
            } else {
                KindSource::Content
            },
            role: explicit,
            why: vec![format!(
                "a layer: the table between !series_matrix_table_begin and _end of GEO series matrix {}{platform}",
                file.name
            )],
        },
    ])
}

/// cBioPortal's patient and sample clinical files become one clinical table, one row per sample.
fn join_cbioportal_clinical(
    tables: &mut Vec<PlannedTable>,
    records: &mut Vec<FileRecord>,
    manifest: &Manifest,
) -> Result<()> {
    let clinical_names: Vec<&str> = tables
        .iter()
        .filter(|t| matches!(t.role, Some(FileRole::Clinical) | None))
        .map(|t| t.file.name.as_str())
        .collect();
    let Some((sample_name, patient_name)) = cbioportal::clinical_pair(&clinical_names) else {
        return Ok(());
    };
    if manifest
        .clinical
        .as_deref()
        .is_some_and(|c| c != sample_name)
    {
        return Ok(());
    }
    let take = |tables: &mut Vec<PlannedTable>, name: &str| {
        tables
            .iter()
            .position(|t| t.file.name == name)
            .map(|at| tables.remove(at))
    };
    let (Some(sample), Some(patient)) = (take(tables, &sample_name), take(tables, &patient_name))
    else {
        return Ok(());
    };
    let sample_table = read_table(&sample.file, |_| CellKind::Text)?;
    let patient_table = read_table(&patient.file, |_| CellKind::Text)?;
    let (text, unmatched) = cbioportal::join_clinical(&sample_table, &patient_table)?;
    let raw = sample.file.read()?;
    let mut why = sample.why;
    why.push(format!(
        "joined with {patient_name} on PATIENT_ID: {} samples of {} patients{}",
        sample_table.n_rows(),
        patient_table.n_rows(),
        if unmatched > 0 {
            format!(", {unmatched} samples without a patient row")
        } else {
            String::new()
        }
    ));
    let mut record = FileRecord::new(&patient_name, FileRole::Clinical);
    record.sha256 = Some(patient_table.sha256.clone());
    record.size_bytes = Some(patient_table.size_bytes);
    record.explain.push(format!(
        "patient attributes, joined into {sample_name} on PATIENT_ID"
    ));
    records.push(record);
    tables.insert(
        0,
        PlannedTable {
            file: SourceFile::derived(&sample_name, sample.file.path.clone(), text, &raw),
            role: Some(FileRole::Clinical),
            source: sample.source,
            why,
        },
    );
    Ok(())
}
