# The notes' fix, read the way many first versions are written: one recv(4) for the header
# and one recv(length) for the body — trusting each recv() to return all it asked for.
import socket
import struct

server = socket.socket()
server.bind(('127.0.0.1', 8080))
server.listen(5)
conn, addr = server.accept()
while True:
    header = conn.recv(4)
    if not header:
        break
    (length,) = struct.unpack('!I', header)
    print(conn.recv(length))
