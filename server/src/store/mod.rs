//! The sqlx store: one implementation of the app's `Store` port for SQLite and PostgreSQL.
//!
//! It runs on sqlx's `Any` driver with portable SQL (`$n` placeholders, `RETURNING`,
//! `ON CONFLICT … DO UPDATE`, times bound from Rust), so both engines run the same
//! statements and the same contract tests; the schemas differ only in their migrations.

pub mod lifecycle;
pub mod open311;
pub mod reference;
pub mod tickets;
pub mod zalo;

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

use app::ssr::store::StoreError;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// Which engine a URL selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The engine named by a `DATABASE_URL`.
    ///
    /// # Errors
    /// A one-line message when the scheme is neither SQLite nor PostgreSQL.
    pub fn of_url(url: &str) -> Result<Self, String> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(format!(
                "DATABASE_URL must start with sqlite: or postgres:// (got {:?})",
                redact(url)
            ))
        }
    }
}

/// A URL with any password replaced, safe for logs and error messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The file a `sqlite:` URL points to, if it names one.
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// The sqlx-backed store.
#[derive(Clone)]
pub struct SqlStore {
    pub pool: AnyPool,
    pub backend: Backend,
    pub url: String,
    /// The group-commit writer of new tickets (see `lifecycle::run_writer`).
    pub(crate) writer: Option<tokio::sync::mpsc::Sender<lifecycle::CreateJob>>,
}

pub(crate) fn backend_err(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() || db.is_foreign_key_violation() {
            return StoreError::Conflict {
                constraint: db.constraint().unwrap_or("unique").to_string(),
            };
        }
    }
    StoreError::Backend(Box::new(e))
}

impl SqlStore {
    /// Connects (creating the SQLite file and its directory when needed).
    ///
    /// # Errors
    /// A one-line message: unparsable URL, unwritable directory, unreachable server.
    pub async fn connect(url: &str) -> Result<Self, String> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let mut url = url.to_string();
        if backend == Backend::Sqlite {
            if let Some(path) = sqlite_path(&url) {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create data directory {}: {e}", dir.display()))?;
                    let probe = dir.join(".ioc-write-test");
                    std::fs::write(&probe, b"")
                        .map_err(|e| format!("data directory {} is not writable: {e}", dir.display()))?;
                    let _ = std::fs::remove_file(probe);
                }
            }
            if !url.contains("mode=") {
                url.push_str(if url.contains('?') {
                    "&mode=rwc"
                } else {
                    "?mode=rwc"
                });
            }
        }
        AnyConnectOptions::from_str(&url)
            .map_err(|e| format!("DATABASE_URL {:?} cannot be parsed: {e}", redact(&url)))?;
        let sqlite = backend == Backend::Sqlite;
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 4 } else { 10 })
            .acquire_timeout(std::time::Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|e| format!("cannot open database {}: {e}", redact(&url)))?;
        let direct = Self {
            pool,
            backend,
            url,
            writer: None,
        };
        let (tx, rx) = tokio::sync::mpsc::channel(4096);
        tokio::spawn(lifecycle::run_writer(direct.clone(), rx));
        Ok(Self {
            writer: Some(tx),
            ..direct
        })
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later fails with
    /// SQLITE_BUSY when another writer commits in between, instead of waiting its turn.
    ///
    /// # Errors
    /// When the database cannot start a transaction.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Applies pending migrations.
    ///
    /// # Errors
    /// When a migration fails (the message names it).
    pub async fn migrate(&self) -> Result<(), String> {
        let m = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        m.run(&self.pool)
            .await
            .map_err(|e| format!("migration failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(Backend::of_url("sqlite://data/ioc.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of_url("postgres://u:p@h/db").unwrap(), Backend::Postgres);
        assert!(Backend::of_url("mysql://x").is_err());
        assert_eq!(
            redact("postgres://ioc:secret@db:5432/ioc"),
            "postgres://ioc:***@db:5432/ioc"
        );
        assert_eq!(
            sqlite_path("sqlite://data/ioc.db?mode=rwc").unwrap().to_str(),
            Some("data/ioc.db")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }
}
