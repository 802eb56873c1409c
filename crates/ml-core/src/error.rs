//! The one error type of the workspace.
//!
//! Every fallible function in every `ml-*` crate returns [`Result<T>`]. Variants carry
//! the offending numbers (row, column, expected and actual sizes) so that a message can
//! say what to change; none wraps a foreign error type, so the enum can evolve freely
//! behind `#[non_exhaustive]`.

use std::fmt;

/// Shorthand for `std::result::Result<T, ml_core::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in fitting, predicting, transforming, loading or saving.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input had no rows or no columns (or a list had no elements).
    #[error("{what} is empty")]
    EmptyInput {
        /// Which input was empty (`"X"`, `"y"`, `"vocabulary"`, `"transactions"`...).
        what: &'static str,
    },
    /// Input data that is well-formed in type but not usable: what it is, where the
    /// problem is, and why (an unsorted CSR row, an overflow of the data's scale, a
    /// constant column where variation is needed...).
    #[error("invalid {what}{}: {reason}", location_suffix(.location))]
    InvalidData {
        /// Which input (`"X"`, `"y"`, `"sample_weight"`, `"model file"`...).
        what: &'static str,
        /// Where in it (`"row 3"`, `"column 2"`), or empty for the input as a whole.
        location: String,
        /// What is wrong, in words.
        reason: String,
    },
    /// The estimator has no path for this kind of input (sparse input to an estimator
    /// that needs dense data, say).
    #[error("{estimator} does not support {input}")]
    Unsupported {
        /// The estimator (its type name).
        estimator: &'static str,
        /// The kind of input (`"sparse (CSR) input"`).
        input: &'static str,
    },
    /// A size derived from the parameters or the data exceeds what can be computed or
    /// allocated (a feature expansion of 10^12 columns, 2^40 candidate rules...).
    #[error("{what} would be {requested}, above the limit of {limit}")]
    LimitExceeded {
        /// What was being sized.
        what: &'static str,
        /// The size asked for (saturated at `usize::MAX` when it overflows).
        requested: usize,
        /// The largest size allowed.
        limit: usize,
    },
    /// Memory for a result could not be had: more than the process can address, or
    /// than the system will give (asked before the work starts, so the process does
    /// not abort half-way).
    #[error("allocating {what} ({count} elements) failed: not enough memory")]
    AllocationFailed {
        /// What was being allocated.
        what: &'static str,
        /// How many elements were asked for.
        count: usize,
    },
    /// Two sizes that must agree do not.
    #[error("shape mismatch in {what}: expected {expected}, got {got}")]
    ShapeMismatch {
        /// What was being compared (`"number of features"`, `"length of y"`...).
        what: &'static str,
        /// The size the estimator needed.
        expected: usize,
        /// The size it was given.
        got: usize,
    },
    /// A NaN or infinite value where only finite values are allowed.
    #[error("non-finite value {value} at row {row}, column {col}")]
    NonFinite {
        /// Row (sample) index of the first offending value.
        row: usize,
        /// Column (feature) index; 0 for one-dimensional inputs.
        col: usize,
        /// The value itself (NaN, +inf or -inf).
        value: f64,
    },
    /// A negative value where counts or other non-negative data are required.
    #[error("negative value {value} at row {row}, column {col}: {what} needs non-negative data")]
    NegativeValue {
        /// The estimator or transform that needs non-negative input.
        what: &'static str,
        /// Row index of the first negative value.
        row: usize,
        /// Column index of the first negative value.
        col: usize,
        /// The value itself.
        value: f64,
    },
    /// A hyper-parameter or argument outside its valid range.
    #[error("invalid parameter {name} = {value}: expected {expected}")]
    InvalidParameter {
        /// The parameter's name as its setter spells it.
        name: &'static str,
        /// The value that was given, formatted.
        value: String,
        /// The valid range or set, in words (`"> 0"`, `"in [0, 1]"`).
        expected: &'static str,
    },
    /// Fewer samples than the method needs.
    #[error("too few samples: need at least {needed}, got {got}")]
    TooFewSamples {
        /// The minimum number of samples.
        needed: usize,
        /// The number given.
        got: usize,
    },
    /// Fewer distinct classes than the classifier needs.
    #[error("too few classes: need at least {needed}, got {got}")]
    TooFewClasses {
        /// The minimum number of classes (2 for most classifiers).
        needed: usize,
        /// The number of distinct labels in `y`.
        got: usize,
    },
    /// A label that the model did not see when it was fitted or declared.
    #[error("unknown label {label}: not among the model's classes")]
    UnknownLabel {
        /// The label, formatted with `Debug`.
        label: String,
    },
    /// A matrix that must be symmetric positive definite is not.
    #[error("matrix is not positive definite (failed at pivot {pivot})")]
    NotPositiveDefinite {
        /// Index of the failing pivot.
        pivot: usize,
    },
    /// A fit or a transform broke down numerically: its result would not be finite (or
    /// a fit would not have moved from its start), usually because the data's
    /// magnitudes are near the ends of the `f64` range. Rescale the data (a
    /// [`StandardScaler`], say) and try again.
    ///
    /// [`StandardScaler`]: crate::preprocessing::StandardScaler
    #[error(
        "{estimator} broke down numerically: {reason} (values near the limits of f64? rescale the data)"
    )]
    NumericalFailure {
        /// The estimator.
        estimator: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// A numerical decomposition did not converge.
    #[error("{what} did not converge")]
    DecompositionFailed {
        /// The decomposition (`"SVD"`, `"eigendecomposition"`).
        what: &'static str,
    },
    /// Reading or writing a file failed.
    #[error("I/O error on {path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The kind reported by the operating system.
        kind: std::io::ErrorKind,
        /// The operating system's message.
        message: String,
    },
    /// A data file has a malformed line.
    #[error("{file}:{line}: {message}")]
    Parse {
        /// The file (or data-set name for embedded data).
        file: String,
        /// One-based line number.
        line: usize,
        /// What was wrong with the line.
        message: String,
    },
    /// A saved model could not be loaded.
    #[error("cannot load model: {0}")]
    Persist(#[from] PersistError),
}

/// Why a saved model file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PersistError {
    /// The file does not start with this library's magic bytes.
    NotAModelFile,
    /// The file was written by a newer (or unknown) format version.
    UnsupportedVersion {
        /// The version this build reads.
        supported: u32,
        /// The version found in the file.
        found: u32,
    },
    /// The file holds another model type than the one asked for.
    WrongModelType {
        /// The type that `load` was asked for.
        expected: String,
        /// The type recorded in the file.
        found: String,
    },
    /// The file ends before its header or payload does.
    Truncated,
    /// The payload fails its checksum or does not decode.
    Corrupt {
        /// What the decoder reported.
        reason: String,
    },
    /// The payload decodes, but into a model that breaks its type's invariants
    /// ([`Invariants::check_invariants`](crate::persist::Invariants::check_invariants)): a
    /// crafted or damaged file whose checksum was made to match.
    InvalidModel {
        /// The model type.
        model: String,
        /// The invariant that does not hold.
        reason: String,
    },
    /// The model could not be encoded.
    Encode {
        /// What the encoder reported.
        reason: String,
    },
}

impl fmt::Display for PersistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAModelFile => f.write_str("not a model file (bad magic bytes)"),
            Self::UnsupportedVersion { supported, found } => write!(
                f,
                "format version {found} is not supported (this build reads version {supported})"
            ),
            Self::WrongModelType { expected, found } => {
                write!(f, "the file holds a {found}, not a {expected}")
            }
            Self::Truncated => f.write_str("the file is truncated"),
            Self::Corrupt { reason } => write!(f, "the file is corrupt: {reason}"),
            Self::InvalidModel { model, reason } => {
                write!(f, "the file decodes to an invalid {model}: {reason}")
            }
            Self::Encode { reason } => write!(f, "the model could not be encoded: {reason}"),
        }
    }
}

impl std::error::Error for PersistError {}

/// `" at {location}"`, or nothing for an empty location.
fn location_suffix(location: &str) -> String {
    if location.is_empty() {
        String::new()
    } else {
        format!(" at {location}")
    }
}

impl Error {
    /// An [`Error::InvalidParameter`] for `name = value`, expected `expected`.
    pub fn invalid_parameter(
        name: &'static str,
        value: impl fmt::Debug,
        expected: &'static str,
    ) -> Self {
        Self::InvalidParameter {
            name,
            value: format!("{value:?}"),
            expected,
        }
    }

    /// An [`Error::InvalidData`] for the input `what` as a whole (no location).
    pub fn invalid_data(what: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidData {
            what,
            location: String::new(),
            reason: reason.into(),
        }
    }

    /// An [`Error::Io`] for `path` from a [`std::io::Error`].
    pub fn io(path: impl AsRef<std::path::Path>, err: &std::io::Error) -> Self {
        Self::Io {
            path: path.as_ref().display().to_string(),
            kind: err.kind(),
            message: err.to_string(),
        }
    }
}
