//! Arbitrary bytes, cut into arbitrary chunks, through the length-prefix decoder with every
//! header shape: frames never exceed the maximum, nothing panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sticky_lab::framing::{FrameReader, HeaderWidth, LengthCodec, LengthHeader};

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, stream)) = data.split_first() else { return };
    let width = [HeaderWidth::One, HeaderWidth::Two, HeaderWidth::Four, HeaderWidth::Eight]
        [usize::from(knobs & 3)];
    let header = LengthHeader { width, big_endian: knobs & 4 != 0, signed: knobs & 8 != 0 };
    let max = usize::from(knobs >> 4) * 64 + 1;
    let mut reader = FrameReader::new(LengthCodec::new(header, max));
    for chunk in stream.chunks(usize::from(knobs % 13) + 1) {
        reader.feed(chunk);
        loop {
            match reader.next_frame() {
                Ok(Some(frame)) => assert!(frame.payload.len() <= max),
                Ok(None) => break,
                Err(_) => return,
            }
        }
        assert!(reader.pending_len() < header.len() + max);
    }
    let _ = reader.finish();
});
