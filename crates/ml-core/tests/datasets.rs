//! The bundled data sets load with the documented shapes, and the parsers name the
//! file and line of malformed input.
#![cfg(feature = "datasets")]

use std::collections::BTreeSet;

use ml_core::Error;
use ml_core::datasets::{self, Dataset};

fn assert_parse_error<T: std::fmt::Debug>(result: ml_core::Result<T>, file: &str, line: usize) {
    match result {
        Err(Error::Parse {
            file: f,
            line: l,
            message,
        }) => {
            assert_eq!((f.as_str(), l), (file, line), "message: {message}");
            assert!(!message.is_empty());
        }
        other => panic!("expected a parse error at {file}:{line}, got {other:?}"),
    }
}

fn assert_finite(ds: &Dataset) {
    for j in 0..ds.n_features() {
        for i in 0..ds.n_samples() {
            assert!(ds.data[(i, j)].is_finite());
        }
    }
}

#[test]
fn iris() {
    let ds = datasets::load_iris().unwrap();
    assert_eq!((ds.n_samples(), ds.n_features()), (150, 4));
    assert_eq!(ds.target_names, ["setosa", "versicolor", "virginica"]);
    assert_eq!(ds.class_counts(), [50, 50, 50]);
    assert_eq!(ds.feature_names[0], "sepal length (cm)");
    assert_eq!(ds.feature_names[3], "petal width (cm)");
    // First row of Fisher's table: 5.1, 3.5, 1.4, 0.2, setosa.
    assert_eq!(
        [
            ds.data[(0, 0)],
            ds.data[(0, 1)],
            ds.data[(0, 2)],
            ds.data[(0, 3)]
        ],
        [5.1, 3.5, 1.4, 0.2]
    );
    assert_eq!(ds.target[0], 0);
    assert_finite(&ds);
}

#[test]
fn wine() {
    let ds = datasets::load_wine().unwrap();
    assert_eq!((ds.n_samples(), ds.n_features()), (178, 13));
    assert_eq!(ds.class_counts(), [59, 71, 48]);
    assert_eq!(ds.feature_names[12], "proline");
    assert_eq!(ds.data[(0, 12)], 1065.0);
    assert_finite(&ds);
}

#[test]
fn breast_cancer() {
    let ds = datasets::load_breast_cancer().unwrap();
    assert_eq!((ds.n_samples(), ds.n_features()), (569, 30));
    assert_eq!(ds.target_names, ["malignant", "benign"]);
    assert_eq!(ds.class_counts(), [212, 357]);
    assert_eq!(ds.feature_names[0], "mean radius");
    assert_eq!(ds.feature_names[10], "radius error");
    assert_eq!(ds.feature_names[29], "worst fractal dimension");
    assert_eq!(ds.data[(0, 0)], 17.99);
    assert_finite(&ds);
}

#[test]
fn digits() {
    let ds = datasets::load_digits().unwrap();
    assert_eq!((ds.n_samples(), ds.n_features()), (1797, 64));
    assert_eq!(ds.n_classes(), 10);
    assert_eq!(
        ds.class_counts(),
        [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    );
    assert_eq!(ds.feature_names[9], "pixel_1_1");
    for j in 0..64 {
        for i in 0..ds.n_samples() {
            let v = ds.data[(i, j)];
            assert!((0.0..=16.0).contains(&v) && v.fract() == 0.0);
        }
    }
}

#[test]
fn diabetes_raw_and_scaled() {
    let raw = datasets::load_diabetes().unwrap();
    assert_eq!((raw.data.nrows(), raw.data.ncols()), (442, 10));
    assert_eq!(raw.target.len(), 442);
    assert_eq!(
        raw.feature_names,
        [
            "age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"
        ]
    );
    assert_eq!(raw.data[(0, 0)], 59.0);
    assert_eq!(raw.target[0], 151.0);

    let scaled = datasets::load_diabetes_scaled().unwrap();
    assert_eq!(scaled.target, raw.target);
    for j in 0..10 {
        let col: Vec<f64> = (0..442).map(|i| scaled.data[(i, j)]).collect();
        let mean = col.iter().sum::<f64>() / 442.0;
        let ss: f64 = col.iter().map(|v| v * v).sum();
        assert!(mean.abs() < 1e-12, "column {j} mean {mean}");
        assert!((ss - 1.0).abs() < 1e-12, "column {j} sum of squares {ss}");
    }
    // scikit-learn's load_diabetes() first row, to its printed precision.
    let sklearn_row0 = [
        0.038_075_91,
        0.050_680_12,
        0.061_696_21,
        0.021_872_39,
        -0.044_223_5,
        -0.034_820_76,
        -0.043_400_85,
        -0.002_592_26,
        0.019_907_49,
        -0.017_646_13,
    ];
    for (j, want) in sklearn_row0.iter().enumerate() {
        assert!(
            (scaled.data[(0, j)] - want).abs() < 1e-7,
            "column {j}: {} against {want}",
            scaled.data[(0, j)]
        );
    }
}

#[test]
fn sms_spam() {
    let ds = datasets::load_sms_spam().unwrap();
    assert_eq!(ds.texts.len(), 5574);
    assert_eq!(ds.target.len(), 5574);
    assert_eq!(ds.target_names, ["ham", "spam"]);
    assert_eq!(ds.target.iter().filter(|&&t| t == 1).count(), 747);
    assert!(ds.texts[0].starts_with("Go until jurong point"));
}

#[test]
fn groceries() {
    let baskets = datasets::load_groceries().unwrap();
    assert_eq!(baskets.len(), 9835);
    let items: BTreeSet<&str> = baskets.iter().flatten().map(String::as_str).collect();
    assert_eq!(items.len(), 169);
    assert_eq!(
        baskets[0],
        [
            "citrus fruit",
            "semi-finished bread",
            "margarine",
            "ready soups"
        ]
    );
    assert!(items.contains("whole milk"));
}

#[test]
fn airports() {
    let airports = datasets::load_airports().unwrap();
    assert_eq!(airports.len(), 3376);
    assert_eq!(airports[0].iata, "00M");
    assert_eq!(airports[0].city, "Bay Springs");
    assert_eq!(airports[0].latitude, 31.953_764_72);
    let quoted = airports.iter().find(|a| a.iata == "DBN").unwrap();
    assert_eq!(quoted.name, r#"W. H. "Bud" Barron"#);
    let coords = datasets::airport_coordinates(&airports);
    assert_eq!((coords.nrows(), coords.ncols()), (3376, 2));
    assert_eq!(coords[(0, 1)], -89.234_504_72);
}

#[test]
fn china_photo_is_a_jpeg() {
    let jpg = datasets::china_jpg();
    assert_eq!(&jpg[..3], &[0xFF, 0xD8, 0xFF]);
    assert_eq!(jpg.len(), 196_653);
}

#[test]
fn retail_reads_from_the_repo_copy() {
    let path = datasets::default_retail_path();
    assert!(path.ends_with("datasets/retail.dat"));
    let baskets = datasets::load_retail(&path).unwrap();
    assert_eq!(baskets.len(), 88_162);
    assert_eq!(baskets[1], [30, 31, 32]);
    let max = baskets.iter().flatten().max().copied().unwrap();
    let distinct: BTreeSet<u32> = baskets.iter().flatten().copied().collect();
    assert_eq!(distinct.len(), 16_470);
    assert!(max >= 16_469);
}

#[test]
fn missing_fimi_file_is_an_io_error() {
    match datasets::read_fimi("/nonexistent/retail.dat") {
        Err(Error::Io { path, kind, .. }) => {
            assert_eq!(path, "/nonexistent/retail.dat");
            assert_eq!(kind, std::io::ErrorKind::NotFound);
        }
        other => panic!("expected Error::Io, got {other:?}"),
    }
}

#[test]
fn sklearn_csv_malformed_lines() {
    let p = datasets::parse_sklearn_csv;
    assert_parse_error(p("", "t.csv"), "t.csv", 1);
    assert_parse_error(p("x,2,a,b\n", "t.csv"), "t.csv", 1);
    assert_parse_error(p("2,2\n", "t.csv"), "t.csv", 1);
    // Too few fields, too many fields, a word, a NaN, a class out of range.
    assert_parse_error(p("2,2,a,b\n1,2,0\n1,0\n", "t.csv"), "t.csv", 3);
    assert_parse_error(p("2,2,a,b\n1,2,0\n1,2,3,0\n", "t.csv"), "t.csv", 3);
    assert_parse_error(p("2,2,a,b\n1,two,0\n1,2,0\n", "t.csv"), "t.csv", 2);
    assert_parse_error(p("2,2,a,b\n1,2,0\nNaN,2,0\n", "t.csv"), "t.csv", 3);
    assert_parse_error(p("2,2,a,b\n1,2,2\n1,2,0\n", "t.csv"), "t.csv", 2);
    assert_parse_error(p("2,2,a,b\n1,2,-1\n", "t.csv"), "t.csv", 2);
    // Fewer or more rows than the header announces.
    assert_parse_error(p("3,2,a,b\n1,2,0\n1,2,1\n", "t.csv"), "t.csv", 4);
    assert_parse_error(p("1,2,a,b\n1,2,0\n1,2,1\n", "t.csv"), "t.csv", 3);
    let ok = p("2,2,a,b\n1,2,0\n3,4,1\n", "t.csv").unwrap();
    assert_eq!(ok.data[(1, 0)], 3.0);
    assert_eq!(ok.target, [0, 1]);
}

#[test]
fn headerless_csv_malformed_lines() {
    let p = datasets::parse_headerless_csv;
    assert_parse_error(p("", "d.csv", 10), "d.csv", 1);
    assert_parse_error(p("1,2,3\n1,2\n", "d.csv", 10), "d.csv", 2);
    assert_parse_error(p("1,2,3\n1,2,10\n", "d.csv", 10), "d.csv", 2);
    assert_parse_error(p("1,2,3\n1,2,3\n1,x,3\n", "d.csv", 10), "d.csv", 3);
    let ok = p("1,2,3\n4,5,6\n", "d.csv", 10).unwrap();
    assert_eq!((ok.n_samples(), ok.n_features()), (2, 2));
}

#[test]
fn diabetes_malformed_lines() {
    let row = "1 2 3 4 5 6 7 8 9 10\n";
    let data = format!("{row}{row}");
    assert_parse_error(
        datasets::parse_diabetes(&format!("{row}1 2 3\n"), "1\n2\n"),
        "diabetes_data_raw.csv.gz",
        2,
    );
    assert_parse_error(
        datasets::parse_diabetes(&data, "1\n"),
        "diabetes_target.csv.gz",
        2,
    );
    assert_parse_error(
        datasets::parse_diabetes(&data, "1\n2\n3\n"),
        "diabetes_target.csv.gz",
        3,
    );
    assert_parse_error(
        datasets::parse_diabetes(&data, "1\nabc\n"),
        "diabetes_target.csv.gz",
        2,
    );
    assert!(datasets::parse_diabetes(&data, "1\n2\n").is_ok());
}

#[test]
fn sms_malformed_lines() {
    let p = datasets::parse_sms_spam;
    assert_parse_error(p("Label\tSMS\nham\thi\nno tab here\n", "s"), "s", 3);
    assert_parse_error(p("ham\thi\neggs\tspam?\n", "s"), "s", 2);
    let ok = p("Label\tSMS\nham\thi\tthere\nspam\tWIN\n", "s").unwrap();
    assert_eq!(ok.texts, ["hi\tthere", "WIN"]);
    assert_eq!(ok.target, [0, 1]);
}

#[test]
fn baskets_follow_the_transactions_rule() {
    // Item-less lines are not baskets; empty fields are ignored; names are trimmed.
    let p = datasets::parse_baskets;
    let ok = p(",,,\nmilk, bread\n\n  \neggs,\nmilk,,bread\n,\n", "g").unwrap();
    assert_eq!(
        ok,
        [vec!["milk", "bread"], vec!["eggs"], vec!["milk", "bread"]]
    );
}

#[test]
fn fimi_malformed_lines() {
    let p = datasets::parse_fimi;
    assert_eq!(
        p("1 2 3 \n\n  \n4\n", "r").unwrap(),
        [vec![1, 2, 3], vec![4]]
    );
    // Errors name the physical line, blank lines included.
    assert_parse_error(p("1\n\n2 y\n", "r"), "r", 3);
    assert_parse_error(p("1 2\n3 x\n", "r"), "r", 2);
    assert_parse_error(p("1 -2\n", "r"), "r", 1);
    assert_parse_error(p("1\n2\n99999999999\n", "r"), "r", 3);
}

#[test]
fn airports_malformed_lines() {
    let p = datasets::parse_airports;
    let header = "iata,name,city,state,country,latitude,longitude\n";
    assert_parse_error(p("iata,name\n", "a"), "a", 1);
    assert_parse_error(p(&format!("{header}X,N,C,S,US,1,2,3\n"), "a"), "a", 2);
    assert_parse_error(
        p(
            &format!("{header}X,N,C,S,US,1,2\nY,\"open,C,S,US,1,2\n"),
            "a",
        ),
        "a",
        3,
    );
    assert_parse_error(p(&format!("{header}X,N,C,S,US,91,2\n"), "a"), "a", 2);
    assert_parse_error(p(&format!("{header}X,N,C,S,US,1,east\n"), "a"), "a", 2);
    let ok = p(&format!("{header}X,\"N, Jr.\",C,S,US,1.5,-2\n"), "a").unwrap();
    assert_eq!(ok[0].name, "N, Jr.");
    assert_eq!((ok[0].latitude, ok[0].longitude), (1.5, -2.0));
}
