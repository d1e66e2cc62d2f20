//! `lab serve`: the notes' server, grown up — a communication loop per client, a connection
//! loop that outlives every client, several clients at once, and no way for a client to make
//! it exit. Messages are served on one event loop ([`messages`]); uploads, which write
//! files, get a thread each ([`uploads`]).

mod event_log;
mod messages;
mod outbox;
mod uploads;

use std::net::SocketAddr;
use std::time::Duration;

use super::{Reply, WireMode};
use crate::error::Error;
use crate::lang::Lang;
use crate::net::ListenOptions;
use crate::tools::live::{Emitter, LiveKind};
use crate::tools::reasons::{Setup, Work};
use crate::upload::receive::ReceiveOptions;

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub addr: SocketAddr,
    pub backlog: i32,
    pub reuseaddr: bool,
    pub mode: WireMode,
    pub recv_size: usize,
    pub reply: Reply,
    pub max_clients: usize,
    pub idle_timeout: Duration,
    /// Accept file uploads into this directory instead of messages (`--upload-dir`).
    pub upload: Option<ReceiveOptions>,
    /// The language of what the server tells a client it turns away (the log is the view's).
    pub lang: Lang,
}

/// What one client did, reported when it leaves and again at shutdown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub recv_calls: u64,
    pub messages: u64,
}

impl Totals {
    /// The `totals` event of one client.
    pub(crate) fn event(&self) -> LiveKind {
        LiveKind::Totals {
            bytes_in: self.bytes_in,
            bytes_out: self.bytes_out,
            recv_calls: self.recv_calls,
            messages: self.messages,
        }
    }
}

/// What the whole run served: counters only, so a server that runs for days stays bounded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Served {
    pub clients: u64,
    pub totals: Totals,
}

impl Served {
    pub(crate) fn add(&mut self, client: &Totals) {
        self.clients += 1;
        self.totals.bytes_in += client.bytes_in;
        self.totals.bytes_out += client.bytes_out;
        self.totals.recv_calls += client.recv_calls;
        self.totals.messages += client.messages;
    }
}

/// Bind, then accept clients until a stop is requested (Ctrl-C). Each client's totals are
/// emitted when it leaves; the sums come back.
pub fn serve(options: &ServeOptions, emit: &Emitter) -> Result<Served, Error> {
    let listen_on = ListenOptions {
        addr: options.addr,
        reuseaddr: options.reuseaddr,
        backlog: options.backlog,
    };
    let work = match (&options.upload, &options.mode) {
        (Some(upload), _) => Work::Uploads {
            dir: upload.dir.clone(),
        },
        (None, WireMode::Raw) => Work::Messages {
            header: None,
            reply: options.reply,
        },
        (None, WireMode::Framed { format, .. }) => Work::Messages {
            header: Some(format.clone()),
            reply: options.reply,
        },
    };
    let setup = Setup::Serve {
        backlog: options.backlog,
        reuseaddr: options.reuseaddr,
        work,
    };
    let listener = super::listen(&listen_on, setup, emit)?;
    match &options.upload {
        Some(upload) => uploads::accept_loop(&listener, options, upload, emit),
        None => messages::event_loop(&listener, options, emit),
    }
}
