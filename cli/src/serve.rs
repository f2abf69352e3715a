//! `companion serve`: the reference server with demo data.

use std::net::SocketAddr;
use std::path::PathBuf;

use companion_server::{ServerConfig, seed};

use crate::output::CliError;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Listen address; loopback by default. Port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8750")]
    pub addr: SocketAddr,
    /// The server's SQLite file.
    #[arg(long, default_value = ".companion/server.db")]
    pub db: PathBuf,
    /// Accept `POST /v1/_test/faults` (for tests in other processes). Never in production.
    #[arg(long)]
    pub fault_injection: bool,
    /// Stock rows of the produce catalogue seeded into wh-north (wh-south gets a tenth)
    /// when the database is new.
    #[arg(long, default_value_t = 2000)]
    pub catalogue_rows: usize,
    /// Access token lifetime in seconds.
    #[arg(long, default_value_t = 900)]
    pub access_ttl_secs: u64,
    /// Listen on a non-loopback address even though the demo users (whose password is
    /// public) exist. Without it such an address is refused.
    #[arg(long)]
    pub allow_demo_users_on_network: bool,
}

/// Refuses to expose the demo users, whose password is printed and published, to a network.
pub fn check_exposure(addr: SocketAddr, demo_users: bool, allowed: bool) -> Result<(), CliError> {
    if demo_users && !addr.ip().is_loopback() && !allowed {
        return Err(CliError::Usage(format!(
            "refusing to listen on {addr}: the demo users' password is public. Listen on \
             127.0.0.1, or pass --allow-demo-users-on-network if this network is yours alone"
        )));
    }
    Ok(())
}

pub async fn run(args: &ServeArgs) -> Result<(), CliError> {
    // Every database `serve` opens is seeded with the demo users.
    check_exposure(args.addr, true, args.allow_demo_users_on_network)?;
    let mut config = ServerConfig::in_dir(".");
    config.db_path = args.db.clone();
    config.addr = args.addr;
    config.fault_injection_endpoint = args.fault_injection;
    config.access_ttl = std::time::Duration::from_secs(args.access_ttl_secs);
    let server = companion_server::start(config)
        .await
        .map_err(|e| CliError::Usage(format!("server: {e}")))?;
    let rows = args.catalogue_rows;
    server
        .db()
        .with(|c| {
            companion_server::catalogue::seed(c, "wh-north", rows)?;
            companion_server::catalogue::seed(c, "wh-south", rows / 10)
        })
        .map_err(|e| CliError::Usage(format!("seeding the catalogue: {e}")))?;
    // First stdout line is machine-readable: tests in other processes wait for it.
    println!("companion-server listening url={}", server.url());
    let users: Vec<_> = seed::DEMO_USERS.iter().map(|u| u.1).collect();
    eprintln!(
        "demo users: {} (password: {})",
        users.join(", "),
        seed::DEMO_PASSWORD
    );
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    Ok(())
}
