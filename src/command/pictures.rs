//! `--svg`, `--html` and `--pcap`: the files a run was asked to leave behind. The views make
//! the bytes; this is the one place that writes them, each under a temporary name in the same
//! directory first and renamed once complete, so an interrupted run never leaves half a file
//! under the name asked for.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::analysis::Summary;
use crate::cli::ExchangeArgs;
use crate::error::Error;
use crate::lang::Lang;
use crate::lesson::{ExchangeRun, Transport};
use crate::render::words::Words;
use crate::render::{chart, pcapng};
use crate::transcript::EventNote;

/// The files asked for, checked before the run so a typo costs no run.
#[derive(Debug, Clone)]
pub(crate) struct PictureFiles {
    svg: Option<PathBuf>,
    html: Option<PathBuf>,
    pcap: Option<PathBuf>,
    /// The language of the pictures' words (from the locale, as `lab lesson` chooses).
    lang: Lang,
}

impl PictureFiles {
    /// The files `--svg`, `--html` and `--pcap` name, each in a directory that exists.
    pub(crate) fn from_args(args: &ExchangeArgs, lang: Lang) -> Result<PictureFiles, Error> {
        for (flag, path) in [
            ("--svg", &args.svg),
            ("--html", &args.html),
            ("--pcap", &args.pcap),
        ] {
            if let Some(path) = path {
                check_writable_name(flag, path)?;
            }
        }
        if args.pcap.is_some() && args.trials > 1 {
            return Err(Error::Usage(
                "--pcap writes one run's packets; use it without --trials".into(),
            ));
        }
        Ok(PictureFiles {
            svg: args.svg.clone(),
            html: args.html.clone(),
            pcap: args.pcap.clone(),
            lang,
        })
    }

    /// Write one run's pictures. `--pcap` with no packets known is an error saying why.
    pub(crate) fn write_run(&self, run: &ExchangeRun, summary: &Summary) -> Result<(), Error> {
        let lang = self.lang;
        let packets = match &self.pcap {
            Some(path) => Some((path, packets_of(run, lang)?)),
            None => None,
        };
        if let Some(path) = &self.svg {
            write_file(path, chart::run_svg(run, summary, lang).as_bytes())?;
        }
        if let Some(path) = &self.html {
            write_file(path, chart::run_html(run, summary, lang).as_bytes())?;
        }
        if let Some((path, bytes)) = packets {
            write_file(path, &bytes)?;
        }
        Ok(())
    }

    /// Write `--trials`' pictures: the histograms.
    pub(crate) fn write_trials(&self, lesson: &str, runs: &[Summary]) -> Result<(), Error> {
        let lang = self.lang;
        if let Some(path) = &self.svg {
            write_file(path, chart::trials_svg(lesson, runs, lang).as_bytes())?;
        }
        if let Some(path) = &self.html {
            write_file(path, chart::trials_html(lesson, runs, lang).as_bytes())?;
        }
        Ok(())
    }
}

/// The run's packets as pcapng, or why there are none.
fn packets_of(run: &ExchangeRun, lang: Lang) -> Result<Vec<u8>, Error> {
    let t = &run.transcript;
    if t.wire.packets.is_empty() {
        let why = if run.transport == Transport::Udp {
            "udp-demo does not capture its datagrams (--wire follows one TCP connection)"
                .to_string()
        } else {
            // Error lines are English, as every `error:` line is.
            t.events
                .iter()
                .find_map(|e| match &e.note {
                    Some(EventNote::NoCapture {
                        needs_privilege,
                        error,
                    }) => Some(Words(Lang::En).no_capture(*needs_privilege, error)),
                    _ => None,
                })
                .unwrap_or_else(|| "no packet was captured".into())
        };
        return Err(Error::Usage(format!("--pcap: nothing to write: {why}")));
    }
    Ok(pcapng::render(t, &format!("lab {}", run.lesson), lang))
}

/// A file can be made at `path`: it names a file (not a directory) in a directory that exists.
fn check_writable_name(flag: &str, path: &Path) -> Result<(), Error> {
    let shown = path.display();
    if path.file_name().is_none() || path.is_dir() {
        return Err(Error::Usage(format!(
            "{flag} {shown}: give a file name, not a directory"
        )));
    }
    let dir = directory_of(path);
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{flag} {shown}: the directory {} does not exist",
            dir.display()
        )));
    }
    Ok(())
}

fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Tells apart the temporary files of one process.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// Write `bytes` to `path` whole or not at all: into a new temporary file beside it, flushed
/// to disk, then renamed over `path`.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let n = NEXT_TEMP.fetch_add(1, Ordering::Relaxed);
    // A fixed-length name: it fits wherever the final name fits.
    let temp = directory_of(path).join(format!(".lab-{}-{n}.tmp", std::process::id()));
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temp, path));
    written.map_err(|e: io::Error| {
        let _ = fs::remove_file(&temp);
        Error::io(format!("writing {}", path.display()), e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("lab-picture-files-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_written_file_replaces_the_old_one_whole_and_leaves_no_temporary_file() {
        let dir = scratch("replace");
        let path = dir.join("chart.svg");
        fs::write(&path, "old").unwrap();
        write_file(&path, b"new picture").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new picture");
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["chart.svg"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_directory_is_named_before_anything_runs() {
        let error = check_writable_name("--svg", Path::new("/no/such/dir/x.svg")).unwrap_err();
        assert!(
            error.to_string().contains("/no/such/dir does not exist"),
            "{error}"
        );
        let dir = scratch("dir");
        let error = check_writable_name("--html", &dir).unwrap_err();
        assert!(error.to_string().contains("not a directory"), "{error}");
        fs::remove_dir_all(dir).unwrap();
    }
}
