//! `companion push …`: the phone's push component, and `companion bench push`.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::time::Instant;

use companion_core::push::{PushNotifications, RegisterOutcome};
use companion_wire::push::{ApnsEnvironment, Category, PushProvider};

use crate::Cli;
use crate::account::open_device;
use crate::output::{CliError, emit};

#[derive(clap::Subcommand)]
pub enum PushCommand {
    /// Hands the platform token to the core (from $COMPANION_PUSH_TOKEN or the first line of
    /// stdin: arguments are visible to other users). Sends only when a registration is due.
    Register {
        /// fcm or apns
        #[arg(long, default_value = "fcm")]
        provider: String,
        /// APNs only: the token comes from a debug build.
        #[arg(long)]
        sandbox: bool,
    },
    /// Stops notifications to this phone (queued when offline).
    Unregister,
    /// The local registration state.
    Status,
    /// Shows the preferences; `--set stock_below_threshold:wh-north=off` edits (offline),
    /// `--sync` sends edits and takes the server's set.
    Prefs {
        #[arg(long)]
        set: Vec<String>,
        #[arg(long)]
        sync: bool,
    },
    /// Parses a notification payload as a shell would receive it: FCM data (a JSON object of
    /// strings) or, with `--apns`, APNs userInfo.
    Simulate {
        payload: String,
        #[arg(long)]
        apns: bool,
    },
}

fn read_token() -> Result<String, CliError> {
    if let Ok(t) = std::env::var("COMPANION_PUSH_TOKEN") {
        return Ok(t);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::Usage(format!("reading the token from stdin: {e}")))?;
    Ok(line.trim().to_string())
}

pub async fn run(cli: &Cli, which: &PushCommand) -> Result<(), CliError> {
    if let PushCommand::Simulate { payload, apns } = which {
        let event = if *apns {
            PushNotifications::parse_apns(payload)?
        } else {
            let data: BTreeMap<String, String> = serde_json::from_str(payload).map_err(|e| {
                CliError::Usage(format!("FCM data must be an object of strings: {e}"))
            })?;
            PushNotifications::parse_fcm(&data)?
        };
        let link = event.target().map(|t| t.url());
        let doc = serde_json::json!({"event_id": event.event_id, "kind": format!("{:?}", event.kind), "link": link});
        emit(cli.json, &doc, || {
            format!(
                "{:?}\nlink: {}",
                event.kind,
                link.clone().unwrap_or_else(|| "(none)".into())
            )
        });
        return Ok(());
    }
    let phone = open_device(&cli.data_dir, &cli.server)?;
    let push = phone.push()?;
    match which {
        PushCommand::Register { provider, sandbox } => {
            let provider = PushProvider::parse(provider)
                .ok_or_else(|| CliError::Usage("--provider is fcm or apns".into()))?;
            let token = read_token()?;
            let env = (*sandbox).then_some(ApnsEnvironment::Sandbox);
            let out = push.register_token(provider, &token, env).await?;
            let (word, at) = match out {
                RegisterOutcome::UpToDate => ("up_to_date".to_string(), None),
                RegisterOutcome::Registered {
                    reason,
                    registered_at,
                } => (
                    format!("registered ({reason:?})"),
                    Some(companion_core::time::to_millis(registered_at) / 1000),
                ),
                RegisterOutcome::Throttled { retry_at } => (
                    "throttled".to_string(),
                    Some(companion_core::time::to_millis(retry_at) / 1000),
                ),
            };
            emit(
                cli.json,
                &serde_json::json!({"outcome": word, "at": at}),
                || word.clone(),
            );
        }
        PushCommand::Unregister => {
            let sent = push.unregister().await?;
            emit(cli.json, &serde_json::json!({"sent": sent}), || {
                if sent {
                    "unregistered".into()
                } else {
                    "queued (offline)".into()
                }
            });
        }
        PushCommand::Status => {
            let s = push.status()?;
            let doc = serde_json::json!({
                "registered": s.registered, "provider": s.provider,
                "registered_at": s.registered_at.map(|t| companion_core::time::to_millis(t) / 1000),
                "attempts_today": s.attempts_today, "unregister_pending": s.unregister_pending,
                "preferences_pending": s.preferences_pending,
            });
            emit(cli.json, &doc, || doc.to_string());
        }
        PushCommand::Prefs { set, sync } => {
            for s in set {
                let (k, v) = s.split_once('=').ok_or_else(|| {
                    CliError::Usage(format!("{s}: expected category[:warehouse]=on|off"))
                })?;
                let (cat, wh) = match k.split_once(':') {
                    Some((c, w)) => (c, Some(w)),
                    None => (k, None),
                };
                let category = Category::parse(cat)
                    .ok_or_else(|| CliError::Usage(format!("unknown category {cat}")))?;
                let enabled = match v {
                    "on" => true,
                    "off" => false,
                    _ => return Err(CliError::Usage(format!("{s}: on or off"))),
                };
                push.set_preference(category, wh, enabled)?;
            }
            let prefs = if *sync {
                push.sync_preferences().await?
            } else {
                push.preferences()?
            };
            let doc: Vec<_> = prefs
                .iter()
                .map(|p| serde_json::json!({"category": p.category, "warehouse_id": p.warehouse_id, "enabled": p.enabled}))
                .collect();
            emit(cli.json, &doc, || {
                if prefs.is_empty() {
                    "every category on".into()
                } else {
                    prefs
                        .iter()
                        .map(|p| {
                            format!(
                                "{}{} {}",
                                p.category.as_str(),
                                p.warehouse_id
                                    .as_deref()
                                    .map(|w| format!(":{w}"))
                                    .unwrap_or_default(),
                                if p.enabled { "on" } else { "off" }
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                }
            });
        }
        PushCommand::Simulate { .. } => {}
    }
    Ok(())
}

/// `companion bench push`: one ERP event fanned out to 1,000 registered devices through the
/// FCM stand-in, and the cost of handing over an unchanged token (no request).
pub async fn bench() -> Result<(), CliError> {
    use companion_push_providers::standin::FcmStandin;
    let usage = |e: &dyn std::fmt::Display| CliError::Usage(e.to_string());
    let work = tempfile::tempdir().map_err(|e| usage(&e))?;
    let fcm = FcmStandin::start().await.map_err(|e| usage(&e))?;
    let sa = work.path().join("service-account.json");
    std::fs::write(&sa, fcm.service_account_json()).map_err(|e| usage(&e))?;
    let mut config = companion_server::ServerConfig::in_dir(work.path().join("server"));
    config.push.fcm = Some(companion_server::push::FcmSettings {
        service_account_path: sa,
        send_base_url: fcm.url(),
    });
    config.push.erp_api_key = Some("bench-erp-key".into());
    let server = companion_server::start(config)
        .await
        .map_err(|e| usage(&e))?;

    // 1,000 installs of one account, registered as the endpoint would (sealed tokens).
    let push = server.push().clone();
    server
        .db()
        .with(|c| -> rusqlite::Result<()> {
            let tx = c.transaction()?;
            for i in 0..1000 {
                let install = format!("bench-install-{i}");
                let token = format!("bench:APA91b-{i:06}");
                tx.execute(
                    "INSERT INTO device_sessions(id, account_id, install_id, platform, model, os_version, app_version, public_key, created_at)
                     VALUES (?1, 'acct-maria', ?2, 'android', 'm', 'o', 'a', 'k', 0)",
                    rusqlite::params![format!("bench-session-{i}"), install],
                )?;
                let sealed = push
                    .sealer()
                    .seal(&companion_server::push::registry::aad("acct-maria", &install), &token)
                    .map_err(|e| rusqlite::Error::InvalidParameterName(e.message))?;
                tx.execute(
                    "INSERT INTO push_registrations(account_id, install_id, provider, environment, token_sealed, token_hash, registered_at)
                     VALUES ('acct-maria', ?1, 'fcm', '', ?2, ?3, ?4)",
                    rusqlite::params![install, sealed, companion_server::push::registry::token_hash(&token), companion_server::db::now()],
                )?;
            }
            tx.commit()
        })
        .map_err(|e| usage(&e))?;
    let http = reqwest::Client::new();
    let start = Instant::now();
    let answer = http
        .post(format!("{}/v1/erp/push/events", server.url()))
        .header("x-erp-api-key", "bench-erp-key")
        .json(&serde_json::json!({"kind": "approval_waiting", "username": "maria", "approval_id": "A-1", "title": "Approval", "body": "waiting"}))
        .send()
        .await
        .map_err(|e| usage(&e))?;
    if answer.status().as_u16() != 202 {
        return Err(CliError::Usage(format!(
            "ERP event answered {}",
            answer.status()
        )));
    }
    while fcm.received().len() < 1000 {
        if start.elapsed().as_secs() > 60 {
            return Err(CliError::Usage(format!(
                "only {} of 1000 delivered",
                fcm.received().len()
            )));
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    println!("fanout_1000_devices_ms={}", start.elapsed().as_millis());

    // An unchanged, fresh token: decided locally, no request.
    let phone_dir = work.path().join("phone");
    let phone = open_device(&phone_dir, &server.url())?;
    phone
        .sign_in("maria", companion_server::seed::DEMO_PASSWORD)
        .await?;
    phone
        .push()?
        .register_token(PushProvider::Fcm, "bench:APA91b-phone", None)
        .await?;
    let before = fcm.requests();
    let mut runs = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let out = phone
            .push()?
            .register_token(PushProvider::Fcm, "bench:APA91b-phone", None)
            .await?;
        runs.push(t.elapsed().as_secs_f64() * 1e6);
        if out != RegisterOutcome::UpToDate {
            return Err(CliError::Usage(format!("expected no request, got {out:?}")));
        }
    }
    println!("register_noop_us={:.0}", crate::bench::median(&mut runs));
    println!("register_noop_requests={}", fcm.requests() - before);
    server.shutdown().await;
    Ok(())
}
