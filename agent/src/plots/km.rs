//! Kaplan-Meier curves for two or more groups: step functions with a tick where a sample was
//! censored, a legend with each group's n and events, and the log-rank p in the title. The curves
//! and the test come from `analysis::survival`, the same code the agent's statistics use.

use super::axis::{Frame, padded_range};
use super::palette;
use super::svg::{Anchor, FONT, Fill, PathData, Stroke, Svg, fit};
use crate::hypothesis::fmt_p;
use analysis::groups::GroupLabels;
use analysis::survival::{SurvivalTimes, kaplan_meier_by_group, logrank_test};
use datasets::SampleId;

/// Follow-up per sample with its group; samples with a NaN time, an unknown event or no group
/// are left out. The three slices are positional (extra values are ignored).
#[derive(Clone, Copy, Debug)]
pub struct KmData<'a> {
    pub title: &'a str,
    pub time_label: &'a str,
    pub time: &'a [f64],
    /// `Some(true)` = event (death), `Some(false)` = censored.
    pub event: &'a [Option<bool>],
    pub group: &'a [Option<&'a str>],
}

/// Splits samples at the median of `values`: `low (<= m)` and `high (> m)`, with the median in
/// the labels; NaN values get no group. Used to show a continuous prognostic feature as curves.
pub fn split_at_median(values: &[f64]) -> Vec<Option<String>> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let Some(m) = super::boxplot::quantile(&v, 0.5) else {
        return vec![None; values.len()];
    };
    let m_text = crate::hypothesis::fmt_effect(m);
    values
        .iter()
        .map(|&x| {
            if !x.is_finite() {
                None
            } else if x <= m {
                Some(format!("low (<= {m_text})"))
            } else {
                Some(format!("high (> {m_text})"))
            }
        })
        .collect()
}

/// The plot as an inline `<svg>`; a "no data" placeholder when no group has follow-up.
pub fn km_plot(data: &KmData<'_>) -> String {
    let n = data.time.len().min(data.event.len()).min(data.group.len());
    let samples: Vec<SampleId> = (0..n).map(|i| SampleId::from(format!("s{i}"))).collect();
    // Negative or infinite times are input errors for the estimator; leave those samples out.
    let time: Vec<f64> = data.time[..n]
        .iter()
        .map(|&t| {
            if t.is_finite() && t >= 0.0 {
                t
            } else {
                f64::NAN
            }
        })
        .collect();
    let Ok(surv) = SurvivalTimes::new(samples.clone(), time, data.event[..n].to_vec()) else {
        return super::placeholder(data.title, "follow-up could not be read");
    };
    let Ok(groups) = GroupLabels::new(samples, &data.group[..n]) else {
        return super::placeholder(data.title, "groups could not be read");
    };
    let curves = kaplan_meier_by_group(&surv, &groups);
    if curves.is_empty() {
        return super::placeholder(data.title, "no sample with follow-up and a group");
    }
    let title = match logrank_test(&surv, &groups) {
        Ok(lr) if curves.len() > 1 => format!("{} (log-rank p={})", data.title, fmt_p(lr.p_value)),
        _ => data.title.to_owned(),
    };
    let t_max = padded_range(
        curves
            .iter()
            .flat_map(|(_, km)| km.steps.iter().map(|s| s.time))
            .chain([0.0]),
        0.02,
    )
    .map_or(1.0, |(_, hi)| hi);

    let frame = Frame {
        top: 40.0,
        ..Frame::default()
    };
    let mut svg = Svg::new(frame.width, frame.height, &title);
    frame.title(&mut svg, &title, "");
    let x = frame.x_scale(0.0, t_max);
    let y = frame.y_scale(0.0, 1.0);
    frame.y_axis(&mut svg, &y, "survival probability");
    frame.x_axis(&mut svg, &x, data.time_label);
    for (i, (_, km)) in curves.iter().enumerate() {
        let colour = palette::group(i);
        let mut d = PathData::default();
        d.move_to(x.map(0.0), y.map(1.0));
        let mut s_prev = 1.0;
        for step in &km.steps {
            d.horizontal_to(x.map(step.time));
            if step.survival != s_prev {
                d.vertical_to(y.map(step.survival));
                s_prev = step.survival;
            }
        }
        svg.path(&d, Stroke::solid(colour, 2.0));
        for step in km.steps.iter().filter(|s| s.censored > 0) {
            let (cx, cy) = (x.map(step.time), y.map(step.survival));
            svg.line(cx, cy - 4.0, cx, cy + 4.0, Stroke::solid(colour, 1.4));
        }
    }
    // Legend, top right, one line per group, on a white panel over the curves.
    const LEGEND_W: f64 = 250.0;
    let lx = frame.x1() - LEGEND_W;
    svg.rect(
        lx - 4.0,
        frame.y0() + 1.0,
        LEGEND_W + 2.0,
        8.0 + 16.0 * curves.len() as f64,
        Fill::new("#ffffff", 0.85),
        None,
    );
    for (i, (label, km)) in curves.iter().enumerate() {
        let ly = frame.y0() + 12.0 + 16.0 * i as f64;
        let colour = palette::group(i);
        svg.line(
            lx,
            ly - 4.0,
            lx + 18.0,
            ly - 4.0,
            Stroke::solid(colour, 2.5),
        );
        svg.text(
            lx + 24.0,
            ly,
            &fit(
                &format!("{label}: n={}, {} events", km.n_samples, km.n_events),
                LEGEND_W - 26.0,
                FONT,
            ),
            Anchor::Start,
            FONT,
            "",
        );
    }
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_step_curve_per_group_with_censor_ticks_and_logrank_p() {
        let time = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let event = [
            Some(true),
            Some(true),
            Some(false),
            Some(true),
            Some(false),
            Some(true),
            Some(false),
            None,
        ];
        let group = [
            Some("high"),
            Some("high"),
            Some("high"),
            Some("high"),
            Some("low"),
            Some("low"),
            Some("low"),
            Some("low"),
        ];
        let svg = km_plot(&KmData {
            title: "EGFR protein",
            time_label: "days",
            time: &time,
            event: &event,
            group: &group,
        });
        assert_eq!(svg.matches("<path").count(), 2);
        assert!(svg.contains("log-rank p="));
        assert!(svg.contains("high: n=4, 3 events"));
        assert!(
            svg.contains("low: n=3, 1 events"),
            "the sample without an event flag is left out"
        );
        // Censor ticks: one at t=3 (high), two (t=5, t=7) for low.
        assert_eq!(svg.matches(r#"stroke-width="1.4""#).count(), 3);
    }

    #[test]
    fn median_split_labels_and_skips_nan() {
        let g = split_at_median(&[1.0, 2.0, 3.0, f64::NAN, 4.0]);
        assert_eq!(g[0].as_deref(), Some("low (<= 2.50)"));
        assert_eq!(g[3], None);
        assert_eq!(g[4].as_deref(), Some("high (> 2.50)"));
        assert!(split_at_median(&[f64::NAN]).iter().all(Option::is_none));
    }

    #[test]
    fn no_follow_up_gives_a_placeholder() {
        let svg = km_plot(&KmData {
            title: "x",
            time_label: "days",
            time: &[f64::NAN, -1.0],
            event: &[Some(true), Some(true)],
            group: &[Some("a"), Some("b")],
        });
        assert!(svg.contains("no data"));
        let empty = km_plot(&KmData {
            title: "x",
            time_label: "days",
            time: &[],
            event: &[],
            group: &[],
        });
        assert!(empty.contains("no data"));
    }

    #[test]
    fn group_names_are_escaped() {
        let svg = km_plot(&KmData {
            title: "t",
            time_label: "days",
            time: &[1.0, 2.0],
            event: &[Some(true), Some(false)],
            group: &[Some("<1 cm"), Some("A&B")],
        });
        assert!(svg.contains("&lt;1 cm") && svg.contains("A&amp;B"));
        assert!(!svg.contains("<1 cm"));
    }
}
