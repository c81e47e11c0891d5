//! The three patch formats kubectl sends: JSON merge patch (RFC 7386), the
//! strategic merge patch of built-in types, and JSON patch (RFC 6902).

use serde_json::{Map, Value};

use super::status::ApiError;

pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// Strategic merge: like a merge patch, except that lists of objects with a
/// `name` (containers, env, ports, volumes) merge element by element, and the
/// `$`-directives kubectl adds are honoured or ignored.
pub fn strategic_merge(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(t) = target else { return };
    for (k, v) in p {
        if k.starts_with('$') {
            continue;
        }
        if v.is_null() {
            t.remove(k);
            continue;
        }
        match (t.get_mut(k), v) {
            (Some(Value::Array(existing)), Value::Array(items))
                if items.iter().all(|i| i.get("name").is_some()) =>
            {
                for item in items {
                    let name = &item["name"];
                    if item.get("$patch").and_then(Value::as_str) == Some("delete") {
                        existing.retain(|e| &e["name"] != name);
                    } else if let Some(e) = existing.iter_mut().find(|e| &e["name"] == name) {
                        strategic_merge(e, item);
                    } else {
                        existing.push(item.clone());
                    }
                }
            }
            (Some(slot), _) => strategic_merge(slot, v),
            (None, _) => {
                let mut fresh = Value::Null;
                strategic_merge(&mut fresh, v);
                t.insert(k.clone(), fresh);
            }
        }
    }
}

fn pointer_parts(path: &str) -> Vec<String> {
    path.split('/')
        .skip(1)
        .map(|p| p.replace("~1", "/").replace("~0", "~"))
        .collect()
}

pub fn json_patch(target: &mut Value, ops: &Value) -> Result<(), ApiError> {
    let ops = ops
        .as_array()
        .ok_or_else(|| ApiError::bad_request("json patch must be an array of operations"))?;
    for op in ops {
        let kind = op["op"].as_str().unwrap_or_default();
        let path = op["path"].as_str().unwrap_or_default();
        let parts = pointer_parts(path);
        let Some((last, parents)) = parts.split_last() else {
            if kind == "replace" || kind == "add" {
                *target = op["value"].clone();
                continue;
            }
            return Err(ApiError::bad_request(format!(
                "json patch: bad path {path:?}"
            )));
        };
        let mut cur = &mut *target;
        for p in parents {
            cur = match cur {
                Value::Object(m) => m.entry(p.clone()).or_insert(Value::Object(Map::new())),
                Value::Array(a) => {
                    let i: usize = p.parse().map_err(|_| {
                        ApiError::bad_request(format!("json patch: bad index in {path:?}"))
                    })?;
                    a.get_mut(i).ok_or_else(|| {
                        ApiError::bad_request(format!("json patch: no element at {path:?}"))
                    })?
                }
                _ => {
                    return Err(ApiError::bad_request(format!(
                        "json patch: cannot walk {path:?}"
                    )));
                }
            };
        }
        match (kind, cur) {
            ("add" | "replace", Value::Object(m)) => {
                m.insert(last.clone(), op["value"].clone());
            }
            ("remove", Value::Object(m)) => {
                m.remove(last);
            }
            ("add", Value::Array(a)) if last == "-" => a.push(op["value"].clone()),
            ("add" | "replace" | "remove", Value::Array(a)) => {
                let i: usize = last.parse().map_err(|_| {
                    ApiError::bad_request(format!("json patch: bad index in {path:?}"))
                })?;
                match kind {
                    "add" if i <= a.len() => a.insert(i, op["value"].clone()),
                    "replace" if i < a.len() => a[i] = op["value"].clone(),
                    "remove" if i < a.len() => {
                        a.remove(i);
                    }
                    _ => {
                        return Err(ApiError::bad_request(format!(
                            "json patch: index out of range in {path:?}"
                        )));
                    }
                }
            }
            ("test", c) => {
                let have = if let Value::Object(m) = c {
                    m.get(last).cloned()
                } else {
                    None
                };
                if have.as_ref() != Some(&op["value"]) {
                    return Err(ApiError::invalid("", "", path, "test operation failed"));
                }
            }
            _ => {
                return Err(ApiError::bad_request(format!(
                    "json patch: unsupported operation {kind:?} at {path:?}"
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_image_patch_merges_containers_by_name() {
        let mut d = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "a", "image": "a:1", "ports": [{"containerPort": 80}]},
            {"name": "b", "image": "b:1"}]}}}});
        let p = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
            "containers": [{"image": "a:2", "name": "a"}]}}}});
        strategic_merge(&mut d, &p);
        let c = &d["spec"]["template"]["spec"]["containers"];
        assert_eq!(c[0]["image"], "a:2");
        assert_eq!(c[0]["ports"][0]["containerPort"], 80);
        assert_eq!(c[1]["image"], "b:1");
    }

    #[test]
    fn merge_patch_removes_nulls() {
        let mut o = json!({"a": {"b": 1, "c": 2}});
        merge_patch(&mut o, &json!({"a": {"b": null, "d": 3}}));
        assert_eq!(o, json!({"a": {"c": 2, "d": 3}}));
    }

    #[test]
    fn json_patch_replaces_template() {
        let mut o =
            json!({"spec": {"template": {"x": 1}}, "metadata": {"annotations": {"a": "b"}}});
        json_patch(
            &mut o,
            &json!([
            {"op": "replace", "path": "/spec/template", "value": {"y": 2}},
            {"op": "replace", "path": "/metadata/annotations", "value": {}}]),
        )
        .unwrap();
        assert_eq!(
            o,
            json!({"spec": {"template": {"y": 2}}, "metadata": {"annotations": {}}})
        );
    }
}
