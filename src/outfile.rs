//! `--output-file PATH` (spec §11): the output goes to a temporary file in PATH's folder
//! and is renamed over PATH only when the command says it is complete, so a reader never
//! sees half a file and a failing or interrupted command leaves PATH as it was.
//!
//! - [`OutputFile::create`] makes the temporary file (`.<name>.<random>.tmp` beside PATH;
//!   a rename is atomic only within one file system, hence the same folder).
//! - Writing goes through a buffer into the temporary file.
//! - [`OutputFile::commit`] flushes, syncs, gives the file its mode and renames it over
//!   PATH. Dropping an `OutputFile` without committing removes the temporary file.
//!
//! Modes: a new PATH gets 0644 whatever the umask (the temporary file starts as 0600);
//! an existing PATH keeps its mode (read when committing). The owner is whoever runs the
//! command, also when PATH existed with another owner.
//!
//! A PATH that is a symbolic link is followed: the output replaces the file it points to
//! (the temporary file is made beside that file), and the link stays a link, as a
//! collector or dashboard reading through it expects.
//!
//! [`OutputFile::create`] runs before anything is fetched: a folder that does not exist
//! or cannot be written, or a PATH that is a folder, is a bad `--output-file` (exit 2,
//! nothing sent). A failure while writing or committing is [`Error::Io`] (exit 1).
//!
//! An interrupt that kills the process before it unwinds (a second Ctrl-C, SIGKILL)
//! leaves PATH as it was but may leave the temporary file behind; its name starts with a
//! dot and PATH's file name, so it is easy to recognise.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::Error;

/// The mode a new output file gets (spec §11).
pub const NEW_FILE_MODE: u32 = 0o644;

/// Output bound for PATH, visible there only after [`OutputFile::commit`].
#[derive(Debug)]
pub struct OutputFile {
    path: PathBuf,
    temp: BufWriter<NamedTempFile>,
}

impl OutputFile {
    /// Creates the temporary file in PATH's folder. Fails when that folder does not exist
    /// or cannot be written, or when PATH is a folder; nothing is changed then.
    pub fn create(path: impl AsRef<Path>) -> Result<Self, Error> {
        let given = path.as_ref();
        let bad = |e: io::Error| Error::usage(format!("--output-file {}: {e}", given.display()));
        let path = follow_links(given).map_err(bad)?;
        let (folder, name) = split(&path).map_err(bad)?;
        if path.is_dir() {
            return Err(bad(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            )));
        }
        if !folder.is_dir() {
            return Err(bad(io::Error::new(
                io::ErrorKind::NotFound,
                format!("the folder {} does not exist", folder.display()),
            )));
        }
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(folder)
            .map_err(bad)?;
        Ok(Self {
            path,
            temp: BufWriter::with_capacity(256 * 1024, temp),
        })
    }

    /// Where the output goes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Completes the output: flushes and syncs the temporary file, gives it PATH's mode
    /// (0644 for a new PATH) and renames it over PATH. On an error PATH is unchanged and
    /// the temporary file is removed.
    pub fn commit(self) -> Result<(), Error> {
        let path = self.path;
        let temp = self
            .temp
            .into_inner()
            .map_err(|e| named(&path, e.into_error()))?;
        temp.as_file().sync_all().map_err(|e| named(&path, e))?;
        let mode = mode_to_keep(&path).map_err(|e| named(&path, e))?;
        set_mode(temp.as_file(), mode).map_err(|e| named(&path, e))?;
        temp.persist(&path).map_err(|e| named(&path, e.error))?;
        Ok(())
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.temp.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.temp.write_all(buf)
    }

    /// Flushes into the temporary file; PATH changes only on [`OutputFile::commit`].
    fn flush(&mut self) -> io::Result<()> {
        self.temp.flush()
    }
}

/// The file PATH names once its symbolic links are followed (a link to a file that does
/// not exist yet names that file); PATH itself when it is no link.
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    // As many links as the kernel follows before ELOOP.
    for _ in 0..40 {
        match fs::symlink_metadata(&path) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                let target = fs::read_link(&path)?;
                path = match path.parent() {
                    Some(parent) if target.is_relative() => parent.join(target),
                    _ => target,
                };
            }
            // Not a link, or nothing there yet.
            _ => return Ok(path),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// PATH's folder (`.` for a bare file name) and file name.
fn split(path: &Path) -> io::Result<(&Path, String)> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?
        .to_string_lossy()
        .into_owned();
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    Ok((folder, name))
}

/// The mode of the file PATH names now (following a symbolic link), or 0644 when there
/// is none.
fn mode_to_keep(path: &Path) -> io::Result<u32> {
    match fs::metadata(path) {
        Ok(metadata) => Ok(permission_bits(&metadata)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(NEW_FILE_MODE),
        Err(e) => Err(e),
    }
}

#[cfg(unix)]
fn permission_bits(metadata: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn permission_bits(_metadata: &fs::Metadata) -> u32 {
    NEW_FILE_MODE
}

/// Sets the mode on the open file: `fchmod` is not subject to the umask.
#[cfg(unix)]
fn set_mode(file: &File, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_file: &File, _mode: u32) -> io::Result<()> {
    Ok(())
}

/// An I/O error that names PATH: `writing output: /x/y.prom: No such file or directory`.
fn named(path: &Path, error: io::Error) -> Error {
    Error::Io(io::Error::new(
        error.kind(),
        format!("{}: {error}", path.display()),
    ))
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::{symlink, PermissionsExt};

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    /// Every entry of the folder, so that a test can see no temporary file was left.
    fn entries(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn content_reaches_path_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.prom");
        let mut out = OutputFile::create(&path).unwrap();
        out.write_all(b"first line\n").unwrap();
        out.flush().unwrap();
        assert!(!path.exists(), "PATH must not exist before commit");
        out.write_all(b"second line\n").unwrap();
        out.commit().unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "first line\nsecond line\n"
        );
        assert_eq!(entries(dir.path()), ["out.prom"]);
    }

    #[test]
    fn drop_without_commit_leaves_path_untouched_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        fs::write(&path, "old content\n").unwrap();
        {
            let mut out = OutputFile::create(&path).unwrap();
            out.write_all(&vec![b'x'; 1024 * 1024]).unwrap();
            out.flush().unwrap();
            assert_eq!(entries(dir.path()).len(), 2, "the temporary file exists");
        }
        assert_eq!(fs::read_to_string(&path).unwrap(), "old content\n");
        assert_eq!(entries(dir.path()), ["out.csv"]);
    }

    #[test]
    fn drop_of_a_new_path_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.json");
        drop(OutputFile::create(&path).unwrap());
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn temporary_file_is_beside_path_and_named_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aigcusage.prom");
        let _out = OutputFile::create(&path).unwrap();
        let names = entries(dir.path());
        assert_eq!(names.len(), 1);
        assert!(
            names[0].starts_with(".aigcusage.prom.") && names[0].ends_with(".tmp"),
            "{names:?}"
        );
    }

    #[test]
    fn new_path_gets_0644_even_from_a_0600_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.prom");
        let out = OutputFile::create(&path).unwrap();
        // The temporary file is 0600 (or less, under a stricter umask): the mode of the
        // new PATH cannot come from it.
        assert_eq!(mode(out.temp.get_ref().path()) & 0o077, 0);
        out.commit().unwrap();
        assert_eq!(mode(&path), 0o644);
    }

    #[test]
    fn existing_path_keeps_its_mode() {
        for existing in [0o600, 0o640, 0o664, 0o755] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("kept.prom");
            fs::write(&path, "old").unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(existing)).unwrap();
            let mut out = OutputFile::create(&path).unwrap();
            out.write_all(b"new").unwrap();
            out.commit().unwrap();
            assert_eq!(fs::read_to_string(&path).unwrap(), "new");
            assert_eq!(mode(&path), existing, "{existing:o}");
        }
    }

    #[test]
    fn a_symlink_is_followed_and_its_target_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.prom");
        fs::write(&target, "target").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.prom");
        symlink(&target, &link).unwrap();
        let mut out = OutputFile::create(&link).unwrap();
        out.write_all(b"via link").unwrap();
        out.commit().unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&target).unwrap(), "via link");
        assert_eq!(mode(&target), 0o640);
        assert_eq!(entries(dir.path()), ["link.prom", "target.prom"]);
        // A relative link to a file not there yet creates it.
        let later = dir.path().join("later.prom");
        symlink("new.prom", &later).unwrap();
        let mut out = OutputFile::create(&later).unwrap();
        out.write_all(b"new").unwrap();
        out.commit().unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("new.prom")).unwrap(),
            "new"
        );
        assert_eq!(mode(&dir.path().join("new.prom")), 0o644);
    }

    #[test]
    fn missing_folder_is_a_usage_error_naming_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no-such-folder").join("out.prom");
        let err = OutputFile::create(&path).unwrap_err();
        assert_eq!(err.exit_code(), crate::error::exit::USAGE);
        let message = err.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(!path.parent().unwrap().exists());
    }

    #[test]
    fn path_that_is_a_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = OutputFile::create(dir.path()).unwrap_err();
        assert!(err.to_string().contains("is a directory"), "{err}");
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn folder_that_is_a_file_is_an_error() {
        // Unlike permission bits this holds for root too (CI runs as root).
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain-file");
        fs::write(&file, "x").unwrap();
        let path = file.join("out.prom");
        let err = OutputFile::create(&path).unwrap_err();
        assert!(err.to_string().contains("out.prom"), "{err}");
        assert_eq!(fs::read_to_string(&file).unwrap(), "x");
    }

    #[test]
    fn bare_file_name_is_in_the_current_folder() {
        let (folder, name) = split(Path::new("out.prom")).unwrap();
        assert_eq!(folder, Path::new("."));
        assert_eq!(name, "out.prom");
        assert!(split(Path::new("/")).is_err());
    }
}
