//! Descriptor tables of the traced processes: which descriptor is which TCP socket.
//!
//! Filled lazily — a descriptor is looked at (through /proc and a borrowed copy) the first time
//! a traced call uses it, then remembered until it is closed. Threads share their process's
//! table; a forked child starts with a copy of its parent's; exec forgets the whole table
//! (close-on-exec descriptors are gone, the rest are looked at again when used). A socket
//! keeps its identity — its inode — under every descriptor and in every process.

use std::collections::HashMap;

use super::inspect::FdKind;

/// One table per process (thread group), by process id.
#[derive(Debug, Default)]
pub struct FdTables {
    tables: HashMap<u32, HashMap<i32, FdKind>>,
}

impl FdTables {
    /// What `fd` of process `pid` is, if it has been looked at.
    pub fn get(&self, pid: u32, fd: i32) -> Option<FdKind> {
        self.tables.get(&pid)?.get(&fd).copied()
    }

    pub fn insert(&mut self, pid: u32, fd: i32, kind: FdKind) {
        self.tables.entry(pid).or_default().insert(fd, kind);
    }

    /// Forget `fd` (closed, or replaced by dup2); what it was, if known.
    pub fn remove(&mut self, pid: u32, fd: i32) -> Option<FdKind> {
        self.tables.get_mut(&pid)?.remove(&fd)
    }

    /// Forget descriptors `first..=last`; the TCP sockets among them.
    pub fn remove_range(&mut self, pid: u32, first: i32, last: i32) -> Vec<(i32, u64)> {
        let Some(table) = self.tables.get_mut(&pid) else {
            return Vec::new();
        };
        let mut closed: Vec<(i32, u64)> = table
            .iter()
            .filter(|&(&fd, _)| (first..=last).contains(&fd))
            .filter_map(|(&fd, kind)| match kind {
                FdKind::Tcp(inode) => Some((fd, *inode)),
                FdKind::Other => None,
            })
            .collect();
        table.retain(|&fd, _| !(first..=last).contains(&fd));
        closed.sort_unstable();
        closed
    }

    /// A forked child starts with what its parent had.
    pub fn fork(&mut self, parent: u32, child: u32) {
        let copy = self.tables.get(&parent).cloned().unwrap_or_default();
        self.tables.insert(child, copy);
    }

    /// After exec: close-on-exec descriptors are gone; the others are looked at again.
    pub fn exec(&mut self, pid: u32) {
        self.tables.remove(&pid);
    }

    /// The process ended: its table goes, and with it its TCP sockets (fd, inode).
    pub fn exit(&mut self, pid: u32) -> Vec<(i32, u64)> {
        let mut sockets: Vec<(i32, u64)> = self
            .tables
            .remove(&pid)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(fd, kind)| match kind {
                FdKind::Tcp(inode) => Some((fd, inode)),
                FdKind::Other => None,
            })
            .collect();
        sockets.sort_unstable();
        sockets
    }

    /// A process (other than `except`) whose table holds socket `inode`.
    pub fn holder(&self, inode: u64, except: u32) -> Option<u32> {
        self.tables
            .iter()
            .filter(|&(&pid, _)| pid != except)
            .find(|(_, table)| table.values().any(|k| *k == FdKind::Tcp(inode)))
            .map(|(&pid, _)| pid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forked_child_shares_its_parents_sockets_until_it_closes_them() {
        let mut fds = FdTables::default();
        fds.insert(10, 4, FdKind::Tcp(77));
        fds.insert(10, 5, FdKind::Other);
        fds.fork(10, 11);
        assert_eq!(fds.get(11, 4), Some(FdKind::Tcp(77)));
        assert_eq!(fds.holder(77, 10), Some(11));
        fds.remove(11, 4);
        assert_eq!(fds.holder(77, 10), None);
        assert_eq!(fds.get(10, 4), Some(FdKind::Tcp(77)));
    }

    #[test]
    fn exec_forgets_and_exit_hands_back_the_sockets() {
        let mut fds = FdTables::default();
        fds.insert(10, 3, FdKind::Tcp(1));
        fds.insert(10, 9, FdKind::Tcp(2));
        assert_eq!(fds.remove_range(10, 5, 20), vec![(9, 2)]);
        assert_eq!(fds.exit(10), vec![(3, 1)]);
        fds.insert(12, 3, FdKind::Tcp(5));
        fds.exec(12);
        assert_eq!(fds.get(12, 3), None);
    }
}
