//! `--svg`, `--html` and `--pcap`: the files a run was asked to leave behind. The views make
//! the bytes; this is the one place that writes them, each under a temporary name in the same
//! directory first and renamed once complete, so an interrupted run never leaves half a file
//! under the name asked for.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::analysis::Summary;
use crate::cli::ExchangeArgs;
use crate::error::{Error, Problem};
use crate::lang::Lang;
use crate::lesson::stall_demo::{Sending, StallRun, Variant};
use crate::lesson::{ExchangeRun, Transport};
use crate::render::words::Words;
use crate::render::{chart, pcapng, trace_pictures};
use crate::trace::TraceReport;
use crate::transcript::{EventNote, Transcript};
use crate::whole_file::WholeFile;

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
        if args.pcap.is_some() && args.trials > 1 {
            return Err(Error::Usage(
                "--pcap writes one run's packets; use it without --trials".into(),
            ));
        }
        PictureFiles::new(args.svg.clone(), args.html.clone(), args.pcap.clone(), lang)
    }

    /// The files named, each checked: a file name in a directory that exists.
    pub(crate) fn new(
        svg: Option<PathBuf>,
        html: Option<PathBuf>,
        pcap: Option<PathBuf>,
        lang: Lang,
    ) -> Result<PictureFiles, Error> {
        for (flag, path) in [("--svg", &svg), ("--html", &html), ("--pcap", &pcap)] {
            if let Some(path) = path {
                check_writable_name(flag, path)?;
            }
        }
        Ok(PictureFiles {
            svg,
            html,
            pcap,
            lang,
        })
    }

    /// Write a trace's pictures: the chart of its first connection that moved bytes, and
    /// (across `--net`) every packet the link carried, each connection's named by its calls.
    pub(crate) fn write_trace(&self, report: &TraceReport) -> Result<(), Error> {
        let lang = self.lang;
        let nothing = |flag: &str| {
            Error::Usage(format!(
                "{flag}: nothing to draw: the traced programs made no TCP connection"
            ))
        };
        let packets = match &self.pcap {
            Some(path) => Some((path, trace_packets(report, lang)?)),
            None => None,
        };
        if let Some(path) = &self.svg {
            let svg = trace_pictures::svg(report, lang).ok_or_else(|| nothing("--svg"))?;
            write_file(path, svg.as_bytes())?;
        }
        if let Some(path) = &self.html {
            let html = trace_pictures::html(report, lang).ok_or_else(|| nothing("--html"))?;
            write_file(path, html.as_bytes())?;
        }
        if let Some((path, bytes)) = packets {
            write_file(path, &bytes)?;
        }
        Ok(())
    }

    /// Write stall-demo's packets (across `--net`): every way of sending, one after another.
    pub(crate) fn write_stall(&self, run: &StallRun) -> Result<(), Error> {
        let Some(path) = &self.pcap else {
            return Ok(());
        };
        let labels: Vec<String> = run
            .variants
            .iter()
            .enumerate()
            .map(|(i, v)| stall_label(i + 1, run.variants.len(), v.variant))
            .collect();
        let parts: Vec<pcapng::Part<'_>> = run
            .variants
            .iter()
            .zip(&labels)
            .map(|(v, label)| pcapng::Part {
                transcript: &v.transcript,
                label: Some(label),
            })
            .collect();
        if parts.iter().all(|p| p.transcript.wire.packets.is_empty()) {
            return Err(Error::Usage(
                "--pcap: nothing to write: stall-demo sees packets only across --net".into(),
            ));
        }
        write_file(
            path,
            &pcapng::render_parts(&parts, "lab stall-demo", self.lang),
        )
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

/// A traced run's packets as pcapng: each connection's, then those of none.
fn trace_packets(report: &TraceReport, lang: Lang) -> Result<Vec<u8>, Error> {
    if report.net.is_none() {
        return Err(Error::Usage(
            "--pcap: nothing to write: lab trace sees the programs' calls, not their packets; \
             run them across lab's link with --net to record every packet"
                .into(),
        ));
    }
    // One connection alone needs no label: its packets' comments read as sticky-demo's.
    let alone = report.connections.len() == 1 && report.other_packets.packets.is_empty();
    let labels: Vec<Option<String>> = report
        .connections
        .iter()
        .map(|c| (!alone).then(|| format!("#{}", c.id)))
        .collect();
    let others = Transcript {
        wire: report.other_packets.clone(),
        ..Transcript::default()
    };
    let mut parts: Vec<pcapng::Part<'_>> = report
        .connections
        .iter()
        .zip(&labels)
        .map(|(c, label)| pcapng::Part {
            transcript: &c.transcript,
            label: label.as_deref(),
        })
        .collect();
    parts.push(pcapng::Part {
        transcript: &others,
        label: Some("-"),
    });
    Ok(pcapng::render_parts(&parts, "lab trace --net", lang))
}

/// A way of sending, as a pcapng comment names it: `1/5 send(header) send(body)`.
fn stall_label(number: usize, of: usize, v: Variant) -> String {
    let calls = match v.sending {
        Sending::TwoSends => "send(header) send(body)",
        Sending::OneSend => "sendall(header + body)",
    };
    let nodelay = match (v.client_nodelay, v.server_nodelay) {
        (false, false) => "",
        (true, false) => " · TCP_NODELAY: client",
        (false, true) => " · TCP_NODELAY: server",
        (true, true) => " · TCP_NODELAY: client, server",
    };
    format!("{number}/{of} {calls}{nodelay}")
}

/// A file can be made at `path`: it names a file (not a directory) in a directory that exists.
fn check_writable_name(flag: &str, path: &Path) -> Result<(), Error> {
    let (flag, shown) = (flag.to_string(), path.display().to_string());
    if path.file_name().is_none() || path.is_dir() {
        return Err(Problem::NotAFileName { flag, path: shown }.into());
    }
    let dir = directory_of(path);
    if !dir.is_dir() {
        let dir = dir.display().to_string();
        return Err(Problem::NoSuchDirectory {
            flag,
            path: shown,
            dir,
        }
        .into());
    }
    Ok(())
}

fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// What a temporary picture file is called where the file system cannot make a nameless one.
const TEMP_PREFIX: &str = ".lab-picture-";

/// Write `bytes` to `path` whole or not at all. A regular file (or a new name) is written as a
/// nameless file in the same directory, flushed, then linked over the name — Ctrl-C never
/// leaves a half file or a temporary one; a symbolic link keeps pointing where it pointed (its
/// target is replaced). Anything else that already has the name — `/dev/null`, `/dev/stdout`,
/// a named pipe, a shell's `>(…)` — is written into, never replaced.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let failed = |e: io::Error| Error::io(format!("writing {}", path.display()), e);
    match fs::metadata(path) {
        Ok(meta) if !meta.is_file() => {
            let mut file = OpenOptions::new().write(true).open(path).map_err(failed)?;
            return file.write_all(bytes).map_err(failed);
        }
        _ => {}
    }
    // A symbolic link to a file: the file is replaced, the link stays.
    let target = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut file = WholeFile::create(directory_of(&target), TEMP_PREFIX).map_err(failed)?;
    file.write_all(bytes).map_err(failed)?;
    file.finish(&target, true).map_err(failed)
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
