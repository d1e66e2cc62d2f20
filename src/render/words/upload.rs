//! The words of uploads: why a server refused or did not keep one (what it tells the client
//! and logs), what `lab upload` says of a refusal in its own language whatever the server's,
//! upload-demo's explanation, the final line and the progress lines.

use std::time::Duration;

use super::Words;
use crate::lang::Lang;
use crate::render::progress::Phase;
use crate::tools::reasons::TurnAway;
use crate::upload::receive::Received;
use crate::upload::refusal::{Failure, NameProblem, Part, Refusal, Stage};
use crate::upload::{MAX_HEADER, MAX_NAME, Status, TEMP_PREFIX, UploadError, check_name};

impl Words {
    /// Why an upload was not stored (a status's `error`, and the server's log).
    pub fn upload_refusal(self, refusal: &Refusal) -> String {
        let en = !self.zh();
        match refusal {
            Refusal::TooLong { part, claimed } if en => format!(
                "{} claims {claimed} bytes, over the limit of {MAX_HEADER}; refused before \
                 reading it",
                self.part(*part)
            ),
            Refusal::TooLong { part, claimed } => format!(
                "{}声称有 {claimed} 字节，超过上限 {MAX_HEADER}；读之前就拒绝了",
                self.part(*part)
            ),
            Refusal::Invalid { part, why } if en => {
                format!("{} is not valid: {why}", self.part(*part))
            }
            Refusal::Invalid { part, why } => format!("{}无效：{why}", self.part(*part)),
            Refusal::TrailerNotHex => self
                .pick(
                    "the trailer's sha256 must be 64 hex digits; nothing kept",
                    "报尾里的 sha256 必须是 64 个十六进制数字；什么也没保留",
                )
                .into(),
            Refusal::BadName { name, problem } => self.name_problem(name, *problem),
            Refusal::TooLarge { size, max } if en => {
                format!("{size} bytes is over the server's limit of {max} (--max-size)")
            }
            Refusal::TooLarge { size, max } => {
                format!("{size} 字节超过了服务端的上限 {max}（--max-size）")
            }
            Refusal::Exists { name } if en => {
                format!("{name:?} already exists and the server does not overwrite (--overwrite)")
            }
            Refusal::Exists { name } => {
                format!("{name:?} 已经存在，服务端不覆盖已有的文件（--overwrite）")
            }
            Refusal::CannotCreate(e) if en => {
                format!("cannot create a file in the upload directory: {e}")
            }
            Refusal::CannotCreate(e) => format!("无法在上传目录里创建文件：{e}"),
            Refusal::NoHashThread(e) if en => format!(
                "the server cannot start a thread to hash the upload ({e}); try again later"
            ),
            Refusal::NoHashThread(e) => {
                format!("服务端无法启动计算哈希的线程（{e}）；请稍后再试")
            }
            Refusal::Mismatch { claimed, digest } if en => format!(
                "sha256 mismatch: the client sent {claimed}, the body hashes to {digest}; \
                 nothing kept"
            ),
            Refusal::Mismatch { claimed, digest } => format!(
                "sha256 不一致：客户端发来 {claimed}，文件体算出来是 {digest}；什么也没保留"
            ),
            Refusal::ShuttingDown => self
                .pick(
                    "the server is shutting down; nothing kept",
                    "服务端正在关闭；什么也没保留",
                )
                .into(),
            Refusal::CannotStore { name, error } if en => format!("cannot store {name:?}: {error}"),
            Refusal::CannotStore { name, error } => format!("无法存下 {name:?}：{error}"),
            Refusal::WriteFailed(e) if en => {
                format!("writing the upload failed: {e}; nothing kept")
            }
            Refusal::WriteFailed(e) => format!("写入上传的文件失败：{e}；什么也没保留"),
            Refusal::ConnectionFailed { stage, failure } if en => format!(
                "the connection failed {}: {}",
                self.stage(*stage),
                self.failure(failure)
            ),
            Refusal::ConnectionFailed { stage, failure } => {
                format!("连接{}断了：{}", self.stage(*stage), self.failure(failure))
            }
            Refusal::LeftEarly { got, size } if en => {
                format!("left after {got} of {size} body bytes; nothing kept")
            }
            Refusal::LeftEarly { got, size } => {
                format!("客户端在文件体 {size} 字节中收到 {got} 字节后就离开了；什么也没保留")
            }
        }
    }

    fn part(self, part: Part) -> &'static str {
        match part {
            Part::Header => self.pick("the header", "报头"),
            Part::Trailer => self.pick("the trailer after the body", "文件体之后的报尾"),
        }
    }

    fn stage(self, stage: Stage) -> String {
        match (self.0, stage) {
            (Lang::En, Stage::BeforeHeader) => "before its header was complete".into(),
            (Lang::Zh, Stage::BeforeHeader) => "在报头收全之前".into(),
            (Lang::En, Stage::BeforeAnswer) => "before the header was answered".into(),
            (Lang::Zh, Stage::BeforeAnswer) => "在答复报头之前".into(),
            (Lang::En, Stage::InBody { got, size }) => {
                format!("after {got} of {size} body bytes (nothing kept)")
            }
            (Lang::Zh, Stage::InBody { got, size }) => {
                format!("在收到文件体 {size} 字节中的 {got} 字节之后（什么也没保留）")
            }
            (Lang::En, Stage::BeforeTrailer) => {
                "before the sha256 after the body (nothing kept)".into()
            }
            (Lang::Zh, Stage::BeforeTrailer) => {
                "在文件体之后的 sha256 到达之前（什么也没保留）".into()
            }
        }
    }

    fn failure(self, failure: &Failure) -> String {
        match (self.0, failure) {
            (Lang::En, Failure::Idle { seconds }) => {
                format!("nothing for {seconds} s (--idle-timeout)")
            }
            (Lang::Zh, Failure::Idle { seconds }) => {
                format!("{seconds} s 内什么也没收到（--idle-timeout）")
            }
            (_, Failure::TimedOut) => self.pick("timed out", "等待超时").into(),
            (Lang::En, Failure::NotWholeWithin { seconds }) => {
                format!("still not whole after {seconds} s (--idle-timeout)")
            }
            (Lang::Zh, Failure::NotWholeWithin { seconds }) => {
                format!("{seconds} s 后仍未收全（--idle-timeout）")
            }
            (_, Failure::Closed) => self
                .pick("the client closed the connection", "客户端关闭了连接")
                .into(),
            (_, Failure::Io(e)) => e.clone(),
        }
    }

    /// What is wrong with the file name `name`.
    pub fn name_problem(self, name: &str, problem: NameProblem) -> String {
        let en = !self.zh();
        match problem {
            NameProblem::NotAName if en => format!("{name:?} is not a file name"),
            NameProblem::NotAName => format!("{name:?} 不是文件名"),
            NameProblem::TooLong { len } if en => {
                format!("the name is {len} bytes long; at most {MAX_NAME}")
            }
            NameProblem::TooLong { len } => format!("文件名长 {len} 字节；最多 {MAX_NAME}"),
            NameProblem::Separator('\0') if en => {
                format!("{name:?} holds a NUL byte, which no file name can hold")
            }
            NameProblem::Separator('\0') => format!("{name:?} 含有 NUL 字节，文件名里不能有它"),
            NameProblem::Separator(c) if en => {
                format!("{name:?} holds {c:?}: a file name only, no directories")
            }
            NameProblem::Separator(c) => {
                format!("{name:?} 含有 {c:?}：只能是文件名，不能带目录")
            }
            NameProblem::Invisible(c) if en => {
                format!("{name:?} holds the invisible or control character {c:?}")
            }
            NameProblem::Invisible(c) => format!("{name:?} 含有不可见字符或控制字符 {c:?}"),
            NameProblem::LooksBlank(c) if en => format!(
                "{name:?} holds U+{:04X}, which shows as blank space but is not a plain space: \
                 the name would look like another",
                c as u32
            ),
            NameProblem::LooksBlank(c) => format!(
                "{name:?} 含有 U+{:04X}，它看上去是空白，却不是普通的空格：这个名字会和别的名字\
                 看起来一样",
                c as u32
            ),
            NameProblem::EdgeSpace if en => format!(
                "{name:?} starts or ends with a space, which nobody sees: the name would look \
                 like another"
            ),
            NameProblem::EdgeSpace => {
                format!("{name:?} 开头或结尾有空格，谁也看不出来：这个名字会和别的名字看起来一样")
            }
            NameProblem::Unusable if en => format!("{name:?} is not a usable file name"),
            NameProblem::Unusable => format!("{name:?} 不是能用的文件名"),
            NameProblem::Reserved if en => format!(
                "{name:?} starts with {TEMP_PREFIX:?}, which is kept for uploads in progress"
            ),
            NameProblem::Reserved => {
                format!("{name:?} 以 {TEMP_PREFIX:?} 开头，这个前缀留给正在进行的上传")
            }
        }
    }

    /// `lab upload`'s error when the server refused: from the status's code and what the
    /// client knows, in this language; the server's own words when the code says too little.
    pub fn server_refused(
        self,
        status: &Status,
        name: &str,
        size: u64,
        sha256: Option<&str>,
    ) -> String {
        let text = status.error.clone();
        let said = match (status.code.as_deref(), status.limit) {
            (Some("exists"), _) => {
                Some(self.upload_refusal(&Refusal::Exists { name: name.into() }))
            }
            (Some("too_large"), Some(max)) => {
                Some(self.upload_refusal(&Refusal::TooLarge { size, max }))
            }
            (Some("bad_name"), _) => check_name(name)
                .err()
                .map(|problem| self.name_problem(name, problem)),
            (Some("max_clients"), Some(n)) => {
                Some(self.turn_away(&TurnAway::MaxClients(n as usize)))
            }
            (Some("no_descriptors"), limit) => {
                Some(self.turn_away(&TurnAway::NoDescriptors { limit }))
            }
            (Some("shutting_down"), _) => Some(self.upload_refusal(&Refusal::ShuttingDown)),
            (Some("sha256_mismatch"), _) => match (sha256, &status.sha256) {
                (Some(claimed), Some(digest)) => Some(self.upload_refusal(&Refusal::Mismatch {
                    claimed: claimed.into(),
                    digest: digest.clone(),
                })),
                _ => None,
            },
            (Some(code), _) if self.zh() => self.refusal_code(code, text.as_deref()),
            _ => None,
        };
        let said = said
            .or(text)
            .unwrap_or_else(|| self.pick("no reason given", "没有给出原因").into());
        format!(
            "{}{said}",
            self.pick("the server refused: ", "服务端拒绝了：")
        )
    }

    /// A refusal whose code says what happened but not the figures to say it with: the
    /// code's meaning in Chinese, the server's own words quoted (English keeps the server's
    /// words alone). `None` for a code the client does not know.
    fn refusal_code(self, code: &str, server_said: Option<&str>) -> Option<String> {
        let meaning = match code {
            "storage" => "服务端没能把文件存下来",
            "bad_header" => "服务端不接受这个报头",
            "header_too_long" => "报头超过了服务端的上限",
            "bad_trailer" => "服务端不接受这个报尾",
            "busy" => "服务端现在忙，无法启动计算哈希的线程；请稍后再试",
            "no_thread" => "服务端没有线程可以服务这个连接；请稍后再试",
            "cannot_watch" => "服务端无法监视这个连接，连接已关闭",
            _ => return None,
        };
        Some(match server_said {
            Some(said) => format!("{meaning}（服务端的原话：“{said}”）"),
            None => meaning.to_string(),
        })
    }

    /// Why `lab upload` or `lab upload-demo` did not upload.
    pub fn upload_error(self, e: &UploadError) -> String {
        let en = !self.zh();
        match e {
            UploadError::Refused {
                status,
                name,
                size,
                sha256,
            } => self.server_refused(status, name, *size, sha256.as_deref()),
            UploadError::NotAnUploadServer { peer } => format!(
                "{}{}",
                self.pick("the server refused: ", "服务端拒绝了："),
                self.not_an_upload_server(peer)
            ),
            UploadError::NoAnswer { peer, .. } if en => format!(
                "waiting for the server's answer failed: {}",
                self.not_an_upload_server(peer)
            ),
            UploadError::NoAnswer { peer, .. } => {
                format!("等待服务端答复超时：{}", self.not_an_upload_server(peer))
            }
            UploadError::Stalled {
                seconds,
                sent,
                size,
            } if en => format!(
                "send() failed: the server took no bytes for {seconds} s, {sent} of {size} body \
                 bytes sent; giving up (--timeout)"
            ),
            UploadError::Stalled {
                seconds,
                sent,
                size,
            } => format!(
                "send() 失败：服务端 {seconds} s 内没有取走任何字节，文件体 {size} 字节已发 {sent} \
                 字节；放弃（--timeout）"
            ),
            UploadError::NotStored(refusal) => format!(
                "{}{}",
                self.pick("the server refused: ", "服务端拒绝了："),
                self.upload_refusal(refusal)
            ),
            UploadError::NoSpace {
                dir,
                size,
                needed,
                free,
            } => self.not_enough_space(dir, *size, *needed, *free),
            UploadError::NotRegular(path) if en => format!(
                "{}: not a regular file; lab uploads files whose size is known",
                path.display()
            ),
            UploadError::NotRegular(path) => {
                format!("{}：不是普通文件；lab 只上传大小已知的文件", path.display())
            }
            UploadError::NoName(path) if en => {
                format!("{}: not a file name lab can send", path.display())
            }
            UploadError::NoName(path) => {
                format!("{}：这个文件名 lab 发送不了", path.display())
            }
            UploadError::Unreadable { path, error } => {
                format!(
                    "{}{}{}",
                    path.display(),
                    self.pick(": ", "："),
                    self.io_words(error)
                )
            }
            UploadError::AnswerFailed(error) if en => {
                format!("reading the server's answer failed: {error}")
            }
            UploadError::AnswerFailed(error) => {
                let why = if error.kind() == std::io::ErrorKind::UnexpectedEof {
                    "服务端没有答复就关闭了连接".to_string()
                } else {
                    error.to_string()
                };
                format!("读取服务端的答复失败：{why}")
            }
            // A failed socket call speaks for itself.
            UploadError::Failed(e) => e.to_string(),
        }
    }

    /// Why a file cannot be looked at: the common reasons said, the rest in the system's
    /// words without the `(os error N)` tail.
    fn io_words(self, e: &std::io::Error) -> String {
        match e.kind() {
            std::io::ErrorKind::NotFound => self
                .pick("no such file or directory", "没有这个文件或目录")
                .into(),
            std::io::ErrorKind::PermissionDenied => {
                self.pick("permission denied", "没有权限").into()
            }
            _ => {
                let words = e.to_string();
                words
                    .split(" (os error")
                    .next()
                    .unwrap_or(&words)
                    .to_lowercase()
            }
        }
    }

    fn not_an_upload_server(self, peer: &str) -> String {
        let peer = if peer.is_empty() {
            self.pick("the server", "服务端")
        } else {
            peer
        };
        match self.0 {
            Lang::En => format!(
                "{peer} did not answer like an upload server (is it `lab serve --upload-dir \
                 DIR`?)"
            ),
            Lang::Zh => {
                format!("{peer} 的答复不像上传服务端（它是 `lab serve --upload-dir DIR` 吗？）")
            }
        }
    }

    /// The server's note once an upload is stored.
    pub fn stored(self, got: &Received) -> String {
        let secs = got.elapsed.as_secs_f64().max(1e-9);
        let rate = mib_per_s(got.size, got.elapsed);
        let (name, size, calls) = (&got.name, got.size, got.recv_calls);
        let (least, most) = (got.smallest_recv, got.largest_recv);
        let reads = match (self.0, calls) {
            (Lang::En, 0) => "the body was empty".to_string(),
            (Lang::En, 1) => format!("the body came in 1 recv() call of {most} B"),
            (Lang::En, n) => format!("the body came in {n} recv() calls of {least}..{most} B"),
            (Lang::Zh, 0) => "文件体为空".to_string(),
            (Lang::Zh, 1) => format!("文件体在 1 次 recv() 中收到，{most} B"),
            (Lang::Zh, n) => format!("文件体分 {n} 次 recv() 收到，每次 {least}..{most} B"),
        };
        match self.0 {
            Lang::En => format!(
                "stored {name:?}: {size} B in {secs:.2} s ({rate:.1} MiB/s), sha256 matches; \
                 {reads}"
            ),
            Lang::Zh => format!(
                "已存为 {name:?}：{size} B，用时 {secs:.2} s（{rate:.1} MiB/s），sha256 一致；\
                 {reads}"
            ),
        }
    }

    /// `lab upload`'s last line.
    pub fn uploaded(self, name: &str, size: u64, elapsed: Duration, sha256: &str) -> String {
        let (secs, rate) = (elapsed.as_secs_f64(), mib_per_s(size, elapsed));
        match self.0 {
            Lang::En => format!(
                "uploaded {name:?}: {size} B in {secs:.2} s ({rate:.1} MiB/s), sha256 {sha256} \
                 verified by the server"
            ),
            Lang::Zh => format!(
                "已上传 {name:?}：{size} B，用时 {secs:.2} s（{rate:.1} MiB/s），sha256 {sha256} \
                 已由服务端核对"
            ),
        }
    }

    /// upload-demo's headings and lines, in order.
    pub fn upload_demo_title(self, size: u64) -> String {
        match self.0 {
            Lang::En => format!(
                "lab upload-demo — a {size} B file over one loopback connection, both ends here"
            ),
            Lang::Zh => {
                format!("lab upload-demo — 一个 {size} B 的文件走一条回环连接，两端都在这里")
            }
        }
    }

    pub fn header_on_the_wire(self) -> &'static str {
        self.pick(
            "the header on the wire (4-byte !I length, then JSON):",
            "线路上的报头（4 字节 !I 长度，然后是 JSON）：",
        )
    }

    pub fn body_in_chunks(self) -> &'static str {
        self.pick("the body, in chunks:", "文件体，分块传输：")
    }

    /// `  client: 4 write() calls of up to 256 KiB`.
    pub fn client_chunks(self, writes: u64, chunk_kib: usize) -> String {
        match (self.0, writes) {
            (Lang::En, 1) => format!("  client: 1 write() call of up to {chunk_kib} KiB"),
            (Lang::En, n) => format!("  client: {n} write() calls of up to {chunk_kib} KiB"),
            (Lang::Zh, n) => format!("  客户端：{n} 次 write()，每次最多 {chunk_kib} KiB"),
        }
    }

    /// `  server: 35 recv() calls of 1..262144 B — …`.
    pub fn server_reads(self, calls: u64, least: usize, most: usize) -> String {
        match (self.0, calls) {
            (Lang::En, n) => format!(
                "  server: {n} recv() call{} of {least}..{most} B — each returns what has \
                 arrived, not the client's chunks",
                if n == 1 { "" } else { "s" }
            ),
            (Lang::Zh, n) => format!(
                "  服务端：{n} 次 recv()，每次 {least}..{most} B —— 每次返回的是已经到达的字节，\
                 不是客户端的分块"
            ),
        }
    }

    pub fn trailer_heading(self) -> &'static str {
        self.pick(
            "after the body, the client's sha256 of what it sent (the same framing):",
            "文件体之后，是客户端对所发内容算出的 sha256（同样的分帧）：",
        )
    }

    pub fn the_checks(self) -> &'static str {
        self.pick("the checks:", "校验：")
    }

    /// `  sha256 on both sides matches: …`.
    pub fn sha_check(self, matches: bool, sha256: &str) -> String {
        match (self.0, matches) {
            (Lang::En, true) => format!("  sha256 on both sides matches: {sha256}"),
            (Lang::En, false) => format!("  sha256 on both sides DIFFERS: {sha256}"),
            (Lang::Zh, true) => format!("  两端的 sha256 一致：{sha256}"),
            (Lang::Zh, false) => format!("  两端的 sha256 不一致：{sha256}"),
        }
    }

    /// `  stored as "lesson.bin" only after the check …; byte for byte identical …`.
    pub fn stored_check(self, name: &str, identical: bool) -> String {
        match self.0 {
            Lang::En => format!(
                "  stored as {name:?} only after the check (written to a file without a name \
                 first); {}",
                if identical {
                    "byte for byte identical to the original"
                } else {
                    "NOT identical to the original"
                }
            ),
            Lang::Zh => format!(
                "  校验通过后才存为 {name:?}（先写进一个没有名字的文件）；{}",
                if identical {
                    "与原文件逐字节相同"
                } else {
                    "与原文件不同"
                }
            ),
        }
    }

    /// `  length 36 → {"name":…}`.
    pub fn length_then(self, length: i128, json: &str) -> String {
        format!("  {} {length} → {json}", self.pick("length", "长度"))
    }

    /// A progress bar's label: making the file, sending it, receiving it.
    pub fn phase(self, phase: Phase) -> &'static str {
        match phase {
            Phase::Make => self.pick("make", "生成"),
            Phase::Send => self.pick("send", "发送"),
            Phase::Receive => self.pick("receive", "接收"),
        }
    }

    /// A progress line: `send: notes.bin, 3145728 B`.
    pub fn progress_start(self, label: &str, name: &str, total: u64) -> String {
        match self.0 {
            Lang::En => format!("{label}: {name}, {total} B"),
            Lang::Zh => format!("{label}：{name}，{total} B"),
        }
    }

    /// `send: 30% (943718 of 3145728 B)`.
    pub fn progress_step(self, label: &str, got: u64, total: u64) -> String {
        let percent = got * 100 / total.max(1);
        match self.0 {
            Lang::En => format!("{label}: {percent}% ({got} of {total} B)"),
            Lang::Zh => format!("{label}：{percent}%（{got} / {total} B）"),
        }
    }

    /// `send: 100% (3145728 B)`.
    pub fn progress_done(self, label: &str, total: u64) -> String {
        match self.0 {
            Lang::En => format!("{label}: 100% ({total} B)"),
            Lang::Zh => format!("{label}：100%（{total} B）"),
        }
    }
}

/// MiB per second, for the final lines.
pub fn mib_per_s(size: u64, elapsed: Duration) -> f64 {
    size as f64 / elapsed.as_secs_f64().max(1e-9) / 1_048_576.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_with_a_code_is_said_in_the_clients_language() {
        let status = Status::refused(
            "exists",
            "\"a.bin\" already exists and the server does not overwrite (--overwrite)".into(),
            None,
        );
        let zh = Words(Lang::Zh).server_refused(&status, "a.bin", 3, None);
        assert_eq!(
            zh,
            "服务端拒绝了：\"a.bin\" 已经存在，服务端不覆盖已有的文件（--overwrite）"
        );
        let en = Words(Lang::En).server_refused(&status, "a.bin", 3, None);
        assert_eq!(en, format!("the server refused: {}", status.error.unwrap()));
    }

    #[test]
    fn a_code_without_figures_is_said_in_chinese_with_the_servers_words_quoted() {
        let status = Status::refused(
            "storage",
            "writing the upload failed: No space left on device; nothing kept".into(),
            None,
        );
        assert_eq!(
            Words(Lang::Zh).server_refused(&status, "a", 1, None),
            "服务端拒绝了：服务端没能把文件存下来（服务端的原话：“writing the upload failed: \
             No space left on device; nothing kept”）"
        );
        assert_eq!(
            Words(Lang::En).server_refused(&status, "a", 1, None),
            format!("the server refused: {}", status.error.unwrap())
        );
    }

    #[test]
    fn a_refusal_without_a_code_quotes_the_server() {
        let status = Status {
            ok: false,
            error: Some("nope".into()),
            ..Status::ok()
        };
        assert_eq!(
            Words(Lang::Zh).server_refused(&status, "a", 1, None),
            "服务端拒绝了：nope"
        );
    }
}
