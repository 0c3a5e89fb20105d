/* jansson's allocator, wiping: every block jansson frees is overwritten first (see
 * include/teeproof/memory.h). The size of a block comes from the C library's allocator. */
#include "teeproof/memory.h"

#include <jansson.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <stdlib.h>

static void wiping_free(void *p)
{
    if (p == NULL)
        return;
    OPENSSL_cleanse(p, malloc_usable_size(p));
    free(p);
}

void tp_secure_json_memory(void)
{
    json_set_alloc_funcs(malloc, wiping_free);
}
