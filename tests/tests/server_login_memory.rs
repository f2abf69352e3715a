//! Memory stays flat under wrong passwords: each Argon2 check needs 19 MiB, and before the
//! fix every check left its 19 MiB resident (5.4 GB after 256 logins). Its own test binary,
//! so no other test's allocations blur the figure.

use companion_server::limits::ThrottleConfig;
use companion_server::{ServerConfig, seed};
use serde_json::json;

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap()
        .parse()
        .unwrap();
    kb / 1024.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_do_not_grow_server_memory() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::in_dir(dir.path());
    config.throttle = ThrottleConfig::off();
    let server = companion_server::start(config).await.unwrap();
    let http = reqwest::Client::new();
    let login = |user: String, password: &'static str| {
        let (http, url) = (http.clone(), format!("{}/v1/auth/login", server.url()));
        async move {
            http.post(url)
                .json(&json!({"username": user, "password": password, "device": {
                    "install_id": "i", "platform": "p", "model": "m", "os_version": "o",
                    "app_version": "a", "public_key": "k"}}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // Warm up both password threads.
    for _ in 0..4 {
        assert_eq!(login("maria".into(), seed::DEMO_PASSWORD).await, 200);
    }
    let before = rss_mb();
    for round in 0..6 {
        let attempts: Vec<_> = (0..4)
            .map(|i| tokio::spawn(login(format!("user-{round}-{i}"), "wrong")))
            .collect();
        for a in attempts {
            assert_eq!(a.await.unwrap(), 401);
        }
    }
    let grown = rss_mb() - before;
    assert!(
        grown < 40.0,
        "24 wrong passwords grew memory by {grown:.0} MB"
    );
    server.shutdown().await;
}
