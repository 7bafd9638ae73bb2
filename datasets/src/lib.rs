//! Loading raw multiomics study folders: tables in any common format, layers, sample
//! harmonization across layers and typed clinical variables, plus the bundled demo study and
//! synthetic studies with planted truth.

mod budget;
pub mod clinical;
pub mod demo;
pub mod error;
pub mod harmonize;
pub mod ids;
pub mod infer;
pub mod init;
pub mod kinds;
pub mod layer;
pub mod layouts;
pub mod manifest;
pub mod matrix;
pub mod mutation;
pub mod participants;
pub mod read;
pub mod source;
pub mod study;
pub mod summary;
pub mod synth;

pub use error::DatasetError;
pub use ids::{FeatureId, SampleId};
pub use kinds::LayerKind;
pub use layer::Layer;
pub use matrix::{Matrix, ShapeError};
pub use study::Study;
pub use summary::StudySummary;
