"""A client that uses send() where sendall() was needed: a short send loses the rest.
It sends a 4-byte '!I' header and a body, each with one send(), and reports what send()
returned. Port from LAB_SERVER_PORT, else 8080."""
import os
import socket
import struct

body = b'a message longer than a short send'
client = socket.socket()
client.connect(('127.0.0.1', int(os.environ.get('LAB_SERVER_PORT', 8080))))
client.send(struct.pack('!I', len(body)))
sent = client.send(body)
print(f'send() took {sent} of {len(body)} bytes')
client.close()
