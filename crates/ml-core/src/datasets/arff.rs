//! Weka's ARFF format: the classic C4.5 data sets (Quinlan's golf data, German credit,
//! the congressional votes...) as Weka ships them, with nominal attributes and `?` for
//! missing values.
//!
//! Numeric attributes become columns of numbers; a nominal attribute becomes a column of
//! category codes (0, 1, ... in the order the header declares the values), which is what
//! `C45Classifier::categorical_features` takes; a missing value is NaN. The last
//! attribute is the class and must be nominal; rows whose class is missing are dropped,
//! as Weka's J48 drops them.

use std::path::Path;

use faer::Mat;

use super::{parse_error, utf8};
use crate::{Error, Result};

macro_rules! arff_file {
    ($name:literal) => {
        (
            $name,
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/datasets/arff/",
                $name,
                ".arff"
            ))
            .as_slice(),
        )
    };
}

/// The bundled ARFF files, by name (the file name without `.arff`).
const BUNDLED: [(&str, &[u8]); 8] = [
    arff_file!("weather.nominal"),
    arff_file!("weather.numeric"),
    arff_file!("contact-lenses"),
    arff_file!("labor"),
    arff_file!("vote"),
    arff_file!("breast-cancer"),
    arff_file!("credit-g"),
    arff_file!("soybean"),
];

/// A classification data set read from ARFF, the class being the last attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct ArffDataset {
    /// The `@relation` name.
    pub relation: String,
    /// One row per instance, one column per attribute but the class: numbers, category
    /// codes for nominal attributes, NaN where the value is missing (`?`).
    pub data: Mat<f64>,
    /// The class of each row, an index into `target_names`.
    pub target: Vec<usize>,
    /// The attribute names, one per column of `data`.
    pub feature_names: Vec<String>,
    /// The declared values of each nominal column (code `c` is `categories[j][c]`);
    /// empty for a numeric column.
    pub categories: Vec<Vec<String>>,
    /// The class values, in declared order.
    pub target_names: Vec<String>,
}

impl ArffDataset {
    /// The nominal columns and their numbers of declared values, as
    /// `C45Classifier::categorical_features` takes them.
    pub fn categorical_features(&self) -> Vec<(usize, usize)> {
        self.categories
            .iter()
            .enumerate()
            .filter(|(_, values)| !values.is_empty())
            .map(|(j, values)| (j, values.len()))
            .collect()
    }
}

/// One of the bundled ARFF files by name: `weather.nominal` and `weather.numeric`
/// (Quinlan's golf data), `contact-lenses`, `labor`, `vote`, `breast-cancer`,
/// `credit-g` (German credit) or `soybean`.
///
/// # Errors
/// [`Error::InvalidParameter`] for another name; [`Error::Parse`] only if the
/// embedded file were malformed.
pub fn load_arff(name: &str) -> Result<ArffDataset> {
    let Some((_, bytes)) = BUNDLED.iter().find(|(n, _)| *n == name) else {
        return Err(Error::invalid_parameter(
            "name",
            name,
            "one of the bundled ARFF files: weather.nominal, weather.numeric, \
             contact-lenses, labor, vote, breast-cancer, credit-g, soybean",
        ));
    };
    let file = format!("{name}.arff");
    parse_arff(utf8(bytes, &file)?, &file)
}

/// Reads an ARFF file from `path`.
///
/// # Errors
/// [`Error::Io`] when it cannot be read, otherwise as [`parse_arff`].
pub fn read_arff(path: impl AsRef<Path>) -> Result<ArffDataset> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, &e))?;
    parse_arff(&text, &path.display().to_string())
}

/// An attribute as declared.
enum Kind {
    Numeric,
    Nominal(Vec<String>),
}

/// Parses ARFF text (dense data; `%` comments; names and values quoted with `'` or `"`
/// where they contain spaces or commas). `file` names the source in errors.
///
/// # Errors
/// [`Error::Parse`] (file and line) for a malformed header or data line, a value
/// that is not declared for its nominal attribute, a non-numeric value of a numeric one,
/// a wrong number of values, a class attribute that is not nominal, string, date and
/// relational attributes, and sparse data (none of which this reader supports).
pub fn parse_arff(text: &str, file: &str) -> Result<ArffDataset> {
    let parse_error = |line: usize, message: String| parse_error(file, line, message);
    let mut relation = String::new();
    let mut names: Vec<String> = Vec::new();
    let mut kinds: Vec<Kind> = Vec::new();
    let mut in_data = false;
    let mut values: Vec<f64> = Vec::new();
    let mut target: Vec<usize> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('%') {
            continue;
        }
        if !in_data {
            let (keyword, rest) = split_word(line);
            match keyword.to_ascii_lowercase().as_str() {
                "@relation" => relation = unquote(rest.trim()).to_owned(),
                "@attribute" => {
                    let (name, kind) = attribute(rest).map_err(|m| parse_error(line_no, m))?;
                    names.push(name);
                    kinds.push(kind);
                }
                "@data" => {
                    match kinds.last() {
                        Some(Kind::Nominal(_)) => {}
                        Some(Kind::Numeric) => {
                            return Err(parse_error(
                                line_no,
                                "the class (the last attribute) must be nominal".to_owned(),
                            ));
                        }
                        None => return Err(parse_error(line_no, "no attributes".to_owned())),
                    }
                    in_data = true;
                }
                _ => {
                    return Err(parse_error(
                        line_no,
                        format!("expected @relation, @attribute or @data, found {keyword:?}"),
                    ));
                }
            }
            continue;
        }
        if line.starts_with('{') {
            return Err(parse_error(
                line_no,
                "sparse ARFF data is not supported".to_owned(),
            ));
        }
        let fields = split_fields(line).map_err(|m| parse_error(line_no, m))?;
        if fields.len() != kinds.len() {
            return Err(parse_error(
                line_no,
                format!("{} values for {} attributes", fields.len(), kinds.len()),
            ));
        }
        let mut row = Vec::with_capacity(kinds.len());
        for ((field, kind), name) in fields.iter().zip(&kinds).zip(&names) {
            let value =
                if field.quoted || field.text != "?" {
                    match kind {
                        Kind::Numeric => {
                            let v: f64 = field.text.parse().map_err(|_| {
                                parse_error(
                                    line_no,
                                    format!("{:?} is not a number ({name})", field.text),
                                )
                            })?;
                            if !v.is_finite() {
                                return Err(parse_error(
                                    line_no,
                                    format!("{:?} is not a finite number ({name})", field.text),
                                ));
                            }
                            v
                        }
                        Kind::Nominal(declared) => {
                            let code = declared.iter().position(|d| *d == field.text).ok_or_else(
                                || {
                                    parse_error(
                                        line_no,
                                        format!(
                                            "{:?} is not a declared value of {name}",
                                            field.text
                                        ),
                                    )
                                },
                            )?;
                            code as f64
                        }
                    }
                } else {
                    f64::NAN
                };
            row.push(value);
        }
        let class = row.pop().unwrap_or(f64::NAN);
        if class.is_nan() {
            continue;
        }
        target.push(class as usize);
        values.extend(row);
    }
    if !in_data {
        return Err(parse_error(
            text.lines().count(),
            "no @data section".to_owned(),
        ));
    }
    let d = kinds.len() - 1;
    let n = target.len();
    let data = Mat::from_fn(n, d, |i, j| values[i * d + j]);
    let mut categories: Vec<Vec<String>> = kinds
        .into_iter()
        .map(|k| match k {
            Kind::Numeric => Vec::new(),
            Kind::Nominal(v) => v,
        })
        .collect();
    let target_names = categories.pop().unwrap_or_default();
    let _ = names.pop();
    Ok(ArffDataset {
        relation,
        data,
        target,
        feature_names: names,
        categories,
        target_names,
    })
}

/// The first whitespace-separated word of `line` and the rest.
fn split_word(line: &str) -> (&str, &str) {
    match line.find(char::is_whitespace) {
        Some(i) => (&line[..i], &line[i..]),
        None => (line, ""),
    }
}

/// `text` without one pair of surrounding quotes.
fn unquote(text: &str) -> &str {
    for q in ['\'', '"'] {
        if text.len() >= 2 && text.starts_with(q) && text.ends_with(q) {
            return &text[1..text.len() - 1];
        }
    }
    text
}

/// An attribute's name and kind.
fn attribute(rest: &str) -> std::result::Result<(String, Kind), String> {
    let rest = rest.trim_start();
    let (name, kind) = if let Some(q) = rest.chars().next().filter(|c| *c == '\'' || *c == '"') {
        let end = rest[1..]
            .find(q)
            .ok_or_else(|| "an attribute name's quote is not closed".to_owned())?;
        (rest[1..=end].to_owned(), rest[end + 2..].trim())
    } else {
        let (name, kind) = split_word(rest);
        (name.to_owned(), kind.trim())
    };
    if name.is_empty() {
        return Err("an attribute without a name".to_owned());
    }
    if let Some(list) = kind.strip_prefix('{') {
        let list = list
            .strip_suffix('}')
            .ok_or_else(|| format!("the values of {name} do not end with }}"))?;
        let values: Vec<String> = split_fields(list)?.into_iter().map(|f| f.text).collect();
        if values.is_empty() || values.iter().any(String::is_empty) {
            return Err(format!("{name} declares an empty value"));
        }
        return Ok((name, Kind::Nominal(values)));
    }
    match kind.to_ascii_lowercase().as_str() {
        "numeric" | "real" | "integer" => Ok((name, Kind::Numeric)),
        "" => Err(format!("{name} has no type")),
        other => Err(format!(
            "{name} is of type {other}; only numeric and nominal attributes are read"
        )),
    }
}

/// One comma-separated value, unquoted.
struct Field {
    text: String,
    quoted: bool,
}

/// The comma-separated values of `line`; quotes (`'` or `"`, with `\` escapes) keep
/// commas and spaces inside a value.
fn split_fields(line: &str) -> std::result::Result<Vec<Field>, String> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut text = String::new();
        let mut quoted = false;
        if let Some(&q) = chars.peek().filter(|c| **c == '\'' || **c == '"') {
            quoted = true;
            chars.next();
            loop {
                match chars.next() {
                    None => return Err("a quote is not closed".to_owned()),
                    Some('\\') => text.extend(chars.next()),
                    Some(c) if c == q => break,
                    Some(c) => text.push(c),
                }
            }
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            if chars.peek().is_some_and(|c| *c != ',') {
                return Err(format!("text after the quoted value {text:?}"));
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                text.push(c);
                chars.next();
            }
            text = text.trim().to_owned();
        }
        fields.push(Field { text, quoted });
        match chars.next() {
            Some(',') => continue,
            _ => break,
        }
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golf_data_reads_with_its_nominal_codes() {
        let golf = load_arff("weather.nominal").unwrap();
        assert_eq!(golf.data.nrows(), 14);
        assert_eq!(
            golf.feature_names,
            ["outlook", "temperature", "humidity", "windy"]
        );
        assert_eq!(golf.target_names, ["yes", "no"]);
        assert_eq!(golf.categories[0], ["sunny", "overcast", "rainy"]);
        // First row: sunny, hot, high, FALSE, no.
        assert_eq!(golf.data[(0, 0)], 0.0);
        assert_eq!(golf.target[0], 1);
        assert_eq!(
            golf.categorical_features(),
            [(0, 3), (1, 3), (2, 2), (3, 2)]
        );
    }

    #[test]
    fn every_bundled_file_reads() {
        for (name, rows, cols) in [
            ("weather.numeric", 14, 4),
            ("contact-lenses", 24, 4),
            ("labor", 57, 16),
            ("vote", 435, 16),
            ("breast-cancer", 286, 9),
            ("credit-g", 1000, 20),
            ("soybean", 683, 35),
        ] {
            let ds = load_arff(name).unwrap();
            assert_eq!((ds.data.nrows(), ds.data.ncols()), (rows, cols), "{name}");
            assert_eq!(ds.target.len(), rows);
        }
        // vote has missing votes.
        assert!(
            load_arff("vote")
                .unwrap()
                .data
                .col(0)
                .iter()
                .any(|v| v.is_nan())
        );
        assert!(load_arff("iris").is_err());
    }

    #[test]
    fn malformed_files_are_parse_errors() {
        let header = "@relation r\n@attribute a numeric\n@attribute c {x, 'y z'}\n@data\n";
        let ok = parse_arff(&format!("{header}1.5,'y z'\n?,x\n3,?\n"), "t").unwrap();
        assert_eq!(ok.target, [1, 0]);
        assert!(ok.data[(1, 0)].is_nan());
        for bad in ["1,w\n", "1\n", "a,x\n", "1,'x\n", "inf,x\n"] {
            assert!(
                matches!(
                    parse_arff(&format!("{header}{bad}"), "t"),
                    Err(Error::Parse { .. })
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            parse_arff(
                "@relation r\n@attribute s string\n@attribute c {x}\n@data\n",
                "t"
            ),
            Err(Error::Parse { .. })
        ));
        assert!(parse_arff("@relation r\n@attribute c numeric\n@data\n", "t").is_err());
        assert!(parse_arff("@relation r\n", "t").is_err());
    }
}
