/* Pretty JSON printing with canonical scalars; see json_pretty.h. */
#include "base/json_pretty.h"

#include <stdlib.h>
#include <string.h>

#include "base/jcs.h"

static int indent(tp_buf *out, int depth)
{
    if (!tp_buf_put_u8(out, '\n'))
        return 0;
    for (int i = 0; i < depth; i++)
        if (!tp_buf_append(out, "  ", 2))
            return 0;
    return 1;
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int pretty(const json_t *v, int depth, tp_buf *out);

static int pretty_object(const json_t *v, int depth, tp_buf *out)
{
    size_t n = json_object_size(v), i = 0;
    if (n == 0)
        return tp_buf_append(out, "{}", 2);
    const char **keys = malloc(n * sizeof(*keys));
    const char *k;
    json_t *child;
    if (keys == NULL)
        return 0;
    json_object_foreach((json_t *)v, k, child) keys[i++] = k;
    qsort(keys, n, sizeof(*keys), cmp_keys);
    int ok = tp_buf_put_u8(out, '{');
    for (i = 0; ok && i < n; i++)
        ok = (i == 0 || tp_buf_put_u8(out, ',')) && indent(out, depth + 1) &&
             tp_jcs_string(keys[i], strlen(keys[i]), out) && tp_buf_append(out, ": ", 2) &&
             pretty(json_object_get(v, keys[i]), depth + 1, out);
    free(keys);
    return ok && indent(out, depth) && tp_buf_put_u8(out, '}');
}

static int pretty_array(const json_t *v, int depth, tp_buf *out)
{
    size_t n = json_array_size(v);
    if (n == 0)
        return tp_buf_append(out, "[]", 2);
    int ok = tp_buf_put_u8(out, '[');
    for (size_t i = 0; ok && i < n; i++)
        ok = (i == 0 || tp_buf_put_u8(out, ',')) && indent(out, depth + 1) &&
             pretty(json_array_get(v, i), depth + 1, out);
    return ok && indent(out, depth) && tp_buf_put_u8(out, ']');
}

static int pretty(const json_t *v, int depth, tp_buf *out)
{
    if (json_is_object(v))
        return pretty_object(v, depth, out);
    if (json_is_array(v))
        return pretty_array(v, depth, out);
    return tp_jcs_serialize(v, out);
}

int tp_json_pretty(const json_t *v, tp_buf *out)
{
    return v != NULL && pretty(v, 0, out);
}

char *tp_json_pretty_string(const json_t *v)
{
    tp_buf b = TP_BUF_INIT;
    if (!tp_json_pretty(v, &b)) {
        tp_buf_free(&b);
        return NULL;
    }
    return (char *)tp_buf_detach(&b, NULL);
}
