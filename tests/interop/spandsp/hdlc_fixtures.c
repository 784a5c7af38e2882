/*
 * spandsp's HDLC engine as an independent check of faxgw's host-side HDLC framer.
 *
 *   hdlc_fixtures tx PREAMBLE_FLAGS FLAGS_BETWEEN < frames   (one frame a line, in hex)
 *       prints, in hex on one line, the octets a Class 1 modem would send after +FTM:
 *       spandsp's hdlc_tx framing the frames (FCS, zero-bit insertion, flags).
 *   hdlc_fixtures rx < octets                                 (hex, any line breaks)
 *       feeds the octets a Class 1 modem delivers after +FRM to spandsp's hdlc_rx and
 *       prints one line a frame: "ok HEX" or "bad HEX" (content without the FCS).
 *
 * Bit order. A Class 1 modem sends each octet the DTE writes least significant bit first
 * and packs received bits the same way (T.31; spandsp's own t31.c, non_ecm_get_bit and
 * non_ecm_put_bit). spandsp's HDLC engine uses the other packing: hdlc_tx_get_byte
 * returns octets whose most significant bit goes first on the line (hdlc_tx_get_bit
 * takes bits from the top), and hdlc_rx_put_byte consumes the most significant bit first.
 * So every octet crossing between the DTE side and spandsp's HDLC engine is bit-reversed
 * here, as spandsp's t31.c does on its T.38 path (bit_reverse8 before hdlc_rx_put_byte).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#define MAX_FRAMES 1024
#define MAX_FRAME 400

typedef struct {
    uint8_t data[MAX_FRAMES][MAX_FRAME];
    int len[MAX_FRAMES];
    int count;
    int next;
    bool done;
    hdlc_tx_state_t *tx;
} frame_queue_t;

static int hex_value(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Reads hex digit pairs until end of line (or file); returns octets read, -1 at EOF. */
static int read_hex_line(FILE *in, uint8_t *out, int max)
{
    int c, high = -1, n = 0;
    bool any = false;
    while ((c = fgetc(in)) != EOF && c != '\n') {
        any = true;
        int v = hex_value(c);
        if (v < 0) continue;
        if (high < 0) { high = v; continue; }
        if (n == max) { fprintf(stderr, "line too long\n"); exit(2); }
        out[n++] = (uint8_t) (high << 4 | v);
        high = -1;
    }
    return (c == EOF && !any) ? -1 : n;
}

static void print_hex(const uint8_t *data, int len)
{
    for (int i = 0; i < len; i++) printf("%02x", data[i]);
}

/* hdlc_tx calls this as each frame's last bits leave: queue the next one. */
static void next_frame(void *user_data)
{
    frame_queue_t *q = user_data;
    if (q->next < q->count) {
        hdlc_tx_frame(q->tx, q->data[q->next], q->len[q->next]);
        q->next++;
    } else {
        q->done = true;
    }
}

static int run_tx(int preamble_flags, int flags_between)
{
    static frame_queue_t q;
    int n;
    while (q.count < MAX_FRAMES && (n = read_hex_line(stdin, q.data[q.count], MAX_FRAME)) >= 0)
        if (n > 0) q.len[q.count++] = n;
    if (q.count == 0) { fprintf(stderr, "no frames\n"); return 2; }
    q.tx = hdlc_tx_init(NULL, false, flags_between, false, next_frame, &q);
    hdlc_tx_flags(q.tx, preamble_flags);
    next_frame(&q);
    while (!q.done) printf("%02x", bit_reverse8((uint8_t) hdlc_tx_get_byte(q.tx)));
    /* The octet returned with the underflow holds the start of the closing flag; two
       more complete it and leave flags behind, as a modem idling on flags would. */
    for (int i = 0; i < 2; i++) printf("%02x", bit_reverse8((uint8_t) hdlc_tx_get_byte(q.tx)));
    printf("\n");
    hdlc_tx_free(q.tx);
    return 0;
}

static void frame_received(void *user_data, const uint8_t *pkt, int len, int ok)
{
    (void) user_data;
    if (pkt == NULL || len < 0) return; /* a status report, not a frame */
    printf("%s ", ok ? "ok" : "bad");
    print_hex(pkt, len);
    printf("\n");
}

static int run_rx(void)
{
    /* report_bad_frames: faxgw reports them too (holes in ECM's PPR map). */
    hdlc_rx_state_t *rx = hdlc_rx_init(NULL, false, true, 2, frame_received, NULL);
    static uint8_t line[1 << 20];
    int n;
    while ((n = read_hex_line(stdin, line, sizeof(line))) >= 0)
        for (int i = 0; i < n; i++) hdlc_rx_put_byte(rx, bit_reverse8(line[i]));
    hdlc_rx_free(rx);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "tx") == 0)
        return run_tx(atoi(argv[2]), atoi(argv[3]));
    if (argc == 2 && strcmp(argv[1], "rx") == 0)
        return run_rx();
    fprintf(stderr, "usage: %s tx PREAMBLE_FLAGS FLAGS_BETWEEN | %s rx\n", argv[0], argv[0]);
    return 2;
}
