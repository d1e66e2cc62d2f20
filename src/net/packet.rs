//! Reading IPv4 packets, sans-IO: bytes in, the header fields the wire model keeps out (TCP
//! and UDP ports, TCP sequence numbers, flags, window, and a SYN's MSS and window-scale
//! options). Anything truncated or not IPv4 is `None`; nothing here allocates.
//!
//! ```text
//!  IPv4 header (IHL × 4 bytes)        TCP header (data offset × 4 bytes)      payload
//! ┌────────────────────────────────┬──────────────────────────────────────┬──────────┐
//! │ ver/IHL · total length · proto │ ports · seq · ack · flags · window · │  bytes   │
//! │ · fragment offset · addresses  │ options (MSS, window scale, …)       │          │
//! └────────────────────────────────┴──────────────────────────────────────┴──────────┘
//! ```

use std::net::Ipv4Addr;

/// IP protocol numbers.
pub const PROTO_TCP: u8 = 6;
pub const PROTO_UDP: u8 = 17;

/// The IPv4 header fields a packet's description needs, and what it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4Packet<'a> {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub protocol: u8,
    /// The header's total length: the packet's length on the wire.
    pub total_len: usize,
    /// The IP header's length.
    pub header_len: usize,
    pub transport: Transport<'a>,
}

/// What an IPv4 packet carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport<'a> {
    Tcp(TcpSegment<'a>),
    Udp(UdpDatagram<'a>),
    /// Another protocol, or an IP fragment after the first (its transport header is in the
    /// first fragment): the bytes after the IP header.
    Other(&'a [u8]),
}

/// A TCP header and its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpSegment<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub window: u16,
    /// The MSS option, when present (SYNs).
    pub mss: Option<u16>,
    /// The window-scale option, when present (SYNs).
    pub window_scale: Option<u8>,
    /// Bytes of options in the header (a data segment with timestamps: 12).
    pub options_len: u8,
    pub payload: &'a [u8],
}

/// A UDP header and its payload (a first fragment holds only the start of the payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpDatagram<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub payload: &'a [u8],
}

impl Ipv4Packet<'_> {
    /// The TCP segment, if this packet carries one.
    pub fn tcp(&self) -> Option<&TcpSegment<'_>> {
        match &self.transport {
            Transport::Tcp(segment) => Some(segment),
            _ => None,
        }
    }

    /// Source and destination ports, for TCP and UDP.
    pub fn ports(&self) -> Option<(u16, u16)> {
        match &self.transport {
            Transport::Tcp(t) => Some((t.src_port, t.dst_port)),
            Transport::Udp(u) => Some((u.src_port, u.dst_port)),
            Transport::Other(_) => None,
        }
    }

    /// The bytes after the transport header (after the IP header for `Other`).
    pub fn payload(&self) -> &[u8] {
        match &self.transport {
            Transport::Tcp(t) => t.payload,
            Transport::Udp(u) => u.payload,
            Transport::Other(bytes) => bytes,
        }
    }
}

/// Parse an IPv4 packet. Bytes past the header's total length (link padding) are ignored.
pub fn parse_ipv4(packet: &[u8]) -> Option<Ipv4Packet<'_>> {
    let first = *packet.first()?;
    let header_len = usize::from(first & 0x0f) * 4;
    if first >> 4 != 4 || header_len < 20 {
        return None;
    }
    let total_len = usize::from(u16::from_be_bytes([*packet.get(2)?, *packet.get(3)?]));
    let packet = packet.get(..total_len)?;
    let header = packet.get(..header_len)?;
    let protocol = header[9];
    let fragment_offset = u16::from_be_bytes([header[6], header[7]]) & 0x1fff;
    let body = &packet[header_len..];
    let transport = match protocol {
        _ if fragment_offset != 0 => Transport::Other(body),
        PROTO_TCP => Transport::Tcp(parse_tcp(body)?),
        PROTO_UDP => Transport::Udp(parse_udp(body)?),
        _ => Transport::Other(body),
    };
    Some(Ipv4Packet {
        src: Ipv4Addr::new(header[12], header[13], header[14], header[15]),
        dst: Ipv4Addr::new(header[16], header[17], header[18], header[19]),
        protocol,
        total_len,
        header_len,
        transport,
    })
}

fn parse_tcp(tcp: &[u8]) -> Option<TcpSegment<'_>> {
    let header_len = usize::from(tcp.get(12)? >> 4) * 4;
    if header_len < 20 {
        return None;
    }
    let header = tcp.get(..header_len)?;
    let mut segment = TcpSegment {
        src_port: u16::from_be_bytes([header[0], header[1]]),
        dst_port: u16::from_be_bytes([header[2], header[3]]),
        seq: u32::from_be_bytes([header[4], header[5], header[6], header[7]]),
        ack: u32::from_be_bytes([header[8], header[9], header[10], header[11]]),
        flags: header[13],
        window: u16::from_be_bytes([header[14], header[15]]),
        mss: None,
        window_scale: None,
        // At most 60 - 20: the data offset field has four bits.
        options_len: (header_len - 20) as u8,
        payload: tcp.get(header_len..)?,
    };
    read_options(&header[20..], &mut segment);
    Some(segment)
}

/// Walk the TCP options (kind, length, value…) for MSS (2) and window scale (3).
fn read_options(mut options: &[u8], segment: &mut TcpSegment<'_>) {
    while let Some(&kind) = options.first() {
        match kind {
            0 => return,
            1 => options = &options[1..],
            _ => {
                let Some(&len) = options.get(1) else { return };
                let len = usize::from(len);
                let Some(value) = options.get(2..len.max(2)) else {
                    return;
                };
                match (kind, value) {
                    (2, &[a, b]) => segment.mss = Some(u16::from_be_bytes([a, b])),
                    (3, &[shift]) => segment.window_scale = Some(shift),
                    _ => {}
                }
                // A length under 2 would never advance: stop there.
                if len < 2 {
                    return;
                }
                options = &options[len..];
            }
        }
    }
}

fn parse_udp(udp: &[u8]) -> Option<UdpDatagram<'_>> {
    let header = udp.get(..8)?;
    Some(UdpDatagram {
        src_port: u16::from_be_bytes([header[0], header[1]]),
        dst_port: u16::from_be_bytes([header[2], header[3]]),
        payload: &udp[8..],
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An IPv4 packet from 127.0.0.1 to 127.0.0.2 around `body`, with `protocol`.
    pub(crate) fn ipv4(protocol: u8, body: &[u8]) -> Vec<u8> {
        let mut packet = vec![
            0x45, 0, 0, 0, 0, 0, 0, 0, 64, protocol, 0, 0, 127, 0, 0, 1, 127, 0, 0, 2,
        ];
        packet.extend(body);
        let total = packet.len() as u16;
        packet[2..4].copy_from_slice(&total.to_be_bytes());
        packet
    }

    /// A TCP header with the given fields and options, then `payload`.
    pub(crate) fn tcp(
        ports: (u16, u16),
        seq: u32,
        ack: u32,
        flags: u8,
        options: &[u8],
        payload: &[u8],
    ) -> Vec<u8> {
        let mut tcp = vec![0u8; 20];
        tcp[0..2].copy_from_slice(&ports.0.to_be_bytes());
        tcp[2..4].copy_from_slice(&ports.1.to_be_bytes());
        tcp[4..8].copy_from_slice(&seq.to_be_bytes());
        tcp[8..12].copy_from_slice(&ack.to_be_bytes());
        tcp[12] = (((20 + options.len()) / 4) << 4) as u8;
        tcp[13] = flags;
        tcp[14..16].copy_from_slice(&512u16.to_be_bytes());
        tcp.extend(options);
        tcp.extend(payload);
        tcp
    }

    #[test]
    fn a_tcp_data_segment_parses() {
        let packet = ipv4(PROTO_TCP, &tcp((5000, 80), 1000, 7, 0x18, &[], b"hello"));
        let parsed = parse_ipv4(&packet).unwrap();
        let t = parsed.tcp().unwrap();
        assert_eq!((t.src_port, t.dst_port, t.seq, t.ack), (5000, 80, 1000, 7));
        assert_eq!((t.flags, t.window, t.payload), (0x18, 512, &b"hello"[..]));
        assert_eq!((parsed.total_len, parsed.header_len), (45, 20));
        assert_eq!(parse_ipv4(&packet[..10]), None);
    }

    #[test]
    fn a_syn_gives_its_mss_and_window_scale() {
        // MSS 1460, NOP, window scale 7, SACK permitted, NOP NOP: 12 bytes of options.
        let options = [2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1];
        let packet = ipv4(PROTO_TCP, &tcp((1, 2), 9, 0, 0x02, &options, b""));
        let parsed = parse_ipv4(&packet).unwrap();
        let t = parsed.tcp().unwrap();
        assert_eq!((t.mss, t.window_scale), (Some(1460), Some(7)));
        assert!(t.payload.is_empty());
    }

    #[test]
    fn malformed_options_stop_the_walk_without_panicking() {
        for options in [[2, 0, 0, 0], [3, 9, 1, 1], [2, 1, 5, 5]] {
            let packet = ipv4(PROTO_TCP, &tcp((1, 2), 9, 0, 0x02, &options, b""));
            assert!(parse_ipv4(&packet).is_some());
        }
    }

    #[test]
    fn udp_and_later_fragments_parse() {
        let mut udp = vec![0x13, 0x88, 0, 80, 0, 13, 0, 0];
        udp.extend(b"hello");
        let packet = ipv4(PROTO_UDP, &udp);
        let parsed = parse_ipv4(&packet).unwrap();
        assert_eq!(parsed.ports(), Some((5000, 80)));
        assert_eq!(parsed.payload(), b"hello");
        let mut fragment = packet.clone();
        fragment[7] = 185; // offset 185 × 8 bytes: not the first fragment
        let parsed = parse_ipv4(&fragment).unwrap();
        assert_eq!(parsed.ports(), None);
        assert_eq!(parsed.payload().len(), 13);
    }

    #[test]
    fn ipv6_and_short_headers_are_not_ipv4() {
        assert_eq!(parse_ipv4(&[0x60; 40]), None);
        assert_eq!(parse_ipv4(&[0x44; 40]), None);
        assert_eq!(parse_ipv4(&[]), None);
    }
}
