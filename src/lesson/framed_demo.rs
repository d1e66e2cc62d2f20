//! `lab framed-demo`: the fix from the notes — mark where each message ends (a length header
//! by default; a delimiter or fixed records on request) and cut frames on the receiving side
//! with a sans-IO decoder, whatever recv() returns. `--corrupt` makes the sender misbehave so
//! the receiver's refusal can be seen.

use std::ops::ControlFlow;

use super::ExchangeRun;
use super::exchange::{ExchangeOptions, Receiver, run_exchange};
use crate::error::{Error, NoCorruption, Problem};
use crate::framing::{Decoder, FrameReader, Framing, WirePiece};
use crate::net::RecordedStream;
use crate::transcript::{EventNote, Part, Recorder, Transcript, spans_of};

/// Ways `--corrupt` makes the sender break the framing of its last message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Corruption {
    /// Claim a length over the receiver's maximum (or, with a delimiter, never send one).
    Oversize,
    /// Stop sending in the middle of the last frame.
    Truncate,
    /// Put a negative length in a signed header.
    Negative,
}

/// Frame each message, send it (a length header and its payload as two send() calls, as
/// in the notes; other framings as one), and decode on the server.
pub fn run(
    messages: &[String],
    options: &ExchangeOptions,
    framing: Framing,
    corrupt: Option<Corruption>,
) -> Result<ExchangeRun, Error> {
    let messages: Vec<Vec<u8>> = messages.iter().map(|m| m.as_bytes().to_vec()).collect();
    let mut wire = Vec::with_capacity(messages.len());
    for (i, payload) in messages.iter().enumerate() {
        let pieces = framing
            .encode(payload)
            .map_err(|error| Problem::Unsendable {
                message: i + 1,
                error,
            })?;
        wire.push(pieces);
    }
    if let Some(corruption) = corrupt {
        let last = wire
            .last_mut()
            .expect("there is always at least one message");
        *last = corrupt_pieces(&framing, corruption, last)?;
    }
    let sends: Vec<Vec<Vec<u8>>> = wire
        .iter()
        .map(|pieces| match framing {
            Framing::Length { .. } => pieces.iter().map(|p| p.bytes.clone()).collect(),
            _ => vec![pieces.iter().flat_map(|p| p.bytes.clone()).collect()],
        })
        .collect();
    let parts: Vec<Vec<(Part, usize)>> = wire
        .iter()
        .map(|pieces| pieces.iter().map(|p| (p.part, p.bytes.len())).collect())
        .collect();

    let rec = Recorder::new();
    let mut receiver = FramedReceiver {
        reader: FrameReader::new(framing.decoder()),
        framing: framing.clone(),
        rec: rec.clone(),
    };
    let as_run = run_exchange(options, &sends, &mut receiver, &rec)?;
    Ok(ExchangeRun {
        lesson: "framed-demo",
        transport: super::Transport::Tcp,
        options: as_run,
        framing: Some(framing),
        corrupt,
        transcript: Transcript {
            spans: spans_of(&parts),
            messages,
            events: rec.events(),
            wire: rec.wire(),
        },
    })
}

/// The last message's pieces, broken as asked.
fn corrupt_pieces(
    framing: &Framing,
    corruption: Corruption,
    pieces: &[WirePiece],
) -> Result<Vec<WirePiece>, Error> {
    let refuse = |why| {
        Err(Problem::CannotCorrupt {
            corruption: corruption.as_str(),
            why,
        }
        .into())
    };
    let payload = pieces
        .iter()
        .find(|p| p.part == Part::Payload)
        .map(|p| p.bytes.clone())
        .unwrap_or_default();
    match (framing, corruption) {
        (Framing::Length { codec, .. }, Corruption::Oversize) => {
            let claim = codec.max_frame as u64 + 1;
            let mut header = Vec::new();
            if codec.header.encode(claim, &mut header).is_err() {
                return refuse(NoCorruption::HeaderTooNarrow {
                    header: codec.header.to_string(),
                    max: codec.header.max_length(),
                    smaller: codec.max_frame / 2,
                });
            }
            Ok(vec![
                WirePiece::new(Part::Header, header),
                WirePiece::new(Part::Payload, payload),
            ])
        }
        (Framing::Length { codec, .. }, Corruption::Negative) => {
            if !codec.header.signed {
                return refuse(NoCorruption::NeedsSignedHeader);
            }
            let claim = -(payload.len().max(1) as i128);
            Ok(vec![
                WirePiece::new(Part::Header, codec.header.encode_signed(claim)),
                WirePiece::new(Part::Payload, payload),
            ])
        }
        // Enough bytes without a delimiter for the receiver to give up looking.
        (Framing::Delimiter(codec), Corruption::Oversize) => Ok(vec![WirePiece::new(
            Part::Payload,
            vec![b'x'; codec.max_frame + codec.delimiter().len()],
        )]),
        (Framing::Fixed(_), Corruption::Oversize) => refuse(NoCorruption::FixedHasNoLength),
        (_, Corruption::Negative) => refuse(NoCorruption::NeedsLengthHeader),
        (_, Corruption::Truncate) => Ok(truncate(pieces)),
    }
}

/// Keep the first half of the frame's bytes (at least one byte, at most all but one).
fn truncate(pieces: &[WirePiece]) -> Vec<WirePiece> {
    let total: usize = pieces.iter().map(|p| p.bytes.len()).sum();
    let mut keep = (total / 2).clamp(1, total.saturating_sub(1).max(1));
    let mut out = Vec::new();
    for piece in pieces {
        if keep == 0 {
            break;
        }
        let n = piece.bytes.len().min(keep);
        out.push(WirePiece::new(piece.part, piece.bytes[..n].to_vec()));
        keep -= n;
    }
    out
}

impl Corruption {
    /// The `--corrupt` value as typed, and as the JSON spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Corruption::Oversize => "oversize",
            Corruption::Truncate => "truncate",
            Corruption::Negative => "negative",
        }
    }
}

/// Feeds every recv() to the frame reader and records each frame it completes.
struct FramedReceiver {
    reader: FrameReader<Box<dyn Decoder + Send>>,
    framing: Framing,
    rec: Recorder,
}

impl Receiver for FramedReceiver {
    fn on_bytes(&mut self, bytes: &[u8], stream: &RecordedStream) -> ControlFlow<()> {
        self.reader.feed(bytes);
        loop {
            match self.reader.next_frame() {
                Ok(Some(frame)) => {
                    let message = self.framing.message_of(frame.payload);
                    self.rec.record_frame(frame.index, frame.offset, message);
                }
                Ok(None) => return ControlFlow::Continue(()),
                Err(e) => {
                    // Nothing after a bad frame can be trusted: stop reading, close.
                    stream.error(EventNote::FrameRefused(e));
                    return ControlFlow::Break(());
                }
            }
        }
    }

    fn on_eof(&mut self, stream: &RecordedStream) {
        if let Err(e) = self.reader.finish() {
            stream.error(EventNote::FrameRefused(e));
        }
    }
}
