//! The web deletion page (`/account/delete`) in a real browser: headless Chromium, driven
//! over its DevTools pipe, signs in on the page, reads the consequences, requests the
//! deletion, sees it pending, and cancels it; a wrong password is refused on the page.
//!
//! Chromium is Debian's `chromium`; when missing, the test installs it
//! (`apt-get install -y chromium`, as CI runs as root on a fresh machine) and fails, never
//! skips, when it still is not there.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use companion_tests::{DEMO_PASSWORD, TestServer};
use serde_json::{Value, json};

fn chromium() -> String {
    let found = || {
        Command::new("sh")
            .args(["-c", "command -v chromium"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    if let Some(path) = found() {
        return path;
    }
    let status = Command::new("sh")
        .args([
            "-c",
            "command -v chromium || (apt-get update && apt-get install -y chromium)",
        ])
        .status();
    found().unwrap_or_else(|| {
        panic!("chromium is not installed and could not be installed ({status:?}); the web page test needs it")
    })
}

fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid array of two ints; O_CLOEXEC keeps them out of the child
    // except where dup2 places them.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2");
    // SAFETY: freshly created descriptors, owned from here on.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

/// Headless Chromium speaking the DevTools protocol over fds 3 (in) and 4 (out).
struct Browser {
    child: Child,
    to: std::fs::File,
    from: mpsc::Receiver<Value>,
    next_id: u64,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn launch() -> Browser {
        let exe = chromium();
        let profile = tempfile::tempdir().unwrap();
        let (cmd_read, cmd_write) = pipe();
        let (out_read, out_write) = pipe();
        use std::os::fd::AsRawFd;
        let (r, w) = (cmd_read.as_raw_fd(), out_write.as_raw_fd());
        let mut command = Command::new(exe);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: only async-signal-safe dup2 calls between fork and exec.
        unsafe {
            command.pre_exec(move || {
                if libc::dup2(r, 3) < 0 || libc::dup2(w, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("chromium starts");
        drop(cmd_read);
        drop(out_write);
        let (tx, rx) = mpsc::channel();
        let reader = std::fs::File::from(out_read);
        std::thread::spawn(move || {
            let mut reader = BufReader::new(reader);
            loop {
                let mut buf = Vec::new();
                match reader.read_until(0, &mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        buf.pop();
                        if let Ok(v) = serde_json::from_slice::<Value>(&buf)
                            && tx.send(v).is_err()
                        {
                            return;
                        }
                    }
                }
            }
        });
        Browser {
            child,
            to: std::fs::File::from(cmd_write),
            from: rx,
            next_id: 1,
            _profile: profile,
        }
    }

    /// Sends a command and waits for its answer (events in between are skipped).
    fn call(&mut self, method: &str, params: Value, session: Option<&str>) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).expect("write to chromium");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self
                .from
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("chromium did not answer {method}"));
            if v["id"].as_u64() == Some(id) {
                return v;
            }
        }
    }

    /// Evaluates `expr` in the page; `None` while the page is navigating.
    fn eval(&mut self, session: &str, expr: &str) -> Option<Value> {
        let v = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true}),
            Some(session),
        );
        if v.get("error").is_some() || v["result"].get("exceptionDetails").is_some() {
            return None;
        }
        Some(v["result"]["result"]["value"].clone())
    }

    /// Polls `expr` until it gives a non-empty string.
    fn wait_for(&mut self, session: &str, expr: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(Value::String(s)) = self.eval(session, expr)
                && !s.is_empty()
            {
                return s;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("timed out waiting for {expr}");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens the page, fills the form and presses `button`; returns the result's state and text.
fn submit(
    browser: &mut Browser,
    session: &str,
    url: &str,
    password: &str,
    confirmation: &str,
    button: &str,
) -> (String, String) {
    browser.call("Page.navigate", json!({"url": url}), Some(session));
    browser.wait_for(
        session,
        "document.readyState === 'complete' && document.getElementById('deletion-form') && !document.getElementById('result') ? 'ready' : ''",
    );
    let fill = format!(
        "document.getElementById('username').value = 'maria';
         document.getElementById('password').value = {};
         document.getElementById('confirmation').value = {};
         document.getElementById({}).click(); 'sent'",
        json!(password),
        json!(confirmation),
        json!(button)
    );
    browser.eval(session, &fill);
    let state = browser.wait_for(
        session,
        "document.readyState === 'complete' && document.getElementById('result') ? document.getElementById('result').dataset.state : ''",
    );
    let text = browser.wait_for(session, "document.getElementById('result').textContent");
    (state, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_page_requests_and_cancels_a_deletion_in_a_real_browser() {
    let server = TestServer::start().await;
    let url = format!("{}/account/delete", server.url());
    let pending = |db: &companion_server::Db| -> i64 {
        db.with(|c| {
            c.query_row(
                "SELECT count(*) FROM account_deletions WHERE account_id = 'acct-maria'",
                [],
                |r| r.get(0),
            )
            .unwrap()
        })
    };
    let db = server.server.db().clone();
    let results = tokio::task::spawn_blocking(move || {
        let mut browser = Browser::launch();
        let target = browser.call("Target.createTarget", json!({"url": "about:blank"}), None);
        let target_id = target["result"]["targetId"]
            .as_str()
            .unwrap_or_else(|| panic!("no target: {target}"))
            .to_string();
        let attached = browser.call(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
            None,
        );
        let session = attached["result"]["sessionId"].as_str().unwrap().to_string();

        // The page states the grace period and what is kept.
        browser.call("Page.navigate", json!({"url": url}), Some(&session));
        let grace = browser.wait_for(
            &session,
            "document.readyState === 'complete' && document.getElementById('grace-days') ? document.getElementById('grace-days').textContent : ''",
        );
        let kept = browser.wait_for(&session, "document.getElementById('kept').textContent");

        let wrong = submit(&mut browser, &session, &url, "not-the-password", "DELETE MY ACCOUNT", "request");
        let before = pending(&db);
        let bad_phrase = submit(&mut browser, &session, &url, DEMO_PASSWORD, "delete it", "request");
        let requested = submit(&mut browser, &session, &url, DEMO_PASSWORD, "DELETE MY ACCOUNT", "request");
        let during = pending(&db);
        let status = submit(&mut browser, &session, &url, DEMO_PASSWORD, "", "status");
        let cancelled = submit(&mut browser, &session, &url, DEMO_PASSWORD, "", "cancel");
        let after = pending(&db);
        browser.call("Browser.close", json!({}), None);
        (grace, kept, wrong, before, bad_phrase, requested, during, status, cancelled, after)
    })
    .await
    .unwrap();
    let (grace, kept, wrong, before, bad_phrase, requested, during, status, cancelled, after) =
        results;
    assert_eq!(grace, "30");
    assert!(kept.contains("stock movements"), "{kept}");
    assert_eq!(wrong.0, "error", "{wrong:?}");
    assert_eq!(before, 0);
    assert_eq!(bad_phrase.0, "error", "{bad_phrase:?}");
    assert_eq!(requested.0, "pending", "{requested:?}");
    assert_eq!(during, 1);
    assert_eq!(status.0, "pending", "{status:?}");
    assert_eq!(cancelled.0, "cancelled", "{cancelled:?}");
    assert_eq!(after, 0);
}
