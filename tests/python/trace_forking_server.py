"""socketserver.ForkingTCPServer: each client is served by a forked child, which echoes
what it reads in capitals. Port from argv (default 8080; 0 for any)."""
import socketserver
import sys


class Upper(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(1024)
            if not data:
                return
            self.request.sendall(data.upper())


socketserver.ForkingTCPServer.allow_reuse_address = True
with socketserver.ForkingTCPServer(('127.0.0.1', int(sys.argv[1]) if len(sys.argv) > 1 else 8080), Upper) as server:
    server.serve_forever()
