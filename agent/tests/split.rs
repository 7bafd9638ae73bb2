//! The discovery/validation split keeps each participant's samples together: on the demo study
//! (CPTAC UCEC tumours with matched normals from the same participants) a tumour and its normal
//! must never fall in different halves, whatever the seed.

use agent::split::Split;
use datasets::participants::{ParticipantSource, Participants};
use std::collections::HashMap;

#[test]
fn tumour_and_matched_normal_fall_in_the_same_half() {
    let study = datasets::demo::load().expect("demo study");
    let participants = Participants::of(&study.clinical);
    assert!(
        matches!(participants.source, ParticipantSource::Column(_)),
        "demo participants read from {:?}",
        participants.source
    );
    let paired = participants.with_several_samples();
    assert!(
        paired >= 5,
        "only {paired} participants with several samples in the demo"
    );
    let index = study.clinical.sample_index();
    for seed in 0..20 {
        let split = Split::draw(&study, 1.0 / 3.0, seed);
        let mut half: HashMap<&str, bool> = HashMap::new();
        for (samples, validation) in [(&split.discovery, false), (&split.validation, true)] {
            for s in samples {
                let i = index[s.as_str()];
                let p = participants.of_index(i).expect("participant");
                if let Some(&other) = half.get(p) {
                    assert_eq!(
                        other, validation,
                        "seed {seed}: participant {p} split across halves"
                    );
                }
                half.insert(p, validation);
            }
        }
        let total = split.discovery.len() + split.validation.len();
        assert_eq!(
            total,
            study.clinical.samples.len(),
            "seed {seed}: every sample in one half"
        );
        let share = split.validation.len() as f64 / total as f64;
        assert!(
            (0.2..0.45).contains(&share),
            "seed {seed}: validation share {share}"
        );
    }
}
