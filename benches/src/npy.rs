//! A minimal reader and writer of NumPy `.npy` files (format 1.0, little-endian `f64`
//! or `i64`, C order), enough to exchange arrays with the Python peers bit for bit.
//!
//! A crate would bring more than we need; the format is a fixed magic, a Python-dict
//! header padded to a 64-byte boundary, then the raw values.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

const MAGIC: &[u8] = b"\x93NUMPY";

/// The element type of an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    /// `<f8`.
    F64,
    /// `<i8`.
    I64,
}

impl DType {
    fn descr(self) -> &'static str {
        match self {
            DType::F64 => "<f8",
            DType::I64 => "<i8",
        }
    }
}

/// An n-dimensional array read from or written to a `.npy` file.
#[derive(Debug, Clone, PartialEq)]
pub enum Array {
    /// Float values with their shape (row-major).
    F64 {
        /// Dimensions, outermost first.
        shape: Vec<usize>,
        /// Values in C order.
        data: Vec<f64>,
    },
    /// Integer values with their shape (row-major).
    I64 {
        /// Dimensions, outermost first.
        shape: Vec<usize>,
        /// Values in C order.
        data: Vec<i64>,
    },
}

impl Array {
    /// The shape.
    pub fn shape(&self) -> &[usize] {
        match self {
            Array::F64 { shape, .. } | Array::I64 { shape, .. } => shape,
        }
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            Array::F64 { .. } => DType::F64,
            Array::I64 { .. } => DType::I64,
        }
    }
}

fn invalid(path: &Path, msg: impl Into<String>) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {}", path.display(), msg.into()),
    )
}

/// Writes `array` to `path` in format 1.0.
///
/// # Errors
/// Any I/O error, or a shape whose product differs from the number of values.
pub fn write(path: &Path, array: &Array) -> io::Result<()> {
    let (shape, n) = match array {
        Array::F64 { shape, data } => (shape, data.len()),
        Array::I64 { shape, data } => (shape, data.len()),
    };
    if shape.iter().product::<usize>() != n {
        return Err(invalid(path, "shape does not match the number of values"));
    }
    let dims = match shape.len() {
        1 => format!("({},)", shape[0]),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
        array.dtype().descr(),
        dims
    );
    // Magic (6) + version (2) + header length (2) + header + '\n' must be a multiple of 64.
    let unpadded = MAGIC.len() + 2 + 2 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let header_len =
        u16::try_from(header.len()).map_err(|_| invalid(path, "header longer than 65535"))?;
    let mut bytes = Vec::with_capacity(unpadded + 64 + n * 8);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&[1, 0]);
    bytes.extend_from_slice(&header_len.to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    match array {
        Array::F64 { data, .. } => data
            .iter()
            .for_each(|v| bytes.extend_from_slice(&v.to_le_bytes())),
        Array::I64 { data, .. } => data
            .iter()
            .for_each(|v| bytes.extend_from_slice(&v.to_le_bytes())),
    }
    // Write to a temporary name first so a reader never sees half a file.
    let tmp = path.with_extension("npy.tmp");
    let mut f = fs::File::create(&tmp)?;
    f.write_all(&bytes)?;
    f.sync_all()?;
    fs::rename(&tmp, path)
}

/// Reads a format 1.x or 2.x `.npy` file of little-endian `f64` or `i64` in C order.
///
/// # Errors
/// I/O errors, a bad magic, an unsupported dtype, Fortran order, or a file shorter than
/// its header says.
pub fn read(path: &Path) -> io::Result<Array> {
    let bytes = fs::read(path)?;
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(invalid(path, "not a .npy file"));
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(invalid(path, format!("unsupported .npy version {v}"))),
    };
    let end = start + header_len;
    let header = bytes
        .get(start..end)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or_else(|| invalid(path, "truncated header"))?;
    let dtype = if header.contains("'<f8'") {
        DType::F64
    } else if header.contains("'<i8'") {
        DType::I64
    } else {
        return Err(invalid(
            path,
            format!("unsupported dtype in header {header:?}"),
        ));
    };
    if !header.contains("'fortran_order': False") {
        return Err(invalid(path, "Fortran-order arrays are not supported"));
    }
    let shape = parse_shape(header).ok_or_else(|| invalid(path, "cannot parse shape"))?;
    let n: usize = shape.iter().product();
    let payload = &bytes[end..];
    if payload.len() != n * 8 {
        return Err(invalid(
            path,
            format!("expected {} bytes of data, found {}", n * 8, payload.len()),
        ));
    }
    let words = payload.chunks_exact(8).map(|c| {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        w
    });
    Ok(match dtype {
        DType::F64 => Array::F64 {
            shape,
            data: words.map(f64::from_le_bytes).collect(),
        },
        DType::I64 => Array::I64 {
            shape,
            data: words.map(i64::from_le_bytes).collect(),
        },
    })
}

fn parse_shape(header: &str) -> Option<Vec<usize>> {
    let rest = &header[header.find("'shape'")? + 7..];
    let open = rest.find('(')?;
    let close = rest.find(')')?;
    rest[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_f64_and_i64() {
        let dir = std::env::temp_dir().join(format!("ml-npy-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let a = Array::F64 {
            shape: vec![2, 3],
            data: vec![1.0, -2.5, f64::MIN_POSITIVE, 0.1, 1e300, -0.0],
        };
        let b = Array::I64 {
            shape: vec![4],
            data: vec![0, -1, i64::MAX, 7],
        };
        for (name, arr) in [("a.npy", &a), ("b.npy", &b)] {
            let p = dir.join(name);
            write(&p, arr).unwrap();
            let len = fs::metadata(&p).unwrap().len();
            assert_eq!(
                (len - arr.shape().iter().product::<usize>() as u64 * 8) % 64,
                0
            );
            assert_eq!(&read(&p).unwrap(), arr);
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn shape_parsing() {
        assert_eq!(
            parse_shape("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }"),
            Some(vec![3])
        );
        assert_eq!(
            parse_shape("{'descr': '<f8', 'fortran_order': False, 'shape': (), }"),
            Some(vec![])
        );
    }
}
