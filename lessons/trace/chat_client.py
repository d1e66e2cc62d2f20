# The notes' chat client, fed from the command line instead of input(): send, then recv(1024)
# the reply. Empty messages are not sent (the server would take b'' for a goodbye).
import socket
import sys

client = socket.socket()
client.connect(('127.0.0.1', 8080))
for msg in sys.argv[1:]:
    if not msg:
        continue
    client.send(msg.encode('utf8'))
    data = client.recv(1024)
    print(data.decode('utf8'))
client.close()
