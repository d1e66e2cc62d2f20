"""A UDP client: one datagram to the server (port from LAB_SERVER_PORT), its answer printed."""
import os
import socket

client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
client.settimeout(5)
client.sendto(b'hello', ('127.0.0.1', int(os.environ['LAB_SERVER_PORT'])))
print(client.recvfrom(1024)[0])
client.close()
