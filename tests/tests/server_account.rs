//! Account deletion, purge, export and backups on the reference server, with an injected
//! clock: nothing is purged before the grace period, everything personal after it, kept
//! business records are de-identified, an interrupted purge resumes without touching
//! another account, a restored backup does not resurrect a deleted account, and no account
//! can act for another.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use companion_server::account::{AccountConfig, backup, purge};
use companion_server::push::Clock;
use companion_server::{RunningServer, SCHEMA, ServerConfig, seed};
use rusqlite::Connection;
use serde_json::{Value, json};

const DAY: i64 = 86_400;
const PHRASE: &str = "DELETE MY ACCOUNT";

struct Rig {
    server: Option<RunningServer>,
    clock: Arc<AtomicI64>,
    account: AccountConfig,
    db_path: PathBuf,
    http: reqwest::Client,
    dir: tempfile::TempDir,
}

impl Rig {
    async fn start() -> Rig {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir).await
    }

    async fn start_in(dir: tempfile::TempDir) -> Rig {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let clock = Arc::new(AtomicI64::new(companion_server::db::now()));
        let c = clock.clone();
        let mut config = ServerConfig::in_dir(dir.path());
        config.account.clock = Clock(Arc::new(move || c.load(Ordering::SeqCst)));
        config.account.background_jobs = false;
        config.push.background_dispatch = false;
        let account = config.account.clone();
        let db_path = config.db_path.clone();
        let server = companion_server::start(config).await.unwrap();
        Rig {
            server: Some(server),
            clock,
            account,
            db_path,
            http: reqwest::Client::new(),
            dir,
        }
    }

    fn server(&self) -> &RunningServer {
        self.server.as_ref().unwrap()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server().url())
    }

    fn advance(&self, secs: i64) {
        self.clock.fetch_add(secs, Ordering::SeqCst);
    }

    fn now(&self) -> i64 {
        self.clock.load(Ordering::SeqCst)
    }

    async fn login(&self, user: &str) -> String {
        let body = json!({"username": user, "password": seed::DEMO_PASSWORD,
            "device": {"install_id": format!("install-{user}"), "platform": "desktop", "model": "m",
                       "os_version": "o", "app_version": "a", "public_key": "k"}});
        let r = self
            .http
            .post(self.url("/v1/auth/login"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "login {user}");
        let v: Value = r.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_string()
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = match method {
            "GET" => self.http.get(self.url(path)),
            _ => self.http.post(self.url(path)),
        }
        .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn db<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        self.server().db().with(f)
    }

    fn count(&self, sql: &str, account: &str) -> i64 {
        self.db(|c| c.query_row(sql, [account], |r| r.get(0)).unwrap())
    }
}

/// Movements and push rows for an account, straight into the database.
fn seed_personal(c: &Connection, account: &str, movements: usize) {
    let tx = c.unchecked_transaction().unwrap();
    for i in 0..movements {
        tx.execute(
            "INSERT INTO inv_movements(account_id, id, origin, origin_seq, warehouse_id, kind, body, status, version, received_at)
             VALUES (?1, ?2, 'origin', ?3, 'wh-north', 'pick', '{}', 'applied', ?3, 1)",
            rusqlite::params![account, format!("{account}-m{i}"), i as i64],
        )
        .unwrap();
    }
    tx.execute(
        "INSERT INTO push_registrations(account_id, install_id, provider, environment, token_sealed, token_hash, registered_at)
         VALUES (?1, 'phone', 'fcm', '', x'00', ?1 || '-hash', 1)",
        [account],
    )
    .unwrap();
    tx.execute(
        "INSERT INTO push_preferences(account_id, category, warehouse_id, enabled, updated_at)
         VALUES (?1, 'stock_below_threshold', 'wh-north', 0, 1)",
        [account],
    )
    .unwrap();
    tx.commit().unwrap();
}

/// Every row that mentions `account` in the tables the purge touches, as text.
fn rows_of(c: &Connection, account: &str) -> String {
    let mut out = String::new();
    for (table, column) in [
        ("accounts", "id"),
        ("account_warehouses", "account_id"),
        ("device_sessions", "account_id"),
        ("push_registrations", "account_id"),
        ("push_preferences", "account_id"),
        ("inv_movements", "account_id"),
        ("account_deletions", "account_id"),
        ("account_exports", "account_id"),
    ] {
        let mut stmt = c
            .prepare(&format!(
                "SELECT * FROM {table} WHERE {column} = ?1 ORDER BY rowid"
            ))
            .unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([account]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            out.push_str(table);
            for i in 0..n {
                out.push_str(&format!(" {:?}", r.get_ref(i).unwrap()));
            }
            out.push('\n');
        }
    }
    out
}

#[tokio::test]
async fn deletion_revokes_at_once_purges_after_the_grace_period_and_deidentifies() {
    let rig = Rig::start().await;
    let lena = rig.login("lena").await;
    let maria = rig.login("maria").await;
    let rows = purge::BATCH_ROWS as usize * 2 + 10;
    rig.db(|c| {
        seed_personal(c, "acct-maria", rows);
        seed_personal(c, "acct-lena", 7);
    });

    // Rectification.
    let (s, p) = rig
        .call(
            "POST",
            "/v1/account/profile",
            &maria,
            Some(json!({"phone": "+44 20 7946 0000", "job_title": "Picker"})),
        )
        .await;
    assert_eq!(
        (s, p["phone"].as_str()),
        (200, Some("+44 20 7946 0000")),
        "{p}"
    );
    let (s, e) = rig
        .call(
            "POST",
            "/v1/account/profile",
            &maria,
            Some(json!({"display_name": "  "})),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (400, Some("display_name"))
    );

    // Bad confirmations change nothing.
    let (s, e) = rig
        .call(
            "POST",
            "/v1/account/deletion",
            &maria,
            Some(json!({"password": seed::DEMO_PASSWORD, "confirmation": "delete my account"})),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (400, Some("confirmation")),
        "{e}"
    );
    let (s, e) = rig
        .call(
            "POST",
            "/v1/account/deletion",
            &maria,
            Some(json!({"password": "stale-password", "confirmation": PHRASE})),
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (403, Some("reauthentication_failed")),
        "{e}"
    );
    assert_eq!(
        rig.count(
            "SELECT count(*) FROM account_deletions WHERE account_id = ?1",
            "acct-maria"
        ),
        0
    );

    let t0 = rig.now();
    let (s, st) = rig
        .call(
            "POST",
            "/v1/account/deletion",
            &maria,
            Some(json!({"password": seed::DEMO_PASSWORD, "confirmation": PHRASE})),
        )
        .await;
    assert_eq!(s, 202, "{st}");
    assert_eq!(st["state"], "pending");
    assert_eq!(st["purge_after"].as_i64(), Some(t0 + 30 * DAY));
    assert_eq!(st["grace_days"].as_i64(), Some(30));
    assert!(st["kept"].as_array().unwrap().len() >= 2);

    // At once: the session is over, push registrations gone; lena untouched.
    let (s, _) = rig.call("GET", "/v1/me", &maria, None).await;
    assert_eq!(s, 401);
    assert_eq!(
        rig.count(
            "SELECT count(*) FROM push_registrations WHERE account_id = ?1",
            "acct-maria"
        ),
        0
    );
    assert_eq!(
        rig.count(
            "SELECT count(*) FROM device_sessions WHERE account_id = ?1 AND revoked_at IS NULL",
            "acct-maria"
        ),
        0
    );
    assert_eq!(
        rig.count(
            "SELECT count(*) FROM push_registrations WHERE account_id = ?1",
            "acct-lena"
        ),
        1
    );
    let (s, _) = rig.call("GET", "/v1/me", &lena, None).await;
    assert_eq!(s, 200);

    // She may sign in during the grace period; a second request is a conflict.
    let maria = rig.login("maria").await;
    let (s, e) = rig
        .call(
            "POST",
            "/v1/account/deletion",
            &maria,
            Some(json!({"password": seed::DEMO_PASSWORD, "confirmation": PHRASE})),
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("deletion_pending"))
    );
    let (s, st) = rig.call("GET", "/v1/account/deletion", &maria, None).await;
    assert_eq!((s, st["state"].as_str()), (200, Some("pending")));

    // Nothing is purged before the grace period is over.
    rig.advance(30 * DAY - 60);
    let done = purge::run_due(rig.server().db(), &rig.account, &rig.db_path)
        .await
        .unwrap();
    assert_eq!(done, 0);
    assert_eq!(
        rig.count("SELECT count(*) FROM accounts WHERE id = ?1", "acct-maria"),
        1
    );
    assert_eq!(
        rig.count(
            "SELECT count(*) FROM inv_movements WHERE account_id = ?1",
            "acct-maria"
        ),
        rows as i64
    );

    // After it, cancelling is too late.
    rig.advance(120);
    let (s, e) = rig
        .call("POST", "/v1/account/deletion/cancel", &maria, None)
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("grace_period_over")),
        "{e}"
    );

    let lena_before = rig.db(|c| rows_of(c, "acct-lena"));
    // A purge that stops after one batch (a crash) leaves the account half-way...
    let finished = purge::purge_account(
        rig.server().db(),
        &rig.account,
        &rig.db_path,
        "acct-maria",
        Some(1),
    )
    .await
    .unwrap();
    assert!(!finished);
    assert_eq!(
        rig.count(
            "SELECT count(*) FROM inv_movements WHERE account_id = ?1",
            "acct-maria"
        ),
        rows as i64 - purge::BATCH_ROWS
    );
    assert_eq!(
        rig.count("SELECT count(*) FROM accounts WHERE id = ?1", "acct-maria"),
        1
    );
    // ... and the next run resumes and finishes it.
    let done = purge::run_due(rig.server().db(), &rig.account, &rig.db_path)
        .await
        .unwrap();
    assert_eq!(done, 1);

    // Everything personal is gone; the movements are kept under one pseudonym that links
    // to nothing; lena's rows are byte for byte what they were.
    assert_eq!(rig.db(|c| rows_of(c, "acct-maria")), "");
    assert_eq!(
        rig.count("SELECT count(*) FROM tokens WHERE session_id NOT IN (SELECT id FROM device_sessions) AND ?1 != ''", "x"),
        0,
        "tokens of the purged sessions are gone"
    );
    let pseudonyms: Vec<(String, i64)> = rig.db(|c| {
        let mut stmt = c
            .prepare("SELECT account_id, count(*) FROM inv_movements WHERE account_id NOT IN (SELECT id FROM accounts) GROUP BY account_id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    });
    assert_eq!(pseudonyms.len(), 1, "{pseudonyms:?}");
    assert!(pseudonyms[0].0.starts_with("anon-"));
    assert_eq!(pseudonyms[0].1, rows as i64);
    let links: i64 = rig.db(|c| {
        c.query_row(
            "SELECT (SELECT count(*) FROM account_deletions) + (SELECT count(*) FROM account_journal WHERE account_id LIKE 'anon-%')",
            [],
            |r| r.get(0),
        )
        .unwrap()
    });
    assert_eq!(links, 0, "the pseudonym must link to nothing");
    assert_eq!(rig.db(|c| rows_of(c, "acct-lena")), lena_before);
    let r = rig
        .http
        .post(rig.url("/v1/auth/login"))
        .json(&json!({"username": "maria", "password": seed::DEMO_PASSWORD,
            "device": {"install_id": "x", "platform": "p", "model": "m", "os_version": "o", "app_version": "a", "public_key": "k"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a purged account cannot sign in");
}

#[tokio::test]
async fn no_account_can_delete_export_or_cancel_for_another() {
    let rig = Rig::start().await;
    let maria = rig.login("maria").await;
    let lena = rig.login("lena").await;
    let (s, export) = rig.call("POST", "/v1/account/exports", &maria, None).await;
    assert_eq!(s, 202);
    let id = export["id"].as_str().unwrap().to_string();
    let (s, _) = rig
        .call("GET", &format!("/v1/account/exports/{id}"), &lena, None)
        .await;
    assert_eq!(s, 404, "lena cannot see maria's export");
    let (s, _) = rig
        .call(
            "GET",
            &format!("/v1/account/exports/{id}/file"),
            &lena,
            None,
        )
        .await;
    assert_eq!(s, 404, "lena cannot download maria's export");
    // The deletion endpoints act on the caller's own account only: maria's password does
    // not delete lena's account, and lena cannot cancel maria's request.
    let (s, _) = rig
        .call(
            "POST",
            "/v1/account/deletion",
            &lena,
            Some(json!({"password": "wrong-for-lena", "confirmation": PHRASE})),
        )
        .await;
    assert_eq!(s, 403);
    let (s, _) = rig
        .call(
            "POST",
            "/v1/account/deletion",
            &maria,
            Some(json!({"password": seed::DEMO_PASSWORD, "confirmation": PHRASE})),
        )
        .await;
    assert_eq!(s, 202);
    let (s, e) = rig
        .call("POST", "/v1/account/deletion/cancel", &lena, None)
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("no_deletion_pending"))
    );
    assert_eq!(
        rig.count(
            "SELECT count(*) FROM account_deletions WHERE account_id = ?1",
            "acct-maria"
        ),
        1
    );
    assert_eq!(
        rig.count(
            "SELECT count(*) FROM account_deletions WHERE account_id = ?1",
            "acct-lena"
        ),
        0
    );
    // Maria cancels her own, signed in again, within the grace period.
    let maria = rig.login("maria").await;
    let (s, st) = rig
        .call("POST", "/v1/account/deletion/cancel", &maria, None)
        .await;
    assert_eq!((s, st["state"].as_str()), (200, Some("none")));
    let (s, e) = rig
        .call("POST", "/v1/account/deletion/cancel", &maria, None)
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("no_deletion_pending"))
    );
}

async fn wait_ready(rig: &Rig, token: &str, id: &str) -> Value {
    for _ in 0..400 {
        let (s, st) = rig
            .call("GET", &format!("/v1/account/exports/{id}"), token, None)
            .await;
        assert_eq!(s, 200);
        if st["state"] != "building" {
            return st;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("export never finished");
}

#[tokio::test]
async fn export_is_a_zip_with_a_manifest_downloadable_by_ranges() {
    let rig = Rig::start().await;
    let maria = rig.login("maria").await;
    rig.db(|c| seed_personal(c, "acct-maria", 2500));
    rig.db(|c| seed_personal(c, "acct-lena", 3));
    // Proofs of delivery as the deliveries feature stores them: the proof rows (their
    // signature PNG BLOBs exported as files) and the photos they name, stored once per
    // content hash, each copied a chunk at a time.
    let photo: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let sha = ring_hex(&photo);
    rig.db(|c| {
        c.execute(
            "INSERT INTO pod_photos(sha256, bytes, created_at) VALUES (?1, ?2, 0)",
            rusqlite::params![sha, photo],
        )
        .unwrap();
        let record = json!({"id": "p1", "photos": [{"sha256": sha, "size": 200000, "width": 1, "height": 1}],
            "recipient_name": "left at door 3"})
        .to_string();
        for (id, account, seq) in [("p1", "acct-maria", 1), ("p2", "acct-lena", 2)] {
            c.execute(
                "INSERT INTO pod_proofs(id, account_id, stop_id, device_public_key, sequence, seal_sha256,
                     record_json, seal_json, signature_png, receipt_json, page_token_hash, received_at_ms)
                 VALUES (?1, ?2, 'S1', 'key', ?3, ?4, ?5, '{}', x'89504e47', '{}', ?4, 0)",
                rusqlite::params![id, account, seq, format!("seal-{id}"), if id == "p1" { record.clone() } else { "{}".to_string() }],
            )
            .unwrap();
        }
    });
    let (_, export) = rig.call("POST", "/v1/account/exports", &maria, None).await;
    let id = export["id"].as_str().unwrap().to_string();
    let st = wait_ready(&rig, &maria, &id).await;
    assert_eq!(st["state"], "ready", "{st}");
    let len = st["bytes"].as_i64().unwrap() as usize;
    let path = format!("/v1/account/exports/{id}/file");
    let whole = rig
        .http
        .get(rig.url(&path))
        .bearer_auth(&maria)
        .send()
        .await
        .unwrap();
    assert_eq!(whole.status(), 200);
    let whole = whole.bytes().await.unwrap().to_vec();
    assert_eq!(whole.len(), len);
    let digest = ring_hex(&whole);
    assert_eq!(Some(digest.as_str()), st["sha256"].as_str());
    // Resuming from the middle gives exactly the rest.
    let part = rig
        .http
        .get(rig.url(&path))
        .bearer_auth(&maria)
        .header("Range", "bytes=1000-")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"].to_str().unwrap(),
        format!("bytes 1000-{}/{len}", len - 1)
    );
    assert_eq!(part.bytes().await.unwrap().to_vec(), whole[1000..].to_vec());
    let past = rig
        .http
        .get(rig.url(&path))
        .bearer_auth(&maria)
        .header("Range", format!("bytes={len}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(past.status(), 416);

    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(whole)).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        zip.by_name(name)
            .unwrap_or_else(|_| panic!("{name} missing"))
            .read_to_string(&mut s)
            .unwrap();
        serde_json::from_str::<Value>(&s).unwrap()
    };
    let manifest = read("manifest.json");
    let movements = read("movements/movements.json");
    assert_eq!(movements.as_array().unwrap().len(), 2500);
    assert!(movements.to_string().find("acct-lena").is_none());
    assert_eq!(read("profile/profile.json")["username"], "maria");
    assert_eq!(read("push/registrations.json").as_array().unwrap().len(), 1);
    assert_eq!(
        read("preferences/notifications.json")
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let index = read("proofs/index.json");
    assert!(
        index["tables"]
            .as_array()
            .unwrap()
            .contains(&json!({"table": "pod_proofs", "records": 1})),
        "{index}"
    );
    assert_eq!(index["photos"], 1, "the photo of maria's proof, not lena's");
    let proofs = read("proofs/pod_proofs.json");
    assert_eq!(proofs.as_array().unwrap().len(), 1, "{proofs}");
    assert!(
        proofs[0]["record_json"]
            .as_str()
            .unwrap()
            .contains("left at door 3")
    );
    let file = proofs[0]["signature_png"]["file"]
        .as_str()
        .unwrap()
        .to_string();
    let mut bytes = Vec::new();
    zip.by_name(&file).unwrap().read_to_end(&mut bytes).unwrap();
    assert_eq!(bytes, b"\x89PNG");
    let mut bytes = Vec::new();
    zip.by_name(&format!("proofs/photos/{sha}.jpg"))
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    assert_eq!(bytes, photo);
    let files = manifest["files"].as_array().unwrap();
    assert!(
        files
            .iter()
            .any(|f| f["path"] == "movements/movements.json")
    );
    let sections: Vec<&str> = manifest["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        sections,
        ["profile", "movements", "push", "preferences", "proofs"]
    );
}

fn ring_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let d = ring::digest::digest(&ring::digest::SHA256, bytes);
    d.as_ref().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[tokio::test]
async fn a_restored_backup_does_not_resurrect_a_deleted_account() {
    let rig = Rig::start().await;
    let backups = rig.dir.path().join("backups");
    let maria = rig.login("maria").await;
    let lena = rig.login("lena").await;
    let dave = rig.login("dave").await;
    rig.db(|c| seed_personal(c, "acct-maria", 20));
    let delete = json!({"password": seed::DEMO_PASSWORD, "confirmation": PHRASE});
    // Dave asks before the backup and cancels after it.
    assert_eq!(
        rig.call("POST", "/v1/account/deletion", &dave, Some(delete.clone()))
            .await
            .0,
        202
    );
    let backup_at = rig.now();
    let file = backup::create(rig.server().db(), &backups, backup_at).unwrap();
    let dave = rig.login("dave").await;
    assert_eq!(
        rig.call("POST", "/v1/account/deletion/cancel", &dave, None)
            .await
            .0,
        200
    );
    // Maria asks after the backup and is purged; lena asks and is pending.
    rig.advance(60);
    assert_eq!(
        rig.call("POST", "/v1/account/deletion", &maria, Some(delete.clone()))
            .await
            .0,
        202
    );
    assert_eq!(
        rig.call("POST", "/v1/account/deletion", &lena, Some(delete.clone()))
            .await
            .0,
        202
    );
    let lena_purge_after: i64 = rig.db(|c| {
        c.query_row(
            "SELECT purge_after FROM account_deletions WHERE account_id = 'acct-lena'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    });
    rig.db(|c| {
        c.execute(
            "UPDATE account_deletions SET purge_after = 0 WHERE account_id = 'acct-maria'",
            [],
        )
        .unwrap()
    });
    assert_eq!(
        purge::run_due(rig.server().db(), &rig.account, &rig.db_path)
            .await
            .unwrap(),
        1
    );

    // Disaster: the server stops and the backup (maria still in it) is restored.
    let mut rig = rig;
    rig.server.take().unwrap().shutdown().await;
    let report = backup::restore(&rig.db_path, &file, SCHEMA, &rig.account)
        .await
        .unwrap();
    assert_eq!(report.purged_again, 1, "{report:?}");
    assert_eq!(report.requests_restored, 1, "{report:?}");
    assert_eq!(report.cancellations_applied, 1, "{report:?}");
    let c = Connection::open(&rig.db_path).unwrap();
    let q = |sql: &str, id: &str| -> i64 { c.query_row(sql, [id], |r| r.get(0)).unwrap() };
    assert_eq!(
        q("SELECT count(*) FROM accounts WHERE id = ?1", "acct-maria"),
        0,
        "maria came back"
    );
    assert_eq!(
        q(
            "SELECT count(*) FROM inv_movements WHERE account_id = ?1",
            "acct-maria"
        ),
        0
    );
    assert_eq!(
        q(
            "SELECT count(*) FROM device_sessions WHERE account_id = ?1",
            "acct-maria"
        ),
        0
    );
    assert_eq!(
        q(
            "SELECT purge_after FROM account_deletions WHERE account_id = ?1",
            "acct-lena"
        ),
        lena_purge_after,
        "lena's request comes back with its date"
    );
    assert_eq!(
        q(
            "SELECT count(*) FROM device_sessions WHERE account_id = ?1 AND revoked_at IS NULL",
            "acct-lena"
        ),
        0
    );
    assert_eq!(
        q(
            "SELECT count(*) FROM account_deletions WHERE account_id = ?1",
            "acct-dave"
        ),
        0,
        "dave's cancellation holds"
    );
    drop(c);

    // A backup older than the retention is refused.
    rig.advance(91 * DAY);
    match backup::restore(&rig.db_path, &file, SCHEMA, &rig.account).await {
        Err(backup::RestoreError::TooOld {
            age_days,
            retention_days,
        }) => {
            assert_eq!((age_days, retention_days), (91, 90));
        }
        other => panic!("expected TooOld, got {other:?}"),
    }
    assert_eq!(
        backup::prune(&backups, rig.now(), rig.account.backup_retention).unwrap(),
        1
    );
}
