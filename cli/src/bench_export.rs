//! `companion bench export`: the data export of an account with many movements and photos,
//! end to end: a reference server in a child process (its memory measured on its own)
//! assembles the zip, this process downloads it as a phone does (sealed segments, SHA-256
//! checked). Prints `export_rows=`, `export_photos=`, `export_mb=`, `export_s=`,
//! `export_peak_rss_mb=` (the larger of the two sides) and each side's peak.
//!
//! Photos: the proof-of-delivery tables are not merged yet, so the server generates
//! JPEG-like blobs for the export (`--bench-export-photos`, `SyntheticPhotos`).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use companion_server::seed::DEMO_PASSWORD;
use rusqlite::params;

use crate::account::open_device;
use crate::output::CliError;

#[derive(clap::Args)]
pub struct BenchExportArgs {
    /// Movements recorded by the account.
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
    /// Photos in the export.
    #[arg(long, default_value_t = 200)]
    pub photos: usize,
    /// Size of each photo, in KiB.
    #[arg(long, default_value_t = 256)]
    pub photo_kb: usize,
}

fn usage(e: impl std::fmt::Display) -> CliError {
    CliError::Usage(e.to_string())
}

struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Peak resident memory (`VmHWM`) of a process, in MB.
fn peak_rss_mb(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Seeds `rows` applied movements of `account` straight into the server's database.
fn seed_movements(db: &std::path::Path, account: &str, rows: usize) -> rusqlite::Result<()> {
    let mut conn = rusqlite::Connection::open(db)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare(
            "INSERT INTO inv_movements(account_id, id, origin, origin_seq, warehouse_id, kind, body, status, version, received_at)
             VALUES (?1, ?2, 'bench-origin', ?3, 'wh-north', 'pick', ?4, 'applied', ?3, 1780000000)",
        )?;
        for i in 0..rows {
            let id = format!("00000000-0000-4000-8000-{i:012}");
            let body = format!(
                r#"{{"id":"{id}","origin_seq":{i},"warehouse_id":"wh-north","kind":"pick","item_id":"I{:06}","lot_id":"L{:06}-1","location_id":"N-{:02}-{:02}-1","to_location_id":null,"qty":{},"reason":null,"observed_version":null,"po_line_id":null,"created_at_ms":{}}}"#,
                i % 5000,
                i % 5000,
                i % 40,
                i % 25,
                1 + i % 12,
                1_780_000_000_000i64 + i as i64
            );
            stmt.execute(params![account, id, i as i64, body])?;
        }
    }
    tx.commit()
}

pub async fn run(args: &BenchExportArgs) -> Result<(), CliError> {
    let work = tempfile::tempdir().map_err(usage)?;
    let db = work.path().join("server.db");
    let exe = std::env::current_exe().map_err(usage)?;
    let mut child = Command::new(exe)
        .args(["serve", "--addr", "127.0.0.1:0", "--catalogue-rows", "0"])
        .arg("--db")
        .arg(&db)
        .arg("--bench-export-photos")
        .arg(args.photos.to_string())
        .arg("--bench-photo-bytes")
        .arg((args.photo_kb * 1024).to_string())
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
    let url = line
        .split("url=")
        .nth(1)
        .map(|s| s.trim().to_string())
        .ok_or_else(|| usage(format!("the server did not start: {line:?}")))?;
    let seeded = Instant::now();
    seed_movements(&db, "acct-maria", args.rows).map_err(usage)?;
    eprintln!(
        "seeded {} movements in {:.1} s",
        args.rows,
        seeded.elapsed().as_secs_f64()
    );

    let phone_dir = work.path().join("phone");
    let phone = open_device(&phone_dir, &url)?;
    phone.sign_in("maria", DEMO_PASSWORD).await?;
    // Peak memory from here on: what the export costs, not the seeding above.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let start = Instant::now();
    let file = phone.account()?.export_data().await?;
    let secs = start.elapsed().as_secs_f64();
    let server_peak = peak_rss_mb(&server.0.id().to_string());
    let phone_peak = peak_rss_mb("self");
    println!("export_rows={}", args.rows);
    println!("export_photos={}", args.photos);
    println!("export_mb={:.1}", file.bytes as f64 / 1_048_576.0);
    println!("export_s={secs:.2}");
    println!("export_peak_rss_mb={:.1}", server_peak.max(phone_peak));
    println!("export_server_peak_rss_mb={server_peak:.1}");
    println!("export_phone_peak_rss_mb={phone_peak:.1}");
    phone.account()?.delete_export(&file.export_id).await?;
    drop(server);
    Ok(())
}
