# The fix done right: a loop that calls recv() until it has exactly n bytes.
import socket
import struct


def recv_exactly(conn, n):
    data = b''
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


server = socket.socket()
server.bind(('127.0.0.1', 8080))
server.listen(5)
conn, addr = server.accept()
while True:
    header = recv_exactly(conn, 4)
    if header is None:
        break
    (length,) = struct.unpack('!I', header)
    print(recv_exactly(conn, length))
