"""The notes' sticky-packet client: three send() calls back to back.
The port comes from LAB_SERVER_PORT (set by lab trace), else 8080."""
import os
import socket

client = socket.socket()
client.connect(('127.0.0.1', int(os.environ.get('LAB_SERVER_PORT', 8080))))
client.send(b'hello')
client.send(b'byebye')
client.send(b'again,bye')
