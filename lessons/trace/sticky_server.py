# The notes' sticky-packet server (粘包), typos fixed: three recv(1024) calls, each printed.
import socket

server = socket.socket()
server.bind(('127.0.0.1', 8080))
server.listen(5)
conn, addr = server.accept()
data = conn.recv(1024)
print(data)
data1 = conn.recv(1024)
print(data1)
data2 = conn.recv(1024)
print(data2)
