//! `companion bench ...`: end-to-end figures as `key=value` lines, comparable release to
//! release. Medians over several runs; the machine is shared and noisy.

use std::path::{Path, PathBuf};
use std::time::Instant;

use companion_core::keys;
use companion_core::platform::FileSecureStorage;
use companion_core::scope::ACCOUNT_MIGRATIONS as MIGRATIONS;
use companion_core::store::{self, Store};
use companion_server::{ServerConfig, seed};

use crate::Cli;
use crate::account::open_device;
use crate::output::CliError;

#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// Cold open of the core (open + migrate) and the size of the shipped library.
    Open {
        /// Runs to take the median of.
        #[arg(long, default_value_t = 15)]
        runs: usize,
        /// Skip building the size-optimised release library (takes minutes when cold).
        #[arg(long)]
        skip_library: bool,
    },
    /// Inventory sync: initial download, incremental pull, push, lookups (`--rows N`).
    Sync(crate::bench_sync::BenchSyncArgs),
    /// Barcode decoding over a directory of frames with a manifest.json.
    Scan(crate::scan::BenchScanArgs),
    /// Wrong-password storm: server memory, `/v1/me` latency, throttling.
    LoginStorm(crate::bench_login::BenchLoginArgs),
    /// Data export of an account with 100k movements and 200 photos: time, size, memory.
    Export(crate::bench_export::BenchExportArgs),
    /// Push: fan-out of one event to 1,000 devices through the FCM stand-in; no-op registration.
    Push,
    /// Proof of delivery: 12 MP photo processing (time, peak RSS), seal, verify, upload of 10 photos.
    Pod(crate::bench_pod::BenchPodArgs),
}

pub async fn run(_cli: &Cli, which: &BenchCommand) -> Result<(), CliError> {
    match which {
        BenchCommand::Open { runs, skip_library } => open(*runs, *skip_library).await,
        BenchCommand::Sync(args) => crate::bench_sync::run(args).await,
        BenchCommand::LoginStorm(args) => crate::bench_login::run(args).await,
        BenchCommand::Push => crate::push::bench().await,
        BenchCommand::Export(args) => crate::bench_export::run(args).await,
        BenchCommand::Pod(args) => crate::bench_pod::run(args).await,
        BenchCommand::Scan(args) => {
            crate::scan::run_bench_scan(args).map_err(|e| CliError::Usage(e.to_string()))
        }
    }
}

pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    if values.is_empty() {
        f64::NAN
    } else {
        values[values.len() / 2]
    }
}

async fn open(runs: usize, skip_library: bool) -> Result<(), CliError> {
    let work = tempfile::tempdir().map_err(|e| CliError::Usage(format!("temp dir: {e}")))?;
    let server = companion_server::start(ServerConfig::in_dir(work.path().join("server")))
        .await
        .map_err(|e| CliError::Usage(format!("server: {e}")))?;
    // A signed-in phone whose sandbox is copied for each run, so that every run is the
    // first open of that sandbox in this process.
    let template = work.path().join("template");
    let account = open_device(&template, &server.url())?
        .sign_in("maria", seed::DEMO_PASSWORD)
        .await?;
    let probe = open_device(&template, &server.url())?;
    let db_path = probe.account_db_path(&account.id);
    drop(probe);
    let storage = FileSecureStorage::new(template.join("secure"))
        .map_err(|e| CliError::Usage(format!("secure storage: {e}")))?;
    let key = keys::account_database_key_or_create(&storage, &account.id)?;
    // The oldest schema this app can upgrade from, for the after-an-update case, encrypted
    // and plaintext; and a current plaintext database of the release before encryption.
    let oldest = work.path().join("oldest.db");
    Store::open(&oldest, &key, &MIGRATIONS[..1])?;
    let oldest_plain = work.path().join("oldest-plain.db");
    Store::open_plaintext(&oldest_plain, &MIGRATIONS[..1])?;
    let previous_release = work.path().join("previous-release.db");
    Store::open_plaintext(&previous_release, MIGRATIONS)?;
    let relative_db = db_path
        .strip_prefix(&template)
        .map_err(|e| CliError::Usage(e.to_string()))?
        .to_path_buf();
    std::fs::remove_file(&db_path).map_err(|e| CliError::Usage(e.to_string()))?;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
    }

    let runs = runs.max(1);
    let mut figures = Vec::new();
    for plaintext in [false, true] {
        store::bench::set_plaintext(plaintext);
        let oldest = if plaintext { &oldest_plain } else { &oldest };
        let (mut first, mut launch, mut upgrade) = (Vec::new(), Vec::new(), Vec::new());
        for run in 0..runs {
            let phone = work.path().join(format!("run-{plaintext}-{run}"));
            copy_dir(&template, &phone).map_err(|e| CliError::Usage(e.to_string()))?;
            first.push(timed_open(&phone, &server.url())?);
            launch.push(timed_open(&phone, &server.url())?);
            let updated = work.path().join(format!("updated-{plaintext}-{run}"));
            copy_dir(&template, &updated).map_err(|e| CliError::Usage(e.to_string()))?;
            std::fs::copy(oldest, updated.join(&relative_db))
                .map_err(|e| CliError::Usage(e.to_string()))?;
            upgrade.push(timed_open(&updated, &server.url())?);
        }
        figures.push((
            median(&mut launch),
            median(&mut upgrade),
            median(&mut first),
        ));
    }
    store::bench::set_plaintext(false);
    // First launch of the release that brings encryption: the plaintext database is
    // encrypted in place (an empty account here; the copy is linear in its size).
    let mut convert = Vec::new();
    for run in 0..runs {
        let phone = work.path().join(format!("convert-{run}"));
        copy_dir(&template, &phone).map_err(|e| CliError::Usage(e.to_string()))?;
        std::fs::copy(&previous_release, phone.join(&relative_db))
            .map_err(|e| CliError::Usage(e.to_string()))?;
        convert.push(timed_open(&phone, &server.url())?);
    }
    let [
        (open, upgrade, first),
        (open_plain, upgrade_plain, first_plain),
    ] = figures[..]
    else {
        return Err(CliError::Usage("two passes expected".into()));
    };
    println!("runs={runs}");
    // App launch with the account database already there (every launch but the first).
    println!("open_ms={open:.2}");
    println!("open_ms_plaintext={open_plain:.2}");
    // Launch after an app update: the database is migrated from the oldest schema.
    println!("upgrade_open_ms={upgrade:.2}");
    println!("upgrade_open_ms_plaintext={upgrade_plain:.2}");
    // First launch after sign-in: the database is created and fully migrated (fsync-bound).
    println!("first_open_ms={first:.2}");
    println!("first_open_ms_plaintext={first_plain:.2}");
    println!("encrypt_in_place_open_ms={:.2}", median(&mut convert));
    server.shutdown().await;
    if skip_library {
        println!("library_bytes=skipped");
    } else {
        println!("library_bytes={}", library_bytes()?);
    }
    Ok(())
}

/// Opens the core on `phone` with its account database, in milliseconds.
fn timed_open(phone: &Path, server_url: &str) -> Result<f64, CliError> {
    let start = Instant::now();
    let companion = open_device(phone, server_url)?;
    companion.account_database()?;
    Ok(start.elapsed().as_secs_f64() * 1e3)
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// Builds the library as shipped to phones (profile `release-mobile`), strips a copy of it
/// as the app packaging does, and returns its size.
fn library_bytes() -> Result<u64, CliError> {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    eprintln!("building the release-mobile library (minutes when cold)...");
    let status =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(&workspace)
            .args([
                "build",
                "--quiet",
                "--profile",
                "release-mobile",
                "-p",
                "companion-ffi",
                "--lib",
            ])
            .status()
            .map_err(|e| CliError::Usage(format!("cannot run cargo: {e}")))?;
    if !status.success() {
        return Err(CliError::Usage(
            "building the release-mobile library failed".into(),
        ));
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace.join("target"));
    let library = target.join("release-mobile").join("libcompanion_ffi.so");
    let stripped = std::env::temp_dir().join(format!(
        "libcompanion_ffi-stripped-{}.so",
        std::process::id()
    ));
    let status = std::process::Command::new("strip")
        .arg("-o")
        .arg(&stripped)
        .arg(&library)
        .status()
        .map_err(|e| CliError::Usage(format!("cannot run strip: {e}")))?;
    if !status.success() {
        return Err(CliError::Usage(format!(
            "strip failed on {}",
            library.display()
        )));
    }
    let bytes = std::fs::metadata(&stripped)
        .map_err(|e| CliError::Usage(e.to_string()))?
        .len();
    let _ = std::fs::remove_file(&stripped);
    Ok(bytes)
}
