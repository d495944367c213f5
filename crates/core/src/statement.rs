//! Canonical JSON: the exact bytes a person signs and an audit line hashes.
//!
//! Objects have their keys sorted by byte order, there is no whitespace, and strings use
//! serde_json's escaping. Two programs that agree on the value agree on the bytes, so a
//! statement re-serialised from a parsed file verifies against the signature made over
//! the original, however the file itself was formatted.

use serde_json::Value;

/// `value` as canonical JSON.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sorted_at_every_depth_no_whitespace() {
        let v: Value =
            serde_json::from_str(r#"{ "b": [ {"z": 1, "a": "x\n"} ], "a": null, "é": true }"#)
                .expect("json");
        assert_eq!(
            canonical_json(&v),
            r#"{"a":null,"b":[{"a":"x\n","z":1}],"é":true}"#
        );
    }
}
