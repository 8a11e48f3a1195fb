#pragma once
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <stdint.h>
#include <time.h>

/// CLOCK_MONOTONIC now in microseconds, as sd_notify's MONOTONIC_USEC= wants it.
static inline uint64_t bridgekeeper_monotonic_usec(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
}

#include <sys/stat.h>

/// The device and inode of the file open as `fd`, the pair systemd puts in JOURNAL_STREAM.
/// 0 on success; -1 with errno set otherwise. In C so that Swift never names `struct stat`, which
/// clang may attribute to whichever module first included <sys/stat.h> (CNIOLinux in a release
/// build), and which MemberImportVisibility then refuses.
static inline int bridgekeeper_file_identity(int fd, uint64_t *device, uint64_t *inode) {
    struct stat info;
    if (fstat(fd, &info) != 0) return -1;
    *device = (uint64_t)info.st_dev;
    *inode = (uint64_t)info.st_ino;
    return 0;
}
