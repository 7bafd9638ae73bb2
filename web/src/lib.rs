//! The web layer of hypomics: the axum REST API over the graph store, the dashboard, and the
//! scheduler for batch analysis. Not built yet; see issues "Web dashboard and REST API" and
//! "Scheduled batch analysis", and ARCHITECTURE.md for where it sits.
