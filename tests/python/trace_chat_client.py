"""A chat client: each argument is sent as a line with its own send(), then the reply is
read with one recv(1024) and printed. Port from LAB_SERVER_PORT, else 8080."""
import os
import socket
import sys

client = socket.socket()
client.connect(('127.0.0.1', int(os.environ.get('LAB_SERVER_PORT', 8080))))
for message in sys.argv[1:]:
    client.send(message.encode('utf8') + b'\n')
    print(client.recv(1024).decode('utf8').strip())
client.close()
