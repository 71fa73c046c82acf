/* labdelay QNUM DELAY_MS: holds every packet of NFQUEUE QNUM for DELAY_MS, then
 * accepts it, in order. The lab's latency injector: this kernel has no sch_netem
 * and no nft `queue`, but the xtables NFQUEUE target works.
 * Build: gcc -O2 -o labdelay labdelay.c -lnetfilter_queue */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define SLOTS 65536u
static struct { uint32_t id; uint64_t due; } q[SLOTS];
static unsigned first, next;           /* pending packets: q[first..next) */
static uint64_t hold_ns;
static volatile sig_atomic_t done;

static uint64_t mono_ns(void) {
    struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int queued(struct nfq_q_handle *qh, struct nfgenmsg *g, struct nfq_data *d, void *u) {
    (void)g; (void)u;
    struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(d);
    if (!ph) return 0;
    uint32_t id = ntohl(ph->packet_id);
    if (next - first >= SLOTS) return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL); /* full: no delay */
    q[next % SLOTS].id = id; q[next % SLOTS].due = mono_ns() + hold_ns; next++;
    return 0;
}

static void stop(int s) { (void)s; done = 1; }

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: labdelay QNUM DELAY_MS\n"); return 2; }
    hold_ns = (uint64_t)strtoull(argv[2], NULL, 10) * 1000000u;
    signal(SIGTERM, stop); signal(SIGINT, stop);
    struct nfq_handle *h = nfq_open();
    struct nfq_q_handle *qh = h ? nfq_create_queue(h, (uint16_t)atoi(argv[1]), queued, NULL) : NULL;
    if (!qh || nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) { perror("labdelay: nfqueue"); return 1; }
    nfq_set_queue_maxlen(qh, SLOTS);
    nfq_set_queue_flags(qh, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN); /* overload: accept, not drop */
    static char buf[65536];
    struct pollfd p = { .fd = nfq_fd(h), .events = POLLIN };
    while (!done) {
        int wait_ms = -1;
        if (first != next) {
            uint64_t now = mono_ns(), due = q[first % SLOTS].due;
            wait_ms = due > now ? (int)((due - now + 999999) / 1000000) : 0;
        }
        int r = poll(&p, 1, wait_ms);
        if (r < 0 && errno != EINTR) { perror("poll"); break; }
        if (r > 0) for (;;) {
            ssize_t n = recv(p.fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n <= 0) break;
            nfq_handle_packet(h, buf, (int)n);
        }
        for (uint64_t now = mono_ns(); first != next && q[first % SLOTS].due <= now; first++)
            nfq_set_verdict(qh, q[first % SLOTS].id, NF_ACCEPT, 0, NULL);
    }
    for (; first != next; first++) nfq_set_verdict(qh, q[first % SLOTS].id, NF_ACCEPT, 0, NULL);
    nfq_destroy_queue(qh); nfq_close(h);
    return 0;
}
