//! Chapter 5: density clustering on a map. The 3376 US airports grouped by DBSCAN
//! with the great-circle distance (airports within 100 km of each other chain into
//! one bubble, isolated ones are noise), then by HDBSCAN, whose outlier scores name
//! the most isolated airports; the bubbles are drawn as an SVG map.

use std::fmt::Write as _;
use std::path::Path;

use ml::cluster::outliers::{score_flags, threshold_for_share};
use ml::cluster::{Dbscan, Hdbscan};
use ml::core::datasets::{self, Airport};
use ml::faer::Mat;
use ml::neighbors::Metric;

use crate::timed;

/// The Earth's mean radius: haversine distances are in radians of arc.
const EARTH_KM: f64 = 6371.0;

pub(crate) fn run() -> Result<(), ml::Error> {
    println!("\n== 5. Density clustering: the airports map ==");
    let airports = datasets::load_airports()?;
    let degrees = datasets::airport_coordinates(&airports);
    let radians = Mat::from_fn(degrees.nrows(), 2, |i, j| degrees[(i, j)].to_radians());

    let (dbscan, secs) = timed(|| {
        Dbscan::new()
            .eps(100.0 / EARTH_KM)
            .min_samples(5)
            .metric(Metric::Haversine)
            .fit(radians.as_ref())
    });
    let dbscan = dbscan?;
    println!(
        "DBSCAN (eps 100 km, min_samples 5, haversine) on {} airports: {} bubbles, {} \
         airports on their own ({:.1} ms)",
        airports.len(),
        dbscan.n_clusters(),
        dbscan.n_noise(),
        secs * 1e3
    );
    let sizes = cluster_sizes(dbscan.labels(), dbscan.n_clusters());
    let mut largest: Vec<usize> = (0..sizes.len()).collect();
    largest.sort_by_key(|&c| std::cmp::Reverse(sizes[c]));
    for &c in largest.iter().take(3) {
        println!(
            "  bubble {c}: {} airports around {}",
            sizes[c],
            centre_city(&airports, dbscan.labels(), c)
        );
    }

    let (hdbscan, secs) = timed(|| {
        Hdbscan::new()
            .min_cluster_size(10)
            .metric(Metric::Haversine)
            .fit(radians.as_ref())
    });
    let hdbscan = hdbscan?;
    println!(
        "HDBSCAN (min_cluster_size 10, haversine): {} clusters of varying density, {} \
         noise ({:.1} ms)",
        hdbscan.n_clusters(),
        hdbscan.n_noise(),
        secs * 1e3
    );
    // The 0.5 % of airports with the highest GLOSH scores: the most isolated.
    let scores = hdbscan.outlier_scores();
    let flags = score_flags(scores, threshold_for_share(scores, 0.005)?)?;
    let mut flagged: Vec<usize> = (0..flags.len()).filter(|&i| flags[i]).collect();
    flagged.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let names: Vec<String> = flagged
        .iter()
        .take(5)
        .map(|&i| {
            let a = &airports[i];
            format!("{} ({}, {}) {:.2}", a.iata, a.city, a.state, scores[i])
        })
        .collect();
    println!(
        "most isolated by GLOSH outlier score ({} flagged): {}",
        flagged.len(),
        names.join("; ")
    );

    let path = std::env::temp_dir().join("airports_dbscan.svg");
    write_map(&path, &degrees, dbscan.labels(), &sizes)?;
    println!("map of the DBSCAN bubbles -> {}", path.display());
    Ok(())
}

fn cluster_sizes(labels: &[Option<usize>], k: usize) -> Vec<usize> {
    let mut sizes = vec![0; k];
    labels.iter().flatten().for_each(|&c| sizes[c] += 1);
    sizes
}

/// The city of the airport nearest the cluster's mean position.
fn centre_city(airports: &[Airport], labels: &[Option<usize>], c: usize) -> String {
    let members: Vec<&Airport> = airports
        .iter()
        .zip(labels)
        .filter(|(_, l)| **l == Some(c))
        .map(|(a, _)| a)
        .collect();
    let m = members.len() as f64;
    let lat = members.iter().map(|a| a.latitude).sum::<f64>() / m;
    let lon = members.iter().map(|a| a.longitude).sum::<f64>() / m;
    members
        .iter()
        .min_by(|a, b| {
            let d = |x: &&&Airport| (x.latitude - lat).powi(2) + (x.longitude - lon).powi(2);
            d(a).total_cmp(&d(b))
        })
        .map_or_else(String::new, |a| format!("{}, {}", a.city, a.state))
}

/// An equirectangular map of the contiguous US: airports as dots coloured by bubble
/// (noise grey), each bubble a translucent circle at its mean position with an area
/// proportional to its number of airports.
fn write_map(
    path: &Path,
    degrees: &Mat<f64>,
    labels: &[Option<usize>],
    sizes: &[usize],
) -> Result<(), ml::Error> {
    const PALETTE: [&str; 8] = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    ];
    let (west, east, south, north) = (-125.0, -66.0, 24.0, 50.0);
    let (width, height) = (1000.0, 1000.0 * (north - south) / (east - west) * 1.25);
    let project = |lat: f64, lon: f64| {
        (
            (lon - west) / (east - west) * width,
            (north - lat) / (north - south) * height,
        )
    };
    let inside =
        |lat: f64, lon: f64| (south..=north).contains(&lat) && (west..=east).contains(&lon);
    let mut svg = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}"><rect width="100%" height="100%" fill="#fbfbf8"/>"##
    );
    let mut sums = vec![(0.0, 0.0); sizes.len()];
    for (i, label) in labels.iter().enumerate() {
        let (lat, lon) = (degrees[(i, 0)], degrees[(i, 1)]);
        if let Some(c) = label {
            sums[*c].0 += lat;
            sums[*c].1 += lon;
        }
        if !inside(lat, lon) {
            continue;
        }
        let (x, y) = project(lat, lon);
        let (fill, r) = match label {
            Some(c) => (PALETTE[c % PALETTE.len()], 1.8),
            None => ("#9a9a9a", 1.2),
        };
        let _ = writeln!(
            svg,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r}" fill="{fill}"/>"#
        );
    }
    for (c, (&size, &(lat, lon))) in sizes.iter().zip(&sums).enumerate() {
        let (lat, lon) = (lat / size as f64, lon / size as f64);
        if !inside(lat, lon) {
            continue;
        }
        let (x, y) = project(lat, lon);
        let r = 2.5 * (size as f64).sqrt();
        let colour = PALETTE[c % PALETTE.len()];
        let _ = writeln!(
            svg,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}" fill="{colour}" fill-opacity="0.18" stroke="{colour}" stroke-width="1"/><text x="{x:.1}" y="{y:.1}" font-size="11" text-anchor="middle" font-family="sans-serif">{size}</text>"#
        );
    }
    svg.push_str("</svg>\n");
    std::fs::write(path, svg).map_err(|e| ml::Error::Io {
        path: path.display().to_string(),
        kind: e.kind(),
        message: e.to_string(),
    })
}
