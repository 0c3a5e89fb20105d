/* The notary's command line and configuration file (options.c): one option table. */
#ifndef TP_NOTARY_OPTIONS_H
#define TP_NOTARY_OPTIONS_H

#include "notary/notary.h"

/* Fills c (holding its defaults) from --config FILE, then from the command line.
 * 0: run; 1: --help was printed, exit 0; 2: a usage or configuration error was printed on
 * stderr as one 'error: ' line, exit 2. */
int tp_notary_options(int argc, char **argv, tp_notary_config *c);
/* Frees the configuration file's document (c's strings may point into it). */
void tp_notary_options_free(tp_notary_config *c);

#endif
