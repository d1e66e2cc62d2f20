//! Changing a system call's argument at its seccomp stop, per architecture. Reading needs no
//! per-architecture code: PTRACE_GET_SYSCALL_INFO hands the number and arguments over as
//! plain values. Only writing still goes through the registers.

use nix::sys::ptrace;
use nix::unistd::Pid;

/// Set argument `index` (from 0) of the system call `pid` is stopped at.
#[cfg(target_arch = "x86_64")]
pub fn set_argument(pid: Pid, index: usize, value: u64) -> nix::Result<()> {
    let mut regs = ptrace::getregs(pid)?;
    // The x86_64 system call convention: rdi, rsi, rdx, r10, r8, r9.
    let slot = match index {
        0 => &mut regs.rdi,
        1 => &mut regs.rsi,
        2 => &mut regs.rdx,
        3 => &mut regs.r10,
        4 => &mut regs.r8,
        5 => &mut regs.r9,
        _ => return Err(nix::errno::Errno::EINVAL),
    };
    *slot = value;
    ptrace::setregs(pid, regs)
}

/// Set argument `index` (from 0) of the system call `pid` is stopped at.
#[cfg(target_arch = "aarch64")]
pub fn set_argument(pid: Pid, index: usize, value: u64) -> nix::Result<()> {
    // The aarch64 convention: x0 … x5. (x0 doubles as the return value; the kernel keeps the
    // first argument apart in orig_x0, so argument 0 is never rewritten here.)
    if index == 0 || index > 5 {
        return Err(nix::errno::Errno::EINVAL);
    }
    let mut regs = ptrace::getregs(pid)?;
    regs.regs[index] = value;
    ptrace::setregs(pid, regs)
}

/// Other architectures: lab trace refuses to start (see [`SUPPORTED`]).
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
pub fn set_argument(_pid: Pid, _index: usize, _value: u64) -> nix::Result<()> {
    Err(nix::errno::Errno::ENOSYS)
}

/// Whether lab trace knows this architecture's registers and system call numbers.
pub const SUPPORTED: bool = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));
