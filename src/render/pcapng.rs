//! `--pcap FILE`: the wire model as a pcapng file for Wireshark and tshark. Every packet lab
//! saw, both ways, with the time it left its sender; each packet's comment names the message
//! pieces its payload holds (`m1[3..5] h2=6 m2[0..1]`) and what the path did to it.
//!
//! Written by hand: lab writes three block types and never reads one. Each block is
//!
//! ```text
//! type u32 · total length u32 · body · options · total length u32 (again)
//! ```
//!
//! in this machine's byte order (the section header's magic says which). The blocks:
//! a Section Header (magic 0x1A2B3C4D, version 1.0, the writer's name), one Interface
//! Description (LINKTYPE_RAW = 101: each packet starts with its IPv4 header; if_tsresol = 6:
//! timestamps in microseconds), then an Enhanced Packet Block per packet (timestamp as one
//! 64-bit count split in two 32-bit halves, captured and original length, the bytes padded to
//! 4, the comment as opt_comment).
//!
//! A file may hold the packets of several connections (`lab trace --net`'s, stall-demo's ways
//! of sending), each named by its own transcript: they go out in the order they left, each
//! comment led by its part's label.

use super::chart::{Words, packet_notes};
use super::text::piece_name;
use crate::lang::Lang;
use crate::transcript::{Direction, Transcript, WirePacket, WireSource};

const SECTION_HEADER: u32 = 0x0A0D_0D0A;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
const INTERFACE_DESCRIPTION: u32 = 1;
const ENHANCED_PACKET: u32 = 6;
/// Raw IP: no link-layer header before the IPv4 header.
const LINKTYPE_RAW: u16 = 101;
const OPT_END: u16 = 0;
const OPT_COMMENT: u16 = 1;
const SHB_USER_APPLICATION: u16 = 4;
const IF_NAME: u16 = 2;
const IF_TSRESOL: u16 = 9;
/// Piece names a comment lists before it sums up the rest.
const MAX_NAMED_PIECES: usize = 24;

/// One connection's packets in a file of several: its transcript names their pieces, its
/// label (e.g. `#2`) leads their comments.
#[derive(Debug, Clone, Copy)]
pub struct Part<'a> {
    pub transcript: &'a Transcript,
    pub label: Option<&'a str>,
}

/// The transcript's packets as a pcapng file; `title` (e.g. `lab sticky-demo --wire`) goes
/// into the section's comment.
pub fn render(t: &Transcript, title: &str, lang: Lang) -> Vec<u8> {
    render_parts(
        &[Part {
            transcript: t,
            label: None,
        }],
        title,
        lang,
    )
}

/// The packets of several connections as one pcapng file, in the order they left.
pub fn render_parts(parts: &[Part<'_>], title: &str, lang: Lang) -> Vec<u8> {
    let words = Words(lang);
    let kept: usize = parts.iter().map(|p| p.transcript.wire.packets.len()).sum();
    let not_kept: u64 = parts
        .iter()
        .map(|p| p.transcript.wire.packets_not_kept)
        .sum();
    let bytes: usize = parts
        .iter()
        .flat_map(|p| &p.transcript.wire.packets)
        .map(|p| p.bytes.len() + 64)
        .sum();
    let mut out = Vec::with_capacity(bytes);
    let summary = words.pcap_summary(title, kept, not_kept);
    let application = format!("lab (sticky-lab {})", env!("CARGO_PKG_VERSION"));
    let mut body = Vec::new();
    body.extend(BYTE_ORDER_MAGIC.to_ne_bytes());
    body.extend(1u16.to_ne_bytes());
    body.extend(0u16.to_ne_bytes());
    // Section length unknown (-1): readers walk the blocks.
    body.extend((-1i64).to_ne_bytes());
    text_option(&mut body, SHB_USER_APPLICATION, &application);
    text_option(&mut body, OPT_COMMENT, &summary);
    end_options(&mut body);
    block(&mut out, SECTION_HEADER, &body);

    let mut body = Vec::new();
    body.extend(LINKTYPE_RAW.to_ne_bytes());
    body.extend(0u16.to_ne_bytes());
    body.extend(0u32.to_ne_bytes()); // snap length: no limit
    let source = parts.iter().find_map(|p| p.transcript.wire.source);
    let name = match source {
        Some(WireSource::Link) => "lab link (--net)",
        _ => "lo (--wire)",
    };
    text_option(&mut body, IF_NAME, name);
    option(&mut body, IF_TSRESOL, &[6]);
    end_options(&mut body);
    block(&mut out, INTERFACE_DESCRIPTION, &body);

    // Every packet with the time it left (on the wall clock: each part has its own origin).
    let mut packets: Vec<(u64, &Part<'_>, &WirePacket)> = parts
        .iter()
        .flat_map(|part| {
            let wire = &part.transcript.wire;
            wire.packets
                .iter()
                .map(move |p| (wire.clock_origin_unix_us + p.sent_us, part, p))
        })
        .collect();
    packets.sort_by_key(|(stamp, ..)| *stamp);
    for (stamp, part, p) in packets {
        let mut body = Vec::with_capacity(p.bytes.len() + 96);
        body.extend(0u32.to_ne_bytes()); // interface 0
        body.extend(((stamp >> 32) as u32).to_ne_bytes());
        body.extend((stamp as u32).to_ne_bytes());
        body.extend((p.bytes.len() as u32).to_ne_bytes());
        body.extend((p.ip_len.max(p.bytes.len()) as u32).to_ne_bytes());
        body.extend(&p.bytes);
        pad(&mut body);
        let mut note = comment(part.transcript, p, words);
        if let Some(label) = part.label {
            note = note.replacen("lab ", &format!("lab [{label}] "), 1);
        }
        text_option(&mut body, OPT_COMMENT, &note);
        end_options(&mut body);
        block(&mut out, ENHANCED_PACKET, &body);
    }
    out
}

/// `lab #7 client → server: m1[3..5] h2=6 m2[0..1] · ↻ retransmission`.
fn comment(t: &Transcript, p: &WirePacket, words: Words) -> String {
    let (from, to) = match p.direction {
        Direction::ToServer => (words.client(), words.server()),
        Direction::ToClient => (words.server(), words.client()),
    };
    let mut text = format!("lab #{} {from} → {to}", p.number);
    let pieces = t.packet_pieces(p);
    if !pieces.is_empty() {
        let names: Vec<String> = pieces
            .iter()
            .take(MAX_NAMED_PIECES)
            .map(|piece| piece_name(t, piece))
            .collect();
        text.push_str(": ");
        text.push_str(&names.join(" "));
        if pieces.len() > MAX_NAMED_PIECES {
            text.push_str(&format!(" … +{}", pieces.len() - MAX_NAMED_PIECES));
        }
    }
    for (note, _) in packet_notes(p, words) {
        text.push_str(" · ");
        text.push_str(&note);
    }
    text
}

/// A block: its type and length, the body (already a multiple of 4), the length again.
fn block(out: &mut Vec<u8>, kind: u32, body: &[u8]) {
    let total = (body.len() + 12) as u32;
    out.extend(kind.to_ne_bytes());
    out.extend(total.to_ne_bytes());
    out.extend(body);
    out.extend(total.to_ne_bytes());
}

/// An option: code, length, the value padded to 4 bytes.
fn option(body: &mut Vec<u8>, code: u16, value: &[u8]) {
    body.extend(code.to_ne_bytes());
    body.extend((value.len() as u16).to_ne_bytes());
    body.extend(value);
    pad(body);
}

/// A text option, cut on a character boundary to the longest an option can hold.
fn text_option(body: &mut Vec<u8>, code: u16, text: &str) {
    let mut end = text.len().min(usize::from(u16::MAX) - 3);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    option(body, code, &text.as_bytes()[..end]);
}

fn end_options(body: &mut Vec<u8>) {
    body.extend(OPT_END.to_ne_bytes());
    body.extend(0u16.to_ne_bytes());
}

fn pad(body: &mut Vec<u8>) {
    while body.len() % 4 != 0 {
        body.push(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::{Fate, Wire};

    fn u32_at(bytes: &[u8], at: usize) -> u32 {
        u32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn blocks_chain_by_their_lengths_and_each_ends_with_its_length_again() {
        let packet = WirePacket {
            number: 1,
            direction: Direction::ToServer,
            sent_us: 5,
            fate: Fate::Unknown,
            duplicate_of: None,
            reordered: false,
            protocol: 6,
            tcp: None,
            ip_len: 41,
            payload_len: 1,
            offset: None,
            retransmission: true,
            bytes: vec![0x45; 41],
        };
        let t = Transcript {
            wire: Wire {
                packets: vec![packet],
                ..Wire::default()
            },
            ..Transcript::default()
        };
        let file = render(&t, "lab test", Lang::En);
        let mut at = 0;
        let mut kinds = Vec::new();
        while at < file.len() {
            let (kind, len) = (u32_at(&file, at), u32_at(&file, at + 4) as usize);
            assert_eq!(len % 4, 0);
            assert_eq!(u32_at(&file, at + len - 4) as usize, len);
            kinds.push(kind);
            at += len;
        }
        assert_eq!(at, file.len());
        assert_eq!(
            kinds,
            [SECTION_HEADER, INTERFACE_DESCRIPTION, ENHANCED_PACKET]
        );
        let text = String::from_utf8_lossy(&file);
        assert!(
            text.contains("lab #1 client → server · ↻ retransmission"),
            "{text}"
        );
        assert!(text.contains("lab test: 1 packets"), "{text}");
        let zh = render(&t, "lab test", Lang::Zh);
        let text = String::from_utf8_lossy(&zh);
        assert!(text.contains("lab test：1 个包"), "{text}");
    }
}
