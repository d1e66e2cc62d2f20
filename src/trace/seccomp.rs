//! The seccomp filter a traced program runs under: socket-related system calls stop for the
//! tracer (`SECCOMP_RET_TRACE`), every other call runs at full speed without waking it.
//!
//! ```text
//!   arch ≠ this machine's ──────────────────────────────► allow
//!   nr = socket, bind, …, sendto, recvfrom, … ──────────► trace
//!   nr = read, write, readv, writev, close ─────────────► trace  (any descriptor)
//!   anything else ──────────────────────────────────────► allow
//! ```
//!
//! Reads and writes stop on every descriptor, 0, 1 and 2 included: an inetd- or CGI-style
//! server moves its socket onto them (`dup2(conn, 1)`), and a filter cannot be changed once
//! the program runs. The price is one stop per write to the terminal, about 10 µs (a C loop
//! of 200 000 writes to /dev/null: 0.07 s untraced, 2.1 s traced), where the terminal's own
//! drawing of a line costs as much; the tracer sends such a call on at once.

use super::syscalls::Syscall;

/// The kernel's audit architecture numbers (linux/audit.h).
#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xc000_003e;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xc000_00b7;
/// Elsewhere lab trace refuses to start (see `regs::SUPPORTED`); no call would match.
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
const AUDIT_ARCH: u32 = 0;

/// x86_64's x32 ABI marks its system call numbers with this bit; such calls are not decoded.
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// Offsets into `struct seccomp_data`.
const NR_OFFSET: u32 = 0;
const ARCH_OFFSET: u32 = 4;

const LOAD_WORD: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
const JUMP_EQ: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
const JUMP_GE: u16 = (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16;
const RETURN: u16 = (libc::BPF_RET | libc::BPF_K) as u16;

fn op(code: u16, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: usize, jf: usize) -> libc::sock_filter {
    libc::sock_filter {
        code,
        // A filter of a few dozen instructions never jumps further than a u8 reaches.
        jt: u8::try_from(jt).expect("a short filter"),
        jf: u8::try_from(jf).expect("a short filter"),
        k,
    }
}

/// The filter program, ready for `seccomp(SECCOMP_SET_MODE_FILTER)`.
pub fn filter() -> Vec<libc::sock_filter> {
    let calls: Vec<u32> = Syscall::all().map(|(_, nr)| nr).collect();
    let mut program = vec![op(LOAD_WORD, ARCH_OFFSET)];
    // The tail, in order: allow · trace. `tail` is the index of the first of these, known
    // once the checks are counted.
    let x32_check = usize::from(cfg!(target_arch = "x86_64"));
    let tail = 3 + x32_check + calls.len();
    let (allow, trace) = (tail, tail + 1);
    let to = |target: usize, at: usize| target - (at + 1);
    program.push(jump(JUMP_EQ, AUDIT_ARCH, 0, to(allow, 1)));
    program.push(op(LOAD_WORD, NR_OFFSET));
    if x32_check == 1 {
        program.push(jump(JUMP_GE, X32_SYSCALL_BIT, to(allow, 3), 0));
    }
    for nr in calls {
        let at = program.len();
        program.push(jump(JUMP_EQ, nr, to(trace, at), 0));
    }
    debug_assert_eq!(program.len(), tail);
    program.push(op(RETURN, libc::SECCOMP_RET_ALLOW));
    program.push(op(RETURN, libc::SECCOMP_RET_TRACE));
    program
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run the filter on one system call, as the kernel would: a small BPF interpreter for
    /// the instructions the filter uses.
    fn verdict(nr: u32, arch: u32) -> u32 {
        let program = filter();
        let word = |offset: u32| match offset {
            NR_OFFSET => nr,
            ARCH_OFFSET => arch,
            other => panic!("the filter reads offset {other}"),
        };
        let (mut pc, mut acc) = (0usize, 0u32);
        loop {
            let i = program[pc];
            let taken = match i.code {
                LOAD_WORD => {
                    acc = word(i.k);
                    pc += 1;
                    continue;
                }
                RETURN => return i.k,
                JUMP_EQ => acc == i.k,
                JUMP_GE => acc >= i.k,
                other => panic!("unexpected instruction {other:#x}"),
            };
            pc += 1 + usize::from(if taken { i.jt } else { i.jf });
        }
    }

    const TRACE: u32 = libc::SECCOMP_RET_TRACE;
    const ALLOW: u32 = libc::SECCOMP_RET_ALLOW;

    fn nr(n: libc::c_long) -> u32 {
        n as u32
    }

    #[test]
    fn socket_calls_stop_for_the_tracer() {
        for call in [
            libc::SYS_socket,
            libc::SYS_sendto,
            libc::SYS_recvfrom,
            libc::SYS_accept4,
        ] {
            assert_eq!(verdict(nr(call), AUDIT_ARCH), TRACE);
        }
    }

    #[test]
    fn reads_writes_and_closes_stop_whatever_the_descriptor() {
        // A socket may sit on 0, 1 or 2 (an inetd-style server's dup2): the filter cannot
        // know, so the tracer looks.
        for call in [libc::SYS_read, libc::SYS_write, libc::SYS_close] {
            assert_eq!(verdict(nr(call), AUDIT_ARCH), TRACE);
        }
    }

    #[test]
    fn other_calls_and_other_architectures_run_untraced() {
        assert_eq!(verdict(nr(libc::SYS_getpid), AUDIT_ARCH), ALLOW);
        assert_eq!(verdict(nr(libc::SYS_openat), AUDIT_ARCH), ALLOW);
        assert_eq!(verdict(nr(libc::SYS_sendto), 0x4000_0003), ALLOW);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn x32_calls_run_untraced() {
        let x32_sendto = nr(libc::SYS_sendto) | X32_SYSCALL_BIT;
        assert_eq!(verdict(x32_sendto, AUDIT_ARCH), ALLOW);
    }
}
