//! The words for what traced programs did (`lab trace`): a call's own line under its bytes,
//! why a recv returned b'', what a failed call's errno means, how a program ended, and why
//! tracing could not start.

use super::ViewOptions;
use super::side_by_side::{bytes_cell, prefix, words};
use super::text::{Line, Look};
use crate::trace::{ProgramEnd, Role, StopReason, TraceError};
use crate::transcript::{Event, Op, Side, Transcript};

/// The lines of a traced event in its column; `None` for a lesson's own events.
pub fn call_cell(
    t: &Transcript,
    event: &Event,
    options: ViewOptions,
    width: usize,
) -> Option<Vec<Line>> {
    let call = event.call.as_ref()?;
    let indent = " ".repeat(prefix("recv", 0).len());
    let mut lines = match event.op {
        Op::Send | Op::Recv => {
            let mut lines = bytes_cell(t, event, options, width);
            lines.extend(
                call_notes(event)
                    .into_iter()
                    .flat_map(|n| words(&format!("{indent}{n}"), Look::Dim, width)),
            );
            lines
        }
        Op::Eof => {
            let mut line = Line::of(prefix("recv", 0), Look::Plain);
            line.push("b''", Look::Bad);
            let mut lines = vec![line];
            let reason = format!("{indent}{}", eof_reason(t, event));
            lines.extend(words(&reason, Look::Dim, width));
            lines
        }
        Op::Close if call.syscall == "exit" => {
            words("closed as its process ended (FIN)", Look::Dim, width)
        }
        Op::Close => match call.still_open_in {
            Some(pid) => words(
                &format!("close: pid {pid} still has this socket, so no FIN yet"),
                Look::Dim,
                width,
            ),
            None => words("close (FIN: no more bytes)", Look::Dim, width),
        },
        Op::Shutdown => words(
            &format!(
                "shutdown({}): {}",
                event.detail.as_deref().unwrap_or(""),
                shutdown_meaning(event.detail.as_deref())
            ),
            Look::Dim,
            width,
        ),
        Op::Error => words(&failed_text(event), Look::Bad, width),
        _ => return None,
    };
    lines.truncate(8);
    Some(lines)
}

/// `recvfrom(1024) · fd 4`, then what was rewritten, waiting or cut short.
fn call_notes(event: &Event) -> Vec<String> {
    let Some(call) = event.call.as_ref() else {
        return Vec::new();
    };
    let asked = call.asked.map_or(String::new(), |n| n.to_string());
    let mut notes = vec![match call.fd {
        Some(fd) => format!("{}({asked}) · fd {fd}", call.syscall),
        None => format!("{}({asked})", call.syscall),
    }];
    let moved = event.len() as u64;
    if let (Some(original), Some(asked)) = (call.asked_by_program, call.asked) {
        let flag = if event.op == Op::Send {
            "--send-max"
        } else {
            "--recv-max"
        };
        notes.push(format!(
            "the program asked for {original} B; {flag} made it {asked}"
        ));
    }
    let wanted = call.asked_by_program.or(call.asked).unwrap_or(0);
    if event.op == Op::Send && wanted > moved {
        notes.push(format!(
            "a short send: {moved} of {wanted} B went; the other {} B are the program's to \
             send (sendall() does)",
            wanted - moved
        ));
    }
    if let Some(original) = call
        .asked_by_program
        .filter(|&o| event.op == Op::Recv && moved < o)
    {
        notes.push(format!(
            "it got {moved} of the {original} B the program asked for: code that expects them \
             all breaks here"
        ));
    }
    if call.unseen {
        notes.push(
            "the bytes went from a file to the socket inside the kernel, never through the program"
                .into(),
        );
    }
    if let Some(held) = call.held_us {
        notes.push(format!(
            "lab held it {:.1} ms (--reader-delay): the reader came late",
            held as f64 / 1000.0
        ));
    }
    if event.op == Op::Recv {
        match call.waiting {
            Some(w) if w > 0 => notes.push(format!("{w} B were already waiting when it ran")),
            Some(_) => {
                let ran = event.t_us + call.held_us.unwrap_or(0);
                let waited = call.t_return_us.saturating_sub(ran) as f64 / 1000.0;
                notes.push(format!(
                    "nothing was waiting: it slept {waited:.1} ms for bytes"
                ));
            }
            None => {}
        }
    }
    notes
}

/// Why a recv returned b'': the other end's close, or an end already met.
fn eof_reason(t: &Transcript, event: &Event) -> String {
    let earlier = t
        .events
        .iter()
        .filter(|e| e.seq < event.seq && e.side == event.side && e.op == Op::Eof)
        .count();
    if earlier > 0 {
        return "end of stream again: once the peer has closed, every recv() returns b'' \
                at once"
            .into();
    }
    let other = match event.side {
        Side::Client => "server",
        Side::Server => "client",
    };
    let closed = t.events.iter().rev().find(|e| {
        e.seq < event.seq
            && e.side != event.side
            && (e.op == Op::Close && e.call.as_ref().is_some_and(|c| c.still_open_in.is_none())
                || e.op == Op::Shutdown)
    });
    match closed {
        Some(close) => {
            let closed = close.call.as_ref().map_or(close.t_us, |c| c.t_return_us);
            let now = event.call.as_ref().map_or(event.t_us, |c| c.t_return_us);
            let ago = now.saturating_sub(closed) as f64 / 1000.0;
            format!(
                "end of stream: the {other} closed its side {ago:.1} ms before — b'' is how \
                 recv() says so"
            )
        }
        None => format!("end of stream: the {other} closed its side — b'' is how recv() says so"),
    }
}

fn shutdown_meaning(how: Option<&str>) -> &'static str {
    match how {
        Some("SHUT_WR") => "FIN — no more bytes this way, replies may still come",
        Some("SHUT_RD") => "no more reading on this side",
        _ => "FIN — no more bytes either way",
    }
}

/// `connect failed: ECONNREFUSED — nothing listens at 127.0.0.1:8080`.
pub fn failed_text(event: &Event) -> String {
    let Some(call) = event.call.as_ref() else {
        return String::new();
    };
    let errno = call.errno.unwrap_or("EOTHER");
    let at = event.detail.as_deref().unwrap_or("that address");
    let why = match errno {
        "ECONNREFUSED" => format!("nothing listens at {at}"),
        "ECONNRESET" => "the peer reset the connection (it closed with bytes unread)".into(),
        "EPIPE" => "the peer has closed: nothing more can be sent".into(),
        "EADDRINUSE" => {
            format!("{at} is in use (another socket, or TIME_WAIT: see lab lesson reuseaddr-demo)")
        }
        "ENOTCONN" => "the socket is not connected".into(),
        "ETIMEDOUT" => "no answer in time".into(),
        _ => String::new(),
    };
    if why.is_empty() {
        format!("{} failed: {errno}", call.syscall)
    } else {
        format!("{} failed: {errno} — {why}", call.syscall)
    }
}

/// `server`, `client`, or `program`.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Program => "program",
        Role::Server => "server",
        Role::Client => "client",
    }
}

/// How a program ended, in words.
pub fn end_text(end: ProgramEnd) -> String {
    match end {
        ProgramEnd::Exited(0) => "exited with status 0".into(),
        ProgramEnd::Exited(code) => format!("exited with status {code} (a failure)"),
        ProgramEnd::Signaled(signal) => format!("was killed by {signal}"),
        ProgramEnd::Stopped { signal, reason } => {
            let why = match reason {
                StopReason::Interrupted => "Ctrl-C",
                StopReason::ClientEnded => "its client had ended and it went on serving",
                StopReason::NeverListened => "it never listened, so no client could start",
            };
            format!("was stopped by lab with {signal} ({why})")
        }
        ProgramEnd::NotStarted => "was not started".into(),
    }
}

/// Why tracing could not start, and what to do.
pub fn error_text(e: &TraceError) -> String {
    match e {
        TraceError::NoCommand => {
            "give a program to trace: lab trace -- python3 client.py, or --server … --client …"
                .into()
        }
        TraceError::NulInCommand => "the command holds a NUL byte".into(),
        TraceError::ProgramNotFound { program } => {
            format!("{program}: no such program (not a path, and not on PATH)")
        }
        TraceError::ExecFailed { program, errno } => {
            format!("{program} could not be started: {}", errno.desc())
        }
        TraceError::PtraceDenied {
            ptrace_scope: Some(3),
            ..
        } => "ptrace is switched off on this machine (kernel.yama.ptrace_scope = 3, which only \
              a reboot undoes): lab trace cannot run here"
            .into(),
        TraceError::PtraceDenied {
            ptrace_scope: Some(2),
            ..
        } => "ptrace needs admin rights here (kernel.yama.ptrace_scope = 2): run lab trace as \
              root, or set the scope to 1 with sudo sysctl kernel.yama.ptrace_scope=1"
            .into(),
        TraceError::PtraceDenied { errno, .. } => format!(
            "ptrace is not allowed here ({}): in a container, start it with --cap-add \
             SYS_PTRACE (or a seccomp profile that allows ptrace)",
            errno.desc()
        ),
        TraceError::SeccompUnavailable { errno } => format!(
            "this kernel refused a seccomp filter ({}): lab trace needs \
             CONFIG_SECCOMP_FILTER",
            errno.desc()
        ),
        TraceError::PlacementFailed { errno } => {
            format!(
                "the program could not be placed where asked: {}",
                errno.desc()
            )
        }
        TraceError::KernelTooOld { needs } => {
            format!("lab trace needs {needs} or newer; this kernel lacks it")
        }
        TraceError::UnsupportedArchitecture => {
            "lab trace knows the system calls of x86_64 and aarch64 only".into()
        }
        TraceError::System(errno) => format!("starting the program failed: {}", errno.desc()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::errno::Errno;

    #[test]
    fn a_refused_ptrace_says_why_and_what_to_do() {
        let denied = |scope| TraceError::PtraceDenied {
            errno: Errno::EPERM,
            ptrace_scope: scope,
        };
        assert!(error_text(&denied(Some(3))).contains("only a reboot undoes"));
        assert!(error_text(&denied(Some(2))).contains("kernel.yama.ptrace_scope=1"));
        assert!(error_text(&denied(Some(1))).contains("--cap-add SYS_PTRACE"));
        assert!(!error_text(&denied(None)).contains('\n'));
    }
}
