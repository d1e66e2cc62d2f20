"""A server that ignores SIGTERM: after its one client it sleeps on, so lab's SIGTERM does
nothing and only the SIGKILL after it ends it. Any free port."""
import signal
import socket
import time

signal.signal(signal.SIGTERM, signal.SIG_IGN)
server = socket.socket()
server.bind(('127.0.0.1', 0))
server.listen(1)
conn, addr = server.accept()
print(conn.recv(100), flush=True)
time.sleep(60)
