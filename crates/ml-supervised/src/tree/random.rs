//! The random numbers of scikit-learn's tree splitters, reproduced so that a seed
//! gives the tree `random_state = seed` gives there, ties included.
//!
//! scikit-learn seeds a 32-bit xorshift generator with
//! `numpy.random.RandomState(seed).randint(0, 2**31 - 1)`: the first MT19937 output
//! of `init_genrand(seed)`, masked to 31 bits (drawn again in the rare case it equals
//! 2^31 − 1). These are facts of the algorithms, written from their published
//! definitions (Matsumoto and Nishimura 1998; Marsaglia 2003).

/// MT19937, just enough of it to give numpy's first draws of an integer seed.
struct Mt19937 {
    state: [u32; 624],
    index: usize,
}

impl Mt19937 {
    fn new(seed: u32) -> Self {
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
}

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
        let mut mt = Mt19937::new(seed as u32);
        // numpy's bounded draw on [0, 2^31 − 2]: mask to 31 bits, reject the top value.
        let state = loop {
            let v = mt.next_u32() & RAND_R_MAX;
            if v != RAND_R_MAX {
                break v;
            }
        };
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
}
