//! Colour quantisation: an image with exactly as many colours as the palette is
//! reproduced exactly, sampling is seeded, bad arguments are typed errors, and
//! china.jpg quantised to 32 colours stays close to the original.

use faer::Mat;
use ml_cluster::{fit_palette, quantize_colors};
use ml_core::Error;

/// An 8 × 8 RGB image (64 rows) of four colours, 16 pixels each, interleaved. The
/// values are dyadic, so every mean k-means takes of them is exact.
fn four_colours() -> (Mat<f64>, Vec<usize>) {
    let colours = [
        [0.0, 0.0, 0.0],
        [1.0, 0.5, 0.25],
        [0.25, 0.75, 1.0],
        [0.5, 0.5, 0.5],
    ];
    let truth: Vec<usize> = (0..64).map(|i| (i * 5 + i / 8) % 4).collect();
    let x = Mat::from_fn(64, 3, |i, j| colours[truth[i]][j]);
    (x, truth)
}

#[test]
fn four_colours_quantised_to_four_are_reproduced_exactly() {
    let (x, truth) = four_colours();
    let q = quantize_colors(x.as_ref(), 4, 1000, 0).unwrap();
    assert_eq!(q.n_colors_used(), 4);
    assert_eq!(q.rebuild(), x);
    assert_eq!(q.mse(x.as_ref()).unwrap(), 0.0);
    // Same partition as the truth, up to renaming.
    for i in 0..64 {
        for j in 0..64 {
            assert_eq!(truth[i] == truth[j], q.labels[i] == q.labels[j]);
        }
    }
}

#[test]
fn a_seeded_sample_finds_the_same_palette_every_time() {
    let (x, _) = four_colours();
    let a = quantize_colors(x.as_ref(), 4, 32, 3).unwrap();
    let b = quantize_colors(x.as_ref(), 4, 32, 3).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.mse(x.as_ref()).unwrap(), 0.0);
    assert_eq!(
        fit_palette(x.as_ref(), 4, 32, 3).unwrap().cluster_centers(),
        a.palette
    );
}

#[test]
fn bad_arguments_are_typed_errors() {
    let (x, _) = four_colours();
    assert!(matches!(
        quantize_colors(x.as_ref(), 0, 10, 0),
        Err(Error::InvalidParameter {
            name: "n_colors",
            ..
        })
    ));
    assert!(matches!(
        quantize_colors(x.as_ref(), 4, 0, 0),
        Err(Error::InvalidParameter {
            name: "sample_size",
            ..
        })
    ));
    assert!(matches!(
        quantize_colors(x.as_ref(), 8, 5, 0),
        Err(Error::TooFewSamples { needed: 8, got: 5 })
    ));
    let mut bad = x.clone();
    bad[(3, 1)] = f64::NAN;
    assert!(matches!(
        quantize_colors(bad.as_ref(), 4, 10, 0),
        Err(Error::NonFinite { .. })
    ));
    let q = quantize_colors(x.as_ref(), 4, 64, 0).unwrap();
    assert!(matches!(
        q.mse(x.subrows(0, 10)),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn china_quantised_to_32_colours_stays_close() {
    let img = image::load_from_memory(ml_core::datasets::china_jpg())
        .unwrap()
        .to_rgb8();
    assert_eq!(img.dimensions(), (640, 427));
    let raw = img.as_raw();
    let x = Mat::from_fn(raw.len() / 3, 3, |i, j| f64::from(raw[3 * i + j]) / 255.0);
    let q = quantize_colors(x.as_ref(), 32, 1000, 0).unwrap();
    assert_eq!(q.labels.len(), 427 * 640);
    let mse = q.mse(x.as_ref()).unwrap();
    assert!(mse > 0.0 && mse < 0.002, "{mse}");
    assert!(q.n_colors_used() > 28, "{}", q.n_colors_used());
}
