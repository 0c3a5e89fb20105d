/* Process-wide memory hygiene for programs that handle teeproof secrets. */
#ifndef TEEPROOF_MEMORY_H
#define TEEPROOF_MEMORY_H

#include "teeproof/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Makes jansson wipe every block it frees, so that the copies it makes of secret values
 * (variable values, revealed keys, in its parser buffers, strings and hash tables) do not
 * outlive their use. Process-wide: call once at start, before any JSON value exists. The
 * notary and the `teeproof` CLI both do. */
TP_API void tp_secure_json_memory(void);

#ifdef __cplusplus
}
#endif
#endif
