//! `companion demo`: README's first command. Starts the reference server with demo data on
//! a free loopback port, then walks a phone through a short session, printing each step.

use companion_core::SessionState;
use companion_server::{ServerConfig, seed};

use crate::account::open_device;
use crate::output::CliError;

struct Steps {
    json: bool,
}

impl Steps {
    fn say(&self, step: &str, detail: serde_json::Value, human: String) {
        if self.json {
            println!("{}", serde_json::json!({"step": step, "detail": detail}));
        } else {
            println!("• {human}");
        }
    }
}

pub async fn run(json: bool) -> Result<(), CliError> {
    let out = Steps { json };
    let work = tempfile::tempdir().map_err(|e| CliError::Usage(format!("temp dir: {e}")))?;
    let server = companion_server::start(ServerConfig::in_dir(work.path().join("server")))
        .await
        .map_err(|e| CliError::Usage(format!("server: {e}")))?;
    out.say(
        "server",
        serde_json::json!({"url": server.url()}),
        format!("reference server with demo data at {}", server.url()),
    );

    let phone = work.path().join("phone-maria");
    let companion = open_device(&phone, &server.url())?;
    out.say(
        "device",
        serde_json::json!({"install_id": companion.install_id(), "data_dir": phone}),
        format!(
            "phone opened: install id {}, sandbox {}",
            companion.install_id(),
            phone.display()
        ),
    );

    match companion.sign_in("maria", "not-her-password").await {
        Err(e) => out.say(
            "wrong_password",
            serde_json::json!({"error": e.to_string()}),
            format!("wrong password refused: {e}"),
        ),
        Ok(_) => {
            return Err(CliError::Usage(
                "the server accepted a wrong password".into(),
            ));
        }
    }

    let account = companion.sign_in("maria", seed::DEMO_PASSWORD).await?;
    let scopes: Vec<_> = account.warehouses.iter().map(|w| w.name.clone()).collect();
    out.say(
        "signed_in",
        serde_json::json!({"account": account}),
        format!(
            "signed in as {}; warehouses: {}",
            account.display_name,
            scopes.join(", ")
        ),
    );
    let db = companion.store()?.path().display().to_string();
    out.say(
        "store",
        serde_json::json!({"path": db}),
        format!("account database opened at {db}"),
    );

    // A phone restart: the session comes back from secure storage, no password needed.
    drop(companion);
    let companion = open_device(&phone, &server.url())?;
    let restored = matches!(companion.session_state(), SessionState::SignedIn { .. });
    out.say(
        "restart",
        serde_json::json!({"session_restored": restored}),
        format!("app restarted; session restored: {restored}"),
    );

    companion.sign_out().await?;
    out.say(
        "signed_out",
        serde_json::json!({}),
        "signed out; refresh token revoked on the server".into(),
    );
    server.shutdown().await;
    Ok(())
}
