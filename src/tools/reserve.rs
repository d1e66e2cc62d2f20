//! One descriptor held in reserve, so a server out of descriptors can still tell a client why.
//!
//! Out of descriptors (`ulimit -n`, EMFILE; or the whole system's, ENFILE), accept() fails
//! and the connection stays in the backlog: its client waits without a word, however long the
//! shortage lasts. With a descriptor put aside at start-up, the server gives it up for a
//! moment, accepts that connection into it, tells the client why and closes it, then puts a
//! descriptor aside again (libev and nginx do the same).

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};

use super::reasons::TurnAway;

/// A spare descriptor: a copy of the listening socket's, which costs nothing while it waits.
pub(crate) struct Reserve {
    spare: Option<TcpListener>,
}

impl Reserve {
    pub(crate) fn new(listener: &TcpListener) -> Self {
        Reserve {
            spare: listener.try_clone().ok(),
        }
    }

    /// After accept() failed with `error`: if for want of descriptors, accept the waiting
    /// connection with the spare one and hand it to `turn_away` with the reason (it must
    /// close it). True if a connection was turned away, false if the error is another or no
    /// spare was left (another thread took the descriptor freed meanwhile).
    pub(crate) fn turn_away_one(
        &mut self,
        listener: &TcpListener,
        error: &io::Error,
        turn_away: impl FnOnce(TcpStream, SocketAddr, TurnAway),
    ) -> bool {
        let why = match error.raw_os_error() {
            Some(libc::EMFILE) => TurnAway::NoDescriptors {
                limit: open_file_limit(),
            },
            Some(libc::ENFILE) => TurnAway::NoDescriptors { limit: None },
            _ => return false,
        };
        if self.spare.take().is_none() {
            // Given up earlier and not had back: try again, now that some may be free.
            self.spare = listener.try_clone().ok();
            if self.spare.take().is_none() {
                return false;
            }
        }
        let turned = match listener.accept() {
            Ok((stream, peer)) => {
                turn_away(stream, peer, why);
                true
            }
            Err(_) => false,
        };
        self.spare = listener.try_clone().ok();
        turned
    }
}

/// The soft limit on open descriptors (`ulimit -n`), as the kernel has it now.
fn open_file_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the local it is given.
    let read = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    (read && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
}
