//! `companion bench login-storm`: a storm of wrong-password logins against a reference
//! server in a child process (so the memory figures are the server's alone), measuring the
//! server's resident memory, `/v1/me` latency before and during the storm, and after how
//! many wrong passwords one username is throttled.
//!
//! The clients speak plain HTTP/1.1 over loopback sockets themselves: one keep-alive
//! connection each, no client library in the way of the figures.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use companion_server::seed::DEMO_PASSWORD;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::output::CliError;

#[derive(clap::Args)]
pub struct BenchLoginArgs {
    /// Parallel wrong-password clients.
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    /// Length of the storm in seconds.
    #[arg(long, default_value_t = 10)]
    pub secs: u64,
    /// Run the server in this process with login throttling off, so that every wrong
    /// password costs a full Argon2 check: measures the password pool alone (memory figures
    /// then include the clients, a few MB).
    #[arg(long)]
    pub unthrottled: bool,
}

fn usage(e: impl std::fmt::Display) -> CliError {
    CliError::Usage(e.to_string())
}

/// The server child; killed on drop.
struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Resident memory of `pid` now, in MB (Linux; NaN elsewhere).
fn rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    addr: String,
    stream: Option<TcpStream>,
}

impl Conn {
    fn new(addr: &str) -> Self {
        Conn {
            addr: addr.to_string(),
            stream: None,
        }
    }

    /// Sends one request and returns (status, body); reconnects when the server closed.
    async fn request(
        &mut self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: Option<&str>,
    ) -> std::io::Result<(u16, Vec<u8>)> {
        for attempt in 0..2 {
            if self.stream.is_none() {
                self.stream = Some(TcpStream::connect(&self.addr).await?);
            }
            match self.try_request(method, path, bearer, body).await {
                Ok(r) => return Ok(r),
                Err(e) if attempt == 0 => {
                    self.stream = None;
                    let _ = e;
                }
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::other("unreachable retry loop"))
    }

    async fn try_request(
        &mut self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: Option<&str>,
    ) -> std::io::Result<(u16, Vec<u8>)> {
        let stream = self
            .stream
            .as_mut()
            .ok_or_else(|| std::io::Error::other("not connected"))?;
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        if let Some(token) = bearer {
            req.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        let body = body.unwrap_or("");
        if method == "POST" {
            req.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        req.push_str("\r\n");
        req.push_str(body);
        stream.write_all(req.as_bytes()).await?;
        let mut buf = Vec::with_capacity(2048);
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let status: u16 = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other("bad status line"))?;
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + length {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        if head.contains("connection: close") {
            self.stream = None;
        }
        Ok((status, buf[head_end..head_end + length].to_vec()))
    }
}

fn login_body(user: &str, password: &str) -> String {
    serde_json::json!({
        "username": user,
        "password": password,
        "device": {"install_id": "bench", "platform": "desktop", "model": "bench",
                   "os_version": "-", "app_version": "-", "public_key": "-"}
    })
    .to_string()
}

fn p95(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[(v.len() * 95 / 100).min(v.len() - 1)]
}

async fn me_p95(addr: &str, access: &str, n: usize) -> Result<f64, CliError> {
    let mut conn = Conn::new(addr);
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let (status, _) = conn
            .request("GET", "/v1/me", Some(access), None)
            .await
            .map_err(usage)?;
        if status != 200 {
            return Err(usage(format!("/v1/me answered {status}")));
        }
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(p95(times))
}

/// `companion serve` in a child process on a free loopback port; returns its address.
fn spawn_server(dir: &std::path::Path) -> Result<(String, ServerProcess), CliError> {
    let exe = std::env::current_exe().map_err(usage)?;
    let mut child = Command::new(exe)
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--catalogue-rows",
            "0",
            "--db",
        ])
        .arg(dir.join("server.db"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(usage)?;
    let stdout = child.stdout.take();
    let server = ServerProcess(child);
    let mut line = String::new();
    if let Some(out) = stdout {
        BufReader::new(out).read_line(&mut line).map_err(usage)?;
    }
    let addr = line
        .split("url=http://")
        .nth(1)
        .map(|s| s.trim().to_string())
        .ok_or_else(|| usage(format!("the server did not start: {line:?}")))?;
    Ok((addr, server))
}

pub async fn run(args: &BenchLoginArgs) -> Result<(), CliError> {
    let work = tempfile::tempdir().map_err(usage)?;
    // Held to the end: the server under test, a child process or one in this process.
    let (addr, pid, _child, _in_process) = if args.unthrottled {
        let mut config = companion_server::ServerConfig::in_dir(work.path());
        config.throttle = companion_server::limits::ThrottleConfig::off();
        let server = companion_server::start(config).await.map_err(usage)?;
        (
            server.addr().to_string(),
            std::process::id(),
            None,
            Some(server),
        )
    } else {
        let (addr, child) = spawn_server(work.path())?;
        let pid = child.0.id();
        (addr, pid, Some(child), None)
    };
    let mut conn = Conn::new(&addr);
    let (status, body) = conn
        .request(
            "POST",
            "/v1/auth/login",
            None,
            Some(&login_body("maria", DEMO_PASSWORD)),
        )
        .await
        .map_err(usage)?;
    if status != 200 {
        return Err(usage(format!("sign-in answered {status}")));
    }
    let tokens: serde_json::Value = serde_json::from_slice(&body).map_err(usage)?;
    let access = tokens["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_start = rss_mb(pid);
    let me_idle = me_p95(&addr, &access, 200).await?;

    // Wrong passwords for one username, one after another, until the first 429.
    let mut throttled_after = 0;
    for attempt in 1..=50 {
        let (status, _) = conn
            .request(
                "POST",
                "/v1/auth/login",
                None,
                Some(&login_body("dave", "wrong")),
            )
            .await
            .map_err(usage)?;
        if status == 429 {
            throttled_after = attempt - 1;
            break;
        }
    }

    // The storm: every client guesses passwords for its own username (and one for maria's).
    let stop = Arc::new(AtomicBool::new(false));
    let counts: Arc<[AtomicU64; 4]> = Arc::new(Default::default());
    let mut clients = Vec::new();
    for i in 0..args.clients.max(1) {
        let (addr, stop, counts) = (addr.clone(), stop.clone(), counts.clone());
        let user = if i == 0 {
            "maria".to_string()
        } else {
            format!("user-{i}")
        };
        clients.push(tokio::spawn(async move {
            let mut conn = Conn::new(&addr);
            let body = login_body(&user, "wrong-password");
            while !stop.load(Ordering::Relaxed) {
                let slot = match conn
                    .request("POST", "/v1/auth/login", None, Some(&body))
                    .await
                {
                    Ok((401, _)) => 0,
                    Ok((429, _)) => 1,
                    Ok((503, _)) => 2,
                    _ => 3,
                };
                counts[slot].fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let peak = Arc::new(AtomicU64::new(rss_start.to_bits()));
    let sampler = {
        let (stop, peak) = (stop.clone(), peak.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let now = rss_mb(pid);
                if now > f64::from_bits(peak.load(Ordering::Relaxed)) {
                    peak.store(now.to_bits(), Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let started = Instant::now();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut storm_times = Vec::new();
    let mut me = Conn::new(&addr);
    while started.elapsed() < Duration::from_secs(args.secs.max(1)) {
        let t = Instant::now();
        let (status, _) = me
            .request("GET", "/v1/me", Some(&access), None)
            .await
            .map_err(usage)?;
        if status != 200 {
            return Err(usage(format!("/v1/me answered {status} during the storm")));
        }
        storm_times.push(t.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        let _ = c.await;
    }
    let _ = sampler.await;
    let rss_end = rss_mb(pid);
    let elapsed = started.elapsed().as_secs_f64();
    let [c401, c429, c503, other] = [0, 1, 2, 3].map(|i| counts[i].load(Ordering::Relaxed));
    println!(
        "mode={}",
        if args.unthrottled {
            "unthrottled-in-process"
        } else {
            "throttled-child-process"
        }
    );
    println!("clients={}", args.clients);
    println!("storm_secs={elapsed:.1}");
    println!("rss_start_mb={rss_start:.1}");
    println!(
        "rss_peak_mb={:.1}",
        f64::from_bits(peak.load(Ordering::Relaxed))
    );
    println!("rss_end_mb={rss_end:.1}");
    println!("me_p95_ms_idle={me_idle:.2}");
    println!("me_p95_ms_storm={:.2}", p95(storm_times));
    println!("throttled_after={throttled_after}");
    println!("storm_attempts={}", c401 + c429 + c503 + other);
    println!("storm_401={c401}");
    println!("storm_429={c429}");
    println!("storm_503={c503}");
    println!("storm_failed={other}");
    Ok(())
}
