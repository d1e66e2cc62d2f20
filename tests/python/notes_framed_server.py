"""A server written the way the notes teach: bind, listen(5), accept, then a loop of
recv(4) for the header, struct.unpack('!I'), recv of exactly that many bytes, and a reply
packed the same way (upper case). It prints its port, serves one client, and exits."""
import socket
import struct
import sys


def recv_exactly(conn, n):
    data = b''
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('127.0.0.1', 0))
server.listen(5)
server.settimeout(20)  # a test that goes wrong must not leave this waiting for ever
print(server.getsockname()[1], flush=True)
conn, addr = server.accept()
conn.settimeout(20)
while True:
    header = recv_exactly(conn, 4)
    if header is None:
        break
    (length,) = struct.unpack('!I', header)
    data = recv_exactly(conn, length)
    if data is None:
        break
    reply = data.upper()
    conn.send(struct.pack('!I', len(reply)) + reply)
conn.close()
server.close()
