//! Step 4 of the loop: strong findings open new directions. This is what makes the work iterative
//! rather than a fixed screen: a mutation that changes proteins asks whether RNA changes too,
//! whether purity or batch explain it, and which pathways the changed proteins share; a prognostic
//! protein asks whether it survives adjustment for stage and grade. Which follow-ups a finding
//! opens is its kind's choice (`QuestionKind::follow_ups`).

use crate::kinds::{FollowUpContext, Question};
use crate::ledger::Ledger;
use datasets::Study;

/// Questions opened by the strong findings of one analysis.
pub fn follow_ups(study: &Study, ledger: &Ledger, index: usize) -> Vec<(Question, String)> {
    match FollowUpContext::new(study, ledger, index) {
        Some(opened) => opened.record.direction.question.follow_ups(&opened),
        None => Vec::new(),
    }
}
