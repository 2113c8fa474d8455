// handoff-launch: runs one command for handoff as a child subreaper, so nothing the command starts outlives it.
//
// handoff starts every command as `handoff-launch --control=FD --grace-ms=MS -- /bin/sh -c LINE`. The launcher:
// - becomes a child subreaper (prctl PR_SET_CHILD_SUBREAPER): whatever the command starts and leaves behind, even in a
//   session of its own (`setsid -f`, a double fork), is re-parented to it instead of to init, so it can be found;
// - starts the command in a process group of its own and reports its pid, then how it ended;
// - ends everything still running under it, with SIGTERM, a grace period and SIGKILL (SIGINT first on a timeout):
//   when handoff asks (a timeout, a failed pipeline, Ctrl-C), when the command's shell exits but left processes
//   running, and when handoff itself is gone (its end of the control socket closes, even after SIGKILL);
// - exits once nothing it started is left.
//
// The control socket carries lines. handoff → launcher: `int` (SIGINT, then SIGTERM, then SIGKILL), `term` (SIGTERM,
// then SIGKILL), `kill` (SIGKILL now). launcher → handoff: `pid P`, `start-error MESSAGE`, `exit CODE CLOSED` or
// `signal NUMBER CLOSED` (CLOSED is 1 when the command's stdout was a pipe with no reader left as it ended: its
// downstream had stopped reading, which tells a SIGPIPE from that pipe from any other), `left PID COMMAND` for each
// process still running after the shell exited, and `done` last. Without --control it exits with the command's status.
//
// Kept in C and tiny on purpose: it costs one fork and exec per command (see docs/reliability.md for the measurement),
// and it is the place a foreach worker that forks each line's command (no shell when none is needed) can grow from.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VERSION "1"
/** After SIGKILL, how long to wait for the last processes to be gone (one stuck in the kernel may never go). */
#define KILL_WAIT_MS 2000
/** While waiting after SIGKILL, how often to look for (and kill) processes that appeared meanwhile. */
#define KILL_RETRY_MS 100

static int control_fd = -1;
static long grace_ms = 5000;
static pid_t self_pid;
static pid_t self_pgrp;
static pid_t child = -1;
static int child_reaped = 0;
static int child_status = 0;
extern char **environ;

/** The signal ladder: a request starts at a rung and climbs one rung per grace period. */
static const int ladder[] = {SIGINT, SIGTERM, SIGKILL};
enum { RUNG_INT = 0, RUNG_TERM = 1, RUNG_KILL = 2 };
static int rung = -1;
static long long next_step_at = -1;
static long long give_up_at = -1;

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/** Writes one report line to handoff; a handoff that is gone is not an error (SIGPIPE is ignored). */
static void report(const char *format, ...) {
  if (control_fd < 0) return;
  char line[1024];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(line, sizeof line - 1, format, args);
  va_end(args);
  if (n < 0) return;
  if (n > (int)sizeof line - 2) n = sizeof line - 2;
  line[n++] = '\n';
  for (int off = 0; off < n;) {
    ssize_t w = write(control_fd, line + off, n - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    off += w;
  }
}

struct proc_entry {
  pid_t pid, ppid, pgrp;
  char state;
};

/** Reads `pid (comm) state ppid pgrp` of every process from /proc; comm may hold spaces, so parse after its last ')'. */
static int scan_processes(struct proc_entry **out) {
  DIR *dir = opendir("/proc");
  if (!dir) return 0;
  int count = 0, capacity = 256;
  struct proc_entry *list = malloc(sizeof *list * capacity);
  struct dirent *entry;
  while (list && (entry = readdir(dir))) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    char path[300], buf[512];
    snprintf(path, sizeof path, "/proc/%s/stat", entry->d_name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) continue;
    buf[n] = 0;
    char *close_paren = strrchr(buf, ')');
    if (!close_paren) continue;
    struct proc_entry p;
    int ppid, pgrp;
    if (sscanf(close_paren + 2, "%c %d %d", &p.state, &ppid, &pgrp) != 3) continue;
    p.pid = atoi(buf);
    p.ppid = ppid;
    p.pgrp = pgrp;
    if (count == capacity) {
      capacity *= 2;
      struct proc_entry *bigger = realloc(list, sizeof *list * capacity);
      if (!bigger) break;
      list = bigger;
    }
    list[count++] = p;
  }
  closedir(dir);
  *out = list;
  return list ? count : 0;
}

/**
 * Marks the launcher's descendants among `list` (members[i] = 1). Orphans are re-parented to the launcher, so every
 * process the command started, however it detached, hangs below it.
 */
static void mark_descendants(struct proc_entry *list, int count, char *members) {
  memset(members, 0, count);
  for (int changed = 1; changed;) {
    changed = 0;
    for (int i = 0; i < count; i++) {
      if (members[i]) continue;
      int below = list[i].ppid == self_pid;
      for (int j = 0; !below && j < count; j++) below = members[j] && list[j].pid == list[i].ppid;
      if (below) members[i] = changed = 1;
    }
  }
}

/**
 * Sends `sig` to everything below the launcher, once per process: to each process group found there (a group is only
 * ever made of processes of the launcher's own session or of sessions its descendants made, so it holds no stranger),
 * and one by one to any descendant left in the launcher's own group. Returns how many live descendants it found.
 */
static int signal_descendants(int sig) {
  struct proc_entry *list = NULL;
  int count = scan_processes(&list);
  char *members = count ? malloc(count) : NULL;
  int live = 0;
  if (members) {
    mark_descendants(list, count, members);
    for (int i = 0; i < count; i++) {
      if (!members[i] || list[i].state == 'Z') continue;
      live++;
      if (list[i].pgrp == self_pgrp || list[i].pgrp <= 1) {
        kill(list[i].pid, sig);
        continue;
      }
      int seen = 0;
      for (int j = 0; j < i && !seen; j++) seen = members[j] && list[j].state != 'Z' && list[j].pgrp == list[i].pgrp;
      if (!seen) kill(-list[i].pgrp, sig);
    }
  }
  free(members);
  free(list);
  return live;
}

/** Reports each live descendant as `left PID COMMAND` (its command line, NULs as spaces, cut at 200 bytes). */
static void report_left_behind(void) {
  struct proc_entry *list = NULL;
  int count = scan_processes(&list);
  char *members = count ? malloc(count) : NULL;
  if (members) {
    mark_descendants(list, count, members);
    for (int i = 0; i < count; i++) {
      if (!members[i] || list[i].state == 'Z') continue;
      char path[64], cmd[201] = "";
      snprintf(path, sizeof path, "/proc/%d/cmdline", list[i].pid);
      int fd = open(path, O_RDONLY | O_CLOEXEC);
      ssize_t n = fd >= 0 ? read(fd, cmd, sizeof cmd - 1) : 0;
      if (fd >= 0) close(fd);
      if (n < 0) n = 0;
      cmd[n] = 0;
      for (ssize_t k = 0; k < n; k++)
        if (cmd[k] == 0 || cmd[k] == '\n') cmd[k] = ' ';
      while (n > 0 && cmd[n - 1] == ' ') cmd[--n] = 0;
      report("left %d %s", list[i].pid, cmd);
    }
  }
  free(members);
  free(list);
}

static void step_to(int to) {
  rung = to;
  signal_descendants(ladder[rung]);
  long long now = now_ms();
  if (rung < RUNG_KILL) {
    next_step_at = now + grace_ms;
  } else {
    next_step_at = now + KILL_RETRY_MS;
    if (give_up_at < 0) give_up_at = now + KILL_WAIT_MS;
  }
}

/** Starts (or hurries) the signal ladder; a request never climbs down. */
static void request(int from) {
  if (rung >= from) return;
  step_to(from);
}

/** Whether fd 1 is a pipe whose every reader has gone (poll reports POLLERR on the write end then). */
static int stdout_has_no_reader(void) {
  struct pollfd p = {.fd = 1, .events = POLLOUT};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLERR) != 0;
}

static void on_command_ended(void) {
  int closed = stdout_has_no_reader();
  // From now on the launcher holds no end of the command's pipes: a downstream waits for no one but real writers.
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull >= 0) {
    dup2(devnull, 1);
    close(devnull);
  }
  if (WIFSIGNALED(child_status)) {
    report("signal %d %d", WTERMSIG(child_status), closed);
  } else {
    report("exit %d %d", WEXITSTATUS(child_status), closed);
  }
}

/** Reaps every child that has ended (the command's shell and orphans alike); returns 1 when none is left at all. */
static int reap(void) {
  int shell_ended = 0;
  pid_t pid;
  for (;;) {
    int status;
    pid = waitpid(-1, &status, WNOHANG | __WALL);
    if (pid > 0) {
      if (pid == child) {
        child_status = status;
        child_reaped = shell_ended = 1;
        on_command_ended();
      }
      continue;
    }
    if (pid < 0 && errno == EINTR) continue;
    break;
  }
  int none_left = pid < 0 && errno == ECHILD;
  if (shell_ended && !none_left && rung < 0) {
    // The shell is gone but something it started still runs: say what, then end it like any other request.
    report_left_behind();
    request(RUNG_TERM);
  }
  return none_left;
}

static void read_control(void) {
  char buf[256];
  ssize_t n = read(control_fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    // handoff is gone (exited, crashed or SIGKILLed): nothing it started may stay behind.
    close(control_fd);
    control_fd = -1;
    request(RUNG_TERM);
    return;
  }
  // Requests are single words on lines of their own; the strongest one in the chunk wins.
  buf[n] = 0;
  if (strstr(buf, "kill")) request(RUNG_KILL);
  else if (strstr(buf, "term")) request(RUNG_TERM);
  else if (strstr(buf, "int")) request(RUNG_INT);
}

static int usage(void) {
  fprintf(stderr, "usage: handoff-launch [--control=FD] [--grace-ms=MS] -- PROGRAM [ARG...]\n");
  return 2;
}

int main(int argc, char **argv) {
  int first = -1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      first = i + 1;
      break;
    }
    if (strncmp(argv[i], "--control=", 10) == 0) control_fd = atoi(argv[i] + 10);
    else if (strncmp(argv[i], "--grace-ms=", 11) == 0) grace_ms = atol(argv[i] + 11);
    else if (strcmp(argv[i], "--version") == 0) {
      printf("handoff-launch %s\n", VERSION);
      return 0;
    } else return usage();
  }
  if (first < 0 || first >= argc) return usage();

  self_pid = getpid();
  self_pgrp = getpgrp();
  if (control_fd >= 0) fcntl(control_fd, F_SETFD, FD_CLOEXEC);
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    report("start-error prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));
  }

  // Signals arrive through a signalfd, read in the loop below; the command gets default dispositions and no mask.
  sigset_t handled;
  sigemptyset(&handled);
  sigaddset(&handled, SIGCHLD);
  sigaddset(&handled, SIGTERM);
  sigaddset(&handled, SIGINT);
  sigaddset(&handled, SIGHUP);
  sigset_t original;
  sigprocmask(SIG_BLOCK, &handled, &original);
  int sfd = signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
  signal(SIGPIPE, SIG_IGN);

  // posix_spawn (a vfork underneath): the launcher waits for no pipe to learn whether the exec worked, and on a busy
  // machine each wake-up it saves is worth more than the rest of its work.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  int spawn_error = posix_spawnp(&child, argv[first], NULL, &attr, argv + first, environ);
  posix_spawnattr_destroy(&attr);
  if (spawn_error != 0) {
    report("start-error %s: %s", argv[first], strerror(spawn_error));
    report("done");
    return 127;
  }
  report("pid %d", child);

  // The launcher keeps no end of the command's stdin, stderr or extra descriptors (a reader it held would keep an
  // upstream from ever getting SIGPIPE); stdout stays until the command ends, to tell whether its reader had gone.
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull >= 0) {
    dup2(devnull, 0);
    dup2(devnull, 2);
    close(devnull);
  }
  for (int fd = 3; fd < control_fd; fd++)
    if (fd != sfd) close(fd);

  for (;;) {
    if (child_reaped && reap()) break;
    struct pollfd fds[2] = {{.fd = sfd, .events = POLLIN}, {.fd = control_fd, .events = POLLIN}};
    int timeout = -1;
    if (next_step_at >= 0) {
      long long wait = next_step_at - now_ms();
      timeout = wait < 0 ? 0 : (int)wait;
    }
    int ready = poll(fds, control_fd >= 0 ? 2 : 1, timeout);
    if (ready < 0 && errno != EINTR) break;
    if (ready > 0 && (fds[0].revents & POLLIN)) {
      struct signalfd_siginfo info;
      while (read(sfd, &info, sizeof info) == sizeof info) {
        // The launcher itself asked to stop (e.g. by a handoff taking over an abandoned run): end the command too.
        if (info.ssi_signo != SIGCHLD) request(RUNG_TERM);
      }
      if (reap() && child_reaped) break;
    }
    if (ready > 0 && control_fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) read_control();
    if (next_step_at >= 0 && now_ms() >= next_step_at) {
      if (rung < RUNG_KILL) {
        step_to(rung + 1);
      } else if (now_ms() >= give_up_at) {
        break; // Processes SIGKILL cannot end (stuck in the kernel) are left to init rather than block handoff.
      } else {
        signal_descendants(SIGKILL);
        next_step_at = now_ms() + KILL_RETRY_MS;
      }
    }
  }

  if (!child_reaped) report("signal %d 0", SIGKILL);
  report("done");
  if (control_fd >= 0) return 0;
  if (WIFSIGNALED(child_status)) return 128 + WTERMSIG(child_status);
  return WEXITSTATUS(child_status);
}
