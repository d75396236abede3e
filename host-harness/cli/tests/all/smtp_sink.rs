//! A tiny SMTP sink for tests, std only: it listens on 127.0.0.1, accepts
//! every message and keeps it in memory.
//!
//! It speaks just enough SMTP for a client such as lettre: the 220 greeting,
//! EHLO/HELO, MAIL FROM, RCPT TO, DATA (dot-stuffing undone), RSET, NOOP and
//! QUIT; no TLS, no authentication. It stops when dropped.

#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// One message the sink accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// The envelope sender (`MAIL FROM:<…>`), without the angle brackets.
    pub from: String,
    /// The envelope recipients (`RCPT TO:<…>`), without the angle brackets.
    pub recipients: Vec<String>,
    /// The message as sent after DATA, dot-stuffing undone, without the
    /// final `.` line.
    pub data: Vec<u8>,
}

impl Received {
    /// The data as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

type Inbox = Arc<(Mutex<Vec<Received>>, Condvar)>;

/// How long a connection may stay silent before the sink drops it.
const IDLE: Duration = Duration::from_secs(10);
/// The largest message the sink accepts.
const MAX_DATA: usize = 32 * 1024 * 1024;

/// An SMTP server on `addr` that keeps what it receives.
pub struct SmtpSink {
    pub addr: SocketAddr,
    inbox: Inbox,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl SmtpSink {
    /// Binds 127.0.0.1 on a free port and serves it on a thread.
    pub fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the SMTP sink");
        let addr = listener.local_addr().expect("the SMTP sink's address");
        let inbox: Inbox = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let inbox = inbox.clone();
            let stop = stop.clone();
            thread::Builder::new()
                .name("smtp-sink".into())
                .spawn(move || {
                    for stream in listener.incoming() {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let Ok(stream) = stream else { continue };
                        let inbox = inbox.clone();
                        let _ =
                            thread::Builder::new()
                                .name("smtp-sink-conn".into())
                                .spawn(move || {
                                    let _ = serve(stream, &inbox);
                                });
                    }
                })
                .expect("spawn the SMTP sink")
        };
        SmtpSink {
            addr,
            inbox,
            stop,
            acceptor: Some(acceptor),
        }
    }

    /// `host:port`, as `Smtp::parse` takes it.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// The messages received so far, in order.
    pub fn messages(&self) -> Vec<Received> {
        self.inbox.0.lock().unwrap().clone()
    }

    /// Waits until at least `n` messages have arrived or `timeout` has passed,
    /// and returns the messages received by then (check their number).
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        let (lock, arrived) = &*self.inbox;
        let mut messages = lock.lock().unwrap();
        while messages.len() < n {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            messages = arrived.wait_timeout(messages, deadline - now).unwrap().0;
        }
        messages.clone()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so the thread sees `stop`.
        if let Ok(stream) = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)) {
            let _ = stream.shutdown(Shutdown::Both);
        }
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// One SMTP session.
fn serve(stream: TcpStream, inbox: &Inbox) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE))?;
    stream.set_write_timeout(Some(IDLE))?;
    let mut out = stream.try_clone()?;
    let mut input = BufReader::new(stream);
    let mut reply = |text: &str| -> io::Result<()> {
        out.write_all(text.as_bytes())?;
        out.flush()
    };

    reply("220 smtp-sink ESMTP ready\r\n")?;
    let mut from: Option<String> = None;
    let mut recipients: Vec<String> = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(()); // the client hung up
        }
        let command = String::from_utf8_lossy(&line);
        let command = command.trim_end_matches(['\r', '\n']);
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => reply(
                "250-smtp-sink greets you\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 33554432\r\n",
            )?,
            "HELO" => reply("250 smtp-sink\r\n")?,
            "MAIL" => match path_after(command, "FROM:") {
                Some(sender) => {
                    from = Some(sender);
                    recipients.clear();
                    reply("250 2.1.0 OK\r\n")?;
                }
                None => reply("501 5.5.4 Syntax: MAIL FROM:<address>\r\n")?,
            },
            "RCPT" => {
                if from.is_none() {
                    reply("503 5.5.1 MAIL first\r\n")?;
                } else {
                    match path_after(command, "TO:") {
                        Some(recipient) => {
                            recipients.push(recipient);
                            reply("250 2.1.5 OK\r\n")?;
                        }
                        None => reply("501 5.5.4 Syntax: RCPT TO:<address>\r\n")?,
                    }
                }
            }
            "DATA" => {
                if from.is_none() || recipients.is_empty() {
                    reply("503 5.5.1 MAIL and RCPT first\r\n")?;
                    continue;
                }
                reply("354 End data with <CR><LF>.<CR><LF>\r\n")?;
                let Some(data) = read_data(&mut input)? else {
                    reply("552 5.3.4 Message too big\r\n")?;
                    from = None;
                    recipients.clear();
                    continue;
                };
                let (lock, arrived) = &**inbox;
                let queued = {
                    let mut messages = lock.lock().unwrap();
                    messages.push(Received {
                        from: from.take().unwrap_or_default(),
                        recipients: std::mem::take(&mut recipients),
                        data,
                    });
                    messages.len()
                };
                arrived.notify_all();
                reply(&format!("250 2.0.0 OK queued as {queued}\r\n"))?;
            }
            "RSET" => {
                from = None;
                recipients.clear();
                reply("250 2.0.0 OK\r\n")?;
            }
            "NOOP" => reply("250 2.0.0 OK\r\n")?,
            "QUIT" => {
                reply("221 2.0.0 Bye\r\n")?;
                return Ok(());
            }
            _ => reply("502 5.5.2 Command not recognized\r\n")?,
        }
    }
}

/// The address in `MAIL FROM:<a> …` / `RCPT TO:<a> …` (`keyword` is
/// `"FROM:"` or `"TO:"`), brackets removed; `None` when malformed.
fn path_after(command: &str, keyword: &str) -> Option<String> {
    let (_, rest) = command.split_once(' ')?;
    let rest = rest.trim_start();
    if rest.len() < keyword.len() || !rest[..keyword.len()].eq_ignore_ascii_case(keyword) {
        return None;
    }
    let path = rest[keyword.len()..].trim_start();
    let path = path.split_whitespace().next().unwrap_or(""); // drop ESMTP parameters
    let inner = path.strip_prefix('<')?.strip_suffix('>')?;
    Some(inner.to_owned())
}

/// The lines after DATA up to the lone `.`, dot-stuffing undone; `None` when
/// the message is over [`MAX_DATA`] (read to its end all the same).
fn read_data(input: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut data = Vec::new();
    let mut too_big = false;
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the client hung up in DATA",
            ));
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok((!too_big).then_some(data));
        }
        let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
        if data.len() + unstuffed.len() > MAX_DATA {
            too_big = true;
            data.clear();
        }
        if !too_big {
            data.extend_from_slice(unstuffed);
        }
    }
}
