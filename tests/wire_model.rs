//! `--wire` fills the transcript's wire model with every packet of the lesson's connection,
//! both ways — the handshake, the data, the pure ACKs, the FINs — each with the moment it left
//! and the moment loopback delivered it. (The views still show only the client's data
//! segments; charts and pcapng files read the model.)

use sticky_lab::lesson::exchange::ExchangeOptions;
use sticky_lab::lesson::sticky_demo;
use sticky_lab::transcript::{Direction, Fate, Op, TcpFlags, WirePacket, WireSource};

fn flags(p: &WirePacket) -> TcpFlags {
    p.flags()
}

#[test]
fn wire_records_the_handshake_the_data_the_acks_and_the_fins() {
    let options = ExchangeOptions {
        wire: true,
        ..ExchangeOptions::default()
    };
    let messages: Vec<String> = ["hello", "byebye", "again,bye"].map(String::from).to_vec();
    let run = sticky_demo::run(&messages, &options).expect("the lesson runs");
    let t = &run.transcript;
    if let Some(note) = t.events.iter().find_map(|e| {
        let d = e.detail.as_deref()?;
        d.starts_with("--wire: no capture").then_some(d)
    }) {
        eprintln!("skipped: {note}");
        return;
    }
    let wire = &t.wire;
    assert_eq!(wire.source, Some(WireSource::Loopback));
    let (up, down) = (Direction::ToServer, Direction::ToClient);
    let first_up = wire.packets_to(up).next().expect("a packet to the server");
    assert_eq!(
        flags(first_up),
        TcpFlags::SYN,
        "the client's SYN opens the wire"
    );
    let syn_ack = wire
        .packets_to(down)
        .next()
        .expect("a packet to the client");
    assert!(flags(syn_ack).contains(TcpFlags(TcpFlags::SYN.0 | TcpFlags::ACK.0)));
    assert_eq!(syn_ack.tcp.unwrap().rel_ack, Some(1));

    // The data: the 20 bytes, in order, holding the three messages whole.
    let data: Vec<&WirePacket> = wire.packets_to(up).filter(|p| p.is_data()).collect();
    let bytes: usize = data.iter().map(|p| p.payload_len).sum();
    assert_eq!(bytes, 20, "{data:#?}");
    let held: Vec<usize> = data
        .iter()
        .flat_map(|p| t.packet_pieces(p))
        .map(|piece| piece.message)
        .collect();
    assert_eq!(held, [1, 2, 3]);

    // The server acknowledged all 20 bytes with a pure ACK (no data goes back).
    let acks: Vec<&WirePacket> = wire.packets_to(down).filter(|p| p.is_pure_ack()).collect();
    assert!(
        acks.iter().any(|p| p.tcp.unwrap().rel_ack == Some(21)),
        "no ACK of the 20 bytes: {acks:#?}"
    );
    // Both ends closed.
    for direction in [up, down] {
        assert!(
            wire.packets_to(direction)
                .any(|p| flags(p).contains(TcpFlags::FIN)),
            "no FIN {direction:?}"
        );
    }
    // Loopback delivered every packet, after it left; numbers are positions.
    for (i, p) in wire.packets.iter().enumerate() {
        assert_eq!(p.number, i + 1);
        assert!(!p.bytes.is_empty() && p.bytes.len() == p.ip_len);
        match p.fate {
            Fate::Delivered { at_us } => assert!(at_us >= p.sent_us, "{p:#?}"),
            other => panic!("packet {} not delivered: {other:?}", p.number),
        }
    }
    // Dated as they left: the handshake before the first data segment (the kernel once dated
    // it as it was read, after the data).
    let first_data = wire.packets.iter().position(|p| p.is_data()).unwrap();
    for p in &wire.packets[..first_data] {
        let data = &wire.packets[first_data];
        assert!(
            p.sent_us < data.sent_us,
            "dated after the data: {p:#?} {data:#?}"
        );
    }
    // Each segment event names its packet, which carries the same bytes.
    for event in t.events.iter().filter(|e| e.op == Op::Segment) {
        let packet = wire.packet(event.packet.expect("a packet number")).unwrap();
        assert_eq!(packet.direction, up);
        assert!(packet.bytes.ends_with(&event.bytes));
        assert_eq!(packet.offset, event.offset);
    }
}
