//! Just enough OpenAPI v3 for kubectl to see that the server validates fields
//! itself (`fieldValidation`), so that `kubectl edit`, `replace` and `apply`
//! leave validation to the server instead of downloading full schemas.

use serde_json::{Map, Value, json};

use super::resources::{RESOURCES, api_version};

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `GET /openapi/v3`: the index of group-version documents.
pub fn index() -> Value {
    let mut paths = Map::new();
    for r in RESOURCES {
        let p = gv_path(r.group, r.version);
        paths.insert(
            p.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{p}?hash=sim")}),
        );
    }
    json!({"paths": paths})
}

/// `GET /openapi/v3/<gv>`: PATCH operations carrying the `fieldValidation` parameter.
pub fn document(path: &str) -> Option<Value> {
    let mut paths = Map::new();
    let mut found = false;
    for r in RESOURCES
        .iter()
        .filter(|r| gv_path(r.group, r.version) == path)
    {
        found = true;
        let prefix = format!("/{}", gv_path(r.group, r.version));
        let item = if r.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", r.plural)
        } else {
            format!("{prefix}/{}/{{name}}", r.plural)
        };
        let gvk = json!({"group": r.group, "version": r.version, "kind": r.kind});
        let op = json!({
            "operationId": format!("patch{}", r.kind),
            "x-kubernetes-group-version-kind": gvk,
            "parameters": [
                {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
            ],
            "responses": {"200": {"description": "OK"}},
        });
        let mut put = op.clone();
        put["operationId"] = json!(format!("replace{}", r.kind));
        paths.insert(item, json!({"patch": op, "put": put}));
        let _ = api_version(r);
    }
    found.then(|| {
        json!({"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.4"}, "paths": paths,
               "components": {"schemas": {}}})
    })
}
