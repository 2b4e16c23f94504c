//! `cargo bench --bench acedata_scale`: `acedata usage` on a large account's answer —
//! 2,000 APIs × 365 days = 730,000 rows, about 50 MB of JSON — served from a local
//! server, through every output format, next to the time serde_json alone needs to parse
//! the same body into typed rows (in this process, no HTTP, no output).
//!
//! Target per streaming format (json, ndjson, csv): wall time ≤ 2× the parse (aim 1.5×),
//! peak memory < 3× the body size.
//!
//! Wall time: median of 3 runs of the release binary, stdout to /dev/null, process start
//! to exit (so it includes start-up, the HTTP exchange and reading the 50 MB body).
//! Peak memory: the child's `VmHWM` (peak resident set) read from `/proc/<pid>/status`
//! every millisecond while it runs (Linux), the largest of the runs. Prints figures; asserts nothing
//! (benchmarks measure, tests decide).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;

const BIN: &str = env!("CARGO_BIN_EXE_aigcusage");
const APIS: usize = 2_000;
const DAYS: usize = 365;
pub const TOKEN: &str = "platform-v1-benchTOKEN000000000000";

/// An API id shaped like a MongoDB ObjectId (24 hex digits), distinct per API.
fn api_id(a: usize) -> String {
    format!(
        "{:016x}{a:08x}",
        (a as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    )
}

/// The shape of the seed example, compact as a JSON API sends it: rows grouped by date,
/// then API; `total` = the sum of the rows; `api_map` naming every API.
pub fn body(apis: usize, days: usize) -> Vec<u8> {
    let first = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("valid date");
    let ids: Vec<String> = (0..apis).map(api_id).collect();
    let mut body = String::with_capacity(apis * days * 76 + apis * 100);
    body.push_str("{\"results\":[");
    let mut total = 0.0;
    for d in 0..days {
        let date = first + chrono::Duration::days(d as i64);
        for (a, id) in ids.iter().enumerate() {
            // A mix of integral and fractional amounts, as a real account has.
            let amount = ((a * 7919 + d * 104_729) % 100_000) as f64 / 100.0;
            total += amount;
            if d + a > 0 {
                body.push(',');
            }
            write!(
                body,
                "{{\"date\":\"{date}\",\"api_id\":\"{id}\",\"amount\":{amount}}}"
            )
            .expect("writing to a String");
        }
    }
    write!(body, "],\"total\":{total},\"api_map\":{{").expect("writing to a String");
    for (a, id) in ids.iter().enumerate() {
        if a > 0 {
            body.push(',');
        }
        write!(
            body,
            "\"{id}\":{{\"name\":\"Service {a} / model {}\",\"path\":\"/v1/service-{a}/generate\"}}",
            a % 17
        )
        .expect("writing to a String");
    }
    body.push_str("}}");
    body.into_bytes()
}

/// A minimal HTTP/1.1 server answering every request with `body` (then closing).
pub fn serve(body: Arc<Vec<u8>>) -> String {
    serve_paced(body, None)
}

/// [`serve`], sending the body no faster than `bytes_per_second` when given (a network
/// link rather than loopback).
pub fn serve_paced(body: Arc<Vec<u8>>, bytes_per_second: Option<u64>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let address = listener.local_addr().expect("local address");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let body = body.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
                let mut line = String::new();
                let mut authorized = false;
                while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                    if line.to_ascii_lowercase().trim_end()
                        == format!("authorization: bearer {}", TOKEN.to_ascii_lowercase())
                    {
                        authorized = true;
                    }
                    if line == "\r\n" {
                        break;
                    }
                    line.clear();
                }
                let (status, payload): (&str, &[u8]) = if authorized {
                    ("200 OK", &body)
                } else {
                    ("401 Unauthorized", br#"{"detail": "bad token"}"#)
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    payload.len()
                );
                let _ = stream.write_all(head.as_bytes());
                match bytes_per_second {
                    None => {
                        let _ = stream.write_all(payload);
                    }
                    Some(rate) => write_paced(&mut stream, payload, rate),
                }
            });
        }
    });
    format!("http://{address}")
}

/// Writes `payload` in 64 KiB pieces, each sent when the link would have carried it.
fn write_paced(stream: &mut std::net::TcpStream, payload: &[u8], bytes_per_second: u64) {
    let start = std::time::Instant::now();
    let mut sent = 0usize;
    for piece in payload.chunks(64 * 1024) {
        let due = Duration::from_secs_f64(sent as f64 / bytes_per_second as f64);
        if let Some(wait) = due.checked_sub(start.elapsed()) {
            std::thread::sleep(wait);
        }
        if stream.write_all(piece).is_err() {
            return;
        }
        sent += piece.len();
    }
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Row<'a> {
    #[serde(borrow)]
    date: Cow<'a, str>,
    #[serde(borrow)]
    api_id: Cow<'a, str>,
    amount: f64,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Api {
    name: String,
    path: String,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Answer<'a> {
    #[serde(borrow)]
    results: Vec<Row<'a>>,
    total: f64,
    #[serde(borrow)]
    api_map: HashMap<Cow<'a, str>, Api>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct OwnedRow {
    date: String,
    api_id: String,
    amount: f64,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct OwnedAnswer {
    results: Vec<OwnedRow>,
    total: f64,
    api_map: HashMap<String, Api>,
}

pub fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

pub fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// How one run of the binary ended: wall time, peak RSS in KiB (when known), exit code.
struct Run {
    wall: Duration,
    peak_kib: Option<u64>,
    code: Option<i32>,
}

/// `VmHWM` (the peak resident set of the process's own memory, in KiB) of a live process.
pub fn vm_hwm(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A price book pricing every API's credits (for the `--cost` row).
const BOOK: &str = "[[price]]\nprovider = \"acedata\"\nsource = \"acedata.api_usage\"\nmatch = \".*\"\nmetric = \"amount\"\nunit = \"credits\"\nprice = \"0.13\"\ncurrency = \"USD\"\n";

fn run_once(endpoint: &str, format: &str, extra: &[&str]) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("HOME", "/nonexistent")
        .env("COLUMNS", "120")
        .env("TZ", "UTC")
        .env("AIGCUSAGE_NOW", "2025-01-15T00:00:00Z")
        .env("ACEDATACLOUD_PLATFORM_TOKEN", TOKEN)
        .env("AIGCUSAGE_ACEDATA_ENDPOINT", endpoint)
        .args([
            "acedata",
            "usage",
            "--start",
            "2024-01-01",
            "--end",
            "2024-12-30",
            "-o",
            format,
        ])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let started = Instant::now();
    let mut child = cmd.spawn().expect("the binary starts");
    // VmHWM only grows; polled every millisecond until the process is gone, the last
    // reading is its peak (only a rise in its last millisecond could be missed; the
    // peak comes while parsing, long before). `wait4`'s ru_maxrss is not used: on Linux
    // it also counts this (large) process's memory, inherited across the spawn.
    let pid = child.id();
    let done = Arc::new(AtomicBool::new(false));
    let poller = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = None;
            while !done.load(Ordering::Relaxed) {
                if let Some(kib) = vm_hwm(pid) {
                    peak = peak.max(Some(kib));
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            peak
        })
    };
    let status = child.wait().expect("the binary runs");
    let wall = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let peak_kib = poller.join().unwrap_or(None);
    Run {
        wall,
        peak_kib,
        code: status.code(),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument (e.g. `--apis 200`) is ours.
    let args: Vec<String> = std::env::args().collect();
    let apis = args
        .iter()
        .position(|a| a == "--apis")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(APIS);
    let body = body(apis, DAYS);
    let size = body.len();
    println!(
        "acedata usage: {apis} APIs x {DAYS} days = {} rows, body {:.1} MB",
        apis * DAYS,
        size as f64 / 1e6
    );

    let parse_runs = 5;
    let borrowed = median(
        (0..parse_runs)
            .map(|_| {
                let started = Instant::now();
                let answer: Answer = serde_json::from_slice(&body).expect("the body parses");
                let took = started.elapsed();
                assert_eq!(answer.results.len(), apis * DAYS);
                drop(answer);
                took
            })
            .collect(),
    );
    let owned = median(
        (0..parse_runs)
            .map(|_| {
                let started = Instant::now();
                let answer: OwnedAnswer = serde_json::from_slice(&body).expect("the body parses");
                let took = started.elapsed();
                drop(answer);
                took
            })
            .collect(),
    );
    println!(
        "parse-only baseline, median of {parse_runs} (serde_json from_slice into typed rows):"
    );
    println!(
        "    borrowed strings (Cow<str>)  {:>8}   <- the baseline below",
        ms(borrowed)
    );
    println!("    owned strings (String)       {:>8}", ms(owned));

    let endpoint = serve(Arc::new(body));
    let runs = 3;
    println!(
        "the release binary against a local server, median wall time of {runs} runs, max peak RSS:"
    );
    println!(
        "    {:<7} {:>9} {:>8} {:>11} {:>10}",
        "format", "wall", "x parse", "peak RSS", "x body"
    );
    let book = std::env::temp_dir().join(format!(
        "aigcusage-bench-prices-{}.toml",
        std::process::id()
    ));
    std::fs::write(&book, BOOK).expect("write the bench price book");
    let book_arg = book.display().to_string();
    let cost_args = ["--cost", "--prices", book_arg.as_str()];
    let mut csv_wall = None;
    let rows: [(&str, &str, &[&str]); 5] = [
        ("json", "json", &[]),
        ("ndjson", "ndjson", &[]),
        ("csv", "csv", &[]),
        ("table", "table", &[]),
        ("csv --cost", "csv", &cost_args),
    ];
    for (label, format, extra) in rows {
        let results: Vec<Run> = (0..runs)
            .map(|_| run_once(&endpoint, format, extra))
            .collect();
        if let Some(bad) = results.iter().find(|r| r.code != Some(0)) {
            println!("    {label:<7} failed: exit {:?}", bad.code);
            continue;
        }
        let wall = median(results.iter().map(|r| r.wall).collect());
        let peak = results.iter().filter_map(|r| r.peak_kib).max();
        let (peak_text, peak_ratio) = match peak {
            Some(kib) => {
                let bytes = kib as f64 * 1024.0;
                (
                    format!("{:.1} MB", bytes / 1e6),
                    format!("{:.2}x", bytes / size as f64),
                )
            }
            None => ("n/a".to_string(), "n/a".to_string()),
        };
        println!(
            "    {label:<7} {:>9} {:>7.2}x {:>11} {:>10}",
            ms(wall),
            wall.as_secs_f64() / borrowed.as_secs_f64(),
            peak_text,
            peak_ratio
        );
        match (label, csv_wall) {
            ("csv", _) => csv_wall = Some(wall),
            ("csv --cost", Some(plain)) => println!(
                "    csv --cost / csv: {:.2}x (target <= 1.2x)",
                wall.as_secs_f64() / plain.as_secs_f64()
            ),
            _ => {}
        }
    }
    let _ = std::fs::remove_file(&book);
    println!(
        "targets: json/ndjson/csv <= 2x parse (aim 1.5x), peak RSS < 3x body; --cost <= 1.2x csv"
    );
}
