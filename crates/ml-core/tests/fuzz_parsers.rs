//! Structure-aware fuzzing of the data-set parsers: text assembled from the pieces the
//! formats are made of (numbers of every size, separators, quotes, blank lines, stray
//! bytes) must parse or fail with a typed error, never panic. Seeded and bounded, so
//! it runs in CI in a second; `cargo xtask proptest --cases N` runs it longer.

use ml_core::datasets;
use proptest::prelude::*;

/// One piece of a data file.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(",".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just(" ".to_owned()),
        Just("\t".to_owned()),
        Just("\"".to_owned()),
        Just("\"\"".to_owned()),
        Just("".to_owned()),
        Just("ham\t".to_owned()),
        Just("spam\t".to_owned()),
        Just("-".to_owned()),
        Just("NaN".to_owned()),
        Just("inf".to_owned()),
        Just("1e309".to_owned()),
        Just("-1e-400".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("4294967296".to_owned()),
        Just("é".to_owned()),
        any::<u32>().prop_map(|v| v.to_string()),
        any::<i64>().prop_map(|v| v.to_string()),
        any::<f64>().prop_map(|v| v.to_string()),
        "[a-z]{1,6}",
        "\\PC{1,3}",
    ]
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..60).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn parsers_return_typed_errors_on_any_text(text in document(), n_classes in 0usize..5) {
        let _ = datasets::parse_fimi(&text, "fuzz");
        let _ = datasets::parse_baskets(&text, "fuzz");
        let _ = datasets::parse_sms_spam(&text, "fuzz");
        let _ = datasets::parse_sklearn_csv(&text, "fuzz");
        let _ = datasets::parse_headerless_csv(&text, "fuzz", n_classes);
        let _ = datasets::parse_diabetes(&text, &text);
        let _ = datasets::parse_airports(&text, "fuzz");
    }

    #[test]
    fn a_valid_csv_with_one_damaged_cell_is_an_error_or_data(
        cell in piece(),
        row in 0usize..3,
        col in 0usize..3,
    ) {
        // scikit-learn's CSV layout: a header with the sizes, then rows of features
        // and a target.
        let mut rows: Vec<Vec<String>> = vec![
            vec!["3".into(), "2".into(), "a".into(), "b".into()],
            vec!["1.0".into(), "2.0".into(), "0".into()],
            vec!["3.0".into(), "4.0".into(), "1".into()],
            vec!["5.0".into(), "6.0".into(), "0".into()],
        ];
        rows[row + 1][col] = cell;
        let text: String = rows.iter().map(|r| r.join(",") + "\n").collect();
        if let Ok(d) = datasets::parse_sklearn_csv(&text, "fuzz") {
            prop_assert!(d.data.nrows() == d.target.len());
            prop_assert!((0..d.data.nrows()).all(|i| (0..d.data.ncols()).all(|j| d.data[(i, j)].is_finite())));
        }
    }
}
