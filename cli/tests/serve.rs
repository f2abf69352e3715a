//! `companion serve` refuses to put the demo users, whose password is public, on a network.

use std::process::Command;

#[test]
fn serve_refuses_a_network_address_while_demo_users_exist() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_companion"))
        .args(["serve", "--addr", "0.0.0.0:0", "--db"])
        .arg(dir.path().join("server.db"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--allow-demo-users-on-network"), "{stderr}");
    assert!(
        !dir.path().join("server.db").exists(),
        "refused before creating anything"
    );
}
