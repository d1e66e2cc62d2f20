//! Arbitrary bytes, cut into arbitrary chunks, through the fixed-record decoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sticky_lab::framing::{FixedCodec, FrameReader};

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, stream)) = data.split_first() else { return };
    let record_size = usize::from(knobs) + 1;
    let mut reader = FrameReader::new(FixedCodec::new(record_size));
    for chunk in stream.chunks(usize::from(knobs % 9) + 1) {
        reader.feed(chunk);
        while let Some(frame) = reader.next_frame().expect("records never fail") {
            assert_eq!(frame.payload.len(), record_size);
        }
        assert!(reader.pending_len() < record_size);
    }
    let _ = reader.finish();
});
