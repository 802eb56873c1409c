//! `fim_*`: frequent itemsets and association rules on the market-basket files of the
//! repository (`datasets/groceries.csv`, `datasets/retail.dat`), with each of
//! ml-assoc's three miners: [`FpGrowth`], [`Eclat`] and [`Apriori`].
//!
//! The steps are named `<miner>.itemsets` (mining only) and `<miner>.itemsets+rules`
//! (mining, then every rule with confidence ≥ `min_confidence`), the names the peers
//! use for the same algorithm (`scripts/bench/peers.py build_fim`), so the runner pairs
//! our FP-growth with pyfim's and mlxtend's FP-growth, and so on. Reading and parsing
//! the file is not timed, on either side.
//!
//! Quality: the parsed input (`n_transactions`, `n_items`, `n_entries`), the absolute
//! threshold (`min_count`), the itemsets (`n_itemsets`, `itemsets_by_len`,
//! `support_sum`) and the rules (`n_rules`, `n_rules_1`). Before reporting them the case
//! checks that all our miners returned identical itemsets and rules (`==` on the
//! canonical results, counts included), and on the untruncated files also the
//! workload's `expect`, so the smoke mode (`--quick`, no peers, where the runner does
//! not check `expect`) still proves the results right.

use std::path::{Path, PathBuf};

use ml_assoc::{
    Apriori, AssociationRules, Eclat, FpGrowth, FrequentItemsets, MinSupport, Rules, Transactions,
};
use serde_json::{Map, Value, json};

use super::{Case, Quality};
use crate::datasets::Inputs;
use crate::{BoxError, spec};

/// One of our miners.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Miner {
    FpGrowth,
    Eclat,
    Apriori,
}

impl Miner {
    fn parse(name: &str) -> Result<Self, BoxError> {
        match name {
            "fpgrowth" => Ok(Self::FpGrowth),
            "eclat" => Ok(Self::Eclat),
            "apriori" => Ok(Self::Apriori),
            other => Err(format!("unknown miner {other:?} in a timed step name").into()),
        }
    }

    fn mine(self, tx: &Transactions, min_support: f64) -> Result<FrequentItemsets, BoxError> {
        let s = MinSupport::Fraction(min_support);
        Ok(match self {
            Self::FpGrowth => FpGrowth::new(s).fit(tx)?,
            Self::Eclat => Eclat::new(s).fit(tx)?,
            Self::Apriori => Apriori::new(s).fit(tx)?,
        })
    }
}

/// A timed step: which miner, and whether the rules are derived too.
#[derive(Debug, Clone)]
struct Step {
    name: String,
    miner: Miner,
    rules: bool,
}

impl Step {
    fn parse(name: &str) -> Result<Self, BoxError> {
        let (miner, what) = name
            .split_once('.')
            .ok_or_else(|| format!("step {name:?} is not <miner>.itemsets[+rules]"))?;
        let rules = match what {
            "itemsets" => false,
            "itemsets+rules" => true,
            other => return Err(format!("step {name:?}: unknown part {other:?}").into()),
        };
        Ok(Self {
            name: name.to_string(),
            miner: Miner::parse(miner)?,
            rules,
        })
    }
}

struct Fim {
    tx: Transactions,
    min_support: f64,
    min_confidence: f64,
    steps: Vec<Step>,
    /// The latest result of each step. All are kept (they are small next to the
    /// transactions) because the quality check compares the miners with each other.
    out: Vec<Option<(FrequentItemsets, Option<Rules>)>>,
    /// The workload's `expect`, checked by the case itself on untruncated data.
    expect: Option<Map<String, Value>>,
    path: PathBuf,
}

/// The repository root, where `bench/workloads.json` lives (its `root` is relative to it).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        .join(spec::spec()["root"].as_str().unwrap_or("."))
}

/// Reads the transactions of a FIM data set as `peers.py read_transactions` does, keeping
/// the first `max_transactions` of them when the (quick) parameters say so. Returns the
/// path read and whether the data were truncated.
fn read(dataset: &str, quick: bool) -> Result<(Transactions, PathBuf, bool), BoxError> {
    let d = spec::dataset(dataset).ok_or_else(|| format!("unknown data set {dataset}"))?;
    let rel = d["path"]
        .as_str()
        .ok_or_else(|| format!("data set {dataset} has no path"))?;
    let path = repo_root().join(rel);
    let tx = if rel.ends_with(".csv") {
        Transactions::read_baskets(&path)?
    } else {
        Transactions::read_fimi(&path)?
    };
    let limit = spec::dataset_params(dataset, quick)
        .and_then(|p| p["max_transactions"].as_u64())
        .map(|n| n as usize);
    match limit {
        Some(n) if n < tx.len() => {
            // Rebuilt from the parsed baskets in file order, so the prefix is exactly the
            // one the Python side takes (item ids are recoded, which changes no result).
            let cut = Transactions::from_baskets(tx.iter().take(n).map(|t| {
                t.iter()
                    .map(|&id| tx.item_name(id).unwrap_or_default())
                    .collect::<Vec<_>>()
            }))?;
            Ok((cut, path, true))
        }
        _ => Ok((tx, path, false)),
    }
}

fn hp_f64(def: &Value, key: &str) -> Result<f64, BoxError> {
    def["hyperparameters"][key]
        .as_f64()
        .ok_or_else(|| format!("hyper-parameter {key} must be a number").into())
}

pub(super) fn prepare(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let steps = spec::timed_steps(def)
        .iter()
        .map(|s| Step::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    if steps.is_empty() {
        return Err("a fim workload needs timed steps".into());
    }
    let (tx, path, truncated) = read(&inputs.dataset, inputs.quick)?;
    let n = steps.len();
    Ok(Box::new(Fim {
        tx,
        min_support: hp_f64(def, "min_support")?,
        min_confidence: hp_f64(def, "min_confidence")?,
        steps,
        out: vec![None; n],
        expect: if truncated {
            None
        } else {
            def["expect"].as_object().cloned()
        },
        path,
    }))
}

/// Whether `v` satisfies an `expect` entry: an exact number or a `[lo, hi]` range.
fn expected(v: &Value, e: &Value) -> bool {
    match (v.as_f64(), e) {
        (Some(x), Value::Array(r)) if r.len() == 2 => {
            matches!((r[0].as_f64(), r[1].as_f64()), (Some(lo), Some(hi)) if lo <= x && x <= hi)
        }
        (Some(x), e) if e.is_number() => e.as_f64() == Some(x),
        _ => v == e,
    }
}

impl Case for Fim {
    fn run(&mut self, step: usize) -> Result<(), BoxError> {
        // Dropping the previous result first keeps peak memory at one result, as in
        // peers.py.
        self.out[step] = None;
        let s = &self.steps[step];
        let sets = s.miner.mine(&self.tx, self.min_support)?;
        let rules = if s.rules {
            Some(
                AssociationRules::new()
                    .min_confidence(self.min_confidence)
                    .fit(&sets)?,
            )
        } else {
            None
        };
        self.out[step] = Some((sets, rules));
        Ok(())
    }

    fn quality(&self) -> Result<Quality, BoxError> {
        let mut done = self.steps.iter().zip(&self.out).filter_map(|(s, o)| {
            o.as_ref()
                .map(|(sets, rules)| (s.name.as_str(), sets, rules.as_ref()))
        });
        let (first, sets, _) = done.next().ok_or("no step has run")?;
        let mut rules: Option<(&str, &Rules)> = None;
        for (name, other, r) in std::iter::once((first, sets, None)).chain(done) {
            if other != sets {
                return Err(format!(
                    "our miners disagree: {name} found {} itemsets, {first} {}",
                    other.len(),
                    sets.len()
                )
                .into());
            }
            match (r, rules) {
                (Some(r), Some((by, r0))) if r != r0 => {
                    return Err(format!(
                        "our miners disagree: {name} derived {} rules, {by} {}",
                        r.len(),
                        r0.len()
                    )
                    .into());
                }
                (Some(r), None) => rules = Some((name, r)),
                _ => {}
            }
        }
        let mut q = Map::new();
        q.insert("n_transactions".into(), json!(self.tx.len()));
        q.insert("n_items".into(), json!(self.tx.n_items()));
        q.insert("n_entries".into(), json!(self.tx.n_entries()));
        q.insert(
            "min_count".into(),
            json!(MinSupport::Fraction(self.min_support).to_count(self.tx.len())?),
        );
        q.insert("n_itemsets".into(), json!(sets.len()));
        let by_len: Map<String, Value> = sets
            .counts_by_len()
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c > 0)
            .map(|(k, &c)| (k.to_string(), json!(c)))
            .collect();
        q.insert("itemsets_by_len".into(), by_len.into());
        q.insert(
            "support_sum".into(),
            json!(sets.iter().map(|s| s.count).sum::<u64>()),
        );
        if let Some((_, r)) = rules {
            q.insert("n_rules".into(), json!(r.len()));
            q.insert(
                "n_rules_1".into(),
                json!(r.iter().filter(|x| x.consequent.len() == 1).count()),
            );
        }
        for (key, e) in self.expect.iter().flatten() {
            let v = q.get(key).unwrap_or(&Value::Null);
            if !expected(v, e) {
                return Err(format!("{key} = {v}, expected {e}").into());
            }
        }
        Ok(q)
    }

    fn info(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("path".into(), json!(self.path.display().to_string()));
        m.insert("n_transactions".into(), json!(self.tx.len()));
        m.insert("min_support".into(), json!(self.min_support));
        m.insert("min_confidence".into(), json!(self.min_confidence));
        m.insert(
            "miners".into(),
            json!(["ml_assoc::FpGrowth", "ml_assoc::Eclat", "ml_assoc::Apriori"]),
        );
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_names_parse() {
        let s = Step::parse("eclat.itemsets+rules").unwrap();
        assert_eq!((s.miner, s.rules), (Miner::Eclat, true));
        assert!(!Step::parse("apriori.itemsets").unwrap().rules);
        assert!(Step::parse("lcm.itemsets").is_err());
        assert!(Step::parse("fpgrowth").is_err());
    }

    #[test]
    fn expect_entries() {
        assert!(expected(&json!(333), &json!(333)));
        assert!(!expected(&json!(334), &json!(333)));
        assert!(expected(&json!(5), &json!([1, 9])));
    }

    #[test]
    fn quick_retail_is_truncated_and_miners_agree() {
        let def = spec::workload("fim_retail_s0.0005").unwrap();
        let inputs = Inputs::generate("retail", true).unwrap();
        let mut case = prepare(&inputs, def).unwrap();
        for s in 0..spec::timed_steps(def).len() {
            case.run(s).unwrap();
        }
        let q = case.quality().unwrap();
        assert_eq!(q["n_transactions"], 10000);
    }
}
