/* Base64 string values in JSON; see json_bytes.h. */
#include "base/json_bytes.h"

#include <openssl/crypto.h>

#include "base/codec.h"

json_t *tp_json_base64(const uint8_t *p, size_t n)
{
    tp_buf b = TP_BUF_INIT;
    json_t *s = tp_base64_encode(p, n, 0, &b) ? json_stringn((const char *)b.data, b.len) : NULL;
    tp_buf_free(&b);
    return s;
}

int tp_json_get_base64(const json_t *obj, const char *key, tp_buf *out)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) && tp_base64_decode(json_string_value(v), json_string_length(v), 0, out);
}

void tp_json_wipe_strings(json_t *v)
{
    const char *key;
    json_t *item;
    size_t i;
    if (json_is_string(v))
        OPENSSL_cleanse((void *)json_string_value(v), json_string_length(v));
    else if (json_is_object(v))
        json_object_foreach(v, key, item) tp_json_wipe_strings(item);
    else if (json_is_array(v))
        json_array_foreach(v, i, item) tp_json_wipe_strings(item);
}

void tp_json_wipe_decref(json_t *v)
{
    tp_json_wipe_strings(v);
    json_decref(v);
}
