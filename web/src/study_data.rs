//! The study data behind a run, for the plots on a hypothesis page. The store records what was
//! tested, not the values, so a figure of the data has to re-read the study itself: the bundled
//! demo when the run analysed it, else the study folder the agent noted in the run. Loading a
//! study parses every table (seconds for a real one), so it runs on the blocking pool and the
//! last few studies are kept; a hypothesis page is usually followed by others of the same run.

use datasets::Study;
use graph::{InputFile, ResearchGraph, RunId};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Studies kept in memory. A study is the size of its tables, so only the ones being browsed.
const KEPT: usize = 2;

/// Background warm-ups (started by run pages) pending at once: a burst of page views must not
/// queue a study load each.
pub const MAX_WARMING: usize = 1;

/// Where a run's study data can be read again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StudySource {
    /// The bundled demo, which needs no files.
    Demo,
    /// A study folder, as the run recorded it.
    Folder(PathBuf),
}

/// Why a run's data cannot be shown, in words for the page.
#[derive(Debug, thiserror::Error)]
pub enum StudyUnavailable {
    #[error("the store records no analysis for run {0}, so it does not say which study it used")]
    NoStudy(RunId),
    #[error(
        "run {run} analysed study \"{name}\", which is not the bundled demo, and the run does not \
         record its folder (runs recorded before study folders were noted)"
    )]
    NoFolder { run: RunId, name: String },
    #[error("the study folder {} could not be read: {message}", path.display())]
    Load { path: PathBuf, message: String },
    #[error("the bundled demo study could not be loaded: {0}")]
    Demo(String),
    #[error("loading the study stopped unexpectedly")]
    Interrupted,
    #[error("the graph store could not be read: {0}")]
    Store(String),
    #[error(
        "the study's files changed since the run ({}), so its data is no longer the data the \
         analyses saw", files.join(", ")
    )]
    Changed { files: Vec<String> },
}

/// The source of a run's study, from what the store recorded about the run. Later sources (a
/// registry of studies kept by the server) belong here too, so callers never learn which one
/// answered.
pub fn source_of_run(graph: &ResearchGraph, run: RunId) -> Result<StudySource, StudyUnavailable> {
    if let Some(folder) = graph
        .run(run)
        .and_then(|r| r.notes.as_deref())
        .and_then(agent::record::study_folder)
    {
        return Ok(StudySource::Folder(folder));
    }
    let names: Vec<String> = graph
        .studies_of_run(run)
        .into_iter()
        .filter_map(|id| graph.entity(id).map(|e| e.key.clone()))
        .collect();
    if names.iter().any(|n| n == datasets::demo::NAME) {
        return Ok(StudySource::Demo);
    }
    match names.into_iter().next() {
        Some(name) => Err(StudyUnavailable::NoFolder { run, name }),
        None => Err(StudyUnavailable::NoStudy(run)),
    }
}

/// Input files an analysis recorded whose content the study no longer has (changed, renamed or
/// removed), by name. Files added since do not matter: the analysis never read them.
pub fn changed_inputs(study: &Study, inputs: &[InputFile]) -> Vec<String> {
    let mut changed: Vec<String> = inputs
        .iter()
        .filter(|input| {
            !study
                .files
                .iter()
                .any(|f| f.name == input.path && f.sha256.as_deref() == Some(input.sha256.as_str()))
        })
        .map(|input| input.path.clone())
        .collect();
    changed.sort();
    changed.dedup();
    changed
}

/// The most recently used studies, loaded on first need.
pub struct StudyCache {
    /// Most recently used last.
    kept: Mutex<VecDeque<(StudySource, Arc<Study>)>>,
    /// Held while loading, so requests racing for the same study wait for one load instead of
    /// each parsing it (and two loads at once would take the cores the server answers with).
    loading: tokio::sync::Mutex<()>,
    /// Slots for background warm-ups; see [`MAX_WARMING`].
    warming: Arc<tokio::sync::Semaphore>,
}

impl Default for StudyCache {
    fn default() -> Self {
        Self {
            kept: Mutex::default(),
            loading: tokio::sync::Mutex::default(),
            warming: Arc::new(tokio::sync::Semaphore::new(MAX_WARMING)),
        }
    }
}

impl StudyCache {
    /// The study from `source`, and whether it was already in memory.
    pub async fn get(&self, source: &StudySource) -> Result<(Arc<Study>, bool), StudyUnavailable> {
        if let Some(study) = self.cached(source) {
            return Ok((study, true));
        }
        let _loading = self.loading.lock().await;
        if let Some(study) = self.cached(source) {
            return Ok((study, true));
        }
        let owned = source.clone();
        let study = tokio::task::spawn_blocking(move || load(&owned))
            .await
            .map_err(|_| StudyUnavailable::Interrupted)??;
        let study = Arc::new(study);
        if let Ok(mut kept) = self.kept.lock() {
            kept.retain(|(s, _)| s != source);
            kept.push_back((source.clone(), Arc::clone(&study)));
            while kept.len() > KEPT {
                kept.pop_front();
            }
        }
        Ok((study, false))
    }

    /// A slot for one background warm-up, or `None` when one is already pending (the caller
    /// skips warming; the page that needs the data loads it then).
    pub fn warm_slot(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.warming.clone().try_acquire_owned().ok()
    }

    /// Drops a kept study, so the next request reads it again (its files changed on disk).
    pub fn forget(&self, source: &StudySource) {
        if let Ok(mut kept) = self.kept.lock() {
            kept.retain(|(s, _)| s != source);
        }
    }

    fn cached(&self, source: &StudySource) -> Option<Arc<Study>> {
        let mut kept = self.kept.lock().ok()?;
        let at = kept.iter().position(|(s, _)| s == source)?;
        let entry = kept.remove(at)?;
        let study = Arc::clone(&entry.1);
        kept.push_back(entry);
        Some(study)
    }

    /// How many studies are in memory.
    pub fn len(&self) -> usize {
        self.kept.lock().map_or(0, |k| k.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn load(source: &StudySource) -> Result<Study, StudyUnavailable> {
    match source {
        StudySource::Demo => {
            datasets::demo::load().map_err(|e| StudyUnavailable::Demo(e.to_string()))
        }
        StudySource::Folder(path) => Study::load(path).map_err(|e| StudyUnavailable::Load {
            path: path.clone(),
            message: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A study folder small enough to load in milliseconds: a clinical table and one layer.
    fn tiny_study(dir: &std::path::Path, value: f64) -> PathBuf {
        std::fs::create_dir_all(dir).expect("dir");
        let samples: Vec<String> = (1..=6).map(|i| format!("S{i}")).collect();
        let mut clinical = String::from("sample_id\tage\n");
        for (i, s) in samples.iter().enumerate() {
            clinical.push_str(&format!("{s}\t{}\n", 50 + i));
        }
        std::fs::write(dir.join("clinical.tsv"), clinical).expect("clinical");
        let mut proteome = format!("gene\t{}\n", samples.join("\t"));
        for g in ["TP53", "PTEN", "EGFR"] {
            let row: Vec<String> = (0..samples.len())
                .map(|i| format!("{}", value + i as f64))
                .collect();
            proteome.push_str(&format!("{g}\t{}\n", row.join("\t")));
        }
        std::fs::write(dir.join("proteome.tsv"), proteome).expect("proteome");
        dir.to_path_buf()
    }

    #[tokio::test]
    async fn keeps_the_two_most_recently_used_studies() {
        let root = tempfile::tempdir().expect("tempdir");
        let sources: Vec<StudySource> = (0..3)
            .map(|i| StudySource::Folder(tiny_study(&root.path().join(format!("s{i}")), 10.0)))
            .collect();
        let cache = StudyCache::default();
        let (first, kept) = cache.get(&sources[0]).await.expect("load");
        assert!(!kept);
        assert!(cache.get(&sources[0]).await.expect("kept").1);
        cache.get(&sources[1]).await.expect("load");
        // Using the first again makes the second the oldest, so the third evicts the second.
        let (again, kept) = cache.get(&sources[0]).await.expect("kept");
        assert!(kept && Arc::ptr_eq(&first, &again));
        cache.get(&sources[2]).await.expect("load");
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&sources[0]).await.expect("kept").1);
        assert!(!cache.get(&sources[1]).await.expect("reloaded").1);
    }

    #[tokio::test]
    async fn names_changed_inputs_and_the_unreadable_folder() {
        let root = tempfile::tempdir().expect("tempdir");
        let source = StudySource::Folder(tiny_study(&root.path().join("s"), 10.0));
        let cache = StudyCache::default();
        let (study, _) = cache.get(&source).await.expect("load");
        let recorded: Vec<InputFile> = study
            .files
            .iter()
            .filter_map(|f| {
                Some(InputFile {
                    path: f.name.clone(),
                    sha256: f.sha256.clone()?,
                })
            })
            .collect();
        assert!(recorded.iter().any(|f| f.path == "proteome.tsv"));
        assert!(changed_inputs(&study, &recorded).is_empty());

        tiny_study(&root.path().join("s"), 11.0);
        cache.forget(&source);
        let (edited, kept) = cache.get(&source).await.expect("load");
        assert!(!kept);
        assert_eq!(changed_inputs(&edited, &recorded), vec!["proteome.tsv"]);

        let missing = StudySource::Folder(root.path().join("gone"));
        let err = cache.get(&missing).await.expect_err("no folder");
        assert!(matches!(err, StudyUnavailable::Load { .. }), "{err}");
        assert!(err.to_string().contains("gone"), "{err}");
    }
}
