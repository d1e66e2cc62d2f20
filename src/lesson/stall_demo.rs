//! `lab stall-demo`: the 40 ms trap in the notes' own fix. A request/reply loop that sends
//! the `!I` length header and the body as two send() calls — as the notes teach — meets
//! Nagle's algorithm on the sender and delayed ACKs on the receiver: the body waits for the
//! ACK of the header, and the receiver holds that ACK back, hoping to send it with a reply
//! that cannot come before the body. Each way of sending runs the same round trips on a
//! connection of its own, and the client times every one.

use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::exchange::{ExchangeOptions, connect_client, listen, start_link};
use crate::error::{Error, Problem, ThreadRole};
use crate::net::link::NetSpec;
use crate::net::{self, RecordedStream};
use crate::structfmt::ConstFormat;
use crate::transcript::{Recorder, Transcript, layout_spans};

/// The notes' header: `struct.pack('!I', len(body))`.
pub const HEADER: ConstFormat<1, 4> = ConstFormat::new("!I");
/// The header's size in bytes.
pub const HEADER_LEN: usize = 4;

/// How each side puts a message on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sending {
    /// `send(header)` then `send(body)`, as the notes do.
    TwoSends,
    /// One `sendall(header + body)`.
    OneSend,
}

/// One way of sending, on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Variant {
    pub sending: Sending,
    /// TCP_NODELAY on the client's socket.
    pub client_nodelay: bool,
    /// TCP_NODELAY on the server's socket.
    pub server_nodelay: bool,
}

/// The ways compared, the notes' own first.
pub const VARIANTS: [Variant; 5] = [
    Variant {
        sending: Sending::TwoSends,
        client_nodelay: false,
        server_nodelay: false,
    },
    Variant {
        sending: Sending::TwoSends,
        client_nodelay: true,
        server_nodelay: false,
    },
    Variant {
        sending: Sending::TwoSends,
        client_nodelay: false,
        server_nodelay: true,
    },
    Variant {
        sending: Sending::OneSend,
        client_nodelay: false,
        server_nodelay: false,
    },
    Variant {
        sending: Sending::TwoSends,
        client_nodelay: true,
        server_nodelay: true,
    },
];

/// The knobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StallOptions {
    /// Request/reply round trips for each way of sending.
    pub rounds: usize,
    /// Bytes in each request's and each reply's body.
    pub size: usize,
    /// `--net`: across lab's link instead of loopback.
    pub net: Option<NetSpec>,
}

/// One way of sending, measured.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantRun {
    pub variant: Variant,
    /// Each round trip as the client timed it: from its first send() of the request to the
    /// last byte of the reply.
    pub latencies: Vec<Duration>,
    /// The link's spec as run (seed included), with `--net`.
    pub net: Option<NetSpec>,
    /// Every call and, with `--net`, every packet: the spans describe the requests.
    pub transcript: Transcript,
}

/// Every way of sending, measured.
#[derive(Debug, Clone, PartialEq)]
pub struct StallRun {
    pub options: StallOptions,
    pub variants: Vec<VariantRun>,
}

/// Run the round trips for each way of sending.
pub fn run(options: &StallOptions) -> Result<StallRun, Error> {
    let variants = VARIANTS
        .iter()
        .map(|&variant| run_variant(variant, options))
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(StallRun {
        options: options.clone(),
        variants,
    })
}

fn run_variant(variant: Variant, options: &StallOptions) -> Result<VariantRun, Error> {
    let rec = Recorder::new();
    let exchange = ExchangeOptions {
        net: options.net.clone(),
        ..ExchangeOptions::default()
    };
    let (link, as_run) = start_link(&exchange, &rec)?;
    let (listener, addr) = listen(link.as_ref(), &rec)?;
    let mut client = connect_client(link.as_ref(), addr, variant.client_nodelay, &rec)?;
    let mut server = net::accept(&listener, &rec)?;
    drop(listener);
    server.set_nodelay(variant.server_nodelay)?;
    let body = vec![b'x'; options.size];
    let latencies = thread::scope(|scope| {
        // No thread for the server's replies (none can be made) is an error, not a panic.
        let replies = thread::Builder::new()
            .spawn_scoped(scope, || serve(&mut server, variant.sending))
            .map_err(|e| Error::no_thread(ThreadRole::Server, e))?;
        let latencies = ask(&mut client, variant.sending, &body, options.rounds);
        client.shutdown_write();
        let served = replies.join().unwrap_or(Ok(()));
        latencies.and_then(|l| served.map(|()| l))
    })?;
    drop(client);
    drop(server);
    if let Some(link) = link {
        link.finish();
    }
    let requests = vec![body; options.rounds];
    Ok(VariantRun {
        variant,
        latencies,
        net: as_run.net,
        transcript: Transcript {
            spans: layout_spans(&requests, HEADER_LEN),
            messages: requests,
            events: rec.events(),
            wire: rec.wire(),
        },
    })
}

/// The client: `rounds` requests, each answered before the next, each timed.
fn ask(
    client: &mut RecordedStream,
    sending: Sending,
    body: &[u8],
    rounds: usize,
) -> Result<Vec<Duration>, Error> {
    let mut latencies = Vec::with_capacity(rounds);
    let mut reply = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        send_message(client, sending, body)?;
        if !read_message(client, &mut reply)? {
            return Err(Error::io(
                "recv()",
                std::io::Error::other("the server closed before it replied"),
            ));
        }
        latencies.push(started.elapsed());
    }
    Ok(latencies)
}

/// The server: read a request, send a reply as long, until the client closes.
fn serve(server: &mut RecordedStream, sending: Sending) -> Result<(), Error> {
    let mut request = Vec::new();
    while read_message(server, &mut request)? {
        let reply = request.to_ascii_uppercase();
        send_message(server, sending, &reply)?;
    }
    Ok(())
}

/// The header and the body, as two send() calls or one.
fn send_message(stream: &mut RecordedStream, sending: Sending, body: &[u8]) -> Result<(), Error> {
    let header = HEADER
        .pack(&[body.len() as u64])
        .map_err(|e| Problem::BodyTooLong {
            len: body.len(),
            cpython: e.to_string(),
        })?;
    let sent = match sending {
        Sending::TwoSends => stream
            .send_all(&header)
            .and_then(|()| stream.send_all(body)),
        Sending::OneSend => stream.send_all(&[&header[..], body].concat()),
    };
    sent.map_err(|e| Error::io("send()", e))
}

/// Read one message into `body`: `false` when the peer closed before a new header.
fn read_message(stream: &mut RecordedStream, body: &mut Vec<u8>) -> Result<bool, Error> {
    let mut header = [0u8; HEADER_LEN];
    if !stream
        .recv_exact(&mut header)
        .map_err(|e| Error::io("recv()", e))?
    {
        return Ok(false);
    }
    let [len] = HEADER.unpack(&header);
    // Both ends are lab's own, but a length is still checked before it is allocated.
    let len = usize::try_from(len)
        .ok()
        .filter(|&n| n <= MAX_BODY)
        .ok_or_else(|| Error::io("recv()", std::io::Error::other("a header claims too much")))?;
    body.resize(len, 0);
    let complete = stream
        .recv_exact(body)
        .map_err(|e| Error::io("recv()", e))?;
    Ok(complete)
}

/// The largest body the demo sends (and so accepts).
pub const MAX_BODY: usize = 64 * 1024;
