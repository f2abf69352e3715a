//! Multi-device simulation of offline inventory against the real reference server.
//!
//! Each seed runs 6 phones (3 accounts, some sharing one) through random offline periods,
//! local movements of every kind on a small, hotly contended catalogue, and injected
//! faults: dropped requests, answers dropped after the server committed, 5xx with
//! Retry-After, garbage bodies, duplicate sends of the same batch (a phone's pending batch,
//! with its outbox origin and movement ids, sent twice by a client speaking the protocol
//! itself, besides the phones' own re-sends after answers dropped), server restarts, and
//! phones killed mid-sync (the sync future aborted at a random point, the core dropped and
//! reopened from its files, sometimes with a movement recorded during the sync). At the end
//! every phone comes online and syncs, and the test asserts:
//! - every movement created on any phone was applied exactly once or rejected, and the
//!   server's ledger holds exactly the applied ones (one row per effect);
//! - every phone's copy equals the server's stock, with nothing pending;
//! - server stock equals the sum of its ledger (and its checksum the recomputed one).
//!
//! CI runs a few seeds; the full run is
//! `COMPANION_SIM_SEEDS=300 cargo test --release -p companion-tests --test inventory_sim`
//! (`COMPANION_SIM_SEED_START=N` replays from seed N).

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use companion_core::inventory::{
    AdjustReason, Movement, MovementKind, MovementState, NewMovement, SyncOptions,
};
use companion_core::platform::FileSecureStorage;
use companion_core::scope::ACCOUNT_MIGRATIONS;
use companion_core::store::Store;
use companion_core::{Account, Companion, Error, SessionState};
use companion_server::{FaultKind, RunningServer, ServerConfig};
use companion_tests::{DEMO_PASSWORD, RawSession, closed_port_url, open_account_db, open_phone};
use companion_wire::inventory::{MovementWire, PUSH_PATH, PushRequest, PushResponse};

const WH: &str = "wh-north";
const CATALOGUE_ROWS: usize = 60;

/// splitmix64: small, seedable, good enough to drive a simulation.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

struct Device {
    dir: tempfile::TempDir,
    phone: Option<Arc<Companion>>,
    online: bool,
    /// The id of the phone's outbox (`inventory.origin` in its account database), read
    /// once for the duplicate sends: it never changes.
    origin: Option<String>,
}

struct Sim {
    rng: Rng,
    server_dir: tempfile::TempDir,
    addr: SocketAddr,
    server: Option<RunningServer>,
    devices: Vec<Device>,
    /// Every request a phone could not complete, by error kind (for the log).
    errors: BTreeMap<&'static str, u32>,
    /// Sessions of the raw protocol client, by username.
    raw: BTreeMap<String, RawSession>,
    /// Duplicate sends answered both times (their verdicts compared).
    duplicates: u32,
}

fn url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

impl Sim {
    fn server(&self) -> &RunningServer {
        self.server.as_ref().expect("server running")
    }

    fn phone(&self, d: usize) -> Arc<Companion> {
        self.devices[d].phone.clone().expect("phone open")
    }

    async fn restart_server(&mut self) {
        if let Some(server) = self.server.take() {
            tokio::time::timeout(Duration::from_secs(10), server.shutdown())
                .await
                .expect("server stops");
        }
        let mut config = ServerConfig::in_dir(self.server_dir.path());
        config.addr = self.addr;
        let mut attempt = 0;
        self.server = loop {
            match companion_server::start(config.clone()).await {
                Ok(s) => break Some(s),
                Err(e) if attempt < 50 => {
                    attempt += 1;
                    tracing_like(&format!("restart retry: {e}"));
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => panic!("server restart failed: {e}"),
            }
        };
    }

    /// Drops the phone's core and opens it again from its files, online or not.
    fn reopen(&mut self, d: usize) {
        let target = if self.devices[d].online {
            url(self.addr)
        } else {
            closed_port_url()
        };
        self.devices[d].phone = None;
        let phone =
            open_phone(self.devices[d].dir.path(), &target).expect("phone reopens from its files");
        self.devices[d].phone = Some(Arc::new(phone));
    }

    fn note(&mut self, e: &Error) {
        let kind = match e {
            Error::Offline(_) => "offline",
            Error::Server { .. } => "server",
            Error::Protocol(_) => "protocol",
            Error::Conflict(_) => "conflict",
            Error::NotFound(_) => "not_found",
            other => panic!("unexpected error kind during the simulation: {other:?}"),
        };
        *self.errors.entry(kind).or_default() += 1;
    }

    /// Records a movement on a phone. Invalid input is the user's mistake (a quantity the
    /// screen no longer shows); a count is refused only before its warehouse was ever
    /// downloaded (the phone has seen no stock to count against).
    async fn record(&mut self, d: usize, m: NewMovement) {
        let inventory = self.phone(d).inventory().expect("signed in");
        let kind = m.kind;
        match inventory.record(m).await {
            Ok(_) | Err(Error::InvalidInput { .. }) => {}
            Err(Error::Conflict(e)) if kind == MovementKind::Count => {
                let downloaded = inventory
                    .scopes()
                    .await
                    .unwrap()
                    .iter()
                    .any(|s| s.warehouse_id == WH && s.complete);
                assert!(!downloaded, "a count refused after the download: {e}");
                *self.errors.entry("count_before_download").or_default() += 1;
            }
            Err(e) => panic!("recording failed: {e:?}"),
        }
    }

    async fn random_movement(&mut self, d: usize) -> Option<NewMovement> {
        let phone = self.phone(d);
        let item = companion_server::catalogue::item_id(
            self.rng.below((CATALOGUE_ROWS / 20) as u64) as usize,
        );
        let stock = phone.inventory().unwrap().item(WH, &item).await.ok()?;
        if stock.lines.is_empty() {
            // Item downloaded, its stock not yet (a download in progress).
            return None;
        }
        let line = self.rng.pick(&stock.lines).clone();
        let other_bin = self.rng.pick(&stock.lines).location_id.clone();
        let kind = *self.rng.pick(&[
            MovementKind::Pick,
            MovementKind::Pick,
            MovementKind::Move,
            MovementKind::Adjust,
            MovementKind::Adjust,
            MovementKind::Count,
            MovementKind::Receive,
        ]);
        let qty = match kind {
            MovementKind::Pick | MovementKind::Move => {
                if line.qty <= 0 {
                    return None;
                }
                1 + self.rng.below(line.qty.min(40) as u64) as i64
            }
            MovementKind::Adjust => {
                let up = self.rng.chance(50) || line.qty <= 0;
                if up {
                    1 + self.rng.below(10) as i64
                } else {
                    -(1 + self.rng.below(line.qty.min(10) as u64) as i64)
                }
            }
            MovementKind::Count => self.rng.below(80) as i64,
            MovementKind::Receive => 1 + self.rng.below(50) as i64,
        };
        let reason = (kind == MovementKind::Adjust).then(|| {
            *self.rng.pick(&[
                AdjustReason::Damage,
                AdjustReason::Spoilage,
                AdjustReason::Shrink,
                AdjustReason::Found,
            ])
        });
        if kind == MovementKind::Move && other_bin == line.location_id {
            return None;
        }
        Some(NewMovement {
            warehouse_id: WH.into(),
            kind,
            item_id: item,
            lot_id: line.lot_id,
            location_id: line.location_id,
            to_location_id: (kind == MovementKind::Move).then_some(other_bin),
            qty,
            reason,
            po_line_id: None,
        })
    }

    fn inject_random_fault(&mut self) {
        let faults = self.server().faults().clone();
        match self.rng.below(7) {
            0 => faults.inject(PUSH_PATH, 1, FaultKind::DropAfterCommit),
            1 => faults.inject(PUSH_PATH, 1, FaultKind::DropBeforeHandler),
            2 => faults.inject(PUSH_PATH, 1, FaultKind::GarbageBody),
            3 => faults.inject(
                "/v1/inventory/changes",
                1,
                FaultKind::Status {
                    status: 503,
                    retry_after_secs: Some(0),
                },
            ),
            4 => faults.inject("/v1/inventory/changes", 1, FaultKind::GarbageBody),
            5 => faults.inject("/v1/inventory/changes", 1, FaultKind::DropAfterCommit),
            _ => faults.inject(
                PUSH_PATH,
                2,
                FaultKind::Status {
                    status: 500,
                    retry_after_secs: None,
                },
            ),
        }
    }

    /// Small pages make downloads span many transactions, so kills and faults land
    /// between pages.
    fn sync_options(&mut self) -> SyncOptions {
        SyncOptions {
            page_rows: *self.rng.pick(&[10, 25, 10_000]),
            ..Default::default()
        }
    }

    async fn sync(&mut self, d: usize) {
        let phone = self.phone(d);
        let options = self.sync_options();
        if let Err(e) = phone.inventory().unwrap().sync_with(&options).await {
            self.note(&e);
        }
    }

    /// The phone's outbox origin, read from its account database while the phone is
    /// closed (the core keeps it to itself); the phone is reopened from its files after.
    fn origin(&mut self, d: usize, account: &Account) -> String {
        if let Some(origin) = &self.devices[d].origin {
            return origin.clone();
        }
        let db = self.phone(d).account_db_path(&account.id);
        self.devices[d].phone = None;
        let storage = FileSecureStorage::new(self.devices[d].dir.path().join("secure")).unwrap();
        let store = Store::open_account(&db, &storage, &account.id, ACCOUNT_MIGRATIONS)
            .expect("the account database opens");
        let origin = store
            .read(|r| r.meta("inventory.origin"))
            .unwrap()
            .expect("an outbox holding movements has an origin");
        drop(store);
        self.reopen(d);
        self.devices[d].origin = Some(origin.clone());
        origin
    }

    /// Sends a pending batch as the server receives it from the phone.
    async fn raw_push(
        &mut self,
        username: &str,
        request: &PushRequest,
    ) -> Result<PushResponse, &'static str> {
        for _ in 0..2 {
            if !self.raw.contains_key(username) {
                let session = RawSession::sign_in(&url(self.addr), username)
                    .await
                    .expect("the raw client signs in");
                self.raw.insert(username.to_string(), session);
            }
            let Ok(response) = self.raw[username].post(PUSH_PATH, request).await else {
                return Err("offline");
            };
            let status = response.status();
            let Ok(body) = response.bytes().await else {
                return Err("offline");
            };
            match status.as_u16() {
                200 => return serde_json::from_slice(&body).map_err(|_| "protocol"),
                // The access token expired: sign in again.
                401 => {
                    self.raw.remove(username);
                }
                404 => return Err("not_found"),
                409 => return Err("conflict"),
                408 | 429 | 500.. => return Err("server"),
                _ => panic!(
                    "unexpected answer to a duplicate send: {status} {}",
                    String::from_utf8_lossy(&body)
                ),
            }
        }
        panic!("the raw client's new session was refused")
    }

    /// Sends the phone's oldest pending movements (its next batch: same origin, ids and
    /// outbox positions) straight to the server twice, bypassing its outbox bookkeeping:
    /// the server must apply them once and answer the same both times.
    async fn duplicate_send(&mut self, d: usize) {
        let phone = self.phone(d);
        let SessionState::SignedIn { account } = phone.session_state() else {
            return;
        };
        let Ok(inventory) = phone.inventory() else {
            return;
        };
        let mut pending: Vec<Movement> = inventory
            .movements(false, 10_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.state == MovementState::Pending)
            .collect();
        drop((inventory, phone));
        if pending.is_empty() {
            return;
        }
        pending.sort_by_key(|m| m.seq);
        pending.truncate(50);
        let movements = pending
            .into_iter()
            .map(|m| MovementWire {
                id: m.id,
                origin_seq: m.seq,
                warehouse_id: m.warehouse_id,
                kind: m.kind,
                item_id: m.item_id,
                lot_id: m.lot_id,
                location_id: m.location_id,
                to_location_id: m.to_location_id,
                qty: m.qty,
                reason: m.reason,
                observed_version: m.observed_version,
                po_line_id: m.po_line_id,
                created_at_ms: companion_core::time::to_millis(m.created_at),
            })
            .collect();
        let request = PushRequest {
            origin: self.origin(d, &account),
            movements,
        };
        let first = self.raw_push(&account.username, &request).await;
        let second = self.raw_push(&account.username, &request).await;
        match (first, second) {
            (Ok(a), Ok(b)) => {
                assert_eq!(
                    a.results, b.results,
                    "a duplicate send must get the same verdicts"
                );
                self.duplicates += 1;
            }
            (Err(kind), _) | (_, Err(kind)) => *self.errors.entry(kind).or_default() += 1,
        }
    }

    /// Kills the phone in the middle of a sync: the sync task is aborted after a random
    /// delay (sometimes while the user records a movement), then the core is dropped and
    /// reopened from its files.
    async fn kill_mid_sync(&mut self, d: usize) {
        let phone = self.phone(d);
        let delay = Duration::from_micros(self.rng.below(40_000));
        let record = if self.rng.chance(50) {
            self.random_movement(d).await
        } else {
            None
        };
        let syncing = phone.clone();
        let options = self.sync_options();
        let task =
            tokio::spawn(async move { syncing.inventory().unwrap().sync_with(&options).await });
        if let Some(m) = record {
            // Whatever the outcome: the kill is what is tested here.
            let _ = phone.inventory().unwrap().record(m).await;
        }
        tokio::time::sleep(delay).await;
        task.abort();
        if let Ok(Err(e)) = task.await {
            self.note(&e);
        }
        drop(phone);
        self.reopen(d);
    }
}

fn tracing_like(msg: &str) {
    if std::env::var_os("COMPANION_SIM_VERBOSE").is_some() {
        eprintln!("{msg}");
    }
}

/// Runs one seed; returns how many duplicate sends were answered twice and compared.
async fn run_seed(seed: u64) -> u32 {
    let server_dir = tempfile::tempdir().unwrap();
    let server = companion_server::start(ServerConfig::in_dir(server_dir.path()))
        .await
        .unwrap();
    server
        .db()
        .with(|c| companion_server::catalogue::seed(c, WH, CATALOGUE_ROWS))
        .unwrap();
    let addr = server.addr();
    let mut sim = Sim {
        rng: Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x5eed),
        server_dir,
        addr,
        server: Some(server),
        devices: Vec::new(),
        errors: BTreeMap::new(),
        raw: BTreeMap::new(),
        duplicates: 0,
    };
    for user in ["maria", "lena", "dave", "maria", "lena", "dave"] {
        let dir = tempfile::tempdir().unwrap();
        let phone = open_phone(dir.path(), &url(addr)).unwrap();
        phone.sign_in(user, DEMO_PASSWORD).await.unwrap();
        sim.devices.push(Device {
            dir,
            phone: Some(Arc::new(phone)),
            online: true,
            origin: None,
        });
    }
    for d in 0..sim.devices.len() {
        // Some phones start with nothing downloaded and work blind until their first sync.
        if sim.rng.chance(80) {
            sim.sync(d).await;
        }
    }

    let steps = 70;
    for step in 0..steps {
        let d = sim.rng.below(sim.devices.len() as u64) as usize;
        let roll = sim.rng.below(100);
        tracing_like(&format!("seed {seed} step {step}: device {d} roll {roll}"));
        match roll {
            0..=44 => {
                if let Some(m) = sim.random_movement(d).await {
                    sim.record(d, m).await;
                }
            }
            45..=64 => {
                if sim.devices[d].online && sim.rng.chance(40) {
                    sim.inject_random_fault();
                }
                sim.sync(d).await;
            }
            65..=71 => {
                if sim.devices[d].online {
                    sim.duplicate_send(d).await;
                }
            }
            72..=83 => {
                sim.devices[d].online = !sim.devices[d].online;
                sim.reopen(d);
            }
            84..=93 => {
                if sim.devices[d].online {
                    sim.kill_mid_sync(d).await;
                }
            }
            _ => {
                sim.restart_server().await;
            }
        }
    }

    // Everyone comes back online; faults stop.
    sim.server().faults().clear();
    for d in 0..sim.devices.len() {
        sim.devices[d].online = true;
        sim.reopen(d);
    }
    for round in 0..2 {
        for d in 0..sim.devices.len() {
            let report = sim.phone(d).inventory().unwrap().sync().await;
            let report = report.unwrap_or_else(|e| {
                panic!("seed {seed} round {round} device {d}: final sync failed: {e:?}")
            });
            assert_eq!(
                report.pending, 0,
                "seed {seed}: device {d} still has pending movements"
            );
        }
    }
    let (applied, rejected) = check(&mut sim, seed).await;
    eprintln!(
        "seed {seed}: {applied} applied, {rejected} rejected, {} duplicate sends, client errors {:?}",
        sim.duplicates, sim.errors
    );
    if let Some(server) = sim.server.take() {
        server.shutdown().await;
    }
    sim.duplicates
}

type Key = (String, String, String, String);

/// Returns (applied, rejected) movements. Closes the phones (their databases are read
/// last, as files).
async fn check(sim: &mut Sim, seed: u64) -> (usize, usize) {
    let db = sim.server().db().clone();
    let problems = db.with(|c| companion_server::inventory::audit(c)).unwrap();
    assert!(
        problems.is_empty(),
        "seed {seed}: server ledger inconsistent: {problems:?}"
    );

    // Movements: what the phones created vs. what the server recorded.
    let mut created: BTreeMap<String, (MovementState, MovementKind)> = BTreeMap::new();
    for (d, device) in sim.devices.iter().enumerate() {
        let phone = device.phone.as_ref().unwrap();
        for m in phone
            .inventory()
            .unwrap()
            .movements(true, 100_000)
            .await
            .unwrap()
        {
            assert_ne!(
                m.state,
                MovementState::Pending,
                "seed {seed}: device {d} movement {} still pending",
                m.id
            );
            assert!(
                created.insert(m.id.clone(), (m.state, m.kind)).is_none(),
                "duplicate movement id {}",
                m.id
            );
        }
    }
    let server_movements: BTreeMap<String, (String, i64)> = db.with(|c| {
        let mut stmt = c
            .prepare(
                "SELECT m.id, m.status, (SELECT count(*) FROM inv_ledger l WHERE l.movement_id = m.id) FROM inv_movements m",
            )
            .unwrap();
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, (r.get::<_, String>(1)?, r.get::<_, i64>(2)?))))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    });
    let created_ids: BTreeSet<&String> = created.keys().collect();
    let server_ids: BTreeSet<&String> = server_movements.keys().collect();
    assert_eq!(
        created_ids, server_ids,
        "seed {seed}: the server's movements differ from the phones'"
    );
    for (id, (state, kind)) in &created {
        let (status, ledger_rows) = &server_movements[id];
        let expected_rows = match (state, kind) {
            (MovementState::Rejected, _) => 0,
            (_, MovementKind::Move) => 2,
            _ => 1,
        };
        let expected_status = if *state == MovementState::Applied {
            "applied"
        } else {
            "rejected"
        };
        assert_eq!(status, expected_status, "seed {seed}: movement {id}");
        assert_eq!(
            *ledger_rows, expected_rows,
            "seed {seed}: movement {id} ({kind:?}) must take effect exactly once"
        );
    }

    // Convergence: every phone's pulled copy and displayed stock equal the server's.
    let server_stock: BTreeMap<Key, i64> = db.with(|c| {
        let mut stmt = c
            .prepare("SELECT warehouse_id, item_id, lot_id, location_id, qty FROM inv_stock")
            .unwrap();
        stmt.query_map([], |r| {
            Ok(((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?), r.get(4)?))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    });
    for d in 0..sim.devices.len() {
        let phone = sim.devices[d].phone.take().unwrap();
        for item in 0..CATALOGUE_ROWS / 20 {
            let stock = phone
                .inventory()
                .unwrap()
                .item(WH, &companion_server::catalogue::item_id(item))
                .await
                .unwrap();
            for line in stock.lines {
                let key = (
                    WH.to_string(),
                    line.item_id.clone(),
                    line.lot_id.clone(),
                    line.location_id.clone(),
                );
                assert_eq!(
                    Some(&line.qty),
                    server_stock.get(&key),
                    "seed {seed}: device {d} displays {key:?} wrong"
                );
            }
        }
        // The app is closed; its pulled copy and its unsettled effects are read from the file.
        let SessionState::SignedIn { account } = phone.session_state() else {
            panic!("seed {seed}: device {d} was signed out");
        };
        let db_path = phone.account_database().unwrap();
        drop(phone);
        let conn = open_account_db(sim.devices[d].dir.path(), &account.id, &db_path);
        let local: BTreeMap<Key, i64> = conn
            .prepare("SELECT warehouse_id, item_id, lot_id, location_id, qty FROM inv_stock")
            .unwrap()
            .query_map([], |r| {
                Ok(((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?), r.get(4)?))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let effects: i64 = conn
            .query_row("SELECT count(*) FROM inv_effect", [], |r| r.get(0))
            .unwrap();
        let expected: BTreeMap<Key, i64> = server_stock
            .iter()
            .filter(|(k, _)| k.0 == WH)
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        let local_wh: BTreeMap<Key, i64> = local.into_iter().filter(|(k, _)| k.0 == WH).collect();
        assert_eq!(
            local_wh, expected,
            "seed {seed}: device {d} did not converge"
        );
        assert_eq!(
            effects, 0,
            "seed {seed}: device {d} still shows unsettled effects"
        );
    }
    let applied = created
        .values()
        .filter(|(s, _)| *s == MovementState::Applied)
        .count();
    (applied, created.len() - applied)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_devices_with_faults_converge_and_apply_every_movement_once() {
    let seeds: u64 = std::env::var("COMPANION_SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    let start: u64 = std::env::var("COMPANION_SIM_SEED_START")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let began = std::time::Instant::now();
    let mut duplicates = 0;
    for seed in start..start + seeds {
        duplicates += run_seed(seed).await;
    }
    if seeds >= 6 {
        assert!(
            duplicates > 0,
            "no duplicate send got through in {seeds} seeds"
        );
    }
    eprintln!(
        "inventory simulation: {seeds} seeds from {start} passed in {:.1} s, {duplicates} duplicate sends compared",
        began.elapsed().as_secs_f64()
    );
}
