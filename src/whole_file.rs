//! A file that appears under its final name whole or not at all: an upload's body until its
//! hash has matched, a picture (`--svg`, `--html`, `--pcap`) until it is written.
//!
//! Where the file system allows, it has no name at all while it is written (O_TMPFILE): no
//! client can reach it by any name, and it vanishes with the process however the process
//! ends — Ctrl-C and SIGKILL included. Elsewhere it has an unguessable name that starts with
//! the caller's prefix (uploads: [`crate::upload::TEMP_PREFIX`], which no upload name may
//! start with). Either way, it gets its final name only by linking this very file — the
//! bytes that were written (and hashed).

use std::ffi::CString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Writeback is started every this many bytes, and the window before waited for: the
/// final fsync then has at most two windows left to write, so it never holds up a stop.
const WRITEBACK_WINDOW: u64 = 8 * 1024 * 1024;

/// A file being written in the upload directory, deleted unless it is given a name.
pub(crate) struct WholeFile {
    file: File,
    dir: PathBuf,
    /// What a temporary name starts with, where the file system needs one.
    prefix: &'static str,
    /// The temporary name, when the file system could not make a file without one.
    temp_name: Option<PathBuf>,
    written: u64,
    /// Writeback has been started for bytes before this offset…
    writeback_started: u64,
    /// …and waited for before this one.
    writeback_done: u64,
}

impl Drop for WholeFile {
    fn drop(&mut self) {
        // A nameless file needs nothing: closing it frees it.
        if let Some(path) = &self.temp_name {
            let _ = fs::remove_file(path);
        }
    }
}

impl WholeFile {
    /// A new, empty file in `dir`, nameless if the file system allows; else named with
    /// `prefix` and an unguessable rest.
    pub(crate) fn create(dir: &Path, prefix: &'static str) -> io::Result<WholeFile> {
        let nameless = OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_TMPFILE)
            .open(dir);
        let (file, temp_name) = match nameless {
            Ok(file) => (file, None),
            // File systems without O_TMPFILE say EOPNOTSUPP; kernels that predate it, EISDIR
            // or EINVAL.
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL)
                ) =>
            {
                let (file, path) = create_named(dir, prefix)?;
                (file, Some(path))
            }
            Err(e) => return Err(e),
        };
        Ok(WholeFile {
            file,
            dir: dir.to_path_buf(),
            prefix,
            temp_name,
            written: 0,
            writeback_started: 0,
            writeback_done: 0,
        })
    }

    /// Whether the file has a (temporary) name in the directory.
    #[cfg(test)]
    pub(crate) fn is_named(&self) -> bool {
        self.temp_name.is_some()
    }

    /// Append `bytes`, keeping the unwritten part of the file under two writeback windows.
    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes)?;
        self.written += bytes.len() as u64;
        if self.written - self.writeback_started >= WRITEBACK_WINDOW {
            let fd = self.file.as_raw_fd();
            // Failures here are not fatal: the fsync before linking reports any real one.
            // SAFETY: plain integer arguments on a descriptor this struct owns.
            unsafe {
                libc::sync_file_range(
                    fd,
                    self.writeback_started as i64,
                    (self.written - self.writeback_started) as i64,
                    libc::SYNC_FILE_RANGE_WRITE,
                );
                libc::sync_file_range(
                    fd,
                    self.writeback_done as i64,
                    (self.writeback_started - self.writeback_done) as i64,
                    libc::SYNC_FILE_RANGE_WAIT_BEFORE
                        | libc::SYNC_FILE_RANGE_WRITE
                        | libc::SYNC_FILE_RANGE_WAIT_AFTER,
                );
            }
            self.writeback_done = self.writeback_started;
            self.writeback_started = self.written;
        }
        Ok(())
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> u64 {
        self.written
    }

    /// On disk, then under `target`: never replacing a file unless `overwrite`, even one that
    /// appeared during the upload.
    pub(crate) fn finish(mut self, target: &Path, overwrite: bool) -> io::Result<()> {
        // On disk before it gets its name: a power cut never leaves a short file there.
        self.file.sync_all()?;
        match (self.temp_name.take(), overwrite) {
            (None, false) => link_open_file(&self.file, target),
            (None, true) => {
                // A link never replaces; a rename does, atomically. So: a private name first.
                let (private, ()) = with_private_name(&self.dir, self.prefix, |path| {
                    link_open_file(&self.file, path)
                })?;
                fs::rename(&private, target).inspect_err(|_| {
                    let _ = fs::remove_file(&private);
                })
            }
            (Some(temp), false) => {
                let linked = fs::hard_link(&temp, target);
                let _ = fs::remove_file(&temp);
                linked
            }
            (Some(temp), true) => fs::rename(&temp, target).inspect_err(|_| {
                let _ = fs::remove_file(&temp);
            }),
        }
    }
}

/// A new file in `dir` under a fresh unguessable name that starts with `prefix`.
fn create_named(dir: &Path, prefix: &str) -> io::Result<(File, PathBuf)> {
    let (path, file) = with_private_name(dir, prefix, |path| {
        OpenOptions::new().write(true).create_new(true).open(path)
    })?;
    Ok((file, path))
}

/// Run `make` with a fresh unguessable path in `dir` until one is free.
fn with_private_name<T>(
    dir: &Path,
    prefix: &str,
    mut make: impl FnMut(&Path) -> io::Result<T>,
) -> io::Result<(PathBuf, T)> {
    for _ in 0..16 {
        let path = dir.join(format!("{prefix}{:032x}.part", unguessable()));
        match make(&path) {
            Ok(made) => return Ok((path, made)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no free temporary name in the directory",
    ))
}

/// 128 bits from the kernel's random source.
fn unguessable() -> u128 {
    let mut bytes = [0u8; 16];
    // SAFETY: getrandom writes at most 16 bytes into a live 16-byte buffer.
    let got = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    if got != bytes.len() as isize {
        // Never expected on Linux ≥ 3.17; the name still has to be new, not secret, to be
        // safe from uploads (they may not use the prefix at all).
        return fastrand::u128(..);
    }
    u128::from_ne_bytes(bytes)
}

/// Give the nameless open `file` the name `target` (EEXIST if taken).
fn link_open_file(file: &File, target: &Path) -> io::Result<()> {
    let fd = file.as_raw_fd();
    let target = CString::new(target.as_os_str().as_bytes())?;
    let by_proc = CString::new(format!("/proc/self/fd/{fd}"))?;
    // SAFETY: NUL-terminated paths that outlive the call.
    let linked = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            by_proc.as_ptr(),
            libc::AT_FDCWD,
            target.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    };
    if linked == 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    if e.raw_os_error() != Some(libc::ENOENT) {
        return Err(e);
    }
    // No /proc: link the descriptor itself (needs CAP_DAC_READ_SEARCH on older kernels).
    // SAFETY: an empty NUL-terminated path and a live descriptor.
    let linked = unsafe {
        libc::linkat(
            fd,
            c"".as_ptr(),
            libc::AT_FDCWD,
            target.as_ptr(),
            libc::AT_EMPTY_PATH,
        )
    };
    if linked == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::upload::TEMP_PREFIX;

    fn scratch() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lab-part-file-{:032x}", unguessable()));
        fs::create_dir(&dir).unwrap();
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_nameless_file_is_invisible_until_linked() {
        let dir = scratch();
        let mut part = WholeFile::create(&dir, TEMP_PREFIX).unwrap();
        part.write_all(b"body").unwrap();
        if !part.is_named() {
            assert!(names(&dir).is_empty());
        }
        part.finish(&dir.join("final"), false).unwrap();
        assert_eq!(names(&dir), ["final"]);
        assert_eq!(fs::read(dir.join("final")).unwrap(), b"body");
        fs::remove_dir_all(dir).unwrap();
    }

    /// The fallback, for file systems without O_TMPFILE: a private name, gone afterwards.
    #[test]
    fn a_named_temporary_file_is_private_and_never_left_behind() {
        let dir = scratch();
        let (mut file, path) = create_named(&dir, TEMP_PREFIX).unwrap();
        file.write_all(b"new").unwrap();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        assert!(crate::upload::check_name(&name).is_err(), "{name}");
        let part = WholeFile {
            file,
            dir: dir.clone(),
            prefix: TEMP_PREFIX,
            temp_name: Some(path.clone()),
            written: 3,
            writeback_started: 0,
            writeback_done: 0,
        };
        fs::write(dir.join("taken"), b"old").unwrap();
        assert!(part.finish(&dir.join("taken"), false).is_err());
        assert_eq!(names(&dir), ["taken"]);
        assert_eq!(fs::read(dir.join("taken")).unwrap(), b"old");

        let (file, path) = create_named(&dir, TEMP_PREFIX).unwrap();
        drop(WholeFile {
            file,
            dir: dir.clone(),
            prefix: TEMP_PREFIX,
            temp_name: Some(path),
            written: 0,
            writeback_started: 0,
            writeback_done: 0,
        });
        assert_eq!(names(&dir), ["taken"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn overwrite_replaces_with_the_written_file() {
        let dir = scratch();
        fs::write(dir.join("same"), b"old").unwrap();
        let mut part = WholeFile::create(&dir, TEMP_PREFIX).unwrap();
        part.write_all(b"new").unwrap();
        part.finish(&dir.join("same"), true).unwrap();
        assert_eq!(names(&dir), ["same"]);
        assert_eq!(fs::read(dir.join("same")).unwrap(), b"new");
        fs::remove_dir_all(dir).unwrap();
    }
}
