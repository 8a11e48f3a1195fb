"""Delays every packet the kernel queues to it (an iptables NFQUEUE rule) by DELAY ms ± JITTER ms,
uniformly, then lets it go: what `netem delay` would do, on a kernel without sch_netem. Packets
with different delays overtake each other, as with netem's jitter. Usage:
delay_queue.py QUEUE DELAY_MS JITTER_MS"""

import heapq
import random
import sys
import threading
import time

from netfilterqueue import NetfilterQueue

QUEUE, DELAY, JITTER = int(sys.argv[1]), float(sys.argv[2]) / 1000, float(sys.argv[3]) / 1000
held = []
ready = threading.Condition()


def hold(packet):
    due = time.monotonic() + random.uniform(DELAY - JITTER, DELAY + JITTER)
    with ready:
        heapq.heappush(held, (due, id(packet), packet))
        ready.notify()


def release():
    while True:
        with ready:
            while not held or held[0][0] > time.monotonic():
                ready.wait(held[0][0] - time.monotonic() if held else None)
            _, _, packet = heapq.heappop(held)
        packet.accept()


threading.Thread(target=release, daemon=True).start()
queue = NetfilterQueue()
queue.bind(QUEUE, hold, max_len=65536)
print(f"delaying queue {QUEUE} by {DELAY * 1000:.0f} ± {JITTER * 1000:.0f} ms", file=sys.stderr, flush=True)
queue.run()
