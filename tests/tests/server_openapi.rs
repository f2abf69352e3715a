//! `openapi.json` and the implementation must agree: every documented operation is served
//! with answers that match its schemas, and every route in the code is documented.

use std::collections::BTreeSet;

use companion_server::{ServerConfig, seed};
use serde_json::{Value, json};

fn spec() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../server/openapi.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let pointer = r.trim_start_matches('#');
            resolve(
                spec,
                spec.pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling $ref {r}")),
            )
        }
        None => schema,
    }
}

/// Checks types and required properties, recursively (the subset of JSON Schema we use).
fn check(spec: &Value, schema: &Value, value: &Value, at: &str) {
    let schema = resolve(spec, schema);
    if let Some(expected) = schema.get("const") {
        assert_eq!(value, expected, "{at}");
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => {
            let object = value
                .as_object()
                .unwrap_or_else(|| panic!("{at}: expected object, got {value}"));
            for key in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let key = key.as_str().unwrap();
                assert!(
                    object.contains_key(key),
                    "{at}: missing required {key} in {value}"
                );
            }
            for (key, sub) in schema
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if let Some(v) = object.get(key) {
                    check(spec, sub, v, &format!("{at}.{key}"));
                }
            }
        }
        Some("array") => {
            let items = value
                .as_array()
                .unwrap_or_else(|| panic!("{at}: expected array"));
            for (i, item) in items.iter().enumerate() {
                check(spec, &schema["items"], item, &format!("{at}[{i}]"));
            }
        }
        Some("string") => assert!(value.is_string(), "{at}: expected string, got {value}"),
        Some("integer") => assert!(
            value.is_i64() || value.is_u64(),
            "{at}: expected integer, got {value}"
        ),
        _ => {}
    }
}

fn response_schema<'a>(
    spec: &'a Value,
    path: &str,
    method: &str,
    status: u16,
) -> Option<&'a Value> {
    let response = resolve(
        spec,
        spec["paths"][path][method]["responses"].get(status.to_string())?,
    );
    response.pointer("/content/application~1json/schema")
}

#[tokio::test]
async fn every_documented_operation_is_served_and_matches_its_schema() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let server = companion_server::start(ServerConfig::in_dir(dir.path()))
        .await
        .unwrap();
    let spec = spec();
    let http = reqwest::Client::new();

    // A real session so that authorised operations answer 200.
    let device = json!({"install_id": "i", "platform": "desktop", "model": "m", "os_version": "o", "app_version": "a", "public_key": "k"});
    let login = json!({"username": "maria", "password": seed::DEMO_PASSWORD, "device": device});
    let tokens: Value = http
        .post(format!("{}/v1/auth/login", server.url()))
        .json(&login)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    check(
        &spec,
        response_schema(&spec, "/v1/auth/login", "post", 200).unwrap(),
        &tokens,
        "login",
    );
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();

    let bodies = [
        ("/v1/auth/login", login.clone()),
        ("/v1/auth/refresh", json!({"refresh_token": refresh})),
        ("/v1/auth/logout", json!({"refresh_token": "unknown-token"})),
    ];
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            let url = format!("{}{}", server.url(), path);
            let request = match method.as_str() {
                "get" => http.get(&url),
                "post" => http.post(&url).json(
                    &bodies
                        .iter()
                        .find(|(p, _)| p == path)
                        .map(|(_, b)| b.clone())
                        .unwrap_or(json!({})),
                ),
                other => panic!("method {other} not handled by this test"),
            };
            let response = request.bearer_auth(&access).send().await.unwrap();
            let status = response.status().as_u16();
            assert!(
                status != 404 && status != 405,
                "{method} {path} is documented but answers {status}"
            );
            let documented = spec["paths"][path][method]["responses"]
                .get(status.to_string())
                .is_some();
            assert!(
                documented,
                "{method} {path} answered {status}, which openapi.json does not list"
            );
            if let Some(schema) = response_schema(&spec, path, method, status) {
                let body: Value = response.json().await.unwrap();
                check(&spec, schema, &body, &format!("{method} {path} {status}"));
            }
        }
    }
    let unknown = http
        .get(format!("{}/v1/no-such-thing", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let body: Value = unknown.json().await.unwrap();
    check(
        &spec,
        &json!({"$ref": "#/components/schemas/ErrorBody"}),
        &body,
        "404",
    );
    server.shutdown().await;
}

/// Every `.route("...")` in the server's code appears in openapi.json (the test-only fault
/// endpoint excepted), so nothing ships undocumented.
#[test]
fn every_route_in_the_code_is_documented() {
    let spec = spec();
    let documented: BTreeSet<String> = spec["paths"].as_object().unwrap().keys().cloned().collect();
    let mut found = BTreeSet::new();
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/../server/src");
    let mut stack = vec![std::path::PathBuf::from(src)];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for piece in text.split(".route(").skip(1) {
                let Some(rest) = piece.trim_start().strip_prefix('"') else {
                    continue;
                };
                let route = rest.split('"').next().unwrap();
                // axum's `{param}` syntax is OpenAPI's too.
                found.insert(format!("/v1{route}"));
            }
        }
    }
    found.remove("/v1/_test/faults");
    assert!(found.len() >= 5, "route scan found too little: {found:?}");
    let undocumented: Vec<_> = found.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from openapi.json: {undocumented:?}"
    );
}
