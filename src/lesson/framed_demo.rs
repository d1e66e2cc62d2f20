//! `lab framed-demo`: the fix from the notes — a 4-byte length header in front of every
//! message, and a receiver that cuts frames with a sans-IO decoder, whatever recv() returns.

use std::ops::ControlFlow;

use super::exchange::{ExchangeOptions, Receiver, run_exchange};
use super::{FramingInfo, LessonRun};
use crate::error::Error;
use crate::framing::{FrameReader, LengthCodec};
use crate::net::RecordedStream;
use crate::transcript::{Recorder, Transcript, layout_spans};

/// Send each message as two send() calls, header then payload (as the notes do), and decode
/// the stream on the server with `codec`.
pub fn run(
    messages: &[String],
    options: &ExchangeOptions,
    codec: LengthCodec,
) -> Result<LessonRun, Error> {
    let messages: Vec<Vec<u8>> = messages.iter().map(|m| m.as_bytes().to_vec()).collect();
    let mut sends = Vec::with_capacity(messages.len());
    for (i, payload) in messages.iter().enumerate() {
        let mut header = Vec::new();
        codec
            .header
            .encode(payload.len() as u64, &mut header)
            .map_err(|e| Error::Usage(format!("--message #{}: {e}", i + 1)))?;
        sends.push(vec![header, payload.clone()]);
    }
    let rec = Recorder::new();
    let mut receiver = FramedReceiver {
        reader: FrameReader::new(codec),
        rec: rec.clone(),
    };
    run_exchange(options, &sends, &mut receiver, &rec)?;
    Ok(LessonRun {
        lesson: "framed-demo",
        options: options.clone(),
        framing: Some(FramingInfo {
            header: codec.header,
            max_frame: codec.max_frame,
        }),
        transcript: Transcript {
            spans: layout_spans(&messages, codec.header.len()),
            messages,
            events: rec.events(),
        },
    })
}

/// Feeds every recv() to the frame reader and records each frame it completes.
struct FramedReceiver {
    reader: FrameReader<LengthCodec>,
    rec: Recorder,
}

impl Receiver for FramedReceiver {
    fn on_bytes(&mut self, bytes: &[u8], stream: &RecordedStream) -> ControlFlow<()> {
        self.reader.feed(bytes);
        loop {
            match self.reader.next_frame() {
                Ok(Some(frame)) => self
                    .rec
                    .record_frame(frame.index, frame.offset, frame.payload),
                Ok(None) => return ControlFlow::Continue(()),
                Err(e) => {
                    // Nothing after a bad header can be trusted: stop reading, close.
                    stream.error(e.to_string());
                    return ControlFlow::Break(());
                }
            }
        }
    }

    fn on_eof(&mut self, stream: &RecordedStream) {
        if let Err(e) = self.reader.finish() {
            stream.error(e.to_string());
        }
    }
}
