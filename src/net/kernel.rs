//! Reading the running kernel: socket states from /proc/net/tcp, `net.core.somaxconn`, and a
//! connection's TCP_INFO. Lessons compare what they predict with what these return.

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;

/// A TCP state as /proc/net/tcp numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpState {
    Established,
    SynSent,
    SynRecv,
    FinWait1,
    FinWait2,
    TimeWait,
    Close,
    CloseWait,
    LastAck,
    Listen,
    Closing,
    Other(u8),
}

impl TcpState {
    fn from_code(code: u8) -> Self {
        match code {
            0x01 => TcpState::Established,
            0x02 => TcpState::SynSent,
            0x03 => TcpState::SynRecv,
            0x04 => TcpState::FinWait1,
            0x05 => TcpState::FinWait2,
            0x06 => TcpState::TimeWait,
            0x07 => TcpState::Close,
            0x08 => TcpState::CloseWait,
            0x09 => TcpState::LastAck,
            0x0a => TcpState::Listen,
            0x0b => TcpState::Closing,
            other => TcpState::Other(other),
        }
    }

    /// The name `ss` and textbooks use, e.g. `TIME_WAIT`.
    pub fn name(self) -> String {
        match self {
            TcpState::Established => "ESTABLISHED".into(),
            TcpState::SynSent => "SYN_SENT".into(),
            TcpState::SynRecv => "SYN_RECV".into(),
            TcpState::FinWait1 => "FIN_WAIT1".into(),
            TcpState::FinWait2 => "FIN_WAIT2".into(),
            TcpState::TimeWait => "TIME_WAIT".into(),
            TcpState::Close => "CLOSE".into(),
            TcpState::CloseWait => "CLOSE_WAIT".into(),
            TcpState::LastAck => "LAST_ACK".into(),
            TcpState::Listen => "LISTEN".into(),
            TcpState::Closing => "CLOSING".into(),
            TcpState::Other(code) => format!("state {code:#04x}"),
        }
    }
}

/// One IPv4 TCP socket as the kernel lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketEntry {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub state: TcpState,
}

/// Every IPv4 TCP socket of the calling thread's network namespace (a thread that joined a
/// `--net` namespace sees that one), from /proc/thread-self/net/tcp.
pub fn tcp_sockets() -> io::Result<Vec<SocketEntry>> {
    let text = std::fs::read_to_string("/proc/thread-self/net/tcp")?;
    Ok(text.lines().skip(1).filter_map(parse_proc_line).collect())
}

/// `  1: 0100007F:C53C 0100007F:8707 06 …` → local, remote, state.
fn parse_proc_line(line: &str) -> Option<SocketEntry> {
    let mut fields = line.split_whitespace().skip(1);
    let local = parse_proc_addr(fields.next()?)?;
    let remote = parse_proc_addr(fields.next()?)?;
    let state = u8::from_str_radix(fields.next()?, 16).ok()?;
    Some(SocketEntry {
        local,
        remote,
        state: TcpState::from_code(state),
    })
}

/// `0100007F:1F90`: the address as the kernel stores it (host order on this machine), then
/// the port in hex.
fn parse_proc_addr(text: &str) -> Option<SocketAddr> {
    let (ip, port) = text.split_once(':')?;
    let ip = u32::from_str_radix(ip, 16).ok()?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let octets = if cfg!(target_endian = "little") {
        ip.to_le_bytes()
    } else {
        ip.to_be_bytes()
    };
    Some(SocketAddr::from((octets, port)))
}

/// The kernel's TCP counters (`TcpExt:` in /proc/net/netstat) for this network namespace.
pub fn tcp_ext_counters() -> io::Result<std::collections::HashMap<String, u64>> {
    let text = std::fs::read_to_string("/proc/net/netstat")?;
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("TcpExt:")).collect();
    let (Some(names), Some(values)) = (rows.first(), rows.get(1)) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "no TcpExt lines",
        ));
    };
    Ok(names
        .split_whitespace()
        .zip(values.split_whitespace())
        .skip(1)
        .filter_map(|(name, value)| Some((name.to_string(), value.parse().ok()?)))
        .collect())
}

/// `net.core.somaxconn`: the cap the kernel puts on every listen() backlog.
pub fn somaxconn() -> io::Result<i32> {
    let text = std::fs::read_to_string("/proc/sys/net/core/somaxconn")?;
    text.trim()
        .parse()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// The part of TCP_INFO the lessons read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpInfo {
    /// Maximum segment size the sender uses.
    pub snd_mss: u32,
    /// Unacknowledged segments; on a listening socket, connections waiting for accept().
    pub unacked: u32,
    /// SACKed segments; on a listening socket, the backlog the kernel applies.
    pub sacked: u32,
    /// Segments sent, including pure ACKs (Linux 4.2+).
    pub segs_out: Option<u32>,
    /// Segments sent that carried data (Linux 4.6+).
    pub data_segs_out: Option<u32>,
}

/// Byte offsets in Linux's `struct tcp_info` (include/uapi/linux/tcp.h).
const SND_MSS_AT: usize = 16;
const UNACKED_AT: usize = 24;
const SACKED_AT: usize = 28;
const SEGS_OUT_AT: usize = 136;
const DATA_SEGS_OUT_AT: usize = 156;

/// getsockopt(TCP_INFO) on a connected socket. Fields the kernel does not fill (an older
/// kernel returns a shorter struct) come back as `None`.
pub fn tcp_info(socket: &impl AsRawFd) -> io::Result<TcpInfo> {
    let mut buf = [0u8; 256];
    let mut len = buf.len() as libc::socklen_t;
    // SAFETY: the buffer is writable for `len` bytes and the kernel writes at most that many,
    // reporting how many in `len`.
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            buf.as_mut_ptr().cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    let filled = &buf[..len as usize];
    let field = |at: usize| {
        filled
            .get(at..at + 4)
            .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
    };
    Ok(TcpInfo {
        snd_mss: field(SND_MSS_AT).unwrap_or(0),
        unacked: field(UNACKED_AT).unwrap_or(0),
        sacked: field(SACKED_AT).unwrap_or(0),
        segs_out: field(SEGS_OUT_AT),
        data_segs_out: field(DATA_SEGS_OUT_AT),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_lines_parse() {
        let line = "   1: 0100007F:C53C 0100007F:8707 06 00000000:00000000 03:000000FA 00000000";
        let entry = parse_proc_line(line).unwrap();
        assert_eq!(entry.local, "127.0.0.1:50492".parse().unwrap());
        assert_eq!(entry.remote, "127.0.0.1:34567".parse().unwrap());
        assert_eq!(entry.state, TcpState::TimeWait);
    }

    #[test]
    fn a_live_connection_reports_data_segments() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        client.write_all(b"hello").unwrap();
        let mut buf = [0u8; 5];
        server.read_exact(&mut buf).unwrap();
        let info = tcp_info(&client).unwrap();
        assert!(info.snd_mss > 0);
        // On a listening socket TCP_INFO reports the applied backlog (std uses 128).
        let listening = tcp_info(&listener).unwrap();
        assert!(listening.sacked > 0);
        assert!(tcp_ext_counters().unwrap().contains_key("ListenOverflows"));
        assert!(info.data_segs_out.unwrap_or(1) >= 1);
        let listed = tcp_sockets().unwrap();
        assert!(
            listed.iter().any(
                |s| s.local == client.local_addr().unwrap() && s.state == TcpState::Established
            )
        );
    }
}
