//! Building blocks of the entity relations kinds claim in the graph.

use crate::ledger::TestRow;
use datasets::FeatureId;
use graph::{EntityClass, EntityKind, EntityRef, RelationKind};

/// A direction as a relation between entity classes, with the entities it focuses on.
#[derive(Clone, Debug, PartialEq)]
pub struct DirectionClasses {
    pub subject: EntityClass,
    pub relation: RelationKind,
    pub object: EntityClass,
    pub focus: Vec<EntityRef>,
}

impl DirectionClasses {
    pub fn new(subject: EntityClass, relation: RelationKind, object: EntityClass) -> Self {
        Self {
            subject,
            relation,
            object,
            focus: Vec::new(),
        }
    }

    pub fn focused_on(mut self, entity: EntityRef) -> Self {
        self.focus.push(entity);
        self
    }
}

/// The entity a test row's feature stands for (its gene, site or miRNA).
pub fn feature_entity(row: &TestRow) -> EntityRef {
    EntityRef::from_feature(&FeatureId::new(row.feature.as_str()))
}

/// Higher or lower, by the sign of an effect.
pub fn sign_relation(effect: f64) -> RelationKind {
    if effect > 0.0 {
        RelationKind::HigherIn
    } else {
        RelationKind::LowerIn
    }
}

/// The class of features of the last layer an analysis read.
pub fn layer_class(layers: &[String], kind: EntityKind) -> EntityClass {
    match layers.last() {
        Some(layer) => EntityClass::measured_in(kind, layer.clone()),
        None => EntityClass::new(kind),
    }
}

/// The layer's features (genes) as a class.
pub fn features(layers: &[String]) -> EntityClass {
    layer_class(layers, EntityKind::Gene)
}

/// A claim from `subject` to `object`.
pub fn claim(
    subject: EntityRef,
    relation: RelationKind,
    object: EntityRef,
) -> Option<graph::Claim> {
    Some(graph::Claim {
        subject,
        relation,
        object,
    })
}
