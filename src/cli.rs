//! The command line, declared with clap's derive and nothing else: `Cli`, the `Command`
//! enum, one Args struct per subcommand. Turning arguments into lesson options (and refusing
//! impossible ones) happens in `lib.rs`.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::framing::DEFAULT_MAX_FRAME;
use crate::lesson::Lang;
use crate::lesson::framed_demo::Corruption;
use crate::lesson::reuseaddr_demo::Closer;
use crate::render::ColorChoice;
use crate::tools::Reply;

/// See why TCP is a byte stream, not a message stream: real sockets on loopback, every send()
/// and recv() recorded and shown side by side.
#[derive(Debug, Parser)]
#[command(name = "lab", version, arg_required_else_help = true)]
pub struct Cli {
    /// When to colour the output (auto: only on a terminal, and not when NO_COLOR is set).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    /// Print JSON Lines instead of the view: one object per event, then a summary.
    #[arg(long, global = true)]
    pub json: bool,

    /// Show a demo one event (or row) at a time, waiting for Enter: a teacher narrating.
    #[arg(long, global = true, conflicts_with = "slow")]
    pub step: bool,

    /// Show a demo one event (or row) at a time, this many milliseconds apart.
    #[arg(long, global = true, value_name = "MS",
          value_parser = clap::value_parser!(u64).range(1..=MAX_DELAY_MS))]
    pub slow: Option<u64>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The lessons in teaching order: name, title, the command that runs each.
    Lessons,
    /// Read a lesson (English or Chinese), and with --run see its demo after it.
    Lesson(LessonArgs),
    /// Sticky packets (粘包/半包): several send() calls, read back with plain recv(N).
    StickyDemo(StickyArgs),
    /// The fix: a 4-byte length header (struct '!I') before each message, decoded intact.
    FramedDemo(FramedArgs),
    /// The same messages over UDP: one recvfrom() per datagram, and truncation.
    UdpDemo(StickyArgs),
    /// Python's struct module, byte for byte: pack, unpack, calcsize.
    Struct(StructArgs),
    /// "Address already in use": SO_REUSEADDR and TIME_WAIT, every combination measured.
    ReuseaddrDemo(ReuseaddrArgs),
    /// listen(n) as a waiting room (半连接池): who gets in before accept(), measured.
    BacklogDemo(BacklogArgs),
    /// A server for a second terminal: communication and connection loops, many clients.
    Serve(ServeArgs),
    /// A client for a second terminal: send each line, print the reply.
    Chat(ChatArgs),
    /// A troublemaker between client and server: re-chunks or holds the stream.
    Proxy(ProxyArgs),
    /// Upload a file to `lab serve --upload-dir`: a JSON header, then the body, sha256-checked.
    Upload(UploadArgs),
    /// A large file upload on loopback, both ends: the header bytes, the chunks, the check.
    UploadDemo(UploadDemoArgs),
    /// Print a shell completion script (bash, zsh, fish, …).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), generated from the command line's definition.
    Man,
    /// Benchmark helper: receive one plain byte copy into a file (see make bench-upload).
    #[command(hide = true)]
    CopyRecv {
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: std::net::SocketAddr,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Benchmark helper: send a file as a plain byte copy.
    #[command(hide = true)]
    CopySend {
        file: std::path::PathBuf,
        #[arg(long)]
        to: std::net::SocketAddr,
    },
}

#[derive(Debug, Clone, Args)]
pub struct LessonArgs {
    /// The lesson's name, as `lab lessons` lists it (e.g. sticky-demo).
    #[arg(value_name = "NAME")]
    pub name: String,

    /// The language of the text [default: from LC_ALL / LANG; zh for Chinese, else en].
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,

    /// Run the lesson's demo after the text.
    #[arg(long)]
    pub run: bool,
}

/// `--mode`: how the two-terminal tools carry messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    /// Bytes as recv() returns them: merges and splits show.
    Raw,
    /// A length header before each message (see --header).
    Framed,
}

/// How the two-terminal tools frame messages.
#[derive(Debug, Clone, Args)]
pub struct WireArgs {
    #[arg(long, value_enum, default_value_t = ModeArg::Raw)]
    pub mode: ModeArg,

    /// The length header for --mode framed, as a Python struct format (!I, !H, <Q, i, …).
    #[arg(long, value_name = "FMT", default_value = "!I")]
    pub header: String,

    /// Largest message accepted in --mode framed, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_frame: u32,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (loopback unless you give another).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,

    /// The backlog passed to listen().
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(i32).range(0..=65535))]
    pub backlog: i32,

    /// Set SO_REUSEADDR before bind() (the default).
    #[arg(long, overrides_with = "no_reuseaddr")]
    pub reuseaddr: bool,

    /// Do not set SO_REUSEADDR: restart quickly to meet "address already in use".
    #[arg(long, overrides_with = "reuseaddr")]
    pub no_reuseaddr: bool,

    #[command(flatten)]
    pub wire: WireArgs,

    /// The buffer size of each recv() call.
    #[arg(long, value_name = "N", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(1..=MAX_RECV_SIZE))]
    pub recv_size: u32,

    /// What to send back for each message.
    #[arg(long, value_enum, default_value_t = Reply::Upper)]
    pub reply: Reply,

    /// Clients served at once; more are accepted and closed with a log line.
    #[arg(long, value_name = "N", default_value_t = 64,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_clients: u32,

    /// Seconds a client may stay silent before the server closes its connection.
    #[arg(long, value_name = "SECONDS", default_value_t = 300.0)]
    pub idle_timeout: f64,

    /// Accept file uploads (from `lab upload`) into this directory instead of messages.
    #[arg(long, value_name = "DIR")]
    pub upload_dir: Option<std::path::PathBuf>,

    /// The largest upload accepted, e.g. 512MiB or 2GiB; checked before the body is read.
    #[arg(long, value_name = "SIZE", default_value = "16GiB", value_parser = parse_size)]
    pub max_size: u64,

    /// Let an upload replace a file that already has its name.
    #[arg(long)]
    pub overwrite: bool,

    /// Log only clients joining and leaving, not every recv() and reply (for load tests).
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Args)]
pub struct UploadArgs {
    /// The file to send.
    #[arg(value_name = "FILE")]
    pub file: std::path::PathBuf,

    /// The server (`lab serve --upload-dir DIR`).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub to: std::net::SocketAddr,

    /// Store it under this name instead of the file's own.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Seconds the server may take no bytes and send no answer before the upload gives up.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub timeout: f64,
}

#[derive(Debug, Clone, Args)]
pub struct UploadDemoArgs {
    /// Size of the generated file, e.g. 64MiB, 1GiB, 1000.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub size: u64,
}

/// A size in bytes, with an optional K/M/G suffix (KiB, MiB, GiB: powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let lower = text.trim().to_ascii_lowercase();
    let split = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (digits, unit) = lower.split_at(split);
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size (write 1000, 64KiB, 64MiB or 1GiB)"))?;
    let factor: u64 = match unit.trim() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("unknown size unit {other:?} (use KiB, MiB or GiB)")),
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("{text:?} is too large"))
}

#[derive(Debug, Clone, Args)]
pub struct ChatArgs {
    /// The server's address.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,

    #[command(flatten)]
    pub wire: WireArgs,

    /// Send all piped lines back to back, then read the replies (provokes merging).
    #[arg(long)]
    pub burst: bool,

    /// Seconds to wait for a reply.
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    pub reply_timeout: f64,
}

#[derive(Debug, Clone, Args)]
pub struct ProxyArgs {
    /// Address the proxy listens on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9090")]
    pub listen: std::net::SocketAddr,

    /// The server to forward to.
    #[arg(long, value_name = "ADDR")]
    pub to: std::net::SocketAddr,

    /// Re-chunk the stream into random pieces of 1..--max-chunk bytes.
    #[arg(long, conflicts_with = "coalesce")]
    pub stammer: bool,

    /// Largest piece --stammer forwards.
    #[arg(long, value_name = "BYTES", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub max_chunk: u32,

    /// Milliseconds between stammered pieces.
    #[arg(long, value_name = "MS", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(0..=MAX_DELAY_MS))]
    pub pause: u64,

    /// Seed for --stammer's random piece sizes (same seed, same pieces).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// Hold bytes for this many milliseconds, then forward them together.
    #[arg(long, value_name = "MS",
          value_parser = clap::value_parser!(u64).range(1..=MAX_DELAY_MS))]
    pub coalesce: Option<u64>,
}

#[derive(Debug, Clone, Args)]
pub struct BacklogArgs {
    /// The backlog passed to listen().
    #[arg(long, value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(i32).range(0..=65535))]
    pub backlog: i32,

    /// How many clients connect.
    #[arg(long, value_name = "M", default_value_t = 6,
          value_parser = clap::value_parser!(u32).range(1..=200))]
    pub clients: u32,

    /// Milliseconds the server waits before it starts to accept().
    #[arg(long, value_name = "MS", default_value_t = 200,
          value_parser = clap::value_parser!(u64).range(0..=5000))]
    pub wait: u64,
}

#[derive(Debug, Clone, Args)]
pub struct ReuseaddrArgs {
    /// Which side closes the connection first (the one that closes first holds TIME_WAIT).
    #[arg(long, value_enum, default_value_t = Closer::Both)]
    pub closer: Closer,
}

#[derive(Debug, Clone, Args)]
pub struct StructArgs {
    #[command(subcommand)]
    pub action: StructAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum StructAction {
    /// struct.pack(FMT, VALUE...): the bytes as Python prints them, and a field map.
    ///
    /// Values are Python literals: 5, -5, 0x10, 1.5, 1e+40, True, b'\x00ab'. For c, s and p
    /// plain text is taken as UTF-8. Write -inf and -nan after `--`.
    Pack {
        /// A struct format, e.g. '!I', '<hh', '@ci' (quote it for the shell).
        #[arg(value_name = "FMT")]
        format: String,
        /// Values may start with '-' (-5, -inf): they are values, never options.
        #[arg(value_name = "VALUE", allow_hyphen_values = true)]
        values: Vec<String>,
    },
    /// struct.unpack(FMT, BYTES): the tuple as Python prints it, and a field map.
    Unpack {
        #[arg(value_name = "FMT")]
        format: String,
        /// The bytes as hex ('00 00 00 05', '0x00:0x05') or a Python literal b'\x00\x05'.
        #[arg(value_name = "HEX", required = true, num_args = 1..)]
        hex: Vec<String>,
    },
    /// struct.calcsize(FMT): how many bytes the format packs to.
    Calcsize {
        #[arg(value_name = "FMT")]
        format: String,
    },
}

/// The knobs both headline lessons share.
#[derive(Debug, Clone, Args)]
pub struct ExchangeArgs {
    /// A message to send with its own send() call; repeat for more [default: hello, byebye,
    /// again,bye].
    #[arg(long = "message", value_name = "TEXT", value_parser = non_empty_message)]
    pub messages: Vec<String>,

    /// The buffer size of each recv() call (small values split messages: 半包).
    #[arg(long, value_name = "N", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(1..=MAX_RECV_SIZE))]
    pub recv_size: u32,

    /// Milliseconds the server waits after accept() before its first recv().
    #[arg(long, value_name = "MS", default_value_t = 100,
          value_parser = clap::value_parser!(u64).range(0..=MAX_DELAY_MS))]
    pub reader_delay: u64,

    /// Milliseconds the client waits between two messages.
    #[arg(long, value_name = "MS", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=MAX_DELAY_MS))]
    pub send_gap: u64,

    /// Set TCP_NODELAY on the client (turn Nagle's algorithm off).
    #[arg(long)]
    pub nodelay: bool,

    /// Show bytes as hex and printable columns instead of text.
    #[arg(long)]
    pub hex: bool,

    /// Capture the connection's TCP segments on loopback (needs root or CAP_NET_RAW) and show
    /// them between the send() and recv() calls.
    #[arg(long)]
    pub wire: bool,

    /// Run the lesson N times and show histograms of recv() calls and segments per run.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=500))]
    pub trials: u32,
}

/// Largest recv() buffer a lesson allocates: 16 MiB.
pub const MAX_RECV_SIZE: i64 = 16 * 1024 * 1024;
/// Longest single wait a lesson accepts: 10 s.
pub const MAX_DELAY_MS: u64 = 10_000;

#[derive(Debug, Clone, Args)]
pub struct StickyArgs {
    #[command(flatten)]
    pub exchange: ExchangeArgs,
}

#[derive(Debug, Clone, Args)]
pub struct FramedArgs {
    #[command(flatten)]
    pub exchange: ExchangeArgs,

    /// Largest payload the receiver accepts, in bytes; a header claiming more is refused
    /// before anything is allocated.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FRAME as u32,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_frame: u32,

    /// How each message's end is marked.
    #[arg(long, value_enum, default_value_t = FramingKind::Length)]
    pub framing: FramingKind,

    /// The length header as a Python struct format of one integer code: !I, !H, <Q, i, …
    /// [default: !I]
    #[arg(long, value_name = "FMT")]
    pub header: Option<String>,

    /// The delimiter for --framing delimiter; escapes like \n, \r\n, \x00 are read as
    /// Python reads them [default: \n]
    #[arg(long, value_name = "TEXT")]
    pub delimiter: Option<String>,

    /// The record size for --framing fixed, in bytes [default: 16]
    #[arg(long, value_name = "BYTES",
          value_parser = clap::value_parser!(u32).range(1..=MAX_RECV_SIZE))]
    pub record_size: Option<u32>,

    /// Make the sender break the framing of its last message, to see the receiver refuse.
    #[arg(long, value_enum, value_name = "HOW")]
    pub corrupt: Option<Corruption>,
}

/// `--framing`: how a message's end is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FramingKind {
    /// A length header before each message.
    Length,
    /// A delimiter after each message.
    Delimiter,
    /// Every message padded to a fixed-size record.
    Fixed,
}

/// A message must have at least one byte: send(b"") sends nothing at all, so there would be
/// nothing to see (and the notes' server would take it for end of stream).
fn non_empty_message(text: &str) -> Result<String, String> {
    if text.is_empty() {
        Err("a message must not be empty: send() of 0 bytes puts nothing on the wire".into())
    } else {
        Ok(text.to_string())
    }
}

impl Cli {
    /// `--json` and `--color` written after `lab struct pack` values arrive among the values
    /// (values may start with '-'); take them back out as the global options they are.
    pub fn lift_global_options(&mut self) {
        let Command::Struct(StructArgs {
            action: StructAction::Pack { values, .. },
        }) = &mut self.command
        else {
            return;
        };
        let mut kept = Vec::with_capacity(values.len());
        let mut rest = std::mem::take(values).into_iter();
        while let Some(value) = rest.next() {
            let color = match value.as_str() {
                "--json" => {
                    self.json = true;
                    continue;
                }
                "--color" => rest.next(),
                other => other.strip_prefix("--color=").map(str::to_string),
            };
            match color.as_deref().map(|c| ColorChoice::from_str(c, false)) {
                Some(Ok(choice)) => self.color = choice,
                _ => kept.push(value),
            }
        }
        *values = kept;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn options_after_struct_values_still_count() {
        let mut cli = Cli::parse_from(["lab", "struct", "pack", "d", "-5.5e-08", "--json"]);
        cli.lift_global_options();
        assert!(cli.json);
        let Command::Struct(StructArgs {
            action: StructAction::Pack { values, .. },
        }) = &cli.command
        else {
            panic!("struct pack");
        };
        assert_eq!(values, &["-5.5e-08"]);
    }
}
