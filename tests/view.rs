//! The side-by-side view of a fixed transcript, colour off, equals the text a student sees.

use std::time::Duration;

use sticky_lab::analysis::summarize;
use sticky_lab::lesson::LessonRun;
use sticky_lab::lesson::exchange::ExchangeOptions;
use sticky_lab::render::{self, ColorChoice, ViewOptions};
use sticky_lab::transcript::{Event, Op, Side, Transcript, layout_spans};

fn event(
    seq: usize,
    t_us: u64,
    side: Side,
    op: Op,
    offset: Option<u64>,
    bytes: &[u8],
    detail: Option<&str>,
) -> Event {
    Event {
        seq,
        t_us,
        side,
        op,
        offset,
        bytes: bytes.to_vec(),
        message: None,
        detail: detail.map(str::to_string),
    }
}

/// The notes' run: three sends, one late recv of all 20 bytes, then end of stream.
fn notes_run() -> LessonRun {
    let messages = vec![b"hello".to_vec(), b"byebye".to_vec(), b"again,bye".to_vec()];
    let events = vec![
        event(
            1,
            100,
            Side::Server,
            Op::Listen,
            None,
            b"",
            Some("(backlog 5)"),
        ),
        event(
            2,
            300,
            Side::Client,
            Op::Connect,
            None,
            b"",
            Some("127.0.0.1:8080 from 127.0.0.1:50000"),
        ),
        event(
            3,
            400,
            Side::Server,
            Op::Accept,
            None,
            b"",
            Some("from 127.0.0.1:50000"),
        ),
        event(4, 500, Side::Client, Op::Send, Some(0), b"hello", None),
        event(5, 600, Side::Client, Op::Send, Some(5), b"byebye", None),
        event(6, 700, Side::Client, Op::Send, Some(11), b"again,bye", None),
        event(7, 800, Side::Client, Op::Close, None, b"", None),
        event(
            8,
            900,
            Side::Server,
            Op::Note,
            None,
            b"",
            Some("sleeps 100 ms (--reader-delay)"),
        ),
        event(
            9,
            101_000,
            Side::Server,
            Op::Recv,
            Some(0),
            b"hellobyebyeagain,bye",
            None,
        ),
        event(10, 101_100, Side::Server, Op::Eof, None, b"", None),
    ];
    LessonRun {
        lesson: "sticky-demo",
        options: ExchangeOptions {
            recv_size: 1024,
            reader_delay: Duration::from_millis(100),
            send_gap: Duration::ZERO,
            nodelay: false,
        },
        framing: None,
        transcript: Transcript {
            spans: layout_spans(&messages, 0),
            messages,
            events,
        },
    }
}

const EXPECTED: &str = "\
lab sticky-demo — client → server over one TCP connection on loopback
knobs: recv(1024) · reader 100 ms late · send gap 0 ms · Nagle on
messages:  m1 hello  m2 byebye  m3 again,bye

  t ms │ client: send()                     │ server: recv(1024)
───────┼────────────────────────────────────┼───────────────────────────────────
   0.1 │                                    │ listen (backlog 5)
   0.3 │ connect 127.0.0.1:8080             │
   0.4 │                                    │ accept from 127.0.0.1:50000
   0.5 │ send    5 B hello                  │
   0.6 │ send    6 B byebye                 │
   0.7 │ send    9 B again,bye              │
   0.8 │ close (FIN: no more bytes)         │
   0.9 │                                    │ sleeps 100 ms (--reader-delay)
 101.0 │                                    │ recv   20 B hellobyebyeagain,bye
       │                                    │             = m1 m2 m3
 101.1 │                                    │ recv    0 B end of stream

measured 3 send() · 1 recv() with data · 20 B sent, 20 B received · 1 merged
         recv() · 0 split messages
verdict  3 send() calls arrived in 1 recv(): the message boundaries are gone — 1
         recv() held several messages (粘包).
check    the lesson predicted 1 recv() with data; measured 1, as predicted
next     recv(N) returns whatever bytes have arrived, up to N; TCP keeps no
         message boundaries. See the fix: lab framed-demo
";

#[test]
fn the_notes_run_renders_as_expected_without_colour() {
    render::init_color(ColorChoice::Never);
    let run = notes_run();
    let text = render::side_by_side::render(&run, &summarize(&run), ViewOptions::default());
    assert_eq!(text, EXPECTED, "\n--- got ---\n{text}");
}
