//! `companion`: runs Companion's core on a desktop exactly as a phone would.
//!
//! Each `--data-dir` is one simulated phone (its app sandbox: secure storage, account
//! databases), so scripts can drive several devices against one server. Every command
//! takes `--json` for machine-readable output.

mod account;
mod account_cmd;
mod bench;
mod bench_export;
mod bench_login;
mod bench_pod;
mod bench_sync;
mod demo;
mod demo_account;
mod demo_pod;
mod output;
mod pod;
mod push;
mod scan;
mod serve;
mod stock;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "companion",
    version,
    about = "Companion's core on the desktop: a phone in a directory"
)]
pub struct Cli {
    /// The simulated phone's app sandbox.
    #[arg(
        long,
        global = true,
        env = "COMPANION_DATA_DIR",
        default_value = ".companion/device"
    )]
    pub data_dir: PathBuf,
    /// The backend's base URL (plain http only for loopback).
    #[arg(
        long,
        global = true,
        env = "COMPANION_SERVER",
        default_value = "http://127.0.0.1:8750"
    )]
    pub server: String,
    /// Machine-readable output: one JSON document (or line) per result.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Runs the reference server with demo data.
    Serve(serve::ServeArgs),
    /// Signs in (password from --password, $COMPANION_PASSWORD or the first line of stdin).
    Login(account::LoginArgs),
    /// Signs out and revokes the session on the server.
    Logout,
    /// Shows the device and session state.
    Status,
    /// The main job on an embedded default: a server with demo data and a scripted session.
    Demo,
    /// Decodes barcodes in image files or directories.
    Scan(scan::ScanArgs),
    /// Offline inventory: the catalogue, lookups, movements, the outbox.
    Stock {
        #[command(subcommand)]
        which: stock::StockCommand,
    },
    /// Pushes the outbox and pulls every warehouse (progress bar; JSON lines with --json).
    Sync(stock::SyncArgs),
    /// Push notifications: register the token, preferences, parse a payload.
    Push {
        #[command(subcommand)]
        which: push::PushCommand,
    },
    /// Your account: profile, data export, deletion, sign-out with unsent work.
    Account {
        #[command(subcommand)]
        which: account_cmd::AccountCommand,
    },
    /// The reference server's backups: create, list, prune, restore.
    Backup {
        #[command(subcommand)]
        which: account_cmd::BackupCommand,
    },
    /// Proof of delivery: stops, capture (fix, photos, signature, outcome), upload, receipts.
    Pod {
        #[command(subcommand)]
        which: pod::PodCommand,
    },
    /// End-to-end benchmarks printing `key=value` lines.
    Bench {
        #[command(subcommand)]
        which: bench::BenchCommand,
    },
}

fn main() -> ExitCode {
    // Behave like other Unix tools when piped into `head`: exit quietly on a closed pipe
    // instead of panicking in println!.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // Argument errors follow the same contract as every other failure: JSON under --json,
    // the usage exit code.
    let json_requested = std::env::args().any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e)
            if e.kind() == clap::error::ErrorKind::DisplayHelp
                || e.kind() == clap::error::ErrorKind::DisplayVersion =>
        {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let usage = output::CliError::Usage(e.render().to_string().trim().to_string());
            if json_requested {
                output::print_error(true, &usage);
            } else {
                let _ = e.print();
            }
            return ExitCode::from(usage.exit_code());
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let json = cli.json;
    let result = runtime.block_on(run(cli));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            output::print_error(json, &e);
            ExitCode::from(e.exit_code())
        }
    }
}

async fn run(cli: Cli) -> Result<(), output::CliError> {
    match &cli.command {
        Command::Serve(args) => serve::run(args, cli.json).await,
        Command::Login(args) => account::login(&cli, args).await,
        Command::Logout => account::logout(&cli).await,
        Command::Status => account::status(&cli).await,
        Command::Demo => demo::run(cli.json).await,
        Command::Scan(args) => {
            scan::run_scan(args, cli.json).map_err(|e| output::CliError::Usage(e.to_string()))
        }
        Command::Bench { which } => bench::run(&cli, which).await,
        Command::Stock { which } => stock::run(&cli, which).await,
        Command::Sync(args) => stock::sync(&cli, args).await,
        Command::Push { which } => push::run(&cli, which).await,
        Command::Account { which } => account_cmd::run(&cli, which).await,
        Command::Backup { which } => account_cmd::backup(&cli, which).await,
        Command::Pod { which } => pod::run(&cli, which).await,
    }
}
