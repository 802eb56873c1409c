//! The bundled real data sets, embedded in the binary so they load from any directory.
//!
//! The files live in the repository's `datasets/` folder (provenance and licences in its
//! `README.md`). The small ones are compiled in with `include_bytes!`; the large
//! `retail.dat` is read from a path ([`load_retail`], [`default_retail_path`]).
//!
//! Every loader calls a public parser that takes the file's text, so malformed input
//! can be tested without files: a bad line is an [`Error::Parse`] naming the file and
//! the one-based line number.
//!
//! | loader | shape | targets |
//! |---|---|---|
//! | [`load_iris`] | 150 × 4 | 3 classes, 50 each |
//! | [`load_wine`] | 178 × 13 | 3 classes |
//! | [`load_breast_cancer`] | 569 × 30 | malignant (212) / benign (357) |
//! | [`load_digits`] | 1797 × 64 | digits 0–9 |
//! | [`load_diabetes`], [`load_diabetes_scaled`] | 442 × 10 | regression |
//! | [`load_sms_spam`] | 5574 messages | ham (4827) / spam (747) |
//! | [`load_groceries`] | 9835 baskets | 169 distinct items |
//! | [`load_airports`] | 3376 airports | latitude, longitude |
//! | [`load_retail`] | 88162 baskets (from a path) | FIMI item ids |
//! | [`load_arff`] | Weka's classic C4.5 sets (golf, German credit, votes...) | nominal classes |

use std::io::Read;
use std::path::{Path, PathBuf};

mod arff;

pub use arff::{ArffDataset, load_arff, parse_arff, read_arff};

use faer::Mat;

use crate::{Error, Result};

macro_rules! dataset_file {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/", $name))
    };
}

const IRIS: &[u8] = dataset_file!("iris.csv");
const WINE: &[u8] = dataset_file!("wine_data.csv");
const BREAST_CANCER: &[u8] = dataset_file!("breast_cancer.csv");
const DIGITS_GZ: &[u8] = dataset_file!("digits.csv.gz");
const DIABETES_DATA_GZ: &[u8] = dataset_file!("diabetes_data_raw.csv.gz");
const DIABETES_TARGET_GZ: &[u8] = dataset_file!("diabetes_target.csv.gz");
const SMS_SPAM: &[u8] = dataset_file!("SMSSpamCollection");
const GROCERIES: &[u8] = dataset_file!("groceries.csv");
const AIRPORTS: &[u8] = dataset_file!("airports.csv");
const CHINA_JPG: &[u8] = dataset_file!("china.jpg");

/// A classification data set: features, class indices and their names.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// One row per sample, one column per feature.
    pub data: Mat<f64>,
    /// The class index of each sample, an index into `target_names`.
    pub target: Vec<usize>,
    /// One name per column of `data` (scikit-learn's names where it has them).
    pub feature_names: Vec<String>,
    /// The name of each class.
    pub target_names: Vec<String>,
}

impl Dataset {
    /// The number of samples (rows).
    pub fn n_samples(&self) -> usize {
        self.data.nrows()
    }

    /// The number of features (columns).
    pub fn n_features(&self) -> usize {
        self.data.ncols()
    }

    /// The number of classes.
    pub fn n_classes(&self) -> usize {
        self.target_names.len()
    }

    /// The number of samples of each class, indexed like `target_names`.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.n_classes()];
        for &t in &self.target {
            counts[t] += 1;
        }
        counts
    }
}

/// A regression data set: features and a real-valued target.
#[derive(Debug, Clone, PartialEq)]
pub struct RegressionDataset {
    /// One row per sample, one column per feature.
    pub data: Mat<f64>,
    /// The target of each sample.
    pub target: Vec<f64>,
    /// One name per column of `data`.
    pub feature_names: Vec<String>,
}

/// A labelled text collection: documents and their class indices.
#[derive(Debug, Clone, PartialEq)]
pub struct TextDataset {
    /// The documents.
    pub texts: Vec<String>,
    /// The class index of each document, an index into `target_names`.
    pub target: Vec<usize>,
    /// The name of each class.
    pub target_names: Vec<String>,
}

/// One airport of [`load_airports`].
#[derive(Debug, Clone, PartialEq)]
pub struct Airport {
    /// IATA (or FAA) code, e.g. `"00M"`.
    pub iata: String,
    /// Airport name.
    pub name: String,
    /// City.
    pub city: String,
    /// State (two-letter code for the US).
    pub state: String,
    /// Country.
    pub country: String,
    /// Latitude in degrees, in [-90, 90].
    pub latitude: f64,
    /// Longitude in degrees, in [-180, 180].
    pub longitude: f64,
}

/// Fisher's iris: 150 samples, 4 features, 3 classes of 50.
///
/// # Errors
/// Only if the embedded file were malformed ([`Error::Parse`]).
pub fn load_iris() -> Result<Dataset> {
    let mut ds = parse_sklearn_csv(utf8(IRIS, "iris.csv")?, "iris.csv")?;
    set_feature_names(
        &mut ds,
        "iris.csv",
        [
            "sepal length (cm)",
            "sepal width (cm)",
            "petal length (cm)",
            "petal width (cm)",
        ]
        .map(String::from)
        .to_vec(),
    )?;
    Ok(ds)
}

/// The wine recognition data: 178 samples, 13 features, 3 classes.
///
/// # Errors
/// Only if the embedded file were malformed ([`Error::Parse`]).
pub fn load_wine() -> Result<Dataset> {
    let mut ds = parse_sklearn_csv(utf8(WINE, "wine_data.csv")?, "wine_data.csv")?;
    let names = [
        "alcohol",
        "malic_acid",
        "ash",
        "alcalinity_of_ash",
        "magnesium",
        "total_phenols",
        "flavanoids",
        "nonflavanoid_phenols",
        "proanthocyanins",
        "color_intensity",
        "hue",
        "od280/od315_of_diluted_wines",
        "proline",
    ];
    set_feature_names(&mut ds, "wine_data.csv", names.map(String::from).to_vec())?;
    Ok(ds)
}

/// The Wisconsin diagnostic breast cancer data: 569 samples, 30 features, classes
/// `malignant` (212) and `benign` (357).
///
/// # Errors
/// Only if the embedded file were malformed ([`Error::Parse`]).
pub fn load_breast_cancer() -> Result<Dataset> {
    let file = "breast_cancer.csv";
    let mut ds = parse_sklearn_csv(utf8(BREAST_CANCER, file)?, file)?;
    let base = [
        "radius",
        "texture",
        "perimeter",
        "area",
        "smoothness",
        "compactness",
        "concavity",
        "concave points",
        "symmetry",
        "fractal dimension",
    ];
    let names = base
        .iter()
        .map(|b| format!("mean {b}"))
        .chain(base.iter().map(|b| format!("{b} error")))
        .chain(base.iter().map(|b| format!("worst {b}")))
        .collect();
    set_feature_names(&mut ds, file, names)?;
    Ok(ds)
}

/// The 8×8 handwritten digits: 1797 samples, 64 pixel features (0–16), classes 0–9.
///
/// Feature `pixel_{r}_{c}` is the pixel of row `r`, column `c`.
///
/// # Errors
/// Only if the embedded file were malformed ([`Error::Parse`], [`Error::Io`]).
pub fn load_digits() -> Result<Dataset> {
    let file = "digits.csv.gz";
    let text = gunzip(DIGITS_GZ, file)?;
    let mut ds = parse_headerless_csv(&text, file, 10)?;
    let names = (0..8)
        .flat_map(|r| (0..8).map(move |c| format!("pixel_{r}_{c}")))
        .collect();
    set_feature_names(&mut ds, file, names)?;
    Ok(ds)
}

/// The diabetes data (Efron et al. 2004), raw and unscaled as stored: 442 samples,
/// 10 features (`age`, `sex`, `bmi`, `bp`, `s1`…`s6`), a disease progression target.
///
/// This is scikit-learn's `load_diabetes(scaled=False)`; see [`load_diabetes_scaled`]
/// for its default.
///
/// # Errors
/// Only if the embedded files were malformed ([`Error::Parse`], [`Error::Io`]).
pub fn load_diabetes() -> Result<RegressionDataset> {
    let data = gunzip(DIABETES_DATA_GZ, "diabetes_data_raw.csv.gz")?;
    let target = gunzip(DIABETES_TARGET_GZ, "diabetes_target.csv.gz")?;
    parse_diabetes(&data, &target)
}

/// The diabetes data with each feature centred and scaled by its standard deviation
/// times `sqrt(n_samples)`, as scikit-learn's `load_diabetes()` (`scaled=True`): every
/// column then has mean 0 and sum of squares 1. The target is unchanged.
///
/// # Errors
/// As [`load_diabetes`].
pub fn load_diabetes_scaled() -> Result<RegressionDataset> {
    let mut ds = load_diabetes()?;
    scale_like_diabetes(&mut ds.data);
    Ok(ds)
}

/// Centres each column and divides it by its population standard deviation times
/// `sqrt(n)`; constant columns are only centred.
fn scale_like_diabetes(x: &mut Mat<f64>) {
    let n = x.nrows() as f64;
    for j in 0..x.ncols() {
        let mean = (0..x.nrows()).map(|i| x[(i, j)]).sum::<f64>() / n;
        let ss = (0..x.nrows())
            .map(|i| (x[(i, j)] - mean).powi(2))
            .sum::<f64>();
        // std * sqrt(n) = sqrt(ss / n) * sqrt(n) = sqrt(ss)
        let denom = ss.sqrt();
        let denom = if denom > 0.0 { denom } else { 1.0 };
        for i in 0..x.nrows() {
            x[(i, j)] = (x[(i, j)] - mean) / denom;
        }
    }
}

/// The SMS Spam Collection: 5574 messages, classes `ham` (0, 4827) and `spam` (1, 747).
///
/// # Errors
/// Only if the embedded file were malformed ([`Error::Parse`]).
pub fn load_sms_spam() -> Result<TextDataset> {
    let file = "SMSSpamCollection";
    parse_sms_spam(utf8(SMS_SPAM, file)?, file)
}

/// The Groceries baskets (R package arules): 9835 baskets over 169 distinct items.
///
/// # Errors
/// Only if the embedded file were malformed ([`Error::Parse`]).
pub fn load_groceries() -> Result<Vec<Vec<String>>> {
    let file = "groceries.csv";
    parse_baskets(utf8(GROCERIES, file)?, file)
}

/// 3376 US airports with their coordinates (vega-datasets).
///
/// # Errors
/// Only if the embedded file were malformed ([`Error::Parse`]).
pub fn load_airports() -> Result<Vec<Airport>> {
    let file = "airports.csv";
    parse_airports(utf8(AIRPORTS, file)?, file)
}

/// The latitude and longitude (degrees) of `airports`, one row per airport: the input
/// of a haversine DBSCAN.
pub fn airport_coordinates(airports: &[Airport]) -> Mat<f64> {
    Mat::from_fn(airports.len(), 2, |i, j| {
        if j == 0 {
            airports[i].latitude
        } else {
            airports[i].longitude
        }
    })
}

/// The bytes of `china.jpg` (427 × 640 RGB JPEG), the photo of scikit-learn's
/// colour-quantisation example; decoding it is left to an image crate.
pub fn china_jpg() -> &'static [u8] {
    CHINA_JPG
}

/// The repository's `datasets/` folder, as located when this crate was built.
///
/// Valid in a checkout of the repository; a binary moved elsewhere should take paths
/// from its user instead.
pub fn repo_datasets_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets")
}

/// The path of the repository's copy of `retail.dat` (see [`repo_datasets_dir`]).
pub fn default_retail_path() -> PathBuf {
    repo_datasets_dir().join("retail.dat")
}

/// The Belgian retail baskets (Brijs et al., FIMI repository) from `path`: 88162
/// baskets of item ids. Too large to embed; see [`default_retail_path`].
///
/// # Errors
/// [`Error::Io`] naming `path` or [`Error::Parse`] naming the file and line.
pub fn load_retail(path: impl AsRef<Path>) -> Result<Vec<Vec<u32>>> {
    read_fimi(path)
}

/// Reads a FIMI `.dat` file: one transaction per line, item ids as space-separated
/// non-negative integers.
///
/// # Errors
/// [`Error::Io`] naming `path` or [`Error::Parse`] naming the file and line.
pub fn read_fimi(path: impl AsRef<Path>) -> Result<Vec<Vec<u32>>> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, &e))?;
    let file = path.display().to_string();
    parse_fimi(utf8(&bytes, &file)?, &file)
}

/// Parses FIMI text: one transaction per line, item ids as whitespace-separated
/// integers in `0..2^32`. A line with no item is not a transaction (the rule of
/// `ml_assoc::Transactions`, which the fixtures' scripts follow too); errors name the
/// physical line.
///
/// # Errors
/// [`Error::Parse`] on a token that is not such an integer.
// Public for the data-set tests (malformed-file cases), not part of the API.
#[doc(hidden)]
pub fn parse_fimi(text: &str, file: &str) -> Result<Vec<Vec<u32>>> {
    let mut transactions = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let items = line
            .split_ascii_whitespace()
            .map(|tok| {
                tok.parse::<u32>().map_err(|_| {
                    parse_error(
                        file,
                        i + 1,
                        format!("item id {tok:?} is not an integer in 0..2^32"),
                    )
                })
            })
            .collect::<Result<Vec<u32>>>()?;
        if !items.is_empty() {
            transactions.push(items);
        }
    }
    Ok(transactions)
}

/// Parses a comma-separated basket file: one basket of item names per line.
///
/// The rule of `ml_assoc::Transactions`: item names are trimmed, empty fields (`a,,b`, a
/// trailing comma) are ignored, and a line with no item (blank, or only commas such as
/// the header of `groceries.csv`) is not a basket.
///
/// # Errors
/// None today; the `Result` keeps the signature of the other parsers.
// Public for the data-set tests (malformed-file cases), not part of the API.
#[doc(hidden)]
pub fn parse_baskets(text: &str, _file: &str) -> Result<Vec<Vec<String>>> {
    Ok(text
        .lines()
        .map(|line| {
            line.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|basket| !basket.is_empty())
        .collect())
}

/// Parses the SMS Spam Collection format: `label<TAB>text` per line, label `ham` or
/// `spam`; a first line starting with `Label<TAB>` is a header and skipped.
///
/// # Errors
/// [`Error::Parse`] on a line without a tab or with another label.
// Public for the data-set tests (malformed-file cases), not part of the API.
#[doc(hidden)]
pub fn parse_sms_spam(text: &str, file: &str) -> Result<TextDataset> {
    let mut texts = Vec::new();
    let mut target = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 && line.starts_with("Label\t") {
            continue;
        }
        let (label, message) = line
            .split_once('\t')
            .ok_or_else(|| parse_error(file, i + 1, "expected `label<TAB>text`".to_owned()))?;
        let class = match label {
            "ham" => 0,
            "spam" => 1,
            other => {
                return Err(parse_error(
                    file,
                    i + 1,
                    format!("label {other:?} is neither \"ham\" nor \"spam\""),
                ));
            }
        };
        texts.push(message.to_owned());
        target.push(class);
    }
    Ok(TextDataset {
        texts,
        target,
        target_names: vec!["ham".to_owned(), "spam".to_owned()],
    })
}

/// Parses the CSV format of scikit-learn's bundled classification data: a header
/// `n_samples,n_features,class_name_0,class_name_1,...`, then one line per sample of
/// `n_features` numbers and a class index.
///
/// Feature names are `feature_0`, `feature_1`...; the loaders replace them.
///
/// # Errors
/// [`Error::Parse`] on a malformed header, a line with the wrong number of fields, a
/// non-finite or non-numeric value, a class index out of range, or a number of lines
/// other than the header's.
// Public for the data-set tests (malformed-file cases), not part of the API.
#[doc(hidden)]
pub fn parse_sklearn_csv(text: &str, file: &str) -> Result<Dataset> {
    let mut lines = text.lines();
    let header = lines
        .next()
        .ok_or_else(|| parse_error(file, 1, "missing header line".to_owned()))?;
    let fields: Vec<&str> = header.split(',').map(str::trim).collect();
    if fields.len() < 3 {
        return Err(parse_error(
            file,
            1,
            "header must be `n_samples,n_features,class names...`".to_owned(),
        ));
    }
    let n_samples: usize = fields[0].parse().map_err(|_| {
        parse_error(
            file,
            1,
            format!("n_samples {:?} is not an integer", fields[0]),
        )
    })?;
    let n_features: usize = fields[1].parse().map_err(|_| {
        parse_error(
            file,
            1,
            format!("n_features {:?} is not an integer", fields[1]),
        )
    })?;
    let target_names: Vec<String> = fields[2..].iter().map(|s| (*s).to_owned()).collect();
    let mut values = Vec::with_capacity(n_samples.saturating_mul(n_features).min(1 << 24));
    let mut target = Vec::with_capacity(n_samples.min(1 << 20));
    for (k, line) in lines.enumerate() {
        let line_no = k + 2;
        if target.len() == n_samples {
            return Err(parse_error(
                file,
                line_no,
                format!("more than the {n_samples} samples the header announces"),
            ));
        }
        let class = parse_labelled_row(line, file, line_no, n_features, &mut values)?;
        if class >= target_names.len() {
            return Err(parse_error(
                file,
                line_no,
                format!("class index {class} is not below {}", target_names.len()),
            ));
        }
        target.push(class);
    }
    if target.len() != n_samples {
        return Err(parse_error(
            file,
            target.len() + 2,
            format!(
                "the header announces {n_samples} samples, found {}",
                target.len()
            ),
        ));
    }
    Ok(Dataset {
        data: row_major_to_mat(&values, n_samples, n_features),
        target,
        feature_names: generic_names(n_features),
        target_names,
    })
}

/// Parses comma-separated lines of numbers ending in a class index in `0..n_classes`,
/// without a header; the first line fixes the number of fields. Class names are
/// `"0"`, `"1"`...
///
/// # Errors
/// [`Error::Parse`] on an empty text, a line with another number of fields, a
/// non-finite or non-numeric value, or a class index out of range.
// Public for the data-set tests (malformed-file cases), not part of the API.
#[doc(hidden)]
pub fn parse_headerless_csv(text: &str, file: &str, n_classes: usize) -> Result<Dataset> {
    let first = text
        .lines()
        .next()
        .ok_or_else(|| parse_error(file, 1, "no data".to_owned()))?;
    let n_fields = first.split(',').count();
    if n_fields < 2 {
        return Err(parse_error(
            file,
            1,
            "need at least one feature and a class index".to_owned(),
        ));
    }
    let n_features = n_fields - 1;
    let mut values = Vec::new();
    let mut target = Vec::new();
    for (k, line) in text.lines().enumerate() {
        let class = parse_labelled_row(line, file, k + 1, n_features, &mut values)?;
        if class >= n_classes {
            return Err(parse_error(
                file,
                k + 1,
                format!("class index {class} is not below {n_classes}"),
            ));
        }
        target.push(class);
    }
    Ok(Dataset {
        data: row_major_to_mat(&values, target.len(), n_features),
        target,
        feature_names: generic_names(n_features),
        target_names: (0..n_classes).map(|c| c.to_string()).collect(),
    })
}

/// Parses the two diabetes files: the features (10 whitespace-separated numbers per
/// line) and the target (one number per line), which must have the same number of
/// lines.
///
/// # Errors
/// [`Error::Parse`] naming `diabetes_data_raw.csv.gz` or `diabetes_target.csv.gz` and
/// the line.
// Public for the data-set tests (malformed-file cases), not part of the API.
#[doc(hidden)]
pub fn parse_diabetes(data_text: &str, target_text: &str) -> Result<RegressionDataset> {
    const DATA: &str = "diabetes_data_raw.csv.gz";
    const TARGET: &str = "diabetes_target.csv.gz";
    const N_FEATURES: usize = 10;
    let mut values = Vec::new();
    let mut n = 0;
    for (k, line) in data_text.lines().enumerate() {
        let start = values.len();
        for tok in line.split_ascii_whitespace() {
            values.push(parse_number(tok, DATA, k + 1)?);
        }
        if values.len() - start != N_FEATURES {
            return Err(parse_error(
                DATA,
                k + 1,
                format!(
                    "expected {N_FEATURES} values, found {}",
                    values.len() - start
                ),
            ));
        }
        n += 1;
    }
    if n == 0 {
        return Err(parse_error(DATA, 1, "no data".to_owned()));
    }
    let mut target = Vec::with_capacity(n);
    for (k, line) in target_text.lines().enumerate() {
        let mut toks = line.split_ascii_whitespace();
        let (Some(tok), None) = (toks.next(), toks.next()) else {
            return Err(parse_error(TARGET, k + 1, "expected one value".to_owned()));
        };
        if target.len() == n {
            return Err(parse_error(
                TARGET,
                k + 1,
                format!("more targets than the {n} samples"),
            ));
        }
        target.push(parse_number(tok, TARGET, k + 1)?);
    }
    if target.len() != n {
        return Err(parse_error(
            TARGET,
            target.len() + 1,
            format!("{n} samples but {} targets", target.len()),
        ));
    }
    Ok(RegressionDataset {
        data: row_major_to_mat(&values, n, N_FEATURES),
        target,
        feature_names: [
            "age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6",
        ]
        .map(String::from)
        .to_vec(),
    })
}

/// Parses the airports CSV: header `iata,name,city,state,country,latitude,longitude`,
/// then one airport per line; fields may be double-quoted (with `""` for a quote).
///
/// # Errors
/// [`Error::Parse`] on another header, a line with other than 7 fields, an unclosed
/// quote, or a coordinate that is not a number in range.
// Public for the data-set tests (malformed-file cases), not part of the API.
#[doc(hidden)]
pub fn parse_airports(text: &str, file: &str) -> Result<Vec<Airport>> {
    const HEADER: [&str; 7] = [
        "iata",
        "name",
        "city",
        "state",
        "country",
        "latitude",
        "longitude",
    ];
    let mut lines = text.lines();
    let header = lines
        .next()
        .ok_or_else(|| parse_error(file, 1, "missing header line".to_owned()))?;
    let header_fields = split_csv_line(header).map_err(|message| parse_error(file, 1, message))?;
    if header_fields != HEADER {
        return Err(parse_error(
            file,
            1,
            format!("expected header `{}`", HEADER.join(",")),
        ));
    }
    let mut airports = Vec::new();
    for (k, line) in lines.enumerate() {
        let line_no = k + 2;
        let fields = split_csv_line(line).map_err(|message| parse_error(file, line_no, message))?;
        let Ok::<[String; 7], _>([iata, name, city, state, country, lat, lon]) = fields.try_into()
        else {
            return Err(parse_error(file, line_no, "expected 7 fields".to_owned()));
        };
        let latitude = parse_number(&lat, file, line_no)?;
        let longitude = parse_number(&lon, file, line_no)?;
        if !(-90.0..=90.0).contains(&latitude) {
            return Err(parse_error(
                file,
                line_no,
                format!("latitude {latitude} is outside [-90, 90]"),
            ));
        }
        if !(-180.0..=180.0).contains(&longitude) {
            return Err(parse_error(
                file,
                line_no,
                format!("longitude {longitude} is outside [-180, 180]"),
            ));
        }
        airports.push(Airport {
            iata,
            name,
            city,
            state,
            country,
            latitude,
            longitude,
        });
    }
    Ok(airports)
}

/// Splits one CSV line into fields, honouring double quotes (RFC 4180, one line).
fn split_csv_line(line: &str) -> std::result::Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut at_field_start = true;
    let mut in_quotes = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    in_quotes = false;
                    if chars.peek().is_some_and(|&n| n != ',') {
                        return Err("text after a closing quote".to_owned());
                    }
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                in_quotes = true;
                at_field_start = false;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            _ => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if in_quotes {
        return Err("unclosed quote".to_owned());
    }
    fields.push(field);
    Ok(fields)
}

/// Parses `n_features` comma-separated numbers and a trailing class index from `line`,
/// appending the numbers to `values`.
fn parse_labelled_row(
    line: &str,
    file: &str,
    line_no: usize,
    n_features: usize,
    values: &mut Vec<f64>,
) -> Result<usize> {
    let start = values.len();
    let mut fields = line.split(',');
    for _ in 0..n_features {
        let Some(tok) = fields.next() else {
            values.truncate(start);
            return Err(parse_error(
                file,
                line_no,
                format!(
                    "expected {} fields, found {}",
                    n_features + 1,
                    line.split(',').count()
                ),
            ));
        };
        values.push(parse_number(tok.trim(), file, line_no)?);
    }
    let (Some(label), None) = (fields.next(), fields.next()) else {
        return Err(parse_error(
            file,
            line_no,
            format!(
                "expected {} fields, found {}",
                n_features + 1,
                line.split(',').count()
            ),
        ));
    };
    let label = label.trim();
    // Class indices are integers, possibly written as floats ("1.0").
    let class = label
        .parse::<usize>()
        .ok()
        .or_else(|| {
            label
                .parse::<f64>()
                .ok()
                .filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v < 1e15)
                .map(|v| v as usize)
        })
        .ok_or_else(|| {
            parse_error(
                file,
                line_no,
                format!("class index {label:?} is not a non-negative integer"),
            )
        })?;
    Ok(class)
}

fn parse_number(tok: &str, file: &str, line_no: usize) -> Result<f64> {
    match tok.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(parse_error(
            file,
            line_no,
            format!("value {tok:?} is not finite"),
        )),
        Err(_) => Err(parse_error(
            file,
            line_no,
            format!("value {tok:?} is not a number"),
        )),
    }
}

fn parse_error(file: &str, line: usize, message: String) -> Error {
    Error::Parse {
        file: file.to_owned(),
        line,
        message,
    }
}

fn utf8<'a>(bytes: &'a [u8], file: &str) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        parse_error(file, line, "invalid UTF-8".to_owned())
    })
}

fn gunzip(bytes: &[u8], file: &str) -> Result<String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .map_err(|e| Error::io(file, &e))?;
    Ok(text)
}

fn row_major_to_mat(values: &[f64], nrows: usize, ncols: usize) -> Mat<f64> {
    Mat::from_fn(nrows, ncols, |i, j| values[i * ncols + j])
}

fn generic_names(n: usize) -> Vec<String> {
    (0..n).map(|j| format!("feature_{j}")).collect()
}

fn set_feature_names(ds: &mut Dataset, file: &str, names: Vec<String>) -> Result<()> {
    if names.len() != ds.n_features() {
        return Err(parse_error(
            file,
            1,
            format!(
                "expected {} features, the file has {}",
                names.len(),
                ds.n_features()
            ),
        ));
    }
    ds.feature_names = names;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_line_splitting_honours_quotes() {
        assert_eq!(
            split_csv_line(r#"DBN,"W. H. ""Bud"" Barron",Dublin"#).unwrap(),
            ["DBN", r#"W. H. "Bud" Barron"#, "Dublin"]
        );
        assert_eq!(split_csv_line("a,,b").unwrap(), ["a", "", "b"]);
        assert_eq!(split_csv_line(r#""a,b",c"#).unwrap(), ["a,b", "c"]);
        assert!(split_csv_line(r#""open,b"#).is_err());
        assert!(split_csv_line(r#""a"x,b"#).is_err());
    }

    #[test]
    fn diabetes_scaling_gives_unit_sum_of_squares() {
        let mut x = Mat::from_fn(5, 2, |i, j| (i * (j + 1)) as f64);
        x[(0, 1)] = 7.0;
        scale_like_diabetes(&mut x);
        for j in 0..2 {
            let mean: f64 = (0..5).map(|i| x[(i, j)]).sum::<f64>() / 5.0;
            let ss: f64 = (0..5).map(|i| x[(i, j)].powi(2)).sum();
            assert!(mean.abs() < 1e-12);
            assert!((ss - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn class_index_may_be_written_as_float() {
        let ds = parse_sklearn_csv("2,1,a,b\n0.5,1.0\n1.5,0\n", "t").unwrap();
        assert_eq!(ds.target, [1, 0]);
        assert!(parse_sklearn_csv("1,1,a,b\n0.5,1.5\n", "t").is_err());
    }
}
