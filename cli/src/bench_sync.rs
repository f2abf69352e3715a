//! `companion bench sync`: inventory sync end to end against a reference server that runs
//! in a child process (so the peak memory reported is the phone side's alone), seeded with
//! the produce catalogue of `--rows` stock rows.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use companion_core::inventory::{AdjustReason, MovementKind, NewMovement, SyncOptions};
use companion_server::catalogue::item_id;
use companion_server::seed::DEMO_PASSWORD;

use crate::account::open_device;
use crate::bench::median;
use crate::output::CliError;

#[derive(clap::Args)]
pub struct BenchSyncArgs {
    /// Stock rows (item × lot × bin) in the catalogue.
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
    /// Barcode lookups to time.
    #[arg(long, default_value_t = 20_000)]
    pub lookups: usize,
    /// Plaintext account databases, to compare with the default (AES-256, SQLCipher).
    #[arg(long)]
    pub plaintext: bool,
}

const WH: &str = "wh-north";

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

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// CPU time (user + system) of a process so far, from /proc: on a shared, loaded machine
/// wall-clock figures mostly measure the neighbours; CPU time measures the work.
fn cpu_ms(pid: &str) -> f64 {
    let ticks = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            Some(fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?)
        });
    // Linux reports clock ticks of 10 ms.
    ticks.map_or(f64::NAN, |t| t * 10.0)
}

fn adjust(item: &str, lot: &str, bin: &str, qty: i64) -> NewMovement {
    NewMovement {
        warehouse_id: WH.into(),
        kind: MovementKind::Adjust,
        item_id: item.into(),
        lot_id: lot.into(),
        location_id: bin.into(),
        to_location_id: None,
        qty,
        reason: Some(AdjustReason::Found),
        po_line_id: None,
    }
}

pub async fn run(args: &BenchSyncArgs) -> Result<(), CliError> {
    if args.rows < 1000 {
        return Err(CliError::Usage("--rows must be at least 1000".into()));
    }
    companion_core::store::bench::set_plaintext(args.plaintext);
    println!(
        "encryption={}",
        if args.plaintext {
            "none"
        } else {
            "sqlcipher-aes256"
        }
    );
    let work = tempfile::tempdir().map_err(usage)?;
    let exe = std::env::current_exe().map_err(usage)?;
    eprintln!("seeding a catalogue of {} stock rows...", args.rows);
    let child = Command::new(exe)
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--catalogue-rows",
            &args.rows.to_string(),
            "--db",
        ])
        .arg(work.path().join("server.db"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(usage)?;
    let mut server = ServerProcess(child);
    let stdout = server
        .0
        .stdout
        .take()
        .ok_or_else(|| usage("no server stdout"))?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).map_err(usage)?;
    let url = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("url="))
        .ok_or_else(|| usage(format!("server did not start: {line:?}")))?
        .to_string();

    // Phone A: lena (one warehouse). Initial download.
    let a = open_device(&work.path().join("phone-a"), &url)?;
    a.sign_in("lena", DEMO_PASSWORD).await?;
    let server_pid = server.0.id().to_string();
    let (client_cpu, server_cpu) = (cpu_ms("self"), cpu_ms(&server_pid));
    let start = Instant::now();
    let report = a.inventory()?.sync().await?;
    let secs = start.elapsed().as_secs_f64();
    let rss = peak_rss_mb();
    let (client_cpu, server_cpu) = (
        cpu_ms("self") - client_cpu,
        cpu_ms(&server_pid) - server_cpu,
    );
    println!("initial_rows={}", report.pulled_rows);
    println!("initial_s={secs:.3}");
    println!("initial_rows_per_s={:.0}", report.pulled_rows as f64 / secs);
    println!("initial_peak_rss_mb={rss:.1}");
    println!("initial_client_cpu_ms={client_cpu:.0}");
    println!("initial_server_cpu_ms={server_cpu:.0}");
    println!(
        "load_average={}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .next()
            .unwrap_or("?")
    );

    // 1000 stock keys known to A.
    let mut keys = Vec::new();
    let mut barcodes = Vec::new();
    for i in 0..args.rows / 20 {
        let stock = a.inventory()?.item(WH, &item_id(i)).await?;
        if let Some(code) = stock.item.barcodes.first() {
            barcodes.push(code.clone());
        }
        if keys.len() < 1000 {
            keys.extend(
                stock
                    .lines
                    .iter()
                    .map(|l| (l.item_id.clone(), l.lot_id.clone(), l.location_id.clone())),
            );
        }
    }
    keys.truncate(1000);

    // Phone B (never downloaded anything) changes 1000 rows; A pulls them.
    let b = open_device(&work.path().join("phone-b"), &url)?;
    b.sign_in("dave", DEMO_PASSWORD).await?;
    for (item, lot, bin) in &keys {
        b.inventory()?.record(adjust(item, lot, bin, 1)).await?;
    }
    let pushed = b
        .inventory()?
        .sync_with(&SyncOptions {
            push_only: true,
            ..Default::default()
        })
        .await?;
    if pushed.applied as usize != keys.len() {
        return Err(usage(format!("phone B: {pushed:?}")));
    }
    let mut incremental = Vec::new();
    let start = Instant::now();
    let r = a.inventory()?.sync().await?;
    incremental.push(start.elapsed().as_secs_f64() * 1e3);
    println!("incremental_rows={}", r.pulled_rows);
    println!("incremental_1k_ms={:.1}", median(&mut incremental));

    // A records 10k movements offline, then pushes them.
    for n in 0..10_000 {
        let (item, lot, bin) = &keys[n % keys.len()];
        a.inventory()?.record(adjust(item, lot, bin, 1)).await?;
    }
    let (client_cpu, server_cpu) = (cpu_ms("self"), cpu_ms(&server_pid));
    let start = Instant::now();
    let r = a
        .inventory()?
        .sync_with(&SyncOptions {
            push_only: true,
            ..Default::default()
        })
        .await?;
    let push_ms = start.elapsed().as_secs_f64() * 1e3;
    if r.applied != 10_000 {
        return Err(usage(format!("push: {r:?}")));
    }
    println!("push_10k_ms={push_ms:.1}");
    println!("push_10k_client_cpu_ms={:.0}", cpu_ms("self") - client_cpu);
    println!(
        "push_10k_server_cpu_ms={:.0}",
        cpu_ms(&server_pid) - server_cpu
    );

    // Scans on a synced phone (the pull settles the 10k pushed movements): lookups by
    // GTIN, as the camera would hit them.
    a.inventory()?.sync().await?;
    // Two paths: the async API a screen calls (a hop to the blocking pool and back), and
    // the scanner's own lookup, which runs on the decode thread.
    let inventory = a.inventory()?;
    let scanner_lookup = inventory.scan_lookup();
    let (mut api, mut scan) = (
        Vec::with_capacity(args.lookups),
        Vec::with_capacity(args.lookups),
    );
    let mut x: u64 = 0x9e37_79b9;
    for _ in 0..args.lookups {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let code = &barcodes[(x % barcodes.len() as u64) as usize];
        let start = Instant::now();
        let found = inventory.lookup(code).await?;
        api.push(start.elapsed().as_secs_f64() * 1e6);
        if found.is_empty() {
            return Err(usage("lookup found nothing"));
        }
        let scanned = scanned_code(code);
        let start = Instant::now();
        let hit = scanner_lookup.lookup_code(&scanned);
        scan.push(start.elapsed().as_secs_f64() * 1e6);
        if hit.is_none() {
            return Err(usage("scanner lookup found nothing"));
        }
    }
    for (key, times) in [("lookup", &mut api), ("scan_lookup", &mut scan)] {
        times.sort_by(f64::total_cmp);
        println!("{key}_p50_us={:.1}", times[times.len() / 2]);
        println!("{key}_p99_us={:.1}", times[times.len() * 99 / 100]);
    }
    println!("peak_rss_mb={:.1}", peak_rss_mb());
    drop(server);
    Ok(())
}

/// What the decoder reports for an EAN-13 on a case label.
fn scanned_code(text: &str) -> companion_scan::ScannedCode {
    companion_scan::ScannedCode {
        format: companion_scan::BarcodeFormat::Ean13,
        text: text.to_string(),
        raw_text: text.to_string(),
        symbology_identifier: "]E0".into(),
        corners: Vec::new(),
        gs1: Vec::new(),
        gs1_error: None,
    }
}
