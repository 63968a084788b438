//! Charts Baton draws itself, as SVG written on the server: they appear
//! before any script runs and print as they show. Each has a title and a
//! description for screen readers, a table of its numbers beside it, and
//! tells outcomes apart by pattern as well as colour (succeeded solid,
//! failed hatched, missed outlined).

use std::fmt::Write as _;

use leptos::prelude::*;

use crate::components::runs::duration;
use crate::model::health::{DayCounts, DayDurations};

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 160.0;
const LEFT: f64 = 36.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;
/// Room for a duration ("12 min 30 s") left of the durations chart.
const DURATION_LEFT: f64 = 72.0;

/// Text for SVG: `&`, `<`, `>` and `"` escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A description of the days in words: totals, and the worst day.
fn describe(days: &[DayCounts]) -> String {
    let (ok, failed, missed) = days.iter().fold((0, 0, 0), |(o, f, m), d| {
        (o + d.succeeded, f + d.failed, m + d.missed)
    });
    if ok + failed + missed == 0 {
        return format!("No run in these {} days.", days.len());
    }
    let mut text = format!(
        "Over {} days: {ok} succeeded, {failed} failed, {missed} missed.",
        days.len()
    );
    if let Some(worst) = days
        .iter()
        .filter(|d| d.failed + d.missed > 0)
        .max_by_key(|d| (d.failed + d.missed, d.day))
    {
        let _ = write!(
            text,
            " The worst day, {}, had {} failed and {} missed.",
            worst.day, worst.failed, worst.missed
        );
    }
    text
}

/// A count short enough for the axis's margin: `9999`, `12k`, `120k`, `1.2M`.
/// The chart's description and each bar's title give the exact figures.
fn axis_count(n: i64) -> String {
    match n {
        ..10_000 => n.to_string(),
        10_000..1_000_000 => format!("{}k", n / 1_000),
        _ => {
            let tenths = n / 100_000;
            if tenths % 10 == 0 || tenths >= 100 {
                format!("{}M", tenths / 10)
            } else {
                format!("{}.{}M", tenths / 10, tenths % 10)
            }
        }
    }
}

/// Runs per day by outcome, as stacked bars, with `id` unique on the page.
pub fn runs_svg(id: &str, title: &str, days: &[DayCounts]) -> String {
    let most = days
        .iter()
        .map(|d| d.succeeded + d.failed + d.missed)
        .max()
        .unwrap_or(0)
        .max(1);
    let n = days.len().max(1) as f64;
    let slot = (WIDTH - LEFT) / n;
    let bar = (slot * 0.7).max(1.0);
    let plot = HEIGHT - TOP - BOTTOM;
    let scale = |runs: i64| runs as f64 / most as f64 * plot;
    let id = escape(id);
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc><defs><pattern id="{id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" class="chart__failed-ground"/><line x1="0" y1="0" x2="0" y2="6" class="chart__failed-line"/></pattern></defs>"#,
        escape(title),
        escape(&describe(days)),
    );
    // The axis: 0 and the busiest day.
    let base = HEIGHT - BOTTOM;
    let _ = write!(
        svg,
        r#"<line x1="{LEFT}" y1="{base}" x2="{WIDTH}" y2="{base}" class="chart__axis"/><text x="{}" y="{}" class="chart__label" text-anchor="end">{}</text><text x="{}" y="{base}" class="chart__label" text-anchor="end">0</text>"#,
        LEFT - 4.0,
        TOP + 8.0,
        axis_count(most),
        LEFT - 4.0,
    );
    for (k, d) in days.iter().enumerate() {
        let x = LEFT + k as f64 * slot + (slot - bar) / 2.0;
        let mut y = base;
        for (runs, class) in [
            (d.succeeded, "chart__ok"),
            (d.failed, "chart__failed"),
            (d.missed, "chart__missed"),
        ] {
            if runs == 0 {
                continue;
            }
            let h = scale(runs);
            y -= h;
            let fill = if class == "chart__failed" {
                format!(r#" fill="url(#{id}-hatch)""#)
            } else {
                String::new()
            };
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{h:.1}" class="{class}"{fill}><title>{}: {runs} {}</title></rect>"#,
                d.day,
                &class["chart__".len()..].replace("ok", "succeeded"),
            );
        }
    }
    // Dates at both ends.
    if let (Some(first), Some(last)) = (days.first(), days.last()) {
        let _ = write!(
            svg,
            r#"<text x="{LEFT}" y="{}" class="chart__label">{}</text><text x="{WIDTH}" y="{}" class="chart__label" text-anchor="end">{}</text>"#,
            HEIGHT - 6.0,
            first.day.format("%b %-d"),
            HEIGHT - 6.0,
            last.day.format("%b %-d"),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The share of runs that succeeded each day, as a line; days without
/// runs leave a gap.
pub fn sparkline_svg(title: &str, days: &[DayCounts]) -> String {
    let (w, h) = (120.0, 28.0);
    let slot = w / days.len().max(1) as f64;
    let bar = (slot - 1.0).max(1.0);
    let busiest = days
        .iter()
        .map(|d| d.succeeded + d.failed + d.missed)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut svg = format!(
        r#"<svg class="sparkline" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img"><title>{}</title>"#,
        escape(&format!("{title}: {}", describe(days)))
    );
    let _ = write!(
        svg,
        r#"<line x1="0" y1="{:.1}" x2="{w}" y2="{:.1}" class="spark__base"/>"#,
        h - 0.5,
        h - 0.5
    );
    for (k, d) in days.iter().enumerate() {
        let counted = d.succeeded + d.failed + d.missed;
        if counted == 0 {
            continue;
        }
        // A day with one run still shows: a third of the height at least.
        let height = (h - 2.0) * (0.35 + 0.65 * counted as f64 / busiest);
        let x = k as f64 * slot;
        let mut y = h - 1.0;
        for (n, class) in [
            (d.succeeded, "spark__ok"),
            (d.failed, "spark__failed"),
            (d.missed, "spark__missed"),
        ] {
            if n == 0 {
                continue;
            }
            let part = height * n as f64 / counted as f64;
            y -= part;
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{part:.1}" class="{class}"/>"#
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The durations in words: how many runs, and the slowest day.
fn describe_durations(days: &[DayDurations]) -> String {
    let runs: i64 = days.iter().map(|d| d.runs).sum();
    if runs == 0 {
        return format!(
            "No finished run with a duration in these {} days.",
            days.len()
        );
    }
    let mut text = format!("{runs} finished runs over {} days.", days.len());
    if let Some(slowest) = days
        .iter()
        .filter_map(|d| Some((d.p95_ms?, d)))
        .max_by_key(|(p95, d)| (*p95, d.day))
        .map(|(_, d)| d)
    {
        let _ = write!(
            text,
            " The slowest day, {}: 95 % within {}, half within {}.",
            slowest.day,
            slowest.p95_ms.map_or_else(String::new, duration),
            slowest.p50_ms.map_or_else(String::new, duration),
        );
    }
    text
}

/// Durations per day: a dot at the median, a square at the 95th
/// percentile, joined by a line (shapes, not colours, tell them apart).
pub fn durations_svg(id: &str, title: &str, days: &[DayDurations]) -> String {
    let most = days
        .iter()
        .filter_map(|d| d.p95_ms)
        .max()
        .unwrap_or(0)
        .max(1);
    let n = days.len().max(1) as f64;
    let slot = (WIDTH - DURATION_LEFT) / n;
    let plot = HEIGHT - TOP - BOTTOM;
    let base = HEIGHT - BOTTOM;
    let y_of = |ms: i64| base - ms as f64 / most as f64 * plot;
    let id = escape(id);
    let mut svg = format!(
        r#"<svg class="chart chart--durations" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(&describe_durations(days)),
    );
    let _ = write!(
        svg,
        r#"<line x1="{DURATION_LEFT}" y1="{base}" x2="{WIDTH}" y2="{base}" class="chart__axis"/><text x="{}" y="{}" class="chart__label" text-anchor="end">{}</text><text x="{}" y="{base}" class="chart__label" text-anchor="end">0</text>"#,
        DURATION_LEFT - 4.0,
        TOP + 8.0,
        escape(&duration(most)),
        DURATION_LEFT - 4.0,
    );
    for (k, d) in days.iter().enumerate() {
        let (Some(p50), Some(p95)) = (d.p50_ms, d.p95_ms) else {
            continue;
        };
        let x = DURATION_LEFT + k as f64 * slot + slot / 2.0;
        let (y50, y95) = (y_of(p50), y_of(p95));
        let tip = format!(
            "{}: {} runs, half within {}, 95 % within {}",
            d.day,
            d.runs,
            duration(p50),
            duration(p95)
        );
        let _ = write!(
            svg,
            r#"<g><title>{}</title><line x1="{x:.1}" y1="{y95:.1}" x2="{x:.1}" y2="{y50:.1}" class="chart__spread"/><rect x="{:.1}" y="{:.1}" width="6" height="6" class="chart__p95"/><circle cx="{x:.1}" cy="{y50:.1}" r="3" class="chart__p50"/></g>"#,
            escape(&tip),
            x - 3.0,
            y95 - 3.0,
        );
    }
    if let (Some(first), Some(last)) = (days.first(), days.last()) {
        let _ = write!(
            svg,
            r#"<text x="{DURATION_LEFT}" y="{}" class="chart__label">{}</text><text x="{WIDTH}" y="{}" class="chart__label" text-anchor="end">{}</text>"#,
            HEIGHT - 6.0,
            first.day.format("%b %-d"),
            HEIGHT - 6.0,
            last.day.format("%b %-d"),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// How long runs took each day, with its numbers in a table below.
#[component]
pub fn DurationsChart(id: String, title: String, days: Vec<DayDurations>) -> impl IntoView {
    let svg = durations_svg(&id, &title, &days);
    let ms = |v: Option<i64>| v.map_or_else(|| "—".to_owned(), duration);
    view! {
        <figure class="chart-figure">
            <figcaption>{title}</figcaption>
            <div class="chart-wrap" inner_html=svg></div>
            <ul class="chart-legend" aria-hidden="true">
                <li><span class="marker marker--p50"></span>"half finished within (median)"</li>
                <li><span class="marker marker--p95"></span>"95 % finished within"</li>
            </ul>
            <details class="chart-table">
                <summary>"The numbers, day by day"</summary>
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">"Day"</th>
                            <th scope="col" class="num">"Runs"</th>
                            <th scope="col" class="num">"Median"</th>
                            <th scope="col" class="num">"95th percentile"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {days.into_iter().rev().filter(|d| d.runs > 0).map(|d| view! {
                            <tr>
                                <th scope="row">{d.day.to_string()}</th>
                                <td class="num">{d.runs}</td>
                                <td class="num">{ms(d.p50_ms)}</td>
                                <td class="num">{ms(d.p95_ms)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </figure>
    }
}

/// Runs per day by outcome, with its numbers in a table below.
#[component]
pub fn RunsChart(id: String, title: String, days: Vec<DayCounts>) -> impl IntoView {
    let svg = runs_svg(&id, &title, &days);
    view! {
        <figure class="chart-figure">
            <figcaption>{title}</figcaption>
            <div class="chart-wrap" inner_html=svg></div>
            <ul class="chart-legend" aria-hidden="true">
                <li><span class="swatch swatch--ok"></span>"succeeded"</li>
                <li><span class="swatch swatch--failed"></span>"failed"</li>
                <li><span class="swatch swatch--missed"></span>"missed"</li>
            </ul>
            <details class="chart-table">
                <summary>"The numbers, day by day"</summary>
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">"Day"</th>
                            <th scope="col" class="num">"Succeeded"</th>
                            <th scope="col" class="num">"Failed"</th>
                            <th scope="col" class="num">"Missed"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {days.into_iter().rev().filter(|d| d.runs() > 0).map(|d| view! {
                            <tr>
                                <th scope="row">{d.day.to_string()}</th>
                                <td class="num">{d.succeeded}</td>
                                <td class="num">{d.failed}</td>
                                <td class="num">{d.missed}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </figure>
    }
}

/// A small line of the daily success share, titled for screen readers.
#[component]
pub fn Sparkline(title: String, days: Vec<DayCounts>) -> impl IntoView {
    view! { <span class="sparkline-wrap" inner_html=sparkline_svg(&title, &days)></span> }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn day(d: u32, ok: i64, failed: i64, missed: i64) -> DayCounts {
        DayCounts {
            day: NaiveDate::from_ymd_opt(2026, 11, d).unwrap(),
            succeeded: ok,
            failed,
            missed,
            ..DayCounts::default()
        }
    }

    #[test]
    fn a_runs_chart_says_its_numbers_in_words_and_draws_one_bar_per_outcome() {
        let days = [day(1, 5, 0, 0), day(2, 3, 2, 1), day(3, 0, 0, 0)];
        let svg = runs_svg("c1", "Billing & <ops>", &days);
        assert!(
            svg.contains("<title id=\"c1-title\">Billing &amp; &lt;ops&gt;</title>"),
            "{svg}"
        );
        assert!(svg.contains(
            "Over 3 days: 8 succeeded, 2 failed, 1 missed. The worst day, 2026-11-02, had 2 failed and 1 missed."
        ), "{svg}");
        assert_eq!(svg.matches("class=\"chart__ok\"").count(), 2);
        assert_eq!(svg.matches("class=\"chart__failed\"").count(), 1);
        assert_eq!(svg.matches("class=\"chart__missed\"").count(), 1);
        assert!(
            svg.contains("fill=\"url(#c1-hatch)\""),
            "failed is hatched, not only coloured"
        );
        // The busiest day (6 runs) fills the plot's height.
        assert!(svg.contains(">6</text>"));
        assert!(svg.contains("Nov 1") && svg.contains("Nov 3"));
    }

    #[test]
    fn a_durations_chart_marks_the_median_and_the_95th_percentile_by_shape() {
        let on = |d: u32, runs: i64, p50: Option<i64>, p95: Option<i64>| DayDurations {
            day: NaiveDate::from_ymd_opt(2026, 11, d).unwrap(),
            runs,
            p50_ms: p50,
            p95_ms: p95,
        };
        let days = [
            on(1, 4, Some(1_000), Some(2_000)),
            on(2, 0, None, None),
            on(3, 10, Some(30_000), Some(240_000)),
        ];
        let svg = durations_svg("d1", "How long runs took", &days);
        assert_eq!(svg.matches("class=\"chart__p50\"").count(), 2, "{svg}");
        assert_eq!(svg.matches("class=\"chart__p95\"").count(), 2, "{svg}");
        assert!(
            svg.contains("14 finished runs over 3 days. The slowest day, 2026-11-03: 95 % within 4 min 0 s, half within 30.0 s."),
            "{svg}"
        );
        // The axis reads as a duration.
        assert!(svg.contains(">4 min 0 s</text>"), "{svg}");
        assert!(
            svg.contains("<title>2026-11-01: 4 runs, half within 1.0 s, 95 % within 2.0 s</title>")
        );
        let empty = durations_svg("d2", "None", &[on(1, 0, None, None)]);
        assert!(empty.contains("No finished run with a duration in these 1 days."));
        assert!(!empty.contains("<circle"));
    }

    #[test]
    fn the_busiest_day_fits_the_axis_margin_at_any_size() {
        assert_eq!(axis_count(0), "0");
        assert_eq!(axis_count(9_999), "9999");
        assert_eq!(axis_count(10_000), "10k");
        assert_eq!(axis_count(120_456), "120k");
        assert_eq!(axis_count(999_999), "999k");
        assert_eq!(axis_count(1_000_000), "1M");
        assert_eq!(axis_count(1_250_000), "1.2M");
        assert_eq!(axis_count(12_345_678), "12M");
        let svg = runs_svg("c", "Runs", &[day(1, 120_456, 0, 0)]);
        assert!(svg.contains(r#"text-anchor="end">120k</text>"#), "{svg}");
        // The exact figure is still in the words.
        assert!(svg.contains("120456 succeeded"), "{svg}");
    }

    #[test]
    fn an_empty_chart_says_so() {
        let svg = runs_svg("c2", "Nothing", &[day(1, 0, 0, 0)]);
        assert!(svg.contains("No run in these 1 days."));
        assert!(!svg.contains("<rect x="));
    }

    #[test]
    fn a_sparkline_draws_a_bar_a_day_split_by_outcome() {
        let days = [
            day(1, 1, 0, 0),
            day(2, 1, 1, 0),
            day(3, 0, 0, 0),
            day(4, 2, 0, 1),
        ];
        let svg = sparkline_svg("Billing", &days);
        // Three days with runs: three succeeded parts, one failed, one missed;
        // nothing drawn for the empty day.
        assert_eq!(svg.matches("class=\"spark__ok\"").count(), 3, "{svg}");
        assert_eq!(svg.matches("class=\"spark__failed\"").count(), 1, "{svg}");
        assert_eq!(svg.matches("class=\"spark__missed\"").count(), 1, "{svg}");
        assert!(
            !svg.contains("x=\"60.0\""),
            "the third day has no bar: {svg}"
        );
        assert!(svg.contains("<title>Billing: Over 4 days: 4 succeeded, 1 failed, 1 missed."));
        // One run on a quiet day is still a visible bar.
        let one = sparkline_svg("Lone", &[day(1, 1, 0, 0)]);
        assert!(one.contains("class=\"spark__ok\""), "{one}");
    }
}
