#define _GNU_SOURCE
#include <pthread.h>
#include <spawn.h>
#include <stddef.h>
#include <sys/socket.h>
#include "CLinux.h"

int bk_accept4(int fd, int flags) { return accept4(fd, NULL, NULL, flags); }

int bk_spawn_addclosefrom(void *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np((posix_spawn_file_actions_t *)actions, lowest);
}

int bk_set_thread_name(const char *name) { return pthread_setname_np(pthread_self(), name); }
