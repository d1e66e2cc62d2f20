"""The notes' communication and connection loops: recv, reply in capitals, again; a new
client when one leaves; an empty recv means the client closed.
Usage: trace_chat_server.py [PORT] [--makefile] (reads lines through conn.makefile())."""
import socket
import sys

args = [a for a in sys.argv[1:] if not a.startswith('--')]
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('127.0.0.1', int(args[0]) if args else 8080))
server.listen(5)
while True:
    conn, addr = server.accept()
    if '--makefile' in sys.argv:
        with conn, conn.makefile('rb') as lines:
            for line in lines:
                conn.sendall(line.upper())
        continue
    while True:
        data = conn.recv(1024)
        if len(data) == 0:
            break
        conn.send(data.upper())
    conn.close()
