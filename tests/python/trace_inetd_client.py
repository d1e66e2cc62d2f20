"""The client for trace_inetd_server.py: it reads the greeting and answers. The port comes
from LAB_SERVER_PORT."""
import os
import socket

client = socket.create_connection(('127.0.0.1', int(os.environ['LAB_SERVER_PORT'])))
print(client.recv(100))
client.sendall(b'hello again')
client.close()
