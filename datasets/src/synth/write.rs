//! Writes a simulated study the way a lab ships one: a clinical TSV with samples as rows,
//! gzipped feature-by-sample TSVs with `NA` for missing values, a plain-text MAF with a version
//! line, and `truth.json`. Output bytes depend only on the study (gzip mtime is 0), so a seed
//! always gives identical files.

use super::SynthError;
use super::clinical::{ClinicalRecord, STAGE_LEVELS};
use super::config::HISTOLOGY_LEVELS;
use super::mutations::MafRow;
use super::simulate::{LayerTable, SimulatedStudy, ValueFormat};
use super::truth::TRUTH_FILE;
use flate2::{Compression, GzBuilder};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

pub(super) const CLINICAL_FILE: &str = "clinical.tsv";
pub(super) const MAF_FILE: &str = "mutations.maf";
const NA: &str = "NA";

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SynthError + '_ {
    move |source| SynthError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub(super) fn write_study(dir: &Path, study: &SimulatedStudy) -> Result<(), SynthError> {
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    write_plain(
        &dir.join(CLINICAL_FILE),
        &clinical_text(&study.clinical, study.has_normals, study.has_msi_status),
    )?;
    for table in &study.layers {
        write_gzip(&dir.join(table.layer.file_name()), &layer_text(table))?;
    }
    write_plain(&dir.join(MAF_FILE), &maf_text(&study.maf))?;
    let mut truth = study.truth.to_json()?;
    truth.push('\n');
    write_plain(&dir.join(TRUTH_FILE), &truth)
}

fn write_plain(path: &Path, text: &str) -> Result<(), SynthError> {
    std::fs::write(path, text).map_err(io_error(path))
}

fn write_gzip(path: &Path, text: &str) -> Result<(), SynthError> {
    let file = File::create(path).map_err(io_error(path))?;
    let mut encoder = GzBuilder::new()
        .mtime(0)
        .write(BufWriter::new(file), Compression::default());
    encoder.write_all(text.as_bytes()).map_err(io_error(path))?;
    let mut inner = encoder.finish().map_err(io_error(path))?;
    inner.flush().map_err(io_error(path))
}

fn optional<T>(value: Option<T>, show: impl FnOnce(T) -> String) -> String {
    value.map_or_else(|| NA.to_owned(), show)
}

fn clinical_text(records: &[ClinicalRecord], has_normals: bool, has_msi: bool) -> String {
    let mut out =
        String::from("sample_id\tage\tsex\tstage\thistology\tpurity\tbatch\tos_days\tos_event");
    if has_normals {
        out.push_str("\tSample_Type");
    }
    if has_msi {
        out.push('\t');
        out.push_str(super::harder::MSI_COLUMN);
    }
    out.push('\n');
    for r in records {
        let fields = [
            r.id.to_string(),
            r.age.to_string(),
            r.sex.as_str().to_owned(),
            optional(r.stage, |s| {
                STAGE_LEVELS.get(s).copied().unwrap_or(NA).to_owned()
            }),
            optional(r.histology, |h| {
                HISTOLOGY_LEVELS
                    .get(h)
                    .map_or(NA, |(level, _)| *level)
                    .to_owned()
            }),
            optional(r.purity, |p| format!("{p:.2}")),
            format!("B{}", r.batch + 1),
            optional(r.survival, |s| s.days.to_string()),
            optional(r.survival, |s| u8::from(s.event).to_string()),
        ];
        out.push_str(&fields.join("\t"));
        if has_normals {
            out.push('\t');
            out.push_str(r.sample_type.as_str());
        }
        if has_msi {
            out.push('\t');
            out.push_str(if r.is_tumour() { r.msi_status() } else { NA });
        }
        out.push('\n');
    }
    out
}

fn format_value(x: f64, format: ValueFormat) -> String {
    if !x.is_finite() {
        return NA.to_owned();
    }
    let text = match format {
        ValueFormat::Decimals(d) => format!("{x:.d$}"),
        ValueFormat::Counts => format!("{:.0}", x.max(0.0)),
    };
    // "-0.0000" reads oddly in a file a person may open.
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
        text[1..].to_owned()
    } else {
        text
    }
}

fn layer_text(table: &LayerTable) -> String {
    let mut out = String::from(table.id_header);
    for s in &table.samples {
        out.push('\t');
        out.push_str(s.as_str());
    }
    out.push('\n');
    for (feature, column) in table.features.iter().zip(&table.values) {
        out.push_str(feature.as_str());
        for &x in column {
            out.push('\t');
            out.push_str(&format_value(x, table.format));
        }
        out.push('\n');
    }
    out
}

fn maf_text(rows: &[MafRow]) -> String {
    let mut out = String::from(
        "#version 2.4\nHugo_Symbol\tEntrez_Gene_Id\tCenter\tVariant_Classification\tVariant_Type\tTumor_Sample_Barcode\tHGVSp_Short\n",
    );
    for r in rows {
        out.push_str(&format!(
            "{}\t0\tsynthetic\t{}\t{}\t{}\t{}\n",
            r.gene, r.classification, r.variant_type, r.barcode, r.protein_change
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_formatted_as_a_lab_would() {
        assert_eq!(format_value(f64::NAN, ValueFormat::Decimals(4)), "NA");
        assert_eq!(format_value(-0.00001, ValueFormat::Decimals(4)), "0.0000");
        assert_eq!(format_value(-1.23456, ValueFormat::Decimals(3)), "-1.235");
        assert_eq!(format_value(17.0, ValueFormat::Counts), "17");
    }
}
