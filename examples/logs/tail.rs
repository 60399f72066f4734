//! A growing file read line by line, as `tail -f` reads it: complete lines only (a line being
//! written is sent once its line end is there), numbered from 1.
//!
//! A file that is truncated or replaced (log rotation) is not followed to its new content: the
//! reader waits at its old end.

use std::collections::VecDeque;
use std::io;
use std::path::Path;
use std::time::Duration;
use tokio::fs::File;
use tokio::io::{AsyncBufReadExt, BufReader};

/// How often a reader at the end of the file looks for more.
pub const POLL: Duration = Duration::from_millis(200);

/// The lines of a file, from its first.
pub struct LogLines {
    reader: BufReader<File>,
    /// The line read so far, until its line end arrives.
    partial: Vec<u8>,
    /// The number of the last complete line read.
    number: u64,
}

impl LogLines {
    /// Reads `path` from its first line.
    pub async fn open(path: &Path) -> io::Result<Self> {
        Ok(LogLines {
            reader: BufReader::new(File::open(path).await?),
            partial: Vec::new(),
            number: 0,
        })
    }

    /// The next line with its number, waiting for it to be written.
    pub async fn next(&mut self) -> io::Result<(u64, String)> {
        loop {
            if let Some(line) = self.next_written().await? {
                return Ok(line);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The last `n` lines written so far, with their numbers; `next` goes on after them.
    pub async fn last_written(&mut self, n: usize) -> io::Result<VecDeque<(u64, String)>> {
        let mut last = VecDeque::with_capacity(n);
        while let Some(line) = self.next_written().await? {
            if last.len() == n {
                last.pop_front();
            }
            last.push_back(line);
        }
        Ok(last)
    }

    /// How many complete lines are written so far.
    pub async fn written(&mut self) -> io::Result<u64> {
        while self.next_written().await?.is_some() {}
        Ok(self.number)
    }

    /// The next complete line, or `None` at the end of what is written so far.
    async fn next_written(&mut self) -> io::Result<Option<(u64, String)>> {
        if self.reader.read_until(b'\n', &mut self.partial).await? == 0
            || !self.partial.ends_with(b"\n")
        {
            return Ok(None);
        }
        let mut line = std::mem::take(&mut self.partial);
        line.pop();
        if line.ends_with(b"\r") {
            line.pop();
        }
        self.number += 1;
        // A log is text, but one bad byte should not hide the line.
        Ok(Some((
            self.number,
            String::from_utf8_lossy(&line).into_owned(),
        )))
    }
}
