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
