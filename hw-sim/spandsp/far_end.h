/* A fax far end nobody in this project wrote: spandsp's T.31 modem on a pty, its line wired
   to spandsp's T.30 fax terminal. Shared declarations of the program's parts. */
#ifndef FAR_END_H
#define FAR_END_H

#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <stdbool.h>
#include <spandsp.h>

#define SAMPLE_RATE 8000
#define BLOCK_SAMPLES 160 /* 20 ms of line audio per step */

typedef struct {
    bool originate;            /* the terminal calls and sends; otherwise it answers and receives */
    bool ecm;
    int compressions;          /* T30_SUPPORT_*_COMPRESSION bits */
    int max_rate;
    const char *ident;
    const char *tiff;          /* the file to send, or the file to receive into */
    const char *link;          /* a symlink to the pty slave, or NULL */
    double attenuation_db;
    double noise_dbm0;         /* white noise level; noise is off when no_noise */
    bool no_noise;
    int time_factor;           /* blocks of line audio per real block */
    double time_limit;         /* wall seconds */
    int log_level;
    double ring_seconds;       /* line time between RINGs when originating */
} far_end_options_t;

int parse_options(int argc, char **argv, far_end_options_t *opts);

/* The fax terminal: set up once a call is connected, and its outcome. */
typedef struct {
    fax_state_t *fax;
    const far_end_options_t *opts;
    bool phase_e;
    int completion_code;
    int pages;
} terminal_t;

void terminal_start(terminal_t *term, const far_end_options_t *opts);
void terminal_print_result(terminal_t *term, const char *ended_by, double line_seconds);

/* The DTE side: a pty whose master end the modem owns. */
int pty_open(const char *link, char *slave_path, size_t size);

/* A logging state's level, with the labels that make a log readable. */
void set_log_level(logging_state_t *log, int level, const char *tag);

#endif
