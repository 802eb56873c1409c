//! Sorting by floating-point value: keys whose unsigned order is the numbers' order,
//! and a stable radix sort on them.

/// The bits of a non-NaN `f64` mapped so that unsigned order is numeric order
/// (negative values flipped whole, the others with the sign bit set); -0 sorts just
/// before +0. [`from_ordered_bits`] undoes it.
#[inline]
pub fn ordered_bits(v: f64) -> u64 {
    let bits = v.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// The `f64` whose [`ordered_bits`] are `key`.
#[inline]
pub fn from_ordered_bits(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
}

/// [`ordered_bits`] for a non-NaN `f32`.
#[inline]
pub fn ordered_bits_f32(v: f32) -> u32 {
    let bits = v.to_bits();
    if bits >> 31 == 1 {
        !bits
    } else {
        bits | (1 << 31)
    }
}

/// Sorts `(key, payload)` pairs by key, equal keys keeping their order: a byte of the
/// key at a time from the least significant (LSD radix). Linear in the length, so from
/// a few hundred items on it beats a comparison sort, and a byte that every key shares
/// (the exponent of values of one magnitude, the zero padding of short keys) costs a
/// counting pass only.
pub fn radix_sort_by_key<T: Copy>(items: &mut Vec<(u64, T)>) {
    let n = items.len();
    if n < 2 {
        return;
    }
    // The counts of every byte position, in one pass.
    let mut counts = [[0usize; 256]; 8];
    for &(key, _) in items.iter() {
        for (byte, count) in key.to_le_bytes().into_iter().zip(counts.iter_mut()) {
            count[usize::from(byte)] += 1;
        }
    }
    let mut other = items.clone();
    for (position, count) in counts.iter().enumerate() {
        if count.contains(&n) {
            continue;
        }
        let mut start = [0usize; 256];
        let mut sum = 0;
        for (s, &c) in start.iter_mut().zip(count) {
            *s = sum;
            sum += c;
        }
        let shift = 8 * position;
        for &item in items.iter() {
            let digit = ((item.0 >> shift) & 0xff) as usize;
            other[start[digit]] = item;
            start[digit] += 1;
        }
        std::mem::swap(items, &mut other);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_bits_follow_numeric_order_and_round_trip() {
        let values = [
            f64::NEG_INFINITY,
            -1e300,
            -2.5,
            -f64::MIN_POSITIVE,
            -0.0,
            0.0,
            f64::MIN_POSITIVE,
            1.0,
            3.5e200,
            f64::INFINITY,
        ];
        for pair in values.windows(2) {
            assert!(ordered_bits(pair[0]) < ordered_bits(pair[1]), "{pair:?}");
        }
        for v in values {
            assert_eq!(from_ordered_bits(ordered_bits(v)).to_bits(), v.to_bits());
        }
        let singles = [-3.0f32, -0.0, 0.0, 1e-30, 7.0];
        for pair in singles.windows(2) {
            assert!(ordered_bits_f32(pair[0]) < ordered_bits_f32(pair[1]));
        }
    }

    #[test]
    fn radix_sort_is_a_stable_sort_by_key() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for n in [0usize, 1, 2, 17, 600, 5000] {
            // Few distinct keys, so that ties are common; some spread over every byte.
            let mut items: Vec<(u64, usize)> = (0..n)
                .map(|i| {
                    let r = next();
                    (if i % 3 == 0 { r } else { (r % 7) << 40 }, i)
                })
                .collect();
            let mut want = items.clone();
            want.sort_by_key(|&(k, _)| k);
            radix_sort_by_key(&mut items);
            assert_eq!(items, want, "n = {n}");
        }
    }
}
