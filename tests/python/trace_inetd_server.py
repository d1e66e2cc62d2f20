"""An inetd- (or CGI-) style server: it moves the accepted socket onto its standard input and
output with dup2, then writes a greeting with os.write(1, …) and reads the answer with
os.read(0, …). Any free port."""
import os
import socket

server = socket.socket()
server.bind(('127.0.0.1', 0))
server.listen(1)
conn, addr = server.accept()
os.dup2(conn.fileno(), 1)
os.dup2(conn.fileno(), 0)
os.write(1, b'hello there')
answer = os.read(0, 100)
os.write(2, b'got ' + answer + b'\n')
