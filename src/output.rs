//! The process's standard output: taken and locked once per command, buffered, and flushed
//! once when the command is done. Renderers write into it and never flush.

use std::cell::RefCell;
use std::io::{self, BufWriter, Write};
use std::rc::Rc;

/// Room for a whole typical report, so that it reaches the reader in one write.
const CAPACITY: usize = 256 * 1024;

/// Clones share the one writer (the command's context holds one, `app::run` another to
/// flush or discard it at the end).
#[derive(Clone)]
pub struct Output {
    writer: Rc<RefCell<BufWriter<Box<dyn Write>>>>,
}

impl Output {
    /// Standard output, locked for the life of the command.
    pub fn stdout() -> Self {
        Self::new(Box::new(io::stdout().lock()))
    }

    /// Any sink, for tests.
    pub fn new(sink: Box<dyn Write>) -> Self {
        Self {
            writer: Rc::new(RefCell::new(BufWriter::with_capacity(CAPACITY, sink))),
        }
    }

    /// Runs `write` with the one writer. Calls do not nest: a writer never asks for it again.
    pub fn write_with(
        &self,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut writer = self.writer.borrow_mut();
        write(&mut *writer)
    }

    /// Drops everything written so far without sending it: an interrupted command leaves
    /// nothing partial on stdout.
    pub fn discard(&self) {
        let empty: Box<dyn Write> = Box::new(io::sink());
        let written = std::mem::replace(&mut *self.writer.borrow_mut(), BufWriter::new(empty));
        // `into_parts` hands back the buffer instead of flushing it, as dropping would.
        let _ = written.into_parts();
    }

    /// Sends everything written so far to the sink.
    pub fn finish(&self) -> io::Result<()> {
        self.writer.borrow_mut().flush()
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
