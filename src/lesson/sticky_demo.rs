//! `lab sticky-demo`: the naive receiver from the notes — several send() calls, plain recv(N)
//! calls, and the message boundaries lost on the way (粘包, and 半包 with a small recv size).

use std::ops::ControlFlow;

use super::ExchangeRun;
use super::exchange::{ExchangeOptions, Receiver, run_exchange};
use crate::error::Error;
use crate::net::RecordedStream;
use crate::transcript::{Recorder, Transcript, layout_spans};

/// The messages the notes' client sends.
pub const DEFAULT_MESSAGES: [&str; 3] = ["hello", "byebye", "again,bye"];

/// Send each message with one send() call; read with recv(N) until end of stream.
pub fn run(messages: &[String], options: &ExchangeOptions) -> Result<ExchangeRun, Error> {
    let messages: Vec<Vec<u8>> = messages.iter().map(|m| m.as_bytes().to_vec()).collect();
    let sends: Vec<Vec<Vec<u8>>> = messages.iter().map(|m| vec![m.clone()]).collect();
    let rec = Recorder::new();
    let as_run = run_exchange(options, &sends, &mut NaiveReceiver, &rec)?;
    Ok(ExchangeRun {
        lesson: "sticky-demo",
        transport: super::Transport::Tcp,
        options: as_run,
        framing: None,
        corrupt: None,
        transcript: Transcript {
            spans: layout_spans(&messages, 0),
            messages,
            events: rec.events(),
            wire: rec.wire(),
        },
    })
}

/// Takes each recv() as it comes, as the notes' server does: one recv, one "message".
struct NaiveReceiver;

impl Receiver for NaiveReceiver {
    fn on_bytes(&mut self, _bytes: &[u8], _stream: &RecordedStream) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }

    fn on_eof(&mut self, _stream: &RecordedStream) {}
}
