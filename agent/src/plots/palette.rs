//! Colours. Groups use the Okabe-Ito palette (Okabe & Ito 2008), which stays distinguishable
//! under the common forms of colour blindness; yellow is left last because it is faint on white.

/// Okabe-Ito colours in the order groups receive them.
pub const GROUPS: [&str; 7] = [
    "#0072B2", // blue
    "#E69F00", // orange
    "#009E73", // bluish green
    "#D55E00", // vermillion
    "#CC79A7", // reddish purple
    "#56B4E9", // sky blue
    "#F0E442", // yellow
];

/// Colour of the `i`-th group (cycling when there are more groups than colours).
pub fn group(i: usize) -> &'static str {
    GROUPS[i % GROUPS.len()]
}

/// Increased / decreased features in a volcano plot.
pub const UP: &str = "#D55E00";
pub const DOWN: &str = "#0072B2";
/// Points that are not highlighted.
pub const MUTED: &str = "#9a9a9a";
pub const TEXT_MUTED: &str = "#555555";
pub const AXIS: &str = "#333333";
pub const GRID: &str = "#e6e6e6";
pub const FIT_LINE: &str = "#000000";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_cycle_and_differ() {
        assert_eq!(group(0), group(GROUPS.len()));
        assert_ne!(group(0), group(1));
    }
}
