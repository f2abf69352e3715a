//! Rectification on the phone: an edit is validated with the server's rules, stored in one
//! transaction (merged with any edit not yet sent) and shown at once; it is sent now when
//! online, or by the next `sync`.

use rusqlite::{OptionalExtension, params};

use super::{AccountData, Profile, ProfileUpdate, ProfileView};
use crate::error::{Error, Result};
use crate::store::Read;
use companion_wire::account::check_profile_update;

/// The stored edit: its fields and its generation (so a send that raced a newer edit does
/// not clear it).
type Edit = (ProfileUpdate, i64);

fn read_edit(r: &Read<'_>) -> Result<Option<Edit>> {
    Ok(r.query_row(
        "SELECT display_name, phone, job_title, generation FROM acct_profile_edit WHERE id = 1",
        [],
        |row| {
            Ok((
                ProfileUpdate {
                    display_name: row.get(0)?,
                    phone: row.get(1)?,
                    job_title: row.get(2)?,
                },
                row.get(3)?,
            ))
        },
    )
    .optional()?)
}

fn read_cached(r: &Read<'_>) -> Result<Option<Profile>> {
    let json: Option<String> = r
        .query_row("SELECT json FROM acct_profile WHERE id = 1", [], |row| {
            row.get(0)
        })
        .optional()?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
}

fn apply(mut p: Profile, u: &ProfileUpdate) -> Profile {
    if let Some(v) = &u.display_name {
        p.display_name = v.trim().to_string();
    }
    if let Some(v) = &u.phone {
        p.phone = v.trim().to_string();
    }
    if let Some(v) = &u.job_title {
        p.job_title = v.trim().to_string();
    }
    p
}

impl AccountData {
    fn fallback_profile(&self) -> Profile {
        let a = &self.ctx.account;
        Profile {
            account_id: a.id.clone(),
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            phone: String::new(),
            job_title: String::new(),
            updated_at: 0,
        }
    }

    async fn local_view(&self) -> Result<ProfileView> {
        let fallback = self.fallback_profile();
        self.ctx
            .store
            .read_blocking(move |r| {
                let base = read_cached(r)?.unwrap_or(fallback);
                Ok(match read_edit(r)? {
                    Some((edit, _)) => ProfileView {
                        profile: apply(base, &edit),
                        pending_sync: true,
                    },
                    None => ProfileView {
                        profile: base,
                        pending_sync: false,
                    },
                })
            })
            .await
    }

    /// The profile: fetched from the server when online (and kept for offline use), with an
    /// edit not yet sent applied. Offline, the last one seen.
    pub async fn profile(&self) -> Result<ProfileView> {
        match self.sync_profile().await {
            Ok(()) => {}
            Err(e) if e.is_transient() => {}
            Err(e) => return Err(e),
        }
        match self.ctx.api.get::<Profile>("/v1/account/profile").await {
            Ok(p) => self.store_cached(p).await?,
            Err(e) if e.is_transient() => {}
            Err(e) => return Err(e),
        }
        self.local_view().await
    }

    /// Corrects profile fields (absent ones keep their value). Works offline: the edit is
    /// stored and shown at once, and sent now or by the next `sync`.
    pub async fn update_profile(&self, update: ProfileUpdate) -> Result<ProfileView> {
        if let Some((field, why)) = check_profile_update(&update) {
            return Err(Error::invalid(field, why));
        }
        if update == ProfileUpdate::default() {
            return self.local_view().await;
        }
        let now = crate::time::now_millis();
        self.ctx
            .store
            .write_blocking(move |w| {
                let merged = match read_edit(w)? {
                    Some((old, _)) => ProfileUpdate {
                        display_name: update.display_name.or(old.display_name),
                        phone: update.phone.or(old.phone),
                        job_title: update.job_title.or(old.job_title),
                    },
                    None => update,
                };
                w.execute(
                    "INSERT INTO acct_profile_edit(id, display_name, phone, job_title, generation, edited_at_ms)
                     VALUES (1, ?1, ?2, ?3, 1, ?4)
                     ON CONFLICT(id) DO UPDATE SET display_name = excluded.display_name,
                       phone = excluded.phone, job_title = excluded.job_title,
                       generation = acct_profile_edit.generation + 1, edited_at_ms = excluded.edited_at_ms",
                    params![merged.display_name, merged.phone, merged.job_title, now],
                )?;
                Ok(())
            })
            .await?;
        match self.sync_profile().await {
            Ok(()) => {}
            Err(e) if e.is_transient() => {
                tracing::info!("profile edit queued until the server can be reached")
            }
            Err(e) => return Err(e),
        }
        self.local_view().await
    }

    /// Sends a queued profile edit, if any. A refused edit (the server's rules changed) is
    /// dropped with the error, so it cannot block every later sync.
    pub(crate) async fn sync_profile(&self) -> Result<()> {
        let Some((edit, generation)) = self.ctx.store.read_blocking(read_edit).await? else {
            return Ok(());
        };
        let sent: Result<Profile> = self.ctx.api.post("/v1/account/profile", &edit).await;
        match sent {
            Ok(profile) => {
                let json =
                    serde_json::to_string(&profile).map_err(|e| Error::Internal(e.to_string()))?;
                self.ctx
                    .store
                    .write_blocking(move |w| {
                        w.execute(
                            "DELETE FROM acct_profile_edit WHERE id = 1 AND generation = ?1",
                            [generation],
                        )?;
                        w.execute(
                            "INSERT INTO acct_profile(id, json) VALUES (1, ?1)
                             ON CONFLICT(id) DO UPDATE SET json = excluded.json",
                            [json],
                        )?;
                        Ok(())
                    })
                    .await
            }
            Err(e @ Error::InvalidInput { .. }) => {
                self.discard_profile_edit().await?;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn discard_profile_edit(&self) -> Result<()> {
        self.ctx
            .store
            .write_blocking(|w| {
                w.execute("DELETE FROM acct_profile_edit", [])?;
                Ok(())
            })
            .await
    }

    async fn store_cached(&self, profile: Profile) -> Result<()> {
        let json = serde_json::to_string(&profile).map_err(|e| Error::Internal(e.to_string()))?;
        self.ctx
            .store
            .write_blocking(move |w| {
                w.execute(
                    "INSERT INTO acct_profile(id, json) VALUES (1, ?1)
                     ON CONFLICT(id) DO UPDATE SET json = excluded.json",
                    [json],
                )?;
                Ok(())
            })
            .await
    }
}
