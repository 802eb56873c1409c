//! Any bytes, through every data-set and transaction parser: a typed error or data.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ml::core::datasets;

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    let _ = datasets::parse_fimi(&text, "fuzz");
    let _ = datasets::parse_baskets(&text, "fuzz");
    let _ = datasets::parse_sms_spam(&text, "fuzz");
    let _ = datasets::parse_sklearn_csv(&text, "fuzz");
    let _ = datasets::parse_headerless_csv(&text, "fuzz", 3);
    let _ = datasets::parse_diabetes(&text, &text);
    let _ = datasets::parse_airports(&text, "fuzz");
    let _ = ml::assoc::Transactions::parse_fimi(bytes, "fuzz");
    let _ = ml::assoc::Transactions::parse_baskets(&text);
});
