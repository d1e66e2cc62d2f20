//! Segmentation offload on the link's TUN devices, sans-IO. On a path that leaves nothing to
//! chance (no loss, reordering, duplicates, jitter or rate), the devices take and give TCP
//! "super-packets" of up to 64 KiB, each with a virtio-net header saying how the kernel would
//! cut it into segments (TSO). The link forwards a super-packet whole — one system call and
//! one pass through each stack instead of forty — and records the segments it stands for,
//! exactly as a network card doing TSO would put them on a wire: the same sizes, sequence
//! numbers, flags and checksums.
//!
//! ```text
//!  virtio_net_hdr (10 bytes)                               the packet
//! ┌───────┬──────────┬─────────┬──────────┬────────────┬─────────────┬──────────────────┐
//! │ flags │ gso_type │ hdr_len │ gso_size │ csum_start │ csum_offset │ IPv4 | TCP | data │
//! └───────┴──────────┴─────────┴──────────┴────────────┴─────────────┴──────────────────┘
//!  flags 1: the checksum at csum_start + csum_offset holds only the pseudo-header's sum
//!  gso_type 1 (TCPv4): cut the data into gso_size pieces, one segment each
//! ```

/// The size of the header before each packet (`struct virtio_net_hdr`, little-endian).
pub const VNET_HEADER_LEN: usize = 10;
const NEEDS_CSUM: u8 = 1;
const GSO_TCPV4: u8 = 1;

const TCP_FIN: u8 = 0x01;
const TCP_PSH: u8 = 0x08;
const TCP_CWR: u8 = 0x80;

/// The virtio-net header of one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VnetHeader {
    pub flags: u8,
    pub gso_type: u8,
    pub gso_size: u16,
    pub csum_start: u16,
    pub csum_offset: u16,
}

impl VnetHeader {
    /// Read the header at the start of what a device gave.
    pub fn parse(bytes: &[u8]) -> Option<VnetHeader> {
        let h = bytes.get(..VNET_HEADER_LEN)?;
        let word = |at: usize| u16::from_le_bytes([h[at], h[at + 1]]);
        Some(VnetHeader {
            flags: h[0],
            gso_type: h[1],
            gso_size: word(4),
            csum_start: word(6),
            csum_offset: word(8),
        })
    }

    /// A TCPv4 super-packet the kernel wants cut into `gso_size` pieces.
    pub fn is_tcp_gso(&self) -> bool {
        self.gso_type == GSO_TCPV4 && self.gso_size > 0
    }
}

/// The packets on the wire that `packet` (an IPv4 packet, its virtio-net header `header`)
/// stands for, each with complete checksums: the segments of a TCP super-packet, or the
/// packet itself. A packet it cannot read comes back as it is.
pub fn wire_packets(header: &VnetHeader, packet: &[u8]) -> Vec<Vec<u8>> {
    if header.is_tcp_gso() {
        if let Some(segments) = segment_tcp(packet, usize::from(header.gso_size)) {
            return segments;
        }
    }
    let mut whole = packet.to_vec();
    if header.flags & NEEDS_CSUM != 0 {
        finish_checksum(
            &mut whole,
            usize::from(header.csum_start),
            usize::from(header.csum_offset),
        );
    }
    vec![whole]
}

/// How many segments a packet stands for, without building them.
pub fn segment_count(header: &VnetHeader, packet: &[u8]) -> usize {
    let Some((ip_len, tcp_len)) = header_lengths(packet).filter(|_| header.is_tcp_gso()) else {
        return 1;
    };
    let data = packet.len().saturating_sub(ip_len + tcp_len);
    data.div_ceil(usize::from(header.gso_size)).max(1)
}

/// The IPv4 and TCP header lengths of a TCP packet.
fn header_lengths(packet: &[u8]) -> Option<(usize, usize)> {
    let ip_len = usize::from(packet.first()? & 0x0f) * 4;
    let tcp_len = usize::from(packet.get(ip_len + 12)? >> 4) * 4;
    (ip_len >= 20 && tcp_len >= 20 && packet.len() >= ip_len + tcp_len).then_some((ip_len, tcp_len))
}

/// Cut a TCP super-packet as the kernel's TSO does: each segment the headers again, with its
/// own length, IP id and sequence number; CWR only on the first, FIN and PSH only on the last.
fn segment_tcp(packet: &[u8], gso_size: usize) -> Option<Vec<Vec<u8>>> {
    let (ip_len, tcp_len) = header_lengths(packet)?;
    let headers = ip_len + tcp_len;
    let data = &packet[headers..];
    let id = u16::from_be_bytes([packet[4], packet[5]]);
    let seq = u32::from_be_bytes(packet[ip_len + 4..ip_len + 8].try_into().ok()?);
    let flags = packet[ip_len + 13];
    let count = data.len().div_ceil(gso_size).max(1);
    let mut segments = Vec::with_capacity(count);
    for (i, piece) in data.chunks(gso_size).enumerate() {
        let mut segment = Vec::with_capacity(headers + piece.len());
        segment.extend_from_slice(&packet[..headers]);
        segment.extend_from_slice(piece);
        let total = segment.len() as u16;
        segment[2..4].copy_from_slice(&total.to_be_bytes());
        segment[4..6].copy_from_slice(&id.wrapping_add(i as u16).to_be_bytes());
        let offset = (i * gso_size) as u32;
        segment[ip_len + 4..ip_len + 8].copy_from_slice(&seq.wrapping_add(offset).to_be_bytes());
        let mut f = flags;
        if i > 0 {
            f &= !TCP_CWR;
        }
        if i + 1 < count {
            f &= !(TCP_FIN | TCP_PSH);
        }
        segment[ip_len + 13] = f;
        set_ip_checksum(&mut segment[..ip_len]);
        set_tcp_checksum(&mut segment, ip_len);
        segments.push(segment);
    }
    Some(segments)
}

/// Complete a checksum the sender left partial: the field holds the pseudo-header's sum; add
/// everything from `start` on and store the complement.
fn finish_checksum(packet: &mut [u8], start: usize, offset: usize) {
    let at = start + offset;
    if at + 2 > packet.len() || start > packet.len() {
        return;
    }
    let sum = ones_sum(&packet[start..], 0);
    packet[at..at + 2].copy_from_slice(&(!fold(sum)).to_be_bytes());
}

fn set_ip_checksum(header: &mut [u8]) {
    header[10..12].fill(0);
    let sum = !fold(ones_sum(header, 0));
    header[10..12].copy_from_slice(&sum.to_be_bytes());
}

/// The TCP checksum over the pseudo-header (addresses, protocol, length) and the segment.
fn set_tcp_checksum(packet: &mut [u8], ip_len: usize) {
    let tcp_len = packet.len() - ip_len;
    packet[ip_len + 16..ip_len + 18].fill(0);
    let mut pseudo = [0u8; 12];
    pseudo[..8].copy_from_slice(&packet[12..20]);
    pseudo[9] = 6;
    pseudo[10..12].copy_from_slice(&(tcp_len as u16).to_be_bytes());
    let sum = ones_sum(&packet[ip_len..], ones_sum(&pseudo, 0));
    packet[ip_len + 16..ip_len + 18].copy_from_slice(&(!fold(sum)).to_be_bytes());
}

/// The ones'-complement sum of `bytes` as 16-bit words, added to `sum` (not yet folded).
fn ones_sum(bytes: &[u8], mut sum: u64) -> u64 {
    let mut words = bytes.chunks_exact(2);
    for w in &mut words {
        sum += u64::from(u16::from_be_bytes([w[0], w[1]]));
    }
    if let [last] = words.remainder() {
        sum += u64::from(*last) << 8;
    }
    sum
}

fn fold(mut sum: u64) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::packet::parse_ipv4;

    /// A TCP packet 10.0.0.1 → 10.0.0.2 with `data`, seq 1000, PSH|ACK|CWR, checksums left
    /// as a sender with offload leaves them (TCP partial).
    fn super_packet(data: &[u8]) -> Vec<u8> {
        let mut p = vec![
            0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        let mut tcp = vec![0u8; 20];
        tcp[0..2].copy_from_slice(&4000u16.to_be_bytes());
        tcp[2..4].copy_from_slice(&80u16.to_be_bytes());
        tcp[4..8].copy_from_slice(&1000u32.to_be_bytes());
        tcp[12] = 5 << 4;
        tcp[13] = 0x18 | TCP_CWR;
        p.extend(tcp);
        p.extend(data);
        let total = p.len() as u16;
        p[2..4].copy_from_slice(&total.to_be_bytes());
        p
    }

    fn verify(packet: &[u8]) -> bool {
        let ip_len = usize::from(packet[0] & 0x0f) * 4;
        let ip_ok = fold(ones_sum(&packet[..ip_len], 0)) == 0xffff;
        let mut pseudo = [0u8; 12];
        pseudo[..8].copy_from_slice(&packet[12..20]);
        pseudo[9] = 6;
        pseudo[10..12].copy_from_slice(&((packet.len() - ip_len) as u16).to_be_bytes());
        let tcp_ok = fold(ones_sum(&packet[ip_len..], ones_sum(&pseudo, 0))) == 0xffff;
        ip_ok && tcp_ok
    }

    #[test]
    fn a_super_packet_is_cut_as_tso_cuts_it() {
        let data: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
        let packet = super_packet(&data);
        let header = VnetHeader {
            flags: NEEDS_CSUM,
            gso_type: GSO_TCPV4,
            gso_size: 1448,
            csum_start: 20,
            csum_offset: 16,
        };
        assert_eq!(segment_count(&header, &packet), 3);
        let segments = wire_packets(&header, &packet);
        let sizes: Vec<usize> = segments
            .iter()
            .map(|s| parse_ipv4(s).unwrap().payload().len())
            .collect();
        assert_eq!(sizes, [1448, 1448, 104]);
        let seqs: Vec<u32> = segments
            .iter()
            .map(|s| parse_ipv4(s).unwrap().tcp().unwrap().seq)
            .collect();
        assert_eq!(seqs, [1000, 2448, 3896]);
        let flags: Vec<u8> = segments.iter().map(|s| s[33]).collect();
        assert_eq!(flags, [0x10 | TCP_CWR, 0x10, 0x18]);
        assert!(segments.iter().all(|s| verify(s)), "checksums");
        let joined: Vec<u8> = segments.iter().flat_map(|s| s[40..].to_vec()).collect();
        assert_eq!(joined, data);
    }

    #[test]
    fn a_partial_checksum_is_completed_and_a_plain_packet_stays_whole() {
        let mut packet = super_packet(b"hello");
        set_ip_checksum(&mut packet[..20]);
        set_tcp_checksum(&mut packet, 20);
        let complete = packet.clone();
        // What a sender with checksum offload leaves: the pseudo-header's sum, uncomplemented.
        let mut pseudo = [0u8; 12];
        pseudo[..8].copy_from_slice(&packet[12..20]);
        pseudo[9] = 6;
        pseudo[10..12].copy_from_slice(&25u16.to_be_bytes());
        packet[36..38].copy_from_slice(&fold(ones_sum(&pseudo, 0)).to_be_bytes());
        let header = VnetHeader::parse(&[NEEDS_CSUM, 0, 0, 0, 0, 0, 20, 0, 16, 0]).unwrap();
        assert!(!header.is_tcp_gso());
        assert_eq!(wire_packets(&header, &packet), vec![complete]);
        assert_eq!(segment_count(&header, &packet), 1);
    }
}
