/* SPDX-License-Identifier: MIT */
/*
 * Every command's documentation as data (see help.h): the `--help` text,
 * the man pages and the shell completions are rendered from these tables.
 * A short option means the same thing in every command that has it:
 *   -o output   -r rules   -p pid   -P policy   -F format   -d default action
 *   -s string size   -e syscalls   -q quiet   -f follow (always on)   -h help
 */
#include <stddef.h>

#include "help.h"

#define RULES_TEXT \
	"a rule set: a built-in (nginx, pwd, generic) or a rules .json file (docs/rules.md)"
#define BUILTIN_RULES "nginx pwd generic"
#define HELP_OPT                                                                    \
	{                                                                           \
		'h', "help", NULL, false, HK_NONE, NULL, "print this help and exit" \
	}

#define RUNTIME_OPTS                                                                              \
	{0,                                                                                       \
	 "no-runtime-detect",                                                                     \
	 NULL,                                                                                    \
	 false,                                                                                   \
	 HK_NONE,                                                                                 \
	 NULL,                                                                                    \
	 "no container runtime in front: every process is the program's (default: a runtime is "  \
	 "recognised by its container's first exec in a new PID namespace; docs/containers.md)"}, \
	{                                                                                         \
		0, "entrypoint-exec", "N", false, HK_TEXT, NULL,                                  \
		    "the Nth successful exec of the trace (1 = the traced command) is the "       \
		    "container's "                                                                \
		    "entrypoint"                                                                  \
	}

static const struct help_opt record_opts[] = {
    {'o', "output", "TRACE", false, HK_TRACE, NULL,
     "write the trace to TRACE (default trace.jsonl).  It grows under a temporary name next to "
     "TRACE (.TRACE.sysphase-XXXXXXXXXXXX) and replaces TRACE only when the recording "
     "succeeds: a run that cannot attach or start leaves an existing TRACE as it was.  '-' "
     "writes the trace to stdout, and the launched program's own stdout then goes to stderr, "
     "so that only the trace flows down a pipe"},
    {'p', "pid", "PID", false, HK_PID, NULL,
     "attach to every thread of the running process PID instead of launching a program; "
     "SIGINT, SIGTERM or SIGHUP detach and leave it running"},
    {'r', "rules", "R", false, HK_RULES, BUILTIN_RULES,
     "stamp each event with its phase: " RULES_TEXT},
    {0, "stack", "addr", true, HK_CHOICE, "addr",
     "symbolised call stacks (function names, for 'stack' triggers); with =addr, or by "
     "default, module+offset frames only: what export's static completion needs"},
    {0, "no-stack", NULL, false, HK_NONE, NULL,
     "no call stacks (cheaper): export cannot complete the policy"},
    {0, "no-exit", NULL, false, HK_NONE, NULL,
     "entry-only recording through a SECCOMP_RET_TRACE filter: one stop per syscall, no return "
     "values"},
    {'s', "strsize", "N", false, HK_TEXT, NULL, "cap decoded strings at N bytes (default 256)"},
    {'q', "quiet", NULL, false, HK_NONE, NULL,
     "no live status line (it is drawn only when stderr is a terminal, on a line of its own "
     "at the bottom that the program's output scrolls above)"},
    {'f', "follow", NULL, false, HK_NONE, NULL,
     "accepted for strace's habit: every thread and child is always followed"},
    HELP_OPT,
    {0},
};

static const struct help_opt phases_opts[] = {
    {'r', "rules", "R", false, HK_RULES, BUILTIN_RULES,
     "re-segment with " RULES_TEXT "; without it the phase stamps of a trace recorded with "
     "'record --rules' are used"},
    {'F', "format", "FMT", false, HK_CHOICE, "text json", "text (default) or json"},
    {0, "syscalls", NULL, false, HK_NONE, NULL, "list each phase's syscalls with their counts"},
    {0, "diff", NULL, false, HK_NONE, NULL,
     "with --rules: compare the new phases with the stamps in the trace, report the "
     "differences, exit 1 if there are any"},
    RUNTIME_OPTS,
    HELP_OPT,
    {0},
};

static const struct help_opt export_opts[] = {
    {'r', "rules", "R", false, HK_RULES, BUILTIN_RULES,
     RULES_TEXT "; default: the one the traces were recorded with"},
    {'o', "output", "DIR", false, HK_DIR, NULL,
     "the output directory (default sysphase-policy).  It is written as a temporary "
     "directory next to DIR and renamed into place; '-' is refused (a directory cannot go to "
     "stdout)"},
    {'F', "format", "LIST", false, HK_LIST, "bpf pfc oci docker k8s systemd c all",
     "the filter formats, comma-separated: bpf, pfc, oci (docker is the same), k8s, systemd, "
     "c, or all (default)"},
    {0, "view", "V", false, HK_CHOICE, "enforce exact",
     "the allowlist in the filters: enforce or exact (default: enforce, and exact for the pfc "
     "files people read)"},
    {'d', "default-action", "A", false, HK_CHOICE, "kill errno log",
     "what a filter does with a call it does not allow: kill (default), errno (EPERM) or log"},
    {0, "args", NULL, false, HK_NONE, NULL, "constrain arguments seen with few values"},
    {0, "runtime", "R", false, HK_CHOICE, "runc crun",
     "runc or crun: OCI and k8s profiles also allow what its init runs after loading them "
     "(the start profile covers both unless R is given)"},
    {0, "arch", "LIST", false, HK_LIST, "x86_64 aarch64 i386 arm",
     "x86_64, aarch64, i386, arm, comma-separated: the calls translated into each "
     "architecture's; OCI and k8s profiles list them all, bpf, pfc and systemd get PHASE.ARCH "
     "files (default x86_64)"},
    {0, "force", NULL, false, HK_NONE, NULL, "replace a non-empty DIR"},
    {0, "merge", "LOG", false, HK_FILE, NULL,
     "also allow what a 'sysphase run --complain=LOG' run logged, each call in the phase it "
     "was logged in (repeatable); a log of another policy is refused"},
    {0, "allow-io-uring", NULL, false, HK_NONE, NULL,
     "keep io_uring_* where the program used it (denied by default: seccomp cannot see its "
     "operations)"},
    {0, "no-complete", NULL, false, HK_NONE, NULL,
     "no static completion: only what the traces show"},
    {0, "allow-held-back", NULL, false, HK_NONE, NULL,
     "allow the dangerous calls completion reaches instead of only listing them (held back)"},
    {0, "no-landlock", NULL, false, HK_NONE, NULL,
     "no Landlock rules (files, ports, scopes) per phase"},
    RUNTIME_OPTS,
    HELP_OPT,
    {0},
};

static const struct help_opt run_opts[] = {
    {'P', "policy", "POLICY", false, HK_JSON, NULL,
     "the policy to enforce: DIR/policy.json as 'sysphase export' writes it, or DIR itself"},
    {0, "complain", "LOG", true, HK_FILE, NULL,
     "deny nothing: the same phases, and each call a phase's filter would deny appended to LOG "
     "(default stderr) as JSON lines, once per process, phase and syscall; then 'sysphase "
     "export --merge LOG' allows them"},
    {'d', "default-action", "A", false, HK_CHOICE, "kill errno log graded",
     "kill (default), errno (EPERM), log, or graded: kill only on dangerous calls (threat "
     "levels 1-2, unknown numbers) and let the rest through, logged.  Repeated errno and log "
     "denials are printed once, with a count at the end"},
    {0, "no-landlock", NULL, false, HK_NONE, NULL,
     "no Landlock layers (files, ports), only filters"},
    {'q', "quiet", NULL, false, HK_NONE, NULL, "no denial lines on stderr (the status tells)"},
    {'v', "verbose", NULL, false, HK_NONE, NULL,
     "say on stderr each thread's phase changes, each thread that stops at its trigger calls "
     "only from some point on, and at the end how many filters were handed over"},
    {'f', "follow", NULL, false, HK_NONE, NULL,
     "accepted for strace's habit: every thread and child is always followed"},
    {'p', "pid", "PID", false, HK_PID, NULL,
     "attach to process PID, which has not exec'd its program yet (a container's init after "
     "'runc create'): its next execve is made under the first phase's filter (no_new_privs "
     "set where it lacks it), then the phases are enforced.  The operands after -- are a "
     "command that starts it (runc start ID), run once every thread is seized.  Landlock "
     "layers are not applied"},
    HELP_OPT,
    {0},
};

static const struct help_opt hook_opts[] = {
    {'P', "policy", "POLICY", false, HK_JSON, NULL,
     "the policy to enforce: DIR/policy.json as 'sysphase export' writes it, or DIR itself"},
    {'l', "log", "FILE", false, HK_FILE, NULL,
     "where the supervisor, which outlives the hook, writes (appends) its lines: denials by "
     "host pid, hand-overs that failed (default BUNDLE/sysphase.log)"},
    {'q', "quiet", NULL, false, HK_NONE, NULL, "no denial lines in the log"},
    HELP_OPT,
    {0},
};

static const struct help_opt report_opts[] = {
    {'r', "rules", "R", false, HK_RULES, BUILTIN_RULES,
     "re-cut the trace with " RULES_TEXT " (default: the trace's stamps)"},
    {'o', "output", "FILE", false, HK_FILE, NULL,
     "the HTML file (default report.html, '-' for stdout), written under a temporary name "
     "and renamed into place"},
    {0, "axis", "A", false, HK_CHOICE, "auto linear log",
     "the time axis: auto (default: log when short phases would vanish), linear or log"},
    {0, "title", "T", false, HK_TEXT, NULL, "the report's title (default: the traced command)"},
    {0, "against", "A", false, HK_SET, "thesis:nginx:chestnut docker:default",
     "also hold each phase against allowlist A (anything 'sysphase compare' reads); up to 4 "
     "times"},
    {0, "args", NULL, false, HK_NONE, NULL,
     "as export --args: the allowlists hold the argument constraints export would write"},
    {0, "allow-io-uring", NULL, false, HK_NONE, NULL, "as export --allow-io-uring"},
    {0, "no-complete", NULL, false, HK_NONE, NULL, "as export --no-complete"},
    {0, "allow-held-back", NULL, false, HK_NONE, NULL, "as export --allow-held-back"},
    {0, "no-landlock", NULL, false, HK_NONE, NULL, "as export --no-landlock"},
    RUNTIME_OPTS,
    HELP_OPT,
    {0},
};

#define SET_CHOICES                                                                        \
	"docker:default thesis:nginx:chestnut thesis:nginx:sysfilter thesis:pwd:chestnut " \
	"thesis:pwd:sysfilter thesis:nginx:manual thesis:pwd:manual"

static const struct help_opt compare_opts[] = {
    {'F', "format", "FMT", false, HK_CHOICE, "text json", "text (default) or json"},
    {'b', "brief", NULL, false, HK_NONE, NULL, "text: counts only, no syscall names"},
    HELP_OPT,
    {0},
};

static const struct help_opt show_opts[] = {
    {'r', "rules", "R", false, HK_RULES, BUILTIN_RULES,
     "re-cut the trace with " RULES_TEXT " (default: the trace's stamps)"},
    {'p', "pid", "PID", false, HK_PID, NULL,
     "only process PID (or thread PID); repeatable, or comma-separated"},
    {0, "phase", "PHASE", false, HK_TEXT, NULL,
     "only events in phase PHASE; repeatable, or comma-separated"},
    {'e', "syscall", "NAMES", false, HK_TEXT, NULL,
     "only these syscalls (comma-separated names); process events are kept"},
    {'s', "strsize", "N", false, HK_TEXT, NULL, "cap shown strings at N bytes (default 32)"},
    {0, "color", "WHEN", true, HK_CHOICE, "auto always never",
     "colour: auto (default: on a terminal, unless NO_COLOR is set), always or never"},
    HELP_OPT,
    {0},
};

static const struct help_opt infer_opts[] = {
    {'o', "output", "FILE", false, HK_JSON, NULL,
     "write the rules to FILE (default: stdout), under a temporary name renamed into place"},
    {'n', "name", "NAME", false, HK_TEXT, NULL,
     "the program's name in the rule set (default: the recorded command's)"},
    HELP_OPT,
    {0},
};

static const struct help_opt help_opts[] = {
    {0, "man", NULL, false, HK_NONE, NULL, "print the man page (roff) instead"},
    {0, "completion", "SHELL", false, HK_CHOICE, "bash zsh fish",
     "print the completion script for SHELL"},
    HELP_OPT,
    {0},
};

static const struct help_opt top_opts[] = {
    {'h', "help", NULL, false, HK_NONE, NULL, "print the commands and exit"},
    {'V', "version", NULL, false, HK_NONE, NULL, "print the version and exit"},
    {0},
};

static const struct help_cmd help_record = {
    "record",
    "run or attach to a program and record its syscalls",
    {"[OPTIONS] -- PROG [ARGS...]", "[OPTIONS] -p PID"},
    "Runs PROG (or attaches to process PID) under a ptrace supervisor that follows every "
    "thread and child, and writes each syscall, fork, exec, signal and exit as one JSON line "
    "(docs/trace-format.md).  With --rules each event carries its phase.",
    record_opts,
    HK_COMMAND,
    NULL,
    "the program's own status, or 128+signal if it was killed; 1 when tracing fails (a PID "
    "that does not exist or cannot be traced), and TRACE is left as it was",
    "sysphase record -o trace.jsonl -- python3 -m http.server 8000\n"
    "sysphase record --rules nginx --stack=addr -o nginx.jsonl -- nginx -g 'daemon off;'\n"
    "sysphase record -o - -- /bin/pwd | sysphase phases --rules pwd -",
};

static const struct help_cmd help_phases = {
    "phases",
    "cut a trace into lifecycle phases and print the timeline",
    {"[OPTIONS] TRACE"},
    "Prints, per process of TRACE ('-' for stdin), the phases it went through: start, end, "
    "duration, number of syscalls and distinct syscalls of each.  A trace that holds no event "
    "(its recording failed) is an input error.",
    phases_opts,
    HK_TRACE,
    NULL,
    "1 with --diff when the stamps differ; 4 for bad rules (FILE:LINE:COL: message) or a "
    "malformed or empty trace",
    "sysphase phases --rules generic trace.jsonl\n"
    "sysphase phases --format json --syscalls nginx.jsonl",
};

static const struct help_cmd help_export = {
    "export",
    "write policy.json and one seccomp filter per phase",
    {"[OPTIONS] TRACE... [-o DIR]"},
    "Writes DIR/policy.json and one seccomp filter per phase per format.  Several traces "
    "recorded with the same rules give each phase the union of theirs ('-' reads one from "
    "stdin).  Traces recorded with --stack=addr are completed with what the code they ran "
    "reaches (docs/generalisation.md).",
    export_opts,
    HK_TRACE,
    NULL,
    "3 for inputs that do not belong together (traces of other rules, a log of another "
    "policy); 4 for a trace or log that cannot be read; 5 when DIR cannot be written",
    "sysphase export --rules generic trace.jsonl -o policy\n"
    "sysphase export trace.jsonl --merge complain.log -o policy --force",
};

static const struct help_cmd help_run = {
    "run",
    "run a program under the per-phase filters of a policy",
    {"--policy POLICY [OPTIONS] -- PROG [ARGS...]"},
    "Runs PROG under the phases of POLICY: the first phase's filter is installed before exec, "
    "each later phase's when the program enters it, and a process in a final phase is let go "
    "to run under its filter alone.  A denial is named in one line with the next step: learn "
    "with --complain=LOG, then fold the log in with 'sysphase export --merge LOG'.",
    run_opts,
    HK_COMMAND,
    NULL,
    "the program's own status, or 128+signal (159 when a filter killed it with SIGSYS); 4 "
    "for a policy that cannot be read; 124 when -p cannot attach (the process runs on, "
    "unchanged, and the start command is not run); 125 when a filter could not be handed "
    "over and sysphase killed the program",
    "sysphase run --policy policy -- python3 -m http.server 8000\n"
    "sysphase run --policy policy --complain=complain.log -- python3 -m http.server 8000\n"
    "runc create --bundle B web && sysphase run --policy policy -p \"$(runc state web | jq "
    ".pid)\" -- runc start web",
};

static const struct help_cmd help_hook = {
    "hook",
    "an OCI createRuntime hook: a container's phases enforced from the host",
    {"--policy POLICY [--log FILE] < STATE"},
    "Reads the container's state from stdin, as an OCI runtime gives it to a hook, and "
    "attaches to its pid, the container's init, before it execs the entrypoint: the "
    "entrypoint's execve is made under the first phase's filter, then the phases are "
    "enforced as by 'sysphase run', with denials named by host pid in the log.  The image "
    "is not changed.  Give it in config.json's hooks.createRuntime (runc, crun), or in a "
    "podman hooks.d file with stage createRuntime.  The hook exits once every thread is "
    "seized; the supervisor stays, in a session of its own, until the container ends.",
    hook_opts,
    HK_NONE,
    NULL,
    "0 once attached; 124 when it cannot attach (the runtime then aborts the container: its "
    "entrypoint never runs unfiltered); 2 for bad usage; 4 for a policy or a state that "
    "cannot be read (a pid of another namespace: a createContainer hook)",
    "\"hooks\": {\"createRuntime\": [{\"path\": \"/usr/bin/sysphase\", \"args\": "
    "[\"sysphase\", \"hook\", \"--policy\", \"/etc/sysphase/web\"]}]}",
};

static const struct help_cmd help_report = {
    "report",
    "write a self-contained HTML report of a trace or policy",
    {"[OPTIONS] TRACE|POLICY.json|DIR [-o report.html]"},
    "Writes one self-contained HTML file: a timeline picture (a lane per process, phases as "
    "bands, fork and exec edges, syscall density), the phases per process, a summary of what "
    "each phase's filter drops, and per phase the exact and enforce allowlists coloured by "
    "threat level (docs/report.md).  An export DIR stands for its policy.json.",
    report_opts,
    HK_FILE,
    NULL,
    "4 for an input that cannot be read (with FILE:LINE:COL for a JSON syntax error); 5 "
    "when the report cannot be written",
    "sysphase report trace.jsonl -o report.html\n"
    "sysphase report policy/policy.json --against docker:default",
};

static const struct help_cmd help_compare = {
    "compare",
    "compare two allowlists (policies, profiles, lists, built-ins)",
    {"[OPTIONS] A B"},
    "Compares two syscall allowlists.  A and B are each one of: POLICY.json (the union of "
    "every phase's exact allowlist), POLICY.json:PHASE[:VIEW] (one phase, VIEW exact or "
    "enforce), an export DIR (its policy.json), an OCI/Docker or Kubernetes seccomp profile, "
    "a LIST of syscall names or x86-64 numbers (text or a JSON array), TRACE[:PHASE] (the "
    "x86-64 syscalls a recorded trace made), thesis:nginx|pwd:chestnut|sysfilter, "
    "thesis:nginx|pwd:manual[:PHASE], docker:default, or '-' for one of these read from "
    "stdin.\n\n"
    "Completeness: the share of B's syscalls that A allows.  Reduction: the share of A's "
    "syscalls that B drops.  Threat levels L1-L4 after Figure 1 of the thesis.",
    compare_opts,
    HK_SET,
    SET_CHOICES,
    "4 for an allowlist that cannot be read",
    "sysphase compare policy/policy.json docker:default\n"
    "sysphase compare policy:serving thesis:nginx:chestnut",
};

static const struct help_cmd help_show = {
    "show",
    "print a trace as readable lines, one per syscall, as strace does",
    {"[OPTIONS] TRACE"},
    "Prints each event of TRACE ('-' for stdin) as one line: 'PID [PHASE] name(args) = ret' "
    "for a syscall (PID/TID for a thread), with the errno name of a failure, and the process "
    "events (fork, exec, signal, exit) between them.  A line \"--- PID enters phase 'P' ---\" "
    "marks each phase boundary.  The filters keep only the events of some processes, phases or "
    "syscalls.  "
    "Colour on a terminal; NO_COLOR (set to anything) turns it off.",
    show_opts,
    HK_TRACE,
    NULL,
    "4 for a trace that cannot be read; 5 when stdout cannot be written",
    "sysphase show trace.jsonl\n"
    "sysphase show --rules generic -p 4242 -e openat,connect trace.jsonl\n"
    "sysphase show --phase 'accepting and serving requests' nginx.jsonl | less -R",
};

static const struct help_cmd help_infer = {
    "infer",
    "write a program's own rule set from a trace with stacks",
    {"[OPTIONS] TRACE"},
    "Writes a rule set for the program of TRACE (recorded with --stack, so that its stacks "
    "name functions): its serving loops are the functions of its own binary that its "
    "recurring waits sit under, a forked child is a worker with phases of its own.  The "
    "output is commented JSON in the rules language (docs/rules.md): edit it, then use it "
    "with --rules FILE.",
    infer_opts,
    HK_TRACE,
    NULL,
    "4 when the trace cannot be read or no serving loop shows in it; 5 when the rules cannot "
    "be written",
    "sysphase record --stack -o srv.jsonl -- ./my-server\n"
    "sysphase infer -o my-server.json srv.jsonl\n"
    "sysphase phases --rules my-server.json srv.jsonl",
};

static const struct help_cmd help_help = {
    "help",
    "show the help of a command, its man page or a shell completion",
    {"[CMD]", "--man [CMD]", "--completion bash|zsh|fish"},
    "Prints the help of CMD (as 'sysphase CMD --help'), or of sysphase itself.",
    help_opts,
    HK_TOPIC,
    NULL,
    "2 for an unknown command",
    "sysphase help record\n"
    "sysphase help --completion bash > /etc/bash_completion.d/sysphase",
};

const struct help_cmd help_top = {
    NULL,
    "the smallest system-call sandbox for each stage of a program's life",
    {"COMMAND [OPTIONS] [ARGS...]", "help COMMAND"},
    "sysphase records what a program really does (every syscall of every thread and child, "
    "under ptrace), cuts the recording into lifecycle phases with rules, emits one seccomp "
    "filter per phase, and enforces the phases on the unmodified program, narrowing its "
    "filter as it moves from one phase to the next.  It is for people who run a service "
    "(a web server, a database, their own daemon) and want a sandbox that fits it, without "
    "writing the allowlist by hand.\n\n"
    "Five commands take a program from start to a running sandbox: record, phases, export, "
    "run, and report or show to look at it.",
    top_opts,
    HK_NONE,
    NULL,
    NULL,
    "sysphase record --rules generic --stack=addr -o trace.jsonl -- python3 -m http.server 8000\n"
    "sysphase phases trace.jsonl\n"
    "sysphase export trace.jsonl -o policy\n"
    "sysphase run --policy policy -- python3 -m http.server 8000\n"
    "sysphase report trace.jsonl -o report.html",
};

const struct help_cmd *const help_cmds[] = {
    &help_record,  &help_phases, &help_export, &help_run,  &help_hook, &help_report,
    &help_compare, &help_infer,  &help_show,   &help_help, NULL,
};
