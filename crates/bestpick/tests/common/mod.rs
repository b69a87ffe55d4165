//! What the binary's tests share: data folders on the suite's engine, the
//! binary run as a user would, and a running `bestpick serve`.
#![allow(dead_code)] // each test binary uses its own part

use bestpick_store::scratch::Scratch;
use bestpick_store::Location;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Output, Stdio};

pub struct Folder {
    pub dir: tempfile::TempDir,
    pub db: Scratch,
}

impl Folder {
    pub fn new() -> Folder {
        let dir = tempfile::tempdir().unwrap();
        // Sync and async tests alike: a runtime of its own, on a thread of
        // its own.
        let path = dir.path().to_owned();
        let db = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(Scratch::new(&path))
                .expect("a test database")
        })
        .join()
        .unwrap();
        Folder { dir, db }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The binary, on this folder and its database.
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_bestpick"));
        command.env("BESTPICK_DATA", self.path());
        match self.db.location() {
            Location::Postgres(url) => command.env("BESTPICK_DATABASE_URL", url),
            Location::Sqlite(_) => command.env_remove("BESTPICK_DATABASE_URL"),
        };
        command
    }
}

pub fn bestpick(data: &Folder, args: &[&str], stdin: &str) -> Output {
    let mut child = data
        .command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A running `bestpick serve` on a free port, stopped with SIGTERM.
pub struct Server {
    pub child: Child,
    /// Kept open so the server can still write to stdout.
    pub stdout: BufReader<ChildStdout>,
    pub url: String,
}

impl Server {
    pub fn start(data: &Folder) -> Server {
        Server::start_with(data.command())
    }

    /// `serve` run by `command` (the binary with its environment).
    pub fn start_with(mut command: Command) -> Server {
        let mut child = command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let line = Server::line(&mut stdout);
        assert!(line.starts_with("bestpick is serving http://"), "{line}");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap()
            .to_owned();
        Server { child, stdout, url }
    }

    pub fn line(stdout: &mut BufReader<ChildStdout>) -> String {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        line
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let r = reqwest::get(format!("{}{path}", self.url)).await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        })
    }

    /// Sends SIGTERM and waits: a graceful shutdown exits 0.
    pub fn stop(mut self) {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let exit = self.child.wait().unwrap();
        assert!(exit.success(), "a graceful shutdown exits 0: {exit:?}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Only when a test failed before `stop`: do not leave the server running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A test whose real part is missing (chromedriver, `../shared`, a
/// PostgreSQL server's programs) says so and passes, outside CI; with `CI`
/// set it fails instead of passing without running.
pub fn skip(reason: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("CI is set, so this test may not be skipped: {reason}");
    }
    eprintln!("SKIPPED: {reason}");
}
