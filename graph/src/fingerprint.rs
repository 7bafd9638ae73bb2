//! Content hash of an analysis' inputs. Two analyses with equal hashes read byte-identical data
//! for the same samples and layers, whatever the files were called or where they lived, which
//! is what "same inputs" means for caching and for reproducibility reports.

use crate::model::InputFile;
use datasets::SampleId;
use sha2::{Digest, Sha256};

/// SHA-256 (hex) over the sorted input content hashes, layers and sample ids. Each part is
/// length-prefixed so no two different inputs can produce the same byte stream.
pub fn input_hash(inputs: &[InputFile], layers: &[String], samples: &[SampleId]) -> String {
    let mut hasher = Sha256::new();
    let mut section = |name: &str, mut items: Vec<&str>| {
        items.sort_unstable();
        hasher.update(name.as_bytes());
        hasher.update((items.len() as u64).to_le_bytes());
        for item in items {
            hasher.update((item.len() as u64).to_le_bytes());
            hasher.update(item.as_bytes());
        }
    };
    section("inputs", inputs.iter().map(|f| f.sha256.as_str()).collect());
    section("layers", layers.iter().map(String::as_str).collect());
    section("samples", samples.iter().map(SampleId::as_str).collect());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, sha: &str) -> InputFile {
        InputFile {
            path: path.into(),
            sha256: sha.into(),
        }
    }

    #[test]
    fn hash_ignores_paths_and_order_but_not_content() {
        let layers = vec!["proteomics".to_string()];
        let samples = vec![SampleId::new("S1"), SampleId::new("S2")];
        let a = input_hash(&[file("a/x.tsv", "11"), file("y", "22")], &layers, &samples);
        let b = input_hash(
            &[file("y2", "22"), file("elsewhere", "11")],
            &layers,
            &samples,
        );
        assert_eq!(a, b);
        let c = input_hash(&[file("a/x.tsv", "11"), file("y", "23")], &layers, &samples);
        assert_ne!(a, c);
        let fewer = input_hash(
            &[file("a/x.tsv", "11"), file("y", "22")],
            &layers,
            &samples[..1],
        );
        assert_ne!(a, fewer);
        assert_eq!(a.len(), 64);
    }
}
