//! A `!I` header through lab's struct API next to plain `u32::to_be_bytes` /
//! `from_be_bytes`: the compile-time `ConstFormat` (what the upload protocol uses), the
//! general API (format parsed once at run time, Python values), and the header framed-demo
//! builds from a format at run time.
//!
//! Each iteration packs 1024 lengths into one buffer, or unpacks the 1024 headers of one
//! buffer into lengths and sums them, as a framer does: a single sub-nanosecond call is at
//! the mercy of where the linker puts the loop (identical machine code was seen to measure
//! 0.6 ns in one build and 0.95 ns in the next), a batch is not.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use sticky_lab::framing::length_header_from_format;
use sticky_lab::structfmt::{ConstFormat, StructFormat, Value};

/// struct.Struct('!I'), checked when compiled, as in `sticky_lab::upload`.
const HEADER: ConstFormat<1, 4> = ConstFormat::new("!I");

const BATCH: usize = 1024;

/// Lengths as a framer meets them: payload sizes, as `usize`.
fn lengths() -> Vec<usize> {
    (0..BATCH).map(|i| (i * 7919) % 70_000).collect()
}

fn pack(c: &mut Criterion) {
    let mut group = c.benchmark_group("pack !I");
    group.throughput(Throughput::Elements(BATCH as u64));
    let lengths = lengths();
    let narrow: Vec<u32> = lengths.iter().map(|&n| n as u32).collect();
    let mut out = Vec::with_capacity(4 * BATCH);
    group.bench_function("u32::to_be_bytes, from u32", |b| {
        b.iter(|| {
            out.clear();
            for &n in black_box(&narrow) {
                out.extend_from_slice(&n.to_be_bytes());
            }
            black_box(&out);
        })
    });
    group.bench_function("ConstFormat, from u32", |b| {
        b.iter(|| {
            out.clear();
            for &n in black_box(&narrow) {
                out.extend_from_slice(&HEADER.pack(&[n]).unwrap());
            }
            black_box(&out);
        })
    });
    // From a usize both sides must check the range: 70 000 fits, 2^32 would not.
    group.bench_function("u32::try_from + to_be_bytes, from usize", |b| {
        b.iter(|| {
            out.clear();
            for &n in black_box(&lengths) {
                out.extend_from_slice(&u32::try_from(n).unwrap().to_be_bytes());
            }
            black_box(&out);
        })
    });
    group.bench_function("ConstFormat, from usize", |b| {
        b.iter(|| {
            out.clear();
            for &n in black_box(&lengths) {
                out.extend_from_slice(&HEADER.pack(&[n]).unwrap());
            }
            black_box(&out);
        })
    });
    let general = StructFormat::parse("!I").unwrap();
    group.bench_function("StructFormat (Python values)", |b| {
        b.iter(|| {
            out.clear();
            for &n in black_box(&lengths) {
                general
                    .pack_into(&[Value::Int(n as i128)], &mut out)
                    .unwrap();
            }
            black_box(&out);
        })
    });
    let header = length_header_from_format("!I").unwrap();
    group.bench_function("LengthHeader from '!I'", |b| {
        b.iter(|| {
            out.clear();
            for &n in black_box(&lengths) {
                header.encode(n as u64, &mut out).unwrap();
            }
            black_box(&out);
        })
    });
    group.finish();
}

fn unpack(c: &mut Criterion) {
    let mut group = c.benchmark_group("unpack !I");
    group.throughput(Throughput::Elements(BATCH as u64));
    let headers: Vec<[u8; 4]> = lengths()
        .iter()
        .map(|&n| (n as u32).to_be_bytes())
        .collect();
    group.bench_function("u32::from_be_bytes", |b| {
        b.iter(|| {
            let mut total = 0usize;
            for h in black_box(&headers) {
                total += u32::from_be_bytes(*h) as usize;
            }
            total
        })
    });
    group.bench_function("ConstFormat", |b| {
        b.iter(|| {
            let mut total = 0usize;
            for h in black_box(&headers) {
                let [n] = HEADER.unpack(h);
                total += n as usize;
            }
            total
        })
    });
    let general = StructFormat::parse("!I").unwrap();
    group.bench_function("StructFormat (Python values)", |b| {
        b.iter(|| {
            black_box(&headers)
                .iter()
                .map(|h| match general.unpack(h).unwrap()[..] {
                    [Value::Int(n)] => n as usize,
                    _ => unreachable!("'!I' gives one int"),
                })
                .sum::<usize>()
        })
    });
    let header = length_header_from_format("!I").unwrap();
    group.bench_function("LengthHeader from '!I'", |b| {
        b.iter(|| {
            black_box(&headers)
                .iter()
                .map(|h| header.decode(h) as usize)
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, pack, unpack);
criterion_main!(benches);
