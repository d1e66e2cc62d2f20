"""A client that sends one message, waits 50 ms (the server's next recv() is left waiting),
then closes — or, with the argument `exit`, ends at once without closing (os._exit), so the
kernel closes the socket as the process ends. Port from LAB_SERVER_PORT, else 8080."""
import os
import socket
import sys
import time

client = socket.socket()
client.connect(('127.0.0.1', int(os.environ.get('LAB_SERVER_PORT', 8080))))
client.send(b'hello')
time.sleep(0.05)
if sys.argv[1:] == ['exit']:
    os._exit(0)
client.close()
