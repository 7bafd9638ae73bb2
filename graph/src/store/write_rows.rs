//! Writing a change set into the SQLite tables, inside the caller's transaction. Statements are
//! prepared once per change set and reused for every row: a 100k-finding analysis is one
//! transaction of cached statements.

use crate::error::StoreError;
use crate::model::{Analysis, Direction, Entity, Finding, Hypothesis, Node};
use crate::store::{ChangeSet, EdgeRecord, NodeRecord};
use rusqlite::{Connection, params};

pub fn write_all(tx: &Connection, cs: &ChangeSet) -> Result<(), StoreError> {
    remove(tx, cs)?;

    let mut insert_run = tx
        .prepare_cached("INSERT INTO runs(id, label, notes, started_at) VALUES (?1, ?2, ?3, ?4)")?;
    for run in &cs.runs {
        insert_run.execute(params![
            run.id.get(),
            run.label,
            run.notes,
            run.started_at.millis()
        ])?;
    }

    let mut nodes = NodeWriter { tx };
    for record in &cs.nodes {
        nodes.write(record)?;
    }

    let mut insert_edge = tx.prepare_cached(
        "INSERT INTO edges(id, source, target, kind, prior, weight) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for EdgeRecord {
        id,
        source,
        target,
        kind,
        prior,
        weight,
    } in &cs.edges
    {
        insert_edge.execute(params![
            id.get(),
            source.get(),
            target.get(),
            kind.as_str(),
            prior.map(|p| p.as_str()),
            weight
        ])?;
    }

    let mut update_hypothesis = tx.prepare_cached(
        "UPDATE hypotheses SET status = ?2, score = ?3, updated_at = ?4 WHERE node_id = ?1",
    )?;
    for update in &cs.hypothesis_updates {
        let changed = update_hypothesis.execute(params![
            update.id.node().get(),
            update.status.as_str(),
            serde_json::to_string(&update.score)?,
            update.updated_at.millis()
        ])?;
        if changed != 1 {
            return Err(StoreError::Corrupt(format!(
                "hypothesis {} is not stored",
                update.id
            )));
        }
    }

    // One cached statement for every row: end-of-run q updates come by the hundred thousand.
    let mut update_q = tx.prepare_cached("UPDATE findings SET q = ?2 WHERE node_id = ?1")?;
    for update in &cs.finding_q_updates {
        let changed = update_q.execute(params![update.id.node().get(), update.q])?;
        if changed != 1 {
            return Err(StoreError::Corrupt(format!(
                "finding {} is not stored",
                update.id
            )));
        }
    }

    let mut upsert_meta = tx.prepare_cached(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?;
    for (key, value) in &cs.meta {
        upsert_meta.execute(params![key, value])?;
    }
    Ok(())
}

/// Deletions first, so a change set may remove a row and re-add one with the same key.
fn remove(tx: &Connection, cs: &ChangeSet) -> Result<(), StoreError> {
    if !cs.removed_edges.is_empty() {
        let mut stmt = tx.prepare_cached("DELETE FROM edges WHERE id = ?1")?;
        for id in &cs.removed_edges {
            stmt.execute([id.get()])?;
        }
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
            let mut stmt = tx.prepare_cached(sql)?;
            for id in &cs.removed_nodes {
                stmt.execute([id.get()])?;
            }
        }
    }
    if !cs.removed_runs.is_empty() {
        let mut stmt = tx.prepare_cached("DELETE FROM runs WHERE id = ?1")?;
        for id in &cs.removed_runs {
            stmt.execute([id.get()])?;
        }
    }
    Ok(())
}

/// Inserts nodes into `nodes` plus their detail table.
struct NodeWriter<'t> {
    tx: &'t Connection,
}

impl NodeWriter<'_> {
    fn write(&mut self, record: &NodeRecord) -> Result<(), StoreError> {
        let id = record.id.get();
        self.tx
            .prepare_cached("INSERT INTO nodes(id, type) VALUES (?1, ?2)")?
            .execute(params![id, record.node.node_type().as_str()])?;
        match &record.node {
            Node::Entity(e) => self.entity(id, e),
            Node::Direction(d) => self.direction(id, d),
            Node::Analysis(a) => self.analysis(id, a),
            Node::Finding(f) => self.finding(id, f),
            Node::Hypothesis(h) => self.hypothesis(id, h),
        }
    }

    fn entity(&mut self, id: i64, e: &Entity) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO entities(node_id, kind, key, label, attrs) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                id,
                e.kind.as_str(),
                e.key,
                e.label,
                serde_json::to_string(&e.attrs)?
            ])?;
        Ok(())
    }

    fn direction(&mut self, id: i64, d: &Direction) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO directions(node_id, run_id, question, subject_class, relation,
                                        object_class, rationale, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                id,
                d.run.get(),
                d.question,
                serde_json::to_string(&d.subject)?,
                d.relation.as_str(),
                serde_json::to_string(&d.object)?,
                d.rationale,
                d.created_at.millis()
            ])?;
        Ok(())
    }

    fn analysis(&mut self, id: i64, a: &Analysis) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO analyses(node_id, run_id, study_node, direction_node, module, params,
                                      input_layers, sample_set, input_hash, software_version,
                                      created_at, n_findings)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                id,
                a.run.get(),
                a.study.node().get(),
                a.direction.map(|d| d.node().get()),
                a.module,
                serde_json::to_string(&a.params)?,
                serde_json::to_string(&a.input_layers)?,
                serde_json::to_string(&a.sample_set)?,
                a.input_hash,
                a.software_version,
                a.created_at.millis(),
                a.n_findings
            ])?;
        let mut input = self.tx.prepare_cached(
            "INSERT INTO analysis_inputs(analysis_node, ordinal, path, sha256) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (ordinal, file) in a.inputs.iter().enumerate() {
            input.execute(params![id, ordinal as i64, file.path, file.sha256])?;
        }
        Ok(())
    }

    fn finding(&mut self, id: i64, f: &Finding) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO findings(node_id, analysis_node, layer, feature, variable, contrast,
                                      test, statistic, effect, ci_low, ci_high, p, q, n,
                                      direction, claim_edge)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )?
            .execute(params![
                id,
                f.analysis.node().get(),
                f.layer,
                f.feature.as_str(),
                f.variable,
                f.contrast,
                f.test,
                f.statistic,
                f.effect,
                f.ci_low,
                f.ci_high,
                f.p,
                f.q,
                f.n,
                f.direction.as_str(),
                f.claim.map(|e| e.get())
            ])?;
        Ok(())
    }

    fn hypothesis(&mut self, id: i64, h: &Hypothesis) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO hypotheses(node_id, run_id, statement, score, status, created_at,
                                        updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                id,
                h.run.get(),
                h.statement,
                serde_json::to_string(&h.score)?,
                h.status.as_str(),
                h.created_at.millis(),
                h.updated_at.millis()
            ])?;
        Ok(())
    }
}
