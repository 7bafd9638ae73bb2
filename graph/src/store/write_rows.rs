//! Writing a change set into the tables, inside the caller's transaction, on either backend.
//! Rows are inserted many per statement ([`Bulk`]): a 100k-finding analysis is a few hundred
//! statements, which matters most on PostgreSQL where every statement is a round trip.

use crate::error::StoreError;
use crate::model::Node;
use crate::sql::{Arg, Db, args};
use crate::store::{ChangeSet, EdgeRecord, NodeRecord};

/// Rows per multi-row `INSERT` (the widest table, findings, then binds 17 x 256 = 4352
/// parameters: within both SQLite's and PostgreSQL's limits).
const ROWS_PER_STATEMENT: usize = 256;

/// Collects rows for one table and inserts them `ROWS_PER_STATEMENT` at a time.
struct Bulk<'a> {
    table: &'static str,
    columns: &'static [&'static str],
    args: Vec<Arg<'a>>,
}

impl<'a> Bulk<'a> {
    fn new(table: &'static str, columns: &'static [&'static str]) -> Self {
        Self {
            table,
            columns,
            args: Vec::new(),
        }
    }

    fn push(
        &mut self,
        db: &mut dyn Db,
        row: impl IntoIterator<Item = Arg<'a>>,
    ) -> Result<(), StoreError> {
        let before = self.args.len();
        self.args.extend(row);
        debug_assert_eq!(self.args.len() - before, self.columns.len());
        if self.args.len() >= ROWS_PER_STATEMENT * self.columns.len() {
            self.flush(db)?;
        }
        Ok(())
    }

    fn flush(&mut self, db: &mut dyn Db) -> Result<(), StoreError> {
        let width = self.columns.len();
        let rows = self.args.len() / width;
        if rows == 0 {
            return Ok(());
        }
        let mut sql = format!(
            "INSERT INTO {}({}) VALUES ",
            self.table,
            self.columns.join(", ")
        );
        for row in 0..rows {
            if row > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for col in 0..width {
                if col > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("?{}", row * width + col + 1));
            }
            sql.push(')');
        }
        db.execute(&sql, &self.args)?;
        self.args.clear();
        Ok(())
    }
}

pub fn write_all(tx: &mut dyn Db, cs: &ChangeSet) -> Result<(), StoreError> {
    remove(tx, cs)?;

    let mut runs = Bulk::new("runs", &["id", "label", "notes", "started_at"]);
    for run in &cs.runs {
        runs.push(
            tx,
            args![
                run.id.get(),
                &run.label,
                run.notes.as_ref(),
                run.started_at.millis()
            ],
        )?;
    }
    runs.flush(tx)?;

    let mut nodes = NodeWriter::new();
    for record in &cs.nodes {
        nodes.write(tx, record)?;
    }
    nodes.flush(tx)?;

    let mut edges = Bulk::new(
        "edges",
        &["id", "source", "target", "kind", "prior", "weight"],
    );
    for EdgeRecord {
        id,
        source,
        target,
        kind,
        prior,
        weight,
    } in &cs.edges
    {
        edges.push(
            tx,
            args![
                id.get(),
                source.get(),
                target.get(),
                kind.as_str(),
                prior.map(|p| p.as_str()),
                *weight
            ],
        )?;
    }
    edges.flush(tx)?;

    for update in &cs.hypothesis_updates {
        let changed = tx.execute(
            "UPDATE hypotheses SET status = ?2, score = ?3, updated_at = ?4, statement = ?5 \
             WHERE node_id = ?1",
            &args![
                update.id.node().get(),
                update.status.as_str(),
                serde_json::to_string(&update.hypothesis)?,
                update.updated_at.millis(),
                &update.hypothesis.statement
            ],
        )?;
        if changed != 1 {
            return Err(StoreError::Corrupt(format!(
                "hypothesis {} is not stored",
                update.id
            )));
        }
    }

    // One cached statement for every row: end-of-run q updates come by the hundred thousand.
    for update in &cs.finding_q_updates {
        let changed = tx.execute(
            "UPDATE findings SET q = ?2 WHERE node_id = ?1",
            &args![update.id.node().get(), update.q],
        )?;
        if changed != 1 {
            return Err(StoreError::Corrupt(format!(
                "finding {} is not stored",
                update.id
            )));
        }
    }

    for (key, value) in &cs.meta {
        tx.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            &args![key, value],
        )?;
    }
    Ok(())
}

/// Deletions first, so a change set may remove a row and re-add one with the same key.
fn remove(tx: &mut dyn Db, cs: &ChangeSet) -> Result<(), StoreError> {
    for id in &cs.removed_edges {
        tx.execute("DELETE FROM edges WHERE id = ?1", &args![id.get()])?;
    }
    if !cs.removed_nodes.is_empty() {
        let details = [
            "DELETE FROM findings WHERE node_id = ?1",
            "DELETE FROM analysis_inputs WHERE analysis_node = ?1",
            "DELETE FROM analyses WHERE node_id = ?1",
            "DELETE FROM directions WHERE node_id = ?1",
            "DELETE FROM hypotheses WHERE node_id = ?1",
            "DELETE FROM entities WHERE node_id = ?1",
            "DELETE FROM nodes WHERE id = ?1",
        ];
        for sql in details {
            for id in &cs.removed_nodes {
                tx.execute(sql, &args![id.get()])?;
            }
        }
    }
    for id in &cs.removed_runs {
        tx.execute("DELETE FROM runs WHERE id = ?1", &args![id.get()])?;
    }
    Ok(())
}

/// Inserts nodes into `nodes` plus their detail table, each table in bulk.
struct NodeWriter<'a> {
    nodes: Bulk<'a>,
    entities: Bulk<'a>,
    directions: Bulk<'a>,
    analyses: Bulk<'a>,
    inputs: Bulk<'a>,
    findings: Bulk<'a>,
    hypotheses: Bulk<'a>,
}

impl<'a> NodeWriter<'a> {
    fn new() -> Self {
        Self {
            nodes: Bulk::new("nodes", &["id", "type"]),
            entities: Bulk::new("entities", &["node_id", "kind", "key", "label", "attrs"]),
            directions: Bulk::new(
                "directions",
                &[
                    "node_id",
                    "run_id",
                    "question",
                    "subject_class",
                    "relation",
                    "object_class",
                    "rationale",
                    "created_at",
                ],
            ),
            analyses: Bulk::new(
                "analyses",
                &[
                    "node_id",
                    "run_id",
                    "study_node",
                    "direction_node",
                    "module",
                    "params",
                    "input_layers",
                    "sample_set",
                    "input_hash",
                    "software_version",
                    "created_at",
                    "n_findings",
                ],
            ),
            inputs: Bulk::new(
                "analysis_inputs",
                &["analysis_node", "ordinal", "path", "sha256"],
            ),
            findings: Bulk::new(
                "findings",
                &[
                    "node_id",
                    "analysis_node",
                    "layer",
                    "feature",
                    "variable",
                    "contrast",
                    "test",
                    "statistic",
                    "effect",
                    "ci_low",
                    "ci_high",
                    "p",
                    "q",
                    "n",
                    "direction",
                    "claim_edge",
                    "warning",
                ],
            ),
            hypotheses: Bulk::new(
                "hypotheses",
                &[
                    "node_id",
                    "run_id",
                    "statement",
                    "score",
                    "status",
                    "created_at",
                    "updated_at",
                ],
            ),
        }
    }

    fn write(&mut self, tx: &mut dyn Db, record: &'a NodeRecord) -> Result<(), StoreError> {
        let id = record.id.get();
        self.nodes
            .push(tx, args![id, record.node.node_type().as_str()])?;
        match &record.node {
            Node::Entity(e) => self.entities.push(
                tx,
                args![
                    id,
                    e.kind.as_str(),
                    &e.key,
                    &e.label,
                    serde_json::to_string(&e.attrs)?
                ],
            ),
            Node::Direction(d) => self.directions.push(
                tx,
                args![
                    id,
                    d.run.get(),
                    &d.question,
                    serde_json::to_string(&d.subject)?,
                    d.relation.as_str(),
                    serde_json::to_string(&d.object)?,
                    d.rationale.as_ref(),
                    d.created_at.millis()
                ],
            ),
            Node::Analysis(a) => {
                self.analyses.push(
                    tx,
                    args![
                        id,
                        a.run.get(),
                        a.study.node().get(),
                        a.direction.map(|d| d.node().get()),
                        &a.module,
                        serde_json::to_string(&a.params)?,
                        serde_json::to_string(&a.input_layers)?,
                        serde_json::to_string(&a.sample_set)?,
                        &a.input_hash,
                        &a.software_version,
                        a.created_at.millis(),
                        a.n_findings
                    ],
                )?;
                for (ordinal, file) in a.inputs.iter().enumerate() {
                    self.inputs
                        .push(tx, args![id, ordinal as i64, &file.path, &file.sha256])?;
                }
                Ok(())
            }
            Node::Finding(f) => self.findings.push(
                tx,
                args![
                    id,
                    f.analysis.node().get(),
                    &f.layer,
                    f.feature.as_str(),
                    &f.variable,
                    f.contrast.as_ref(),
                    f.test.as_str(),
                    f.statistic,
                    f.effect,
                    f.ci_low,
                    f.ci_high,
                    f.p,
                    f.q,
                    f.n,
                    f.direction.as_str(),
                    f.claim.map(|e| e.get()),
                    f.warning.as_ref()
                ],
            ),
            Node::Hypothesis(h) => self.hypotheses.push(
                tx,
                args![
                    id,
                    h.run.get(),
                    &h.hypothesis.statement,
                    serde_json::to_string(&h.hypothesis)?,
                    h.status.as_str(),
                    h.created_at.millis(),
                    h.updated_at.millis()
                ],
            ),
        }
    }

    /// Writes what is left; `nodes` first only for readability, as foreign keys are deferred.
    fn flush(&mut self, tx: &mut dyn Db) -> Result<(), StoreError> {
        for bulk in [
            &mut self.nodes,
            &mut self.entities,
            &mut self.directions,
            &mut self.analyses,
            &mut self.inputs,
            &mut self.findings,
            &mut self.hypotheses,
        ] {
            bulk.flush(tx)?;
        }
        Ok(())
    }
}
