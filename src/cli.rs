//! The command line, declared with clap's derive and nothing else: `Cli`, the `Command`
//! enum, one Args struct per subcommand. Turning arguments into typed options (and refusing
//! impossible ones) happens once, in `command/`.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::lesson::framed_demo::Corruption;
use crate::lesson::reuseaddr_demo::Closer;
use crate::net::link::NetSpec;
use crate::render::ColorChoice;
use crate::render::human_bytes;
use crate::tools::Reply;

/// The heading the global options stand under in every command's help, after the command's
/// own options.
const GLOBAL: &str = "Global options";

/// See why TCP is a byte stream, not a message stream: real sockets on loopback, every send()
/// and recv() recorded and shown side by side.
#[derive(Debug, Parser)]
#[command(
    name = "lab",
    version,
    arg_required_else_help = true,
    max_term_width = 100
)]
pub struct Cli {
    /// When to colour the output (auto: only on a terminal, and not when NO_COLOR is set).
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, global = true, help_heading = GLOBAL)]
    pub color: ColorArg,

    /// Print JSON Lines instead of the view: one object per event, then a summary.
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub json: bool,

    /// Show a demo one event (or row) at a time, waiting for Enter: a teacher narrating.
    #[arg(long, global = true, help_heading = GLOBAL, conflicts_with = "slow")]
    pub step: bool,

    /// Show a demo one event (or row) at a time, this many milliseconds apart.
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "MS",
          value_parser = clap::value_parser!(u64).range(1..=MAX_DELAY_MS))]
    pub slow: Option<u64>,

    /// Fit the output to N columns [default: COLUMNS, else the terminal's width up to 100,
    /// else 80].
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "N",
          value_parser = clap::value_parser!(u16).range(MIN_WIDTH as i64..=1000))]
    pub width: Option<u16>,

    /// Do not page long texts (`lab lesson` uses less on a terminal, as git does).
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub no_pager: bool,

    /// The language of every view and text: en or zh [default: from LC_ALL, LC_MESSAGES or
    /// LANG — zh for a Chinese locale, else en]. JSON keeps its fields and codes.
    #[arg(long, global = true, help_heading = GLOBAL, value_enum, value_name = "LANG")]
    pub lang: Option<LangArg>,

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
    /// The 40 ms stall in the notes' fix: header and body as two send()s, timed round trips.
    StallDemo(StallArgs),
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
    /// Run your own programs and see their socket calls side by side (any language).
    Trace(TraceArgs),
    /// Print a shell completion script (bash, zsh, fish, …).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), generated from the command line's definition.
    Man(ManArgs),
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
pub struct ManArgs {
    /// A subcommand's own page instead of lab's (e.g. `lab man serve`, `lab man struct pack`).
    #[arg(value_name = "SUBCOMMAND")]
    pub subcommand: Vec<String>,

    /// Write every page (lab.1, lab-serve.1, …) into this directory instead of printing one.
    #[arg(long, value_name = "DIR", conflicts_with = "subcommand")]
    pub dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct LessonArgs {
    /// The lesson's name, as `lab lessons` lists it (e.g. sticky-demo).
    #[arg(value_name = "NAME", value_parser = lesson_names())]
    pub name: String,

    /// Run the lesson's demo after the text.
    #[arg(long)]
    pub run: bool,

    /// Leave out the quiz's answers (for projecting the quiz to a class).
    #[arg(long)]
    pub no_answers: bool,
}

/// The lesson names, for clap: it suggests the nearest one for a typo, and completion
/// scripts offer them.
fn lesson_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(crate::lesson::LESSONS.iter().map(|l| l.name))
}

/// `--color`: clap's spelling of [`ColorChoice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Colour a terminal, unless NO_COLOR is set.
    Auto,
    Always,
    Never,
}

impl From<ColorArg> for ColorChoice {
    fn from(arg: ColorArg) -> Self {
        match arg {
            ColorArg::Auto => ColorChoice::Auto,
            ColorArg::Always => ColorChoice::Always,
            ColorArg::Never => ColorChoice::Never,
        }
    }
}

/// `--lang`: clap's spelling of [`crate::lang::Lang`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// English.
    En,
    /// Chinese (中文).
    Zh,
}

impl From<LangArg> for crate::lang::Lang {
    fn from(arg: LangArg) -> Self {
        match arg {
            LangArg::En => crate::lang::Lang::En,
            LangArg::Zh => crate::lang::Lang::Zh,
        }
    }
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

    /// Largest message accepted in --mode framed (a size: 1000, 64KiB, 1MiB …).
    #[arg(long, value_name = "SIZE", default_value = "1MiB",
          value_parser = size_between(1, MAX_FRAME_LIMIT))]
    pub max_frame: u64,
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

    /// The buffer size of each recv() call (a size: 1024, 64KiB …).
    #[arg(long, value_name = "SIZE", default_value = "1024",
          value_parser = size_between(1, MAX_RECV_SIZE))]
    pub recv_size: u64,

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
    #[arg(long, value_name = "SIZE", default_value = "16GiB",
          value_parser = size_between(0, u64::MAX))]
    pub max_size: u64,

    /// Let an upload replace a file that already has its name.
    #[arg(long)]
    pub overwrite: bool,

    /// Log only clients joining and leaving, not every recv() and reply (for load tests).
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("programs").required(true).args(["command", "server"])))]
pub struct TraceArgs {
    /// The server, as a shell command line ('python3 server.py'); the client starts once it
    /// listens.
    #[arg(
        long,
        value_name = "CMD",
        requires = "client",
        conflicts_with = "command"
    )]
    pub server: Option<String>,

    /// The client, as a shell command line; it finds the server's port in LAB_SERVER_PORT.
    #[arg(long, value_name = "CMD", requires = "server")]
    pub client: Option<String>,

    /// Every recv() asks for at most SIZE bytes (rewritten at the call; 3, 1KiB, 64KiB):
    /// code that expects a whole message per recv() meets half messages (半包).
    #[arg(long, value_name = "SIZE", value_parser = size_between(1, u64::MAX))]
    pub recv_max: Option<u64>,

    /// Every send() offers at most SIZE bytes (rewritten at the call; 4, 1KiB, 64KiB):
    /// send() moves less than it was given, and code without sendall() loses the rest.
    #[arg(long, value_name = "SIZE", value_parser = size_between(1, u64::MAX))]
    pub send_max: Option<u64>,

    /// Hold the server's first recv() on each connection until the client has sent nothing
    /// for MS milliseconds (or closed, or waits for a reply): the reader is late, so the
    /// client's sends merge — on a slow machine as on a fast one.
    #[arg(long, value_name = "MS", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=MAX_DELAY_MS))]
    pub reader_delay: u64,

    /// Show bytes as hex and printable columns instead of text.
    #[arg(long)]
    pub hex: bool,

    /// Run the server and the client across lab's link (SPEC as for lab sticky-demo --net,
    /// e.g. delay=20ms): each in a network namespace of its own. The programs run unchanged:
    /// a bind() or connect() naming 127.0.0.1 is rewritten to the link's addresses. Needs
    /// --server and --client.
    #[arg(long, value_name = "SPEC", num_args = 0..=1, default_missing_value = "",
          value_parser = parse_net_spec)]
    pub net: Option<NetSpec>,

    /// Also draw a connection as a sequence diagram into FILE (SVG): the first one that
    /// moved bytes.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<std::path::PathBuf>,

    /// Also write that connection as one self-contained HTML page: the chart, the table,
    /// Next/Back controls and its events as JSON.
    #[arg(long, value_name = "FILE")]
    pub html: Option<std::path::PathBuf>,

    /// Also write the link's packets as a pcapng file for Wireshark (with --net).
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<std::path::PathBuf>,

    /// The program to run and its arguments, after `--`.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<std::ffi::OsString>,
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
    #[arg(long, value_name = "SIZE", default_value = "64MiB",
          value_parser = size_between(0, u64::MAX))]
    pub size: u64,
}

/// A size in bytes, with an optional unit: B, KiB, MiB, GiB, TiB (K, KB, M, MB … mean the
/// same powers of 1024). Every flag that takes a size reads it here.
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
        "t" | "tb" | "tib" => 1 << 40,
        other => {
            return Err(format!(
                "unknown size unit {other:?} (use B, KiB, MiB, GiB or TiB)"
            ));
        }
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("{text:?} is too large"))
}

/// clap's parser for a size flag: [`parse_size`], then the flag's range.
pub fn size_between(
    min: u64,
    max: u64,
) -> impl Fn(&str) -> Result<u64, String> + Clone + Send + Sync + 'static {
    move |text| {
        let size = parse_size(text)?;
        if size < min {
            return Err(format!("the smallest accepted is {}", human_bytes(min)));
        }
        if size > max {
            return Err(format!("the largest accepted is {}", human_bytes(max)));
        }
        Ok(size)
    }
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

    /// Chat across lab's link (SPEC as for lab sticky-demo --net, e.g. delay=20ms): lab runs
    /// its own server (as lab serve --reply upper, on --addr's port) in one network
    /// namespace and this chat in another, and shows both ends and what the link carried.
    #[arg(long, value_name = "SPEC", num_args = 0..=1, default_missing_value = "",
          value_parser = parse_net_spec)]
    pub net: Option<NetSpec>,
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

    /// Largest piece --stammer forwards (a size: 3, 1KiB … up to 64KiB).
    #[arg(long, value_name = "SIZE", default_value = "3",
          value_parser = size_between(1, 64 * 1024))]
    pub max_chunk: u64,

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
pub struct StallArgs {
    /// Request/reply round trips for each way of sending.
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub rounds: u32,

    /// Bytes in the body of each request and each reply.
    #[arg(long, value_name = "BYTES", default_value_t = 32,
          value_parser = clap::value_parser!(u32).range(1..=16_384))]
    pub size: u32,

    /// Run both ends across lab's link (see lab sticky-demo --help): with a delay, every
    /// segment that waited for an ACK is shown, and every ACK held back.
    #[arg(long, value_name = "SPEC", num_args = 0..=1, default_missing_value = "",
          value_parser = parse_net_spec)]
    pub net: Option<NetSpec>,

    /// Also write every way's packets as one pcapng file for Wireshark (with --net).
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<std::path::PathBuf>,
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
    #[arg(long, value_enum, default_value_t = CloserArg::Both)]
    pub closer: CloserArg,
}

/// `--closer`: which side closes first, or both in turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CloserArg {
    Client,
    Server,
    /// Run the matrix both ways.
    Both,
}

impl CloserArg {
    /// The closers whose restarts the demo measures, in the order it runs them.
    pub fn closers(self) -> &'static [Closer] {
        match self {
            CloserArg::Client => &[Closer::Client],
            CloserArg::Server => &[Closer::Server],
            CloserArg::Both => &[Closer::Server, Closer::Client],
        }
    }
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

    /// Also send a message of this many bytes (the letters a–z over and over), after the
    /// --message ones; alone, it is the only message. Large ones show the network splitting
    /// a message (with --net). A size: 60000, 64KiB …
    #[arg(long, value_name = "SIZE",
          value_parser = size_between(1, MAX_MESSAGE_SIZE))]
    pub message_size: Option<u64>,

    /// The buffer size of each recv() call (small values split messages: 半包); a size:
    /// 4, 1024, 64KiB …
    #[arg(long, value_name = "SIZE", default_value = "1024",
          value_parser = size_between(1, MAX_RECV_SIZE))]
    pub recv_size: u64,

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

    /// Put a real network path between the two ends: each in its own network namespace,
    /// joined by lab's link, which does to every packet what SPEC says — knob=value pairs
    /// such as delay=20ms,loss=2%,seed=7 (knobs: mtu, delay, rtt, jitter, loss, reorder,
    /// duplicate, rate, queue, seed). Alone, a clean link at MTU 1500. Needs root, or a user
    /// namespace where the kernel allows one.
    #[arg(long, value_name = "SPEC", num_args = 0..=1, default_missing_value = "",
          value_parser = parse_net_spec)]
    pub net: Option<NetSpec>,

    /// Run the lesson N times and show histograms of recv() calls and segments per run.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=500))]
    pub trials: u32,

    /// Also draw the run as a sequence diagram into FILE (SVG); with --trials, the histograms.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<std::path::PathBuf>,

    /// Also write the run as one self-contained HTML page: the chart, the table, Next/Back
    /// controls and the JSON events.
    #[arg(long, value_name = "FILE")]
    pub html: Option<std::path::PathBuf>,

    /// Also write the connection's packets as a pcapng file for Wireshark; captures them as
    /// --wire does (root or CAP_NET_RAW).
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<std::path::PathBuf>,
}

/// Largest --message-size: 16 MiB.
pub const MAX_MESSAGE_SIZE: u64 = 16 * 1024 * 1024;
/// Largest recv() buffer a lesson allocates: 16 MiB.
pub const MAX_RECV_SIZE: u64 = 16 * 1024 * 1024;
/// Largest `--max-frame`: the biggest length a 4-byte header can claim.
pub const MAX_FRAME_LIMIT: u64 = u32::MAX as u64;
/// The narrowest `--width` the views are laid out for.
pub const MIN_WIDTH: u16 = 40;
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

    /// Largest payload the receiver accepts (a size: 1000, 64KiB, 8MiB …); a header
    /// claiming more is refused before anything is allocated.
    #[arg(long, value_name = "SIZE", default_value = "8MiB",
          value_parser = size_between(1, MAX_FRAME_LIMIT))]
    pub max_frame: u64,

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

    /// The record size for --framing fixed (a size: 16, 1KiB …) [default: 16]
    #[arg(long, value_name = "SIZE", value_parser = size_between(1, MAX_RECV_SIZE))]
    pub record_size: Option<u64>,

    /// Make the sender break the framing of its last message, to see the receiver refuse.
    #[arg(long, value_enum, value_name = "HOW")]
    pub corrupt: Option<Corruption>,
}

/// `--framing`: how a message's end is marked (clap's spelling of
/// [`crate::framing::FramingKind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FramingKind {
    /// A length header before each message.
    Length,
    /// A delimiter after each message.
    Delimiter,
    /// Every message padded to a fixed-size record.
    Fixed,
}

impl From<FramingKind> for crate::framing::FramingKind {
    fn from(arg: FramingKind) -> Self {
        match arg {
            FramingKind::Length => crate::framing::FramingKind::Length,
            FramingKind::Delimiter => crate::framing::FramingKind::Delimiter,
            FramingKind::Fixed => crate::framing::FramingKind::Fixed,
        }
    }
}

/// `--net SPEC`, read by the link's own parser (which names the knob that is wrong).
fn parse_net_spec(text: &str) -> Result<NetSpec, String> {
    text.parse()
        .map_err(|e: crate::net::link::spec::SpecError| e.to_string())
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

impl Command {
    /// The subcommand's name, as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Lessons => "lessons",
            Command::Lesson(_) => "lesson",
            Command::StickyDemo(_) => "sticky-demo",
            Command::FramedDemo(_) => "framed-demo",
            Command::UdpDemo(_) => "udp-demo",
            Command::Struct(_) => "struct",
            Command::ReuseaddrDemo(_) => "reuseaddr-demo",
            Command::BacklogDemo(_) => "backlog-demo",
            Command::StallDemo(_) => "stall-demo",
            Command::Trace(_) => "trace",
            Command::Serve(_) => "serve",
            Command::Chat(_) => "chat",
            Command::Proxy(_) => "proxy",
            Command::Upload(_) => "upload",
            Command::UploadDemo(_) => "upload-demo",
            Command::Completions { .. } => "completions",
            Command::Man(_) => "man",
            Command::CopyRecv { .. } => "copy-recv",
            Command::CopySend { .. } => "copy-send",
        }
    }
}

impl Cli {
    /// Whether the command will build a `--net` link (for `main`, which must prepare a user
    /// namespace before any thread starts when the user is not root).
    pub fn wants_link(&self) -> bool {
        match &self.command {
            Command::StickyDemo(a) | Command::UdpDemo(a) => a.exchange.net.is_some(),
            Command::FramedDemo(a) => a.exchange.net.is_some(),
            Command::StallDemo(a) => a.net.is_some(),
            Command::Trace(a) => a.net.is_some(),
            Command::Chat(a) => a.net.is_some(),
            Command::Lesson(a) if a.run => crate::lesson::find(&a.name)
                .and_then(|l| l.run)
                .is_some_and(|argv| argv.contains(&"--net")),
            _ => false,
        }
    }

    /// `--json` and `--color` written after `lab struct pack` values arrive among the values
    /// (values may start with '-'); take them back out as the global options they are.
    pub fn lift_global_options(&mut self) {
        let Some(values) = self.pack_values().map(std::mem::take) else {
            return;
        };
        let mut kept = Vec::with_capacity(values.len());
        let mut rest = values.into_iter();
        while let Some(value) = rest.next() {
            if value == "--json" {
                self.json = true;
                continue;
            }
            let (flag, inline) = match value.split_once('=') {
                Some((flag, given)) => (flag.to_string(), Some(given.to_string())),
                None => (value.clone(), None),
            };
            if !["--width", "--color", "--lang"].contains(&flag.as_str()) {
                kept.push(value);
                continue;
            }
            let separate = inline.is_none();
            let given = inline.or_else(|| rest.next());
            if !given.as_deref().is_some_and(|g| self.lift_one(&flag, g)) {
                // Not a value the flag takes: they were struct values after all.
                kept.push(value);
                kept.extend(given.filter(|_| separate));
            }
        }
        if let Some(values) = self.pack_values() {
            *values = kept;
        }
    }

    /// The values of `lab struct pack`, if that is the command.
    fn pack_values(&mut self) -> Option<&mut Vec<String>> {
        match &mut self.command {
            Command::Struct(StructArgs {
                action: StructAction::Pack { values, .. },
            }) => Some(values),
            _ => None,
        }
    }

    /// Set a global flag found among `lab struct pack`'s values; false if `given` is not a
    /// value it takes.
    fn lift_one(&mut self, flag: &str, given: &str) -> bool {
        match flag {
            "--width" => match given.parse::<u16>() {
                Ok(w) if (MIN_WIDTH..=1000).contains(&w) => self.width = Some(w),
                _ => return false,
            },
            "--color" => match ColorArg::from_str(given, false) {
                Ok(choice) => self.color = choice,
                Err(_) => return false,
            },
            _ => match LangArg::from_str(given, false) {
                Ok(lang) => self.lang = Some(lang),
                Err(_) => return false,
            },
        }
        true
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
    fn every_subcommand_knows_its_name() {
        let command = Cli::command();
        for sub in command.get_subcommands() {
            let mut args = vec!["lab", sub.get_name()];
            // Fill the required arguments with values each subcommand takes.
            args.extend(match sub.get_name() {
                "lesson" => &["sticky-demo"][..],
                "struct" => &["calcsize", "i"][..],
                "upload" | "copy-send" => &["file", "--to", "127.0.0.1:1"][..],
                "proxy" => &["--to", "127.0.0.1:1"][..],
                "completions" => &["bash"][..],
                "copy-recv" => &["--out", "file"][..],
                "trace" => &["--", "true"][..],
                _ => &[][..],
            });
            let cli = Cli::try_parse_from(&args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            assert_eq!(cli.command.name(), sub.get_name());
        }
    }

    #[test]
    fn the_size_defaults_are_the_constants_they_stand_for() {
        let cli = Cli::parse_from(["lab", "framed-demo"]);
        let Command::FramedDemo(args) = cli.command else {
            panic!("framed-demo")
        };
        assert_eq!(args.max_frame, crate::framing::DEFAULT_MAX_FRAME as u64);
        assert_eq!(args.exchange.recv_size, 1024);
        assert_eq!(parse_size("64KiB"), Ok(64 * 1024));
        assert!(
            size_between(1, 16).clone()("17")
                .unwrap_err()
                .contains("16 B")
        );
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
