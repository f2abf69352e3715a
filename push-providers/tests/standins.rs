//! The provider clients against the loopback stand-ins: authentication flows and every
//! documented error answer.

use std::collections::BTreeMap;
use std::time::Duration;

use companion_push_providers::apns::{ApnsClient, ApnsEnvironment};
use companion_push_providers::fcm::{FcmClient, FcmConfig, ServiceAccount};
use companion_push_providers::standin::{ApnsStandin, FcmStandin, ScriptedAnswer};
use companion_push_providers::{PushMessage, SendOutcome};

fn message() -> PushMessage {
    PushMessage {
        title: "Below threshold".into(),
        body: "Strawberries 250 g: 3 left".into(),
        data: BTreeMap::from([("type".into(), "stock_below_threshold".into())]),
        collapse_key: None,
    }
}

fn fcm_client(standin: &FcmStandin) -> FcmClient {
    FcmClient::new(FcmConfig {
        account: ServiceAccount::from_json(&standin.service_account_json()).unwrap(),
        send_base_url: standin.url(),
        timeout: Duration::from_secs(2),
    })
    .unwrap()
}

#[tokio::test]
async fn fcm_oauth_then_send_and_every_documented_error() {
    let fcm = FcmStandin::start().await.unwrap();
    let client = fcm_client(&fcm);
    let tok = "fcm-token-a";
    let out = client.send(tok, &message()).await;
    assert!(matches!(out, SendOutcome::Delivered { .. }), "{out:?}");
    assert_eq!(fcm.token_requests(), 1);
    let got = fcm.received_by(tok);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].data["type"], "stock_below_threshold");
    assert_eq!(got[0].title, "Below threshold");

    // The access token is cached across sends.
    client.send(tok, &message()).await;
    assert_eq!(fcm.token_requests(), 1);

    // A revoked access token: 401, a new token, the send goes through.
    fcm.revoke_access_tokens();
    let out = client.send(tok, &message()).await;
    assert!(matches!(out, SendOutcome::Delivered { .. }), "{out:?}");
    assert_eq!(fcm.token_requests(), 2);

    fcm.script(
        tok,
        [
            ScriptedAnswer::RateLimited {
                retry_after_secs: 7,
            },
            ScriptedAnswer::BadPayload,
            ScriptedAnswer::ServerError,
            ScriptedAnswer::Garbage,
            ScriptedAnswer::BadToken,
            ScriptedAnswer::Unregistered,
        ],
    );
    assert_eq!(
        client.send(tok, &message()).await,
        SendOutcome::RetryAfter {
            after: Duration::from_secs(7),
            reason: "429 QUOTA_EXCEEDED".into()
        }
    );
    assert!(matches!(
        client.send(tok, &message()).await,
        SendOutcome::Rejected { .. }
    ));
    assert!(matches!(
        client.send(tok, &message()).await,
        SendOutcome::Transient { .. }
    ));
    assert!(matches!(
        client.send(tok, &message()).await,
        SendOutcome::Transient { .. }
    ));
    assert!(matches!(
        client.send(tok, &message()).await,
        SendOutcome::DeadToken { .. }
    ));
    assert!(matches!(
        client.send(tok, &message()).await,
        SendOutcome::DeadToken { .. }
    ));
    // Once unregistered, always unregistered.
    assert!(matches!(
        client.send(tok, &message()).await,
        SendOutcome::DeadToken { .. }
    ));
}

#[tokio::test]
async fn fcm_timeout_is_transient() {
    let fcm = FcmStandin::start().await.unwrap();
    let client = FcmClient::new(FcmConfig {
        account: ServiceAccount::from_json(&fcm.service_account_json()).unwrap(),
        send_base_url: fcm.url(),
        timeout: Duration::from_millis(300),
    })
    .unwrap();
    fcm.script("slow", [ScriptedAnswer::Delay(Duration::from_secs(2))]);
    let out = client.send("slow", &message()).await;
    assert!(matches!(out, SendOutcome::Transient { .. }), "{out:?}");
}

#[tokio::test]
async fn fcm_wrong_key_is_refused_by_the_token_endpoint() {
    let fcm = FcmStandin::start().await.unwrap();
    let mut account: serde_json::Value = serde_json::from_str(&fcm.service_account_json()).unwrap();
    account["client_email"] = "someone-else@example.com".into();
    let client = FcmClient::new(FcmConfig {
        account: ServiceAccount::from_json(&account.to_string()).unwrap(),
        send_base_url: fcm.url(),
        timeout: Duration::from_secs(2),
    })
    .unwrap();
    let out = client.send("t", &message()).await;
    assert!(matches!(out, SendOutcome::Transient { .. }), "{out:?}");
    assert_eq!(fcm.requests(), 0, "no send without an access token");
}

#[tokio::test]
async fn apns_http2_provider_token_and_every_documented_error() {
    let apns = ApnsStandin::start().await.unwrap();
    let client = ApnsClient::new(apns.client_config()).unwrap();
    let tok = "a".repeat(64);
    let out = client
        .send(&tok, ApnsEnvironment::Production, &message())
        .await;
    assert!(matches!(out, SendOutcome::Delivered { .. }), "{out:?}");
    let got = apns.received_by(&tok);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].headers["apns-topic"], "com.example.companion");
    assert_eq!(got[0].headers["apns-push-type"], "alert");
    assert_eq!(got[0].data["type"], "stock_below_threshold");
    assert_eq!(client.provider_tokens_made(), 1);

    // ExpiredProviderToken: a new provider token and one retry.
    apns.script(&tok, [ScriptedAnswer::ExpiredProviderToken]);
    let out = client
        .send(&tok, ApnsEnvironment::Sandbox, &message())
        .await;
    assert!(matches!(out, SendOutcome::Delivered { .. }), "{out:?}");
    assert_eq!(client.provider_tokens_made(), 2);
    assert_eq!(
        apns.answers_for(&tok),
        ["200", "403 ExpiredProviderToken", "200"]
    );

    apns.script(
        &tok,
        [
            ScriptedAnswer::RateLimited {
                retry_after_secs: 3,
            },
            ScriptedAnswer::ServerError,
            ScriptedAnswer::Unregistered,
        ],
    );
    assert!(matches!(
        client.send(&tok, ApnsEnvironment::Production, &message()).await,
        SendOutcome::RetryAfter { after, .. } if after == Duration::from_secs(3)
    ));
    assert!(matches!(
        client
            .send(&tok, ApnsEnvironment::Production, &message())
            .await,
        SendOutcome::Transient { .. }
    ));
    match client
        .send(&tok, ApnsEnvironment::Production, &message())
        .await
    {
        SendOutcome::DeadToken { since_ms, reason } => {
            assert!(
                since_ms.is_some_and(|t| t > 1_600_000_000_000),
                "{since_ms:?}"
            );
            assert_eq!(reason, "410 Unregistered");
        }
        other => panic!("{other:?}"),
    }
    // A well-formed hex token the stand-in does not accept as a device token.
    let out = client
        .send("abcd", ApnsEnvironment::Production, &message())
        .await;
    assert!(
        matches!(&out, SendOutcome::DeadToken { reason, .. } if reason == "400 BadDeviceToken"),
        "{out:?}"
    );
    // Not hex: refused before any request.
    let before = apns.requests();
    let out = client
        .send("../../x", ApnsEnvironment::Production, &message())
        .await;
    assert!(matches!(out, SendOutcome::DeadToken { .. }));
    assert_eq!(apns.requests(), before);
}
