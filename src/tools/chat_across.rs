//! `lab chat --net`: one lab run plays both ends across the link — lab's own server (the
//! `lab serve` loop) in the server's namespace, the chat in the client's. Only lab can reach
//! into the namespaces it makes (they have no names and vanish with it), so a server across
//! the link for a chat in another terminal cannot be; in one run, the two ends meet there.
//!
//! Both ends stream their events to the same view as `lab serve` and `lab chat` do, and the
//! link records every packet; when the chat's input ends and the server has let the client
//! go, the server stops and the link hands over what it carried.

use std::io::Read;
use std::os::fd::AsFd;
use std::thread;
use std::time::{Duration, Instant};

use super::chat::{self, ChatError, ChatOptions};
use super::live::Emitter;
use super::serve::{self, ServeOptions};
use super::signal;
use crate::error::{Error, ThreadRole};
use crate::net::kernel::{self, TcpState};
use crate::net::link::{Link, NetNamespace, NetSpec};
use crate::transcript::{Recorder, Wire};

/// How long the server may take to listen.
const LISTEN_WAIT: Duration = Duration::from_secs(5);
/// How long the server may take to see the chat's close (its FIN crosses the link).
const LET_GO_WAIT: Duration = Duration::from_secs(5);
/// The pause between two looks at the server's sockets.
const LOOK_EVERY: Duration = Duration::from_millis(5);

/// What the server served and the link carried while the two ends talked.
#[derive(Debug, Clone)]
pub struct Carried {
    pub served: serve::Served,
    pub wire: Wire,
    /// The spec as run (its seed drawn if none was given).
    pub spec: NetSpec,
}

/// Serve in the server's namespace, chat from the client's (`chat.addr` is the server's
/// address there), until the input ends; then stop the server and the link.
pub fn chat_across(
    spec: &NetSpec,
    chat: &ChatOptions,
    serve: &ServeOptions,
    input: impl Read + AsFd + Send,
    emit: &Emitter,
) -> Result<Carried, ChatError> {
    let rec = Recorder::new();
    let link = Link::start(spec, &rec).map_err(Error::Link)?;
    let spec = NetSpec {
        seed: Some(link.seed()),
        ..spec.clone()
    };
    let port = serve.addr.port();
    let chatted = thread::scope(|scope| {
        let server = thread::Builder::new()
            .name("lab-serve".into())
            .spawn_scoped(scope, || {
                link.server()
                    .run(|| serve::serve(serve, emit))
                    .map_err(|e| Error::io("setns(CLONE_NEWNET)", e))?
            })
            .map_err(|e| Error::no_thread(ThreadRole::Server, e))?;
        let chatted = if wait_for(link.server(), port, LISTEN_WAIT, listening) {
            link.client()
                .run(|| chat::chat(chat, input, emit))
                .map_err(|e| ChatError::Failed(Error::io("setns(CLONE_NEWNET)", e)))
                .and_then(|chatted| chatted)
        } else {
            Ok(())
        };
        // The chat is over: once its close has crossed the link, the server stops too.
        wait_for(link.server(), port, LET_GO_WAIT, |s| !serving(s, port));
        signal::request();
        let served = server.join().unwrap_or_else(|_| {
            Err(Error::io(
                "the server's thread",
                std::io::Error::other("it panicked"),
            ))
        });
        chatted.and(served.map_err(ChatError::Failed))
    });
    // After Ctrl-C, what is still on the path is not waited for (`signal::request` above
    // stopped only the server).
    if signal::stop_signal().is_some() {
        link.stop_at_once();
    } else {
        link.finish();
    }
    Ok(Carried {
        served: chatted?,
        wire: rec.wire(),
        spec,
    })
}

/// Whether the server listens on `port`.
fn listening(sockets: &[kernel::SocketEntry]) -> bool {
    sockets.iter().any(|s| s.state == TcpState::Listen)
}

/// Whether the server still holds a connection on `port` open (it has not seen the close).
fn serving(sockets: &[kernel::SocketEntry], port: u16) -> bool {
    sockets.iter().any(|s| {
        s.local.port() == port && matches!(s.state, TcpState::Established | TcpState::CloseWait)
    })
}

/// Look at `ns`'s TCP sockets on `port` until `done` says so or `limit` has passed; whether
/// it did.
fn wait_for(
    ns: &NetNamespace,
    port: u16,
    limit: Duration,
    done: impl Fn(&[kernel::SocketEntry]) -> bool + Sync,
) -> bool {
    let started = Instant::now();
    loop {
        let sockets = ns
            .run(kernel::tcp_sockets)
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let on_port: Vec<_> = sockets
            .into_iter()
            .filter(|s| s.local.port() == port)
            .collect();
        if done(&on_port) {
            return true;
        }
        if started.elapsed() > limit || signal::stop_requested() {
            return false;
        }
        thread::sleep(LOOK_EVERY);
    }
}
