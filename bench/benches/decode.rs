//! Length-prefix decoding throughput: lab's FrameReader next to tokio-util's
//! LengthDelimitedCodec on the same bytes, fed in 64 KiB chunks as a socket would deliver
//! them, for 16-byte, 1 KiB and 64 KiB frames, with a plain copy of the same chunks as the
//! physical limit.
//!
//! What each side does with a chunk, so that none is judged on work the other skips:
//! - lab: `feed` copies the chunk into the reader's room, where a readv() into
//!   `FrameReader::room` would have put it; each frame comes back as a `&[u8]` into that
//!   buffer (no copy), and its length is added up.
//! - tokio-util: `extend_from_slice` copies the chunk into the codec's `BytesMut`, where
//!   `FramedRead` would have read it; each frame comes back as a `BytesMut` split off that
//!   buffer (`split_to`: no copy, a reference count), and its length is added up. When the
//!   `BytesMut` runs out of room it moves the unread part of a frame to its front, or to a
//!   bigger allocation.
//! - memcpy: the chunk is copied into one reused 64 KiB buffer, and nothing else.

use bytes::BytesMut;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
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
    for chunk in black_box(stream).chunks(CHUNK) {
        reader.feed(chunk);
        while let Some(frame) = reader.next_frame().unwrap() {
            frames += 1;
            bytes += frame.payload.len();
        }
    }
    black_box(bytes);
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
    for chunk in black_box(stream).chunks(CHUNK) {
        buf.extend_from_slice(chunk);
        while let Some(frame) = codec.decode(&mut buf).unwrap() {
            frames += 1;
            bytes += frame.len();
        }
    }
    black_box(bytes);
    frames
}

/// The yardstick: each chunk copied into one reused buffer, as a recv() into a fixed buffer
/// would, and nothing else. `black_box` on the source and on the copy after each chunk keeps
/// the compiler from eliding or merging the copies.
fn memcpy_chunks(stream: &[u8], into: &mut [u8]) -> usize {
    let mut bytes = 0;
    for chunk in black_box(stream).chunks(CHUNK) {
        into[..chunk.len()].copy_from_slice(chunk);
        black_box(&mut *into);
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
