# The notes' communication loop (通信循环) inside a connection loop (链接循环): receive,
# reply in capitals, again; an empty recv() means the client has gone.
import socket

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('127.0.0.1', 8080))
server.listen(5)
while True:
    conn, addr = server.accept()
    while True:
        data = conn.recv(1024)
        if len(data) == 0:
            break
        conn.send(data.upper())
    conn.close()
