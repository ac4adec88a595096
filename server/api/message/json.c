/* The message model as clients see it: msgIDs, MsgKeys, the V2TIMMessage JSON. */
#include "api/message/message.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rand.h"
#include "core/xalloc.h"

/* msgIDs: a random per-process prefix and a counter, unique across nodes and restarts. */
uint32_t msg_random(void)
{
    return rand_u32();
}

void msg_new_id(char out[33])
{
    static unsigned char prefix[8];
    static uint64_t counter;
    static bool seeded;
    if (!seeded) {
        rand_bytes(prefix, sizeof prefix);
        seeded = true;
    }
    counter++;
    for (int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", prefix[i]);
    snprintf(out + 16, 17, "%016llx", (unsigned long long)counter);
}

/* Hash of what makes two sends "the same message": body and cloud custom data. */
void msg_content_hash(const char *body, const char *ccd, char out[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    EVP_DigestUpdate(ctx, body, strlen(body));
    EVP_DigestUpdate(ctx, "\x1f", 1);
    if (ccd)
        EVP_DigestUpdate(ctx, ccd, strlen(ccd));
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

char *msg_key(int64_t seq, uint32_t random, int64_t ts)
{
    return xasprintf("%lld_%u_%lld", (long long)seq, random, (long long)ts);
}

bool msg_key_parse(const char *key, int64_t *seq, int64_t *random, int64_t *ts)
{
    int64_t part[3];
    const char *p = key;
    for (int i = 0; i < 3; i++) {
        char *end;
        if (p == NULL || *p < '0' || *p > '9')
            return false;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (errno != 0 || *end != (i < 2 ? '_' : '\0'))
            return false;
        part[i] = v;
        p = end + 1;
    }
    if (part[0] < 1 || part[1] > UINT32_MAX)
        return false;
    *seq = part[0];
    *random = part[1];
    *ts = part[2];
    return true;
}

char *msg_conv_key_from_id(const char *viewer, const char *conversation_id)
{
    if (strncmp(conversation_id, "c2c_", 4) != 0 || conversation_id[4] == '\0')
        return NULL;
    return store_conv_key_c2c(viewer, conversation_id + 4);
}

json_t *msg_to_json(const store_msg_row_t *r, const char *viewer)
{
    bool self = strcmp(r->sender, viewer) == 0;
    bool group = r->conv_key && strncmp(r->conv_key, "g:", 2) == 0;
    const char *peer = group ? NULL : self ? r->receiver : r->sender;
    char *key = msg_key(r->seq, r->random, r->ts);
    char *conv =
        group ? xasprintf("group_%s", r->conv_key + 2) : xasprintf("c2c_%s", peer ? peer : "");
    json_t *body = json_loads(r->body, JSON_DECODE_ANY, NULL);
    json_t *m = json_pack(
        "{s:s, s:s, s:I, s:I, s:I, s:s, s:s*, s:s*, s:s*, s:s, s:b, s:o, s:s*,"
        " s:b}",
        "msgID", r->msg_id, "msgKey", key, "seq", (json_int_t)r->seq, "random",
        (json_int_t)r->random, "timestamp", (json_int_t)r->ts, "sender", r->sender, "receiver",
        r->receiver, "userID", peer, "groupID", group ? r->conv_key + 2 : NULL, "conversationID",
        conv, "isSelf", self, "msgBody", body ? body : json_array(), "cloudCustomData",
        r->cloud_custom_data, "needReadReceipt", (r->flags & STORE_MSG_F_RECEIPT) != 0);
    if (r->flags & STORE_MSG_F_EXTENSION)
        json_object_set_new(m, "supportMessageExtension", json_true());
    if (!group)
        json_object_set_new(m, "isPeerRead", /* only a message I sent can be read by the peer */
                            json_boolean(self && r->peer_read_seq >= r->seq));
    if (r->flags & STORE_MSG_F_RECALLED) {
        /* V2TIM_MSG_STATUS_LOCAL_REVOKED; the store already emptied body and custom data. */
        json_object_set_new(m, "isRevoked", json_true());
        json_object_set_new(m, "status", json_integer(6));
    }
    xfree(key);
    xfree(conv);
    return m;
}

json_t *msg_to_rest_json(const store_msg_row_t *r)
{
    char *key = msg_key(r->seq, r->random, r->ts);
    json_t *body = json_loads(r->body, JSON_DECODE_ANY, NULL);
    json_t *item = json_pack(
        "{s:s, s:s, s:I, s:I, s:I, s:i, s:i, s:s, s:o, s:s}", "From_Account", r->sender,
        "To_Account", r->receiver ? r->receiver : "", "MsgSeq", (json_int_t)r->seq, "MsgRandom",
        (json_int_t)r->random, "MsgTimeStamp", (json_int_t)r->ts, "MsgFlagBits",
        (r->flags & STORE_MSG_F_RECALLED) ? 8 : 0, "IsPeerRead", r->peer_read_seq >= r->seq ? 1 : 0,
        "MsgKey", key, "MsgBody", body ? body : json_array(), "CloudCustomData",
        r->cloud_custom_data ? r->cloud_custom_data : "");
    xfree(key);
    return item;
}

/* The SDK's V2TIMElemType as the stored MsgType (0: unknown). */
static const char *elem_type(json_int_t t)
{
    static const char *const names[] = {
        NULL,           "TIMTextElem",      "TIMCustomElem", "TIMImageElem",
        "TIMSoundElem", "TIMVideoFileElem", "TIMFileElem",   "TIMLocationElem",
        "TIMFaceElem",  "TIMGroupTipElem",  "TIMRelayElem"};
    return t > 0 && t < (json_int_t)(sizeof names / sizeof names[0]) ? names[t] : NULL;
}

char *msg_types_json(const json_t *list, bool *bad)
{
    json_t *out = json_array(), *v;
    size_t i;
    json_array_foreach(list, i, v)
    {
        const char *name = json_is_integer(v) ? elem_type(json_integer_value(v)) : NULL;
        if (name == NULL)
            *bad = true;
        else
            json_array_append_new(out, json_string(name));
    }
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    return text;
}

bool msg_type_known(const char *name)
{
    for (json_int_t t = 1; elem_type(t) != NULL; t++)
        if (strcmp(elem_type(t), name) == 0)
            return true;
    return false;
}
