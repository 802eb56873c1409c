//! Structure-aware fuzzing of the transaction parsers: basket and FIMI text assembled
//! from item names, ids of every size, separators and stray bytes must parse or fail
//! with a typed error, never panic; what parses is a valid set of transactions.

use ml_assoc::{FpGrowth, MinSupport, Transactions};
use proptest::prelude::*;

fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b",".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\t".to_vec()),
        Just(b",,".to_vec()),
        Just(b"-1".to_vec()),
        Just(b"4294967295".to_vec()),
        Just(b"4294967296".to_vec()),
        Just(b"99999999999999999999".to_vec()),
        Just(vec![0xFF, 0xFE]),
        Just("é".as_bytes().to_vec()),
        any::<u8>().prop_map(|b| vec![b]),
        (0u32..50).prop_map(|v| v.to_string().into_bytes()),
        "[a-z]{1,5}".prop_map(String::into_bytes),
    ]
}

fn document() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(piece(), 0..80).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn parsers_return_typed_errors_or_valid_transactions(bytes in document()) {
        let parsed = [
            Transactions::parse_fimi(&bytes, "fuzz"),
            Transactions::parse_baskets(&String::from_utf8_lossy(&bytes)),
        ];
        for tx in parsed.into_iter().flatten() {
            for t in 0..tx.len() {
                let items = tx.get(t).expect("every index below len is a transaction");
                prop_assert!(items.windows(2).all(|w| w[0] < w[1]));
                prop_assert!(items.iter().all(|&i| (i as usize) < tx.n_items()));
            }
            // Whatever parses can be mined.
            let _ = FpGrowth::new(MinSupport::Fraction(0.2)).fit(&tx);
        }
    }
}
