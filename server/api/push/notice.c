/* The text of a notification (api/push/push.h): pure, unit-tested. */
#include <stdlib.h>
#include <string.h>

#include "api/push/push.h"
#include "core/sbuf.h"
#include "core/xalloc.h"

/* The push text of the elements that are not text or custom (Tencent's English client texts). */
static const struct {
    const char *type, *text;
} fixed[] = {
    {"TIMLocationElem", "[Location]"}, {"TIMFaceElem", "[Face]"}, {"TIMSoundElem", "[Voice]"},
    {"TIMImageElem", "[Image]"},       {"TIMFileElem", "[File]"}, {"TIMVideoFileElem", "[Video]"},
};

static const char *str_of(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

json_t *push_notice(const json_t *body, const json_t *info, const char *title)
{
    if (json_integer_value(json_object_get(info, "PushFlag")) == 1)
        return NULL;
    const char *ext = str_of(info, "Ext");
    const char *desc = str_of(info, "Desc");
    sbuf_t text = {0};
    size_t i;
    const json_t *el;
    json_array_foreach(body, i, el)
    {
        const char *type = str_of(el, "MsgType");
        const json_t *content = json_object_get(el, "MsgContent");
        if (type == NULL)
            continue;
        const char *t = NULL;
        if (strcmp(type, "TIMTextElem") == 0) {
            t = str_of(content, "Text");
        } else if (strcmp(type, "TIMCustomElem") == 0) {
            t = str_of(content, "Desc");
            if (ext == NULL && str_of(content, "Ext") && *str_of(content, "Ext"))
                ext = str_of(content, "Ext");
        } else {
            for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
                if (strcmp(fixed[k].type, type) == 0)
                    t = fixed[k].text;
        }
        if (t)
            sbuf_puts(&text, t);
    }
    char *joined = sbuf_steal(&text);
    json_t *out = NULL;
    if ((desc && *desc) || (joined && *joined)) {
        const char *t = str_of(info, "Title");
        json_t *android = json_object_get(info, "AndroidInfo");
        json_t *apns = json_object_get(info, "ApnsInfo");
        out = json_pack("{s:s, s:s, s:s, s:O?, s:O?}", "title",
                        t && *t ? t
                        : title ? title
                                : "",
                        "desc", desc && *desc ? desc : joined, "ext", ext ? ext : "", "androidInfo",
                        android, "apnsInfo", apns);
    }
    xfree(joined);
    return out;
}
