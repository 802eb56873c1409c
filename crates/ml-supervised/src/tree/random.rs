//! The random numbers of scikit-learn's tree splitters and forests, reproduced so that
//! a seed gives the tree (or forest) `random_state = seed` gives there, ties included.
//!
//! scikit-learn seeds a 32-bit xorshift generator with
//! `numpy.random.RandomState(seed).randint(0, 2**31 - 1)`: the first MT19937 output
//! of `init_genrand(seed)`, masked to 31 bits (drawn again in the rare case it equals
//! 2^31 − 1). These are facts of the algorithms, written from their published
//! definitions (Matsumoto and Nishimura 1998; Marsaglia 2003).

/// MT19937 as numpy's legacy `RandomState(seed)`: its bounded integers and uniform
/// doubles.
pub(crate) struct Mt19937 {
    state: [u32; 624],
    index: usize,
}

impl Mt19937 {
    pub(crate) fn new(seed: u32) -> Self {
        let mut state = [0u32; 624];
        state[0] = seed;
        for i in 1..624 {
            let prev = state[i - 1];
            state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        Self { state, index: 624 }
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= 624 {
            for k in 0..624 {
                let y = (self.state[k] & 0x8000_0000) | (self.state[(k + 1) % 624] & 0x7FFF_FFFF);
                let mag = if y & 1 == 1 { 0x9908_B0DF } else { 0 };
                self.state[k] = self.state[(k + 397) % 624] ^ (y >> 1) ^ mag;
            }
            self.index = 0;
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9D2C_5680;
        y ^= (y << 15) & 0xEFC6_0000;
        y ^ (y >> 18)
    }

    /// `randint(0, n)` for `1 ≤ n ≤ 2^32`: a word masked to the smallest power of two
    /// above `n − 1`, drawn again while it is at least `n` (no draw when `n` is 1).
    pub(crate) fn below(&mut self, n: u64) -> u32 {
        let top = (n - 1) as u32;
        if top == 0 {
            return 0;
        }
        let mask = u32::MAX >> top.leading_zeros();
        loop {
            let v = self.next_u32() & mask;
            if v <= top {
                return v;
            }
        }
    }

    /// numpy's `choice(n, p = w / Σw)` for one draw: the first index whose cumulative
    /// share (`cumulative_shares(w)`) exceeds a uniform double (`searchsorted`, side
    /// right).
    pub(crate) fn choice(&mut self, cdf: &[f64]) -> usize {
        let u = self.uniform();
        cdf.partition_point(|&c| c <= u).min(cdf.len() - 1)
    }

    /// `random_sample()`: a double in `[0, 1)` from 53 bits of two words.
    pub(crate) fn uniform(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }
}

/// numpy's `choice(p = w / Σw)` table: the cumulative shares, the last exactly 1.
pub(crate) fn cumulative_shares(weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    let mut running = 0.0;
    let mut cdf: Vec<f64> = weights
        .iter()
        .map(|&w| {
            running += w / total;
            running
        })
        .collect();
    let last = cdf.last().copied().unwrap_or(1.0);
    cdf.iter_mut().for_each(|c| *c /= last);
    cdf
}

/// The largest seed numpy's `randint(2**31 - 1)` gives, plus one: the bound of the
/// seeds scikit-learn hands to its trees (`np.iinfo(np.int32).max`).
pub(crate) const SEED_BOUND: u64 = RAND_R_MAX as u64;

/// The largest value of the xorshift's outputs (`RAND_R_MAX`).
const RAND_R_MAX: u32 = 0x7FFF_FFFF;

/// scikit-learn's `our_rand_r` generator and `rand_int`.
pub(crate) struct SplitterRng {
    state: u32,
}

impl SplitterRng {
    /// The generator of `random_state = seed` (seeds above 2^32 − 1 are taken modulo
    /// 2^32, where numpy would refuse them).
    pub(crate) fn new(seed: u64) -> Self {
        // numpy's `randint(0, 2**31 - 1)`: 31 bits, the top value drawn again.
        let state = Mt19937::new(seed as u32).below(SEED_BOUND);
        Self { state }
    }

    fn next(&mut self) -> u32 {
        if self.state == 0 {
            self.state = 1;
        }
        self.state ^= self.state << 13;
        self.state ^= self.state >> 17;
        self.state ^= self.state << 5;
        self.state % (RAND_R_MAX + 1)
    }

    /// A value in `low..high` (`low < high`), as `rand_int`: `low + next % (high − low)`.
    pub(crate) fn below(&mut self, low: usize, high: usize) -> usize {
        low + (self.next() as usize) % (high - low)
    }

    /// A value in `[low, high]`, as `rand_uniform`: `(high − low)·next / RAND_R_MAX + low`.
    pub(crate) fn uniform(&mut self, low: f64, high: f64) -> f64 {
        (high - low) * f64::from(self.next()) / f64::from(RAND_R_MAX) + low
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_seeds_the_splitter_as_scikit_learn() {
        // np.random.RandomState(s).randint(0, 2**31 - 1) for s = 0, 1, 42, 12345.
        for (seed, first) in [
            (0, 209_652_396),
            (1, 1_791_095_845),
            (42, 1_608_637_542),
            (12345, 1_845_187_042),
        ] {
            assert_eq!(SplitterRng::new(seed).state, first);
        }
    }

    #[test]
    fn bounded_and_uniform_draws_are_numpys() {
        // np.random.RandomState(0).randint(0, 10, 5) and .randint(0, 569, 3).
        let mut mt = Mt19937::new(0);
        let draws: Vec<u32> = (0..5).map(|_| mt.below(10)).collect();
        assert_eq!(draws, [5, 0, 3, 3, 7]);
        let mut mt = Mt19937::new(0);
        let draws: Vec<u32> = (0..3).map(|_| mt.below(569)).collect();
        assert_eq!(draws, [559, 192, 359]);
        // [np.random.RandomState(3).randint(2**31 - 1) for _ in range(3)].
        let mut mt = Mt19937::new(3);
        let seeds: Vec<u32> = (0..3).map(|_| mt.below(SEED_BOUND)).collect();
        assert_eq!(seeds, [218_175_338, 303_761_048, 893_988_089]);
        // np.random.RandomState(42).random_sample(2).
        let mut mt = Mt19937::new(42);
        assert_eq!(mt.uniform(), 0.3745401188473625);
        assert_eq!(mt.uniform(), 0.9507143064099162);
        assert_eq!(Mt19937::new(7).below(1), 0);
    }
}
