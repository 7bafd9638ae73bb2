//! Checking a reply against the JSON Schema it was asked to follow.
//!
//! Servers that enforce the schema with a grammar make this a formality, but hosted APIs
//! without strict mode, proxies and older servers do not, and serde alone would accept extra
//! keys, out-of-range numbers and (for `String` fields) values outside an `enum`. Only the
//! subset of JSON Schema that structured-output schemas use is checked: `type`, `enum`, `const`,
//! `properties`, `required`, `additionalProperties`, `items`, `minItems`/`maxItems`,
//! `minLength`/`maxLength`, `minimum`/`maximum` (and exclusive forms), `anyOf`/`oneOf`/`allOf`
//! and local `$ref`s. Other keywords (such as `pattern`) are ignored rather than guessed at.
//! The first violation is reported with its JSON Pointer path, worded for the model to fix.

use serde_json::{Map, Value};

/// Checks `value` against `schema`; the error names where and how it fails.
pub fn validate_against_schema(value: &Value, schema: &Value) -> Result<(), String> {
    Checker { root: schema }.check(value, schema, "", 0)
}

/// `$ref` cycles in a schema must not recurse forever.
const MAX_DEPTH: usize = 64;

struct Checker<'s> {
    root: &'s Value,
}

impl Checker<'_> {
    fn check(&self, value: &Value, schema: &Value, path: &str, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Ok(());
        }
        let schema = match schema {
            Value::Bool(true) => return Ok(()),
            Value::Bool(false) => return Err(format!("{} is not allowed", at(path))),
            Value::Object(schema) => schema,
            _ => return Ok(()),
        };
        if let Some(target) = schema.get("$ref").and_then(Value::as_str)
            && let Some(resolved) = target.strip_prefix('#').and_then(|p| self.root.pointer(p))
        {
            self.check(value, resolved, path, depth + 1)?;
        }
        if let Some(types) = schema.get("type") {
            check_type(value, types, path)?;
        }
        if let Some(Value::Array(options)) = schema.get("enum")
            && !options.iter().any(|option| same(option, value))
        {
            return Err(format!(
                "{}: {} is not one of {}",
                at(path),
                value,
                Value::Array(options.clone())
            ));
        }
        if let Some(expected) = schema.get("const")
            && !same(expected, value)
        {
            return Err(format!("{}: must be {expected}, not {value}", at(path)));
        }
        self.check_combinators(value, schema, path, depth)?;
        match value {
            Value::Object(object) => self.check_object(object, schema, path, depth),
            Value::Array(items) => self.check_array(items, schema, path, depth),
            Value::String(text) => check_string(text, schema, path),
            Value::Number(_) => check_number(value, schema, path),
            _ => Ok(()),
        }
    }

    fn check_combinators(
        &self,
        value: &Value,
        schema: &Map<String, Value>,
        path: &str,
        depth: usize,
    ) -> Result<(), String> {
        if let Some(Value::Array(all)) = schema.get("allOf") {
            for sub in all {
                self.check(value, sub, path, depth + 1)?;
            }
        }
        for keyword in ["anyOf", "oneOf"] {
            if let Some(Value::Array(options)) = schema.get(keyword) {
                let results: Vec<Result<(), String>> = options
                    .iter()
                    .map(|sub| self.check(value, sub, path, depth + 1))
                    .collect();
                let passing = results.iter().filter(|result| result.is_ok()).count();
                if passing == 0 {
                    let reasons: Vec<String> =
                        results.into_iter().filter_map(Result::err).collect();
                    return Err(format!(
                        "{}: matches none of the allowed forms ({})",
                        at(path),
                        reasons.join("; ")
                    ));
                }
                if keyword == "oneOf" && passing > 1 {
                    return Err(format!(
                        "{}: matches {passing} of the forms, exactly one is allowed",
                        at(path)
                    ));
                }
            }
        }
        Ok(())
    }

    fn check_object(
        &self,
        object: &Map<String, Value>,
        schema: &Map<String, Value>,
        path: &str,
        depth: usize,
    ) -> Result<(), String> {
        if let Some(Value::Array(required)) = schema.get("required") {
            for key in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(key) {
                    return Err(format!("{}: missing required property \"{key}\"", at(path)));
                }
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (key, item) in object {
            let item_path = format!("{path}/{}", escape_pointer(key));
            match properties.and_then(|p| p.get(key)) {
                Some(sub) => self.check(item, sub, &item_path, depth + 1)?,
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        return Err(format!(
                            "{}: unexpected property \"{key}\" (allowed: {})",
                            at(path),
                            allowed_keys(properties)
                        ));
                    }
                    Some(sub @ Value::Object(_)) => self.check(item, sub, &item_path, depth + 1)?,
                    _ => {}
                },
            }
        }
        Ok(())
    }

    fn check_array(
        &self,
        items: &[Value],
        schema: &Map<String, Value>,
        path: &str,
        depth: usize,
    ) -> Result<(), String> {
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < min
        {
            return Err(format!(
                "{}: has {} items, at least {min} needed",
                at(path),
                items.len()
            ));
        }
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
            && items.len() as u64 > max
        {
            return Err(format!(
                "{}: has {} items, at most {max} allowed",
                at(path),
                items.len()
            ));
        }
        if let Some(sub) = schema.get("items") {
            for (index, item) in items.iter().enumerate() {
                self.check(item, sub, &format!("{path}/{index}"), depth + 1)?;
            }
        }
        Ok(())
    }
}

/// Property names a schema allows, sorted so the message does not depend on map order.
fn allowed_keys(properties: Option<&Map<String, Value>>) -> String {
    let mut keys: Vec<&str> = properties
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys.join(", ")
}

fn check_type(value: &Value, types: &Value, path: &str) -> Result<(), String> {
    let allowed: Vec<&str> = match types {
        Value::String(name) => vec![name.as_str()],
        Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
        _ => return Ok(()),
    };
    if allowed.is_empty() || allowed.iter().any(|name| has_type(value, name)) {
        Ok(())
    } else {
        Err(format!(
            "{}: expected {}, found {}",
            at(path),
            allowed.join(" or "),
            type_name(value)
        ))
    }
}

fn has_type(value: &Value, name: &str) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|x| x.fract() == 0.0)
        }
        _ => true,
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn check_string(text: &str, schema: &Map<String, Value>, path: &str) -> Result<(), String> {
    let length = text.chars().count() as u64;
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
        && length < min
    {
        return Err(format!(
            "{}: text of {length} characters, at least {min} needed",
            at(path)
        ));
    }
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
        && length > max
    {
        return Err(format!(
            "{}: text of {length} characters, at most {max} allowed",
            at(path)
        ));
    }
    Ok(())
}

fn check_number(value: &Value, schema: &Map<String, Value>, path: &str) -> Result<(), String> {
    let Some(x) = value.as_f64() else {
        return Ok(());
    };
    let bound = |keyword: &str| schema.get(keyword).and_then(Value::as_f64);
    if let Some(min) = bound("minimum").filter(|&min| x < min) {
        return Err(format!("{}: {value} is below the minimum {min}", at(path)));
    }
    if let Some(max) = bound("maximum").filter(|&max| x > max) {
        return Err(format!("{}: {value} is above the maximum {max}", at(path)));
    }
    if let Some(min) = bound("exclusiveMinimum").filter(|&min| x <= min) {
        return Err(format!("{}: {value} must be greater than {min}", at(path)));
    }
    if let Some(max) = bound("exclusiveMaximum").filter(|&max| x >= max) {
        return Err(format!("{}: {value} must be less than {max}", at(path)));
    }
    Ok(())
}

/// Equality for `enum`/`const` that treats `1` and `1.0` as the same number.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn at(path: &str) -> String {
    if path.is_empty() {
        "the reply".to_string()
    } else {
        format!("at {path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hypothesis_schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "action": {"type": "string", "enum": ["compare", "correlate", "stop"]},
                "genes": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1, "maxItems": 3},
                "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                "rank": {"type": "integer", "exclusiveMinimum": 0},
                "note": {"type": ["string", "null"]}
            },
            "required": ["action", "genes", "confidence"],
            "additionalProperties": false
        })
    }

    fn error(value: Value) -> String {
        validate_against_schema(&value, &hypothesis_schema()).unwrap_err()
    }

    #[test]
    fn a_conforming_reply_passes() {
        let value = json!({"action": "compare", "genes": ["TP53"], "confidence": 0.5, "rank": 2, "note": null});
        assert_eq!(
            validate_against_schema(&value, &hypothesis_schema()),
            Ok(())
        );
    }

    #[test]
    fn each_violation_is_named_with_its_path() {
        let base = json!({"action": "compare", "genes": ["TP53"], "confidence": 0.5});
        let with = |key: &str, v: Value| {
            let mut value = base.clone();
            value[key] = v;
            value
        };
        assert_eq!(
            error(with("action", json!("guess"))),
            r#"at /action: "guess" is not one of ["compare","correlate","stop"]"#
        );
        assert_eq!(
            error(with("confidence", json!(1.5))),
            "at /confidence: 1.5 is above the maximum 1"
        );
        assert_eq!(
            error(with("confidence", json!("high"))),
            "at /confidence: expected number, found string"
        );
        assert_eq!(
            error(with("rank", json!(0))),
            "at /rank: 0 must be greater than 0"
        );
        assert_eq!(
            error(with("rank", json!(1.5))),
            "at /rank: expected integer, found number"
        );
        assert_eq!(
            error(with("genes", json!([]))),
            "at /genes: has 0 items, at least 1 needed"
        );
        assert_eq!(
            error(with("genes", json!(["A", "B", "C", "D"]))),
            "at /genes: has 4 items, at most 3 allowed"
        );
        assert_eq!(
            error(with("genes", json!(["TP53", ""]))),
            "at /genes/1: text of 0 characters, at least 1 needed"
        );
        assert_eq!(
            error(with("note", json!(3))),
            "at /note: expected string or null, found number"
        );
        assert_eq!(
            error(with("extra", json!(true))),
            "the reply: unexpected property \"extra\" (allowed: action, confidence, genes, note, rank)"
        );
        assert_eq!(
            error(json!({"action": "stop", "genes": ["A"]})),
            "the reply: missing required property \"confidence\""
        );
        assert_eq!(error(json!([1])), "the reply: expected object, found array");
    }

    #[test]
    fn refs_and_combinators_are_followed() {
        let schema = json!({
            "$defs": {"Gene": {"type": "object", "properties": {"symbol": {"type": "string"}}, "required": ["symbol"]}},
            "type": "object",
            "properties": {
                "gene": {"$ref": "#/$defs/Gene"},
                "effect": {"anyOf": [{"type": "number"}, {"const": "none"}]},
                "sign": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 0}]}
            }
        });
        assert_eq!(
            validate_against_schema(
                &json!({"gene": {"symbol": "MYC"}, "effect": "none"}),
                &schema
            ),
            Ok(())
        );
        assert_eq!(
            validate_against_schema(&json!({"gene": {}}), &schema).unwrap_err(),
            "at /gene: missing required property \"symbol\""
        );
        let err = validate_against_schema(&json!({"effect": "big"}), &schema).unwrap_err();
        assert!(
            err.starts_with("at /effect: matches none of the allowed forms"),
            "{err}"
        );
        let err = validate_against_schema(&json!({"sign": 2}), &schema).unwrap_err();
        assert_eq!(
            err,
            "at /sign: matches 2 of the forms, exactly one is allowed"
        );
        assert_eq!(
            validate_against_schema(&json!({"sign": -2}), &schema),
            Ok(())
        );
    }

    #[test]
    fn additional_properties_schema_applies_to_unlisted_keys() {
        let schema = json!({"type": "object", "additionalProperties": {"type": "number"}});
        assert_eq!(
            validate_against_schema(&json!({"a": 1, "b": 2.5}), &schema),
            Ok(())
        );
        assert_eq!(
            validate_against_schema(&json!({"a/b": "x"}), &schema).unwrap_err(),
            "at /a~1b: expected number, found string"
        );
    }

    #[test]
    fn integers_written_as_floats_count_as_integers_and_enums_compare_numerically() {
        let schema = json!({"type": "integer", "enum": [1, 2]});
        assert_eq!(validate_against_schema(&json!(2.0), &schema), Ok(()));
        assert!(validate_against_schema(&json!(3), &schema).is_err());
    }

    #[test]
    fn self_referencing_schemas_terminate() {
        let schema = json!({"$ref": "#"});
        assert_eq!(validate_against_schema(&json!({"a": 1}), &schema), Ok(()));
        let schema = json!({"type": "object", "properties": {"child": {"$ref": "#"}}});
        let deep = (0..100).fold(json!({}), |inner, _| json!({"child": inner}));
        assert_eq!(validate_against_schema(&deep, &schema), Ok(()));
    }

    #[test]
    fn boolean_schemas_and_unknown_keywords() {
        assert_eq!(validate_against_schema(&json!(1), &json!(true)), Ok(()));
        assert!(validate_against_schema(&json!(1), &json!(false)).is_err());
        assert_eq!(
            validate_against_schema(&json!("x"), &json!({"pattern": "^[0-9]+$"})),
            Ok(())
        );
    }
}
