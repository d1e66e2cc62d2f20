# The notes' sticky-packet client: three send() calls, one after the other.
import socket

client = socket.socket()
client.connect(('127.0.0.1', 8080))
client.send(b'hello')
client.send(b'byebye')
client.send(b'again,bye')
