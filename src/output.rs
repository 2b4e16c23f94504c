//! The command's output: standard output, taken and locked once per command, or the
//! `--output-file` (spec §11), buffered either way and completed once when the command is
//! done. Renderers write into it and never flush.
//!
//! A file is completed ([`Output::finish`]: renamed over PATH) only when the command printed
//! its output; [`Output::discard`] (or dropping it) leaves PATH as it was.

use std::cell::RefCell;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::rc::Rc;

use crate::error::Error;
use crate::outfile::OutputFile;

/// Room for a whole typical report, so that it reaches the reader in one write.
const CAPACITY: usize = 256 * 1024;

enum Sink {
    Stream(BufWriter<Box<dyn Write>>),
    /// `None` once committed or discarded.
    File(Option<OutputFile>),
}

/// Clones share the one sink (the command's context holds one, `app::run` another to
/// complete or discard it at the end).
#[derive(Clone)]
pub struct Output {
    sink: Rc<RefCell<Sink>>,
    /// Something was written: the command printed its output (perhaps before failing, as
    /// `report` does when every provider failed, or `--fail-at` with exit 7).
    written: Rc<std::cell::Cell<bool>>,
}

impl Output {
    /// Standard output, locked for the life of the command.
    pub fn stdout() -> Self {
        Self::new(Box::new(io::stdout().lock()))
    }

    /// Any sink, for tests.
    pub fn new(sink: Box<dyn Write>) -> Self {
        Self {
            sink: Rc::new(RefCell::new(Sink::Stream(BufWriter::with_capacity(
                CAPACITY, sink,
            )))),
            written: Rc::default(),
        }
    }

    /// `--output-file PATH`: a temporary file beside PATH, renamed over it by
    /// [`Output::finish`]. Fails (nothing changed) when PATH's folder cannot take it.
    pub fn file(path: &Path) -> Result<Self, Error> {
        Ok(Self {
            sink: Rc::new(RefCell::new(Sink::File(Some(OutputFile::create(path)?)))),
            written: Rc::default(),
        })
    }

    /// Runs `write` with the one writer. Calls do not nest: a writer never asks for it again.
    pub fn write_with(
        &self,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        self.written.set(true);
        match &mut *self.sink.borrow_mut() {
            Sink::Stream(writer) => write(writer),
            Sink::File(Some(file)) => write(file),
            Sink::File(None) => Err(io::Error::other("the output file is already complete")),
        }
    }

    /// Completes the output: stdout gets everything written so far; the output file is
    /// renamed over its PATH.
    pub fn finish(&self) -> Result<(), Error> {
        match &mut *self.sink.borrow_mut() {
            Sink::Stream(writer) => Ok(writer.flush()?),
            Sink::File(file) => match file.take() {
                Some(file) => file.commit(),
                None => Ok(()),
            },
        }
    }

    /// True once the command has written any of its output.
    pub fn has_output(&self) -> bool {
        self.written.get()
    }

    /// The command printed no output (it failed, or was interrupted): nothing it buffered
    /// reaches stdout, and an output file's PATH is left as it was.
    pub fn discard(&self) {
        match &mut *self.sink.borrow_mut() {
            Sink::Stream(writer) => {
                let empty: Box<dyn Write> = Box::new(io::sink());
                let written = std::mem::replace(writer, BufWriter::new(empty));
                // `into_parts` hands back the buffer instead of flushing it, as dropping would.
                let _ = written.into_parts();
            }
            Sink::File(file) => {
                file.take();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Counts how often the sink is written to and flushed.
    #[derive(Clone, Default)]
    struct Sink {
        bytes: Arc<Mutex<Vec<u8>>>,
        writes: Arc<Mutex<usize>>,
    }

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            *self.writes.lock().unwrap() += 1;
            self.bytes.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn everything_reaches_the_sink_in_one_write_at_finish() {
        let sink = Sink::default();
        let output = Output::new(Box::new(sink.clone()));
        for part in ["a,b\n", "1,2\n", "3,4\n"] {
            output.write_with(|w| w.write_all(part.as_bytes())).unwrap();
        }
        assert!(sink.bytes.lock().unwrap().is_empty());
        output.finish().unwrap();
        assert_eq!(*sink.bytes.lock().unwrap(), b"a,b\n1,2\n3,4\n");
        assert_eq!(*sink.writes.lock().unwrap(), 1);
    }

    #[test]
    fn a_file_appears_at_finish_and_not_when_discarded() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("out.txt");
        let output = Output::file(&path).unwrap();
        output.write_with(|w| w.write_all(b"done\n")).unwrap();
        assert!(!path.exists());
        output.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "done\n");

        let output = Output::file(&path).unwrap();
        output.write_with(|w| w.write_all(b"half")).unwrap();
        output.discard();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "done\n");
        assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_missing_folder_fails_at_creation() {
        let folder = tempfile::tempdir().unwrap();
        assert!(Output::file(&folder.path().join("no/such/out.txt")).is_err());
    }

    #[test]
    fn discarded_output_never_reaches_the_sink() {
        let sink = Sink::default();
        let output = Output::new(Box::new(sink.clone()));
        output
            .write_with(|w| w.write_all(b"half a report"))
            .unwrap();
        output.discard();
        output.finish().unwrap();
        assert!(sink.bytes.lock().unwrap().is_empty());
    }
}
