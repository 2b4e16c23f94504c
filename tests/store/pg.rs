//! A real PostgreSQL server for the tests: `initdb` + `pg_ctl` in a temporary folder,
//! on a free port of 127.0.0.1, run as the `postgres` user when the tests run as root.
//! One server per test binary, started on first use; a watchdog stops it and removes its
//! folder when the test binary exits. If no server can be started, the tests fail
//! saying why.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The superuser the tests connect as, and its password (a secret the tests look for
/// in error messages).
pub const USER: &str = "aigc";
pub const PASSWORD: &str = "pw-Zq8!never-shown";

pub struct Server {
    pub port: u16,
    /// The server's self-signed certificate (for `localhost`), PEM: the root to trust.
    pub certificate: PathBuf,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();

/// The shared server, started on first use.
pub fn server() -> &'static Server {
    match SERVER.get_or_init(start) {
        Ok(server) => server,
        Err(why) => panic!("cannot start the PostgreSQL test server: {why}"),
    }
}

/// A URL (password in it) to a new, empty database on the shared server.
pub async fn fresh_database_url() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let server = server();
    let name = format!(
        "t{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let admin = connect(server.port, "postgres").await;
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
    format!(
        "postgres://{USER}:{}@127.0.0.1:{}/{name}?sslmode=disable",
        percent(PASSWORD),
        server.port
    )
}

fn percent(text: &str) -> String {
    text.replace('!', "%21")
}

/// A plain client, for the tests' own SQL.
pub async fn connect(port: u16, dbname: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::Config::new()
        .user(USER)
        .password(PASSWORD)
        .host("127.0.0.1")
        .port(port)
        .dbname(dbname)
        .connect(tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connecting to the test server: {e}"));
    tokio::spawn(connection);
    client
}

fn bin_dir() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() {
                return Ok(dir);
            }
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
                .filter(|bin| bin.join("initdb").is_file())
                .collect()
        })
        .unwrap_or_default();
    // The newest version (directory names are major versions).
    found.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop().ok_or_else(|| {
        "no initdb/pg_ctl on PATH or under /usr/lib/postgresql/*/bin: install PostgreSQL \
         (Debian: apt-get install -y postgresql; .ci/run does this)"
            .to_string()
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// `command` run as the server's user: `runuser -u postgres --` when we are root.
fn as_server_user(root: bool, program: &Path) -> Command {
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(mut command: Command, what: &str) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("{what}: cannot run it: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

fn start() -> Result<Server, String> {
    let bin = bin_dir()?;
    let root = is_root();
    let dir = tempfile::Builder::new()
        .prefix("aigcusage-pg-")
        .tempdir()
        .map_err(|e| format!("temporary folder: {e}"))?
        .keep();
    let data = dir.join("data");
    let password_file = dir.join("password");
    std::fs::write(&password_file, PASSWORD).map_err(|e| e.to_string())?;
    // TLS for the sslmode tests: a certificate for `localhost` that no system trusts.
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
        .map_err(|e| format!("test certificate: {e}"))?;
    let certificate = dir.join("server.crt");
    let key = dir.join("server.key");
    std::fs::write(&certificate, certified.cert.pem()).map_err(|e| e.to_string())?;
    std::fs::write(&key, certified.signing_key.serialize_pem()).map_err(|e| e.to_string())?;
    {
        use std::os::unix::fs::PermissionsExt;
        // PostgreSQL refuses a key others can read.
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| e.to_string())?;
    }
    if root {
        let mut chown = Command::new("chown");
        chown.args(["-R", "postgres:postgres"]).arg(&dir);
        run(
            chown,
            "chown of the test server's folder to postgres (does the user postgres exist?)",
        )?;
    }
    let mut initdb = as_server_user(root, &bin.join("initdb"));
    initdb
        .arg("-D")
        .arg(&data)
        .args(["-U", USER, "-E", "UTF8", "--no-sync", "--auth-local=trust"])
        .arg("--auth-host=scram-sha-256")
        .arg(format!("--pwfile={}", password_file.display()));
    run(initdb, "initdb")?;
    let port = free_port()?;
    let mut pg_ctl = as_server_user(root, &bin.join("pg_ctl"));
    pg_ctl
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(dir.join("log"))
        .args(["-w", "-t", "60", "-o"])
        .arg(format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50 -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
            dir.display(),
            certificate.display(),
            key.display()
        ))
        .arg("start")
        .stdout(Stdio::null());
    if let Err(why) = run(pg_ctl, "pg_ctl start") {
        let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
        return Err(format!("{why}\nserver log:\n{log}"));
    }
    // The watchdog: when this test binary has exited, stop the server, remove the folder.
    let stop = format!(
        "{} {} -D '{}' -m immediate stop",
        if root { "runuser -u postgres --" } else { "" },
        bin.join("pg_ctl").display(),
        data.display()
    );
    let script = format!(
        "while kill -0 {parent} 2>/dev/null; do sleep 0.3; done; {stop} >/dev/null 2>&1; rm -rf '{dir}'",
        parent = std::process::id(),
        dir = dir.display()
    );
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("watchdog: {e}"))?;
    Ok(Server { port, certificate })
}
