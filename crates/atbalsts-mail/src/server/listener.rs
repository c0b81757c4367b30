//! The tokio driver of [`Session`]: accepting connections, reading lines with limits and
//! timeouts, calling the [`Intake`], and stopping cleanly.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::timeout;

use super::session::{Reply, Session, Step};
use super::{Intake, ServerConfig};

/// Longest command line read; RFC 5321 allows 512 bytes, clients write longer.
const MAX_COMMAND_LINE: usize = 4096;
/// How long a refusal or a farewell may take to write.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts SMTP connections until `shutdown` completes; then stops accepting, tells idle
/// clients 421, lets messages being received or delivered finish, and returns.
pub async fn serve<I: Intake>(
    listener: TcpListener,
    cfg: ServerConfig,
    intake: Arc<I>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let cfg = Arc::new(cfg);
    let slots = Arc::new(Semaphore::new(cfg.max_connections.max(1)));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut sessions = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => match slots.clone().try_acquire_owned() {
                    Ok(slot) => {
                        let (cfg, intake, stop) = (cfg.clone(), intake.clone(), stop_rx.clone());
                        sessions.spawn(async move {
                            if let Err(e) = run(stream, peer, &cfg, &*intake, stop).await {
                                tracing::debug!(%peer, error = %e, "SMTP session ended with an error");
                            }
                            drop(slot);
                        });
                    }
                    Err(_) => {
                        sessions.spawn(refuse(stream, cfg.hostname.clone()));
                    }
                },
                // Out of file descriptors and the like: wait instead of spinning.
                Err(e) => {
                    tracing::warn!(error = %e, "SMTP accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    while sessions.join_next().await.is_some() {}
    Ok(())
}

async fn refuse(mut stream: TcpStream, hostname: String) {
    let reply = Reply::new(
        421,
        format!("{hostname} 4.3.2 Too many connections, try again later"),
    );
    let _ = timeout(WRITE_TIMEOUT, stream.write_all(&reply.to_bytes())).await;
}

async fn run<I: Intake>(
    stream: TcpStream,
    peer: SocketAddr,
    cfg: &ServerConfig,
    intake: &I,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let (read_half, write_half) = stream.into_split();
    let mut reader = BufReader::new(read_half);
    let mut writer = BufWriter::new(write_half);
    let mut session = Session::new(cfg);
    send(&mut writer, &session.greeting(), true).await?;
    let mut line = Vec::new();
    loop {
        // Only a client waiting between commands is sent away at shutdown; one in the
        // middle of a message is let finish.
        let read = tokio::select! {
            read = timeout(cfg.command_timeout, read_line(&mut reader, &mut line, MAX_COMMAND_LINE)) => Some(read),
            () = async { let _ = stop.wait_for(|stopped| *stopped).await; } => None,
        };
        let Some(read) = read else {
            let bye = Reply::new(
                421,
                format!("{} 4.3.0 Shutting down, try again later", cfg.hostname),
            );
            return send(&mut writer, &bye, true).await;
        };
        let step = match read {
            Err(_) => return send(&mut writer, &timeout_reply(cfg), true).await,
            Ok(read) => match read? {
                Line::Eof => return Ok(()),
                Line::TooLong => session.line_too_long(),
                Line::Complete => session.command(&line),
            },
        };
        let reply = match step {
            Step::Reply(reply) => reply,
            Step::Close(reply) => return send(&mut writer, &reply, true).await,
            Step::CheckSender(from) => {
                let result = intake.check_sender(from.as_deref(), peer).await;
                session.sender_checked(from, result)
            }
            Step::CheckRecipient(rcpt) => {
                let check = intake.check_recipient(&rcpt).await;
                session.recipient_checked(rcpt, check)
            }
            Step::StartData(go_ahead) => {
                send(&mut writer, &go_ahead, true).await?;
                let limit = session.data_line_limit();
                loop {
                    match timeout(cfg.data_timeout, read_line(&mut reader, &mut line, limit)).await
                    {
                        Err(_) => return send(&mut writer, &timeout_reply(cfg), true).await,
                        // The client went away mid-message: nothing is delivered.
                        Ok(read) => match read? {
                            Line::Eof => return Ok(()),
                            Line::TooLong => session.data_overflow(),
                            Line::Complete => {
                                if session.data_line(&line) {
                                    break;
                                }
                            }
                        },
                    }
                }
                match session.finish_data(peer) {
                    Err(reply) => reply,
                    Ok((envelope, raw)) => session.delivered(intake.deliver(envelope, raw).await),
                }
            }
        };
        // With pipelining the client sends a group of commands and waits for all the
        // answers: they go out together once no command of the group is left unread.
        send(&mut writer, &reply, reader.buffer().is_empty()).await?;
    }
}

fn timeout_reply(cfg: &ServerConfig) -> Reply {
    Reply::new(
        421,
        format!("{} 4.4.2 Timeout, closing the connection", cfg.hostname),
    )
}

async fn send<W: AsyncWrite + Unpin>(writer: &mut W, reply: &Reply, flush: bool) -> io::Result<()> {
    timeout(WRITE_TIMEOUT, async {
        writer.write_all(&reply.to_bytes()).await?;
        if flush {
            writer.flush().await?;
        }
        Ok(())
    })
    .await
    .unwrap_or_else(|_| {
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "writing to the client timed out",
        ))
    })
}

enum Line {
    /// A line, in the buffer with its line ending.
    Complete,
    /// A line longer than the limit, read to its end and dropped.
    TooLong,
    /// The client closed the connection (a last line without line ending is dropped).
    Eof,
}

/// Reads one line into `buf`, keeping at most `limit` bytes of it in memory.
async fn read_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    limit: usize,
) -> io::Result<Line> {
    buf.clear();
    let mut too_long = false;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(Line::Eof);
        }
        let (used, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if !too_long {
            if buf.len() + used > limit {
                too_long = true;
                *buf = Vec::new();
            } else {
                buf.extend_from_slice(&available[..used]);
            }
        }
        reader.consume(used);
        if done {
            return Ok(if too_long {
                Line::TooLong
            } else {
                Line::Complete
            });
        }
    }
}
