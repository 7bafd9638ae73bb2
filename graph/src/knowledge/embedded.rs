//! The prior-knowledge files, compiled into the binary so an installed `hypomics` needs no data
//! directory. Licences and attribution: `graph/knowledge/LICENSE.md`.

use crate::error::KnowledgeError;
use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::sync::OnceLock;

/// Parses a knowledge file once per process and hands out the result. A failure is kept as its
/// message (errors are not `Clone`) and reported on every call, naming `file`.
pub(crate) fn parsed_once<T: Send + Sync>(
    cell: &'static OnceLock<Result<T, String>>,
    file: &'static str,
    parse: impl FnOnce() -> Result<T, KnowledgeError>,
) -> Result<&'static T, KnowledgeError> {
    cell.get_or_init(|| parse().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|detail| KnowledgeError::Format {
            file,
            line: 0,
            detail: detail.clone(),
        })
}

/// One embedded, gzip-compressed knowledge file.
#[derive(Clone, Copy, Debug)]
pub struct EmbeddedFile {
    pub name: &'static str,
    pub gz: &'static [u8],
}

impl EmbeddedFile {
    /// The decompressed UTF-8 text.
    pub fn text(&self) -> Result<String, KnowledgeError> {
        let mut text = String::with_capacity(self.gz.len() * 4);
        GzDecoder::new(self.gz)
            .read_to_string(&mut text)
            .map_err(|source| KnowledgeError::Io {
                file: self.name,
                source,
            })?;
        Ok(text)
    }

    /// SHA-256 of the compressed bytes (the files are reproducible, see SOURCES.md), used to
    /// mark a store as holding exactly this version.
    pub fn sha256(&self) -> String {
        let digest = Sha256::digest(self.gz);
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

pub const GENES: EmbeddedFile = EmbeddedFile {
    name: "genes.tsv.gz",
    gz: include_bytes!("../../knowledge/genes.tsv.gz"),
};

pub const GO_BP: EmbeddedFile = EmbeddedFile {
    name: "go_bp.gmt.gz",
    gz: include_bytes!("../../knowledge/go_bp.gmt.gz"),
};

pub const WIKIPATHWAYS: EmbeddedFile = EmbeddedFile {
    name: "wikipathways.gmt.gz",
    gz: include_bytes!("../../knowledge/wikipathways.gmt.gz"),
};

pub const PROGENY: EmbeddedFile = EmbeddedFile {
    name: "progeny_human.tsv.gz",
    gz: include_bytes!("../../knowledge/progeny_human.tsv.gz"),
};

pub const COMPLEXES: EmbeddedFile = EmbeddedFile {
    name: "complexes.gmt.gz",
    gz: include_bytes!("../../knowledge/complexes.gmt.gz"),
};

pub const GENE_POSITIONS: EmbeddedFile = EmbeddedFile {
    name: "gene_positions.tsv.gz",
    gz: include_bytes!("../../knowledge/gene_positions.tsv.gz"),
};

/// The curated concept map, hand-written and small, so kept as plain TOML.
pub const CONCEPTS_FILE: &str = "concepts.toml";
pub const CONCEPTS: &str = include_str!("../../knowledge/concepts.toml");

/// Attribution the data licences ask for; show it wherever knowledge-derived results appear.
pub const ATTRIBUTION: &str = "\
Gene annotation from NCBI Gene (2022-09-12) via Bioconductor org.Hs.eg.db 3.16.0 (Carlson M.); \
UniProt accessions (c) UniProt Consortium, CC BY 4.0.
Gene Ontology data (c) Gene Ontology Consortium, http://geneontology.org, CC BY 4.0 \
(go-basic.obo 2022-07-01; annotations via NCBI gene2go 2022-09-12); protein complexes are GO \
cellular-component terms.
Gene positions: UCSC hg38 gene models (2022-08-31) and NCBI cytobands via org.Hs.eg.db 3.16.0.
WikiPathways (Homo sapiens, about mid-2020), CC0 1.0; Agrawal et al., NAR 2024.
PROGENy model (c) 2017-2021 M. Schubert, A. Valdeolivas, C.H. Holland, I. Bulanov, A. Dugourd; \
Apache License 2.0; Schubert et al., Nat Commun 2018, 9:20.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_md_lists_the_checksum_of_every_shipped_file() {
        // SOURCES.md is where a reader checks what ships; a file edited without updating it
        // (concepts.toml is hand-edited) fails here.
        let sources = include_str!("../../knowledge/SOURCES.md");
        let concepts = Sha256::digest(CONCEPTS.as_bytes());
        let concepts: String = concepts.iter().map(|b| format!("{b:02x}")).collect();
        for (name, hash) in [
            GENES,
            GO_BP,
            WIKIPATHWAYS,
            PROGENY,
            COMPLEXES,
            GENE_POSITIONS,
        ]
        .iter()
        .map(|f| (f.name, f.sha256()))
        .chain([(CONCEPTS_FILE, concepts)])
        {
            let row = sources
                .lines()
                .find(|l| l.starts_with(&format!("| {name} ")))
                .unwrap_or_else(|| panic!("SOURCES.md has no row for {name}"));
            assert!(
                row.contains(&hash),
                "{name}: SOURCES.md does not list {hash}"
            );
        }
    }

    #[test]
    fn embedded_files_match_the_published_checksums() {
        // SOURCES.md lists these hashes; a mismatch means the copy in graph/knowledge drifted.
        assert_eq!(
            GENES.sha256(),
            "84bd0469d89c4e7b8e366f003169de0dafe430b420decef6e54aaef58137453e"
        );
        assert_eq!(
            WIKIPATHWAYS.sha256(),
            "dd114d7ae78f33e793ae35985a25f73617e73cc8502e612cb67869ae3a19dfdf"
        );
        assert_eq!(
            PROGENY.sha256(),
            "335ac73c92824c0441d6d8b9d34d51b0a172005cc667833b8fb929d2f263efa2"
        );
        assert_eq!(
            GO_BP.sha256(),
            "cd19b2e43161a363061fc5fb637d021c818d11709e703879836b184c05161f7a"
        );
        assert_eq!(
            COMPLEXES.sha256(),
            "1e5f9952db22e5f72b63fd6db794757fb6fd42f3d5052d6d01afc18e4b80dddf"
        );
        assert_eq!(
            GENE_POSITIONS.sha256(),
            "fc10719259bd9a4099990a28c496f1e944ab1d8de739defa3bdc59b7dde35eaa"
        );
    }
}
