//! Length-prefix decoding throughput: lab's FrameReader next to tokio-util's
//! LengthDelimitedCodec on the same bytes, fed in 64 KiB chunks as a socket would deliver
//! them, for 16-byte, 1 KiB and 64 KiB frames.

use bytes::BytesMut;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sticky_lab::framing::{FrameReader, LengthCodec, LengthHeader};
use tokio_util::codec::{Decoder, LengthDelimitedCodec};

/// About 4 MiB of frames of `size` bytes each, as one stream.
fn stream_of(size: usize) -> (Vec<u8>, usize) {
    let count = (4 << 20) / (size + 4);
    let codec = LengthCodec::new(LengthHeader::default(), 1 << 20);
    let payload: Vec<u8> = (0..size).map(|i| i as u8).collect();
    let mut stream = Vec::with_capacity(count * (size + 4));
    for _ in 0..count {
        codec.encode(&payload, &mut stream).unwrap();
    }
    (stream, count)
}

const CHUNK: usize = 64 * 1024;

fn lab_decode(stream: &[u8]) -> usize {
    let mut reader = FrameReader::new(LengthCodec::new(LengthHeader::default(), 1 << 20));
    let mut frames = 0;
    let mut bytes = 0;
    for chunk in stream.chunks(CHUNK) {
        reader.feed(chunk);
        while let Some(frame) = reader.next_frame().unwrap() {
            frames += 1;
            bytes += frame.payload.len();
        }
    }
    std::hint::black_box(bytes);
    frames
}

fn tokio_decode(stream: &[u8]) -> usize {
    let mut codec = LengthDelimitedCodec::builder()
        .big_endian()
        .length_field_length(4)
        .max_frame_length(1 << 20)
        .new_codec();
    let mut buf = BytesMut::with_capacity(CHUNK);
    let mut frames = 0;
    let mut bytes = 0;
    for chunk in stream.chunks(CHUNK) {
        buf.extend_from_slice(chunk);
        while let Some(frame) = codec.decode(&mut buf).unwrap() {
            frames += 1;
            bytes += frame.len();
        }
    }
    std::hint::black_box(bytes);
    frames
}

/// The yardstick: each chunk copied into one reused buffer, as a recv() into a fixed buffer
/// would, and nothing else. `black_box` on both sides keeps the copy from being elided.
fn memcpy_chunks(stream: &[u8], into: &mut [u8]) -> usize {
    let mut bytes = 0;
    for chunk in std::hint::black_box(stream).chunks(CHUNK) {
        into[..chunk.len()].copy_from_slice(chunk);
        std::hint::black_box(&mut *into);
        bytes += chunk.len();
    }
    bytes
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    for size in [16usize, 1024, 64 * 1024] {
        let (stream, count) = stream_of(size);
        assert_eq!(lab_decode(&stream), count);
        assert_eq!(tokio_decode(&stream), count);
        group.throughput(Throughput::Bytes(stream.len() as u64));
        group.bench_with_input(BenchmarkId::new("lab", size), &stream, |b, s| {
            b.iter(|| lab_decode(s))
        });
        group.bench_with_input(BenchmarkId::new("tokio-util", size), &stream, |b, s| {
            b.iter(|| tokio_decode(s))
        });
        let mut into = vec![0u8; CHUNK];
        group.bench_with_input(BenchmarkId::new("memcpy", size), &stream, |b, s| {
            b.iter(|| memcpy_chunks(s, &mut into))
        });
    }
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
