/* Command-line options of the far end. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "far_end.h"

static const char usage[] =
    "usage: spandsp-far-end --role answer|originate --tiff FILE [options]\n"
    "  --role answer      the terminal answers a call the DTE dials and receives into --tiff\n"
    "  --role originate   the terminal rings the DTE and, once answered, sends --tiff\n"
    "  --ecm on|off       offer/use error correction mode (default on)\n"
    "  --compressions L   comma list of mh,mr,mmr (default mh,mr,mmr)\n"
    "  --max-rate R       14400, 9600, 7200, 4800 or 2400 (default 14400)\n"
    "  --ident ID         local ident (CSI when answering, TSI when sending)\n"
    "  --link PATH        make PATH a symlink to the pty slave\n"
    "  --attenuation DB   line loss, both directions (default 0)\n"
    "  --noise DBM0       white noise level, both directions (default none)\n"
    "  --time-factor N    blocks of line audio per real-time block (default 1)\n"
    "  --time-limit S     give up after S wall seconds (default 300)\n"
    "  --ring-seconds S   line seconds between RINGs when originating, and of DTE silence\n"
    "                     before the first (default 6)\n"
    "  --log-level N      spandsp log level on stderr, 0-10 (default 0)\n";

static int parse_compressions(const char *list)
{
    int bits = 0;
    char *copy = strdup(list);
    for (char *name = strtok(copy, ","); name; name = strtok(NULL, ",")) {
        if (strcmp(name, "mh") == 0)
            bits |= T30_SUPPORT_T4_1D_COMPRESSION;
        else if (strcmp(name, "mr") == 0)
            bits |= T30_SUPPORT_T4_2D_COMPRESSION;
        else if (strcmp(name, "mmr") == 0)
            bits |= T30_SUPPORT_T6_COMPRESSION;
        else
            bits = -1;
        if (bits < 0)
            break;
    }
    free(copy);
    return bits;
}

static int fail(const char *message)
{
    fprintf(stderr, "spandsp-far-end: %s\n%s", message, usage);
    return -1;
}

static void set_defaults(far_end_options_t *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->ecm = true;
    opts->compressions = T30_SUPPORT_T4_1D_COMPRESSION | T30_SUPPORT_T4_2D_COMPRESSION
                         | T30_SUPPORT_T6_COMPRESSION;
    opts->max_rate = 14400;
    opts->ident = "spandsp";
    opts->no_noise = true;
    opts->time_factor = 1;
    opts->time_limit = 300;
    opts->ring_seconds = 6;
}

static int check(const far_end_options_t *opts, bool role_given)
{
    int rate = opts->max_rate;
    if (!role_given || opts->tiff == NULL)
        return fail("--role and --tiff are required");
    if (rate != 14400 && rate != 9600 && rate != 7200 && rate != 4800 && rate != 2400)
        return fail("--max-rate must be 14400, 9600, 7200, 4800 or 2400");
    /* A receiver only caps the rate through the modems its DIS lists (T.30 Table 2 bits
       11-14), and spandsp builds its DIS from V.27ter, V.29 and V.17 as a whole. */
    if (!opts->originate && (rate == 7200 || rate == 2400))
        return fail("an answering terminal's DIS can offer 14400, 9600 or 4800 at most");
    if (opts->compressions <= 0 || (opts->compressions & T30_SUPPORT_T4_1D_COMPRESSION) == 0)
        return fail("--compressions is a list of mh,mr,mmr and must include mh (T.30 requires it)");
    if (opts->time_factor < 1)
        return fail("--time-factor must be at least 1");
    if (opts->ring_seconds < 0.5)
        return fail("--ring-seconds must be at least 0.5");
    return 0;
}

int parse_options(int argc, char **argv, far_end_options_t *opts)
{
    static const struct option longs[] = {
        {"role", required_argument, 0, 'r'}, {"ecm", required_argument, 0, 'e'},
        {"compressions", required_argument, 0, 'c'}, {"max-rate", required_argument, 0, 'm'},
        {"ident", required_argument, 0, 'i'}, {"tiff", required_argument, 0, 'f'},
        {"link", required_argument, 0, 'l'}, {"attenuation", required_argument, 0, 'a'},
        {"noise", required_argument, 0, 'n'}, {"time-factor", required_argument, 0, 't'},
        {"time-limit", required_argument, 0, 'T'}, {"log-level", required_argument, 0, 'v'},
        {"ring-seconds", required_argument, 0, 'R'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    bool role_given = false;
    int c;
    set_defaults(opts);
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (strcmp(optarg, "answer") != 0 && strcmp(optarg, "originate") != 0)
                return fail("--role is answer or originate");
            opts->originate = strcmp(optarg, "originate") == 0;
            role_given = true;
            break;
        case 'e':
            if (strcmp(optarg, "on") != 0 && strcmp(optarg, "off") != 0)
                return fail("--ecm is on or off");
            opts->ecm = strcmp(optarg, "on") == 0;
            break;
        case 'c': opts->compressions = parse_compressions(optarg); break;
        case 'm': opts->max_rate = atoi(optarg); break;
        case 'i': opts->ident = optarg; break;
        case 'f': opts->tiff = optarg; break;
        case 'l': opts->link = optarg; break;
        case 'a': opts->attenuation_db = atof(optarg); break;
        case 'n': opts->noise_dbm0 = atof(optarg); opts->no_noise = false; break;
        case 't': opts->time_factor = atoi(optarg); break;
        case 'T': opts->time_limit = atof(optarg); break;
        case 'v': opts->log_level = atoi(optarg); break;
        case 'R': opts->ring_seconds = atof(optarg); break;
        case 'h': fputs(usage, stdout); exit(0);
        default: return fail("unknown option");
        }
    }
    return check(opts, role_given);
}
