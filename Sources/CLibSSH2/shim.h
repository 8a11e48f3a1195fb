#pragma once
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* accept4 */
#endif
#include <sys/socket.h>
#include <libssh2.h>

/* accept4 with SOCK_CLOEXEC, which Swift's Glibc module does not export: a connection accepted
   for a local forward is never inherited by a child spawned at the same moment. */
static inline int bk_accept_cloexec(int fd) { return accept4(fd, NULL, NULL, SOCK_CLOEXEC); }
