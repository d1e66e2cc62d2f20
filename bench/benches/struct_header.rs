//! A `!I` header through lab's struct API next to plain `u32::to_be_bytes` /
//! `from_be_bytes`: the compile-time `ConstFormat` (what the upload protocol uses), the
//! general API (format parsed once at run time, Python values), and the header framed-demo
//! builds from a format at run time.
//!
//! Packing appends the 4 bytes to a buffer; unpacking turns them into a `usize` length, as
//! a decoder does next. (Black-boxing a raw `i128` instead costs ~5 ns of store and reload
//! in the harness alone: the unpack itself compiles to the same `mov` + `bswap`.)

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use sticky_lab::framing::length_header_from_format;
use sticky_lab::structfmt::{ConstFormat, StructFormat, Value};

/// struct.Struct('!I'), checked when compiled, as in `sticky_lab::upload`.
const HEADER: ConstFormat<1, 4> = ConstFormat::new("!I");

fn pack(c: &mut Criterion) {
    let mut group = c.benchmark_group("pack !I");
    let mut out = Vec::with_capacity(4);
    group.bench_function("u32::to_be_bytes", |b| {
        b.iter(|| {
            out.clear();
            out.extend_from_slice(&black_box(1234u32).to_be_bytes());
            black_box(&out);
        })
    });
    group.bench_function("ConstFormat, from a u32", |b| {
        b.iter(|| {
            out.clear();
            out.extend_from_slice(&HEADER.pack(&[black_box(1234u32)]).unwrap());
            black_box(&out);
        })
    });
    // A length usually starts as a usize (payload.len()): then both sides check its range.
    group.bench_function("u32::try_from(usize), then to_be_bytes", |b| {
        b.iter(|| {
            out.clear();
            let len = u32::try_from(black_box(1234usize)).unwrap();
            out.extend_from_slice(&len.to_be_bytes());
            black_box(&out);
        })
    });
    group.bench_function("ConstFormat, from a usize", |b| {
        b.iter(|| {
            out.clear();
            out.extend_from_slice(&HEADER.pack(&[black_box(1234usize)]).unwrap());
            black_box(&out);
        })
    });
    let general = StructFormat::parse("!I").unwrap();
    group.bench_function("StructFormat (Python values)", |b| {
        b.iter(|| {
            out.clear();
            general
                .pack_into(&[Value::Int(black_box(1234))], &mut out)
                .unwrap();
            black_box(&out);
        })
    });
    let header = length_header_from_format("!I").unwrap();
    group.bench_function("LengthHeader from '!I'", |b| {
        b.iter(|| {
            out.clear();
            header.encode(black_box(1234), &mut out).unwrap();
            black_box(&out);
        })
    });
    group.finish();
}

fn unpack(c: &mut Criterion) {
    let mut group = c.benchmark_group("unpack !I");
    let bytes = 1234u32.to_be_bytes();
    group.bench_function("u32::from_be_bytes", |b| {
        b.iter(|| black_box(u32::from_be_bytes(*black_box(&bytes)) as usize))
    });
    group.bench_function("ConstFormat", |b| {
        b.iter(|| black_box(HEADER.unpack(black_box(&bytes))[0] as usize))
    });
    let general = StructFormat::parse("!I").unwrap();
    group.bench_function("StructFormat (Python values)", |b| {
        b.iter(|| match general.unpack(black_box(&bytes)).unwrap()[..] {
            [Value::Int(n)] => black_box(n as usize),
            _ => unreachable!("'!I' gives one int"),
        })
    });
    let header = length_header_from_format("!I").unwrap();
    group.bench_function("LengthHeader from '!I'", |b| {
        b.iter(|| black_box(header.decode(black_box(&bytes)) as usize))
    });
    group.finish();
}

criterion_group!(benches, pack, unpack);
criterion_main!(benches);
