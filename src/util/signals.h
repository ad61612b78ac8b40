/* signals.h - signal names <-> numbers, the way runc and docker spell them:
 * "KILL", "SIGKILL", "sigkill", "9", "SIGRTMIN+3". */
#ifndef SKIFF_UTIL_SIGNALS_H
#define SKIFF_UTIL_SIGNALS_H

/* Returns the signal number, or -1 when s names no valid signal. */
int sk_signal_parse(const char *s);
/* "SIGKILL" for 9; NULL when unknown.  Real-time signals use a static
 * buffer per call site: copy the result if you keep it. */
const char *sk_signal_name(int sig);

#endif
