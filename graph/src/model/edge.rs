//! Edge kinds. Entity relations carry the claims findings support (and prior knowledge); process
//! edges record how the research went (what explored what, what produced what).

use crate::ids::{EdgeId, FindingId};
use crate::text_enum::text_enum;
use serde::{Deserialize, Serialize};
use std::fmt;

text_enum! {
    /// A typed relationship between two entities.
    pub enum RelationKind {
        /// Any statistical association without a more specific reading (symmetric).
        AssociatedWith => "associated_with",
        /// Subject measured higher in the object (a sample group or clinical level).
        HigherIn => "higher_in",
        /// Subject measured lower in the object.
        LowerIn => "lower_in",
        /// Correlated measurements (symmetric; the sign is in the findings' effects).
        CorrelatesWith => "correlates_with",
        /// A gene's copy number or methylation drives its own expression.
        CisRegulates => "cis_regulates",
        /// Subject predicts survival or outcome in the object (study or group).
        PrognosticFor => "prognostic_for",
        /// A gene set is enriched among the object's associated features.
        EnrichedIn => "enriched_in",
        /// Gene belongs to a gene set or pathway.
        MemberOf => "member_of",
        /// Physical or functional interaction (symmetric).
        InteractsWith => "interacts_with",
        /// A modified residue belongs to its gene's protein.
        SiteOf => "site_of",
        /// Gene-level mutation status belongs to its gene.
        MutationOf => "mutation_of",
        /// A clinical level belongs to its variable.
        LevelOf => "level_of",
        /// A microRNA is transcribed from its host gene.
        EncodedBy => "encoded_by",
    }
}

impl RelationKind {
    /// Symmetric relations are stored once, with endpoints in id order, so A~B and B~A are one
    /// edge with one evidence list.
    pub fn is_symmetric(self) -> bool {
        matches!(
            self,
            Self::AssociatedWith | Self::CorrelatesWith | Self::InteractsWith
        )
    }

    /// Links that follow from naming alone (a site and its gene); they connect an entity to its
    /// parent and are always traversable.
    pub fn is_nomenclature(self) -> bool {
        matches!(
            self,
            Self::SiteOf | Self::MutationOf | Self::LevelOf | Self::EncodedBy
        )
    }
}

text_enum! {
    /// A relationship involving process nodes.
    pub enum ProcessKind {
        /// Research direction -> an entity it is about.
        Explores => "explores",
        /// Research direction -> analysis run for it (derived from the analysis record).
        Ran => "ran",
        /// Analysis -> study whose data it used (derived from the analysis record).
        DataFrom => "data_from",
        /// Analysis -> finding (derived from the finding record).
        Produced => "produced",
        /// Finding -> hypothesis it supports.
        Supports => "supports",
        /// Finding -> hypothesis it argues against.
        Contradicts => "contradicts",
        /// Analysis or hypothesis -> the node it builds on.
        DerivedFrom => "derived_from",
        /// Finding -> a finding that reproduces it (another study, layer or method).
        ReplicatedBy => "replicated_by",
        /// Hypothesis -> an entity it makes a claim about.
        Concerns => "concerns",
    }
}

impl ProcessKind {
    /// Derived edges are rebuilt from columns of the node records and never stored twice.
    pub fn is_derived(self) -> bool {
        matches!(self, Self::Ran | Self::DataFrom | Self::Produced)
    }
}

/// Any edge kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeKind {
    Relation(RelationKind),
    Process(ProcessKind),
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Relation(r) => r.as_str(),
            Self::Process(p) => p.as_str(),
        }
    }

    /// "relation" or "process", for exports.
    pub fn class(self) -> &'static str {
        match self {
            Self::Relation(_) => "relation",
            Self::Process(_) => "process",
        }
    }

    pub fn relation(self) -> Option<RelationKind> {
        match self {
            Self::Relation(r) => Some(r),
            Self::Process(_) => None,
        }
    }
}

impl std::str::FromStr for EdgeKind {
    type Err = crate::text_enum::UnknownVariant;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.parse::<RelationKind>() {
            Ok(r) => Ok(Self::Relation(r)),
            Err(_) => s.parse::<ProcessKind>().map(Self::Process).map_err(|_| {
                crate::text_enum::UnknownVariant {
                    kind: "EdgeKind",
                    value: s.to_owned(),
                }
            }),
        }
    }
}

impl fmt::Display for EdgeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EdgeKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EdgeKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

text_enum! {
    /// Where a prior (not data-derived) edge comes from.
    pub enum KnowledgeSource {
        /// Follows from the entity's name (site of gene, level of variable).
        Nomenclature => "nomenclature",
        /// NCBI Gene via org.Hs.eg.db (gene nodes).
        NcbiGene => "ncbi_gene",
        /// Gene Ontology biological process sets.
        GoBp => "go_bp",
        /// WikiPathways gene sets.
        WikiPathways => "wikipathways",
        /// PROGENy pathway-responsive genes with weights.
        Progeny => "progeny",
    }
}

/// An edge in the in-memory graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    /// `None` for derived process edges, which have no row of their own.
    pub id: Option<EdgeId>,
    pub kind: EdgeKind,
    /// Set when the edge is prior knowledge; an observed relation may also be prior.
    pub prior: Option<KnowledgeSource>,
    /// Prior weight (PROGENy response weight), if the source gives one.
    pub weight: Option<f64>,
    /// Findings supporting this relation, in the order they were recorded.
    pub evidence: Vec<FindingId>,
}

impl Edge {
    /// Whether data in this store (not only prior knowledge) supports the relation.
    pub fn is_observed(&self) -> bool {
        !self.evidence.is_empty()
    }
}
