//! [`FileTokenStore`]: one JSON file per connection in a directory, shared safely by every
//! process on the machine.
//!
//! In the directory (created with mode 0700 when missing), per connection `<name>`:
//!
//! - `<name>.token.json` (mode 0600): the record. Written whole to a temporary file
//!   (`.<name>.tmp-…`), fsynced, renamed over the old one, and the directory fsynced, so a reader
//!   sees the old or the new record, never half of one, and a crash (even `SIGKILL` in the middle
//!   of a write) loses at most the write in progress. Access and refresh tokens are sealed when a
//!   [`TokenKey`] is configured; expiry, issue time, metadata, generation and refresh count are
//!   in clear.
//! - `<name>.refresh.lock`: the OS lock (`flock`, through `fs4`) held across a refresh, so one
//!   process refreshes and the others wait and re-read. The OS releases it when its process dies.
//! - `<name>.write.lock`: the OS lock held for the few milliseconds of a compare-and-swap.
//!
//! `<name>` is the connection id with every character but `A-Z a-z 0-9 - _ .` percent-encoded
//! (`exact:acme` → `exact%3Aacme`); a long id is replaced by `h-` and its SHA-256 in hex. The file
//! names its connection, and a file of another connection is refused.
//!
//! Keep the directory on a local file system: `flock` over a network file system is not reliable.
//! Processes on several machines share tokens through Redis instead.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::seal::{open, seal, TokenKey};
use super::store::{RefreshLease, RefreshLock, TokenRecord, TokenStore};
use super::{ConnectionId, TokenPair};
use crate::error::{Error, ErrorKind, Result};

/// The record format written by this version.
const FORMAT: u32 = 1;
/// A token file larger than this is refused as corrupt.
const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// How long a compare-and-swap waits for another process's write lock.
const WRITE_LOCK_WAIT: Duration = Duration::from_secs(10);

/// Token records in files, one per connection, under a directory (see the module docs).
#[derive(Clone)]
pub struct FileTokenStore {
    dir: PathBuf,
    key: Option<TokenKey>,
}

impl fmt::Debug for FileTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileTokenStore")
            .field("dir", &self.dir)
            .field("key", &self.key)
            .finish()
    }
}

#[derive(Serialize, Deserialize)]
struct FileRecord {
    format: u32,
    connection: String,
    generation: u64,
    refreshes: u64,
    #[serde(default)]
    dead: bool,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    #[serde(default)]
    metadata: BTreeMap<String, String>,
    access_token: String,
    refresh_token: String,
    #[serde(default)]
    lease: Option<FileLease>,
}

#[derive(Serialize, Deserialize)]
struct FileLease {
    owner: String,
    until: DateTime<Utc>,
}

/// Only the generation, readable even when the rest of a record is not.
#[derive(Deserialize)]
struct GenerationOnly {
    generation: u64,
}

fn io_error(operation: &'static str, what: String, err: io::Error) -> Error {
    let kind = if err.kind() == io::ErrorKind::PermissionDenied {
        ErrorKind::Config
    } else {
        ErrorKind::Unavailable
    };
    Error::new(kind, what)
        .with_operation(operation)
        .with_source(err)
}

/// A name for the files of `conn`, safe on every file system.
fn file_stem(conn: &ConnectionId) -> String {
    let mut out = String::new();
    for (i, b) in conn.as_str().bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (b == b'.' && i > 0);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.len() > 120 {
        let digest = Sha256::digest(conn.as_str().as_bytes());
        out = format!(
            "h-{}",
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
    }
    out
}

impl FileTokenStore {
    /// A store in `dir`, created (mode 0700) when missing. An unusable directory is a
    /// [`ErrorKind::Config`] error.
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        if dir.as_os_str().is_empty() {
            return Err(Error::config("the token store directory is empty"));
        }
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&dir).map_err(|e| {
            Error::config(format!(
                "the token store directory {} cannot be created",
                dir.display()
            ))
            .with_source(e)
        })?;
        if !dir.is_dir() {
            return Err(Error::config(format!(
                "the token store path {} is not a directory",
                dir.display()
            )));
        }
        Ok(Self { dir, key: None })
    }

    /// Seal the tokens with `key` (or keep them in clear with `None`).
    pub fn with_key(mut self, key: Option<TokenKey>) -> Self {
        self.key = key;
        self
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The token file of `conn`.
    pub fn path_of(&self, conn: &ConnectionId) -> PathBuf {
        self.dir.join(format!("{}.token.json", file_stem(conn)))
    }

    fn lock_path(&self, conn: &ConnectionId, which: &str) -> PathBuf {
        self.dir.join(format!("{}.{which}.lock", file_stem(conn)))
    }

    fn corrupt(&self, conn: &ConnectionId, why: &str) -> Error {
        Error::protocol(format!(
            "the token file {} of connection {conn} is corrupt ({why}); store a new pair \
             (consent again) or restore the file",
            self.path_of(conn).display()
        ))
        .with_operation("read_token")
    }

    /// The file's bytes, `None` when it does not exist.
    fn read_bytes(&self, conn: &ConnectionId) -> Result<Option<Vec<u8>>> {
        let path = self.path_of(conn);
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(io_error(
                    "read_token",
                    format!("the token file {} cannot be opened", path.display()),
                    e,
                ))
            }
        };
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                io_error(
                    "read_token",
                    format!("the token file {} cannot be read", path.display()),
                    e,
                )
            })?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(self.corrupt(conn, "larger than 1 MiB"));
        }
        Ok(Some(bytes))
    }

    fn parse(&self, conn: &ConnectionId, bytes: &[u8]) -> Result<TokenRecord> {
        // serde_json's messages can quote the input: report only where it failed.
        let rec: FileRecord = serde_json::from_slice(bytes).map_err(|e| {
            let why = format!(
                "not a token record: {:?} error at line {} column {}",
                e.classify(),
                e.line(),
                e.column()
            );
            self.corrupt(conn, &why)
        })?;
        if rec.format != FORMAT {
            return Err(self.corrupt(
                conn,
                &format!(
                    "format {} is not {FORMAT}: written by another version",
                    rec.format
                ),
            ));
        }
        if rec.connection != conn.as_str() {
            return Err(self.corrupt(conn, "the file names another connection"));
        }
        let key = self.key.as_ref();
        let pair = TokenPair {
            access_token: open(key, conn, "access", &rec.access_token)?,
            refresh_token: open(key, conn, "refresh", &rec.refresh_token)?,
            expires_at: rec.expires_at,
            issued_at: rec.issued_at,
            metadata: rec.metadata,
        };
        Ok(TokenRecord {
            pair,
            generation: rec.generation,
            refreshes: rec.refreshes,
            dead: rec.dead,
            lease: rec.lease.map(|l| RefreshLease {
                owner: l.owner,
                until: l.until,
            }),
        })
    }

    fn encode(&self, conn: &ConnectionId, record: &TokenRecord) -> Result<Vec<u8>> {
        let key = self.key.as_ref();
        let seal_of = |field: &str, s: &SecretString| seal(key, conn, field, s);
        let rec = FileRecord {
            format: FORMAT,
            connection: conn.as_str().to_owned(),
            generation: record.generation,
            refreshes: record.refreshes,
            dead: record.dead,
            issued_at: record.pair.issued_at,
            expires_at: record.pair.expires_at,
            metadata: record.pair.metadata.clone(),
            access_token: seal_of("access", &record.pair.access_token),
            refresh_token: seal_of("refresh", &record.pair.refresh_token),
            lease: record.lease.as_ref().map(|l| FileLease {
                owner: l.owner.clone(),
                until: l.until,
            }),
        };
        let mut bytes = serde_json::to_vec_pretty(&rec)
            .map_err(|e| Error::protocol("the token record cannot be encoded").with_source(e))?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// The generation in the file; a file that cannot be parsed counts as generation 0, so a
    /// new pair can be stored over it.
    fn stored_generation(&self, conn: &ConnectionId) -> Result<Option<u64>> {
        match self.read_bytes(conn) {
            Ok(bytes) => Ok(bytes.map(|bytes| {
                serde_json::from_slice::<GenerationOnly>(&bytes)
                    .map(|g| g.generation)
                    .unwrap_or(0)
            })),
            // Oversized: corrupt, generation 0 like any unreadable record.
            Err(e) if *e.kind() == ErrorKind::Protocol => Ok(Some(0)),
            Err(e) => Err(e),
        }
    }

    fn open_lock_file(&self, conn: &ConnectionId, which: &str) -> Result<File> {
        let path = self.lock_path(conn, which);
        let mut opts = OpenOptions::new();
        opts.create(true).truncate(false).read(true).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        opts.open(&path).map_err(|e| {
            io_error(
                "lock_token",
                format!("the lock file {} cannot be opened", path.display()),
                e,
            )
        })
    }

    /// Take the write lock (blocking thread), bounded by [`WRITE_LOCK_WAIT`].
    fn write_lock(&self, conn: &ConnectionId) -> Result<File> {
        let file = self.open_lock_file(conn, "write")?;
        let deadline = Instant::now() + WRITE_LOCK_WAIT;
        let mut pause = Duration::from_millis(1);
        loop {
            match fs4::FileExt::try_lock(&file) {
                Ok(()) => return Ok(file),
                Err(fs4::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Err(fs4::TryLockError::WouldBlock) => {
                    return Err(Error::new(
                        ErrorKind::Unavailable,
                        format!(
                            "the token file of connection {conn} stayed locked by another process"
                        ),
                    )
                    .with_operation("lock_token"))
                }
                Err(fs4::TryLockError::Error(e)) => {
                    return Err(io_error(
                        "lock_token",
                        format!("the token file of connection {conn} cannot be locked"),
                        e,
                    ))
                }
            }
        }
    }

    /// Remove temporary files a killed writer left behind (under the write lock).
    fn clean_temporaries(&self, conn: &ConnectionId) {
        let prefix = format!(".{}.tmp-", file_stem(conn));
        if let Ok(entries) = fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                if entry.file_name().to_string_lossy().starts_with(&prefix) {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
    }

    fn sync_dir(&self) -> io::Result<()> {
        #[cfg(unix)]
        File::open(&self.dir)?.sync_all()?;
        Ok(())
    }

    fn write_atomically(&self, conn: &ConnectionId, bytes: &[u8]) -> Result<()> {
        let path = self.path_of(conn);
        let tmp = self.dir.join(format!(
            ".{}.tmp-{}-{}",
            file_stem(conn),
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let write = || -> io::Result<()> {
            let mut opts = OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f = opts.open(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            drop(f);
            fs::rename(&tmp, &path)?;
            self.sync_dir()
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io_error(
                "write_token",
                format!("the token file {} cannot be written", path.display()),
                e,
            )
        })
    }

    fn compare_and_swap_blocking(
        &self,
        conn: &ConnectionId,
        expected: Option<u64>,
        bytes: &[u8],
    ) -> Result<bool> {
        let _lock = self.write_lock(conn)?;
        if self.stored_generation(conn)? != expected {
            return Ok(false);
        }
        self.clean_temporaries(conn);
        self.write_atomically(conn, bytes)?;
        Ok(true)
    }

    fn remove_blocking(&self, conn: &ConnectionId) -> Result<()> {
        let _lock = self.write_lock(conn)?;
        let path = self.path_of(conn);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => {
                return Err(io_error(
                    "remove_token",
                    format!("the token file {} cannot be removed", path.display()),
                    e,
                ))
            }
        }
        self.clean_temporaries(conn);
        self.sync_dir().map_err(|e| {
            io_error(
                "remove_token",
                format!(
                    "the token directory {} cannot be synced",
                    self.dir.display()
                ),
                e,
            )
        })
    }
}

/// Run blocking file work off the async worker threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        Error::new(ErrorKind::Unavailable, "a token file task failed").with_source(e)
    })?
}

#[async_trait]
impl TokenStore for FileTokenStore {
    async fn load(&self, conn: &ConnectionId) -> Result<Option<TokenRecord>> {
        let (this, conn) = (self.clone(), conn.clone());
        blocking(move || match this.read_bytes(&conn)? {
            None => Ok(None),
            Some(bytes) => this.parse(&conn, &bytes).map(Some),
        })
        .await
    }

    async fn compare_and_swap(
        &self,
        conn: &ConnectionId,
        expected: Option<u64>,
        record: &TokenRecord,
    ) -> Result<bool> {
        let bytes = self.encode(conn, record)?;
        let (this, conn) = (self.clone(), conn.clone());
        blocking(move || this.compare_and_swap_blocking(&conn, expected, &bytes)).await
    }

    async fn remove(&self, conn: &ConnectionId) -> Result<()> {
        let (this, conn) = (self.clone(), conn.clone());
        blocking(move || this.remove_blocking(&conn)).await
    }

    async fn generation(&self, conn: &ConnectionId) -> Result<Option<u64>> {
        let (this, conn) = (self.clone(), conn.clone());
        blocking(move || this.stored_generation(&conn)).await
    }

    async fn lock_refresh(
        &self,
        conn: &ConnectionId,
        wait: Duration,
    ) -> Result<Option<RefreshLock>> {
        let (this, c) = (self.clone(), conn.clone());
        let file = blocking(move || this.open_lock_file(&c, "refresh")).await?;
        let deadline = tokio::time::Instant::now() + wait;
        let mut pause = Duration::from_millis(2);
        loop {
            match fs4::FileExt::try_lock(&file) {
                Ok(()) => return Ok(Some(RefreshLock::new(file))),
                Err(fs4::TryLockError::WouldBlock) => {
                    if tokio::time::Instant::now() + pause > deadline {
                        return Err(Error::new(
                            ErrorKind::Unavailable,
                            format!(
                                "timed out waiting for another process to refresh connection {conn}"
                            ),
                        )
                        .with_operation("access_token"));
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(fs4::TryLockError::Error(e)) => {
                    return Err(io_error(
                        "lock_token",
                        format!("the refresh lock of connection {conn} cannot be taken"),
                        e,
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_distinct() {
        let id = |s: &str| ConnectionId::new(s).expect("id");
        assert_eq!(file_stem(&id("exact:acme")), "exact%3Aacme");
        assert_eq!(file_stem(&id("a/../b")), "a%2F..%2Fb");
        assert_eq!(file_stem(&id("..")), "%2E.");
        let long = file_stem(&id(&"x".repeat(200)));
        assert!(long.starts_with("h-") && long.len() == 66, "{long}");
    }
}
