//! IEEE 754 half precision (`e`), converted the way CPython's PyFloat_Pack2/Unpack2 do:
//! round half to even, overflow is an error, NaN keeps only its sign.

/// The 16 bits of `x` as a half, or `None` if it is too large (CPython's OverflowError).
pub fn pack_half(x: f64) -> Option<u16> {
    let (sign, exponent, bits): (u16, i32, u16) = if x == 0.0 {
        (u16::from(x.is_sign_negative()), 0, 0)
    } else if x.is_infinite() {
        (u16::from(x < 0.0), 0x1f, 0)
    } else if x.is_nan() {
        // The quiet NaN with only the top fraction bit set.
        (u16::from(x.is_sign_negative()), 0x1f, 512)
    } else {
        let sign = u16::from(x < 0.0);
        let (mut f, mut e) = frexp(x.abs());
        // Normalise f to [1, 2).
        f *= 2.0;
        e -= 1;
        if e >= 16 {
            return None;
        } else if e < -25 {
            // Below 2**-25: underflows to zero.
            f = 0.0;
            e = 0;
        } else if e < -14 {
            // Gradual underflow into the subnormals.
            f *= 2f64.powi(14 + e);
            e = 0;
        } else {
            e += 15;
            f -= 1.0;
        }
        f *= 1024.0;
        let mut bits = f as u16; // truncation, then round half to even below
        let rest = f - f64::from(bits);
        if rest > 0.5 || (rest == 0.5 && bits % 2 == 1) {
            bits += 1;
            if bits == 1024 {
                bits = 0;
                e += 1;
                if e == 31 {
                    return None;
                }
            }
        }
        (sign, e, bits)
    };
    Some(bits | ((exponent as u16) << 10) | (sign << 15))
}

/// A half's 16 bits as a double.
pub fn unpack_half(h: u16) -> f64 {
    let negative = h >> 15 == 1;
    let exponent = i32::from((h >> 10) & 0x1f);
    let fraction = h & 0x3ff;
    let magnitude = if exponent == 0x1f {
        if fraction == 0 {
            f64::INFINITY
        } else {
            f64::NAN
        }
    } else {
        let mut x = f64::from(fraction) / 1024.0;
        let e = if exponent == 0 {
            -14
        } else {
            x += 1.0;
            exponent - 15
        };
        x * 2f64.powi(e)
    };
    if negative { -magnitude } else { magnitude }
}

/// C's frexp for a positive finite double: x = f × 2^e with f in [0.5, 1).
fn frexp(x: f64) -> (f64, i32) {
    if x < f64::MIN_POSITIVE {
        // Subnormal doubles are far below half precision's range; scale them up first.
        let (f, e) = frexp(x * 2f64.powi(64));
        return (f, e - 64);
    }
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i32 - 1022;
    let f = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (f, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_halves_match_cpython() {
        assert_eq!(pack_half(1.0), Some(0x3c00));
        assert_eq!(pack_half(65504.0), Some(0x7bff));
        assert_eq!(pack_half(65519.0), Some(0x7bff));
        assert_eq!(pack_half(65520.0), None);
        assert_eq!(pack_half(6e-8), Some(0x0001));
        assert_eq!(pack_half(1e-8), Some(0x0000));
        assert_eq!(pack_half(f64::NAN), Some(0x7e00));
        assert_eq!(pack_half(-f64::NAN), Some(0xfe00));
        assert_eq!(pack_half(-0.0), Some(0x8000));
    }

    #[test]
    fn every_half_round_trips() {
        for h in 0..=u16::MAX {
            let x = unpack_half(h);
            if x.is_nan() {
                continue;
            }
            assert_eq!(pack_half(x), Some(h), "{h:#06x}");
        }
    }
}
