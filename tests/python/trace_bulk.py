"""One program, both ends, busy until stopped: a thread sends 512-byte blocks as fast as it
can while the main thread reads them. Any free port."""
import socket
import threading

server = socket.socket()
server.bind(('127.0.0.1', 0))
server.listen(1)
client = socket.create_connection(server.getsockname())
conn, addr = server.accept()


def send_forever():
    block = b'x' * 512
    while True:
        client.sendall(block)


threading.Thread(target=send_forever, daemon=True).start()
while True:
    conn.recv(512)
