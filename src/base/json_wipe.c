/* jansson's allocator, wiping: every block jansson frees is overwritten first (see
 * include/teeproof/memory.h). The size of a block comes from the C library's allocator.
 * explicit_bzero (glibc: an optimised memset the compiler may not drop) rather than
 * OPENSSL_cleanse: a proof frees thousands of small jansson blocks, and OpenSSL's byte loop
 * was 1.6% of the notary's instructions per proof. */
#define _DEFAULT_SOURCE /* explicit_bzero */
#include "teeproof/memory.h"

#include <jansson.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

static void wiping_free(void *p)
{
    if (p == NULL)
        return;
    explicit_bzero(p, malloc_usable_size(p));
    free(p);
}

void tp_secure_json_memory(void)
{
    json_set_alloc_funcs(malloc, wiping_free);
}
