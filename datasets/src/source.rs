//! Where a study's files come from: a folder on disk, or the demo study compiled into the binary.
//! Readers see only names and bytes, so the demo is loaded by exactly the code that loads user data.

use crate::error::{DatasetError, Result};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// One file of a study, not yet parsed.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// File name within the study (what the user sees in messages and in study.toml).
    pub name: String,
    /// Full path for messages; for embedded files a pseudo-path such as `demo:ucec/proteomics.cct.gz`.
    pub path: PathBuf,
    origin: Origin,
}

#[derive(Clone, Debug)]
enum Origin {
    Disk,
    Embedded(&'static [u8]),
    /// A table derived from another file (a GEO series matrix's sample characteristics, a
    /// workbook sheet, cBioPortal's joined clinical files) as tab-separated text; provenance is
    /// the hash and size of the file(s) it came from.
    Derived {
        text: std::sync::Arc<Vec<u8>>,
        sha256: String,
        size_bytes: usize,
    },
}

impl SourceFile {
    pub fn embedded(prefix: &str, name: &str, bytes: &'static [u8]) -> Self {
        Self {
            name: name.to_owned(),
            path: PathBuf::from(format!("{prefix}/{name}")),
            origin: Origin::Embedded(bytes),
        }
    }

    pub fn on_disk(path: &Path) -> Self {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        Self {
            name,
            path: path.to_owned(),
            origin: Origin::Disk,
        }
    }

    /// A table made from another file's content; `from` is that file's raw bytes (for the hash).
    pub fn derived(name: &str, path: PathBuf, text: Vec<u8>, from: &[u8]) -> Self {
        Self {
            name: name.to_owned(),
            path,
            origin: Origin::Derived {
                text: std::sync::Arc::new(text),
                sha256: sha256_hex(from),
                size_bytes: from.len(),
            },
        }
    }

    /// Whether this table was made from another file's content rather than read as it is.
    pub fn is_derived(&self) -> bool {
        matches!(self.origin, Origin::Derived { .. })
    }

    /// SHA-256 and size of the bytes this table came from: the file itself, or the file it was
    /// derived from.
    pub fn provenance(&self, raw: &[u8]) -> (String, usize) {
        match &self.origin {
            Origin::Derived {
                sha256, size_bytes, ..
            } => (sha256.clone(), *size_bytes),
            _ => (sha256_hex(raw), raw.len()),
        }
    }

    pub fn read(&self) -> Result<Cow<'static, [u8]>> {
        match &self.origin {
            Origin::Embedded(bytes) => Ok(Cow::Borrowed(*bytes)),
            Origin::Derived { text, .. } => Ok(Cow::Owned(text.as_ref().clone())),
            Origin::Disk => {
                std::fs::read(&self.path)
                    .map(Cow::Owned)
                    .map_err(|source| DatasetError::Io {
                        path: self.path.clone(),
                        source,
                    })
            }
        }
    }
}

/// The SHA-256 of a file's raw bytes, as hex: recorded so that every finding can be traced to the
/// exact input it came from, and so scheduled runs can tell whether data changed.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The subfolder of a cBioPortal study that holds its case lists.
const CASE_LISTS: &str = "case_lists";

/// Lists the regular files of a study folder (and of its `case_lists/` subfolder, if any),
/// sorted by name so that loading is deterministic.
pub fn list_folder(dir: &Path) -> Result<Vec<SourceFile>> {
    if !dir.is_dir() {
        return Err(DatasetError::NotAFolder {
            path: dir.to_owned(),
        });
    }
    let entries = std::fs::read_dir(dir).map_err(|source| DatasetError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| DatasetError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if path.is_file() && !hidden {
            files.push(SourceFile::on_disk(&path));
        }
    }
    // cBioPortal keeps its case lists (which samples were profiled) in a `case_lists/` folder.
    let lists = dir.join(CASE_LISTS);
    if lists.is_dir() {
        let entries = std::fs::read_dir(&lists).map_err(|source| DatasetError::Io {
            path: lists.clone(),
            source,
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_file() && !name.starts_with('.') {
                files.push(SourceFile {
                    name: format!("{CASE_LISTS}/{name}"),
                    path,
                    origin: Origin::Disk,
                });
            }
        }
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}
