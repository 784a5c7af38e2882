/* The DTE's end of the modem: a pty in raw mode, optionally reached through a symlink. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "far_end.h"

/* Returns the master fd. The slave stays open in this process for the whole run: a DTE that
   opens and closes the device (efax and pyserial both do at start-up) must not make the
   master read EIO, and the raw mode set here must hold before any DTE has opened it, or the
   line discipline would echo the modem's own answers back to it as commands. */
int pty_open(const char *link, char *slave_path, size_t size)
{
    struct termios raw;
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    int slave;
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0
        || ptsname_r(master, slave_path, size) != 0)
        return -1;
    if ((slave = open(slave_path, O_RDWR | O_NOCTTY)) < 0)
        return -1;
    tcgetattr(slave, &raw);
    cfmakeraw(&raw);
    tcsetattr(slave, TCSANOW, &raw);
    if (link) {
        unlink(link);
        if (symlink(slave_path, link) < 0)
            return -1;
    }
    return master;
}
