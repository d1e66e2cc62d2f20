//! Any format text through the struct parser, then unpack and pack with what it gives:
//! errors are fine, panics and huge allocations are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sticky_lab::structfmt::{StructFormat, tuple_repr};

fuzz_target!(|data: &[u8]| {
    let (format, rest) = data.split_at(data.len().min(usize::from(data.first().copied().unwrap_or(0)) % 24));
    let Ok(format) = std::str::from_utf8(format) else { return };
    let Ok(parsed) = StructFormat::parse(format) else { return };
    if parsed.size() > 1 << 16 {
        return;
    }
    assert_eq!(parsed.layout().map(|item| item.size).sum::<usize>(), parsed.size());
    let mut buffer = rest.to_vec();
    buffer.resize(parsed.size(), 0);
    // A buffer of exactly size() unpacks, except where CPython itself fails ('0p').
    let Ok(values) = parsed.unpack(&buffer) else { return };
    let _ = tuple_repr(&values);
    // Whatever unpack gives, pack takes back (the bytes may differ: padding, bools, 'p').
    parsed.pack(&values).expect("unpacked values pack again");
});
