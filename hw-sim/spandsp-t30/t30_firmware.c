/* The T.30 of hw-sim's Class 2 / 2.0 modem: spandsp's T.30 engine, driven through its frame
   and bit hooks by hw-sim (hwsim/spandsp_t30.py) over stdin/stdout, one line per message.

   hw-sim's line carries HDLC frames and image bytes, not audio, so no spandsp modem runs
   here: hw-sim is the front end. It tells the engine what the line brought and how much
   time passed; the engine tells hw-sim what to transmit and which phase it reached.

   In (hex payloads):  T <ms>           time passed
                       F <ok> <hex>     an HDLC frame received (without FCS)
                       C <path> <sig>   carrier events: path h (frames) or n (image bytes);
                                        sig up, down, trained, failed
                       D <hex>          image bytes received (non-ECM)
                       S                the transmission asked for is complete
                       G <enc> <width>  the DTE's next page is coded so (1 MH, 2 MR, 3 MMR)
                       P <hex>          the DTE's page data
                       E                the DTE's page ends
                       M <ppm>          the DTE's post-page message (0 MPS, 1 EOM, 2 EOP)
                       K                end the call now
   Out:                X <type> <rate> <short> <hdlc>   transmit (t30_set_handler_t)
                       R <type> <rate> <short> <hdlc>   receive
                       H <hex> / H                      a frame to send / the last one was
                       I <hex> / I                      image bytes to send / the end
                       Q                                the engine waits for the DTE's page
                       B <fcf> / D <fcf>                phase B / D handler results
                       Z <code> <pages> <rate> <ecm> <encoding> <ecm_retries>   phase E
   Without ECM hw-sim sends the DTE's page bytes itself, as a modem passes them through,
   in place of the engine's (an empty page). With ECM the engine must frame the page: the
   DTE's data reaches spandsp's T.4 encoder through its row read hook, decoded by spandsp's
   T.4 decoder into rows, which spandsp encodes in the coding it negotiated itself. */
#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <spandsp.h>

#define LINE_MAX_BYTES (4 * 1024 * 1024)
#define CHUNK 1024

static t30_state_t *t30;
static char *line;
static uint8_t *scratch;
static const char *scratch_tiff;
static int pending_image;  /* the engine asked to transmit image bytes: pulled after it returns */

/* The DTE's pages, decoded into rows. */
static uint8_t *rows;
static size_t rows_len, rows_cap, rows_read;
static int page_ready, page_index;
static t4_rx_state_t *decoder;

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

static void out_hex(char tag, const uint8_t *data, int len)
{
    int i;
    putchar(tag);
    if (len > 0)
        putchar(' ');
    for (i = 0; i < len; i++)
        printf("%02x", data[i]);
    putchar('\n');
}

static int from_hex(const char *text, uint8_t *buf)
{
    int n = 0;
    unsigned int byte;
    while (text[0] && text[1] && sscanf(text, "%2x", &byte) == 1) {
        buf[n++] = (uint8_t) byte;
        text += 2;
    }
    return n;
}

static void on_tx_type(void *user_data, int type, int bit_rate, int short_train, int use_hdlc)
{
    (void) user_data;
    out("X %d %d %d %d\n", type, bit_rate, short_train, use_hdlc);
    pending_image = type >= T30_MODEM_V27TER && type <= T30_MODEM_V17 && !use_hdlc;
}

static void on_rx_type(void *user_data, int type, int bit_rate, int short_train, int use_hdlc)
{
    (void) user_data;
    out("R %d %d %d %d\n", type, bit_rate, short_train, use_hdlc);
}

static void on_send_hdlc(void *user_data, const uint8_t msg[], int len)
{
    (void) user_data;
    out_hex('H', msg, len);
}

/* spandsp 0.0.6's fallback sequence (t30.c fallback_sequence), fastest first. */
static const int fallback_rates[] = {14400, 12000, 9600, 9600, 7200, 7200, 4800, 2400};
#define FALLBACK_STEPS ((int) (sizeof(fallback_rates) / sizeof(fallback_rates[0])))
static int max_rate = 14400;

/* Called once a DIS is analysed, before the DCS is built: a sender capped by the DTE's BR
   starts further down the fallback sequence. */
static int on_phase_b(t30_state_t *s, void *user_data, int result)
{
    (void) user_data;
    while (s->calling_party && s->current_fallback < FALLBACK_STEPS - 1
           && fallback_rates[s->current_fallback] > max_rate)
        s->current_fallback++;
    out("B %d\n", result);
    return T30_ERR_OK;
}

static int on_phase_d(t30_state_t *s, void *user_data, int result)
{
    (void) s; (void) user_data;
    out("D %d\n", result);
    return T30_ERR_OK;
}

static void on_phase_e(t30_state_t *s, void *user_data, int completion_code)
{
    t30_stats_t stats;
    (void) user_data;
    t30_get_transfer_statistics(s, &stats);
    out("Z %d %d %d %d %d %d\n", completion_code,
        stats.pages_tx + stats.pages_rx, stats.bit_rate, stats.error_correcting_mode,
        stats.encoding, stats.error_correcting_mode_retries);
}

/* -- the DTE's page, decoded into rows for spandsp's encoder ---------------------------- */
static int collect_row(void *user_data, const uint8_t buf[], size_t len)
{
    (void) user_data;
    if (len == 0)
        return 0;
    if (rows_len + len > rows_cap) {
        rows_cap = (rows_len + len) * 2;
        rows = realloc(rows, rows_cap);
    }
    memcpy(rows + rows_len, buf, len);
    rows_len += len;
    return 0;
}

static void start_decoding(int encoding, int width)
{
    if (decoder != NULL)
        t4_rx_free(decoder);
    decoder = t4_rx_init(NULL, scratch_tiff, T4_COMPRESSION_ITU_T4_1D);
    t4_rx_set_rx_encoding(decoder, encoding);
    t4_rx_set_image_width(decoder, width);
    t4_rx_set_row_write_handler(decoder, collect_row, NULL);
    t4_rx_start_page(decoder);
    rows_len = rows_read = 0;
    page_ready = 0;
}

static int dte_line(char *text);

/* Messages that came while the engine waited for the DTE's page (a carrier going off, a
   frame): handled, in order, once it has the page. Clock ticks are dropped. */
#define DEFERRED_MAX 256
static char *deferred[DEFERRED_MAX];
static int deferred_count;

static void defer(const char *text)
{
    if (text[0] != 'T' && deferred_count < DEFERRED_MAX)
        deferred[deferred_count++] = strdup(text);
}

/* Called by spandsp's T.4 encoder (inside the engine) for each row of the next page: the
   first call waits, reading hw-sim's messages, until the DTE has given the page. */
static int read_row(void *user_data, uint8_t buf[], size_t len)
{
    (void) user_data;
    if (!t30->error_correcting_mode)
        return 0;  /* without ECM hw-sim sends the DTE's bytes as they come, like a modem */
    if (!page_ready) {
        out("Q\n");
        fflush(stdout);
        while (!page_ready) {
            if (fgets(line, LINE_MAX_BYTES, stdin) == NULL)
                exit(0);
            line[strcspn(line, "\n")] = '\0';
            if (strchr("GPEK", line[0]) == NULL) {
                defer(line);
                continue;
            }
            if (dte_line(line) < 0)
                return -1;
        }
    }
    if (rows_read + len > rows_len) {
        page_ready = 0;  /* this page is done: the next start waits for the next one */
        rows_read = 0;
        page_index++;
        return 0;
    }
    memcpy(buf, rows + rows_read, len);
    rows_read += len;
    return (int) len;
}

/* The messages that carry the DTE's page; -1 for K. */
static int dte_line(char *text)
{
    int a, b;
    switch (text[0]) {
    case 'G':
        if (sscanf(text + 1, "%d %d", &a, &b) == 2)
            start_decoding(a, b);
        return 0;
    case 'P':
        if (decoder != NULL && text[1] == ' ')
            t4_rx_put_chunk(decoder, scratch, from_hex(text + 2, scratch));
        return 0;
    case 'E':
        if (decoder != NULL)
            t4_rx_end_page(decoder);
        page_ready = 1;
        span_log(t30_get_logging_state(t30), SPAN_LOG_FLOW, "The DTE's page: %zu octets of rows\n",
                 rows_len);
        return 0;
    case 'K':
        t30_terminate(t30);
        return -1;
    }
    return 0;
}

/* spandsp's encoder is attached to the document once the engine has opened it. */
static void attach_row_reader(int calling)
{
    if (calling && t30->t4.tx.tiff.tiff_file != NULL
        && t30->t4.tx.t4_t6_tx.row_read_handler == NULL)
        t4_tx_set_row_read_handler(&t30->t4.tx, read_row, NULL);
}

/* spandsp encodes a page as it opens the document, before its DCS: the first page is
   the placeholder's. When the CFR comes, the DCS is on the line and the DTE (told by +FCS)
   can give the page: it is encoded again from the DTE's rows before the engine sends it.
   Later pages are started after MCF, with the row reader already attached. */
static void refill_first_block(void);

static void confirmed_to_receive(void)
{
    if (t30->calling_party && t30->error_correcting_mode && t30->t4.tx.tiff.tiff_file != NULL
        && page_index == t30->t4.tx.current_page) {
        if (t30->t4.tx.t4_t6_tx.row_read_handler == NULL)
            t4_tx_set_row_read_handler(&t30->t4.tx, read_row, NULL);
        t4_tx_start_page(&t30->t4.tx);
        refill_first_block();
    }
}

/* spandsp cut the placeholder's page into its first ECM block when it encoded it: cut the
   DTE's page instead (FCD frames of octets_per_ecm_frame, the last padded with zeros, as
   spandsp pads), and forget the old block's progress. */
static void refill_first_block(void)
{
    int i, j, len, size = t30->octets_per_ecm_frame;
    t30->ppr_count = 0;
    t30->ecm_progress = 0;
    for (j = 3; j < 3 + 32; j++)
        t30->ecm_frame_map[j] = 0xFF;
    for (i = 0; i < 256; i++)
        t30->ecm_len[i] = -1;
    t30->ecm_at_page_end = 0;
    for (i = 0; i < 256; i++) {
        uint8_t *frame = t30->ecm_data[i];
        frame[0] = 0xFF;
        frame[1] = 0x03;
        frame[2] = 0x06;  /* FCD */
        frame[3] = (uint8_t) i;
        len = t4_tx_get_chunk(&t30->t4.tx, frame + 4, size);
        if (len < size) {
            if (len > 0) {
                memset(frame + 4 + len, 0, size - len);
                t30->ecm_len[i++] = (int16_t) (size + 4);
            }
            t30->ecm_frames = i;
            t30->ecm_at_page_end = 1;
            return;
        }
        t30->ecm_len[i] = (int16_t) (size + 4);
    }
    t30->ecm_frames = 256;
    t30->ecm_at_page_end = t4_tx_check_bit(&t30->t4.tx) < 0;
}

static void pull_image(void)
{
    int len;
    pending_image = 0;
    while ((len = t30_non_ecm_get_chunk(t30, scratch, CHUNK)) > 0) {
        out_hex('I', scratch, len);
        if (len < CHUNK)
            break;
    }
    out("I\n");
}

static int signal_code(const char *name)
{
    if (strcmp(name, "up") == 0)
        return SIG_STATUS_CARRIER_UP;
    if (strcmp(name, "down") == 0)
        return SIG_STATUS_CARRIER_DOWN;
    if (strcmp(name, "trained") == 0)
        return SIG_STATUS_TRAINING_SUCCEEDED;
    return SIG_STATUS_TRAINING_FAILED;
}

static int line_in(char *text)
{
    int a, len;
    char path, sig[16];
    switch (text[0]) {
    case 'T':
        if (sscanf(text + 1, "%d", &a) == 1)
            t30_timer_update(t30, a * 8);
        break;
    case 'F':
        if (sscanf(text + 1, "%d", &a) == 1) {
            /* its own buffer: the DTE's page data may be read while it waits */
            static uint8_t frame[LINE_MAX_BYTES / 2];
            len = from_hex(text + 4, frame);
            if (a && len >= 3 && (frame[2] & 0xFE) == 0x84)
                confirmed_to_receive();
            t30_hdlc_accept(t30, frame, len, a);
        }
        break;
    case 'C':
        if (sscanf(text + 1, " %c %15s", &path, sig) == 2) {
            if (path == 'h')
                t30_hdlc_accept(t30, NULL, signal_code(sig), 1);
            else
                t30_non_ecm_put_bit(t30, signal_code(sig));
        }
        break;
    case 'D':
        if (text[1] == ' ')
            t30_non_ecm_put_chunk(t30, scratch, from_hex(text + 2, scratch));
        break;
    case 'S':
        t30_front_end_status(t30, T30_FRONT_END_SEND_STEP_COMPLETE);
        break;
    case 'M':
        /* EOP: the page just given is the last (spandsp then sends EOP, not MPS); EOM is
           sent as MPS (one document per call here). */
        if (sscanf(text + 1, "%d", &a) == 1 && a == 2)
            t30->t4.tx.tiff.stop_page = t30->t4.tx.current_page;
        else if (sscanf(text + 1, "%d", &a) == 1)
            t30->t4.tx.tiff.stop_page = 1 << 30;
        break;
    default:
        return dte_line(text);
    }
    return 0;
}

/* A one-page white TIFF of the session's resolution and width: spandsp's T.30 builds its
   DCS from the document it sends, and the DTE's pages replace its rows. */
static int write_placeholder(const char *path, int fine, int width)
{
    TIFF *tiff = TIFFOpen(path, "w");
    uint8_t *row = calloc(1, (width + 7) / 8);
    if (tiff == NULL || row == NULL)
        return -1;
    TIFFSetField(tiff, TIFFTAG_IMAGEWIDTH, width);
    TIFFSetField(tiff, TIFFTAG_IMAGELENGTH, 1);
    TIFFSetField(tiff, TIFFTAG_BITSPERSAMPLE, 1);
    TIFFSetField(tiff, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(tiff, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
    TIFFSetField(tiff, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
    TIFFSetField(tiff, TIFFTAG_FILLORDER, FILLORDER_LSB2MSB);
    TIFFSetField(tiff, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tiff, TIFFTAG_ROWSPERSTRIP, 1);
    TIFFSetField(tiff, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
    TIFFSetField(tiff, TIFFTAG_XRESOLUTION, 204.0f);
    TIFFSetField(tiff, TIFFTAG_YRESOLUTION, fine ? 196.0f : 98.0f);
    TIFFSetField(tiff, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
    TIFFSetField(tiff, TIFFTAG_PAGENUMBER, 0, 1);
    TIFFWriteScanline(tiff, row, 0, 0);
    TIFFWriteDirectory(tiff);
    TIFFClose(tiff);
    free(row);
    return 0;
}

int main(int argc, char **argv)
{
    /* call|answer ident ecm modems compressions fine width workdir log_level max_rate */
    char tx_tiff[4096], rx_tiff[4096], dte_tiff[4096];
    int calling, log_level;
    if (argc != 11) {
        fprintf(stderr, "usage: %s call|answer ident ecm modems compressions fine width "
                "workdir log_level max_rate\n", argv[0]);
        return 2;
    }
    calling = strcmp(argv[1], "call") == 0;
    snprintf(tx_tiff, sizeof(tx_tiff), "%s/placeholder.tif", argv[8]);
    snprintf(rx_tiff, sizeof(rx_tiff), "%s/received.tif", argv[8]);
    snprintf(dte_tiff, sizeof(dte_tiff), "%s/dte.tif", argv[8]);
    scratch_tiff = dte_tiff;
    log_level = atoi(argv[9]);
    max_rate = atoi(argv[10]);
    line = malloc(LINE_MAX_BYTES);
    scratch = malloc(LINE_MAX_BYTES / 2);
    if (calling && write_placeholder(tx_tiff, atoi(argv[6]), atoi(argv[7])) < 0) {
        fprintf(stderr, "cannot write %s\n", tx_tiff);
        return 1;
    }
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    t30 = t30_init(NULL, calling, on_rx_type, NULL, on_tx_type, NULL, on_send_hdlc, NULL);
    span_log_set_level(t30_get_logging_state(t30), log_level ? (SPAN_LOG_SHOW_SEVERITY
                       | SPAN_LOG_SHOW_PROTOCOL | log_level) : SPAN_LOG_NONE);
    t30_set_tx_ident(t30, argv[2]);
    t30_set_ecm_capability(t30, atoi(argv[3]));
    t30_set_supported_modems(t30, atoi(argv[4]));
    t30_set_supported_compressions(t30, atoi(argv[5]));
    t30_set_supported_resolutions(t30, T30_SUPPORT_STANDARD_RESOLUTION
                                  | (atoi(argv[6]) ? T30_SUPPORT_FINE_RESOLUTION : 0));
    t30_set_phase_b_handler(t30, on_phase_b, NULL);
    t30_set_phase_d_handler(t30, on_phase_d, NULL);
    t30_set_phase_e_handler(t30, on_phase_e, NULL);
    if (calling)
        t30_set_tx_file(t30, tx_tiff, -1, -1);
    else
        t30_set_rx_file(t30, rx_tiff, -1);
    t30_restart(t30);
    fflush(stdout);
    while (fgets(line, LINE_MAX_BYTES, stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (line_in(line) < 0)
            break;
        attach_row_reader(calling);
        if (pending_image)
            pull_image();
        while (deferred_count > 0) {
            char *text = deferred[0];
            memmove(deferred, deferred + 1, --deferred_count * sizeof(char *));
            line_in(text);
            free(text);
            if (pending_image)
                pull_image();
        }
        fflush(stdout);
    }
    fflush(stdout);
    return 0;
}
