//! `--output-file`: a new PATH is 0644 whatever the umask (spec §11).
//!
//! The umask belongs to the whole process, so this test has a test binary of its own:
//! setting it inside the library's unit tests would change the files other tests create
//! at the same time.

#![cfg(unix)]

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;

use aigcusage::outfile::OutputFile;

fn mode(path: &std::path::Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn new_path_is_0644_under_a_restrictive_or_permissive_umask() {
    let dir = tempfile::tempdir().unwrap();
    for umask in [0o077, 0o000, 0o022, 0o027] {
        // SAFETY: umask only swaps the process's mask; this binary has this one test.
        let previous = unsafe { libc::umask(umask) };
        let path = dir.path().join(format!("new-{umask:o}.prom"));
        let mut out = OutputFile::create(&path).unwrap();
        out.write_all(b"aigcusage_last_run_timestamp_seconds 1\n")
            .unwrap();
        out.commit().unwrap();
        unsafe { libc::umask(previous) };
        assert_eq!(mode(&path), 0o644, "umask {umask:o}");
    }
}
