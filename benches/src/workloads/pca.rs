//! `pca_*` and `tsvd_*`: `ml_decomp`'s `Pca` and `TruncatedSvd` against scikit-learn's
//! `PCA` and `TruncatedSVD` with the same hyper-parameters.
//!
//! PCA steps: `fit` (a fresh estimator each call), then `transform` of the same rows.
//! Quality: `explained_variance_ratio` (the array), its sum, and the relative
//! reconstruction error `‖X − inverse_transform(transform(X))‖_F / ‖X‖_F`, which proves
//! the components right as well (scikit-learn's `svd_solver` name maps to
//! [`PcaSolver`]; `iterated_power="auto"` is our default).
//!
//! TruncatedSVD steps: `fit_transform` on a CSR matrix: the generated sparse data set's
//! `data`/`indices`/`indptr` arrays, or (`tsvd_sms_tfidf`) the TF-IDF matrix of all the
//! messages of a text data set, built untimed by `ml_text::TfidfVectorizer` with
//! scikit-learn's defaults. Quality: the singular values, the largest one, and the sum
//! of the explained variance ratios.

use ml_core::faer::Mat;
use ml_core::faer::sparse::{SparseRowMat, SymbolicSparseRowMat};
use ml_core::linalg::PowerIterationNormalizer;
use ml_core::sparse::Csr;
use ml_decomp::pca::{Pca, PcaModel, PcaNComponents, PcaSolver};
use ml_decomp::truncated_svd::{TruncatedSvd, TruncatedSvdAlgorithm, TruncatedSvdModel};
use serde_json::{Map, Value, json};

use super::{Case, Quality, accurate_sum};
use crate::BoxError;
use crate::datasets::Inputs;

fn normalizer(hp: &Value) -> Result<PowerIterationNormalizer, BoxError> {
    Ok(
        match hp["power_iteration_normalizer"].as_str().unwrap_or("auto") {
            "auto" => PowerIterationNormalizer::Auto,
            "QR" => PowerIterationNormalizer::Qr,
            "LU" => PowerIterationNormalizer::Lu,
            "none" => PowerIterationNormalizer::None,
            other => return Err(format!("unknown power_iteration_normalizer {other}").into()),
        },
    )
}

struct PcaCase {
    x: Mat<f64>,
    est: Pca,
    model: Option<PcaModel>,
    z: Option<Mat<f64>>,
}

pub(super) fn prepare_pca(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let hp = &def["hyperparameters"];
    let mut est = Pca::default();
    if let Some(k) = hp["n_components"].as_u64() {
        est = est.n_components(PcaNComponents::Count(k as usize));
    }
    est = est.solver(match hp["svd_solver"].as_str().unwrap_or("auto") {
        "auto" => PcaSolver::Auto,
        "full" => PcaSolver::Full,
        "covariance_eigh" => PcaSolver::CovarianceEigh,
        "randomized" => PcaSolver::Randomized,
        other => return Err(format!("unknown svd_solver {other}").into()),
    });
    if let Some(w) = hp["whiten"].as_bool() {
        est = est.whiten(w);
    }
    if let Some(q) = hp["iterated_power"].as_u64() {
        est = est.iterated_power(q as usize);
    }
    if let Some(p) = hp["n_oversamples"].as_u64() {
        est = est.n_oversamples(p as usize);
    }
    est = est
        .power_iteration_normalizer(normalizer(hp)?)
        .seed(hp["random_state"].as_u64().unwrap_or(0));
    Ok(Box::new(PcaCase {
        x: inputs.matrix("X")?,
        est,
        model: None,
        z: None,
    }))
}

impl Case for PcaCase {
    fn run(&mut self, step: usize) -> Result<(), BoxError> {
        if step == 0 {
            self.model = None;
            self.model = Some(self.est.fit(self.x.as_ref())?);
        } else {
            let m = self.model.as_ref().ok_or("transform before fit")?;
            self.z = Some(m.transform(self.x.as_ref())?);
        }
        Ok(())
    }

    fn quality(&self) -> Result<Quality, BoxError> {
        let m = self.model.as_ref().ok_or("no model fitted")?;
        let z = match &self.z {
            Some(z) => z.clone(),
            None => m.transform(self.x.as_ref())?,
        };
        let back = m.inverse_transform(z.as_ref())?;
        let x = &self.x;
        let sq = |a: &Mat<f64>| {
            accurate_sum(
                (0..a.ncols()).flat_map(|j| a.col(j).iter().map(|v| v * v).collect::<Vec<_>>()),
            )
        };
        let diff = x - &back;
        let ratio = m.explained_variance_ratio();
        let mut q = Map::new();
        q.insert("explained_variance_ratio".into(), json!(ratio));
        q.insert(
            "explained_variance_ratio_sum".into(),
            json!(ratio.iter().sum::<f64>()),
        );
        q.insert("recon_rel_err".into(), json!((sq(&diff) / sq(x)).sqrt()));
        Ok(q)
    }

    fn info(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("shape".into(), json!([self.x.nrows(), self.x.ncols()]));
        if let Some(model) = &self.model {
            m.insert("solver".into(), json!(format!("{:?}", model.solver())));
        }
        m
    }
}

struct TsvdCase {
    x: Csr,
    est: TruncatedSvd,
    model: Option<TruncatedSvdModel>,
}

/// The CSR matrix of a generated sparse data set (`data`, `indices`, `indptr` and the
/// `shape` of its parameters).
fn csr_input(inputs: &Inputs) -> Result<Csr, BoxError> {
    let data = inputs.matrix("data")?;
    let indices = inputs.ints("indices")?;
    let indptr = inputs.ints("indptr")?;
    let ncols = inputs.ints("shape")?[1] as usize;
    let nrows = indptr.len() - 1;
    let symbolic = SymbolicSparseRowMat::new_checked(
        nrows,
        ncols,
        indptr.iter().map(|&v| v as usize).collect(),
        None,
        indices.iter().map(|&v| v as usize).collect(),
    );
    Ok(SparseRowMat::new(
        symbolic,
        data.col(0).iter().copied().collect(),
    ))
}

pub(super) fn prepare_tsvd(inputs: &Inputs, def: &Value) -> Result<Box<dyn Case>, BoxError> {
    let hp = &def["hyperparameters"];
    let k = hp["n_components"].as_u64().ok_or("n_components")? as usize;
    let mut est = TruncatedSvd::new(k)
        .algorithm(match hp["algorithm"].as_str().unwrap_or("randomized") {
            "randomized" => TruncatedSvdAlgorithm::Randomized,
            "arpack" => TruncatedSvdAlgorithm::Lanczos,
            other => return Err(format!("unknown algorithm {other}").into()),
        })
        .power_iteration_normalizer(normalizer(hp)?)
        .seed(hp["random_state"].as_u64().unwrap_or(0));
    if let Some(q) = hp["n_iter"].as_u64() {
        est = est.n_iter(q as usize);
    }
    if let Some(p) = hp["n_oversamples"].as_u64() {
        est = est.n_oversamples(p as usize);
    }
    let x = if def["features"].as_str() == Some("sms_tfidf_all") {
        let texts = crate::datasets::texts(def["dataset"].as_str().ok_or("dataset")?)?.texts;
        ml_text::TfidfVectorizer::new().fit_transform(&texts)?.1
    } else {
        csr_input(inputs)?
    };
    Ok(Box::new(TsvdCase {
        x,
        est,
        model: None,
    }))
}

impl Case for TsvdCase {
    fn run(&mut self, _step: usize) -> Result<(), BoxError> {
        self.model = None;
        self.model = Some(self.est.fit_transform(self.x.as_ref())?.0);
        Ok(())
    }

    fn quality(&self) -> Result<Quality, BoxError> {
        let m = self.model.as_ref().ok_or("no model fitted")?;
        let mut q = Map::new();
        q.insert("singular_values".into(), json!(m.singular_values()));
        q.insert("singular_value_1".into(), json!(m.singular_values()[0]));
        q.insert(
            "explained_variance_ratio_sum".into(),
            json!(m.explained_variance_ratio().iter().sum::<f64>()),
        );
        Ok(q)
    }

    fn info(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("shape".into(), json!([self.x.nrows(), self.x.ncols()]));
        m.insert("nnz".into(), json!(self.x.val().len()));
        m
    }
}
