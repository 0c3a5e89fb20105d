/* Reading a whole file into memory, bounded: declared in the public teeproof/file.h (the
 * CLI and library users read files the same way); this name stays for internal callers. */
#ifndef TP_BASE_FILE_H
#define TP_BASE_FILE_H

#include "teeproof/file.h"

#endif
