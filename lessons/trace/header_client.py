# The notes' fix: struct.pack('!I', len(data)) in front of every message.
import socket
import struct

client = socket.socket()
client.connect(('127.0.0.1', 8080))
for msg in [b'hello', b'byebye', b'again,bye']:
    client.send(struct.pack('!I', len(msg)))
    client.send(msg)
client.close()
