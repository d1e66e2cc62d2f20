//! Values lab cannot use, said in the user's language: a struct format that is no length
//! header, a delimiter with a broken escape, a path with a NUL byte, a lesson name not in the
//! registry, a body the lesson's header cannot count; a thread lab could not start.

use std::path::Path;

use super::Words;
use crate::error::ThreadRole;
use crate::framing::HeaderFormatError;
use crate::lang::Lang;

impl Words {
    /// `--header FORMAT` that is no length header.
    pub fn bad_header(self, format: &str, why: &HeaderFormatError) -> String {
        let why = match (self.0, why) {
            (_, HeaderFormatError::Struct(cpython)) => self.struct_error(cpython),
            (Lang::En, HeaderFormatError::Fields(n)) => format!(
                "a length header is one integer code (such as !I or <H), but {format:?} has {n} \
                 fields"
            ),
            (Lang::Zh, HeaderFormatError::Fields(n)) => format!(
                "长度报头只能是一个整数格式码（比如 !I 或 <H），而 {format:?} 有 {n} 个字段"
            ),
            (Lang::En, HeaderFormatError::NotInteger(code)) => format!(
                "a length header is one integer code (b B h H i I l L q Q n N), not {code:?}"
            ),
            (Lang::Zh, HeaderFormatError::NotInteger(code)) => format!(
                "长度报头只能是一个整数格式码（b B h H i I l L q Q n N），{code:?} 不是整数"
            ),
            (Lang::En, HeaderFormatError::Repeated(n)) => {
                format!("a length header is one integer, without a repeat count (got {n})")
            }
            (Lang::Zh, HeaderFormatError::Repeated(n)) => {
                format!("长度报头只能是一个整数，不能带重复次数（这里是 {n}）")
            }
            (Lang::En, HeaderFormatError::Width(n)) => {
                format!("a {n}-byte integer header is not supported")
            }
            (Lang::Zh, HeaderFormatError::Width(n)) => format!("不支持 {n} 字节的整数报头"),
        };
        format!("--header {format:?}{}{why}", self.colon())
    }

    /// `--delimiter TEXT` with a `\x` escape that lacks its two hex digits.
    pub fn bad_delimiter(self, text: &str) -> String {
        let why = self.pick(
            "a \\x escape needs two hex digits (\\x0a)",
            "\\x 转义后面要跟两位十六进制数字（\\x0a）",
        );
        format!("--delimiter {text:?}{}{why}", self.colon())
    }

    /// A body the lesson's length header cannot count: CPython's words for it.
    pub fn body_too_long(self, len: usize, cpython: &str) -> String {
        match self.0 {
            Lang::En => format!("a body of {len} bytes: {cpython}"),
            Lang::Zh => format!("{len} 字节的消息体：{}", self.struct_error(cpython)),
        }
    }

    /// A path the system cannot be handed.
    pub fn nul_in_path(self, path: &Path) -> String {
        match self.0 {
            Lang::En => format!("{}: a path with a NUL byte", path.display()),
            Lang::Zh => format!("{}：路径里有 NUL 字节", path.display()),
        }
    }

    /// `lab lesson NAME` for a name not in the registry (clap refuses those first).
    pub fn no_such_lesson(self, name: &str) -> String {
        match self.0 {
            Lang::En => name.to_string(),
            Lang::Zh => format!("没有叫 {name} 的课"),
        }
    }

    /// A thread lab could not start, the system's words kept.
    pub fn no_thread(self, what: ThreadRole, error: &str) -> String {
        let (en, zh) = match what {
            ThreadRole::Sender => ("sender's", "发送方的线程"),
            ThreadRole::Server => ("server's", "服务端的线程"),
            ThreadRole::Receiving => ("receiving", "接收线程"),
            ThreadRole::CleanUp => ("clean-up", "清理线程"),
            ThreadRole::Tracer => ("tracer's", "跟踪线程"),
            ThreadRole::Tool => ("tool's", "工具的线程"),
        };
        match self.0 {
            Lang::En => format!("starting the {en} thread failed: {error}"),
            Lang::Zh => format!("无法启动{zh}：{error}"),
        }
    }

    /// `: ` or `：`, after the flag and value a refusal names.
    fn colon(self) -> &'static str {
        self.pick(": ", "：")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The refusals no command line reaches (a NUL byte cannot be in an argument; bodies are
    /// small), said in both languages.
    #[test]
    fn unreachable_refusals_are_worded_in_both_languages() {
        let path = Path::new("/tmp/x");
        assert_eq!(
            Words(Lang::En).nul_in_path(path),
            "/tmp/x: a path with a NUL byte"
        );
        assert_eq!(
            Words(Lang::Zh).nul_in_path(path),
            "/tmp/x：路径里有 NUL 字节"
        );
        let cpython = "'I' format requires 0 <= number <= 4294967295";
        assert_eq!(
            Words(Lang::En).body_too_long(5, cpython),
            format!("a body of 5 bytes: {cpython}")
        );
        assert_eq!(
            Words(Lang::Zh).body_too_long(5, cpython),
            format!("5 字节的消息体：struct 报错：\"{cpython}\"")
        );
        assert_eq!(Words(Lang::Zh).no_such_lesson("x"), "没有叫 x 的课");
    }
}
