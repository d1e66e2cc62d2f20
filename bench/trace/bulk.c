/* The traced workload of `make bench-trace`: one process sends TOTAL bytes to another over
 * a loopback TCP connection, CALL bytes per send(); the other reads them with recv(CALL)
 * until the end of the stream. Usage: bulk TOTAL_BYTES CALL_BYTES. Exit 0 when every byte
 * arrived. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what) {
    perror(what);
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: bulk TOTAL_BYTES CALL_BYTES\n");
        return 2;
    }
    long long total = atoll(argv[1]);
    size_t call = (size_t)atoll(argv[2]);
    char *buf = malloc(call);
    if (!buf) die("malloc");
    memset(buf, 'x', call);

    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) || listen(listener, 1) ||
        getsockname(listener, (struct sockaddr *)&addr, &len))
        die("listen");

    pid_t sender = fork();
    if (sender < 0) die("fork");
    if (sender == 0) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr)) die("connect");
        for (long long left = total; left > 0;) {
            size_t n = left < (long long)call ? (size_t)left : call;
            ssize_t sent = send(fd, buf, n, 0);
            if (sent <= 0) die("send");
            left -= sent;
        }
        close(fd);
        _exit(0);
    }
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) die("accept");
    long long got = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, call, 0);
        if (n < 0) die("recv");
        if (n == 0) break;
        got += n;
    }
    int status = 0;
    waitpid(sender, &status, 0);
    if (got != total) {
        fprintf(stderr, "bulk: received %lld of %lld bytes\n", got, total);
        return 1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
