//! Supervised learning: regression and classification.
//!
//! This crate will hold the linear and logistic models, naive Bayes, decision trees
//! (CART, C4.5) and their ensembles, and support vector machines, each on the
//! [`ml_core`] estimator traits. No estimator has landed yet; the families arrive one
//! issue at a time and nothing here is a placeholder.
