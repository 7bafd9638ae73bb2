//! Typed identifiers. Sample and feature names travel through every crate; giving them their own
//! types keeps a gene symbol from being passed where a sample ID is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

string_id!(
    /// A harmonized sample identifier: the row name of the study's clinical table (for example
    /// `S001` in CPTAC or the patient barcode `TCGA-OR-A5J1` in TCGA), shared by every layer.
    SampleId
);

string_id!(
    /// A feature of one layer as the source file names it: a gene symbol, a phosphosite such as
    /// `PTEN-S380`, a miRNA, or a gene-level mutation.
    FeatureId
);

impl FeatureId {
    /// The gene symbol a feature belongs to, when the ID encodes one: `PTEN-S380` and
    /// `PTEN_p.R130Q` both give `PTEN`; an RPPA antibody `AKT1 AKT2|Akt_pS473` or a mapped probe
    /// `TP53|201746_at` gives its (first) gene; a plain symbol gives itself.
    pub fn gene_symbol(&self) -> &str {
        let s = self.as_str();
        if let Some((genes, _)) = s.split_once('|') {
            return genes.split_whitespace().next().unwrap_or(genes);
        }
        if let Some((gene, _)) = s.split_once("_p.") {
            return gene;
        }
        // Phosphosite / acetylsite IDs: GENE-S123, GENE-T45Y47s, GENE-K12.
        if let Some((gene, site)) = s.rsplit_once('-') {
            let mut chars = site.chars();
            if matches!(chars.next(), Some('S' | 'T' | 'Y' | 'K'))
                && chars.next().is_some_and(|c| c.is_ascii_digit())
            {
                return gene;
            }
        }
        s
    }
}
