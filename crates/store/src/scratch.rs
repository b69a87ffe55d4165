//! Fresh databases for tests. The same suites run on SQLite and, when
//! `BESTPICK_TEST_POSTGRES` names a PostgreSQL server (an address whose
//! user may create databases), on PostgreSQL: each test in a database of
//! its own, created here and dropped when the test is done with it.

use crate::{Location, Result};
use sqlx::{AnyConnection, Connection, Executor};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

/// The variable that sends the suites to PostgreSQL.
pub const POSTGRES_VAR: &str = "BESTPICK_TEST_POSTGRES";

/// A database for one test; a PostgreSQL one is dropped with this.
#[derive(Debug)]
pub struct Scratch {
    location: Location,
    /// The server's address and the database's name, to drop it.
    postgres: Option<(String, String)>,
}

impl Scratch {
    /// SQLite in `data_dir` (as a site keeps it), or a new PostgreSQL
    /// database when the variable is set.
    pub async fn new(data_dir: &Path) -> Result<Scratch> {
        let Some(server) = std::env::var(POSTGRES_VAR).ok().filter(|v| !v.is_empty()) else {
            return Ok(Scratch {
                location: Location::in_folder(data_dir),
                postgres: None,
            });
        };
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "bestpick_test_{}_{}_{:08x}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        sqlx::any::install_default_drivers();
        let mut admin = AnyConnection::connect(&server).await?;
        // A language's collation, as most servers have (en_US), rather than
        // the test server's byte order: nothing may rely on text sorting as
        // bytes unless it asks for it.
        admin
            .execute(
                format!(
                    "CREATE DATABASE {name} TEMPLATE template0 \
                     LOCALE_PROVIDER icu ICU_LOCALE 'en' LOCALE 'C.UTF-8'"
                )
                .as_str(),
            )
            .await?;
        admin.close().await?;
        let mut url = url::Url::parse(&server).expect("the server's address was just used");
        url.set_path(&name);
        Ok(Scratch {
            location: Location::Postgres(url.to_string()),
            postgres: Some((server, name)),
        })
    }

    /// Whether the suites run on PostgreSQL in this process.
    pub fn on_postgres() -> bool {
        std::env::var(POSTGRES_VAR).is_ok_and(|v| !v.is_empty())
    }

    /// The same database, for a second user of it in the same test; the
    /// first one drops it.
    pub fn borrowed(&self) -> Scratch {
        Scratch {
            location: self.location.clone(),
            postgres: None,
        }
    }

    pub fn location(&self) -> &Location {
        &self.location
    }
}

impl crate::Store {
    /// Runs SQL behind the store's back, for tests of what it must survive
    /// (a damaged row); changes nothing the store knows of.
    pub async fn execute_for_test(&self, sql: &str) {
        self.writer.execute(sql).await.expect("the test's SQL runs");
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which may not block on
        // itself: a thread of its own, with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(async {
                let mut admin = AnyConnection::connect(&server).await?;
                // FORCE: the site's pool may still hold connections.
                admin
                    .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await?;
                admin.close().await
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("could not drop a test database: {e}");
        }
    }
}
