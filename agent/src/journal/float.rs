//! `f64` fields as the journal writes them. JSON has no NaN or infinities: serde_json writes them
//! as `null` and then cannot read `null` back as a number, so a run killed after its first row
//! without a confidence interval could not be resumed. Finite values stay JSON numbers (the
//! shortest text that parses back to the same bits; `float_roundtrip` makes serde_json parse
//! them exactly); the others are the strings `"NaN"`, `"inf"` and `"-inf"`.
//!
//! Use as `#[serde(with = "crate::journal::float")]` on an `f64` field.

use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};
use std::fmt;

const NAN: &str = "NaN";
const INF: &str = "inf";
const NEG_INF: &str = "-inf";

pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    if x.is_finite() {
        s.serialize_f64(*x)
    } else if x.is_nan() {
        s.serialize_str(NAN)
    } else if *x > 0.0 {
        s.serialize_str(INF)
    } else {
        s.serialize_str(NEG_INF)
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    d.deserialize_any(FloatVisitor)
}

struct FloatVisitor;

impl Visitor<'_> for FloatVisitor {
    type Value = f64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a number, or \"{NAN}\", \"{INF}\" or \"{NEG_INF}\"")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        match v {
            NAN => Ok(f64::NAN),
            INF => Ok(f64::INFINITY),
            NEG_INF => Ok(f64::NEG_INFINITY),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize)]
    struct Holder(#[serde(with = "super")] f64);

    fn round_trip(x: f64) -> f64 {
        let text = serde_json::to_string(&Holder(x)).unwrap();
        serde_json::from_str::<Holder>(&text).unwrap().0
    }

    #[test]
    fn every_value_comes_back_bit_for_bit() {
        let values = [
            0.0,
            -0.0,
            1.0,
            -2.5,
            0.1 + 0.2,
            1.0 / 3.0,
            f64::MIN_POSITIVE,
            f64::MIN_POSITIVE / 8.0, // subnormal
            f64::EPSILON,
            f64::MAX,
            f64::MIN,
            1e-300,
            6.02214076e23,
            9007199254740993.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for x in values {
            assert_eq!(round_trip(x).to_bits(), x.to_bits(), "{x:e}");
        }
        assert!(round_trip(f64::NAN).is_nan());
        // Random bit patterns over the whole range (xorshift64), where a parser that is off by
        // one unit in the last place would show.
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let x = f64::from_bits(state);
            if x.is_finite() {
                assert_eq!(round_trip(x).to_bits(), x.to_bits(), "{x:e}");
            }
        }
    }

    #[test]
    fn non_finite_values_are_named_strings() {
        assert_eq!(serde_json::to_string(&Holder(f64::NAN)).unwrap(), "\"NaN\"");
        assert_eq!(
            serde_json::to_string(&Holder(f64::NEG_INFINITY)).unwrap(),
            "\"-inf\""
        );
        let err = serde_json::from_str::<Holder>("null").unwrap_err();
        assert!(err.to_string().contains("\"NaN\""), "{err}");
        assert!(serde_json::from_str::<Holder>("\"nan?\"").is_err());
    }
}
