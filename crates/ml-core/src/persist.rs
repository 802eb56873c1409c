//! Saving and loading fitted models: a small checked header, then a bincode payload.
//!
//! A model file is laid out as follows (integers little-endian):
//!
//! | bytes | content |
//! |---|---|
//! | 4 | magic [`MAGIC`] (`b"MLRS"`) |
//! | 4 | format version, `u32` ([`FORMAT_VERSION`]) |
//! | 4 | length `k` of the model type name, `u32` |
//! | `k` | the model type name, UTF-8 ([`Persist::MODEL_NAME`]) |
//! | 8 | payload length `n`, `u64` |
//! | 4 | CRC-32 (IEEE) of the payload, `u32` |
//! | `n` | the payload: the model type name again, then the model, bincode 2 (standard configuration) through serde |
//!
//! Every way a file can be wrong — another model type, truncation, a flipped bit, a newer
//! format version, a file that is not a model at all — is refused with a typed
//! [`PersistError`]; loading never panics and never returns a silently different model.
//!
//! A model file is untrusted input. The checksum catches accidents, not intent: a file
//! altered on purpose can carry a matching checksum. So every decoded model is checked
//! against its type's invariants ([`Invariants::check_invariants`]: shapes agree, indices
//! are in range, parameters are finite where the model assumes it) before `load`
//! returns it, and the type name is recorded twice, in the header and at the head of
//! the payload, so a payload moved under another type's header is refused. A model
//! that loads can be used without a panic; see SECURITY.md for what is promised.
//! bincode is used only in this module, so the payload encoding can change in one place
//! (with a new [`FORMAT_VERSION`]).
//!
//! faer matrices are not serde types; the adapters [`mat`], [`mat_opt`], [`mat_vec`] and
//! [`col`] let a model derive `Serialize`/`Deserialize` anyway:
//!
//! ```
//! use faer::Mat;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct Centroids {
//!     #[serde(with = "ml_core::persist::mat")]
//!     centres: Mat<f64>,
//! }
//!
//! impl ml_core::persist::Persist for Centroids {
//!     const MODEL_NAME: &'static str = "doc::Centroids";
//! }
//!
//! impl ml_core::persist::Invariants for Centroids {
//!     fn check_invariants(&self) -> Result<(), String> {
//!         ml_core::persist::invariants::finite_mat("centres", self.centres.as_ref())
//!     }
//! }
//!
//! let model = Centroids { centres: Mat::from_fn(2, 3, |i, j| (i * 3 + j) as f64) };
//! let bytes = ml_core::persist::to_bytes(&model)?;
//! let back: Centroids = ml_core::persist::from_bytes(&bytes)?;
//! assert_eq!(back.centres, model.centres);
//! # Ok::<(), ml_core::Error>(())
//! ```

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Error, PersistError, Result};

/// The first four bytes of every model file.
pub const MAGIC: [u8; 4] = *b"MLRS";

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 2;

/// Longest model type name accepted in a header; guards against allocating for a
/// corrupt length field.
const MAX_NAME_LEN: usize = 1024;

/// Bytes of the fixed-size fields around the name: magic, version, name length,
/// payload length, checksum.
const FIXED_HEADER_LEN: usize = 4 + 4 + 4 + 8 + 4;

/// A fitted model that can be saved and loaded.
///
/// `MODEL_NAME` is written into the file header and compared on load, so it must be
/// unique across the workspace and stable across releases: use the crate and type
/// name, e.g. `"ml_cluster::KMeansModel"`. When a model's serialized layout changes
/// incompatibly, change its name (e.g. append `"/2"`) so old files are refused with
/// [`PersistError::WrongModelType`] instead of being misread.
pub trait Persist: Serialize + DeserializeOwned + Invariants {
    /// The stable, unique name of the model type recorded in the file header.
    const MODEL_NAME: &'static str;
}

/// What a model relies on to work: checked when a model is loaded ([`from_bytes`]) and
/// when a fit returns one ([`validate::fitted`](crate::validate::fitted)).
pub trait Invariants {
    /// Checks what every method of the model relies on — shapes that agree, indices in
    /// range, sorted where it assumes sorted, finite where it assumes finite — so a
    /// model decoded from an untrusted file cannot panic, hang or compute garbage when
    /// used, and a fit that overflowed is not returned as a model. [`from_bytes`]
    /// refuses a model that fails it with [`PersistError::InvalidModel`]. The helpers
    /// of [`invariants`] keep the implementations short.
    ///
    /// # Errors
    /// A sentence saying which invariant does not hold.
    fn check_invariants(&self) -> std::result::Result<(), String>;
}

/// Encodes `model` into the bytes of a model file (header and payload).
///
/// # Errors
/// [`PersistError::Encode`] when the model's `Serialize` implementation fails.
pub fn to_bytes<M: Persist>(model: &M) -> Result<Vec<u8>> {
    let payload =
        bincode::serde::encode_to_vec((M::MODEL_NAME, model), bincode::config::standard())
            .map_err(|e| PersistError::Encode {
                reason: e.to_string(),
            })?;
    let name = M::MODEL_NAME.as_bytes();
    let name_len = u32::try_from(name.len()).map_err(|_| PersistError::Encode {
        reason: "model name longer than 4 GiB".to_owned(),
    })?;
    let mut out = Vec::with_capacity(FIXED_HEADER_LEN + name.len() + payload.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&name_len.to_le_bytes());
    out.extend_from_slice(name);
    push_payload(&mut out, &payload);
    Ok(out)
}

/// Appends the tail of a model file: the payload's length, its checksum, the payload.
fn push_payload(out: &mut Vec<u8>, payload: &[u8]) {
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32(payload).to_le_bytes());
    out.extend_from_slice(payload);
}

/// The payload of a valid model file (`None` when the header does not check).
#[cfg(any(test, feature = "testing"))]
pub(crate) fn payload_of(file: &[u8]) -> Option<&[u8]> {
    Header::parse(file).ok().map(|h| h.payload)
}

/// A valid model `file` with its payload replaced by `payload`, length and checksum
/// made to match: what a forger would write (`None` when `file` is not valid). For
/// the tests of loading altered files.
#[cfg(any(test, feature = "testing"))]
pub(crate) fn with_payload(file: &[u8], payload: &[u8]) -> Option<Vec<u8>> {
    let old = payload_of(file)?;
    let head = file.len() - old.len() - 12;
    let mut out = file[..head].to_vec();
    push_payload(&mut out, payload);
    Some(out)
}

/// Decodes a model of type `M` from the bytes of a model file.
///
/// # Errors
/// [`Error::Persist`] with [`PersistError::NotAModelFile`], [`PersistError::Truncated`],
/// [`PersistError::UnsupportedVersion`], [`PersistError::WrongModelType`],
/// [`PersistError::Corrupt`] or [`PersistError::InvalidModel`].
pub fn from_bytes<M: Persist>(bytes: &[u8]) -> Result<M> {
    let header = Header::parse(bytes)?;
    let wrong_type = |found: &str| -> Error {
        PersistError::WrongModelType {
            expected: M::MODEL_NAME.to_owned(),
            found: found.to_owned(),
        }
        .into()
    };
    if header.name != M::MODEL_NAME {
        return Err(wrong_type(header.name));
    }
    let payload = header.payload;
    let (tag, tag_len) = decode_payload::<String>(payload)?;
    if tag != M::MODEL_NAME {
        return Err(wrong_type(&tag));
    }
    let body = &payload[tag_len..];
    let (model, read) = decode_payload::<M>(body)?;
    if read != body.len() {
        return Err(corrupt(format!(
            "{} trailing bytes after the model",
            body.len() - read
        )));
    }
    model
        .check_invariants()
        .map_err(|reason| PersistError::InvalidModel {
            model: M::MODEL_NAME.to_owned(),
            reason,
        })?;
    Ok(model)
}

/// The model type name recorded in a model file's header, without decoding the model.
///
/// Lets a caller (the command line, for one) pick the type to [`from_bytes`] into.
///
/// # Errors
/// As [`from_bytes`], except [`PersistError::WrongModelType`]; the payload is
/// checksummed but not decoded.
pub fn model_name(bytes: &[u8]) -> Result<String> {
    Header::parse(bytes).map(|h| h.name.to_owned())
}

/// Saves `model` to `path`, replacing any existing file.
///
/// The file is written under a temporary name next to `path` and then renamed, so a
/// crash never leaves a half-written model under `path`.
///
/// # Errors
/// [`PersistError::Encode`] from encoding, or [`Error::Io`] naming `path`.
pub fn save<M: Persist>(model: &M, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let bytes = to_bytes(model)?;
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        // Best effort: a failed save should not leave its temporary file behind.
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, &e)
    })
}

/// Loads a model of type `M` saved by [`save`].
///
/// # Errors
/// [`Error::Io`] naming `path`, or any error of [`from_bytes`].
pub fn load<M: Persist>(path: impl AsRef<Path>) -> Result<M> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, &e))?;
    from_bytes(&bytes)
}

/// The model type name recorded in the model file at `path` (see [`model_name`]).
///
/// # Errors
/// [`Error::Io`] naming `path`, or any error of [`model_name`].
pub fn read_model_name(path: impl AsRef<Path>) -> Result<String> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, &e))?;
    model_name(&bytes)
}

/// The validated header of a model file and the payload it covers.
struct Header<'a> {
    name: &'a str,
    payload: &'a [u8],
}

impl<'a> Header<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Self> {
        if bytes.len() < MAGIC.len() {
            // A prefix of the magic is a cut-off model file; anything else is not one.
            return Err(if !bytes.is_empty() && MAGIC.starts_with(bytes) {
                PersistError::Truncated
            } else {
                PersistError::NotAModelFile
            }
            .into());
        }
        if bytes[..MAGIC.len()] != MAGIC {
            return Err(PersistError::NotAModelFile.into());
        }
        let mut cursor = Cursor {
            bytes,
            pos: MAGIC.len(),
        };
        let version = u32::from_le_bytes(cursor.array()?);
        if version != FORMAT_VERSION {
            return Err(PersistError::UnsupportedVersion {
                supported: FORMAT_VERSION,
                found: version,
            }
            .into());
        }
        let name_len = u32::from_le_bytes(cursor.array()?) as usize;
        if name_len > MAX_NAME_LEN {
            return Err(corrupt(format!(
                "model name length {name_len} exceeds {MAX_NAME_LEN}"
            )));
        }
        let name = std::str::from_utf8(cursor.take(name_len)?)
            .map_err(|_| corrupt("model name is not UTF-8".to_owned()))?;
        let payload_len = u64::from_le_bytes(cursor.array()?);
        let checksum = u32::from_le_bytes(cursor.array()?);
        let remaining = (bytes.len() - cursor.pos) as u64;
        if payload_len > remaining {
            return Err(PersistError::Truncated.into());
        }
        if payload_len < remaining {
            return Err(corrupt(format!(
                "{} bytes after the payload",
                remaining - payload_len
            )));
        }
        let payload = &bytes[cursor.pos..];
        let actual = crc32(payload);
        if actual != checksum {
            return Err(corrupt(format!(
                "payload checksum {actual:08x} does not match the recorded {checksum:08x}"
            )));
        }
        Ok(Self { name, payload })
    }
}

/// Reads fixed-size fields off the front of a byte slice; running out is truncation.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or(PersistError::Truncated)?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
}

fn corrupt(reason: String) -> Error {
    PersistError::Corrupt { reason }.into()
}

/// Decodes the payload under a byte limit proportional to its length.
///
/// bincode allocates a string or byte buffer of the length a field claims before reading
/// it; a limit stops a hostile length from allocating gigabytes. bincode counts each
/// decoded primitive at its in-memory size (up to 16 bytes for one encoded byte), so
/// a limit of 16 times the payload never rejects a genuine model. The limit is a const
/// generic, hence the few fixed tiers.
fn decode_payload<M: DeserializeOwned>(payload: &[u8]) -> Result<(M, usize)> {
    use bincode::config::standard;
    let budget = (payload.len() as u64).saturating_mul(16);
    let decoded = if budget <= 1 << 24 {
        bincode::serde::decode_from_slice(payload, standard().with_limit::<{ 1 << 24 }>())
    } else if budget <= 1 << 32 {
        bincode::serde::decode_from_slice(payload, standard().with_limit::<{ 1 << 32 }>())
    } else {
        bincode::serde::decode_from_slice(payload, standard())
    };
    decoded.map_err(|e| corrupt(e.to_string()))
}

/// CRC-32 (IEEE 802.3, reflected, as zip and PNG use) of `data`.
fn crc32(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            table[i] = c;
            i += 1;
        }
        table
    };
    let mut crc = !0u32;
    for &b in data {
        crc = TABLE[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

/// The serialized form of a dense matrix: its shape and column-major entries.
#[derive(serde::Deserialize)]
struct MatRepr {
    nrows: usize,
    ncols: usize,
    data: Vec<f64>,
}

impl MatRepr {
    fn into_mat<E: serde::de::Error>(self) -> std::result::Result<faer::Mat<f64>, E> {
        let expected = self.nrows.checked_mul(self.ncols).ok_or_else(|| {
            E::custom(format!(
                "matrix shape {} x {} overflows",
                self.nrows, self.ncols
            ))
        })?;
        if self.data.len() != expected {
            return Err(E::custom(format!(
                "matrix of shape {} x {} needs {expected} entries, found {}",
                self.nrows,
                self.ncols,
                self.data.len()
            )));
        }
        let (nrows, data) = (self.nrows, self.data);
        Ok(faer::Mat::from_fn(nrows, self.ncols, |i, j| {
            data[j * nrows + i]
        }))
    }
}

/// Serializes a matrix view as `MatRepr` without copying it.
struct MatView<'a>(faer::MatRef<'a, f64>);

impl Serialize for MatView<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = serializer.serialize_struct("MatRepr", 3)?;
        st.serialize_field("nrows", &self.0.nrows())?;
        st.serialize_field("ncols", &self.0.ncols())?;
        st.serialize_field("data", &ColumnMajor(self.0))?;
        st.end()
    }
}

/// The entries of a matrix view as one sequence, column after column.
struct ColumnMajor<'a>(faer::MatRef<'a, f64>);

impl Serialize for ColumnMajor<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let m = self.0;
        let mut seq = serializer.serialize_seq(Some(m.nrows() * m.ncols()))?;
        for j in 0..m.ncols() {
            for i in 0..m.nrows() {
                seq.serialize_element(&m[(i, j)])?;
            }
        }
        seq.end()
    }
}

/// serde adapter for `faer::Mat<f64>` fields: `#[serde(with = "ml_core::persist::mat")]`.
///
/// Writes the number of rows, the number of columns and the column-major entries;
/// reading checks that the number of entries matches the shape.
pub mod mat {
    use faer::Mat;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{MatRepr, MatView};

    /// Serializes `m` as its shape and column-major entries.
    ///
    /// # Errors
    /// Whatever the serializer reports.
    pub fn serialize<S: Serializer>(m: &Mat<f64>, serializer: S) -> Result<S::Ok, S::Error> {
        MatView(m.as_ref()).serialize(serializer)
    }

    /// Deserializes a matrix written by [`serialize`].
    ///
    /// # Errors
    /// Whatever the deserializer reports, or a custom error when the number of
    /// entries does not match the shape.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Mat<f64>, D::Error> {
        MatRepr::deserialize(deserializer)?.into_mat()
    }
}

/// serde adapter for `Option<faer::Mat<f64>>` fields:
/// `#[serde(with = "ml_core::persist::mat_opt")]`.
pub mod mat_opt {
    use faer::Mat;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{MatRepr, MatView};

    /// Serializes `m` as an optional [`mat`](super::mat) record.
    ///
    /// # Errors
    /// Whatever the serializer reports.
    pub fn serialize<S: Serializer>(
        m: &Option<Mat<f64>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        m.as_ref()
            .map(|m| MatView(m.as_ref()))
            .serialize(serializer)
    }

    /// Deserializes an optional matrix written by [`serialize`].
    ///
    /// # Errors
    /// As [`mat::deserialize`](super::mat::deserialize).
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Mat<f64>>, D::Error> {
        Option::<MatRepr>::deserialize(deserializer)?
            .map(MatRepr::into_mat)
            .transpose()
    }
}

/// serde adapter for `Vec<faer::Mat<f64>>` fields (one matrix per class or per
/// component): `#[serde(with = "ml_core::persist::mat_vec")]`.
pub mod mat_vec {
    use faer::Mat;
    use serde::{Deserialize, Deserializer, Serializer};

    use super::{MatRepr, MatView};

    /// Serializes `ms` as a sequence of [`mat`](super::mat) records.
    ///
    /// # Errors
    /// Whatever the serializer reports.
    pub fn serialize<S: Serializer>(ms: &[Mat<f64>], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(ms.iter().map(|m| MatView(m.as_ref())))
    }

    /// Deserializes a sequence of matrices written by [`serialize`].
    ///
    /// # Errors
    /// As [`mat::deserialize`](super::mat::deserialize).
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Mat<f64>>, D::Error> {
        Vec::<MatRepr>::deserialize(deserializer)?
            .into_iter()
            .map(MatRepr::into_mat)
            .collect()
    }
}

/// serde adapter for `faer::Col<f64>` fields: `#[serde(with = "ml_core::persist::col")]`.
///
/// A column is written as the plain sequence of its entries.
pub mod col {
    use faer::Col;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes `c` as the sequence of its entries.
    ///
    /// # Errors
    /// Whatever the serializer reports.
    pub fn serialize<S: Serializer>(c: &Col<f64>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(c.iter())
    }

    /// Deserializes a column written by [`serialize`].
    ///
    /// # Errors
    /// Whatever the deserializer reports.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Col<f64>, D::Error> {
        let data = Vec::<f64>::deserialize(deserializer)?;
        Ok(Col::from_fn(data.len(), |i| data[i]))
    }
}

/// Short checks for [`Invariants::check_invariants`]: each returns `Err` with a sentence
/// naming the field and what is wrong with it.
pub mod invariants {
    use faer::MatRef;

    /// Result of one check.
    pub type Check = Result<(), String>;

    /// `Err(message())` unless `condition`.
    pub fn ensure(condition: bool, message: impl FnOnce() -> String) -> Check {
        if condition { Ok(()) } else { Err(message()) }
    }

    /// Every value is finite.
    pub fn finite(what: &str, values: &[f64]) -> Check {
        match values.iter().position(|v| !v.is_finite()) {
            Some(i) => Err(format!("{what}[{i}] is {}, not finite", values[i])),
            None => Ok(()),
        }
    }

    /// Every entry is finite.
    pub fn finite_mat(what: &str, m: MatRef<'_, f64>) -> Check {
        for j in 0..m.ncols() {
            for i in 0..m.nrows() {
                let v = m[(i, j)];
                if !v.is_finite() {
                    return Err(format!("{what}[({i}, {j})] is {v}, not finite"));
                }
            }
        }
        Ok(())
    }

    /// Every value is finite and at least 0.
    pub fn non_negative(what: &str, values: &[f64]) -> Check {
        match values.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            Some(i) => Err(format!(
                "{what}[{i}] is {}, not finite and non-negative",
                values[i]
            )),
            None => Ok(()),
        }
    }

    /// Every value is finite and above 0.
    pub fn positive(what: &str, values: &[f64]) -> Check {
        match values.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
            Some(i) => Err(format!(
                "{what}[{i}] is {}, not finite and positive",
                values[i]
            )),
            None => Ok(()),
        }
    }

    /// Every entry is finite and at least 0.
    pub fn non_negative_mat(what: &str, m: MatRef<'_, f64>) -> Check {
        finite_mat(what, m)?;
        for j in 0..m.ncols() {
            for i in 0..m.nrows() {
                if m[(i, j)] < 0.0 {
                    return Err(format!("{what}[({i}, {j})] is {}, negative", m[(i, j)]));
                }
            }
        }
        Ok(())
    }

    /// `m` is `rows × cols`.
    pub fn shape(what: &str, m: MatRef<'_, f64>, rows: usize, cols: usize) -> Check {
        ensure(m.nrows() == rows && m.ncols() == cols, || {
            format!(
                "{what} is {} x {}, expected {rows} x {cols}",
                m.nrows(),
                m.ncols()
            )
        })
    }

    /// A length equals the expected one.
    pub fn len(what: &str, len: usize, expected: usize) -> Check {
        ensure(len == expected, || {
            format!("{what} has {len} entries, expected {expected}")
        })
    }

    /// Every index is below `bound`.
    pub fn below(what: &str, indices: &[usize], bound: usize) -> Check {
        match indices.iter().position(|&i| i >= bound) {
            Some(k) => Err(format!("{what}[{k}] is {}, not below {bound}", indices[k])),
            None => Ok(()),
        }
    }

    /// Every label that is present is below `bound` (`None` marks noise).
    pub fn below_or_none(what: &str, labels: &[Option<usize>], bound: usize) -> Check {
        match labels.iter().position(|l| l.is_some_and(|c| c >= bound)) {
            Some(k) => Err(format!("{what}[{k}] is {:?}, not below {bound}", labels[k])),
            None => Ok(()),
        }
    }

    /// Strictly increasing (so sorted and free of duplicates).
    pub fn strictly_increasing<T: PartialOrd + std::fmt::Debug>(what: &str, values: &[T]) -> Check {
        match values
            .windows(2)
            .position(|w| w[0].partial_cmp(&w[1]) != Some(std::cmp::Ordering::Less))
        {
            Some(k) => Err(format!(
                "{what} is not strictly increasing at {k}: {:?} then {:?}",
                values[k],
                values[k + 1]
            )),
            None => Ok(()),
        }
    }

    /// At least one entry.
    pub fn not_empty(what: &str, len: usize) -> Check {
        ensure(len > 0, || format!("{what} is empty"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::{Col, Mat};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Toy {
        #[serde(with = "mat")]
        w: Mat<f64>,
        #[serde(with = "mat_opt")]
        cov: Option<Mat<f64>>,
        #[serde(with = "mat_vec")]
        per_class: Vec<Mat<f64>>,
        #[serde(with = "col")]
        bias: Col<f64>,
        classes: Vec<String>,
    }

    impl Persist for Toy {
        const MODEL_NAME: &'static str = "ml_core::persist::tests::Toy";
    }

    impl Invariants for Toy {
        fn check_invariants(&self) -> std::result::Result<(), String> {
            invariants::finite_mat("w", self.w.as_ref())?;
            invariants::len("bias", self.bias.nrows(), self.w.ncols())
        }
    }

    #[derive(Debug, Serialize, Deserialize)]
    struct Other(u8);

    impl Persist for Other {
        const MODEL_NAME: &'static str = "ml_core::persist::tests::Other";
    }

    impl Invariants for Other {
        fn check_invariants(&self) -> std::result::Result<(), String> {
            Ok(())
        }
    }

    #[test]
    fn a_payload_under_another_header_is_refused() {
        // Toy's payload re-headed as Other, checksum recomputed: the tag inside the
        // payload still says Toy.
        let toy_bytes = to_bytes(&toy()).unwrap();
        let other_bytes = to_bytes(&Other(1)).unwrap();
        let payload = payload_of(&toy_bytes).unwrap().to_vec();
        let forged = with_payload(&other_bytes, &payload).unwrap();
        assert_eq!(
            from_bytes::<Other>(&forged).unwrap_err(),
            Error::Persist(PersistError::WrongModelType {
                expected: Other::MODEL_NAME.into(),
                found: Toy::MODEL_NAME.into(),
            })
        );
    }

    #[test]
    fn a_model_breaking_its_invariants_is_refused() {
        let mut bad = toy();
        bad.w[(1, 1)] = f64::NAN;
        let bytes = to_bytes(&bad).unwrap();
        assert!(matches!(
            from_bytes::<Toy>(&bytes),
            Err(Error::Persist(PersistError::InvalidModel { reason, .. })) if reason.contains("w[(1, 1)]")
        ));
    }

    fn toy() -> Toy {
        Toy {
            w: Mat::from_fn(3, 2, |i, j| i as f64 - 0.5 * j as f64),
            cov: Some(Mat::from_fn(2, 2, |i, j| if i == j { 1.5 } else { 0.25 })),
            per_class: vec![Mat::zeros(0, 3), Mat::from_fn(1, 2, |_, j| j as f64)],
            bias: Col::from_fn(2, |i| -(i as f64)),
            classes: vec!["ham".into(), "spam".into()],
        }
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn round_trip_keeps_every_field() {
        let model = toy();
        let bytes = to_bytes(&model).unwrap();
        assert_eq!(&bytes[..4], b"MLRS");
        assert_eq!(model_name(&bytes).unwrap(), Toy::MODEL_NAME);
        assert_eq!(from_bytes::<Toy>(&bytes).unwrap(), model);
    }

    #[test]
    fn other_type_is_refused() {
        let bytes = to_bytes(&toy()).unwrap();
        let err = from_bytes::<Other>(&bytes).unwrap_err();
        assert_eq!(
            err,
            Error::Persist(PersistError::WrongModelType {
                expected: Other::MODEL_NAME.into(),
                found: Toy::MODEL_NAME.into(),
            })
        );
    }

    #[test]
    fn newer_version_is_refused() {
        let mut bytes = to_bytes(&toy()).unwrap();
        bytes[4..8].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
        assert_eq!(
            from_bytes::<Toy>(&bytes).unwrap_err(),
            Error::Persist(PersistError::UnsupportedVersion {
                supported: FORMAT_VERSION,
                found: FORMAT_VERSION + 1,
            })
        );
    }

    #[test]
    fn non_model_files_are_refused() {
        for junk in [&b""[..], b"hello world", b"\x89PNG\r\n\x1a\n"] {
            assert_eq!(
                from_bytes::<Toy>(junk).unwrap_err(),
                Error::Persist(PersistError::NotAModelFile)
            );
        }
        assert_eq!(
            from_bytes::<Toy>(b"ML").unwrap_err(),
            Error::Persist(PersistError::Truncated)
        );
    }

    #[test]
    fn trailing_bytes_are_corrupt() {
        let mut bytes = to_bytes(&toy()).unwrap();
        bytes.push(0);
        assert!(matches!(
            from_bytes::<Toy>(&bytes),
            Err(Error::Persist(PersistError::Corrupt { .. }))
        ));
    }

    #[test]
    fn checksummed_garbage_payload_is_corrupt_not_a_panic() {
        #[derive(Debug, Serialize, Deserialize)]
        struct Text(String);
        impl Persist for Text {
            const MODEL_NAME: &'static str = "ml_core::persist::tests::Text";
        }

        impl Invariants for Text {
            fn check_invariants(&self) -> std::result::Result<(), String> {
                Ok(())
            }
        }
        // A payload that passes its checksum but claims a string of 2^62 bytes: the
        // decoder must refuse it before allocating.
        let mut payload = vec![253u8]; // bincode varint marker: a u64 follows
        payload.extend_from_slice(&(1u64 << 62).to_le_bytes());
        let name = Text::MODEL_NAME.as_bytes();
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&(name.len() as u32).to_le_bytes());
        bytes.extend_from_slice(name);
        bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&crc32(&payload).to_le_bytes());
        bytes.extend_from_slice(&payload);
        assert!(matches!(
            from_bytes::<Text>(&bytes),
            Err(Error::Persist(PersistError::Corrupt { .. }))
        ));
    }

    #[test]
    fn mat_adapter_rejects_wrong_entry_count() {
        #[derive(Debug, Deserialize)]
        struct W {
            #[serde(with = "mat")]
            #[allow(dead_code)]
            w: Mat<f64>,
        }
        let ok: W =
            serde_json::from_str(r#"{"w":{"nrows":1,"ncols":2,"data":[1.0,2.0]}}"#).unwrap();
        assert_eq!(ok.w[(0, 1)], 2.0);
        let err = serde_json::from_str::<W>(r#"{"w":{"nrows":2,"ncols":2,"data":[1.0,2.0]}}"#)
            .unwrap_err();
        assert!(err.to_string().contains("needs 4 entries"), "{err}");
    }

    #[test]
    fn mat_adapter_is_column_major_in_json() {
        #[derive(Serialize)]
        struct W {
            #[serde(with = "mat")]
            w: Mat<f64>,
        }
        let w = W {
            w: Mat::from_fn(2, 2, |i, j| (10 * i + j) as f64),
        };
        assert_eq!(
            serde_json::to_string(&w).unwrap(),
            r#"{"w":{"nrows":2,"ncols":2,"data":[0.0,10.0,1.0,11.0]}}"#
        );
    }

    #[test]
    fn save_and_load_through_a_file() {
        let dir = std::env::temp_dir().join(format!("ml-core-persist-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("toy.mlrs");
        save(&toy(), &path).unwrap();
        assert_eq!(load::<Toy>(&path).unwrap(), toy());
        assert_eq!(read_model_name(&path).unwrap(), Toy::MODEL_NAME);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(load::<Toy>(&path), Err(Error::Io { .. })));
    }
}
