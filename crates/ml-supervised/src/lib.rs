//! Supervised learning: regression and classification.
//!
//! Landed so far:
//!
//! - [`linear`]: least squares ([`LinearRegression`]), ridge ([`Ridge`],
//!   [`RidgeClassifier`]), the L1 and elastic-net penalised least squares ([`Lasso`],
//!   [`ElasticNet`], by cyclic coordinate descent) and polynomial expansion
//!   ([`PolynomialFeatures`], [`PolynomialRegression`]).
//! - [`logistic`]: [`LogisticRegression`], binary and multinomial, with L2, L1 and
//!   elastic-net penalties.
//! - [`naive_bayes`]: [`GaussianNb`], [`MultinomialNb`], [`ComplementNb`],
//!   [`BernoulliNb`] and [`CategoricalNb`], with online learning by `partial_fit`.
//! - [`tree`]: CART trees, [`DecisionTreeClassifier`] and [`DecisionTreeRegressor`]
//!   (scikit-learn's, node for node), and C4.5, [`C45Classifier`] (Weka's J48's).
//! - [`ensemble`]: forests of those trees, [`RandomForestClassifier`],
//!   [`RandomForestRegressor`], [`ExtraTreesClassifier`] and [`ExtraTreesRegressor`]
//!   (scikit-learn's, tree for tree), and histogram gradient boosting,
//!   [`HistGradientBoostingClassifier`] and [`HistGradientBoostingRegressor`]
//!   (scikit-learn's, node for node).
//!
//! Every estimator is an immutable set of hyper-parameters whose `fit` validates the
//! input and returns a separate fitted model; defaults equal scikit-learn 1.9's. Every
//! `fit`, `fit_weighted`, `partial_fit`, `predict` and `transform` takes
//! [`Features`](ml_core::Features), dense or CSR: least squares, ridge, logistic
//! regression and the count models of naive Bayes have sparse paths; the other
//! estimators ([`Lasso`], [`ElasticNet`], the polynomial models, [`GaussianNb`],
//! [`CategoricalNb`], the trees, forests and boosting) return
//! [`Error::Unsupported`](ml_core::Error::Unsupported) for CSR input. Classic gradient
//! boosting and the SVM family arrive with their own issues.

pub mod ensemble;
pub mod linear;
pub mod logistic;
pub mod naive_bayes;
pub mod tree;

pub use ensemble::{
    ExtraTreesClassifier, ExtraTreesRegressor, ForestClassifierModel, ForestRegressorModel,
    HistGradientBoostingClassifier, HistGradientBoostingClassifierModel,
    HistGradientBoostingRegressor, HistGradientBoostingRegressorModel, RandomForestClassifier,
    RandomForestRegressor,
};
pub use linear::{
    ElasticNet, ElasticNetModel, Lasso, LassoModel, LinearRegression, LinearRegressionModel,
    MultiOutputLinearModel, PolynomialFeatures, PolynomialFeaturesModel, PolynomialRegression,
    PolynomialRegressionModel, Ridge, RidgeClassifier, RidgeClassifierModel, RidgeModel,
    RidgeSolver,
};
pub use logistic::{ClassWeight, LogisticRegression, LogisticRegressionModel};
pub use naive_bayes::{
    BernoulliNb, BernoulliNbModel, CategoricalNb, CategoricalNbModel, ComplementNb,
    ComplementNbModel, GaussianNb, GaussianNbModel, MultinomialNb, MultinomialNbModel,
};
pub use tree::{
    C45Classifier, C45ClassifierModel, DecisionTreeClassifier, DecisionTreeClassifierModel,
    DecisionTreeRegressor, DecisionTreeRegressorModel,
};
