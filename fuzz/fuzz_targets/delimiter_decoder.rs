//! Arbitrary bytes, cut into arbitrary chunks, through the delimiter decoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sticky_lab::framing::{DelimiterCodec, FrameReader};

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, stream)) = data.split_first() else { return };
    let delimiter = if knobs & 1 == 0 { b"\n".to_vec() } else { b"\r\n".to_vec() };
    let max = usize::from(knobs >> 2) + 1;
    let mut reader = FrameReader::new(DelimiterCodec::new(delimiter, max));
    for chunk in stream.chunks(usize::from(knobs % 11) + 1) {
        reader.feed(chunk);
        loop {
            match reader.next_frame() {
                Ok(Some(frame)) => assert!(frame.payload.len() <= max),
                Ok(None) => break,
                Err(_) => return,
            }
        }
        assert!(reader.pending_len() < max + 2);
    }
    let _ = reader.finish();
});
