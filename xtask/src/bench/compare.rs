//! The quality checks that make a fast wrong result impossible to mistake for a win:
//! each figure named in a workload's `compare` must agree between the two sides within
//! its stated tolerance, and each figure named in `expect` must land in its range.

use serde_json::Value;

/// A tolerance from `compare`: `{"rel": r}`, `{"abs": a}`, both (either suffices), or
/// `"exact"`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Tolerance {
    rel: Option<f64>,
    abs: Option<f64>,
}

impl Tolerance {
    /// Reads a tolerance from its JSON form.
    ///
    /// # Errors
    /// Anything else than the forms above.
    pub(crate) fn parse(v: &Value) -> Result<Self, String> {
        if v == "exact" {
            return Ok(Self {
                rel: None,
                abs: Some(0.0),
            });
        }
        let t = Self {
            rel: v["rel"].as_f64(),
            abs: v["abs"].as_f64(),
        };
        if t.rel.is_none() && t.abs.is_none() {
            return Err(format!(
                "bad tolerance {v}: use {{\"rel\": r}}, {{\"abs\": a}} or \"exact\""
            ));
        }
        Ok(t)
    }

    fn accepts(&self, a: f64, b: f64) -> bool {
        if a == b {
            return true;
        }
        if !a.is_finite() || !b.is_finite() {
            return false;
        }
        let d = (a - b).abs();
        self.abs.is_some_and(|t| d <= t) || self.rel.is_some_and(|r| d <= r * a.abs().max(b.abs()))
    }

    /// The tolerance in words.
    pub(crate) fn describe(&self) -> String {
        match (self.rel, self.abs) {
            (None, Some(0.0)) => "exact".into(),
            (Some(r), None) => format!("rel {r:e}"),
            (None, Some(a)) => format!("abs {a:e}"),
            (Some(r), Some(a)) => format!("rel {r:e} or abs {a:e}"),
            (None, None) => "none".into(),
        }
    }
}

/// Whether two figures agree: numbers within `tol`, arrays and maps element by element.
///
/// # Errors
/// A description of the first disagreement.
pub(crate) fn agree(ours: &Value, peer: &Value, tol: &Tolerance) -> Result<(), String> {
    match (ours, peer) {
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (
                a.as_f64().unwrap_or(f64::NAN),
                b.as_f64().unwrap_or(f64::NAN),
            );
            if tol.accepts(a, b) {
                Ok(())
            } else {
                let rel = (a - b).abs() / a.abs().max(b.abs());
                Err(format!(
                    "{a:.12e} vs {b:.12e} (rel diff {rel:.2e}, allowed {})",
                    tol.describe()
                ))
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Err(format!("lengths {} vs {}", a.len(), b.len()));
            }
            a.iter()
                .zip(b)
                .enumerate()
                .try_for_each(|(i, (x, y))| agree(x, y, tol).map_err(|e| format!("[{i}]: {e}")))
        }
        (Value::Object(a), Value::Object(b)) => {
            if a.len() != b.len() || a.keys().any(|k| !b.contains_key(k)) {
                return Err(format!("keys differ: {ours} vs {peer}"));
            }
            a.iter()
                .try_for_each(|(k, x)| agree(x, &b[k], tol).map_err(|e| format!("{k}: {e}")))
        }
        (Value::Null, _) | (_, Value::Null) => Err(format!("missing figure ({ours} vs {peer})")),
        _ if ours == peer => Ok(()),
        _ => Err(format!("{ours} vs {peer}")),
    }
}

/// Whether `value` lies in an `expect` entry: `[lo, hi]` or an exact value.
pub(crate) fn in_range(value: &Value, expect: &Value) -> bool {
    match (value.as_f64(), expect) {
        (Some(v), Value::Array(r)) if r.len() == 2 => {
            matches!((r[0].as_f64(), r[1].as_f64()), (Some(lo), Some(hi)) if lo <= v && v <= hi)
        }
        (Some(v), e) if e.is_number() => e.as_f64() == Some(v),
        _ => value == expect,
    }
}

/// Whether a figure is usable at all: present, and finite wherever numeric.
pub(crate) fn is_finite_figure(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.as_f64().is_some_and(f64::is_finite),
        Value::Array(a) => !a.is_empty() && a.iter().all(is_finite_figure),
        Value::Object(m) => m.values().all(is_finite_figure),
        Value::Null => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn relative_and_exact() {
        let rel = Tolerance::parse(&json!({"rel": 1e-9})).unwrap();
        assert!(agree(&json!(1.0), &json!(1.0 + 1e-10), &rel).is_ok());
        assert!(agree(&json!(1.0), &json!(1.0 + 1e-8), &rel).is_err());
        assert!(agree(&json!([1.0, 2.0]), &json!([1.0, 2.1]), &rel).is_err());
        assert!(agree(&json!([1.0, 2.0]), &json!([1.0]), &rel).is_err());
        let exact = Tolerance::parse(&json!("exact")).unwrap();
        assert!(agree(&json!({"1": 3, "2": 4}), &json!({"1": 3, "2": 4}), &exact).is_ok());
        assert!(agree(&json!({"1": 3}), &json!({"1": 4}), &exact).is_err());
        assert!(agree(&json!(null), &json!(1), &exact).is_err());
        assert!(agree(&json!(f64::NAN), &json!(1.0), &rel).is_err());
        assert!(Tolerance::parse(&json!({"relative": 1})).is_err());
    }

    #[test]
    fn ranges() {
        assert!(in_range(&json!(0.75), &json!([0.72, 0.77])));
        assert!(!in_range(&json!(0.8), &json!([0.72, 0.77])));
        assert!(in_range(&json!(333), &json!(333)));
        assert!(!in_range(&json!(334), &json!(333)));
    }
}
