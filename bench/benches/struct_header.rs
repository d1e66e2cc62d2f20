//! A `!I` header through lab's struct API (format parsed once) next to a plain
//! u32::to_be_bytes / from_be_bytes.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use sticky_lab::framing::length_header_from_format;
use sticky_lab::structfmt::{StructFormat, Value};

fn header(c: &mut Criterion) {
    let format = StructFormat::parse("!I").unwrap();
    let mut group = c.benchmark_group("header");
    group.bench_function("struct pack !I", |b| {
        let mut out = Vec::with_capacity(4);
        b.iter(|| {
            out.clear();
            format
                .pack_into(&[Value::Int(black_box(1234))], &mut out)
                .unwrap();
            black_box(&out);
        })
    });
    group.bench_function("u32::to_be_bytes", |b| {
        let mut out = Vec::with_capacity(4);
        b.iter(|| {
            out.clear();
            out.extend_from_slice(&black_box(1234u32).to_be_bytes());
            black_box(&out);
        })
    });
    // The struct format parsed once into a header (what framed-demo --header uses).
    let header = length_header_from_format("!I").unwrap();
    group.bench_function("header from struct '!I': encode", |b| {
        let mut out = Vec::with_capacity(4);
        b.iter(|| {
            out.clear();
            header.encode(black_box(1234), &mut out).unwrap();
            black_box(&out);
        })
    });
    let bytes = 1234u32.to_be_bytes();
    group.bench_function("header from struct '!I': decode", |b| {
        b.iter(|| black_box(header.decode(black_box(&bytes))))
    });
    group.bench_function("struct unpack !I", |b| {
        b.iter(|| black_box(format.unpack(black_box(&bytes)).unwrap()))
    });
    group.bench_function("u32::from_be_bytes", |b| {
        b.iter(|| black_box(u32::from_be_bytes(*black_box(&bytes))))
    });
    group.finish();
}

criterion_group!(benches, header);
criterion_main!(benches);
