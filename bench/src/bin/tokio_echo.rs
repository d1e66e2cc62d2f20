//! A framed echo server as a Rust user would write it with tokio: the default multi-threaded
//! runtime, a task per client, tokio-util's `LengthDelimitedCodec` (`!I` header, as lab's),
//! and every frame forwarded back as it comes. `forward` flushes once the stream has no
//! frame ready, so the replies to one read leave together, as lab's do. It prints its port,
//! then serves until killed: the tokio column of `make load`.

use futures_util::{StreamExt, TryStreamExt};
use tokio::net::TcpListener;
use tokio_util::codec::{FramedRead, FramedWrite, LengthDelimitedCodec};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    println!("{}", listener.local_addr()?.port());
    loop {
        let (socket, _) = listener.accept().await?;
        // Replies go out at once, as lab serve's do.
        socket.set_nodelay(true)?;
        tokio::spawn(async move {
            let (reading, writing) = socket.into_split();
            let requests = FramedRead::new(reading, LengthDelimitedCodec::new());
            let replies = FramedWrite::new(writing, LengthDelimitedCodec::new());
            // A client that breaks the framing or the connection just ends its own task.
            let _ = requests
                .map_ok(|frame| frame.freeze())
                .forward(replies)
                .await;
        });
    }
}
