//! The side-by-side view of a fixed transcript, colour off, equals the text a student sees.

use sticky_lab::analysis::summarize;
use sticky_lab::framing::{DEFAULT_MAX_FRAME, Framing, LengthCodec, LengthHeader};
use sticky_lab::lesson::exchange::ExchangeOptions;
use sticky_lab::lesson::{ExchangeRun, Transport};
use sticky_lab::render::{self, ColorChoice, ViewOptions};
use sticky_lab::transcript::{EventNote, Op, Side, Transcript};

/// The notes' run: three sends, one late recv of all 20 bytes, then end of stream.
fn notes_run() -> ExchangeRun {
    let messages = vec![b"hello".to_vec(), b"byebye".to_vec(), b"again,bye".to_vec()];
    let mut t = Transcript::of_messages(messages, 0);
    t.push(100, Side::Server, Op::Listen)
        .with_detail("backlog 5");
    let (server, client) = (
        "127.0.0.1:8080".parse().unwrap(),
        "127.0.0.1:50000".parse().unwrap(),
    );
    t.push(300, Side::Client, Op::Connect)
        .with_note(EventNote::Connected {
            peer: server,
            local: client,
            udp: false,
            named: None,
        });
    t.push(400, Side::Server, Op::Accept)
        .with_note(EventNote::Accepted { peer: client });
    // What TCP_INFO said after each send, and at the end: one segment per send.
    t.push(500, Side::Client, Op::Send)
        .with_bytes(0, b"hello")
        .with_segments(1);
    t.push(600, Side::Client, Op::Send)
        .with_bytes(5, b"byebye")
        .with_segments(2);
    t.push(700, Side::Client, Op::Send)
        .with_bytes(11, b"again,bye")
        .with_segments(3);
    t.push(800, Side::Client, Op::Close);
    t.push(900, Side::Server, Op::Note)
        .with_note(EventNote::ReaderDelay { ms: 100 });
    t.push(101_000, Side::Server, Op::Recv)
        .with_bytes(0, b"hellobyebyeagain,bye");
    t.push(101_100, Side::Server, Op::Eof);
    t.push(101_200, Side::Client, Op::Note)
        .with_note(EventNote::SegmentsSent { count: Some(3) })
        .with_segments(3);
    ExchangeRun {
        lesson: "sticky-demo",
        transport: Transport::Tcp,
        options: ExchangeOptions::default(),
        framing: None,
        corrupt: None,
        transcript: t,
    }
}

const EXPECTED: &str = "\
lab sticky-demo — client → server over one TCP connection on loopback
knobs: recv(1024) · reader 100 ms late · send gap 0 ms · Nagle on
setup: server listen (backlog 5) · client connect from 127.0.0.1:50000
messages:  m1 hello  m2 byebye  m3 again,bye

  t ms │ client: send()                     │ server: recv(1024)
───────┼────────────────────────────────────┼───────────────────────────────────
   0.5 │ send    5 B hello                  │
       │             ⇢ wire: 1 segment      │
   0.6 │ send    6 B byebye                 │
       │             ⇢ wire: 1 segment      │
   0.7 │ send    9 B again,bye              │
       │             ⇢ wire: 1 segment      │
   0.8 │ close (FIN: no more bytes)         │
   0.9 │                                    │ sleeps 100 ms (--reader-delay)
 101.0 │                                    │ recv   20 B hellobyebyeagain,bye
       │                                    │             = m1 m2 m3
 101.1 │                                    │ recv    0 B end of stream

measured 3 send() · 1 recv() with data · 20 B sent, 20 B received · 1 merged
         recv() · 0 split messages
wire     the 3 send() calls left as 3 data segments, one each (TCP_INFO), yet
         arrived in 1 recv(): the merge happened in the receiver's buffer, not
         in the sender — it is not Nagle's doing
verdict  3 send() calls arrived in 1 recv(): the message boundaries are gone — 1
         recv() held several messages (粘包).
check    the lesson predicted 1 recv() with data; measured 1, as predicted
next     recv(N) returns whatever bytes have arrived, up to N; TCP keeps no
         message boundaries. See the fix: lab framed-demo
";

/// framed-demo with recv(7): headers split across recvs, frames decoded intact.
fn framed_run() -> ExchangeRun {
    let messages = vec![b"hello".to_vec(), b"ok".to_vec()];
    let stream = b"\x00\x00\x00\x05hello\x00\x00\x00\x02ok";
    let mut t = Transcript::of_messages(messages, 4);
    for (t_us, at) in [(100, 0..4), (110, 4..9), (120, 9..13), (130, 13..15)] {
        t.push(t_us, Side::Client, Op::Send)
            .with_bytes(at.start as u64, &stream[at]);
    }
    t.push(140, Side::Client, Op::Close);
    t.push(100_500, Side::Server, Op::Recv)
        .with_bytes(0, &stream[..7]);
    t.push(100_600, Side::Server, Op::Recv)
        .with_bytes(7, &stream[7..14]);
    t.push(100_700, Side::Server, Op::Frame)
        .with_bytes(0, b"hello")
        .with_message(1);
    t.push(100_800, Side::Server, Op::Recv)
        .with_bytes(14, &stream[14..]);
    t.push(100_900, Side::Server, Op::Frame)
        .with_bytes(9, b"ok")
        .with_message(2);
    t.push(101_000, Side::Server, Op::Eof);
    ExchangeRun {
        lesson: "framed-demo",
        transport: Transport::Tcp,
        options: ExchangeOptions {
            recv_size: 7,
            ..ExchangeOptions::default()
        },
        framing: Some(Framing::Length {
            codec: LengthCodec::new(LengthHeader::default(), DEFAULT_MAX_FRAME),
            format: "!I".into(),
        }),
        corrupt: None,
        transcript: t,
    }
}

const EXPECTED_FRAMED: &str = "\
lab framed-demo — client → server over one TCP connection on loopback
knobs: recv(7) · reader 100 ms late · send gap 0 ms · Nagle on
framing: a !I length header (4 bytes) before each message (hN = header of mN);
max frame 8 MiB
messages:  m1 hello  m2 ok

  t ms │ client: send()                     │ server: recv(7)
───────┼────────────────────────────────────┼───────────────────────────────────
   0.1 │ send    4 B \\x00\\x00\\x00\\x05       │
       │             = h1=5                 │
   0.1 │ send    5 B hello                  │
   0.1 │ send    4 B \\x00\\x00\\x00\\x02       │
       │             = h2=2                 │
   0.1 │ send    2 B ok                     │
   0.1 │ close (FIN: no more bytes)         │
 100.5 │                                    │ recv    7 B \\x00\\x00\\x00\\x05hel
       │                                    │             = h1=5 m1[0..3]
 100.6 │                                    │ recv    7 B lo\\x00\\x00\\x00\\x02o
       │                                    │             = m1[3..5] h2=2
       │                                    │               m2[0..1]
 100.7 │                                    │ frame   5 B hello
       │                                    │             ⇒ m1 intact ✓
 100.8 │                                    │ recv    1 B k
       │                                    │             = m2[1..2]
 100.9 │                                    │ frame   2 B ok
       │                                    │             ⇒ m2 intact ✓
 101.0 │                                    │ recv    0 B end of stream

measured 4 send() · 3 recv() with data · 15 B sent, 15 B received · 1 merged
         recv() · 2 split messages
wire     this kernel does not count data segments (TCP_INFO tcpi_data_segs_out
         needs Linux 4.6+), so the wire cannot be shown; try --wire
verdict  2 messages decoded intact from 3 recv() calls: the !I length header put
         the boundaries back (1 raw recv() still held several messages and 2
         messages were split).
check    the lesson predicted 3 recv() with data; measured 3, as predicted
next     Change how the bytes arrive — --recv-size 1, or --send-gap 20
         --reader-delay 0 — the raw recv() calls change, the decoded messages do
         not.
";

#[test]
fn the_notes_run_renders_as_expected_without_colour() {
    render::init_color(ColorChoice::Never);
    let run = notes_run();
    let text = render::side_by_side::render(&run, &summarize(&run), ViewOptions::default());
    assert_eq!(text, EXPECTED, "\n--- got ---\n{text}");
}

#[test]
fn a_framed_run_shows_headers_pieces_and_intact_frames() {
    render::init_color(ColorChoice::Never);
    let run = framed_run();
    let text = render::side_by_side::render(&run, &summarize(&run), ViewOptions::default());
    assert_eq!(text, EXPECTED_FRAMED, "\n--- got ---\n{text}");
}
