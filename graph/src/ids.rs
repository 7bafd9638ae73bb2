//! Persistent identifiers. Every node and stored edge has a database id that survives reopening
//! the store (petgraph's indices do not), and each node kind gets its own id type so a finding id
//! cannot be passed where a hypothesis is expected. Typed ids are only minted by the graph, after
//! checking the node's kind; outside callers holding a raw number (from a URL, say) go through
//! `NodeId::new` and the graph's typed look-ups.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! raw_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            pub fn new(raw: i64) -> Self {
                Self(raw)
            }

            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

raw_id!(
    /// Any node: entity or process. Shared id space, so edges can point anywhere.
    NodeId,
    "n"
);
raw_id!(
    /// A stored edge (entity relation or persisted process edge).
    EdgeId,
    "e"
);
raw_id!(
    /// One run of the research agent; runs scope process nodes.
    RunId,
    "run"
);

macro_rules! typed_node_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(NodeId);

        impl $name {
            /// Only the graph mints typed ids, after checking the node's kind.
            pub(crate) fn from_node(node: NodeId) -> Self {
                Self(node)
            }

            pub fn node(self) -> NodeId {
                self.0
            }
        }

        impl From<$name> for NodeId {
            fn from(id: $name) -> NodeId {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

typed_node_id!(
    /// An entity node (gene, site, clinical variable, gene set, study, ...).
    EntityId
);
typed_node_id!(
    /// A research direction node.
    DirectionId
);
typed_node_id!(
    /// An analysis node.
    AnalysisId
);
typed_node_id!(
    /// A finding node.
    FindingId
);
typed_node_id!(
    /// A hypothesis node.
    HypothesisId
);
