"""One program, both ends: it connects to itself, sends one byte, reads it, then waits in a
second recv(100) that nothing will answer — until lab is stopped. Any free port."""
import socket

server = socket.socket()
server.bind(('127.0.0.1', 0))
server.listen(1)
client = socket.create_connection(server.getsockname())
conn, addr = server.accept()
client.sendall(b'x')
print(conn.recv(100), flush=True)
conn.recv(100)
