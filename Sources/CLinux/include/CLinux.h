#pragma once

/* The Linux calls the daemon needs that glibc declares only under _GNU_SOURCE, which Swift's
   Glibc module is not built with. They are defined in CLinux.c, which alone sees _GNU_SOURCE:
   defining it in a header Swift imports would make this module own the socket and spawn headers,
   and a release build would then resolve SOCK_STREAM and friends through it everywhere. */

/* accept4(fd, NULL, NULL, flags): an accepted socket that is close-on-exec (and non-blocking)
   from its first moment. */
int bk_accept4(int fd, int flags);

/* posix_spawn_file_actions_addclosefrom_np(actions, lowest): the child closes every descriptor
   from `lowest` up, after the actions added before it. `actions` is a posix_spawn_file_actions_t *. */
int bk_spawn_addclosefrom(void *actions, int lowest);

/* pthread_setname_np(pthread_self(), name): the calling thread's name as the kernel keeps it
   (at most 15 bytes; a longer one is refused with ERANGE). */
int bk_set_thread_name(const char *name);
