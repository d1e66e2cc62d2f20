/* The yardstick of `make bench-trace`: the least a seccomp + ptrace tracer can do. It runs a
 * program under the same kind of filter as `lab trace` (socket calls, and read/write/close
 * past the standard descriptors, stop for the tracer), follows forks, and at every stop does
 * only what any tracer must: let the call run to its exit (PTRACE_SYSCALL), then let the
 * program go on (PTRACE_CONT). It records nothing. Usage: bare_tracer PROGRAM [ARGS...] */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#endif

#define TRACE_IF(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
                     BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE)

static struct sock_filter filter[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    TRACE_IF(__NR_socket), TRACE_IF(__NR_bind), TRACE_IF(__NR_listen),
    TRACE_IF(__NR_accept), TRACE_IF(__NR_accept4), TRACE_IF(__NR_connect),
    TRACE_IF(__NR_sendto), TRACE_IF(__NR_recvfrom), TRACE_IF(__NR_sendmsg),
    TRACE_IF(__NR_recvmsg), TRACE_IF(__NR_shutdown), TRACE_IF(__NR_close),
    TRACE_IF(__NR_read), TRACE_IF(__NR_write),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bare_tracer PROGRAM [ARGS...]\n");
        return 2;
    }
    /* The filter above traces read, write and close on every descriptor: the workload
     * prints nothing, so the standard descriptors cost it nothing either way. */
    pid_t child = fork();
    if (child == 0) {
        struct sock_fprog prog = {sizeof filter / sizeof filter[0], filter};
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
            syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) {
            perror("bare_tracer: set-up");
            _exit(127);
        }
        execvp(argv[1], argv + 1);
        perror("bare_tracer: exec");
        _exit(127);
    }
    int status, exit_code = 1, live = 1;
    waitpid(child, &status, 0); /* the SIGTRAP after exec */
    ptrace(PTRACE_SETOPTIONS, child, 0,
           PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK |
               PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_EXITKILL);
    ptrace(PTRACE_CONT, child, 0, 0);
    while (live > 0) {
        pid_t pid = waitpid(-1, &status, __WALL);
        if (pid < 0) break;
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            if (pid == child) exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
            live--;
            continue;
        }
        int sig = WSTOPSIG(status), event = status >> 16;
        if (event == PTRACE_EVENT_SECCOMP) {
            ptrace(PTRACE_SYSCALL, pid, 0, 0); /* run the call, stop at its exit */
        } else if (sig == (SIGTRAP | 0x80)) {
            ptrace(PTRACE_CONT, pid, 0, 0); /* the exit: go on */
        } else if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
                   event == PTRACE_EVENT_CLONE) {
            live++;
            ptrace(PTRACE_CONT, pid, 0, 0);
        } else if (sig == SIGSTOP || sig == SIGTRAP) {
            ptrace(PTRACE_CONT, pid, 0, 0); /* a new child's first stop */
        } else {
            ptrace(PTRACE_CONT, pid, 0, sig);
        }
    }
    return exit_code;
}
