"""The notes' sticky-packet server: three recv(1024) calls, each printed.
Usage: trace_sticky_server.py [PORT] (default 8080; 0 for any free port)."""
import socket
import sys

server = socket.socket()
server.bind(('127.0.0.1', int(sys.argv[1]) if len(sys.argv) > 1 else 8080))
server.listen(5)
conn, addr = server.accept()
data = conn.recv(1024)
print(data)
data1 = conn.recv(1024)
print(data1)
data2 = conn.recv(1024)
print(data2)
