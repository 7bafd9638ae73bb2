//! GEO series matrix files (`GSE2034_series_matrix.txt.gz`): `!Sample_*` header lines describe the
//! samples (`!Sample_characteristics_ch1` rows hold `key: value` cells), and the table between
//! `!series_matrix_table_begin` and `!series_matrix_table_end` is the measurement layer. Both become
//! ordinary tables: a clinical table keyed by GSM accession, and the probe x sample matrix.

use crate::error::{DatasetError, Result};
use std::path::Path;

const TABLE_BEGIN: &str = "!series_matrix_table_begin";
const TABLE_END: &str = "!series_matrix_table_end";

pub fn is_series_matrix(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let base = lower.strip_suffix(".gz").unwrap_or(&lower);
    base.ends_with("_series_matrix.txt")
}

/// A series matrix split into its sample table and its data table, both tab-separated text.
pub struct SeriesMatrix {
    pub clinical: Vec<u8>,
    pub table: Vec<u8>,
    pub samples: usize,
    pub characteristics: Vec<String>,
    pub platform: Option<String>,
}

fn cells(line: &str) -> Vec<String> {
    line.split('\t')
        .skip(1)
        .map(|c| {
            let c = c.trim();
            c.strip_prefix('"')
                .and_then(|c| c.strip_suffix('"'))
                .unwrap_or(c)
                .replace('\t', " ")
        })
        .collect()
}

/// Splits a series matrix's text. Sample lines become columns of the clinical table; every
/// `!Sample_characteristics_ch1` cell `key: value` becomes a value of variable `key`.
pub fn split(path: &Path, text: &str) -> Result<SeriesMatrix> {
    let error = |message: &str| DatasetError::Parse {
        path: path.to_owned(),
        message: message.to_owned(),
    };
    let mut accessions: Option<Vec<String>> = None;
    // (variable, values per sample), in order of first appearance.
    let mut columns: Vec<(String, Vec<String>)> = Vec::new();
    let mut platform = None;
    let mut table = Vec::new();
    let mut in_table = false;
    let mut saw_end = false;
    for line in text.lines() {
        if in_table {
            if line.starts_with(TABLE_END) {
                saw_end = true;
                break;
            }
            table.extend_from_slice(line.as_bytes());
            table.push(b'\n');
            continue;
        }
        if line.starts_with(TABLE_BEGIN) {
            in_table = true;
            continue;
        }
        let Some((key, _)) = line.split_once('\t') else {
            continue;
        };
        match key {
            "!Sample_geo_accession" => accessions = Some(cells(line)),
            "!Sample_platform_id" => platform = cells(line).into_iter().next(),
            "!Sample_title" | "!Sample_source_name_ch1" => {
                let name = key.trim_start_matches("!Sample_").to_owned();
                columns.push((name, cells(line)));
            }
            "!Sample_characteristics_ch1" => {
                for (s, cell) in cells(line).into_iter().enumerate() {
                    let (var, value) = match cell.split_once(':') {
                        Some((k, v)) => (k.trim().to_owned(), v.trim().to_owned()),
                        None if cell.is_empty() => continue,
                        None => ("characteristics".to_owned(), cell.clone()),
                    };
                    let at = match columns.iter().position(|(n, _)| *n == var) {
                        Some(at) => at,
                        None => {
                            columns.push((var, Vec::new()));
                            columns.len() - 1
                        }
                    };
                    let values = &mut columns[at].1;
                    if values.len() <= s {
                        values.resize(s + 1, String::new());
                    }
                    values[s] = value;
                }
            }
            _ => {}
        }
    }
    let accessions = accessions.ok_or_else(|| {
        error("a GEO series matrix without a !Sample_geo_accession line; download it again")
    })?;
    if !in_table || !saw_end {
        return Err(error(
            "the data table between !series_matrix_table_begin and !series_matrix_table_end is \
             missing or cut off; download the file again",
        ));
    }
    let n = accessions.len();
    let mut clinical = String::from("geo_accession");
    for (name, _) in &columns {
        clinical.push('\t');
        clinical.push_str(name);
    }
    clinical.push('\n');
    for (s, accession) in accessions.iter().enumerate() {
        clinical.push_str(accession);
        for (_, values) in &columns {
            clinical.push('\t');
            clinical.push_str(values.get(s).map_or("", String::as_str));
        }
        clinical.push('\n');
    }
    let characteristics = columns
        .iter()
        .map(|(n, _)| n.clone())
        .filter(|n| n != "title" && n != "source_name_ch1")
        .collect();
    Ok(SeriesMatrix {
        clinical: clinical.into_bytes(),
        table,
        samples: n,
        characteristics,
        platform,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characteristics_become_columns() {
        let text = "!Series_title\t\"x\"\n\
!Sample_title\t\"a\"\t\"b\"\n\
!Sample_geo_accession\t\"GSM1\"\t\"GSM2\"\n\
!Sample_platform_id\t\"GPL96\"\t\"GPL96\"\n\
!Sample_characteristics_ch1\t\"er: 1\"\t\"er: 0\"\n\
!Sample_characteristics_ch1\t\"time: 100\"\t\"time: 200\"\n\
!series_matrix_table_begin\n\"ID_REF\"\t\"GSM1\"\t\"GSM2\"\n\"1007_s_at\"\t7.5\t8.1\n\
!series_matrix_table_end\n";
        let m = split(Path::new("GSE1_series_matrix.txt"), text).unwrap();
        assert_eq!(
            String::from_utf8(m.clinical).unwrap(),
            "geo_accession\ttitle\ter\ttime\nGSM1\ta\t1\t100\nGSM2\tb\t0\t200\n"
        );
        assert!(
            String::from_utf8(m.table)
                .unwrap()
                .starts_with("\"ID_REF\"")
        );
        assert_eq!(m.platform.as_deref(), Some("GPL96"));
        assert_eq!(m.characteristics, ["er", "time"]);
        let cut = text.replace("!series_matrix_table_end\n", "");
        assert!(split(Path::new("x"), &cut).is_err());
    }
}
