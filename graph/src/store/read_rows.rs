//! Reading the whole store back as a change set, inside the caller's read transaction. Text
//! columns holding enums or JSON are parsed strictly: a bad value is reported as corruption
//! instead of being skipped, so a damaged store is noticed at open.

use crate::error::StoreError;
use crate::ids::{AnalysisId, DirectionId, EdgeId, EntityId, NodeId, RunId};
use crate::model::{
    Analysis, Direction, Entity, Finding, Hypothesis, HypothesisRecord, InputFile, Node, Run,
};
use crate::sql::{Db, Row};
use crate::store::{ChangeSet, EdgeRecord, NodeRecord};
use crate::time::Timestamp;
use datasets::FeatureId;
use std::collections::HashMap;
use std::str::FromStr;

/// Reads a text column and parses it with `FromStr` (enum columns).
fn parsed<T>(row: &dyn Row, idx: usize) -> Result<T, StoreError>
where
    T: FromStr<Err = crate::text_enum::UnknownVariant>,
{
    Ok(row.text(idx)?.parse()?)
}

/// Reads a JSON text column.
fn json<T: serde::de::DeserializeOwned>(row: &dyn Row, idx: usize) -> Result<T, StoreError> {
    Ok(serde_json::from_str(&row.text(idx)?)?)
}

fn time(row: &dyn Row, idx: usize) -> Result<Timestamp, StoreError> {
    Ok(Timestamp::from_millis(row.int(idx)?))
}

/// Runs one query and maps every row, stopping at the first error.
fn collect<T>(
    tx: &mut dyn Db,
    sql: &str,
    map: impl FnMut(&dyn Row) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    tx.rows(sql, &[], map)
}

pub fn load_all(tx: &mut dyn Db) -> Result<ChangeSet, StoreError> {
    let mut cs = ChangeSet {
        runs: collect(
            tx,
            "SELECT id, label, notes, started_at FROM runs ORDER BY id",
            |r| {
                Ok(Run {
                    id: RunId::new(r.int(0)?),
                    label: r.text(1)?,
                    notes: r.opt_text(2)?,
                    started_at: time(r, 3)?,
                })
            },
        )?,
        meta: collect(tx, "SELECT key, value FROM meta ORDER BY key", |r| {
            Ok((r.text(0)?, r.text(1)?))
        })?,
        ..ChangeSet::default()
    };

    cs.nodes.extend(collect(
        tx,
        "SELECT node_id, kind, key, label, attrs FROM entities",
        |r| {
            Ok(NodeRecord {
                id: NodeId::new(r.int(0)?),
                node: Node::Entity(Entity {
                    kind: parsed(r, 1)?,
                    key: r.text(2)?,
                    label: r.text(3)?,
                    attrs: json(r, 4)?,
                }),
            })
        },
    )?);

    cs.nodes.extend(collect(
        tx,
        "SELECT node_id, run_id, question, subject_class, relation, object_class, rationale,
                created_at
           FROM directions",
        |r| {
            Ok(NodeRecord {
                id: NodeId::new(r.int(0)?),
                node: Node::Direction(Direction {
                    run: RunId::new(r.int(1)?),
                    question: r.text(2)?,
                    subject: json(r, 3)?,
                    relation: parsed(r, 4)?,
                    object: json(r, 5)?,
                    rationale: r.opt_text(6)?,
                    created_at: time(r, 7)?,
                }),
            })
        },
    )?);

    let mut inputs: HashMap<i64, Vec<InputFile>> = HashMap::new();
    for (analysis, file) in collect(
        tx,
        "SELECT analysis_node, path, sha256 FROM analysis_inputs ORDER BY analysis_node, ordinal",
        |r| {
            Ok((
                r.int(0)?,
                InputFile {
                    path: r.text(1)?,
                    sha256: r.text(2)?,
                },
            ))
        },
    )? {
        inputs.entry(analysis).or_default().push(file);
    }

    cs.nodes.extend(collect(
        tx,
        "SELECT node_id, run_id, study_node, direction_node, module, params, input_layers,
                sample_set, input_hash, software_version, created_at, n_findings
           FROM analyses",
        |r| {
            let id = r.int(0)?;
            Ok(NodeRecord {
                id: NodeId::new(id),
                node: Node::Analysis(Analysis {
                    run: RunId::new(r.int(1)?),
                    study: EntityId::from_node(NodeId::new(r.int(2)?)),
                    direction: r
                        .opt_int(3)?
                        .map(|d| DirectionId::from_node(NodeId::new(d))),
                    module: r.text(4)?,
                    params: json(r, 5)?,
                    input_layers: json(r, 6)?,
                    sample_set: json(r, 7)?,
                    inputs: inputs.remove(&id).unwrap_or_default(),
                    input_hash: r.text(8)?,
                    software_version: r.text(9)?,
                    created_at: time(r, 10)?,
                    n_findings: r.count(11)?,
                }),
            })
        },
    )?);

    cs.nodes.extend(collect(
        tx,
        "SELECT node_id, analysis_node, layer, feature, variable, contrast, test, statistic,
                effect, ci_low, ci_high, p, q, n, direction, claim_edge, warning
           FROM findings",
        |r| {
            Ok(NodeRecord {
                id: NodeId::new(r.int(0)?),
                node: Node::Finding(Finding {
                    analysis: AnalysisId::from_node(NodeId::new(r.int(1)?)),
                    layer: r.text(2)?,
                    feature: FeatureId::new(r.text(3)?),
                    variable: r.text(4)?,
                    contrast: r.opt_text(5)?,
                    test: parsed(r, 6)?,
                    statistic: r.real(7)?,
                    effect: r.real(8)?,
                    ci_low: r.opt_real(9)?,
                    ci_high: r.opt_real(10)?,
                    p: r.real(11)?,
                    q: r.opt_real(12)?,
                    n: r.count(13)?,
                    direction: parsed(r, 14)?,
                    claim: r.opt_int(15)?.map(EdgeId::new),
                    warning: r.opt_text(16)?,
                }),
            })
        },
    )?);

    cs.nodes.extend(collect(
        tx,
        "SELECT node_id, run_id, statement, score, status, created_at, updated_at FROM hypotheses",
        |r| {
            Ok(NodeRecord {
                id: NodeId::new(r.int(0)?),
                node: Node::Hypothesis(HypothesisRecord {
                    run: RunId::new(r.int(1)?),
                    status: parsed(r, 4)?,
                    created_at: time(r, 5)?,
                    updated_at: time(r, 6)?,
                    hypothesis: Box::new(stored_hypothesis(r.text(2)?, json(r, 3)?)),
                }),
            })
        },
    )?);
    cs.nodes.sort_by_key(|n| n.id);

    cs.edges = collect(
        tx,
        "SELECT id, source, target, kind, prior, weight FROM edges ORDER BY id",
        |r| {
            Ok(EdgeRecord {
                id: EdgeId::new(r.int(0)?),
                source: NodeId::new(r.int(1)?),
                target: NodeId::new(r.int(2)?),
                kind: parsed(r, 3)?,
                prior: match r.opt_text(4)? {
                    Some(text) => Some(text.parse()?),
                    None => None,
                },
                weight: r.opt_real(5)?,
            })
        },
    )?;
    Ok(cs)
}

/// A hypothesis from its row: the `score` column holds the whole [`Hypothesis`] as JSON (rows
/// written before it did hold only its score, rank and replication, which read with the other
/// fields empty), and the `statement` column, which lookups by statement use, is its statement.
fn stored_hypothesis(statement: String, mut hypothesis: Hypothesis) -> Hypothesis {
    hypothesis.statement = statement;
    hypothesis
}
