/*
 * Fault-tolerant CPU accesses to user memory, for the probe.
 *
 * A litmus `store`/`load` is a real CPU access through a mapping, and the kernel may answer it with
 * SIGBUS (beyond EOF, ENOSPC in ->page_mkwrite) or SIGSEGV (read-only, unmapped). The model says such
 * an access "does nothing" (store) or reads `none` (load); the probe must observe the same without
 * dying. The handler jumps back into the accessor that faulted: sigsetjmp and siglongjmp stay inside
 * this file, so no Rust frame is ever skipped.
 *
 * The jump buffer and the "armed" flag are per thread: each litmus thread runs on its own OS thread.
 * A fault while not armed is a real bug: the handler restores the default action and returns, so the
 * fault repeats and kills the process as it would have without us.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>

static __thread sigjmp_buf pinlab_jmp;
static __thread volatile sig_atomic_t pinlab_armed;

static void pinlab_handler(int sig, siginfo_t *info, void *uctx)
{
	(void)info;
	(void)uctx;
	if (pinlab_armed) {
		pinlab_armed = 0;
		siglongjmp(pinlab_jmp, sig);
	}
	signal(sig, SIG_DFL);
}

/* Installs the handler for SIGBUS and SIGSEGV. Returns 0, or -1 with errno set. */
int pinlab_access_init(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = pinlab_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL) != 0)
		return -1;
	if (sigaction(SIGSEGV, &sa, NULL) != 0)
		return -1;
	return 0;
}

/* Fills len bytes at dst with byte (volatile: every store is made, in order). Returns 0, or the signal that
 * stopped it (some bytes may have been stored before the fault, as on a real CPU). */
int pinlab_fill(volatile unsigned char *dst, unsigned char byte, size_t len)
{
	int sig = sigsetjmp(pinlab_jmp, 1);
	if (sig != 0)
		return sig;
	pinlab_armed = 1;
	for (size_t i = 0; i < len; i++)
		dst[i] = byte;
	pinlab_armed = 0;
	return 0;
}

/* Copies len bytes from src to dst (dst is the probe's own buffer). Returns 0 or the signal. */
int pinlab_copy_from(unsigned char *dst, const volatile unsigned char *src, size_t len)
{
	int sig = sigsetjmp(pinlab_jmp, 1);
	if (sig != 0)
		return sig;
	pinlab_armed = 1;
	for (size_t i = 0; i < len; i++)
		dst[i] = src[i];
	pinlab_armed = 0;
	return 0;
}
