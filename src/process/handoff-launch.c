// handoff-launch: runs commands for handoff as a child subreaper, so nothing a command starts outlives it.
//
// handoff starts a command as `handoff-launch --control=FD --grace-ms=MS -- /bin/sh -c LINE`, or, when the line needs
// no shell (see split-plain-command.ts), as `handoff-launch ... --direct -- PROGRAM ARG...`. The launcher:
// - becomes a child subreaper (prctl PR_SET_CHILD_SUBREAPER): whatever the command starts and leaves behind, even in a
//   session of its own (`setsid -f`, a double fork), is re-parented to it instead of to init, so it can be found;
// - starts the command in a process group of its own and reports its pid, then how it ended;
// - ends everything still running under it, with SIGTERM, a grace period and SIGKILL (SIGINT first on a timeout):
//   when handoff asks (a timeout, a failed pipeline, Ctrl-C), when the command exits but left processes running, and
//   when handoff itself is gone (its end of the control socket closes, even after SIGKILL);
// - exits once nothing it started is left.
//
// The control socket carries lines. handoff → launcher: `int` (SIGINT, then SIGTERM, then SIGKILL), `term` (SIGTERM,
// then SIGKILL), `kill` (SIGKILL now). launcher → handoff: `pid P`, `start-error MESSAGE`, `exit CODE CLOSED` or
// `signal NUMBER CLOSED` (CLOSED is 1 when the command's stdout was a pipe with no reader left as it ended: its
// downstream had stopped reading, which tells a SIGPIPE from that pipe from any other), `left PID COMMAND` for each
// process still running after the command exited, and `done REQUESTED` last (REQUESTED is 1 when a request reached
// the command while it was current, 0 when any came too late to count); it then waits for handoff to close the socket
// (see await_control_end). Without --control it exits with the command's status.
//
// With --worker it is long-lived: a foreach worker sends it one command after another and it forks each one itself,
// so a line costs one spawn (no exec of a launcher, no Node.js spawn). Requests queue up and run in turn:
//   `run ID FLAGS NARGS NENV LENGTH\n` and LENGTH bytes of NUL-terminated strings: the stdout file to create afresh
//     (FLAGS has `o`) or to append to (`a`: kept open from the command before when it is the same file; with `n` stdout
//     is /dev/null; with neither, the previous command's file stays),
//     the stderr log to create empty (`e`), the NARGS words of the command (`d`: a plain command's words, run without
//     a shell; otherwise PROGRAM ARG... such as /bin/sh -c LINE) and NENV `NAME=VALUE` entries added to its
//     environment. With `c` it runs only if the command before it ended well (exit 0, never signalled), so handoff can
//     send a foreach's next line before it has seen this one end; otherwise it is skipped;
//   `int ID`, `term ID`, `kill ID` as above for the command ID if it runs; one still waiting is skipped instead, as it
//     is on `drop ID` (which leaves a running command alone).
// Its reports are those above with the command's ID after the first word, plus `err ID LENGTH\n` and LENGTH bytes of
// the command's stderr (relayed, so that all of it arrives before `done`), `log-error ID ERRNO` (the stderr log could
// not be created), `done ID BYTES REQUESTED` (the stdout file's size; REQUESTED is 1 when an `int`, `term` or `kill`
// reached the command while it was current, 0 when any came too late: the worker judged it by its own end, as a `c`
// request after it was) and `skipped ID`. `pid` and `done` end with the time (ms since the epoch) they happened: a
// foreach's batch takes a queued line over some time after its reports are read (launcher-worker.ts). It ends when
// handoff closes the socket.
//
// A plain pipeline's commands start at once, each under a launcher of its own (the worker starts handoff-launch again,
// a fork of this small program instead of one of handoff's), so each keeps every guarantee of a command run alone:
//   `launch ID FLAGS NARGS NENV LENGTH\n` and LENGTH bytes: the stdout file to create afresh (`o`), the words (`d` as
//   above) and environment entries. With `i` its stdin is the read end of the pipe the `launch` before it made, with
//   `p` its stdout is a new pipe(2) for the next one (no FIFO), else /dev/null (`n`). Handled at once, not queued.
// The worker relays each launcher's reports with the ID after the first word and its command's stderr as `err ID`
// (only after its `pid`), and forwards `int`, `term` and `kill ID` to it; `done ID -1 REQUESTED` comes once the
// launcher has exited, so that all of the command's stderr was relayed before it. A launcher that gave up on processes
// stuck in the kernel leaves them to the worker: it then says `stopping` (no ID) before those `done`s, takes no more
// commands and exits once its launchers are over, so handoff starts the next command in a new worker.
//
// A command run without a shell is reported as `/bin/sh -c` would have reported it: killed by a signal N that the
// launcher did not send, it exits 128+N after the shell's message (`Killed`, `Segmentation fault (core dumped)`); once
// the launcher has signalled its group, it counts as killed by that first signal (the shell would have been); when it
// cannot be started at all (not found, not executable, a script without #!), /bin/sh -c runs it and says why.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define VERSION "1"
/** After SIGKILL, how long to wait for the last processes to be gone (one stuck in the kernel may never go). */
#define KILL_WAIT_MS 2000
/** While waiting after SIGKILL, how often to look for (and kill) processes that appeared meanwhile. */
#define KILL_RETRY_MS 100
/**
 * Worker: how long a pipeline command's stderr may stay open once its launcher is over (its `done` came, or it died):
 * a process outside the launcher's reach (one SIGKILL cannot end, one that joined another tree) may hold it for good.
 * As spawn-command.ts's STDERR_DRAIN_MS.
 */
#define STDERR_DRAIN_MS 1000
/** dash's search path when PATH is unset. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define SHELL "/bin/sh"

static int control_fd = -1;
/**
 * --alive=FD: a socket handoff holds the other end of and never writes to (given to a pipeline command's launcher by the
 * worker): its hang-up, not the control socket's end, says handoff is gone. The control socket then ends with the
 * worker, whose death alone (handoff alive, which then ends the command's group) must not end the command.
 */
static int alive_fd = -1;
static int worker_mode = 0;
static long grace_ms = 5000;
static pid_t self_pid;
static pid_t self_pgrp;
static int devnull = -1;
/** `PWD=…` for commands run without a shell: /bin/sh would have set it to the working directory. */
static char *pwd_entry;
extern char **environ;

/** The signal ladder: a request starts at a rung and climbs one rung per grace period. */
static const int ladder[] = {SIGINT, SIGTERM, SIGKILL};
enum { RUNG_INT = 0, RUNG_TERM = 1, RUNG_KILL = 2 };

/** The command being run (one at a time) and everything about ending it. */
static struct {
  int active;
  long id;
  pid_t pid;
  int reaped;
  int status;
  /** No longer any child at all (the command and whatever it left are gone). */
  int none_left;
  /** Run without a shell: its end is reported as the shell around it would have reported it. */
  int direct;
  /** The first signal the launcher sent its group before it ended (0: none). */
  int first_signal;
  /** Its stdout, to tell at its end whether a pipe's reader had gone. */
  int out_fd;
  /** Worker: the read end of its stderr pipe (-1 once at its end). */
  int err_read;
  /** Its stderr, kept until it ends to write the shell's message about a signal (-1: none). */
  int err_keep;
  int rung;
  long long next_step_at;
  long long give_up_at;
  int gave_up;
  /** handoff asked to end it (a timeout, an interrupt), whenever that came. */
  int requested;
} job;

/** Worker: the stdout file of the current task (its commands append to it in turn), -1 without one, and its path. */
static int task_out_fd = -1;
static char *task_out_path;
/** Worker: stop taking commands and exit once the current one is over (handoff is gone, or the launcher was told to stop). */
static int stopping = 0;

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/** The wall clock in ms since the epoch: the time a worker's `pid` and `done` reports carry. */
static long long epoch_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/** Writes all of `len` bytes; a handoff that is gone is not an error (SIGPIPE is ignored). */
static int write_all(int fd, const char *data, size_t len) {
  for (size_t off = 0; off < len;) {
    ssize_t w = write(fd, data + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    off += (size_t)w;
  }
  return 0;
}

/**
 * Worker: reports wait here until the worker is about to sleep or start a command (or they pile up), then go in one
 * write: a line's `exit` and `done` wake handoff once, not twice.
 */
static char *out_buf;
static size_t out_len, out_cap;
#define OUT_FLUSH_AT 65536

static void flush_reports(void) {
  if (out_len > 0 && control_fd >= 0) write_all(control_fd, out_buf, out_len);
  out_len = 0;
}

/** Sends bytes to handoff: at once with one command, held for the next flush in worker mode. */
static void send_bytes(const char *data, size_t len) {
  if (control_fd < 0) return;
  if (!worker_mode) {
    write_all(control_fd, data, len);
    return;
  }
  if (out_len + len > out_cap) {
    size_t cap = out_cap ? out_cap : 4096;
    while (cap < out_len + len) cap *= 2;
    char *bigger = realloc(out_buf, cap);
    if (!bigger) {
      flush_reports();
      write_all(control_fd, data, len);
      return;
    }
    out_buf = bigger;
    out_cap = cap;
  }
  memcpy(out_buf + out_len, data, len);
  out_len += len;
  if (out_len >= OUT_FLUSH_AT) flush_reports();
}

/** Writes one report line to handoff: `WORD ID REST` in worker mode, `WORD REST` otherwise. */
static void report(const char *word, const char *format, ...) {
  if (control_fd < 0) return;
  char line[1024];
  int n = worker_mode ? snprintf(line, sizeof line, "%s %ld", word, job.id) : snprintf(line, sizeof line, "%s", word);
  if (format && *format) {
    line[n++] = ' ';
    va_list args;
    va_start(args, format);
    int m = vsnprintf(line + n, sizeof line - n - 1, format, args);
    va_end(args);
    if (m < 0) m = 0;
    n += m;
  }
  if (n > (int)sizeof line - 2) n = sizeof line - 2;
  line[n++] = '\n';
  send_bytes(line, n);
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
 * Sends `sig` to everything below the launcher, once per process: to each process group found there that holds only
 * descendants, and one by one to any other descendant (left in the launcher's own group, or one that joined a group
 * of handoff's session it did not make). Returns how many live descendants it found.
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
      int stranger = 0;
      for (int j = 0; j < count && !stranger; j++) stranger = !members[j] && list[j].state != 'Z' && list[j].pgrp == list[i].pgrp;
      if (list[i].pgrp == self_pgrp || list[i].pgrp <= 1 || stranger) {
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

/**
 * Reports each live descendant as `left PID COMMAND` (its command line, NULs as spaces, cut at 200 bytes; its name from
 * /proc/PID/comm when the command line is empty).
 */
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
      if (n == 0) {
        // No command line (one exiting, or one that blanked its argv): its name (comm) still says what it is.
        snprintf(path, sizeof path, "/proc/%d/comm", list[i].pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        n = fd >= 0 ? read(fd, cmd, sizeof cmd - 1) : 0;
        if (fd >= 0) close(fd);
        if (n < 0) n = 0;
        cmd[n] = 0;
        while (n > 0 && (cmd[n - 1] == '\n' || cmd[n - 1] == ' ')) cmd[--n] = 0;
      }
      report("left", "%d %s", list[i].pid, cmd);
    }
  }
  free(members);
  free(list);
}

static void step_to(int to) {
  job.rung = to;
  // The shell around a command would have died of the first signal its group got (see the top of this file).
  if (!job.reaped && job.first_signal == 0) job.first_signal = ladder[to];
  signal_descendants(ladder[job.rung]);
  long long now = now_ms();
  if (job.rung < RUNG_KILL) {
    job.next_step_at = now + grace_ms;
  } else {
    job.next_step_at = now + KILL_RETRY_MS;
    if (job.give_up_at < 0) job.give_up_at = now + KILL_WAIT_MS;
  }
}

/** Starts (or hurries) the signal ladder; a request never climbs down. */
static void request(int from) {
  if (!job.active || job.rung >= from) return;
  step_to(from);
}

/** Whether `fd` is a pipe whose every reader has gone (poll reports POLLERR on the write end then). */
static int has_no_reader(int fd) {
  if (fd < 0) return 0;
  struct pollfd p = {.fd = fd, .events = POLLOUT};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLERR) != 0;
}

/** Sends what the command's stderr pipe holds now to handoff as `err` reports; closes it at its end. */
static void relay_stderr(void) {
  char buf[65536];
  while (job.err_read >= 0) {
    ssize_t n = read(job.err_read, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      close(job.err_read);
      job.err_read = -1;
      return;
    }
    char head[64];
    int h = snprintf(head, sizeof head, "err %ld %zd\n", job.id, n);
    send_bytes(head, h);
    send_bytes(buf, n);
  }
}

/** What /bin/sh prints when its command dies of a signal (nothing for SIGINT and SIGPIPE, like dash). */
static void write_shell_message(int sig, int core) {
  if (sig == SIGINT || sig == SIGPIPE) return;
  char text[128];
  int n = snprintf(text, sizeof text, "%s%s\n", strsignal(sig), core ? " (core dumped)" : "");
  if (n <= 0) return;
  if (worker_mode) {
    relay_stderr(); // what the command wrote comes first
    char head[64];
    int h = snprintf(head, sizeof head, "err %ld %d\n", job.id, n);
    send_bytes(head, h);
    send_bytes(text, n);
  } else if (job.err_keep >= 0) {
    write_all(job.err_keep, text, n);
  }
}

static void on_command_ended(void) {
  int closed = has_no_reader(job.out_fd);
  if (!worker_mode) {
    // From now on the launcher holds no end of the command's pipes: a downstream waits for no one but real writers.
    dup2(devnull, 1);
  }
  int status = job.status;
  if (job.direct && job.first_signal) {
    report("signal", "%d %d", job.first_signal, closed);
  } else if (job.direct && WIFSIGNALED(status)) {
    write_shell_message(WTERMSIG(status), WCOREDUMP(status));
    report("exit", "%d %d", 128 + WTERMSIG(status), closed);
  } else if (WIFSIGNALED(status)) {
    report("signal", "%d %d", WTERMSIG(status), closed);
  } else {
    report("exit", "%d %d", WEXITSTATUS(status), closed);
  }
  if (job.err_keep >= 0) {
    close(job.err_keep);
    job.err_keep = -1;
  }
}

static void note_launcher_reaped(pid_t pid);

/** Reaps every child that has ended (the command and orphans alike); notes when none is left at all. */
static void reap(void) {
  int command_ended = 0;
  pid_t pid;
  for (;;) {
    int status;
    pid = waitpid(-1, &status, WNOHANG | __WALL);
    if (pid > 0) {
      if (worker_mode) note_launcher_reaped(pid);
      if (job.active && pid == job.pid) {
        job.status = status;
        job.reaped = command_ended = 1;
        on_command_ended();
      }
      continue;
    }
    if (pid < 0 && errno == EINTR) continue;
    break;
  }
  job.none_left = pid < 0 && errno == ECHILD;
  // What the command wrote to stderr before it ended is read now, and its pipe closed if nothing else holds it: the
  // worker then starts the next command without another turn of its loop (a poll) in between.
  if (command_ended && worker_mode) relay_stderr();
  if (command_ended && !job.none_left && job.rung < 0) {
    // The command is gone but something it started still runs: say what, then end it like any other request.
    report_left_behind();
    request(RUNG_TERM);
  }
}

/** The value of NAME in `env`, or NULL. */
static const char *find_env(char **env, const char *name) {
  size_t len = strlen(name);
  for (char **e = env; *e; e++)
    if (strncmp(*e, name, len) == 0 && (*e)[len] == '=') return *e + len + 1;
  return NULL;
}

/** Whether two `NAME=…` entries name the same variable. */
static int same_name(const char *a, const char *b) {
  for (; *a && *a != '='; a++, b++)
    if (*a != *b) return 0;
  return *a == '=' && *b == '=';
}

/**
 * The environment of a command: the launcher's own, with `extra` entries replacing or adding variables, and PWD set
 * as /bin/sh sets it when the command runs without one. Entries are shared, only the array is new.
 */
static char **build_env(char **extra, int extra_count, int with_pwd) {
  int count = 0;
  while (environ[count]) count++;
  char **env = malloc(sizeof *env * (count + extra_count + 2));
  if (!env) return NULL;
  int n = 0;
  for (int i = 0; i < count; i++) {
    int replaced = with_pwd && pwd_entry && same_name(environ[i], pwd_entry);
    for (int j = 0; j < extra_count && !replaced; j++) replaced = same_name(environ[i], extra[j]);
    if (!replaced) env[n++] = environ[i];
  }
  for (int j = 0; j < extra_count; j++) env[n++] = extra[j];
  if (with_pwd && pwd_entry) env[n++] = pwd_entry;
  env[n] = NULL;
  return env;
}

/** PWD as /bin/sh sets it: the inherited value when it names the working directory, else the physical path. */
static void compute_pwd(void) {
  const char *inherited = getenv("PWD");
  struct stat a, b;
  if (inherited && inherited[0] == '/' && stat(inherited, &a) == 0 && stat(".", &b) == 0 && a.st_dev == b.st_dev &&
      a.st_ino == b.st_ino) {
    if (asprintf(&pwd_entry, "PWD=%s", inherited) < 0) pwd_entry = NULL;
    return;
  }
  char *cwd = getcwd(NULL, 0);
  if (cwd && asprintf(&pwd_entry, "PWD=%s", cwd) < 0) pwd_entry = NULL;
  free(cwd);
}

/** The file PATH names for `program` (as /bin/sh searches it), in `buf`; NULL when there is none. */
static const char *resolve_program(const char *program, char **env, char *buf, size_t size) {
  if (strchr(program, '/')) return program;
  const char *path = find_env(env, "PATH");
  if (!path) path = DEFAULT_PATH;
  for (const char *p = path;; p++) {
    const char *end = strchrnul(p, ':');
    int dir_len = (int)(end - p);
    int n = dir_len == 0 ? snprintf(buf, size, "%s", program) : snprintf(buf, size, "%.*s/%s", dir_len, p, program);
    struct stat st;
    if (n > 0 && (size_t)n < size && stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0) return buf;
    if (*end == 0) return NULL;
    p = end;
  }
}

/** Signals this launcher ignores (SIGPIPE, and any it was started with ignored): a command gets each back to default. */
static sigset_t ignored_signals;

/** Notes the ignored signals once, at start: execve resets caught signals by itself, but keeps ignored ones ignored. */
static void note_ignored_signals(void) {
  sigemptyset(&ignored_signals);
  for (int sig = 1; sig < NSIG; sig++) {
    struct sigaction sa;
    if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN) sigaddset(&ignored_signals, sig);
  }
}

/** Set by a child that could not exec (vfork: it shares this memory until it execs or exits). */
static volatile int exec_error;

/**
 * Runs `file` with `argv` and `env` in a new child: in a process group of its own, with stdin, stdout and stderr as
 * given, default signal dispositions and no blocked signal. Returns 0 or the errno of a failed exec, after reaping
 * that child. vfork with a few calls before the exec instead of posix_spawn: glibc's child sets or reads all 64 signal
 * dispositions (and its parent checks the resource limit once per fd), some 70 system calls per command, which on a
 * virtual machine cost a foreach about 0.2 ms a line (docs/benchmarks.md, "Eighth round").
 */
static int start_child(const char *file, char **argv, char **env, int in_fd, int out_fd, int err_fd) {
  sigset_t none;
  sigemptyset(&none);
  exec_error = 0;
  pid_t pid = vfork();
  if (pid == 0) {
    // Only async-signal-safe calls here, and no memory written but exec_error: the parent's is shared.
    if ((in_fd >= 0 && in_fd != 0 && dup2(in_fd, 0) < 0) || (out_fd >= 0 && out_fd != 1 && dup2(out_fd, 1) < 0) ||
        (err_fd >= 0 && err_fd != 2 && dup2(err_fd, 2) < 0) || setpgid(0, 0) != 0) {
      exec_error = errno;
      _exit(127);
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
      if (sigismember(&ignored_signals, sig) == 1) sigaction(sig, &dfl, NULL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(file, argv, env);
    exec_error = errno ? errno : ENOEXEC;
    _exit(127);
  }
  if (pid < 0) return errno;
  if (exec_error != 0) {
    int error = exec_error;
    while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR) {
    }
    return error;
  }
  job.pid = pid;
  return 0;
}

/**
 * Starts the command in a process group of its own with stdin, stdout and stderr as given, default signal
 * dispositions and no blocked signal. Without a shell, a program that cannot be started is handed to /bin/sh -c
 * after all, which reports why (127 not found, 126 not executable) or runs a script without #! itself.
 * Returns 0 or an errno.
 */
static int spawn_command(char **words, int word_count, int direct, char **extra_env, int extra_count, int in_fd, int out_fd,
                         int err_fd) {
  int error = ENOENT;
  char path[4096];
  job.direct = 0;
  if (direct) {
    char **env = build_env(extra_env, extra_count, 1);
    const char *file = env ? resolve_program(words[0], env, path, sizeof path) : NULL;
    if (file) error = start_child(file, words, env, in_fd, out_fd, err_fd);
    free(env);
    if (error == 0) job.direct = 1;
  }
  if (direct && !job.direct) {
    // A plain command that could not be started: /bin/sh -c runs its words joined by spaces, which it splits back into
    // the same words (a plain command holds nothing else the shell would read), and reports why as it always does.
    size_t len = 1;
    for (int i = 0; i < word_count; i++) len += strlen(words[i]) + 1;
    char *line = malloc(len);
    if (line) {
      char *end = line;
      for (int i = 0; i < word_count; i++) end += sprintf(end, i ? " %s" : "%s", words[i]);
    }
    char *argv[] = {SHELL, "-c", line, NULL};
    char **env = build_env(extra_env, extra_count, 0);
    error = env && line ? start_child(SHELL, argv, env, in_fd, out_fd, err_fd) : ENOMEM;
    free(env);
    free(line);
  } else if (!direct) {
    // PROGRAM ARG... exactly as given (handoff sends /bin/sh -c LINE), found on the launcher's own PATH.
    char **env = build_env(extra_env, extra_count, 0);
    const char *file = env ? resolve_program(words[0], environ, path, sizeof path) : NULL;
    error = !env ? ENOMEM : file ? start_child(file, words, env, in_fd, out_fd, err_fd) : ENOENT;
    free(env);
  }
  return error;
}

static void reset_job(long id) {
  memset(&job, 0, sizeof job);
  job.id = id;
  job.out_fd = job.err_read = job.err_keep = -1;
  job.rung = -1;
  job.next_step_at = job.give_up_at = -1;
}

/** One pass of the ladder's clock: climbs a rung when a grace period is over; gives up on processes SIGKILL cannot end. */
static void tick_ladder(void) {
  if (!job.active || job.next_step_at < 0 || now_ms() < job.next_step_at) return;
  if (job.rung < RUNG_KILL) {
    step_to(job.rung + 1);
  } else if (now_ms() >= job.give_up_at) {
    job.gave_up = 1; // processes stuck in the kernel are left to init rather than block handoff
  } else {
    signal_descendants(SIGKILL);
    job.next_step_at = now_ms() + KILL_RETRY_MS;
  }
}

/** How long poll may sleep before the ladder's next step (-1: no step pending). */
static int ladder_timeout(void) {
  if (!job.active || job.next_step_at < 0) return -1;
  long long wait = job.next_step_at - now_ms();
  return wait < 0 ? 0 : (int)wait;
}

static void stop_launched(void);

/** A signal to the launcher itself (e.g. from a handoff taking over an abandoned run): end the command too. */
static void read_signals(int sfd) {
  // Several at a time: a read that fills less than the buffer has taken every pending one, so a command's SIGCHLD
  // costs one read, not a second one to learn that nothing is left.
  struct signalfd_siginfo infos[8];
  for (;;) {
    ssize_t n = read(sfd, infos, sizeof infos);
    if (n < (ssize_t)sizeof infos[0]) break;
    for (ssize_t i = 0; i < n / (ssize_t)sizeof infos[0]; i++) {
      if (infos[i].ssi_signo == SIGCHLD) continue;
      request(RUNG_TERM);
      stop_launched();
      stopping = 1;
    }
    if (n < (ssize_t)sizeof infos) break;
  }
  reap();
}

/**
 * Whether a request can still end something of the current command: it runs, or what it left behind does. One that
 * comes once both are gone (the command exited of itself, its last stderr on the way) ended nothing, and does not count.
 */
static int still_running(void) {
  return job.active && !(job.reaped && job.none_left);
}

/** Applies a ladder request word (`int`, `term`, `kill`) to the current command. Returns 0 when the word is no such request. */
static int apply_request_word(const char *word) {
  if (strcmp(word, "kill") == 0) request(RUNG_KILL);
  else if (strcmp(word, "term") == 0) request(RUNG_TERM);
  else if (strcmp(word, "int") == 0) request(RUNG_INT);
  else return 0;
  return 1;
}

/**
 * Opens a new, empty file in place of `path` (not the old one truncated: a process a killed run left may hold it).
 * When the old one stays, errno is why unlink failed (EACCES, EPERM in a sticky folder, EBUSY on a mount point, EISDIR
 * for a folder), not the new file's EEXIST.
 */
static int open_fresh(const char *path) {
  int kept = unlink(path) == 0 ? 0 : errno;
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EEXIST && kept && kept != ENOENT) errno = kept;
  return fd;
}

/** Worker: a `run` request waiting for its turn (with a copy of its payload). */
struct pending {
  struct pending *next;
  long id;
  char flags[16];
  int nargs, nenv;
  long length;
  /** Its stdout file and stderr log made ahead as unnamed files (see prepare_next), or -1. */
  int out_ahead, err_ahead;
  int prepared;
  char payload[];
};

/** Worker: frees a request, and with it the unnamed files made for it, which vanish without ever having had a name. */
static void free_pending(struct pending *r) {
  if (r->out_ahead >= 0) close(r->out_ahead);
  if (r->err_ahead >= 0) close(r->err_ahead);
  free(r);
}

/** A new file with no name yet in the folder of `path` (O_TMPFILE), or -1 where the file system has none. */
static int open_unnamed(const char *path) {
  const char *slash = strrchr(path, '/');
  char dir[4096];
  size_t n = !slash ? 0 : slash == path ? 1 : (size_t)(slash - path);
  if (n >= sizeof dir) return -1;
  if (n == 0) strcpy(dir, ".");
  else {
    memcpy(dir, path, n);
    dir[n] = 0;
  }
  return open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
}

/**
 * Gives `path` the unnamed file made ahead in `*ahead` in place of whatever it names now (a new file, as open_fresh
 * makes); -1 when none was made or it cannot be linked (then the caller makes the file as it would have).
 */
static int link_ahead(int *ahead, const char *path) {
  int fd = *ahead;
  *ahead = -1;
  if (fd < 0) return -1;
  char self[64];
  snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
  unlink(path);
  if (linkat(AT_FDCWD, self, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0) return fd;
  close(fd);
  return -1;
}

/** The mode a new log gets (0644 less the umask, noted at start): an old log with another was changed by someone. */
static mode_t fresh_mode;
/** This worker's user and group (noted at start): a reused log must be owned as a new one would be. */
static uid_t self_uid;
static gid_t self_gid;
/**
 * Set for good once a log's file system gives no lease (F_SETLEASE's EINVAL: fs.leases-enable=0, or no support) or is
 * not one reuse_old trusts: logs are then made anew, each made ahead again (prepare_next no longer counts on reuse).
 */
static int reuse_off;

/**
 * Whether a file (its statx) could stand in for a new one (see reuse_old): a regular file of this user and group with
 * one name and a new file's mode, not the root of a mount (a file bind-mounted there, which is not ours to empty; a
 * kernel that cannot tell is not trusted).
 */
static int reusable(const struct statx *st) {
  return S_ISREG(st->stx_mode) && st->stx_nlink == 1 && st->stx_uid == self_uid && st->stx_gid == self_gid &&
         (st->stx_mode & 07777) == fresh_mode && (st->stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
         !(st->stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/** Whether the file at `path` looks reusable (from its statx, not following a symlink): a FIFO or device is never opened. */
static int looks_reusable(const char *path, struct statx *st) {
  return !reuse_off && statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, st) == 0 && reusable(st);
}

/**
 * Whether the file is on a local file system whose lease sees other processes' opens of it (ext4, where reuse pays
 * off, xfs, btrfs, tmpfs; but see reuse_old). Not NFS or SMB (other clients' opens), overlayfs (an open through its
 * upper or lower folder is of another file) or FUSE.
 */
static int lease_sees_opens(int fd) {
  struct statfs fs;
  if (fstatfs(fd, &fs) != 0) return 0;
  switch ((unsigned long)fs.f_type) {
  case 0xEF53UL:     // EXT4_SUPER_MAGIC (ext2/3 too)
  case 0x58465342UL: // XFS_SUPER_MAGIC
  case 0x9123683EUL: // BTRFS_SUPER_MAGIC
  case 0x01021994UL: // TMPFS_MAGIC
    return 1;
  default:
    return 0;
  }
}

/**
 * Whether the file has no extended attribute but security.* ones (an SELinux label, as a new file gets): an ACL
 * (system.posix_acl_access) or a user.* one was put there by someone, and could let another user read the new log.
 */
static int only_security_xattrs(int fd) {
  char names[1024];
  ssize_t n = flistxattr(fd, names, sizeof names);
  if (n < 0) return errno == ENOTSUP; // ERANGE, a longer list: not a new file's
  for (ssize_t i = 0; i < n; i += (ssize_t)strnlen(names + i, (size_t)(n - i)) + 1)
    if (strncmp(names + i, "security.", 9) != 0) return 0;
  return 1;
}

/**
 * A rerun's old log emptied in place and open for writing, in place of a new file (unlink and create): on a journal-less
 * ext4, every new inode is searched past each inode freed in its group in the last 60 s (ext4's recently_deleted), so
 * a foreach rerun that unlinks 2,000 logs and makes 2,000 more paid 0.1–0.2 ms of kernel CPU per file, most of its
 * launcher's own CPU (perf record: __ext4_new_inode, find_inode_bit, recently_deleted). Only when no other open file
 * of it is seen: a write lease is granted only then, so a process an earlier, killed run left writing to it cannot
 * write into the new log, and a reader keeps the old content, as with a new file. The lease is no proof of no holder:
 * it does not see an O_PATH descriptor (which can be reopened through /proc/self/fd later) or a mapping left after its
 * file was closed, and only local file systems are trusted with it (lease_sees_opens). -1 when it cannot be reused
 * (nothing was changed).
 */
static int reuse_old(const char *path) {
  struct statx before, st;
  if (!looks_reusable(path, &before)) return -1;
  // O_NONBLOCK: a FIFO put there since the statx must not block the worker (cleared below on the file that is used).
  int fd = open(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return -1;
  // Its type before the lease: F_SETLEASE on something else put there since is EINVAL too, which turns reuse off.
  struct stat opened;
  if (fstat(fd, &opened) != 0 || !S_ISREG(opened.st_mode) || opened.st_ino != before.stx_ino) {
    close(fd);
    return -1;
  }
  if (!lease_sees_opens(fd)) reuse_off = 1;
  if (reuse_off || fcntl(fd, F_SETLEASE, F_WRLCK) != 0) {
    // EAGAIN: held now (maybe not on the next line's log); EINVAL: no lease on this file system, now or later.
    if (!reuse_off && errno == EINVAL) reuse_off = 1;
    close(fd);
    return -1;
  }
  // Checked under the lease (held for three calls; an open by another process meanwhile waits for its release, its
  // SIGIO ignored, see main). link() does not break a lease, so a second name made before this is seen here; one made
  // in the µs until the ftruncate below is not.
  int fits = statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &st) == 0 && st.stx_ino == before.stx_ino &&
             st.stx_dev_major == before.stx_dev_major && st.stx_dev_minor == before.stx_dev_minor && reusable(&st) &&
             only_security_xattrs(fd);
  int emptied = fits && (st.stx_size == 0 || ftruncate(fd, 0) == 0);
  fcntl(fd, F_SETLEASE, F_UNLCK);
  if (!emptied || fcntl(fd, F_SETFL, 0) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static struct pending *queue_head, *queue_tail;
/** Worker: whether the last command ended well (exit 0, never signalled): a conditional request runs only then. */
static int last_ok = 1;

/** Worker: one report about a request that is not (or no longer) the current command. */
static void report_about(long id, const char *text) {
  char line[256];
  int n = snprintf(line, sizeof line, text, id, id);
  if (n > 0) send_bytes(line, n < (int)sizeof line ? n : (int)sizeof line - 1);
}

/** Worker: the command could not be started; reported as such, then done. */
static void refuse(const char *format, ...) {
  char why[512];
  va_list args;
  va_start(args, format);
  vsnprintf(why, sizeof why, format, args);
  va_end(args);
  job.active = 0;
  last_ok = 0;
  report("start-error", "%s", why);
  report("done", "-1");
}

/**
 * Worker: starts one command from its request's fields: the stdout file to create (`o`) or append to (`a`) or none
 * (`n`: /dev/null; otherwise the previous command's), the stderr log to create empty (`e`), the command's words (to run
 * without a shell with `d`), and entries added to its environment.
 */
static void start_job(struct pending *r) {
  reset_job(r->id);
  int append = strchr(r->flags, 'a') != NULL;
  int has_out = strchr(r->flags, 'o') != NULL || append, has_err = strchr(r->flags, 'e') != NULL;
  int nfields = has_out + has_err + r->nargs + r->nenv;
  char **fields = calloc((size_t)nfields + 1, sizeof *fields);
  int got = 0;
  for (char *p = r->payload; fields && got < nfields && p < r->payload + r->length; got++) {
    fields[got] = p;
    p += strnlen(p, (size_t)(r->payload + r->length - p)) + 1;
  }
  // Each field ends with a NUL inside the payload: then its last byte is one.
  char **words = fields && got == nfields && r->payload[r->length - 1] == 0 ? calloc((size_t)r->nargs + 1, sizeof *words) : NULL;
  if (!words) {
    refuse("malformed request");
  } else {
    memcpy(words, fields + has_out + has_err, sizeof *words * (size_t)r->nargs);
    const char *out_path = has_out ? fields[0] : NULL;
    const char *err_path = has_err ? fields[has_out] : NULL;
    int pipe_fds[2] = {-1, -1};
    // The task's file stays open from one of its commands to the next (`a` with the same path).
    int keep = append && task_out_fd >= 0 && task_out_path && strcmp(task_out_path, out_path) == 0;
    if (!keep && (out_path || strchr(r->flags, 'n'))) {
      if (task_out_fd >= 0) close(task_out_fd);
      task_out_fd = -1;
      free(task_out_path);
      task_out_path = NULL;
    }
    if (out_path && !keep) {
      task_out_fd = append ? open(out_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : link_ahead(&r->out_ahead, out_path);
      if (task_out_fd < 0 && !append) task_out_fd = reuse_old(out_path);
      if (task_out_fd < 0 && !append) task_out_fd = open_fresh(out_path);
      if (task_out_fd >= 0) task_out_path = strdup(out_path);
    }
    if (out_path && task_out_fd < 0) {
      refuse("cannot open %s: %s", out_path, strerror(errno));
    } else if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
      refuse("cannot make a pipe: %s", strerror(errno));
    } else {
      if (err_path) {
        int fd = link_ahead(&r->err_ahead, err_path);
        if (fd < 0) fd = reuse_old(err_path);
        // As the stdout file: a new one, not a FIFO or device there opened (which could block the worker for good).
        if (fd < 0) fd = open_fresh(err_path);
        if (fd < 0) report("log-error", "%s", strerrorname_np(errno) ? strerrorname_np(errno) : "EIO");
        else close(fd);
      }
      // What is held goes out before the command starts (one write: the last command's `exit` and `done`): the command
      // may kill this worker (kill -9 $PPID) before its next wait, and handoff must then know that every command before
      // this one is over, so that the first one it has no `done` of is this one, which may have run and must not run again.
      // Before the start, not with the `pid` after it: a command can kill the worker before that write too, and then
      // handoff could not tell the command before (over, its `done` lost) from this one. The price is a second write per
      // command (its `pid` still goes at the next wait), a few µs here; not measured.
      flush_reports();
      job.active = 1;
      job.out_fd = task_out_fd >= 0 ? task_out_fd : devnull;
      int error = spawn_command(words, r->nargs, strchr(r->flags, 'd') != NULL, fields + has_out + has_err + r->nargs, r->nenv,
                                devnull, job.out_fd, pipe_fds[1]);
      if (error != 0) {
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        refuse("%s: %s", words[0], strerror(error));
      } else {
        job.err_read = pipe_fds[0];
        fcntl(job.err_read, F_SETFL, O_NONBLOCK);
        // Kept only to write the shell's message after the command's death; otherwise the pipe ends with its last writer.
        if (job.direct) job.err_keep = pipe_fds[1];
        else close(pipe_fds[1]);
        report("pid", "%d %lld", job.pid, epoch_ms());
      }
    }
  }
  free(words);
  free(fields);
}

/** Worker: reports the end of the current command once it, its leftovers and its stderr are all gone. */
static void finish_job_if_over(void) {
  if (!job.active) return;
  if (job.gave_up) {
    if (!job.reaped) {
      job.reaped = 1;
      report("signal", "%d 0", SIGKILL);
    }
    if (job.err_read >= 0) relay_stderr();
    if (job.err_read >= 0) close(job.err_read);
    job.err_read = -1;
    // Children it could not end stay children of this worker and would keep the next command from ever being over.
    // `stopping` before the `done`: handoff sends its next command to a new worker, not to this one that exits.
    if (!stopping) send_bytes("stopping\n", 9);
    stopping = 1;
  } else if (!(job.reaped && job.none_left && job.err_read < 0)) {
    return;
  }
  last_ok = !job.gave_up && !job.requested && WIFEXITED(job.status) && WEXITSTATUS(job.status) == 0;
  struct stat st;
  long long bytes = task_out_fd >= 0 && fstat(task_out_fd, &st) == 0 ? (long long)st.st_size : -1;
  report("done", "%lld %d %lld", bytes, job.requested, epoch_ms());
  job.active = 0;
}

/** Worker: takes the request `id` out of the queue, reporting it `skipped`; 0 when it is not there. */
static int unqueue(long id) {
  for (struct pending **at = &queue_head, *prev = NULL; *at; prev = *at, at = &(*at)->next) {
    if ((*at)->id != id) continue;
    struct pending *r = *at;
    *at = r->next;
    if (queue_tail == r) queue_tail = prev;
    report_about(id, "skipped %ld\n");
    free_pending(r);
    return 1;
  }
  return 0;
}

/**
 * Worker: starts the next request when no command runs. A conditional one (`c`) runs only if the command before it
 * ended well, so handoff may send a foreach's next line before it has seen this one end; otherwise it is `skipped`,
 * like every request once the worker is stopping.
 */
static void start_next(void) {
  while (!job.active && queue_head) {
    struct pending *r = queue_head;
    queue_head = r->next;
    if (!queue_head) queue_tail = NULL;
    if (stopping || (strchr(r->flags, 'c') && !last_ok)) {
      last_ok = 0;
      report_about(r->id, "skipped %ld\n");
    } else {
      start_job(r);
    }
    free_pending(r);
  }
}

/**
 * Worker: while a command runs, makes the files of the request waiting next, unnamed (O_TMPFILE): on some file
 * systems creating a file takes 0.1–0.3 ms (ext4 on a virtual machine: allocating the inode), which a foreach's line
 * would otherwise spend between the command before it exiting and its own start. start_job only links them in place
 * (unlink and linkat, about 0.02 ms); a request that never starts leaves nothing behind, not even the old files
 * truncated.
 */
static void prepare_next(void) {
  struct pending *r = queue_head;
  if (!job.active || !r || r->prepared || stopping) return;
  r->prepared = 1;
  // Fields in order: the stdout file (`o`, or `a` to append to: no new file), the stderr log (`e`), the words.
  int fresh_out = strchr(r->flags, 'o') != NULL, has_out = fresh_out || strchr(r->flags, 'a') != NULL;
  int has_err = strchr(r->flags, 'e') != NULL;
  const char *end = r->payload + r->length;
  const char *first_end = memchr(r->payload, 0, (size_t)r->length);
  const char *err_path = has_out ? (first_end ? first_end + 1 : end) : r->payload;
  // A malformed payload is left to start_job to refuse.
  if (has_err && (err_path >= end || !memchr(err_path, 0, (size_t)(end - err_path)))) has_err = 0;
  // A rerun's old log that looks reusable is emptied in place at the start instead (reuse_old): no new file ahead.
  struct statx st;
  if (fresh_out && first_end && !looks_reusable(r->payload, &st)) r->out_ahead = open_unnamed(r->payload);
  if (has_err && !looks_reusable(err_path, &st)) r->err_ahead = open_unnamed(err_path);
}

/** Worker: a pipeline's command started under a launcher of its own (a `launch` request), whose reports it relays. */
struct launched {
  struct launched *next;
  long id;
  /** The launcher's pid. */
  pid_t pid;
  /** This end of the launcher's control socket; -1 once closed (after its `done`, or once it is gone). */
  int ctl;
  /** The read end of its command's stderr; -1 at its end. */
  int err_read;
  /** Its `pid` or `start-error` was relayed: its stderr may follow. */
  int started;
  /** Its command's pid (its process group), once reported. */
  pid_t command;
  /** Its `done` came (REQUESTED kept here): relayed once its stderr has all been. */
  int done;
  char requested[8];
  /** Its stderr is closed at this time, read or not (-1: not yet due; see STDERR_DRAIN_MS). */
  long long drain_until;
  /** The launcher was reaped: no zombie is left, and what it left to this worker can be found. */
  int reaped;
  /** Its socket closed without a `done`: it died (kill -9), and what it left to this worker is ended at its reap. */
  int died;
  /** handoff asked to end its command (a timeout, a stop): a death of the launcher after that is that request's doing. */
  int asked;
  /** How its command ended (`exit`/`signal`) was relayed: a death of the launcher after that changes nothing of it. */
  int ended;
  /** Once reaped after its `done`, this worker looked for what it left behind (see finish_launched). */
  int checked;
  char *in;
  size_t in_len, in_cap;
};
static struct launched *launched_head;
/** Worker: the read end of the pipe the last `launch` with `p` made, for the next one's stdin (`i`). */
static int link_read = -1;

/** Worker: sends a launcher a ladder request (`int`, `term`, `kill`). */
static void tell_launched(struct launched *l, const char *word) {
  if (l->ctl < 0 || l->done) return;
  char line[16];
  int n = snprintf(line, sizeof line, "%s\n", word);
  write_all(l->ctl, line, n);
}

/** Worker: a `launch` that could not start a launcher: reported so, then done. */
static void refuse_launch(long id, const char *why) {
  char line[640];
  int n = snprintf(line, sizeof line, "start-error %ld %s\ndone %ld -1 0\n", id, why, id);
  if (n > 0) send_bytes(line, n < (int)sizeof line ? n : (int)sizeof line - 1);
}

/**
 * Worker: starts this program as a pipeline command's launcher with stdin, stdout, stderr and its control socket (fd
 * 3) as given, default signal dispositions and no blocked signal (see start_child). Its pid, or -1 (errno in exec_error
 * when the child could not exec).
 */
static pid_t vfork_launcher(int in_fd, int out_fd, int err_fd, int ctl_fd, char **argv, char **env) {
  sigset_t none;
  sigemptyset(&none);
  exec_error = 0;
  pid_t pid = vfork();
  if (pid == 0) {
    // As start_child: async-signal-safe calls only. 0, 1 and 2 first: the control socket may be one of them now.
    if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0 || dup2(ctl_fd, 3) < 0 ||
        (ctl_fd == 3 && fcntl(3, F_SETFD, 0) < 0) || (alive_fd >= 0 && (alive_fd == 4 ? fcntl(4, F_SETFD, 0) : dup2(alive_fd, 4)) < 0)) {
      exec_error = errno;
      _exit(127);
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
      if (sigismember(&ignored_signals, sig) == 1) sigaction(sig, &dfl, NULL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    // /proc/self/exe, not a path read from it: a binary replaced since (a rebuild) reads as "PATH (deleted)".
    execve("/proc/self/exe", argv, env);
    exec_error = errno ? errno : ENOEXEC;
    _exit(127);
  }
  return pid;
}

/** Worker: starts `handoff-launch --control=3 ... -- WORDS` for one pipeline command (see the top of this file). */
static void start_launched(long id, const char *flags, int nargs, int nenv, const char *payload, long length) {
  int has_out = strchr(flags, 'o') != NULL, from_link = strchr(flags, 'i') != NULL, to_link = strchr(flags, 'p') != NULL;
  int nfields = has_out + nargs + nenv;
  char **fields = calloc((size_t)nfields + 1, sizeof *fields);
  int got = 0;
  for (const char *p = payload; fields && got < nfields && p < payload + length; got++) {
    fields[got] = (char *)p;
    p += strnlen(p, (size_t)(payload + length - p)) + 1;
  }
  int in_fd = from_link ? link_read : devnull;
  if (from_link) link_read = -1;
  int out_fd = devnull, next_read = -1, ctl[2] = {-1, -1}, errp[2] = {-1, -1};
  char why[512] = "";
  char grace[32], **argv = NULL, **env = NULL;
  if (!fields || got != nfields || payload[length - 1] != 0) snprintf(why, sizeof why, "malformed request");
  else if (in_fd < 0) snprintf(why, sizeof why, "no pipe from the command before");
  else if (has_out && (out_fd = open_fresh(fields[0])) < 0) snprintf(why, sizeof why, "cannot open %s: %s", fields[0], strerror(errno));
  else if (to_link) {
    int pp[2];
    if (pipe2(pp, O_CLOEXEC) != 0) snprintf(why, sizeof why, "cannot make a pipe: %s", strerror(errno));
    else {
      out_fd = pp[1];
      next_read = pp[0];
    }
  }
  if (!why[0] && (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) != 0 || pipe2(errp, O_CLOEXEC) != 0))
    snprintf(why, sizeof why, "cannot make a pipe: %s", strerror(errno));
  if (!why[0]) {
    argv = calloc((size_t)nargs + 7, sizeof *argv);
    env = build_env(fields + has_out + nargs, nenv, 0);
    if (!argv || !env) snprintf(why, sizeof why, "out of memory");
  }
  pid_t pid = -1;
  if (!why[0]) {
    int n = 0;
    snprintf(grace, sizeof grace, "--grace-ms=%ld", grace_ms);
    argv[n++] = "handoff-launch";
    argv[n++] = "--control=3";
    if (alive_fd >= 0) argv[n++] = "--alive=4";
    argv[n++] = grace;
    if (strchr(flags, 'd')) argv[n++] = "--direct";
    argv[n++] = "--";
    memcpy(argv + n, fields + has_out, sizeof *argv * (size_t)nargs);
    pid = vfork_launcher(in_fd, out_fd, errp[1], ctl[1], argv, env);
    if (pid < 0 || exec_error != 0) {
      int error = pid < 0 ? errno : exec_error;
      if (pid > 0)
        while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR) {
        }
      // A line over the kernel's limit for one argument is the command's own fault, said as the shell would say it.
      if (error == E2BIG) snprintf(why, sizeof why, "%s: %s", SHELL, strerror(error));
      else snprintf(why, sizeof why, "cannot start handoff's process launcher: %s", strerror(error));
      pid = -1;
    }
  }
  // This worker keeps no end of the command's pipes but the ones it reads (and the next command's stdin).
  if (from_link && in_fd >= 0) close(in_fd);
  if (out_fd >= 0 && out_fd != devnull) close(out_fd);
  if (errp[1] >= 0) close(errp[1]);
  if (ctl[1] >= 0) close(ctl[1]);
  if (link_read >= 0) close(link_read);
  link_read = next_read;
  struct launched *l = pid > 0 ? calloc(1, sizeof *l) : NULL;
  if (pid > 0 && !l) {
    kill(pid, SIGKILL); // its control socket closes with this worker's end: it ends its command too
    snprintf(why, sizeof why, "out of memory");
  }
  if (!l) {
    if (ctl[0] >= 0) close(ctl[0]);
    if (errp[0] >= 0) close(errp[0]);
    refuse_launch(id, why[0] ? why : "malformed request");
  } else {
    l->id = id;
    l->pid = pid;
    l->ctl = ctl[0];
    l->err_read = errp[0];
    l->drain_until = -1;
    fcntl(l->ctl, F_SETFL, O_NONBLOCK);
    fcntl(l->err_read, F_SETFL, O_NONBLOCK);
    l->next = launched_head;
    launched_head = l;
  }
  free(argv);
  free(env);
  free(fields);
}

/** Worker: relays what the launcher's command wrote to stderr so far (after its `pid`); closes it at its end. */
static void relay_launched_stderr(struct launched *l) {
  char buf[65536];
  while (l->started && l->err_read >= 0) {
    ssize_t n = read(l->err_read, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      close(l->err_read);
      l->err_read = -1;
      return;
    }
    char head[64];
    int h = snprintf(head, sizeof head, "err %ld %zd\n", l->id, n);
    send_bytes(head, h);
    send_bytes(buf, n);
  }
}

/** Worker: relays the launcher's report lines with the command's ID after the first word; `done` is held (see above). */
static void relay_launched_line(struct launched *l, char *line) {
  char *space = strchr(line, ' ');
  if (space) *space = 0;
  const char *rest = space ? space + 1 : "";
  if (strcmp(line, "done") == 0) {
    l->done = 1;
    snprintf(l->requested, sizeof l->requested, "%s", rest[0] ? rest : "0");
    l->drain_until = now_ms() + STDERR_DRAIN_MS;
    // The launcher exits once this end closes (await_control_end), and with it the last writer of the stderr pipe.
    close(l->ctl);
    l->ctl = -1;
    return;
  }
  if (strcmp(line, "pid") == 0) l->command = (pid_t)atol(rest);
  if (strcmp(line, "exit") == 0 || strcmp(line, "signal") == 0) l->ended = 1;
  if (strcmp(line, "pid") == 0 || strcmp(line, "start-error") == 0) l->started = 1;
  char head[64];
  int h = snprintf(head, sizeof head, "%s %ld%s", line, l->id, rest[0] ? " " : "");
  send_bytes(head, h);
  send_bytes(rest, strlen(rest));
  send_bytes("\n", 1);
}

/** Worker: reads a launcher's reports; its socket closing before `done` means the launcher died. */
static void read_launched(struct launched *l) {
  while (l->ctl >= 0) {
    if (l->in_cap - l->in_len < 4096) {
      size_t cap = l->in_cap ? l->in_cap * 2 : 8192;
      char *bigger = realloc(l->in, cap);
      if (!bigger) return;
      l->in = bigger;
      l->in_cap = cap;
    }
    ssize_t n = read(l->ctl, l->in + l->in_len, l->in_cap - l->in_len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      // Killed (kill -9): its command's group is ended here, as the launcher no longer can. A command whose end was
      // already relayed keeps it (its group may be gone and its number reused); what it left is ended at the reap.
      if (l->command > 0 && !l->ended) kill(-l->command, SIGKILL);
      close(l->ctl);
      l->ctl = -1;
      if (!l->started) {
        report_about(l->id, "start-error %ld handoff's process launcher ended before starting the command\n");
        l->started = 1;
      } else if (!l->ended) {
        char line[64];
        int m = snprintf(line, sizeof line, "signal %ld %d 0\n", l->id, SIGKILL);
        send_bytes(line, m);
      }
      l->done = l->died = 1;
      // A launcher that died after handoff asked to end its command (a timeout) ended as asked: so is it recorded.
      snprintf(l->requested, sizeof l->requested, "%d", l->asked);
      l->drain_until = now_ms() + STDERR_DRAIN_MS;
      return;
    }
    l->in_len += (size_t)n;
    size_t used = 0;
    for (;;) {
      char *nl = memchr(l->in + used, '\n', l->in_len - used);
      if (!nl) break;
      *nl = 0;
      relay_launched_line(l, l->in + used);
      used = (size_t)(nl - l->in) + 1;
      if (l->ctl < 0) break;
    }
    memmove(l->in, l->in + used, l->in_len - used);
    l->in_len -= used;
  }
}

/** Worker: notes a reaped launcher (reap() takes every child of this worker). */
static void note_launcher_reaped(pid_t pid) {
  for (struct launched *l = launched_head; l; l = l->next)
    if (l->pid == pid) l->reaped = 1;
}

/**
 * Worker: SIGKILLs what a dead launcher left to this worker, the nearest subreaper: everything below the worker but the
 * live launchers' trees and the current job's. Only once the launcher was reaped: its children are re-parented by then.
 */
static void kill_orphans_of_launchers(void) {
  struct proc_entry *list = NULL;
  int count = scan_processes(&list);
  char *members = count ? calloc(count, 1) : NULL;
  if (members) {
    for (int changed = 1; changed;) {
      changed = 0;
      for (int i = 0; i < count; i++) {
        if (members[i] || list[i].state == 'Z') continue;
        int below = 0;
        if (list[i].ppid == self_pid) {
          below = !(job.active && list[i].pid == job.pid);
          for (struct launched *l = launched_head; below && l; l = l->next) below = !(l->pid == list[i].pid && !l->reaped);
        }
        for (int j = 0; !below && j < count; j++) below = members[j] && list[j].pid == list[i].ppid;
        if (below) members[i] = changed = 1;
      }
    }
    for (int i = 0; i < count; i++)
      if (members[i]) kill(list[i].pid, SIGKILL);
  }
  free(members);
  free(list);
}

/** Worker: the earliest stderr drain deadline among the launchers over (-1: none), to bound poll's sleep. */
static int drain_timeout(int timeout) {
  for (struct launched *l = launched_head; l; l = l->next) {
    if (!l->done || l->drain_until < 0 || l->err_read < 0) continue;
    long long wait = l->drain_until - now_ms();
    int ms = wait < 0 ? 0 : (int)wait;
    if (timeout < 0 || ms < timeout) timeout = ms;
  }
  return timeout;
}

/**
 * Worker: whether a live child of this worker is neither a launcher still running nor the current command. A launcher
 * that ended of itself leaves nothing, unless it gave up on processes SIGKILL could not end (stuck in the kernel):
 * those are then this worker's, the nearest subreaper. Reads the worker's list of children, not all of /proc.
 */
static int has_stray_children(void) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task/%d/children", self_pid, self_pid);
  // A kernel without CONFIG_PROC_CHILDREN has no such file: nothing is found stray, and the next command then names
  // what a launcher gave up on as its own leftover (as before this check), which is all that is lost.
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  // Read to its end: a worker with many launchers and what they left has more than one buffer's worth of pids.
  size_t len = 0, cap = 4096;
  char *buf = malloc(cap);
  for (ssize_t n = 1; buf && n > 0;) {
    if (cap - len < 1024) {
      char *more = realloc(buf, cap *= 2);
      if (!more) free(buf);
      buf = more;
      if (!buf) break;
    }
    n = read(fd, buf + len, cap - len - 1);
    if (n < 0 && errno == EINTR) n = 1;
    else if (n > 0) len += (size_t)n;
  }
  close(fd);
  if (!buf) return 0;
  buf[len] = 0;
  int stray = 0;
  for (char *p = buf, *end; *p && !stray; p = end) {
    pid_t pid = (pid_t)strtol(p, &end, 10);
    if (end == p) break;
    if (pid <= 0 || (job.active && pid == job.pid)) continue;
    int launcher = 0;
    for (struct launched *l = launched_head; l && !launcher; l = l->next) launcher = l->pid == pid && !l->reaped;
    if (launcher) continue;
    char stat[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int sfd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t m = sfd >= 0 ? read(sfd, stat, sizeof stat - 1) : -1;
    if (sfd >= 0) close(sfd);
    if (m <= 0) continue; // gone meanwhile
    stat[m] = 0;
    char *paren = strrchr(stat, ')');
    if (paren && paren[1] == ' ' && paren[2] != 'Z') stray = 1; // a zombie is reaped at the next turn, not stray
  }
  free(buf);
  return stray;
}

/**
 * Worker: reports `done` for every launcher whose `done` came (or that died), once it was reaped and its command's
 * stderr has all been relayed, or its drain deadline passed (then what still holds it is not waited for).
 */
static void finish_launched(void) {
  int orphans = 0, ended_itself = 0;
  for (struct launched *l = launched_head; l; l = l->next) {
    if (l->died && l->reaped && l->died++ == 1) orphans = 1;
    if (!l->died && l->done && l->reaped && !l->checked) l->checked = ended_itself = 1;
  }
  if (orphans) kill_orphans_of_launchers();
  if (ended_itself && !stopping && has_stray_children()) {
    // A launcher gave up on processes stuck in the kernel and they are this worker's now: killed once more (a SIGKILL
    // waits for them to leave the kernel), this worker stops taking commands, so that the next one (a `commands:`
    // task's) does not count them as what it left behind, nor wait for them. `stopping` (before the `done`s) tells
    // handoff to start its next commands in a new worker; this one exits once its launchers are over.
    kill_orphans_of_launchers();
    stopping = 1;
    send_bytes("stopping\n", 9);
  }
  for (struct launched **at = &launched_head; *at;) {
    struct launched *l = *at;
    if (l->done && l->err_read >= 0) relay_launched_stderr(l);
    if (l->done && l->err_read >= 0 && l->drain_until >= 0 && now_ms() >= l->drain_until) {
      close(l->err_read);
      l->err_read = -1;
    }
    if (!l->done || l->err_read >= 0 || !l->reaped) {
      at = &l->next;
      continue;
    }
    char line[64];
    int n = snprintf(line, sizeof line, "done %ld -1 %s\n", l->id, l->requested);
    send_bytes(line, n);
    *at = l->next;
    free(l->in);
    free(l);
  }
}

/** Worker: asks every launcher to end its command (handoff is gone, or the worker was told to stop). */
static void stop_launched(void) {
  for (struct launched *l = launched_head; l; l = l->next) tell_launched(l, "term");
}

/** Worker: requests read so far and not yet handled. */
static char *input;
static size_t input_len, input_cap;

/** Worker: handles every whole request in the input; returns how many bytes it used. */
static size_t handle_requests(void) {
  size_t used = 0;
  for (;;) {
    char *start = input + used;
    char *nl = memchr(start, '\n', input_len - used);
    if (!nl) break;
    size_t header_len = (size_t)(nl - start);
    char header[256];
    if (header_len >= sizeof header) header_len = sizeof header - 1;
    memcpy(header, start, header_len);
    header[header_len] = 0;
    char word[16] = "", flags[16] = "";
    long id = 0, length = 0;
    int nargs = 0, nenv = 0;
    sscanf(header, "%15s", word);
    if (strcmp(word, "run") == 0 && sscanf(header, "run %ld %15s %d %d %ld", &id, flags, &nargs, &nenv, &length) == 5 &&
        nargs >= 1 && nenv >= 0 && length > 0) {
      size_t need = (size_t)(nl - input) + 1 + (size_t)length;
      if (input_len < need) break; // its payload has not all arrived yet
      struct pending *r = malloc(sizeof *r + (size_t)length);
      if (r) {
        r->next = NULL;
        r->id = id;
        r->out_ahead = r->err_ahead = -1;
        r->prepared = 0;
        memcpy(r->flags, flags, sizeof flags);
        r->nargs = nargs;
        r->nenv = nenv;
        r->length = length;
        memcpy(r->payload, nl + 1, (size_t)length);
        if (queue_tail) queue_tail->next = r;
        else queue_head = r;
        queue_tail = r;
      } else {
        report_about(id, "start-error %ld out of memory\ndone %ld -1\n");
      }
      used = need;
      continue;
    }
    if (strcmp(word, "launch") == 0 && sscanf(header, "launch %ld %15s %d %d %ld", &id, flags, &nargs, &nenv, &length) == 5 &&
        nargs >= 1 && nenv >= 0 && length > 0) {
      size_t need = (size_t)(nl - input) + 1 + (size_t)length;
      if (input_len < need) break; // its payload has not all arrived yet
      if (stopping) refuse_launch(id, "handoff's process launcher is stopping");
      else start_launched(id, flags, nargs, nenv, nl + 1, length);
      used = need;
      continue;
    }
    used = (size_t)(nl - input) + 1;
    if (sscanf(header, "%15s %ld", word, &id) != 2) continue;
    struct launched *target = launched_head;
    while (target && target->id != id) target = target->next;
    if (target) {
      if (strcmp(word, "int") == 0 || strcmp(word, "term") == 0 || strcmp(word, "kill") == 0) {
        target->asked = 1;
        tell_launched(target, word);
      }
    } else if (job.active && id == job.id) {
      // A request from handoff: the command no longer counts as ended well, even if it exits 0 now.
      if (apply_request_word(word) && still_running()) job.requested = 1;
    } else if (strcmp(word, "drop") == 0 || strcmp(word, "int") == 0 || strcmp(word, "term") == 0 || strcmp(word, "kill") == 0) {
      // Ending, or dropping, a command that has not started yet: it never will (`drop` leaves a running one alone).
      unqueue(id);
    }
  }
  return used;
}

/** Worker: reads requests from handoff; its end closing means handoff is gone. */
static void read_worker_control(void) {
  if (input_cap - input_len < 65536) {
    size_t cap = input_cap ? input_cap * 2 : 131072;
    char *bigger = realloc(input, cap);
    if (!bigger) return;
    input = bigger;
    input_cap = cap;
  }
  ssize_t n = read(control_fd, input + input_len, input_cap - input_len);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    close(control_fd);
    control_fd = -1;
    request(RUNG_TERM);
    stop_launched();
    stopping = 1;
    return;
  }
  input_len += (size_t)n;
  size_t used = handle_requests();
  memmove(input, input + used, input_len - used);
  input_len -= used;
}

/**
 * Single mode, after `done`: waits for handoff to close its end of the control socket, which it does once it has read
 * `done`. A launcher that exited at once would leave handoff free to write a request (a timeout or a stop that crossed
 * the command's end) into a socket closed at the other end: the EPIPE makes Node.js destroy the socket, and with it the
 * reports it has not read yet (the command's pid and how it ended). Bounded, so a handoff that never reads cannot hold
 * it; requests that come meanwhile are for a command that is over, and are read and dropped.
 */
static void await_control_end(void) {
  if (control_fd < 0) return;
  // Nothing of the command's may be held meanwhile: a downstream waits for EOF on the pipe that was its stdout.
  if (devnull >= 0) dup2(devnull, 1);
  if (job.err_keep >= 0) close(job.err_keep);
  job.err_keep = -1;
  long long until = now_ms() + KILL_WAIT_MS;
  char buf[256];
  for (;;) {
    long long left = until - now_ms();
    if (left <= 0) break;
    struct pollfd p = {.fd = control_fd, .events = POLLIN};
    int ready = poll(&p, 1, (int)left);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    ssize_t n = read(control_fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
  }
}

/** Single mode: reads ladder requests from handoff; its end closing means handoff is gone. */
static void read_single_control(void) {
  char buf[256];
  ssize_t n = read(control_fd, buf, sizeof buf - 1);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    // handoff is gone (exited, crashed or SIGKILLed): nothing it started may stay behind. Under --alive, only the
    // worker that relayed for it is: handoff (if alive) ends the command's group, and its own end is watched still.
    close(control_fd);
    control_fd = -1;
    if (alive_fd < 0) request(RUNG_TERM);
    return;
  }
  // Requests are single words on lines of their own; the strongest one in the chunk wins.
  buf[n] = 0;
  const char *word = strstr(buf, "kill") ? "kill" : strstr(buf, "term") ? "term" : strstr(buf, "int") ? "int" : NULL;
  // A request that reaches the command while it is current counts, even if the command then exits 0 (see `done`).
  if (word && apply_request_word(word) && still_running()) job.requested = 1;
}

static int usage(void) {
  fprintf(stderr,
          "usage: handoff-launch [--control=FD] [--grace-ms=MS] [--direct] -- PROGRAM [ARG...]\n"
          "       handoff-launch --worker --control=FD [--grace-ms=MS]\n");
  return 2;
}

/** Runs one command given on the command line until it and everything it started are gone. */
static int run_single(char **words, int word_count, int direct, int sfd) {
  reset_job(0);
  job.active = 1;
  job.out_fd = 1;
  // Without a shell, the launcher keeps the command's stderr to write what the shell would about a signal.
  int err_copy = direct ? fcntl(2, F_DUPFD_CLOEXEC, 3) : -1;
  // A SIGTERM already here (blocked since main) is the sweep at its worker's death, which caught it before it led its
  // own group (endOrphanedCommandGroups): its run is over, so its command does not start at all.
  sigset_t pending;
  int swept = sigpending(&pending) == 0 && sigismember(&pending, SIGTERM) == 1;
  int error = swept ? 0 : spawn_command(words, word_count, direct, NULL, 0, -1, -1, -1);
  if (swept || error != 0) {
    if (swept) report("start-error", "%s: not started: handoff's process launcher was told to stop first (SIGTERM)", words[0]);
    else report("start-error", "%s: %s", words[0], strerror(error));
    report("done", NULL);
    await_control_end();
    return 127;
  }
  if (job.direct) job.err_keep = err_copy;
  else if (err_copy >= 0) close(err_copy);
  report("pid", "%d", job.pid);

  // The launcher keeps no end of the command's stdin, stderr or extra descriptors (a reader it held would keep an
  // upstream from ever getting SIGPIPE); stdout stays until the command ends, to tell whether its reader had gone.
  dup2(devnull, 0);
  dup2(devnull, 2);
  for (int fd = 3; fd < control_fd; fd++)
    if (fd != sfd && fd != devnull && fd != job.err_keep) close(fd);

  for (;;) {
    if (job.reaped && job.none_left) break;
    // The alive socket is watched for its hang-up only (no event asked: POLLHUP and POLLERR always come).
    struct pollfd fds[3] = {{.fd = sfd, .events = POLLIN}, {.fd = control_fd, .events = POLLIN}, {.fd = alive_fd, .events = 0}};
    int ready = poll(fds, 3, ladder_timeout());
    if (ready < 0 && errno != EINTR) break;
    if (ready > 0 && alive_fd >= 0 && (fds[2].revents & (POLLHUP | POLLERR))) {
      close(alive_fd);
      alive_fd = -1;
      request(RUNG_TERM);
    }
    if (ready > 0 && (fds[0].revents & POLLIN)) {
      read_signals(sfd);
      if (job.reaped && job.none_left) break;
    }
    if (ready > 0 && control_fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) read_single_control();
    tick_ladder();
    if (job.gave_up) break;
  }

  if (!job.reaped) report("signal", "%d 0", SIGKILL);
  report("done", "%d", job.requested);
  if (control_fd >= 0) {
    await_control_end();
    return 0;
  }
  if (!job.reaped) return 128 + SIGKILL;
  // What the shell around the command would have exited with (see on_command_ended).
  if (job.direct && job.first_signal) return 128 + job.first_signal;
  if (WIFSIGNALED(job.status)) return 128 + WTERMSIG(job.status);
  return WEXITSTATUS(job.status);
}

/** Runs commands handoff sends, one at a time, until handoff closes the control socket. */
static int run_worker(int sfd) {
  reset_job(0);
  struct pollfd *fds = NULL;
  struct launched **polled = NULL;
  size_t fds_cap = 0;
  // Once handoff is gone: when the launchers left must be over (their ladder, its give-up, the stderr drain, and a
  // second), after which the worker ends everything below it and exits rather than outlive handoff for good.
  long long gone_deadline = -1;
  for (;;) {
    finish_job_if_over();
    finish_launched();
    start_next();
    if (!job.active && !launched_head && stopping) break;
    if (control_fd < 0 && gone_deadline < 0) gone_deadline = now_ms() + grace_ms + KILL_WAIT_MS + STDERR_DRAIN_MS + 1000;
    if (gone_deadline >= 0 && now_ms() >= gone_deadline) break;
    // A pipeline's launchers (see start_launched): two descriptors each after the worker's own three.
    size_t count = 3;
    for (struct launched *l = launched_head; l; l = l->next) count += 2;
    if (count > fds_cap) {
      struct pollfd *more = realloc(fds, count * sizeof *fds);
      struct launched **more_polled = realloc(polled, count * sizeof *polled);
      if (more) fds = more;
      if (more_polled) polled = more_polled;
      if (!more || !more_polled) break;
      fds_cap = count;
    }
    fds[0] = (struct pollfd){.fd = sfd, .events = POLLIN};
    fds[1] = (struct pollfd){.fd = control_fd, .events = POLLIN};
    fds[2] = (struct pollfd){.fd = job.active ? job.err_read : -1, .events = POLLIN};
    size_t n = 3;
    for (struct launched *l = launched_head; l; l = l->next) {
      polled[n] = polled[n + 1] = l;
      fds[n++] = (struct pollfd){.fd = l->ctl, .events = POLLIN};
      fds[n++] = (struct pollfd){.fd = l->started ? l->err_read : -1, .events = POLLIN};
    }
    // Reports go out when there is nothing left to do but wait.
    int ready = poll(fds, n, 0);
    if (ready == 0) {
      flush_reports();
      prepare_next();
      int timeout = drain_timeout(ladder_timeout());
      if (gone_deadline >= 0) {
        long long wait = gone_deadline - now_ms();
        if (timeout < 0 || wait < timeout) timeout = wait < 0 ? 0 : (int)wait;
      }
      ready = poll(fds, n, timeout);
    }
    if (ready < 0 && errno != EINTR) break;
    if (ready > 0 && (fds[0].revents & POLLIN)) read_signals(sfd);
    if (ready > 0 && fds[2].fd >= 0 && (fds[2].revents & (POLLIN | POLLHUP | POLLERR))) relay_stderr();
    // Reports before stderr: a command's first stderr is relayed only after its `pid`.
    for (size_t i = 3; ready > 0 && i < n; i += 2)
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) read_launched(polled[i]);
    for (size_t i = 4; ready > 0 && i < n; i += 2)
      if ((fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) || (fds[i].fd < 0 && polled[i]->started)) relay_launched_stderr(polled[i]);
    if (ready > 0 && control_fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) read_worker_control();
    tick_ladder();
  }
  free(fds);
  free(polled);
  flush_reports();
  // handoff is gone: nothing it started may outlive this worker (a launcher still there, what a dead one left).
  if (control_fd < 0) {
    for (struct launched *l = launched_head; l; l = l->next)
      if (!l->reaped) kill(l->pid, SIGKILL);
    signal_descendants(SIGKILL);
  }
  return 0;
}

/**
 * Leads a process group of its own in handoff's session, out of reach of the terminal's Ctrl-C (handoff relays it), and
 * gives up the terminal, so a command that opens /dev/tty fails at once (ENXIO) instead of being stopped for reading
 * it from the background. Not a session of its own: with the kernel's autogroup scheduling (on by default in most
 * distributions) every session is a scheduling group, and a pipeline whose commands each led one ran 10 % slower on
 * one CPU than under `sh -c` (docs/benchmarks.md, "Seventh round"). A launcher started as a session leader (setsid)
 * stays one.
 */
static void leave_terminal_group(void) {
  if (getsid(0) == getpid()) return;
  if (getpgrp() != getpid()) setpgid(0, 0);
  int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (tty >= 0) {
    ioctl(tty, TIOCNOTTY);
    close(tty);
  }
}

int main(int argc, char **argv) {
  int first = -1, direct = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) {
      first = i + 1;
      break;
    }
    if (strncmp(argv[i], "--control=", 10) == 0) control_fd = atoi(argv[i] + 10);
    else if (strncmp(argv[i], "--alive=", 8) == 0) alive_fd = atoi(argv[i] + 8);
    else if (strncmp(argv[i], "--grace-ms=", 11) == 0) grace_ms = atol(argv[i] + 11);
    else if (strcmp(argv[i], "--direct") == 0) direct = 1;
    else if (strcmp(argv[i], "--worker") == 0) worker_mode = 1;
    else if (strcmp(argv[i], "--version") == 0) {
      printf("handoff-launch %s\n", VERSION);
      return 0;
    } else return usage();
  }
  if (worker_mode ? control_fd < 0 || first >= 0 : first < 0 || first >= argc) return usage();

  // Signals arrive through a signalfd, read in the loop; commands get default dispositions and no mask. Blocked
  // before the launcher leaves handoff's process group: a signal to that whole group (Ctrl-C, a container's or
  // systemd's stop) that comes meanwhile is then read as a stop request, not the launcher's death.
  sigset_t handled;
  sigemptyset(&handled);
  sigaddset(&handled, SIGCHLD);
  sigaddset(&handled, SIGTERM);
  sigaddset(&handled, SIGINT);
  sigaddset(&handled, SIGHUP);
  sigprocmask(SIG_BLOCK, &handled, NULL);
  leave_terminal_group();
  self_pid = getpid();
  self_pgrp = getpgrp();
  // Started by a worker through /proc/self/exe, the kernel names it "exe": its own name again, for ps, top and pgrep.
  prctl(PR_SET_NAME, "handoff-launch");
  if (control_fd >= 0) fcntl(control_fd, F_SETFD, FD_CLOEXEC);
  if (alive_fd >= 0) fcntl(alive_fd, F_SETFD, FD_CLOEXEC);
  devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) report("start-error", "prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));
  if (direct || worker_mode) compute_pwd();

  int sfd = signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
  signal(SIGPIPE, SIG_IGN);
  if (worker_mode) {
    // reuse_old's lease: another process's open of the file in the µs it is held sends SIGIO, whose default would end
    // the worker. Ignored here, it is noted below like SIGPIPE, so each command gets it back at its default.
    signal(SIGIO, SIG_IGN);
    mode_t mask = umask(0);
    umask(mask);
    fresh_mode = 0644 & ~mask;
    self_uid = geteuid();
    self_gid = getegid();
  }
  note_ignored_signals();

  if (worker_mode) return run_worker(sfd);
  return run_single(argv + first, argc - first, direct, sfd);
}
