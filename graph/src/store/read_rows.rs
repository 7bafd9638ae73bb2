//! Reading the whole store back as a change set, inside the caller's read transaction. Text
//! columns holding enums or JSON are parsed strictly: a bad value is reported as corruption
//! instead of being skipped, so a damaged store is noticed at open.

use crate::error::StoreError;
use crate::ids::{AnalysisId, DirectionId, EdgeId, EntityId, NodeId, RunId};
use crate::model::{Analysis, Direction, Entity, Finding, Hypothesis, InputFile, Node, Run};
use crate::store::{ChangeSet, EdgeRecord, NodeRecord};
use crate::time::Timestamp;
use datasets::FeatureId;
use rusqlite::{Connection, Row};
use std::collections::HashMap;
use std::str::FromStr;

/// Reads a text column and parses it with `FromStr` (enum columns).
fn parsed<T>(row: &Row<'_>, idx: usize) -> Result<T, StoreError>
where
    T: FromStr<Err = crate::text_enum::UnknownVariant>,
{
    let text: String = row.get(idx)?;
    Ok(text.parse()?)
}

/// Reads a JSON text column.
fn json<T: serde::de::DeserializeOwned>(row: &Row<'_>, idx: usize) -> Result<T, StoreError> {
    let text: String = row.get(idx)?;
    Ok(serde_json::from_str(&text)?)
}

fn time(row: &Row<'_>, idx: usize) -> Result<Timestamp, StoreError> {
    Ok(Timestamp::from_millis(row.get(idx)?))
}

/// Runs one query and maps every row, stopping at the first error.
fn collect<T>(
    tx: &Connection,
    sql: &str,
    mut map: impl FnMut(&Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = tx.prepare(sql)?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(map(row)?);
    }
    Ok(out)
}

pub fn load_all(tx: &Connection) -> Result<ChangeSet, StoreError> {
    let mut cs = ChangeSet {
        runs: collect(
            tx,
            "SELECT id, label, notes, started_at FROM runs ORDER BY id",
            |r| {
                Ok(Run {
                    id: RunId::new(r.get(0)?),
                    label: r.get(1)?,
                    notes: r.get(2)?,
                    started_at: time(r, 3)?,
                })
            },
        )?,
        meta: collect(tx, "SELECT key, value FROM meta ORDER BY key", |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?,
        ..ChangeSet::default()
    };

    cs.nodes.extend(collect(
        tx,
        "SELECT node_id, kind, key, label, attrs FROM entities",
        |r| {
            Ok(NodeRecord {
                id: NodeId::new(r.get(0)?),
                node: Node::Entity(Entity {
                    kind: parsed(r, 1)?,
                    key: r.get(2)?,
                    label: r.get(3)?,
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
                id: NodeId::new(r.get(0)?),
                node: Node::Direction(Direction {
                    run: RunId::new(r.get(1)?),
                    question: r.get(2)?,
                    subject: json(r, 3)?,
                    relation: parsed(r, 4)?,
                    object: json(r, 5)?,
                    rationale: r.get(6)?,
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
                r.get::<_, i64>(0)?,
                InputFile {
                    path: r.get(1)?,
                    sha256: r.get(2)?,
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
            let id: i64 = r.get(0)?;
            Ok(NodeRecord {
                id: NodeId::new(id),
                node: Node::Analysis(Analysis {
                    run: RunId::new(r.get(1)?),
                    study: EntityId::from_node(NodeId::new(r.get(2)?)),
                    direction: r
                        .get::<_, Option<i64>>(3)?
                        .map(|d| DirectionId::from_node(NodeId::new(d))),
                    module: r.get(4)?,
                    params: json(r, 5)?,
                    input_layers: json(r, 6)?,
                    sample_set: json(r, 7)?,
                    inputs: inputs.remove(&id).unwrap_or_default(),
                    input_hash: r.get(8)?,
                    software_version: r.get(9)?,
                    created_at: time(r, 10)?,
                    n_findings: r.get(11)?,
                }),
            })
        },
    )?);

    cs.nodes.extend(collect(
        tx,
        "SELECT node_id, analysis_node, layer, feature, variable, contrast, test, statistic,
                effect, ci_low, ci_high, p, q, n, direction, claim_edge
           FROM findings",
        |r| {
            Ok(NodeRecord {
                id: NodeId::new(r.get(0)?),
                node: Node::Finding(Finding {
                    analysis: AnalysisId::from_node(NodeId::new(r.get(1)?)),
                    layer: r.get(2)?,
                    feature: FeatureId::new(r.get::<_, String>(3)?),
                    variable: r.get(4)?,
                    contrast: r.get(5)?,
                    test: r.get(6)?,
                    statistic: r.get(7)?,
                    effect: r.get(8)?,
                    ci_low: r.get(9)?,
                    ci_high: r.get(10)?,
                    p: r.get(11)?,
                    q: r.get(12)?,
                    n: r.get(13)?,
                    direction: parsed(r, 14)?,
                    claim: r.get::<_, Option<i64>>(15)?.map(EdgeId::new),
                }),
            })
        },
    )?);

    cs.nodes.extend(collect(
        tx,
        "SELECT node_id, run_id, statement, score, status, created_at, updated_at FROM hypotheses",
        |r| {
            Ok(NodeRecord {
                id: NodeId::new(r.get(0)?),
                node: Node::Hypothesis(Hypothesis {
                    run: RunId::new(r.get(1)?),
                    statement: r.get(2)?,
                    score: json(r, 3)?,
                    status: parsed(r, 4)?,
                    created_at: time(r, 5)?,
                    updated_at: time(r, 6)?,
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
                id: EdgeId::new(r.get(0)?),
                source: NodeId::new(r.get(1)?),
                target: NodeId::new(r.get(2)?),
                kind: parsed(r, 3)?,
                prior: match r.get::<_, Option<String>>(4)? {
                    Some(text) => Some(text.parse()?),
                    None => None,
                },
                weight: r.get(5)?,
            })
        },
    )?;
    Ok(cs)
}
