//! The canonical writer against an independent RFC 8785 implementation
//! (`serde_json_canonicalizer`) on generated events: each case starts from
//! a golden vector of one kind and replaces its text and number values with
//! generated ones (quotes, backslashes, control characters, Arabic, astral
//! characters, any finite double, integers up to 2^53 - 1), keeping each
//! replacement only where the result is still an event (a time stays a
//! time, a country a country). Both writers must give the same bytes, and
//! the bytes must decode to the same event.

use proptest::prelude::*;
use rollcall_core::event::Event;
use serde_json::Value;
use std::path::PathBuf;

fn golden() -> Vec<Value> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/v2");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("golden vectors")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no golden vectors in {}", dir.display());
    paths
        .iter()
        .map(|p| serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json"))
        .collect()
}

/// A replacement for one leaf.
#[derive(Debug, Clone)]
struct Seed {
    text: String,
    float: f64,
    int: u64,
}

fn seed() -> impl Strategy<Value = Seed> {
    (
        "\\PC{0,12}|[\\x00-\\x1f\"\\\\/éأ€\u{2028}\u{feff}\u{1f600}a-z]{0,8}",
        proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO,
        0u64..(1 << 53),
    )
        .prop_map(|(text, float, int)| Seed { text, float, int })
}

/// Paths to every text and number leaf of `v`, in document order.
fn leaves(v: &Value, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        Value::String(_) | Value::Number(_) => out.push(path.clone()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                leaves(item, path, out);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                path.push(Step::Key(k.clone()));
                leaves(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum Step {
    Index(usize),
    Key(String),
}

fn at<'a>(v: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(v, |v, s| match s {
        Step::Index(i) => &mut v[*i],
        Step::Key(k) => &mut v[k.as_str()],
    })
}

fn replacement(old: &Value, s: &Seed) -> Value {
    match old {
        Value::String(_) => Value::String(s.text.clone()),
        Value::Number(n) if n.is_u64() => Value::from(s.int),
        _ => Value::from(s.float),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn generated_events_encode_as_the_reference_canonicaliser_does(
        which in any::<prop::sample::Index>(),
        seeds in proptest::collection::vec((any::<bool>(), seed()), 1..64),
    ) {
        let vectors = golden();
        let mut v = which.get(&vectors).clone();
        let mut paths = Vec::new();
        leaves(&v, &mut Vec::new(), &mut paths);
        for (i, path) in paths.iter().enumerate() {
            let (change, s) = &seeds[i % seeds.len()];
            if !change || path.iter().any(|s| matches!(s, Step::Key(k) if k == "v")) {
                continue;
            }
            let slot = at(&mut v, path);
            let old = std::mem::replace(slot, replacement(slot, s));
            if serde_json::from_value::<Event>(v.clone()).is_err() {
                *at(&mut v, path) = old;
            }
        }
        let event: Event = serde_json::from_value(v).expect("still an event");
        let ours = event.encode().expect("encode");
        let theirs = serde_json_canonicalizer::to_vec(&event).expect("reference");
        prop_assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&theirs));
        prop_assert_eq!(Event::decode(&ours).expect("decode"), event);
    }
}
