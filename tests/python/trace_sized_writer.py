"""The client for trace_sized_reader.py (same mode in argv[1]): `header` sends the notes'
three messages, each as a '!I' header and a body (two send() calls); the other modes send
three messages of the size the reader asks for (20, 16 or 100 bytes), one sendall() each.
The port comes from LAB_SERVER_PORT."""
import os
import socket
import struct
import sys

mode = sys.argv[1]
client = socket.create_connection(('127.0.0.1', int(os.environ['LAB_SERVER_PORT'])))
if mode == 'header':
    for message in [b'hello', b'byebye', b'again,bye']:
        client.send(struct.pack('!I', len(message)))
        client.send(message)
else:
    size = {'recvmsg_into': 20, 'readv': 16, 'late': 100}[mode]
    for k in range(3):
        client.sendall(bytes([ord('a') + k]) * size)
client.close()
