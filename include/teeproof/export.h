/* Marks the public API: the library is built with -fvisibility=hidden, so only functions
 * declared with TP_API in the public headers (include/teeproof) are exported from libteeproof.so. */
#ifndef TEEPROOF_EXPORT_H
#define TEEPROOF_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define TP_API __attribute__((visibility("default")))
#else
#define TP_API
#endif

#endif
