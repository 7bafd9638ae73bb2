//! `hypomics init DIR`: the study.toml hypomics would infer, written out with every decision as a
//! comment, for the user to edit. Loading the folder with it gives the same study as without it.

use crate::kinds::FileRole;
use crate::manifest::Orientation;
use crate::study::Study;

fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn comment(out: &mut String, text: &str) {
    for line in text.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
}

/// A file named on its own in study.toml: a real file of the folder, not a table derived from one
/// (a GEO matrix's sample lines, a wide table's halves).
fn is_plain_file(study: &Study, name: &str) -> bool {
    study.root.join(name).is_file()
}

/// The commented study.toml for a loaded study.
pub fn render(study: &Study) -> String {
    let mut out = String::new();
    comment(
        &mut out,
        "study.toml written by `hypomics init` from what hypomics inferred for this folder.\n\
         Every setting is optional: delete a line to let hypomics decide again, edit one to\n\
         override it. Run `hypomics inspect` on the folder to see the result.",
    );
    out.push_str(&format!("name = {}\n\n", quoted(&study.name)));

    let clinical = &study.clinical.file;
    if let Some(record) = study
        .files
        .iter()
        .find(|f| f.name == *clinical && f.role == FileRole::Clinical)
    {
        for why in &record.explain {
            comment(&mut out, why);
        }
    }
    if is_plain_file(study, clinical) {
        out.push_str(&format!("clinical = {}\n", quoted(clinical)));
    } else {
        comment(
            &mut out,
            &format!("clinical table derived from a file: {clinical} (not settable here)"),
        );
    }
    comment(
        &mut out,
        &format!(
            "the column that holds sample IDs ({} samples)",
            study.clinical.samples.len()
        ),
    );
    out.push_str(&format!(
        "sample_id_column = {}\n",
        quoted(&study.clinical.id_column)
    ));
    let ignored: Vec<&str> = study
        .files
        .iter()
        .filter(|f| {
            matches!(f.role, FileRole::Ignored(_))
                && is_plain_file(study, &f.name)
                // Case lists are read (for which samples were profiled), not skipped.
                && !crate::layouts::cbioportal::may_be_case_list(&f.name)
        })
        .map(|f| f.name.as_str())
        .collect();
    if !ignored.is_empty() {
        comment(
            &mut out,
            "files hypomics does not read (documentation, meta files, unsupported data); they are\n\
             skipped either way, listing them here only makes it explicit",
        );
        comment(
            &mut out,
            &format!(
                "ignore = [{}]",
                ignored
                    .iter()
                    .map(|n| quoted(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    comment(
        &mut out,
        "keep features observed in at least this fraction of a layer's samples",
    );
    out.push_str("min_observed_fraction = 0.5\n");

    for layer in &study.layers {
        out.push('\n');
        let settable = is_plain_file(study, &layer.file) && layer.file != *clinical;
        let basis = &layer.kind_basis;
        let mut why = format!(
            "{}: {} features x {} samples; kind from {:?} ({:?} confidence): {}",
            layer.name,
            layer.matrix.n_features(),
            layer.matrix.n_samples(),
            basis.source,
            basis.confidence,
            basis.reason
        );
        if let Some(m) = &basis.measurement {
            why.push_str(&format!("; values look like {m}"));
        }
        why.push_str(&format!("\n{}", layer.orientation_reason));
        for note in &layer.notes {
            why.push_str(&format!("\n{note}"));
        }
        comment(&mut out, &why);
        let orientation = match layer.orientation {
            Orientation::FeaturesAsRows => "features_as_rows",
            Orientation::SamplesAsRows => "samples_as_rows",
        };
        let body = format!(
            "[[layer]]\nfile = {}\nkind = {}\nname = {}\norientation = {}\n",
            quoted(&layer.file),
            quoted(layer.kind.as_str()),
            quoted(&layer.name),
            quoted(orientation)
        );
        if settable && layer.mutation_source.is_none() {
            out.push_str(&body);
        } else {
            comment(
                &mut out,
                "read from part of a file or from mutation calls: nothing to set here",
            );
        }
    }
    out
}
