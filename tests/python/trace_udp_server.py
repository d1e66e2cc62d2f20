"""A UDP echo server, as the notes' UDP section writes one: bind, then recvfrom/sendto.
It answers one datagram and ends. Port from argv (0: any free port)."""
import socket
import sys

server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind(('127.0.0.1', int(sys.argv[1]) if len(sys.argv) > 1 else 8080))
data, client = server.recvfrom(1024)
server.sendto(data.upper(), client)
server.close()
