//! Label-shuffled copies of a study for calibration: clinical rows are reassigned to other samples
//! of the same tissue, and mutation profiles to other sequenced samples. The omics layers keep
//! their structure, so whatever the loop still "finds" is what it finds by chance.

use datasets::clinical::Tissue;
use datasets::{LayerKind, Matrix, SampleId, Study};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

pub fn shuffle_labels(study: &Study, seed: u64) -> Study {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = study.clone();
    let clinical = &mut out.clinical;
    for tissue in [Some(Tissue::Tumor), Some(Tissue::Normal), None] {
        let rows: Vec<usize> = (0..clinical.samples.len())
            .filter(|&i| study.clinical.tissue_of(i) == tissue)
            .collect();
        let mut ids: Vec<SampleId> = rows
            .iter()
            .map(|&i| study.clinical.samples[i].clone())
            .collect();
        ids.shuffle(&mut rng);
        for (&row, id) in rows.iter().zip(ids) {
            clinical.samples[row] = id;
        }
    }
    // Tissue labels must stay with their samples: rebuild the per-row tissue in the new order.
    if let Some((_, per_row)) = clinical.tissue.as_mut() {
        let original = study.clinical.sample_index();
        for (row, id) in clinical.samples.iter().enumerate() {
            per_row[row] = original
                .get(id.as_str())
                .and_then(|&i| study.clinical.tissue_of(i));
        }
    }
    for layer in out
        .layers
        .iter_mut()
        .filter(|l| l.kind == LayerKind::Mutation)
    {
        let mut samples = layer.matrix.samples().to_vec();
        samples.shuffle(&mut rng);
        if let Ok(m) = Matrix::new(
            samples,
            layer.matrix.features().to_vec(),
            layer.matrix.values().to_vec(),
        ) {
            layer.matrix = m;
        }
    }
    out
}
