"""A server that assumes one recv() is one whole message (no recv loop): it reads a 4-byte
'!I' header with one recv(4) and the body with one recv(length), and fails loudly when a
recv() brings less. Port from argv (default 8080; 0 for any)."""
import socket
import struct
import sys

server = socket.socket()
server.bind(('127.0.0.1', int(sys.argv[1]) if len(sys.argv) > 1 else 8080))
server.listen(5)
conn, addr = server.accept()
header = conn.recv(4)
(length,) = struct.unpack('!I', header)
body = conn.recv(length)
if len(body) != length:
    sys.exit(f'expected {length} bytes, recv() gave {len(body)}: {body!r}')
print(body)
conn.sendall(b'ok')
