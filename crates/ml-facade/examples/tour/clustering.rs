//! Chapter 4: clustering. Colour quantisation of china.jpg: k-means picks 32 colours
//! and every pixel gets the nearest one. Then k-means groups the handwritten digits
//! without looking at their labels; the adjusted Rand index says how well the groups
//! match the digits.

use ml::cluster::{KMeans, KMeansAlgorithm, MiniBatchKMeans, quantize_colors};
use ml::core::datasets;
use ml::core::metrics::adjusted_rand_score;
use ml::faer::Mat;

use crate::timed;

pub(crate) fn run() -> Result<(), ml::Error> {
    println!("\n== 4. Clustering ==");
    quantize_china(&std::env::temp_dir())?;
    let digits = datasets::load_digits()?;
    let x = digits.data.as_ref();
    for (name, algorithm) in [
        ("Lloyd", KMeansAlgorithm::Lloyd),
        ("Elkan", KMeansAlgorithm::Elkan),
    ] {
        let (model, secs) = timed(|| {
            KMeans::new(10)
                .n_init(10)
                .algorithm(algorithm)
                .seed(0)
                .fit(x)
        });
        let model = model?;
        println!(
            "k-means ({name}, best of 10 k-means++ starts) on digits: inertia {:.4e}, \
             {} iterations, ARI against the true digits {:.3} ({:.1} ms)",
            model.inertia(),
            model.n_iter(),
            adjusted_rand_score(&digits.target, model.labels())?,
            secs * 1e3
        );
    }
    let (model, secs) = timed(|| MiniBatchKMeans::new(10).seed(0).fit(x));
    let model = model?;
    println!(
        "mini-batch k-means on digits: inertia {:.4e}, ARI {:.3} ({:.1} ms)",
        model.inertia(),
        adjusted_rand_score(&digits.target, model.labels())?,
        secs * 1e3
    );
    Ok(())
}

/// scikit-learn's colour-quantisation example: china.jpg (427 × 640) to 32 colours,
/// a k-means palette fitted on 1 000 sampled pixels, written as PNG to `out_dir`.
fn quantize_china(out_dir: &std::path::Path) -> Result<(), ml::Error> {
    // The image crate's errors are not ours: report them as I/O errors on the file.
    let io_error = |path: String, kind, e: image::ImageError| ml::Error::Io {
        path,
        kind,
        message: e.to_string(),
    };
    let img = image::load_from_memory(datasets::china_jpg())
        .map_err(|e| io_error("china.jpg".into(), std::io::ErrorKind::InvalidData, e))?
        .to_rgb8();
    let (width, height) = img.dimensions();
    let raw = img.as_raw();
    // One row per pixel, RGB scaled to [0, 1] as in scikit-learn's example.
    let pixels = Mat::from_fn(raw.len() / 3, 3, |i, j| f64::from(raw[3 * i + j]) / 255.0);
    let (q, secs) = timed(|| quantize_colors(pixels.as_ref(), 32, 1000, 0));
    let q = q?;
    let rebuilt = q.rebuild();
    let bytes: Vec<u8> = (0..rebuilt.nrows())
        .flat_map(|i| (0..3).map(move |j| (i, j)))
        .map(|(i, j)| (rebuilt[(i, j)] * 255.0).round().clamp(0.0, 255.0) as u8)
        .collect();
    let n_bytes = bytes.len();
    let quantised =
        image::RgbImage::from_raw(width, height, bytes).ok_or(ml::Error::ShapeMismatch {
            what: "bytes of the quantised image",
            expected: raw.len(),
            got: n_bytes,
        })?;
    let path = out_dir.join("china_32_colours.png");
    quantised
        .save_with_format(&path, image::ImageFormat::Png)
        .map_err(|e| io_error(path.display().to_string(), std::io::ErrorKind::Other, e))?;
    println!(
        "colour quantisation of china.jpg ({width} x {height}) to 32 colours by k-means \
         on 1000 sampled pixels: MSE {:.5} (RGB in [0, 1]), {} colours used ({:.1} ms) -> {}",
        q.mse(pixels.as_ref())?,
        q.n_colors_used(),
        secs * 1e3,
        path.display()
    );
    Ok(())
}
