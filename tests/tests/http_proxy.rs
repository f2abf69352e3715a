//! A proxy in the environment must not see plain-http loopback traffic: with `HTTP_PROXY`
//! set, the password would otherwise travel in clear to the proxy. Its own test binary,
//! because the proxy variables are process-wide.

use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use companion_tests::{DEMO_PASSWORD, TestServer, open_phone};

#[tokio::test(flavor = "multi_thread")]
async fn proxy_settings_never_see_loopback_traffic() {
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let received = Arc::new(AtomicUsize::new(0));
    let r = received.clone();
    std::thread::spawn(move || {
        for stream in proxy.incoming() {
            let Ok(mut stream) = stream else { return };
            let r = r.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    r.fetch_add(n, Ordering::SeqCst);
                }
            });
        }
    });
    // SAFETY: the only test in this binary, set before any client or thread reads them.
    unsafe {
        for var in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
            std::env::set_var(var, &proxy_url);
        }
        std::env::remove_var("NO_PROXY");
        std::env::remove_var("no_proxy");
    }

    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let phone = open_phone(dir.path(), &server.url()).unwrap();
    let account = phone.sign_in("maria", DEMO_PASSWORD).await;
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        received.load(Ordering::SeqCst),
        0,
        "the proxy received loopback traffic (the login body, password included)"
    );
    assert_eq!(account.unwrap().username, "maria");
}
