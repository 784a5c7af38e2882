/* The far end's main loop: the T.31 modem talks AT to the DTE through the pty and line audio
   to the fax terminal, block by block, paced to real time divided by the time factor. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "far_end.h"

#define DTE_CHUNK 256          /* well under T.31's buffer room above its high tide */
#define HANGUP_GRACE_SECONDS 3 /* line time the terminal gets to finish after the DTE hangs up */
#define PHASE_E_GRACE_WALL 5.0 /* wall time the DTE gets to hang up after the terminal's DCN */
#define DTE_QUIET_WALL 1.0     /* after hanging up a DTE resets the modem: answer that too */

typedef enum { CALL_IDLE, CALL_DIALLED, CALL_ANSWERED, CALL_UP } call_state_t;

typedef struct {
    const far_end_options_t *opts;
    t31_state_t *t31;
    terminal_t term;
    int master;
    bool cts;
    call_state_t call;
    bool ringing;
    bool dte_hung_up;
    long line_samples;
    long hangup_at;
    long next_ring_at;         /* 0 until the first RING is due */
    double last_dte_input;
    long last_dte_input_at;    /* line time of the DTE's last byte; -1 before its first */
    awgn_state_t *noise[2];
    float gain;
} far_end_t;

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

static void to_stderr(int level, const char *text)
{
    (void) level;
    fputs(text, stderr);
}

void set_log_level(logging_state_t *log, int level, const char *tag)
{
    int shown = SPAN_LOG_SHOW_SEVERITY | SPAN_LOG_SHOW_PROTOCOL | SPAN_LOG_SHOW_TAG
                | SPAN_LOG_SHOW_SAMPLE_TIME;
    span_log_set_level(log, level > 0 ? shown | level : SPAN_LOG_NONE);
    span_log_set_tag(log, tag);
}

/* At the most detailed log levels, the AT dialogue with line-time stamps (image data shows as
   its length only): what a DTE said and when is most of what explains a failed call. */
static void trace_dte(const far_end_t *fe, const char *dir, const void *buf, size_t len)
{
    const unsigned char *b = buf;
    bool text = len < 80;
    if (fe->opts->log_level < SPAN_LOG_FLOW_3)
        return;
    for (size_t i = 0; i < len && text; i++)
        text = b[i] == '\r' || b[i] == '\n' || (b[i] >= 0x20 && b[i] < 0x7f);
    fprintf(stderr, "%8.3f %s ", (double) fe->line_samples / SAMPLE_RATE, dir);
    if (text) {
        for (size_t i = 0; i < len; i++)
            fputs(b[i] == '\r' ? "<CR>" : b[i] == '\n' ? "<LF>" : (char[]) {(char) b[i], 0}, stderr);
        fputc('\n', stderr);
    } else {
        fprintf(stderr, "[%zu bytes]\n", len);
    }
}

static int to_dte(at_state_t *at, void *user_data, const uint8_t *buf, size_t len)
{
    far_end_t *fe = user_data;
    (void) at;
    trace_dte(fe, "<DTE", buf, len);
    while (len > 0) {
        ssize_t n = write(fe->master, buf, len);
        if (n < 0 && errno != EINTR)
            return -1;
        if (n > 0) {
            buf += n;
            len -= (size_t) n;
        }
    }
    return 0;
}

static int modem_control(t31_state_t *t31, void *user_data, int op, const char *num)
{
    far_end_t *fe = user_data;
    (void) t31;
    switch (op) {
    case AT_MODEM_CONTROL_CALL:
        if (fe->opts->originate || fe->call != CALL_IDLE)
            return -1;
        fe->call = CALL_DIALLED;
        break;
    case AT_MODEM_CONTROL_ANSWER:
        if (!fe->ringing || fe->call != CALL_IDLE)
            return -1;
        fe->call = CALL_ANSWERED;
        break;
    case AT_MODEM_CONTROL_HANGUP:
    case AT_MODEM_CONTROL_ONHOOK:
        if (fe->call == CALL_UP && !fe->dte_hung_up) {
            fe->dte_hung_up = true;
            fe->hangup_at = fe->line_samples;
        }
        break;
    case AT_MODEM_CONTROL_CTS:
        fe->cts = (intptr_t) num != 0;
        break;
    default:
        break;
    }
    return 0;
}

/* The call arrives once the DTE has set the modem up: the first RING comes after a ring
   period of silence from it. A RING in the middle of its init commands would be answered
   there (with S0 set) and the DTE would take CONNECT for the answer to a command; on an
   accelerated line its init spans many ring periods. */
static bool ring_due(const far_end_t *fe)
{
    long period = (long) (fe->opts->ring_seconds * SAMPLE_RATE);
    if (fe->next_ring_at == 0)
        return fe->last_dte_input_at >= 0 && fe->line_samples - fe->last_dte_input_at >= period;
    return fe->line_samples >= fe->next_ring_at;
}

/* Call set-up happens here, outside the AT interpreter's callback. */
static void advance_call(far_end_t *fe)
{
    const far_end_options_t *o = fe->opts;
    if (fe->call == CALL_DIALLED || fe->call == CALL_ANSWERED) {
        t31_call_event(fe->t31, fe->call == CALL_DIALLED ? AT_CALL_EVENT_CONNECTED
                                                         : AT_CALL_EVENT_ANSWERED);
        fe->call = CALL_UP;
        fe->ringing = false;
        terminal_start(&fe->term, o);
        /* One clock in the log: the terminal's starts where the modem's already is. */
        span_log_bump_samples(fax_get_logging_state(fe->term.fax), (int) fe->line_samples);
        span_log_bump_samples(t30_get_logging_state(fax_get_t30_state(fe->term.fax)),
                              (int) fe->line_samples);
    } else if (o->originate && fe->call == CALL_IDLE && ring_due(fe)) {
        fe->next_ring_at = fe->line_samples + (long) (o->ring_seconds * SAMPLE_RATE);
        fe->ringing = true;
        t31_call_event(fe->t31, AT_CALL_EVENT_ALERTING);
    }
}

static void impair(far_end_t *fe, int16_t *amp, int direction)
{
    for (int i = 0; i < BLOCK_SAMPLES; i++) {
        float v = amp[i] * fe->gain;
        if (fe->noise[direction])
            v += awgn(fe->noise[direction]);
        amp[i] = (int16_t) (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
}

static void pad(int16_t *amp, int made)
{
    if (made < BLOCK_SAMPLES)
        memset(amp + made, 0, sizeof(int16_t) * (BLOCK_SAMPLES - made));
}

/* spandsp's logs stamp each line with a sample clock its owner must advance. */
static void bump_log_clocks(far_end_t *fe)
{
    span_log_bump_samples(t31_get_logging_state(fe->t31), BLOCK_SAMPLES);
    if (fe->term.fax) {
        span_log_bump_samples(fax_get_logging_state(fe->term.fax), BLOCK_SAMPLES);
        span_log_bump_samples(t30_get_logging_state(fax_get_t30_state(fe->term.fax)),
                              BLOCK_SAMPLES);
    }
}

static void step_line(far_end_t *fe)
{
    int16_t from_modem[BLOCK_SAMPLES], from_terminal[BLOCK_SAMPLES];
    bool line_up = fe->term.fax != NULL;
    pad(from_modem, t31_tx(fe->t31, from_modem, BLOCK_SAMPLES));
    pad(from_terminal, line_up ? fax_tx(fe->term.fax, from_terminal, BLOCK_SAMPLES) : 0);
    if (line_up && !fe->dte_hung_up) {
        impair(fe, from_modem, 0);
        impair(fe, from_terminal, 1);
    } else {
        memset(from_terminal, 0, sizeof(from_terminal));
    }
    if (line_up)
        fax_rx(fe->term.fax, from_modem, BLOCK_SAMPLES);
    t31_rx(fe->t31, from_terminal, BLOCK_SAMPLES);
    fe->line_samples += BLOCK_SAMPLES;
    bump_log_clocks(fe);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* Hands the DTE's bytes to the modem while it has room (CTS), waiting at most timeout s. */
static void serve_dte(far_end_t *fe, double timeout)
{
    struct pollfd p = {.fd = fe->master, .events = POLLIN};
    struct timespec wait = {(time_t) timeout, (long) ((timeout - (time_t) timeout) * 1e9)};
    char buf[DTE_CHUNK];
    if (!fe->cts) {
        if (timeout > 0)
            nanosleep(&wait, NULL);
        return;
    }
    if (ppoll(&p, 1, &wait, NULL) > 0 && (p.revents & POLLIN)) {
        ssize_t n = read(fe->master, buf, sizeof(buf));
        if (n > 0) {
            fe->last_dte_input = now();
            fe->last_dte_input_at = fe->line_samples;
            trace_dte(fe, "DTE>", buf, n);
            t31_at_rx(fe->t31, buf, (int) n);
        }
    }
}

static const char *finished(far_end_t *fe, double started, double *phase_e_wall)
{
    bool dte_done = fe->dte_hung_up && now() - fe->last_dte_input > DTE_QUIET_WALL;
    if (stop_signal)
        return "signal";
    if (now() - started > fe->opts->time_limit)
        return "time_limit";
    if (fe->term.phase_e) {
        if (*phase_e_wall == 0)
            *phase_e_wall = now();
        if (dte_done || now() - *phase_e_wall > PHASE_E_GRACE_WALL)
            return "phase_e";
    } else if (dte_done
               && fe->line_samples - fe->hangup_at > HANGUP_GRACE_SECONDS * SAMPLE_RATE) {
        return "dte_hangup";
    }
    return NULL;
}

/* One block at a time, each 1/time_factor of its real duration: batching the factor's blocks
   per real block would make every DTE answer up to a real block late, which at factor 3 is
   the whole 75 ms T.30 leaves between a command and its response. */
static void run(far_end_t *fe)
{
    const double block_wall = (double) BLOCK_SAMPLES / SAMPLE_RATE / fe->opts->time_factor;
    double started = now(), tick = started, phase_e_wall = 0;
    const char *ended_by;
    while ((ended_by = finished(fe, started, &phase_e_wall)) == NULL) {
        serve_dte(fe, 0);
        advance_call(fe);
        step_line(fe);
        tick += block_wall;
        for (double left = tick - now(); left > 0; left = tick - now())
            serve_dte(fe, left);
    }
    terminal_print_result(&fe->term, ended_by, (double) fe->line_samples / SAMPLE_RATE);
}

static void init_line(far_end_t *fe)
{
    const far_end_options_t *o = fe->opts;
    fe->gain = powf(10.0f, (float) (-o->attenuation_db / 20.0));
    if (!o->no_noise) {
        fe->noise[0] = awgn_init_dbm0(NULL, 1234567, (float) o->noise_dbm0);
        fe->noise[1] = awgn_init_dbm0(NULL, 7654321, (float) o->noise_dbm0);
    }
}

int main(int argc, char **argv)
{
    static far_end_options_t opts;
    static far_end_t fe;
    char slave[128];
    if (parse_options(argc, argv, &opts) < 0)
        return 2;
    span_set_message_handler(to_stderr);
    fe.opts = &opts;
    fe.term.opts = &opts;
    fe.cts = true;
    fe.last_dte_input_at = -1;
    if ((fe.master = pty_open(opts.link, slave, sizeof(slave))) < 0) {
        perror("spandsp-far-end: pty");
        return 1;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    init_line(&fe);
    fe.t31 = t31_init(NULL, to_dte, &fe, modem_control, &fe, NULL, NULL);
    set_log_level(t31_get_logging_state(fe.t31), opts.log_level, "T.31");
    printf("%s\n", slave);
    fflush(stdout);
    run(&fe);
    if (opts.link)
        unlink(opts.link);
    return 0;
}
