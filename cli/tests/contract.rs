//! The CLI is the scripting interface: one documented contract (`docs/cli.md`). Every
//! failure is JSON under `--json` and exits with the code of its kind; arguments mean the
//! same in every command; `serve` stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

fn companion(args: &[&str], data_dir: &std::path::Path, server: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_companion"))
        .args(args)
        .env("COMPANION_DATA_DIR", data_dir)
        .env("COMPANION_SERVER", server)
        .env_remove("COMPANION_PASSWORD")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn json_error(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let doc: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout:?} / {:?}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    doc["error"].clone()
}

struct Serve(Child, String);

impl Serve {
    fn start(dir: &std::path::Path) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_companion"))
            .args([
                "serve",
                "--json",
                "--addr",
                "127.0.0.1:0",
                "--catalogue-rows",
                "50",
                "--db",
            ])
            .arg(dir.join("server.db"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let doc: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(doc["event"], "listening", "{line}");
        let url = doc["url"].as_str().unwrap().to_string();
        Serve(child, url)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn every_failure_is_json_with_the_exit_code_of_its_kind() {
    let dir = tempfile::tempdir().unwrap();
    let phone = dir.path().join("phone");
    // An argument error: the usage code (2), JSON all the same.
    let out = companion(
        &["stock", "pick", "--json", "--item", "x"],
        &phone,
        "http://127.0.0.1:1",
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_error(&out)["kind"], "usage");
    // Signed out: not_signed_in (12).
    let out = companion(&["stock", "list", "--json"], &phone, "http://127.0.0.1:1");
    assert_eq!(out.status.code(), Some(12), "{out:?}");
    assert_eq!(json_error(&out)["kind"], "not_signed_in");
    // The server cannot be reached: offline (10), retryable.
    let out = Command::new(env!("CARGO_BIN_EXE_companion"))
        .args([
            "login",
            "--json",
            "--username",
            "maria",
            "--password",
            "demo-password",
        ])
        .env("COMPANION_DATA_DIR", &phone)
        .env("COMPANION_SERVER", "http://127.0.0.1:1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(10), "{out:?}");
    let e = json_error(&out);
    assert_eq!(e["kind"], "offline");
    assert_eq!(e["retryable"], true);
    // Invalid input names its field (3); a plain-http remote server is refused.
    let out = companion(&["status", "--json"], &phone, "http://erp.example.com");
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert_eq!(json_error(&out)["field"], "server_url");
}

#[test]
fn stock_commands_share_their_arguments_and_serve_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let server = Serve::start(dir.path());
    let phone = dir.path().join("phone");
    let run = |args: &[&str]| companion(args, &phone, &server.1);
    let out = Command::new(env!("CARGO_BIN_EXE_companion"))
        .args([
            "login",
            "--json",
            "--username",
            "lena",
            "--password",
            "demo-password",
        ])
        .env("COMPANION_DATA_DIR", &phone)
        .env("COMPANION_SERVER", &server.1)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    // A count before the first download is refused (it would add instead of set).
    let out = run(&[
        "stock",
        "count",
        "--json",
        "--item",
        "I000000",
        "--lot",
        "L000000-1",
        "--bin",
        "N-01-01-1",
        "--qty",
        "3",
    ]);
    assert_eq!(out.status.code(), Some(5), "{out:?}");
    assert_eq!(json_error(&out)["kind"], "conflict");
    assert!(run(&["sync", "--json"]).status.success());
    // The catalogue is listable; lookup takes an id, a SKU or a barcode.
    let list: Vec<serde_json::Value> =
        serde_json::from_slice(&run(&["stock", "list", "--json", "--limit", "2"]).stdout).unwrap();
    assert_eq!(list.len(), 2, "the catalogue, cut at --limit");
    let item = &list[0];
    for key in [&item["item_id"], &item["sku"], &item["barcodes"][0]] {
        let out = run(&["stock", "lookup", "--json", key.as_str().unwrap()]);
        assert!(out.status.success(), "lookup {key}: {out:?}");
        let found: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(found[0]["item"]["item_id"], item["item_id"]);
    }
    let out = run(&["stock", "lookup", "--json", "no-such-thing"]);
    assert_eq!(out.status.code(), Some(4));
    // `--qty -5` (a separate negative value) reaches validation in every command: a pick
    // of -5 is invalid input naming qty, not a usage error.
    let out = run(&[
        "stock",
        "pick",
        "--json",
        "--item",
        "I000000",
        "--lot",
        "L000000-1",
        "--bin",
        "N-01-01-1",
        "--qty",
        "-5",
    ]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert_eq!(json_error(&out)["field"], "qty");
    // The outbox says when it is cut.
    let pending: serde_json::Value = serde_json::from_slice(
        &run(&["stock", "pending", "--json", "--all", "--limit", "1"]).stdout,
    )
    .unwrap();
    assert!(pending["total"].is_u64());
    // SIGTERM: serve stops cleanly (exit 0) and says so.
    let mut server = server;
    let child = &mut server.0;
    let pid = child.id() as i32;
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut rest).unwrap();
    assert!(rest.contains("\"stopped\""), "{rest}");
}
