//! The registry of workloads this library implements: one entry per workload id of
//! `bench/workloads.json`, each preparing its inputs (untimed), running its timed steps
//! and computing its quality figures.
//!
//! Adding a workload when an algorithm lands: write a [`Case`] in a module of this
//! directory (or reuse one), add one [`Workload`] line to [`registry`], and the matching
//! entry to `scripts/bench/peers.py`. Workloads in the JSON without an entry here are
//! listed as "not yet implemented" by `cargo xtask bench`.

mod density;
mod distances;
mod fim;
mod forest;
mod hgb;
mod kmeans;
mod knn;
mod linear;
mod naive_bayes;
mod pca;
mod rsvd;
mod text;
mod topics;
mod tree;

use ml_core::faer::{Mat, MatRef};
use ml_core::{Fit, Predict};
use serde_json::{Map, Value, json};

use crate::BoxError;
use crate::datasets::Inputs;

/// Quality figures by name: numbers, integers or arrays of numbers.
pub type Quality = Map<String, Value>;

/// One prepared run of a workload.
pub trait Case {
    /// Runs timed step `step` (an index into the workload's `timed` keys). Each call of
    /// a fitting step starts from scratch; later steps use the latest result.
    ///
    /// # Errors
    /// Whatever the library returns.
    fn run(&mut self, step: usize) -> Result<(), BoxError>;

    /// The quality figures of the latest results (untimed).
    ///
    /// # Errors
    /// No step has run yet, or the figures cannot be computed.
    fn quality(&self) -> Result<Quality, BoxError>;

    /// Extra facts for the record (sizes, iteration counts...).
    fn info(&self) -> Map<String, Value> {
        Map::new()
    }
}

/// Builds a case from the inputs and the workload's definition (untimed).
pub type Prepare = fn(&Inputs, &Value) -> Result<Box<dyn Case>, BoxError>;

/// A registry entry.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// The id in `bench/workloads.json`.
    pub id: &'static str,
    /// Builds the case from the inputs and the workload's definition (untimed).
    pub prepare: Prepare,
}

/// Every workload this library implements.
pub fn registry() -> Vec<Workload> {
    let mut v = vec![
        Workload {
            id: "distances_20k_1k_32",
            prepare: distances::prepare,
        },
        Workload {
            id: "rsvd_dense_100k_100_k10",
            prepare: rsvd::prepare,
        },
        Workload {
            id: "tfidf_sms",
            prepare: text::prepare,
        },
    ];
    for id in [
        "linreg_reg40",
        "ridge_reg40",
        "ridge_diabetes",
        "linreg_1m_20",
        "ridge_wide_10k_1k",
        "lasso_wide_10k_1k",
        "polyreg3_friedman8",
    ] {
        v.push(Workload {
            id,
            prepare: linear::prepare_regression,
        });
    }
    for id in [
        "logreg_clf20",
        "logreg_clf50_2",
        "logreg_clf50_5",
        "logreg_breast_cancer",
    ] {
        v.push(Workload {
            id,
            prepare: linear::prepare_logistic,
        });
    }
    for (id, prepare) in [
        ("gnb_clf20", naive_bayes::prepare_gaussian as Prepare),
        ("gnb_wine", naive_bayes::prepare_gaussian),
        ("mnb_sms", naive_bayes::prepare_sms_counts),
        ("mnb_sms100k", naive_bayes::prepare_corpus),
        ("dtree_clf20", tree::prepare_classifier),
        ("tree_clf_100k_20", tree::prepare_classifier),
        ("tree_reg_100k_20", tree::prepare_regressor),
        ("c45_breast_cancer", tree::prepare_c45),
        ("c45_clf_100k_20", tree::prepare_c45),
        ("rf_clf20s", forest::prepare_random_forest),
        ("rf_clf_100k_20", forest::prepare_random_forest),
        ("et_clf_100k_20", forest::prepare_extra_trees),
        ("rf_reg_100k_20", forest::prepare_regressor),
        ("hgb_clf20s", hgb::prepare_classifier),
        ("hgb_clf_100k_20", hgb::prepare_classifier),
        ("hgb_clf5_100k_20", hgb::prepare_classifier),
        ("hgb_reg_100k_20", hgb::prepare_regressor),
        ("hgb_clf_1m_50", hgb::prepare_classifier),
        ("knn_kdtree_clf8", knn::prepare_classifier),
        ("knn_brute_clf64", knn::prepare_classifier),
        ("knn_digits", knn::prepare_classifier),
        ("radius_kdtree_1m_3", knn::prepare_radius),
        ("dbscan_blobs2d", density::prepare),
        ("dbscan_blobs2d_200k", density::prepare),
        ("dbscan_blobs2d_1m", density::prepare),
        ("hdbscan_blobs2d_50k", density::prepare),
        ("meanshift_blobs2d", density::prepare),
        ("meanshift_blobs2d_seeds", density::prepare),
    ] {
        v.push(Workload { id, prepare });
    }
    for id in [
        "kmeans_blobs16",
        "kmeans_iris",
        "minibatch_kmeans_blobs16",
        "kmeans_blobs20_200k",
        "minibatch_kmeans_blobs20_1m",
    ] {
        v.push(Workload {
            id,
            prepare: kmeans::prepare,
        });
    }
    for id in ["kmeans_china64", "kmeans_china64_full"] {
        v.push(Workload {
            id,
            prepare: kmeans::prepare_quantize,
        });
    }
    for id in [
        "pca_full_lowrank300",
        "pca_randomized_lowrank300",
        "pca_digits",
        "pca_full_100k_100_k10",
        "pca_covariance_eigh_100k_100_k10",
        "pca_randomized_100k_100_k10",
    ] {
        v.push(Workload {
            id,
            prepare: pca::prepare_pca,
        });
    }
    for id in ["tsvd_sparse_100k_50k_k100", "tsvd_sms_tfidf"] {
        v.push(Workload {
            id,
            prepare: pca::prepare_tsvd,
        });
    }
    for (id, prepare) in [
        ("lda_sms", topics::prepare_lda as Prepare),
        ("lda_sms20k", topics::prepare_lda),
        ("nmf_sms_tfidf", topics::prepare_nmf),
    ] {
        v.push(Workload { id, prepare });
    }
    // One case serves every support threshold: the workload's definition carries it.
    for id in [
        "fim_groceries_s0.01",
        "fim_groceries_s0.002",
        "fim_groceries_s0.001",
        "fim_retail_s0.005",
        "fim_retail_s0.002",
        "fim_retail_s0.001",
        "fim_retail_s0.0005",
    ] {
        v.push(Workload {
            id,
            prepare: fim::prepare,
        });
    }
    v
}

/// The registry entry of `id`.
pub fn find(id: &str) -> Option<Workload> {
    registry().into_iter().find(|w| w.id == id)
}

/// The rows `idx` of `x`.
fn rows(x: MatRef<'_, f64>, idx: &[usize]) -> Mat<f64> {
    Mat::from_fn(idx.len(), x.ncols(), |i, j| x[(idx[i], j)])
}

/// The fixed split's indices `name` (`train_idx`, `test_idx`) as `usize`.
fn indices(inputs: &Inputs, name: &str) -> Result<Vec<usize>, BoxError> {
    inputs
        .ints(name)?
        .iter()
        .map(|&i| usize::try_from(i).map_err(|_| format!("{name}: negative index").into()))
        .collect()
}

/// The class labels `y` as `usize`.
fn labels(inputs: &Inputs) -> Result<Vec<usize>, BoxError> {
    inputs
        .ints("y")?
        .iter()
        .map(|&v| usize::try_from(v).map_err(|_| "negative class label".into()))
        .collect()
}

/// The train and test rows of a data set's fixed split.
struct Split<Y> {
    x_train: Mat<f64>,
    y_train: Vec<Y>,
    x_test: Mat<f64>,
    y_test: Vec<Y>,
}

impl<Y> Split<Y> {
    /// The rows of `x` and the targets `y(i)` at the split's `train_idx` and `test_idx`.
    fn new(inputs: &Inputs, x: MatRef<'_, f64>, y: impl Fn(usize) -> Y) -> Result<Self, BoxError> {
        let (tr, te) = (indices(inputs, "train_idx")?, indices(inputs, "test_idx")?);
        let pick = |idx: &[usize]| idx.iter().map(|&i| y(i)).collect();
        Ok(Self {
            x_train: rows(x, &tr),
            y_train: pick(&tr),
            x_test: rows(x, &te),
            y_test: pick(&te),
        })
    }

    fn info(&self) -> Map<String, Value> {
        split_info(
            [self.x_train.nrows(), self.x_train.ncols()],
            self.x_test.nrows(),
        )
    }
}

/// The facts every train/test case records.
fn split_info(train_shape: [usize; 2], n_test: usize) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("train_shape".into(), json!(train_shape));
    m.insert("n_test".into(), json!(n_test));
    m
}

impl Split<usize> {
    /// `X` and the class labels `y` of `inputs`, split.
    fn classes(inputs: &Inputs) -> Result<Self, BoxError> {
        let x = inputs.matrix("X")?;
        let y = labels(inputs)?;
        Self::new(inputs, x.as_ref(), |i| y[i])
    }

    /// `X` and the class labels of `inputs`, every row both trained and tested on (a
    /// workload whose `split_used` is false).
    fn whole(inputs: &Inputs) -> Result<Self, BoxError> {
        let x = inputs.matrix("X")?;
        let y = labels(inputs)?;
        Ok(Self {
            x_test: x.clone(),
            y_test: y.clone(),
            x_train: x,
            y_train: y,
        })
    }
}

/// The quality figures of a [`Supervised`] case from its fitted model, its split and
/// the test predictions.
type SupervisedQuality<M, Y> = fn(&M, &Split<Y>, &[Y]) -> Result<Quality, BoxError>;

/// A classifier or regressor on a dense split (targets `Y`): step 0 fits a fresh model
/// on the train rows, step 1 predicts the test rows with the latest model.
struct Supervised<E: Fit<[Y]>, Y> {
    params: E,
    data: Split<Y>,
    quality: SupervisedQuality<E::Model, Y>,
    fitted: Option<E::Model>,
    pred: Option<Vec<Y>>,
}

/// A [`Supervised`] case with class labels.
type Classifier<E> = Supervised<E, usize>;

impl<E: Fit<[Y]>, Y> Supervised<E, Y> {
    fn new(params: E, data: Split<Y>, quality: SupervisedQuality<E::Model, Y>) -> Self {
        Self {
            params,
            data,
            quality,
            fitted: None,
            pred: None,
        }
    }
}

impl<E, Y> Case for Supervised<E, Y>
where
    E: Fit<[Y]>,
    E::Model: Predict<Output = Vec<Y>>,
{
    fn run(&mut self, step: usize) -> Result<(), BoxError> {
        if step == 0 {
            self.fitted = None;
            self.fitted = Some(
                self.params
                    .fit(self.data.x_train.as_ref().into(), &self.data.y_train)?,
            );
        } else {
            let m = self.fitted.as_ref().ok_or("predict before fit")?;
            self.pred = Some(m.predict(self.data.x_test.as_ref().into())?);
        }
        Ok(())
    }

    fn quality(&self) -> Result<Quality, BoxError> {
        let pred = self.pred.as_ref().ok_or("no predictions")?;
        let m = self.fitted.as_ref().ok_or("no model")?;
        (self.quality)(m, &self.data, pred)
    }

    fn info(&self) -> Map<String, Value> {
        self.data.info()
    }
}

/// A sum that stays accurate over millions of terms (Neumaier's compensated
/// summation), so a checksum does not depend on the order of additions.
pub fn accurate_sum(values: impl IntoIterator<Item = f64>) -> f64 {
    let (mut sum, mut comp) = (0.0_f64, 0.0_f64);
    for v in values {
        let t = sum + v;
        comp += if sum.abs() >= v.abs() {
            (sum - t) + v
        } else {
            (v - t) + sum
        };
        sum = t;
    }
    sum + comp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec;

    #[test]
    fn every_entry_is_defined_in_the_json() {
        for w in registry() {
            let def = spec::workload(w.id).unwrap_or_else(|| panic!("{} not in JSON", w.id));
            assert!(
                !spec::timed_steps(def).is_empty(),
                "{} has no timed step",
                w.id
            );
            assert!(def["compare"].is_object(), "{} states no tolerance", w.id);
        }
    }

    #[test]
    fn every_case_runs_at_quick_size() {
        for w in registry() {
            let def = spec::workload(w.id).unwrap();
            let inputs = Inputs::generate(def["dataset"].as_str().unwrap(), true).unwrap();
            let mut case = (w.prepare)(&inputs, def).unwrap();
            for s in 0..spec::timed_steps(def).len() {
                case.run(s).unwrap();
            }
            let q = case.quality().unwrap();
            for key in def["compare"].as_object().unwrap().keys() {
                assert!(q.contains_key(key), "{} lacks quality figure {key}", w.id);
            }
        }
    }

    #[test]
    fn compensated_sum_is_exact_where_naive_is_not() {
        let v = [1e16, 1.0, -1e16, 1.0];
        assert_eq!(accurate_sum(v), 2.0);
    }
}
