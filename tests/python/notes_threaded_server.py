"""A threaded echo server written the way the notes teach (socket, struct.pack('!I', n),
recv loops), one thread per client: the yardstick `make load` measures lab serve against.
It prints its port, then serves until killed."""
import socket
import struct
import threading


def recv_exactly(conn, n):
    data = b''
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def serve(conn):
    with conn:
        while True:
            header = recv_exactly(conn, 4)
            if header is None:
                return
            (length,) = struct.unpack('!I', header)
            data = recv_exactly(conn, length)
            if data is None:
                return
            conn.sendall(struct.pack('!I', len(data)) + data)


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('127.0.0.1', 0))
server.listen(1024)
print(server.getsockname()[1], flush=True)
while True:
    conn, _ = server.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
