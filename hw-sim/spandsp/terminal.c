/* spandsp's T.30 fax terminal on the line side: its set-up from the options and the one JSON
   line that reports how the call went. */
#include <stdio.h>
#include <string.h>

#include "far_end.h"

/* The rates of spandsp 0.0.6's fallback sequence (t30.c fallback_sequence: V.17 14400,
   12000, 9600; V.29 9600; V.17 7200; V.29 7200; V.27ter 4800, 2400). The sender starts where
   the DIS allows and steps down on FTT. Newer spandsp orders it differently. */
static const int fallback_rates[] = {14400, 12000, 9600, 9600, 7200, 7200, 4800, 2400};
#define FALLBACK_STEPS ((int) (sizeof(fallback_rates) / sizeof(fallback_rates[0])))

static int modems_up_to(int max_rate)
{
    if (max_rate >= 14400 || max_rate == 7200)
        return T30_SUPPORT_V17 | T30_SUPPORT_V29 | T30_SUPPORT_V27TER;
    if (max_rate >= 9600)
        return T30_SUPPORT_V29 | T30_SUPPORT_V27TER;
    return T30_SUPPORT_V27TER;
}

/* Called once the DIS is analysed and before the DCS is built: a sender capped below what
   its modems allow starts further down spandsp's fallback sequence. */
static int on_phase_b(t30_state_t *t30, void *user_data, int result)
{
    terminal_t *term = user_data;
    (void) result;
    if (term->opts->originate) {
        while (t30->current_fallback < FALLBACK_STEPS - 1
               && fallback_rates[t30->current_fallback] > term->opts->max_rate)
            t30->current_fallback++;
    }
    return T30_ERR_OK;
}

static void on_phase_e(t30_state_t *t30, void *user_data, int completion_code)
{
    terminal_t *term = user_data;
    (void) t30;
    term->phase_e = true;
    term->completion_code = completion_code;
}

void terminal_start(terminal_t *term, const far_end_options_t *opts)
{
    t30_state_t *t30;
    term->opts = opts;
    term->fax = fax_init(NULL, opts->originate);
    t30 = fax_get_t30_state(term->fax);
    set_log_level(fax_get_logging_state(term->fax), opts->log_level, "FAX");
    set_log_level(t30_get_logging_state(t30), opts->log_level, "T.30");
    fax_set_transmit_on_idle(term->fax, true);
    t30_set_tx_ident(t30, opts->ident);
    t30_set_ecm_capability(t30, opts->ecm);
    t30_set_supported_compressions(t30, opts->compressions);
    t30_set_supported_modems(t30, modems_up_to(opts->max_rate));
    if (opts->originate)
        t30_set_tx_file(t30, opts->tiff, -1, -1);
    else
        t30_set_rx_file(t30, opts->tiff, -1);
    t30_set_phase_b_handler(t30, on_phase_b, term);
    t30_set_phase_e_handler(t30, on_phase_e, term);
}

static const char *compression_name(int encoding)
{
    switch (encoding) {
    case T4_COMPRESSION_ITU_T4_1D: return "MH";
    case T4_COMPRESSION_ITU_T4_2D: return "MR";
    case T4_COMPRESSION_ITU_T6: return "MMR";
    default: return NULL;
    }
}

static void print_json_string(const char *text)
{
    if (text == NULL) {
        fputs("null", stdout);
        return;
    }
    putchar('"');
    for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20 || *p > 0x7e)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void print_field(const char *name, const char *text)
{
    printf(", \"%s\": ", name);
    print_json_string(text);
}

void terminal_print_result(terminal_t *term, const char *ended_by, double line_seconds)
{
    t30_stats_t stats;
    t30_state_t *t30 = term->fax ? fax_get_t30_state(term->fax) : NULL;
    int code = term->phase_e ? term->completion_code : T30_ERR_CALLDROPPED;
    memset(&stats, 0, sizeof(stats));
    if (t30) {
        t30_get_transfer_statistics(t30, &stats);
        if (!term->phase_e)
            code = stats.current_status != T30_ERR_OK ? stats.current_status : code;
    }
    printf("{\"ended_by\": \"%s\", \"connected\": %s", ended_by, t30 ? "true" : "false");
    printf(", \"completion_code\": %d", code);
    print_field("completion", t30_completion_code_to_str(code));
    printf(", \"pages\": %d", term->opts->originate ? stats.pages_tx : stats.pages_rx);
    printf(", \"bit_rate\": %d, \"ecm\": %s", stats.bit_rate,
           stats.error_correcting_mode ? "true" : "false");
    print_field("compression", compression_name(stats.encoding));
    print_field("remote_ident", t30 ? t30_get_rx_ident(t30) : NULL);
    printf(", \"bad_rows\": %d, \"ecm_retries\": %d", stats.bad_rows,
           stats.error_correcting_mode_retries);
    print_field("tiff", term->opts->originate ? NULL : term->opts->tiff);
    printf(", \"line_seconds\": %.2f}\n", line_seconds);
    fflush(stdout);
}
