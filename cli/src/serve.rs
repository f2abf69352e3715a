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
    /// FCM: the service-account JSON key file; enables FCM delivery.
    #[arg(long)]
    pub fcm_service_account: Option<PathBuf>,
    /// FCM: the send endpoint's base URL (a stand-in's in tests).
    #[arg(long, default_value = companion_push_providers::fcm::DEFAULT_SEND_BASE)]
    pub fcm_url: String,
    /// APNs: the `.p8` key file; enables APNs delivery (with the three options below).
    #[arg(long, requires_all = ["apns_key_id", "apns_team_id", "apns_topic"])]
    pub apns_key: Option<PathBuf>,
    #[arg(long)]
    pub apns_key_id: Option<String>,
    #[arg(long)]
    pub apns_team_id: Option<String>,
    /// The app's bundle id.
    #[arg(long)]
    pub apns_topic: Option<String>,
    #[arg(long, default_value = companion_push_providers::apns::PRODUCTION)]
    pub apns_url: String,
    #[arg(long, default_value = companion_push_providers::apns::SANDBOX)]
    pub apns_sandbox_url: String,
    /// The key the ERP presents on /v1/erp/push/… (unset: those endpoints refuse everyone).
    #[arg(long, env = "COMPANION_ERP_API_KEY", hide_env_values = true)]
    pub erp_api_key: Option<String>,
    /// Listen on a non-loopback address even though the demo users (whose password is
    /// public) exist. Without it such an address is refused.
    #[arg(long)]
    pub allow_demo_users_on_network: bool,
    #[command(flatten)]
    pub account: Box<crate::account_cmd::ServeAccountArgs>,
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

pub async fn run(args: &ServeArgs, json: bool) -> Result<(), CliError> {
    // Every database `serve` opens is seeded with the demo users.
    check_exposure(args.addr, true, args.allow_demo_users_on_network)?;
    let mut config = ServerConfig::in_dir(".");
    config.db_path = args.db.clone();
    config.addr = args.addr;
    config.fault_injection_endpoint = args.fault_injection;
    config.access_ttl = std::time::Duration::from_secs(args.access_ttl_secs);
    config.push.fcm =
        args.fcm_service_account
            .clone()
            .map(|path| companion_server::push::FcmSettings {
                service_account_path: path,
                send_base_url: args.fcm_url.clone(),
            });
    if let (Some(key), Some(key_id), Some(team_id), Some(topic)) = (
        &args.apns_key,
        &args.apns_key_id,
        &args.apns_team_id,
        &args.apns_topic,
    ) {
        config.push.apns = Some(companion_server::push::ApnsSettings {
            key_path: key.clone(),
            key_id: key_id.clone(),
            team_id: team_id.clone(),
            topic: topic.clone(),
            production_url: args.apns_url.clone(),
            sandbox_url: args.apns_sandbox_url.clone(),
        });
    }
    config.push.erp_api_key = args.erp_api_key.clone();
    args.account.apply(&mut config);
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
    let users: Vec<_> = seed::DEMO_USERS.iter().map(|u| u.1).collect();
    if json {
        println!(
            "{}",
            serde_json::json!({"event": "listening", "url": server.url(), "demo_users": users})
        );
    } else {
        println!("companion-server listening url={}", server.url());
        eprintln!(
            "demo users: {} (password: {})",
            users.join(", "),
            seed::DEMO_PASSWORD
        );
    }
    // Stop cleanly (in-flight requests finish, the database closes) on Ctrl-C and on the
    // SIGTERM a service manager or a test harness sends.
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())
            .map_err(|e| CliError::Usage(format!("cannot watch for SIGTERM: {e}")))?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    if json {
        println!("{}", serde_json::json!({"event": "stopped"}));
    } else {
        eprintln!("companion-server stopped");
    }
    Ok(())
}
