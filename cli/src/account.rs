//! Opening the simulated phone, and the session commands.

use std::io::BufRead;
use std::sync::Arc;

use companion_core::platform::FileSecureStorage;
use companion_core::{Companion, CompanionConfig, DeviceInfo, SessionState};

use crate::Cli;
use crate::output::{CliError, emit};

#[derive(clap::Args)]
pub struct LoginArgs {
    #[arg(long)]
    pub username: String,
    /// Prefer $COMPANION_PASSWORD or stdin: arguments are visible to other users.
    #[arg(long, env = "COMPANION_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
}

/// Opens the core on the phone in `data_dir`, as an app does at launch.
pub fn open_device(data_dir: &std::path::Path, server: &str) -> Result<Companion, CliError> {
    let storage = FileSecureStorage::new(data_dir.join("secure"))
        .map_err(|e| companion_core::Error::Storage(format!("{}: {e}", data_dir.display())))?;
    let config = CompanionConfig::new(
        data_dir.display().to_string(),
        server,
        DeviceInfo::desktop(),
    );
    // Opening is blocking (disk, secure storage), as on a phone: off the async workers.
    Ok(tokio::task::block_in_place(|| {
        Companion::open(config, Arc::new(storage))
    })?)
}

pub async fn login(cli: &Cli, args: &LoginArgs) -> Result<(), CliError> {
    let password = match &args.password {
        Some(p) => p.clone(),
        None => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| CliError::Usage(format!("reading password: {e}")))?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let companion = open_device(&cli.data_dir, &cli.server)?;
    let account = companion.sign_in(&args.username, &password).await?;
    emit(cli.json, &serde_json::json!({"signed_in": account}), || {
        let scopes: Vec<_> = account.warehouses.iter().map(|w| w.name.as_str()).collect();
        format!(
            "signed in as {} ({}); warehouses: {}",
            account.display_name,
            account.username,
            scopes.join(", ")
        )
    });
    Ok(())
}

pub async fn logout(cli: &Cli) -> Result<(), CliError> {
    let companion = open_device(&cli.data_dir, &cli.server)?;
    companion.sign_out().await?;
    emit(cli.json, &serde_json::json!({"signed_out": true}), || {
        "signed out".into()
    });
    Ok(())
}

pub async fn status(cli: &Cli) -> Result<(), CliError> {
    let companion = open_device(&cli.data_dir, &cli.server)?;
    let account = match companion.session_state() {
        SessionState::SignedIn { account } => Some(account),
        SessionState::SignedOut => None,
    };
    let doc = serde_json::json!({
        "install_id": companion.install_id(),
        "server": cli.server,
        "data_dir": cli.data_dir,
        "account": account,
    });
    emit(cli.json, &doc, || match &account {
        Some(a) => format!(
            "device {}: signed in as {} ({})",
            companion.install_id(),
            a.display_name,
            a.username
        ),
        None => format!("device {}: signed out", companion.install_id()),
    });
    Ok(())
}
