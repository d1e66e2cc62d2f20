//! `lab udp-demo`: the same messages over UDP. Each recvfrom() returns exactly one datagram —
//! the boundaries TCP loses are kept — and a buffer smaller than a datagram truncates it: the
//! rest is gone, and MSG_TRUNC tells how much.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::thread;
use std::time::Duration;

use super::ExchangeRun;
use super::exchange::{ExchangeOptions, inside, start_link};
use crate::error::{Error, ThreadRole};
use crate::net::link::{CLIENT_ADDR, Link, SERVER_ADDR};
use crate::transcript::{EventNote, Op, Recorder, Side, Transcript, layout_spans};

/// The most a UDP datagram over IPv4 can carry: the 16-bit IP length (65535) less the 20-byte
/// IP header and the 8-byte UDP header. A larger send() fails with EMSGSIZE.
const MAX_DATAGRAM: usize = 65535 - 20 - 8;

/// After the last datagram, how long the receiver waits for one more before it stops: UDP
/// has no end of stream to tell it.
const QUIET: Duration = Duration::from_millis(300);

pub fn run(messages: &[String], options: &ExchangeOptions) -> Result<ExchangeRun, Error> {
    let messages: Vec<Vec<u8>> = messages.iter().map(|m| m.as_bytes().to_vec()).collect();
    let spans = layout_spans(&messages, 0);
    let rec = Recorder::new();
    let (link, as_run) = start_link(options, &rec)?;
    let (client_ip, server_ip) = match &link {
        Some(_) => (CLIENT_ADDR, SERVER_ADDR),
        None => (Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST),
    };
    let receiver = inside(link.as_ref().map(Link::server), || {
        UdpSocket::bind(SocketAddr::from((server_ip, 0))).map_err(|e| Error::io("bind()", e))
    })?;
    let to = receiver
        .local_addr()
        .map_err(|e| Error::io("getsockname()", e))?;
    rec.record_note(
        Side::Server,
        Op::Bind,
        Some(to.to_string()),
        EventNote::UdpBind,
    );
    let sender = inside(link.as_ref().map(Link::client), || {
        UdpSocket::bind(SocketAddr::from((client_ip, 0))).map_err(|e| Error::io("bind()", e))
    })?;
    sender
        .connect(to)
        .map_err(|e| Error::io(format!("connect({to})"), e))?;
    let from = sender
        .local_addr()
        .map_err(|e| Error::io("getsockname()", e))?;
    let connected = EventNote::Connected {
        peer: to,
        local: from,
        udp: true,
        named: None,
    };
    rec.record_note(Side::Client, Op::Connect, None, connected);
    let offsets: Vec<u64> = spans.iter().map(|s| s.range.start).collect();

    thread::scope(|scope| -> Result<(), Error> {
        // No thread for the sender (none can be made) is an error, not a panic.
        thread::Builder::new()
            .spawn_scoped(scope, || {
                send_datagrams(&sender, &messages, &offsets, options.send_gap, &rec)
            })
            .map_err(|e| Error::no_thread(ThreadRole::Sender, e))?;
        receive_datagrams(&receiver, options, &messages, &offsets, &rec)
    })?;
    if let Some(link) = link {
        link.finish();
    }
    Ok(ExchangeRun {
        lesson: "udp-demo",
        transport: super::Transport::Udp,
        options: as_run,
        framing: None,
        corrupt: None,
        transcript: Transcript {
            spans,
            messages,
            events: rec.events(),
            wire: rec.wire(),
        },
    })
}

/// One send() per message, `gap` apart.
fn send_datagrams(
    sender: &UdpSocket,
    messages: &[Vec<u8>],
    offsets: &[u64],
    gap: Duration,
    rec: &Recorder,
) {
    for (i, message) in messages.iter().enumerate() {
        if i > 0 && !gap.is_zero() {
            let note = EventNote::SendGap {
                ms: gap.as_millis() as u64,
            };
            rec.record_note(Side::Client, Op::Note, None, note);
            thread::sleep(gap);
        }
        // Reserved before the call, so the recvfrom() is never listed first.
        let slot = rec.begin(Side::Client, Op::Send, offsets[i]);
        match sender.send(message) {
            Ok(n) => rec.complete(slot, &message[..n], None),
            Err(e) if e.raw_os_error() == Some(libc::EMSGSIZE) => {
                let too_large = EventNote::DatagramTooLarge {
                    len: message.len(),
                    max: MAX_DATAGRAM,
                };
                rec.abandon(slot, too_large);
            }
            Err(e) => {
                let failed = EventNote::CallFailed {
                    call: "send()",
                    error: e.to_string(),
                };
                rec.abandon(slot, failed);
            }
        }
    }
}

/// recvfrom() until every datagram came or none came for a while. Each datagram is matched
/// to the message it carries (loopback keeps their order; a lossy link may not).
fn receive_datagrams(
    socket: &UdpSocket,
    options: &ExchangeOptions,
    messages: &[Vec<u8>],
    offsets: &[u64],
    rec: &Recorder,
) -> Result<(), Error> {
    if !options.reader_delay.is_zero() {
        let delay = EventNote::ReaderDelay {
            ms: options.reader_delay.as_millis() as u64,
        };
        rec.record_note(Side::Server, Op::Note, None, delay);
        thread::sleep(options.reader_delay);
    }
    // Across a link, a datagram may still be on its way (delayed, held back) for a while.
    let on_the_way = options.net.as_ref().map_or(Duration::ZERO, |net| {
        2 * (net.delay + net.jitter) + crate::net::link::spec::REORDER_HOLD
    });
    socket
        .set_read_timeout(Some(QUIET.max(options.send_gap * 2) + on_the_way))
        .map_err(|e| Error::io("setsockopt(SO_RCVTIMEO)", e))?;
    let mut buf = vec![0u8; options.recv_size];
    let mut received = vec![false; messages.len()];
    while received.iter().any(|r| !r) {
        let called_us = rec.now_us();
        let whole = match recv_truncating(socket, &mut buf) {
            Ok(whole) => whole,
            Err(e) if crate::net::timed_out(&e) => {
                rec.record_note(Side::Server, Op::Note, None, EventNote::NoMoreDatagrams);
                return Ok(());
            }
            Err(e) => return Err(Error::io("recvfrom()", e)),
        };
        let kept = whole.min(buf.len());
        let k = which_message(messages, &received, &buf[..kept], whole);
        received[k] = true;
        rec.record_returned(
            Side::Server,
            Op::Recv,
            Some(offsets[k]),
            &buf[..kept],
            called_us,
        );
        if whole > kept {
            let lost = EventNote::Truncated {
                lost: whole - kept,
                whole,
            };
            rec.record_note(Side::Server, Op::Truncated, None, lost);
        }
    }
    Ok(())
}

/// The message a datagram carries: the first one not yet received with this length and these
/// first bytes; else (a copy the link made) the first with them at all; else the next one.
fn which_message(messages: &[Vec<u8>], received: &[bool], kept: &[u8], whole: usize) -> usize {
    let carries = |m: &Vec<u8>| m.len() == whole && m.starts_with(kept);
    (0..messages.len())
        .find(|&k| !received[k] && carries(&messages[k]))
        .or_else(|| (0..messages.len()).find(|&k| carries(&messages[k])))
        .or_else(|| received.iter().position(|r| !r))
        .unwrap_or(0)
}

/// recv() with MSG_TRUNC: copies what fits and returns the datagram's full length.
fn recv_truncating(socket: &UdpSocket, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: the buffer is writable for its length; the kernel copies at most that much.
    let n = unsafe {
        libc::recv(
            socket.as_raw_fd(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            libc::MSG_TRUNC,
        )
    };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}
