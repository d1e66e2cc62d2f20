//! A TUN device: a network interface whose packets go to a file descriptor instead of a wire.
//! Whatever the namespace's stack sends through it, lab reads as one IPv4 packet per read();
//! whatever lab writes, the stack receives as if it had come off a wire.
//!
//! Created and configured from the calling thread's namespace with ioctls (no `ip` binary):
//! TUNSETIFF makes it, SIOCSIF{ADDR,NETMASK,MTU,FLAGS} give it an address, a netmask, an MTU
//! and bring it up. It is not persistent: closing its descriptor removes it.

use std::ffi::CStr;
use std::fs::OpenOptions;
use std::io;
use std::mem::zeroed;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;

/// The interface name in each namespace (each has its own, so one name does).
pub const TUN_NAME: &CStr = c"lab0";

/// An open TUN device (non-blocking).
#[derive(Debug)]
pub struct Tun {
    fd: OwnedFd,
    /// Packets come and go with a virtio-net header (segmentation offload on).
    offload: bool,
}

impl Tun {
    /// Make `lab0` in the calling thread's namespace: `addr`/`prefix`, `mtu`, up — and bring the
    /// namespace's loopback up too. With `offload`, the device takes and gives TCP
    /// super-packets, each behind a virtio-net header (see [`super::gso`]).
    pub fn create(addr: Ipv4Addr, prefix: u8, mtu: u32, offload: bool) -> Result<Tun, TunError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open("/dev/net/tun")
            .map_err(TunError::Open)?;
        let fd = OwnedFd::from(file);
        let mut request = ifreq(TUN_NAME);
        let vnet = if offload { libc::IFF_VNET_HDR } else { 0 };
        request.ifr_ifru.ifru_flags = (libc::IFF_TUN | libc::IFF_NO_PI | vnet) as libc::c_short;
        // SAFETY: TUNSETIFF reads (and fills in) an ifreq that outlives the call.
        if unsafe { libc::ioctl(fd.as_raw_fd(), libc::TUNSETIFF, &mut request) } != 0 {
            return Err(TunError::Create(io::Error::last_os_error()));
        }
        if offload {
            let features = libc::TUN_F_CSUM | libc::TUN_F_TSO4;
            // SAFETY: TUNSETOFFLOAD takes the feature bits as its argument.
            if unsafe {
                libc::ioctl(
                    fd.as_raw_fd(),
                    libc::TUNSETOFFLOAD,
                    features as libc::c_ulong,
                )
            } != 0
            {
                return Err(TunError::Configure {
                    call: "TUNSETOFFLOAD",
                    source: io::Error::last_os_error(),
                });
            }
        }
        let control = Control::open().map_err(|source| TunError::Configure {
            call: "socket(AF_INET)",
            source,
        })?;
        control.set_addr(TUN_NAME, libc::SIOCSIFADDR, addr)?;
        control.set_addr(TUN_NAME, libc::SIOCSIFNETMASK, netmask(prefix))?;
        control.set_mtu(TUN_NAME, mtu)?;
        control.set_up(TUN_NAME)?;
        control.set_up(c"lo")?;
        Ok(Tun { fd, offload })
    }

    /// Whether packets come and go behind a virtio-net header.
    pub fn offload(&self) -> bool {
        self.offload
    }

    /// One packet, if one is waiting: its length in `buf`.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: the buffer is writable for its length.
        let n = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n as usize)
    }

    /// Hand one packet to this namespace's stack.
    pub fn write(&self, packet: &[u8]) -> io::Result<()> {
        // SAFETY: the packet is readable for its length.
        let n = unsafe { libc::write(self.fd.as_raw_fd(), packet.as_ptr().cast(), packet.len()) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

/// Which step of making a device failed.
#[derive(Debug)]
pub enum TunError {
    /// /dev/net/tun did not open (missing, or not permitted).
    Open(io::Error),
    /// TUNSETIFF refused to make the device.
    Create(io::Error),
    /// An interface ioctl failed: which one, and why.
    Configure {
        call: &'static str,
        source: io::Error,
    },
}

impl AsRawFd for Tun {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.fd.as_raw_fd()
    }
}

fn netmask(prefix: u8) -> Ipv4Addr {
    Ipv4Addr::from(u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0))
}

/// An ifreq naming `name`, everything else zero.
fn ifreq(name: &CStr) -> libc::ifreq {
    // SAFETY: all-zero is a valid ifreq.
    let mut request: libc::ifreq = unsafe { zeroed() };
    for (slot, &byte) in request.ifr_name.iter_mut().zip(name.to_bytes()) {
        *slot = byte as libc::c_char;
    }
    request
}

/// A datagram socket to send interface ioctls through.
struct Control {
    fd: OwnedFd,
}

impl Control {
    fn open() -> io::Result<Control> {
        // SAFETY: plain socket(2); the descriptor is owned right away.
        let raw = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a fresh descriptor nothing else owns.
        Ok(Control {
            fd: unsafe { OwnedFd::from_raw_fd(raw) },
        })
    }

    fn ioctl(
        &self,
        call: &'static str,
        request: libc::Ioctl,
        req: &mut libc::ifreq,
    ) -> Result<(), TunError> {
        // SAFETY: the interface ioctls used here read or write one ifreq that outlives the call.
        if unsafe { libc::ioctl(self.fd.as_raw_fd(), request, req as *mut libc::ifreq) } != 0 {
            let source = io::Error::last_os_error();
            return Err(TunError::Configure { call, source });
        }
        Ok(())
    }

    fn set_addr(&self, name: &CStr, request: libc::Ioctl, addr: Ipv4Addr) -> Result<(), TunError> {
        let mut req = ifreq(name);
        // SAFETY: all-zero is a valid sockaddr_in; it fits in the ifreq's sockaddr.
        let mut sin: libc::sockaddr_in = unsafe { zeroed() };
        sin.sin_family = libc::AF_INET as libc::sa_family_t;
        sin.sin_addr.s_addr = u32::from(addr).to_be();
        // SAFETY: sockaddr_in is no larger than sockaddr; the union field is written whole.
        unsafe {
            std::ptr::write_unaligned(
                (&mut req.ifr_ifru.ifru_addr as *mut libc::sockaddr).cast(),
                sin,
            );
        }
        let what = if request == libc::SIOCSIFADDR {
            "SIOCSIFADDR"
        } else {
            "SIOCSIFNETMASK"
        };
        self.ioctl(what, request, &mut req)
    }

    fn set_mtu(&self, name: &CStr, mtu: u32) -> Result<(), TunError> {
        let mut req = ifreq(name);
        req.ifr_ifru.ifru_mtu = mtu as libc::c_int;
        self.ioctl("SIOCSIFMTU", libc::SIOCSIFMTU, &mut req)
    }

    fn set_up(&self, name: &CStr) -> Result<(), TunError> {
        let mut req = ifreq(name);
        self.ioctl("SIOCGIFFLAGS", libc::SIOCGIFFLAGS, &mut req)?;
        // SAFETY: SIOCGIFFLAGS filled in the flags member.
        let flags = unsafe { req.ifr_ifru.ifru_flags };
        req.ifr_ifru.ifru_flags = flags | (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
        self.ioctl("SIOCSIFFLAGS", libc::SIOCSIFFLAGS, &mut req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_become_netmasks() {
        assert_eq!(netmask(30), Ipv4Addr::new(255, 255, 255, 252));
        assert_eq!(netmask(24), Ipv4Addr::new(255, 255, 255, 0));
        assert_eq!(netmask(0), Ipv4Addr::new(0, 0, 0, 0));
        assert_eq!(netmask(32), Ipv4Addr::new(255, 255, 255, 255));
    }
}
