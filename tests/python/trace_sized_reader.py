"""A server whose every read asks for exactly one message's length, in one of four ways
(argv[1]): `header` — recv(4) for a '!I' header, then recv(length); `recvmsg_into` — two
10-byte buffers; `readv` — os.readv() into two 8-byte buffers; `late` — it sleeps 0.3 s,
then recvmsg(100). It reads until the client closes, printing each read. Any free port."""
import os
import socket
import struct
import sys
import time

mode = sys.argv[1]
server = socket.socket()
server.bind(('127.0.0.1', 0))
server.listen(1)
conn, addr = server.accept()
if mode == 'late':
    time.sleep(0.3)
while True:
    if mode == 'header':
        header = conn.recv(4)
        if not header:
            break
        (length,) = struct.unpack('!I', header)
        data = conn.recv(length)
    elif mode == 'recvmsg_into':
        parts = [bytearray(10), bytearray(10)]
        n = conn.recvmsg_into(parts)[0]
        data = bytes(parts[0] + parts[1])[:n]
    elif mode == 'readv':
        parts = [bytearray(8), bytearray(8)]
        n = os.readv(conn.fileno(), parts)
        data = bytes(parts[0] + parts[1])[:n]
    else:
        data = conn.recvmsg(100)[0]
    if not data:
        break
    print(data, flush=True)
