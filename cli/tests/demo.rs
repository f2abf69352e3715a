//! README's main command must keep working: `companion demo --json` runs the whole scripted
//! session and its steps report what happened.

use std::process::Command;

#[test]
fn demo_runs_end_to_end_and_the_two_phones_converge() {
    let output = Command::new(env!("CARGO_BIN_EXE_companion"))
        .args(["demo", "--json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "demo failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let steps: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let step = |name: &str| {
        steps
            .iter()
            .find(|s| s["step"] == name)
            .unwrap_or_else(|| panic!("no step {name} in {stdout}"))["detail"]
            .clone()
    };
    assert!(
        step("wrong_password")["error"]
            .as_str()
            .unwrap()
            .contains("unauthorized")
    );
    assert!(
        step("initial_sync")["report"]["pulled_rows"]
            .as_u64()
            .unwrap()
            >= 2_000
    );
    let label = step("real_label");
    assert_eq!(
        label["text"], "(01)90012345678908(3103)012233(15)991231",
        "the real DataBar Expanded label decodes"
    );
    assert_eq!(label["item_id"], "I000001", "and its GTIN is found offline");
    assert!(
        label["gs1"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["ai"] == "3103")
    );
    let merged = step("merged");
    let before = merged["before"].as_i64().unwrap();
    assert_eq!(merged["maria_sees"].as_i64().unwrap(), before - 5);
    assert_eq!(merged["lena_sees"].as_i64().unwrap(), before - 5);
    let push = step("push");
    assert!(
        push["link"]
            .as_str()
            .unwrap()
            .starts_with("companion://item/wh-north/")
    );
    assert_eq!(push["title"], "Stock below threshold");
    assert_eq!(step("pod_tampered")["code"], "seal_record_altered");
    assert_eq!(step("pod_offline_queue")["queued"], 1);
    let pod = step("pod_uploaded");
    assert_eq!(pod["report"]["uploaded"], 1);
    assert_eq!(pod["receipt"]["geofence"], "inside");
    assert_eq!(step("pod_photo")["exif_in_kept_photo"], false);
    assert_eq!(step("pod_receipt")["countersignature_valid"], true);
    assert_eq!(step("pod_receipt")["second_upload_sent"], 0);
    assert_eq!(step("restart")["session_restored"], true);
    assert_eq!(steps.last().unwrap()["step"], "signed_out");
}
