//! Following one connection's packets both ways. Each parsed packet becomes a [`WirePacket`]
//! with its sequence numbers counted from each end's SYN, its offset in its direction's byte
//! stream, and whether its sender had sent those bytes before (a retransmission).
//!
//! Sans-IO: the `--wire` capture and the `--net` link both feed it packets in the order they
//! left their sender, and it never sees a socket.

use super::packet::{Ipv4Packet, Transport};
use crate::transcript::{Direction, Fate, TcpFields, TcpFlags, WirePacket};

/// The state of one connection as its packets go by.
#[derive(Debug, Default)]
pub struct ConnectionTracker {
    /// Indexed by [`index`]: the client's end (to the server), then the server's.
    ends: [End; 2],
}

/// What one sender has put on the wire so far.
#[derive(Debug, Default)]
struct End {
    /// Its initial sequence number, from its SYN.
    isn: Option<u32>,
    /// The window-scale shift its SYN announced (`None`: no option, or no SYN seen).
    window_scale: Option<u8>,
    /// Just past the highest sequence space it has sent, counted from its SYN (which is 0)
    /// and unwrapped past 4 GiB.
    highest: Option<u64>,
    /// UDP: payload bytes it has sent so far.
    udp_sent: u64,
}

fn index(direction: Direction) -> usize {
    match direction {
        Direction::ToServer => 0,
        Direction::ToClient => 1,
    }
}

impl ConnectionTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Describe `packet` (parsed from `bytes`, the whole IP packet), which left its sender at
    /// `sent_us` going `direction`. Its fate starts as [`Fate::Unknown`] and its number as 0
    /// (the recorder numbers it).
    pub fn describe(
        &mut self,
        packet: &Ipv4Packet<'_>,
        bytes: &[u8],
        direction: Direction,
        sent_us: u64,
    ) -> WirePacket {
        let payload_len = packet.payload().len();
        let (tcp, offset, retransmission) = match &packet.transport {
            Transport::Tcp(segment) => {
                let (fields, offset, retransmission) = self.follow_tcp(segment, direction);
                (Some(fields), offset, retransmission)
            }
            Transport::Udp(_) => {
                let end = &mut self.ends[index(direction)];
                let offset = end.udp_sent;
                end.udp_sent += payload_len as u64;
                (None, Some(offset), false)
            }
            Transport::Other(_) => (None, None, false),
        };
        WirePacket {
            number: 0,
            direction,
            sent_us,
            fate: Fate::Unknown,
            duplicate_of: None,
            reordered: false,
            protocol: packet.protocol,
            tcp,
            ip_len: packet.total_len,
            payload_len,
            offset,
            retransmission,
            bytes: bytes[..packet.total_len.min(bytes.len())].to_vec(),
        }
    }

    /// The TCP fields, the stream offset and whether the segment repeats sequence space.
    fn follow_tcp(
        &mut self,
        segment: &super::packet::TcpSegment<'_>,
        direction: Direction,
    ) -> (TcpFields, Option<u64>, bool) {
        let flags = TcpFlags(segment.flags);
        let syn = flags.contains(TcpFlags::SYN);
        let [client, server] = &mut self.ends;
        let (end, peer) = match direction {
            Direction::ToServer => (client, server),
            Direction::ToClient => (server, client),
        };
        if syn && end.isn.is_none() {
            end.isn = Some(segment.seq);
            end.window_scale = segment.window_scale;
        }
        let rel_seq = end.isn.map(|isn| segment.seq.wrapping_sub(isn));
        let position = rel_seq.map(|rel| unwrap(rel, end.highest.unwrap_or(0)));
        let seq_len = segment.payload.len() as u64
            + u64::from(syn)
            + u64::from(flags.contains(TcpFlags::FIN));
        let mut retransmission = false;
        if let (Some(at), true) = (position, seq_len > 0) {
            retransmission = end.highest.is_some_and(|highest| at < highest);
            end.highest = Some(end.highest.unwrap_or(0).max(at + seq_len));
        }
        let offset = position.filter(|_| !syn).and_then(|at| at.checked_sub(1));
        let rel_ack = flags
            .contains(TcpFlags::ACK)
            .then_some(peer.isn)
            .flatten()
            .map(|isn| segment.ack.wrapping_sub(isn));
        let window_bytes = if syn {
            Some(u32::from(segment.window))
        } else if end.isn.is_some() && peer.isn.is_some() {
            // Scaling is on only when both SYNs carried the option (RFC 7323).
            let shift = end
                .window_scale
                .zip(peer.window_scale)
                .map_or(0, |(s, _)| s);
            Some(u32::from(segment.window) << shift.min(14))
        } else {
            None
        };
        let fields = TcpFields {
            src_port: segment.src_port,
            dst_port: segment.dst_port,
            seq: segment.seq,
            ack: segment.ack,
            rel_seq,
            rel_ack,
            flags,
            window: segment.window,
            window_bytes,
            mss: segment.mss,
            window_scale: segment.window_scale,
            options_len: segment.options_len,
        };
        (fields, offset, retransmission)
    }
}

/// The position whose low 32 bits are `rel` and which lies nearest `near`: sequence numbers
/// wrap every 4 GiB, stream offsets do not.
fn unwrap(rel: u32, near: u64) -> u64 {
    const WRAP: u64 = 1 << 32;
    let candidate = (near & !(WRAP - 1)) | u64::from(rel);
    if candidate + WRAP / 2 < near {
        candidate + WRAP
    } else if candidate > near + WRAP / 2 && candidate >= WRAP {
        candidate - WRAP
    } else {
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::packet::tests::{ipv4, tcp};
    use crate::net::packet::{PROTO_TCP, parse_ipv4};

    const SYN: u8 = 0x02;
    const ACK: u8 = 0x10;
    const PSH_ACK: u8 = 0x18;
    const FIN_ACK: u8 = 0x11;

    fn feed(
        tracker: &mut ConnectionTracker,
        direction: Direction,
        seq: u32,
        ack: u32,
        flags: u8,
        options: &[u8],
        payload: &[u8],
    ) -> WirePacket {
        let ports = match direction {
            Direction::ToServer => (40000, 80),
            Direction::ToClient => (80, 40000),
        };
        let bytes = ipv4(PROTO_TCP, &tcp(ports, seq, ack, flags, options, payload));
        let packet = parse_ipv4(&bytes).unwrap();
        tracker.describe(&packet, &bytes, direction, 0)
    }

    #[test]
    fn a_handshake_data_ack_and_fin_get_relative_numbers_and_offsets() {
        let mut t = ConnectionTracker::new();
        let (up, down) = (Direction::ToServer, Direction::ToClient);
        let wscale = [3, 3, 7, 1];
        let syn = feed(&mut t, up, 1000, 0, SYN, &wscale, b"");
        let syn_ack = feed(&mut t, down, 5000, 1001, SYN | ACK, &wscale, b"");
        let data = feed(&mut t, up, 1001, 5001, PSH_ACK, &[], b"hello");
        let ack = feed(&mut t, down, 5001, 1006, ACK, &[], b"");
        let fin = feed(&mut t, up, 1006, 5001, FIN_ACK, &[], b"");
        let seq = |p: &WirePacket| p.tcp.unwrap().rel_seq;
        assert_eq!((seq(&syn), syn.offset), (Some(0), None));
        assert_eq!(syn_ack.tcp.unwrap().rel_ack, Some(1));
        assert_eq!(
            (seq(&data), data.offset, data.payload_len),
            (Some(1), Some(0), 5)
        );
        assert_eq!((ack.tcp.unwrap().rel_ack, ack.offset), (Some(6), Some(0)));
        assert!(ack.is_pure_ack() && !data.is_pure_ack() && data.is_data());
        assert_eq!(fin.offset, Some(5));
        // Both SYNs announced scale 7: later windows are 512 << 7.
        assert_eq!(syn.tcp.unwrap().window_bytes, Some(512));
        assert_eq!(ack.tcp.unwrap().window_bytes, Some(512 << 7));
        assert!(
            [syn, syn_ack, data, ack, fin]
                .iter()
                .all(|p| !p.retransmission)
        );
    }

    #[test]
    fn repeated_sequence_space_is_a_retransmission_and_a_pure_ack_never_is() {
        let mut t = ConnectionTracker::new();
        let up = Direction::ToServer;
        feed(&mut t, up, 10, 0, SYN, &[], b"");
        assert!(feed(&mut t, up, 10, 0, SYN, &[], b"").retransmission);
        assert!(!feed(&mut t, up, 11, 0, PSH_ACK, &[], b"abc").retransmission);
        assert!(feed(&mut t, up, 11, 0, PSH_ACK, &[], b"abc").retransmission);
        assert!(!feed(&mut t, up, 14, 0, ACK, &[], b"").retransmission);
        assert!(!feed(&mut t, up, 14, 0, PSH_ACK, &[], b"d").retransmission);
    }

    #[test]
    fn offsets_keep_counting_past_four_gibibytes() {
        assert_eq!(unwrap(5, (1 << 32) - 10), (1 << 32) + 5);
        assert_eq!(unwrap(u32::MAX - 1, (1 << 32) + 3), (1 << 32) - 2);
        assert_eq!(unwrap(7, 3), 7);
    }

    #[test]
    fn a_scale_from_one_side_only_leaves_windows_unscaled() {
        let mut t = ConnectionTracker::new();
        feed(&mut t, Direction::ToServer, 1, 0, SYN, &[3, 3, 7, 1], b"");
        feed(&mut t, Direction::ToClient, 1, 2, SYN | ACK, &[], b"");
        let ack = feed(&mut t, Direction::ToServer, 2, 2, ACK, &[], b"");
        assert_eq!(ack.tcp.unwrap().window_bytes, Some(512));
    }
}
