"""A client written the way the notes teach: socket, struct.pack('!I', len(data)), then the
data; it reads each reply the same way. Usage: notes_framed_client.py HOST PORT MESSAGE..."""
import socket
import struct
import sys


def recv_exactly(sock, n):
    data = b''
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise SystemExit('server closed the connection')
        data += chunk
    return data


client = socket.socket()
client.connect((sys.argv[1], int(sys.argv[2])))
for message in sys.argv[3:]:
    data = message.encode('utf8')
    client.send(struct.pack('!I', len(data)))
    client.send(data)
    header = recv_exactly(client, 4)
    (length,) = struct.unpack('!I', header)
    print(recv_exactly(client, length).decode('utf8'))
client.close()
