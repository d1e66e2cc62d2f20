"""A client that talks until it is stopped: a message, its reply, again (port from
LAB_SERVER_PORT). Under lab trace every call is a line of the live log."""
import os
import socket

client = socket.create_connection(('127.0.0.1', int(os.environ['LAB_SERVER_PORT'])))
while True:
    client.sendall(b'x' * 100)
    client.recv(100)
