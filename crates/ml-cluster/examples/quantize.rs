//! Colour quantisation of `china.jpg` (427 × 640 RGB), as scikit-learn's example:
//! pixels scaled to `[0, 1]`, a k-means palette of 32 and of 64 colours fitted on a
//! seeded sample of 1 000 pixels, every pixel given its nearest palette colour, and
//! the quantised images written as PNG. Prints, for each palette size, the fit and
//! predict times, the mean squared error against the original (in `[0, 1]` units)
//! and the number of colours used.
//!
//! ```text
//! cargo run --release -p ml-cluster --example quantize -- [OUTPUT_DIR] [REPEATS]
//! ```
//!
//! The output directory defaults to the system's temporary directory. With
//! `REPEATS` > 1 the times are the median of that many fits and predictions.

use std::path::PathBuf;
use std::time::Instant;

use faer::Mat;
use image::{ImageFormat, RgbImage};
use ml_cluster::{Quantized, fit_palette};

/// scikit-learn's example fits on 1 000 pixels.
const SAMPLE_SIZE: usize = 1000;

/// The median of `times`, which is not empty.
fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out_dir = args.next().map_or_else(std::env::temp_dir, PathBuf::from);
    let repeats: usize = args.next().map_or(Ok(1), |r| r.parse())?.max(1);

    let img = image::load_from_memory(ml_core::datasets::china_jpg())?.to_rgb8();
    let (width, height) = img.dimensions();
    let raw = img.as_raw();
    let pixels = Mat::from_fn(raw.len() / 3, 3, |i, j| f64::from(raw[3 * i + j]) / 255.0);
    println!(
        "china.jpg: {width} × {height} = {} pixels, fit on {SAMPLE_SIZE} of them",
        pixels.nrows()
    );

    for n_colors in [32, 64] {
        let (mut fit_times, mut predict_times) = (Vec::new(), Vec::new());
        let mut result = None;
        for _ in 0..repeats {
            let t = Instant::now();
            let model = fit_palette(pixels.as_ref(), n_colors, SAMPLE_SIZE, 0)?;
            fit_times.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let labels = model.predict(pixels.as_ref())?;
            predict_times.push(t.elapsed().as_secs_f64());
            result = Some(Quantized {
                palette: model.cluster_centers().to_owned(),
                labels,
            });
        }
        let q = result.ok_or("no repeat ran")?;
        let rebuilt = q.rebuild();
        // Back to 8 bits per channel, rounding to the nearest level.
        let bytes: Vec<u8> = (0..rebuilt.nrows())
            .flat_map(|i| (0..3).map(move |j| (i, j)))
            .map(|(i, j)| (rebuilt[(i, j)] * 255.0).round().clamp(0.0, 255.0) as u8)
            .collect();
        let path = out_dir.join(format!("china_{n_colors}_colours.png"));
        RgbImage::from_raw(width, height, bytes)
            .ok_or("the quantised image has the wrong size")?
            .save_with_format(&path, ImageFormat::Png)?;
        println!(
            "{n_colors} colours: fit {:.2} ms, predict {:.2} ms, MSE {:.6}, {} colours used -> {}",
            median(fit_times) * 1e3,
            median(predict_times) * 1e3,
            q.mse(pixels.as_ref())?,
            q.n_colors_used(),
            path.display()
        );
    }
    Ok(())
}
