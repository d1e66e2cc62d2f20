//! The kernel-bound yardstick of `make load`: one epoll loop, as lab serve's, that does
//! nothing but one recv() and one send() of the same bytes per wake-up — no framing, no
//! bookkeeping, no checks. An echo of the raw bytes passes the load's framed checks, since
//! the reply bytes are the request bytes. No server that frames its replies can make fewer
//! system calls per request, so the gap to this one is what a server's own work costs.
//! It prints its port, then serves until killed.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;

/// Register `fd` with `epoll`, level-triggered, for reading, under its own number.
fn watch(epoll: i32, fd: i32) {
    let mut event = libc::epoll_event {
        events: libc::EPOLLIN as u32,
        u64: fd as u64,
    };
    // SAFETY: `event` is a valid epoll_event that outlives the call.
    let done = unsafe { libc::epoll_ctl(epoll, libc::EPOLL_CTL_ADD, fd, &mut event) };
    assert_eq!(done, 0, "epoll_ctl: {}", std::io::Error::last_os_error());
}

/// Send every byte. The load's clients always read their echoes, so the kernel nearly
/// always takes the whole reply at once; when it does not, retry until it does.
fn send_all(mut stream: &TcpStream, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        match stream.write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::yield_now(),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn main() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    println!("{}", listener.local_addr().unwrap().port());
    // SAFETY: epoll_create1 takes no pointers.
    let epoll = unsafe { libc::epoll_create1(0) };
    assert!(
        epoll >= 0,
        "epoll_create1: {}",
        std::io::Error::last_os_error()
    );
    watch(epoll, listener.as_raw_fd());
    let mut clients: std::collections::HashMap<i32, TcpStream> = Default::default();
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 256];
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        // SAFETY: `events` has room for the number of events passed.
        let ready = unsafe { libc::epoll_wait(epoll, events.as_mut_ptr(), 256, -1) };
        for event in &events[..ready.max(0) as usize] {
            let fd = event.u64 as i32;
            if fd == listener.as_raw_fd() {
                while let Ok((stream, _)) = listener.accept() {
                    stream.set_nonblocking(true).unwrap();
                    stream.set_nodelay(true).unwrap();
                    watch(epoll, stream.as_raw_fd());
                    clients.insert(stream.as_raw_fd(), stream);
                }
                continue;
            }
            let Some(mut stream) = clients.get(&fd) else {
                continue;
            };
            let gone = match stream.read(&mut buf) {
                Ok(0) => true,
                Ok(n) => send_all(stream, &buf[..n]).is_err(),
                Err(e) => e.kind() != ErrorKind::WouldBlock,
            };
            if gone {
                // Dropping the stream closes it, which also takes it out of the epoll set.
                clients.remove(&fd);
            }
        }
    }
}
