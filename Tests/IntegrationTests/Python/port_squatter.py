import socket, sys
s = socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(16)
print('listening', flush=True)
while True:
    c, _ = s.accept(); print('connection', flush=True); c.close()
