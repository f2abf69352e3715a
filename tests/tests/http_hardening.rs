//! The client against hostile or misconfigured servers on loopback: redirects are not
//! followed (and the password is not re-sent), oversized answers are refused with bounded
//! memory, and signing in over a session revokes the old refresh token on the real server.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use companion_core::Error;
use companion_core::http::{ApiClient, RetryPolicy, Timeouts};
use companion_tests::{DEMO_PASSWORD, TestServer, open_phone};
use reqwest::Method;

/// Counts the bytes every connection to it sends, and answers nothing.
struct Sink {
    url: String,
    bytes: Arc<AtomicUsize>,
    seen: Arc<std::sync::Mutex<Vec<u8>>>,
}

fn sink(bind: &str) -> Sink {
    let listener = TcpListener::bind(bind).unwrap();
    let port = listener.local_addr().unwrap().port();
    let bytes = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (b, s) = (bytes.clone(), seen.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let (b, s) = (b.clone(), s.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    b.fetch_add(n, Ordering::SeqCst);
                    s.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            });
        }
    });
    Sink {
        url: format!("http://0.0.0.0:{port}"),
        bytes,
        seen,
    }
}

/// A loopback server that answers every request with `head` then `body_chunks` chunks of
/// 1 MiB (chunked encoding), and counts the requests it got.
fn hostile_server(head: String, body_chunks: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let r = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let head = head.clone();
            let r = r.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                // Read the request head (and a small body) before answering.
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                r.fetch_add(1, Ordering::SeqCst);
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = vec![b'a'; 1024 * 1024];
                for _ in 0..body_chunks {
                    let sent = stream
                        .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                        .and_then(|_| stream.write_all(&chunk))
                        .and_then(|_| stream.write_all(b"\r\n"));
                    if sent.is_err() {
                        return; // the client hung up, as it should
                    }
                }
                let _ = stream.write_all(b"0\r\n\r\n");
            });
        }
    });
    (url, requests)
}

fn client(url: &str) -> ApiClient {
    ApiClient::new(
        url,
        Timeouts {
            connect: Duration::from_secs(2),
            total: Duration::from_secs(60),
        },
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_is_not_followed_and_the_password_is_not_resent() {
    let elsewhere = sink("0.0.0.0:0");
    let (url, requests) = hostile_server(
        format!(
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: {}/v1/auth/login\r\nContent-Length: 0\r\n\r\n",
            elsewhere.url
        ),
        0,
    );
    let dir = tempfile::tempdir().unwrap();
    let phone = open_phone(dir.path(), &url).unwrap();
    let err = phone.sign_in("maria", DEMO_PASSWORD).await.unwrap_err();
    assert!(
        matches!(err, Error::Server { status: 307, ref detail, .. } if detail.contains("not followed")),
        "{err:?}"
    );
    assert_eq!(requests.load(Ordering::SeqCst), 1, "sent once, not retried");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        elsewhere.bytes.load(Ordering::SeqCst),
        0,
        "the redirect target got: {:?}",
        String::from_utf8_lossy(&elsewhere.seen.lock().unwrap())
    );
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb / 1024.0
}

#[tokio::test(flavor = "multi_thread")]
async fn a_400_mb_answer_is_refused_with_bounded_memory() {
    let before = peak_rss_mb();
    // Chunked, so the size is not announced: the client must stop reading by itself.
    let (url, _) = hostile_server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            .into(),
        400,
    );
    let err = client(&url)
        .send::<(), serde_json::Value>(Method::GET, "/v1/me", None, None, true)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Protocol(ref d) if d.contains("limit")),
        "{err:?}"
    );
    let grew = peak_rss_mb() - before;
    assert!(
        grew < 150.0,
        "memory grew by {grew:.0} MB for a refused answer"
    );

    // Announced up front: refused without reading, and the cap is configurable.
    let (url, _) = hostile_server(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            400u64 * 1024 * 1024
        ),
        0,
    );
    let err = client(&url)
        .with_max_response_bytes(1024)
        .send::<(), serde_json::Value>(Method::GET, "/v1/me", None, None, true)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Protocol(ref d) if d.contains("1024-byte limit")),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_in_over_a_session_revokes_the_old_refresh_token() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let phone = open_phone(dir.path(), &server.url()).unwrap();
    phone.sign_in("maria", DEMO_PASSWORD).await.unwrap();
    let maria_refresh = refresh_token(dir.path());

    let lena = phone.sign_in("lena", DEMO_PASSWORD).await.unwrap();
    assert_eq!(lena.username, "lena");
    let answer = reqwest::Client::new()
        .post(format!("{}/v1/auth/refresh", server.url()))
        .json(&serde_json::json!({ "refresh_token": maria_refresh }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.status(),
        reqwest::StatusCode::UNAUTHORIZED,
        "maria's old refresh token still works after lena signed in on the phone"
    );
    // Nothing left queued: the revocation reached the server.
    let storage =
        companion_core::platform::FileSecureStorage::new(dir.path().join("secure")).unwrap();
    use companion_core::platform::SecureStorage;
    assert_eq!(
        storage.get("session.pending_revocation".into()).unwrap(),
        None
    );
}

fn refresh_token(phone_dir: &std::path::Path) -> String {
    use base64::Engine;
    let bytes = std::fs::read(phone_dir.join("secure/secure-storage.json")).unwrap();
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&bytes).unwrap();
    let session = base64::engine::general_purpose::STANDARD
        .decode(map["session.v1"].as_str().unwrap())
        .unwrap();
    let session: serde_json::Value = serde_json::from_slice(&session).unwrap();
    session["refresh_token"].as_str().unwrap().to_string()
}
