//! Properties of length-prefix framing: however the stream is cut into recv()-sized chunks,
//! the decoder gives back exactly the messages that were sent, in order; a stream that stops
//! inside a frame ends with the unfinished-frame error, never with a message; arbitrary bytes
//! never panic and never grow the buffer past one maximum frame.

use proptest::prelude::*;
use sticky_lab::framing::{
    DEFAULT_MAX_FRAME, FrameErrorKind, FrameReader, HeaderWidth, LengthCodec, LengthHeader,
};

fn codec() -> LengthCodec {
    LengthCodec::new(LengthHeader::default(), DEFAULT_MAX_FRAME)
}

/// Messages from empty to 1 MiB; big ones are rare so the suite stays quick.
fn messages() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let size = prop_oneof![
        8 => 0usize..64,
        3 => 64usize..4096,
        1 => Just(1024 * 1024),
    ];
    let message = size.prop_flat_map(|n| {
        any::<u8>().prop_map(move |b| {
            // Varied bytes without paying for a megabyte of random draws.
            (0..n).map(|i| b.wrapping_add(i as u8)).collect::<Vec<u8>>()
        })
    });
    prop::collection::vec(message, 0..12)
}

/// Cut points as fractions of the stream: any number of chunks, any sizes (including 1 byte).
fn cuts() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(0.0f64..1.0, 0..40)
}

fn encode_all(messages: &[Vec<u8>]) -> Vec<u8> {
    let mut stream = Vec::new();
    for m in messages {
        codec().encode(m, &mut stream).unwrap();
    }
    stream
}

fn chunk_at(stream: &[u8], cuts: &[f64]) -> Vec<std::ops::Range<usize>> {
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|f| (f * stream.len() as f64) as usize)
        .collect();
    points.push(0);
    points.push(stream.len());
    points.sort_unstable();
    points.dedup();
    points.windows(2).map(|w| w[0]..w[1]).collect()
}

/// Feed the chunks, collecting every frame; returns the frames and the reader.
fn decode_chunks(
    stream: &[u8],
    chunks: &[std::ops::Range<usize>],
) -> (Vec<Vec<u8>>, FrameReader<LengthCodec>) {
    let mut reader = FrameReader::new(codec());
    let mut frames = Vec::new();
    for chunk in chunks {
        reader.feed(&stream[chunk.clone()]);
        while let Some(frame) = reader.next_frame().expect("valid stream") {
            frames.push(frame.payload.to_vec());
        }
    }
    (frames, reader)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn any_chunking_gives_back_exactly_the_messages_in_order(
        messages in messages(), cuts in cuts()
    ) {
        let stream = encode_all(&messages);
        let (frames, reader) = decode_chunks(&stream, &chunk_at(&stream, &cuts));
        prop_assert_eq!(frames, messages);
        prop_assert!(reader.finish().is_ok());
    }

    /// The socket loops read straight into the reader's room, may read again before taking
    /// every frame, and give a quiet reader's memory back: no order of those loses a byte.
    #[test]
    fn reads_into_the_room_taken_late_and_shrunk_give_back_exactly_the_messages(
        messages in messages(), cuts in cuts(), habits in prop::collection::vec(0u8..4, 40)
    ) {
        let stream = encode_all(&messages);
        let mut reader = FrameReader::new(codec());
        let mut frames = Vec::new();
        let chunks = chunk_at(&stream, &cuts);
        for (i, chunk) in chunks.iter().enumerate() {
            let mut bytes = &stream[chunk.clone()];
            while !bytes.is_empty() {
                let (first, second) = reader.room(bytes.len());
                prop_assert!(first.len() + second.len() > 0, "a room of 0 bytes");
                let n = (first.len() + second.len()).min(bytes.len());
                let (head, tail) = bytes[..n].split_at(first.len().min(n));
                first[..head.len()].copy_from_slice(head);
                second[..tail.len()].copy_from_slice(tail);
                reader.filled(n);
                bytes = &bytes[n..];
            }
            let habit = habits[i % habits.len()];
            if habit != 0 || i + 1 == chunks.len() {
                while let Some(frame) = reader.next_frame().expect("valid stream") {
                    frames.push(frame.payload.to_vec());
                }
            }
            if habit == 3 {
                reader.shrink_to(0);
            }
        }
        prop_assert_eq!(frames, messages);
        prop_assert!(reader.finish().is_ok());
    }

    #[test]
    fn a_stream_cut_inside_a_frame_ends_with_the_unfinished_frame_error(
        messages in messages().prop_filter("needs a frame", |m| !m.is_empty()),
        cut in 0.0f64..1.0,
        cuts in cuts(),
    ) {
        let stream = encode_all(&messages);
        // Stop strictly inside the last frame.
        let last_len = 4 + messages.last().unwrap().len();
        let last_start = stream.len() - last_len;
        let stop = last_start + 1 + ((cut * (last_len - 1) as f64) as usize).min(last_len - 2);
        let truncated = &stream[..stop];
        let (frames, reader) = decode_chunks(truncated, &chunk_at(truncated, &cuts));
        prop_assert_eq!(&frames[..], &messages[..messages.len() - 1]);
        let err = reader.finish().unwrap_err();
        prop_assert_eq!(err.frame, messages.len());
        let ended_in_frame = matches!(
            err.kind,
            FrameErrorKind::EndedInHeader { .. } | FrameErrorKind::EndedInPayload { .. }
        );
        prop_assert!(ended_in_frame, "{:?}", err.kind);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_never_buffer_more_than_a_frame(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        cuts in cuts(),
        max in 1usize..256,
        width in prop_oneof![Just(HeaderWidth::One), Just(HeaderWidth::Two),
                             Just(HeaderWidth::Four), Just(HeaderWidth::Eight)],
        big_endian in any::<bool>(),
        signed in any::<bool>(),
    ) {
        let header = LengthHeader { width, big_endian, signed };
        let mut reader = FrameReader::new(LengthCodec::new(header, max));
        'feed: for chunk in chunk_at(&bytes, &cuts) {
            reader.feed(&bytes[chunk]);
            loop {
                match reader.next_frame() {
                    Ok(Some(frame)) => prop_assert!(frame.payload.len() <= max),
                    Ok(None) => break,
                    Err(_) => break 'feed,
                }
            }
            // Whatever is left is less than one header plus one maximum frame.
            prop_assert!(reader.pending_len() < header.len() + max);
        }
        let _ = reader.finish();
    }
}

mod other_framings {
    use proptest::prelude::*;
    use sticky_lab::framing::{DelimiterCodec, FixedCodec, FrameReader, Framing};

    fn run(framing: &Framing, messages: &[Vec<u8>], cuts: &[f64]) -> Vec<Vec<u8>> {
        let stream: Vec<u8> = messages
            .iter()
            .flat_map(|m| framing.encode(m).unwrap())
            .flat_map(|p| p.bytes)
            .collect();
        let mut points: Vec<usize> = cuts
            .iter()
            .map(|f| (f * stream.len() as f64) as usize)
            .collect();
        points.extend([0, stream.len()]);
        points.sort_unstable();
        points.dedup();
        let mut reader = FrameReader::new(framing.decoder());
        let mut got = Vec::new();
        for w in points.windows(2) {
            reader.feed(&stream[w[0]..w[1]]);
            while let Some(frame) = reader.next_frame().unwrap() {
                got.push(framing.message_of(frame.payload).to_vec());
            }
        }
        reader.finish().unwrap();
        got
    }

    /// Text-like messages: any bytes but the delimiter (and no trailing zero for records).
    fn messages() -> impl Strategy<Value = Vec<Vec<u8>>> {
        prop::collection::vec(prop::collection::vec(1u8..=255, 0..40), 0..10)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn delimited_messages_come_back_whatever_the_chunking(
            messages in messages(), cuts in prop::collection::vec(0.0f64..1.0, 0..30),
            crlf in any::<bool>(),
        ) {
            let delimiter = if crlf { b"\r\n".to_vec() } else { b"\n".to_vec() };
            let messages: Vec<Vec<u8>> = messages
                .into_iter()
                .map(|m| m.into_iter().filter(|b| *b != b'\n' && *b != b'\r').collect())
                .collect();
            let framing = Framing::Delimiter(DelimiterCodec::new(delimiter, 64));
            prop_assert_eq!(run(&framing, &messages, &cuts), messages);
        }

        /// A tiny alphabet makes delimiters overlap messages and each other all the time:
        /// whatever the encoder accepts must decode to exactly those messages.
        #[test]
        fn any_delimiter_round_trips_what_the_encoder_accepts(
            delimiter in prop::collection::vec(0u8..3, 1..4),
            messages in prop::collection::vec(prop::collection::vec(0u8..3, 0..8), 0..8),
            cuts in prop::collection::vec(0.0f64..1.0, 0..20),
        ) {
            let framing = Framing::Delimiter(DelimiterCodec::new(delimiter, 64));
            let accepted: Vec<Vec<u8>> =
                messages.into_iter().filter(|m| framing.encode(m).is_ok()).collect();
            prop_assert_eq!(run(&framing, &accepted, &cuts), accepted);
        }

        #[test]
        fn fixed_records_come_back_whatever_the_chunking(
            messages in messages(), cuts in prop::collection::vec(0.0f64..1.0, 0..30),
        ) {
            let framing = Framing::Fixed(FixedCodec::new(40));
            prop_assert_eq!(run(&framing, &messages, &cuts), messages);
        }

        #[test]
        fn arbitrary_bytes_never_panic_any_decoder(
            bytes in prop::collection::vec(any::<u8>(), 0..1024),
            max in 1usize..128,
        ) {
            for framing in [
                Framing::Delimiter(DelimiterCodec::new(b"\r\n".to_vec(), max)),
                Framing::Fixed(FixedCodec::new(max)),
            ] {
                let mut reader = FrameReader::new(framing.decoder());
                'feed: for chunk in bytes.chunks(7) {
                    reader.feed(chunk);
                    loop {
                        match reader.next_frame() {
                            Ok(Some(frame)) => prop_assert!(frame.payload.len() <= max),
                            Ok(None) => break,
                            Err(_) => break 'feed,
                        }
                    }
                    // Less than one maximum frame plus a delimiter waits in the buffer.
                    prop_assert!(reader.pending_len() < max + 2);
                }
            }
        }
    }
}
