"""One message sent as several buffers with one sendmsg(): a header and a body, as a
scatter/gather write. Port from LAB_SERVER_PORT, else 8080."""
import os
import socket
import struct

body = b'hello, gathered'
client = socket.socket()
client.connect(('127.0.0.1', int(os.environ.get('LAB_SERVER_PORT', 8080))))
client.sendmsg([struct.pack('!I', len(body)), body[:6], body[6:]])
print(client.recv(1024))
client.close()
