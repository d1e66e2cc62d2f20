//! `lab upload`, `lab upload-demo`, and the plain-copy yardstick that `make bench-upload`
//! runs against them (`copy-recv`, `copy-send`).

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;

use super::Presentation;
use super::live::seconds;
use crate::cli::{UploadArgs, UploadDemoArgs};
use crate::error::Error;
use crate::lang::Lang;
use crate::render;
use crate::render::progress::{Phase, ProgressView};
use crate::render::words::Words;
use crate::upload::{self, UploadError};

/// `lab upload FILE --to ADDR`: send it, then the final line (or JSON).
pub(super) fn upload(args: &UploadArgs, present: &Presentation) -> Result<String, Error> {
    let progress = ProgressView::new(Phase::Send, None, present.lang);
    let timeout = seconds(args.timeout, "--timeout", present.lang)?;
    let sent = upload::send::upload_within(
        &args.file,
        args.to,
        args.name.as_deref(),
        timeout,
        &progress,
    )
    .map_err(|e| in_words(e, present.lang))?;
    Ok(if present.json {
        render::upload_view::sent_json(&sent)
    } else {
        render::upload_view::final_line(&sent, present.width, present.lang)
    })
}

/// `lab upload-demo`: both ends on loopback, then what crossed, explained.
pub(super) fn demo(args: &UploadDemoArgs, present: &Presentation) -> Result<String, Error> {
    let phases = [Phase::Make, Phase::Send, Phase::Receive];
    let [make, send, receive] = ProgressView::group(phases, present.lang);
    let report = upload::demo::run(args.size, [&make, &send, &receive], present.lang)
        .map_err(|e| in_words(e, present.lang))?;
    Ok(if present.json {
        render::upload_view::render_demo_json(&report)
    } else {
        render::upload_view::render_demo(&report, present.width, present.lang)
    })
}

/// An upload that did not happen, said in the user's language: a refusal (exit 1), a file
/// that cannot be sent (a usage error, exit 2), too little disk (exit 1).
fn in_words(e: UploadError, lang: Lang) -> Error {
    let words = Words(lang);
    match e {
        UploadError::Failed(e) => e,
        e @ (UploadError::NotRegular(_)
        | UploadError::NoName(_)
        | UploadError::Unreadable { .. }) => Error::said_usage(words.upload_error(&e)),
        e => Error::said(words.upload_error(&e)),
    }
}

/// Receive one plain byte copy into `file`: the bound address first (a script connects to
/// it), the byte count when done.
pub(super) fn copy_receive(
    addr: SocketAddr,
    file: &Path,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let listener = TcpListener::bind(addr).map_err(|e| Error::io(format!("bind({addr})"), e))?;
    let bound = listener
        .local_addr()
        .map_err(|e| Error::io("getsockname()", e))?;
    writeln!(out, "{bound}")
        .and_then(|()| out.flush())
        .map_err(Error::Output)?;
    let n = upload::plain::receive_one(&listener, file)
        .map_err(|e| Error::io("plain copy (receive)", e))?;
    writeln!(out, "{n}").map_err(Error::Output)
}

/// Send `file` as a plain byte copy; the byte count when done.
pub(super) fn copy_send(file: &Path, to: SocketAddr, out: &mut dyn Write) -> Result<(), Error> {
    let n = upload::plain::send(file, to).map_err(|e| Error::io("plain copy (send)", e))?;
    writeln!(out, "{n}").map_err(Error::Output)
}
