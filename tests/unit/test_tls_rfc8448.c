/* Known answers from RFC 8448 §3 (Simple 1-RTT Handshake): the key schedule, record
 * decryption, and a full replay of the trace through the transcript verifier. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "tls/tls_internal.h"
#include "tls/transcript.h"

/* ---- RFC 8448 §3 values ---- */
static const char CLIENT_PRIV[] = "49 af 42 ba 7f 79 94 85 2d 71 3e f2 78 4b cb ca a7 91 1d e2 6a dc 56 42 cb 63 45 40 e7 ea 50 05";
static const char SERVER_PUB[] = "c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1 56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f";
static const char CLIENT_PUB[] = "99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a af 2c";
static const char ECDHE[] = "8b d4 05 4f b5 5b 9d 63 fd fb ac f9 f0 4b 9f 0d 35 e6 d6 3f 53 75 63 ef d4 62 72 90 0f 89 49 2d";
static const char EARLY[] = "33 ad 0a 1c 60 7e c0 3b 09 e6 cd 98 93 68 0c e2 10 ad f3 00 aa 1f 26 60 e1 b2 2e 10 f1 70 f9 2a";
static const char HS_SECRET[] = "1d c8 26 e9 36 06 aa 6f dc 0a ad c1 2f 74 1b 01 04 6a a6 b9 9f 69 1e d2 21 a9 f0 ca 04 3f be ac";
static const char HELLO_HASH[] = "86 0c 06 ed c0 78 58 ee 8e 78 f0 e7 42 8c 58 ed d6 b4 3f 2c a3 e6 e9 5f 02 ed 06 3c f0 e1 ca d8";
static const char C_HS[] = "b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21";
static const char S_HS[] = "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38";
static const char MASTER[] = "18 df 06 84 3d 13 a0 8b f2 a4 49 84 4c 5f 8a 47 80 01 bc 4d 4c 62 79 84 d5 a4 1d a8 d0 40 29 19";
static const char AP_HASH[] = "96 08 10 2a 0f 1c cc 6d b6 25 0b 7b 7e 41 7b 1a 00 0e aa da 3d aa e4 77 7a 76 86 c9 ff 83 df 13";
static const char C_AP[] = "9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5";
static const char S_AP[] = "a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43";
static const char S_HS_KEY[] = "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc";
static const char S_HS_IV[] = "5d 31 3e b2 67 12 76 ee 13 00 0b 30";
static const char C_HS_KEY[] = "db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01";
static const char C_HS_IV[] = "5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f";
static const char S_AP_KEY[] = "9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56";
static const char S_AP_IV[] = "cf 78 2b 88 dd 83 54 9a ad f1 e9 84";
static const char C_AP_KEY[] = "17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51";
static const char C_AP_IV[] = "5b 78 92 3d ee 08 57 90 33 e5 23 d9";
static const char S_FIN_KEY[] = "00 8d 3b 66 f8 16 ea 55 9f 96 b5 37 e8 85 c3 1f c0 68 bf 49 2c 65 2f 01 f2 88 a1 d8 cd c1 9f c8";
static const char S_FIN[] = "9b 9b 14 1d 90 63 37 fb d2 cb dc e7 1d f4 de da 4a b4 2c 30 95 72 cb 7f ff ee 54 54 b7 8f 07 18";
static const char C_FIN[] = "a8 ec 43 6d 67 76 34 ae 52 5a c1 fc eb e1 1a 03 9e c1 76 94 fa c6 e9 85 27 b6 42 f2 ed d5 ce 61";

/* {client} send handshake record: complete record (201 octets) */
static const char CH_REC[] =
    "16 03 01 00 c4 01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a"
    "8d 99 12 ec 18 a2 ef 62 83 02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b"
    "00 09 00 00 06 73 65 72 76 65 72 ff 01 00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19"
    "01 00 01 01 01 02 01 03 01 04 00 23 00 00 00 33 00 26 00 24 00 1d 00 20 99 38 1d e5 60 e4"
    "bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a af 2c 00 2b 00 03"
    "02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01 05 01 06 01 02"
    "01 04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01";
/* {server} send handshake record: complete record (95 octets) */
static const char SH_REC[] =
    "16 03 03 00 5a 02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c"
    "d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 77 2e d3 e2 69 28 00 13 01 00 00"
    "2e 00 33 00 24 00 1d 00 20 c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72"
    "e1 56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04";
/* {server} send handshake record: complete record (679 octets): EE, Certificate,
 * CertificateVerify, Finished in one record */
static const char FLIGHT_REC[] =
    "17 03 03 02 a2 d1 ff 33 4a 56 f5 bf f6 59 4a 07 cc 87 b5 80 23 3f 50 0f"
    "45 e4 89 e7 f3 3a f3 5e df 78 69 fc f4 0a a4 0a a2 b8 ea 73 f8 48 a7 ca"
    "07 61 2e f9 f9 45 cb 96 0b 40 68 90 51 23 ea 78 b1 11 b4 29 ba 91 91 cd"
    "05 d2 a3 89 28 0f 52 61 34 aa dc 7f c7 8c 4b 72 9d f8 28 b5 ec f7 b1 3b"
    "d9 ae fb 0e 57 f2 71 58 5b 8e a9 bb 35 5c 7c 79 02 07 16 cf b9 b1 18 3e"
    "f3 ab 20 e3 7d 57 a6 b9 d7 47 76 09 ae e6 e1 22 a4 cf 51 42 73 25 25 0c"
    "7d 0e 50 92 89 44 4c 9b 3a 64 8f 1d 71 03 5d 2e d6 5b 0e 3c dd 0c ba e8"
    "bf 2d 0b 22 78 12 cb b3 60 98 72 55 cc 74 41 10 c4 53 ba a4 fc d6 10 92"
    "8d 80 98 10 e4 b7 ed 1a 8f d9 91 f0 6a a6 24 82 04 79 7e 36 a6 a7 3b 70"
    "a2 55 9c 09 ea d6 86 94 5b a2 46 ab 66 e5 ed d8 04 4b 4c 6d e3 fc f2 a8"
    "94 41 ac 66 27 2f d8 fb 33 0e f8 19 05 79 b3 68 45 96 c9 60 bd 59 6e ea"
    "52 0a 56 a8 d6 50 f5 63 aa d2 74 09 96 0d ca 63 d3 e6 88 61 1e a5 e2 2f"
    "44 15 cf 95 38 d5 1a 20 0c 27 03 42 72 96 8a 26 4e d6 54 0c 84 83 8d 89"
    "f7 2c 24 46 1a ad 6d 26 f5 9e ca ba 9a cb bb 31 7b 66 d9 02 f4 f2 92 a3"
    "6a c1 b6 39 c6 37 ce 34 31 17 b6 59 62 22 45 31 7b 49 ee da 0c 62 58 f1"
    "00 d7 d9 61 ff b1 38 64 7e 92 ea 33 0f ae ea 6d fa 31 c7 a8 4d c3 bd 7e"
    "1b 7a 6c 71 78 af 36 87 90 18 e3 f2 52 10 7f 24 3d 24 3d c7 33 9d 56 84"
    "c8 b0 37 8b f3 02 44 da 8c 87 c8 43 f5 e5 6e b4 c5 e8 28 0a 2b 48 05 2c"
    "f9 3b 16 49 9a 66 db 7c ca 71 e4 59 94 26 f7 d4 61 e6 6f 99 88 2b d8 9f"
    "c5 08 00 be cc a6 2d 6c 74 11 6d bd 29 72 fd a1 fa 80 f8 5d f8 81 ed be"
    "5a 37 66 89 36 b3 35 58 3b 59 91 86 dc 5c 69 18 a3 96 fa 48 a1 81 d6 b6"
    "fa 4f 9d 62 d5 13 af bb 99 2f 2b 99 2f 67 f8 af e6 7f 76 91 3f a3 88 cb"
    "56 30 c8 ca 01 e0 c6 5d 11 c6 6a 1e 2a c4 c8 59 77 b7 c7 a6 99 9b bf 10"
    "dc 35 ae 69 f5 51 56 14 63 6c 0b 9b 68 c1 9e d2 e3 1c 0b 3b 66 76 30 38"
    "eb ba 42 f3 b3 8e dc 03 99 f3 a9 f2 3f aa 63 97 8c 31 7f c9 fa 66 a7 3f"
    "60 f0 50 4d e9 3b 5b 84 5e 27 55 92 c1 23 35 ee 34 0b bc 4f dd d5 02 78"
    "40 16 e4 b3 be 7e f0 4d da 49 f4 b4 40 a3 0c b5 d2 af 93 98 28 fd 4a e3"
    "79 4e 44 f9 4d f5 a6 31 ed e4 2c 17 19 bf da bf 02 53 fe 51 75 be 89 8e"
    "75 0e dc 53 37 0d 2b";
/* {client} Finished record (58 octets) */
static const char CFIN_REC[] =
    "17 03 03 00 35 75 ec 4d c2 38 cc e6 0b 29 80 44 a7 1e 21 9c 56 cc 77 b0"
    "51 7f e9 b9 3c 7a 4b fc 44 d8 7f 38 f8 03 38 ac 98 fc 46 de b3 84 bd 1c"
    "ae ac ab 68 67 d7 26 c4 05 46";
/* {server} NewSessionTicket record (227 octets) */
static const char NST_REC[] =
    "17 03 03 00 de 3a 6b 8f 90 41 4a 97 d6 95 9c 34 87 68 0d e5 13 4a 2b 24"
    "0e 6c ff ac 11 6e 95 d4 1d 6a f8 f6 b5 80 dc f3 d1 1d 63 c7 58 db 28 9a"
    "01 59 40 25 2f 55 71 3e 06 1d c1 3e 07 88 91 a3 8e fb cf 57 53 ad 8e f1"
    "70 ad 3c 73 53 d1 6d 9d a7 73 b9 ca 7f 2b 9f a1 b6 c0 d4 a3 d0 3f 75 e0"
    "9c 30 ba 1e 62 97 2a c4 6f 75 f7 b9 81 be 63 43 9b 29 99 ce 13 06 46 15"
    "13 98 91 d5 e4 c5 b4 06 f1 6e 3f c1 81 a7 7c a4 75 84 00 25 db 2f 0a 77"
    "f8 1b 5a b0 5b 94 c0 13 46 75 5f 69 23 2c 86 51 9d 86 cb ee ac 87 aa c3"
    "47 d1 43 f9 60 5d 64 f6 50 db 4d 02 3e 70 e9 52 ca 49 fe 51 37 12 1c 74"
    "bc 26 97 68 7e 24 87 46 d6 df 35 30 05 f3 bc e1 86 96 12 9c 81 53 55 6b"
    "3b 6c 67 79 b3 7b f1 59 85 68 4f";
/* application data records (72 octets each), payload 00 01 .. 31 */
static const char C_APP_REC[] =
    "17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55 cb ef ac ea"
    "42 f9 14 aa 66 bc ab 3f 2b 98 19 a8 a5 b4 6b 39 5b d5 4a 9a 20 44 1e 2b"
    "62 97 4e 1f 5a 62 92 a2 97 70 14 bd 1e 3d ea e6 3a ee bb 21 69 49 15 e4";
static const char S_APP_REC[] =
    "17 03 03 00 43 2e 93 7e 11 ef 4a c7 40 e5 38 ad 36 00 5f c4 a4 69 32 fc"
    "32 25 d0 5f 82 aa 1b 36 e3 0e fa f9 7d 90 e6 df fc 60 2d cb 50 1a 59 a8"
    "fc c4 9c 4b f2 e5 f0 a2 1c 00 47 c2 ab f3 32 54 0d d0 32 e1 67 c2 95 5d";
/* close_notify alerts (24 octets each) */
static const char C_ALERT_REC[] = "17 03 03 00 13 c9 87 27 60 65 56 66 b7 4d 7f f1 15 3e fd 6d b6 d0 b0 e3";
static const char S_ALERT_REC[] = "17 03 03 00 13 b5 8f d6 71 66 eb f5 99 d2 47 20 cf be 7e fa 7a 88 64 a9";

/* Decodes spaced hex into b (appending); returns the number of bytes added. */
static size_t hx(tp_buf *b, const char *s)
{
    size_t before = b->len;
    int hi = -1;
    for (; *s; s++) {
        int v;
        if (*s >= '0' && *s <= '9') v = *s - '0';
        else if (*s >= 'a' && *s <= 'f') v = *s - 'a' + 10;
        else continue;
        if (hi < 0) {
            hi = v;
        } else {
            uint8_t byte = (uint8_t)(hi << 4 | v);
            assert_true(tp_buf_append(b, &byte, 1));
            hi = -1;
        }
    }
    assert_int_equal(hi, -1);
    return b->len - before;
}

static void expect_hex(const uint8_t *got, size_t n, const char *want)
{
    tp_buf w = TP_BUF_INIT;
    assert_int_equal(hx(&w, want), n);
    assert_memory_equal(got, w.data, n);
    tp_buf_free(&w);
}

static void record_lengths(void **st)
{
    (void)st;
    static const struct {
        const char *hex;
        size_t len;
    } k_records[] = {
        {CH_REC, 201}, {SH_REC, 95}, {FLIGHT_REC, 679}, {CFIN_REC, 58}, {NST_REC, 227},
        {C_APP_REC, 72}, {S_APP_REC, 72}, {C_ALERT_REC, 24}, {S_ALERT_REC, 24},
    };
    tp_buf b = TP_BUF_INIT;
    for (size_t i = 0; i < sizeof(k_records) / sizeof(k_records[0]); i++) {
        tp_buf_reset(&b);
        assert_int_equal(hx(&b, k_records[i].hex), k_records[i].len);
    }
    tp_buf_free(&b);
}

static void fixed(const char *hex, uint8_t *out, size_t n)
{
    tp_buf b = TP_BUF_INIT;
    assert_int_equal(hx(&b, hex), n);
    memcpy(out, b.data, n);
    tp_buf_free(&b);
}

static void ecdhe_and_key_schedule(void **st)
{
    (void)st;
    uint8_t priv[32], cpub[32], spub[32], shared[TP_TLS_MAX_SECRET], hh[32], aph[32];
    fixed(CLIENT_PRIV, priv, 32);
    fixed(CLIENT_PUB, cpub, 32);
    fixed(SERVER_PUB, spub, 32);
    fixed(HELLO_HASH, hh, 32);
    fixed(AP_HASH, aph, 32);
    tp_error err = {0};
    size_t shared_len = 0;
    assert_int_equal(tp_ecdhe_shared(TP_TLS_GROUP_X25519, priv, 32, cpub, 32, spub, 32, shared,
                                     &shared_len, &err), TP_OK);
    expect_hex(shared, 32, ECDHE);
    const tp_suite *suite = tp_suite_find(0x1301);
    assert_non_null(suite);
    tp_schedule ks;
    assert_true(tp_schedule_handshake(&ks, suite, shared, 32, hh));
    expect_hex(ks.early, 32, EARLY);
    expect_hex(ks.handshake, 32, HS_SECRET);
    expect_hex(ks.c_hs, 32, C_HS);
    expect_hex(ks.s_hs, 32, S_HS);
    assert_true(tp_schedule_application(&ks, aph));
    expect_hex(ks.master, 32, MASTER);
    expect_hex(ks.c_ap, 32, C_AP);
    expect_hex(ks.s_ap, 32, S_AP);

    tp_traffic t = {0};
    assert_int_equal(tp_traffic_set(&t, suite, ks.s_hs, "test", &err), TP_OK);
    expect_hex(t.key, 16, S_HS_KEY);
    expect_hex(t.iv, 12, S_HS_IV);
    assert_int_equal(tp_traffic_set(&t, suite, ks.c_hs, "test", &err), TP_OK);
    expect_hex(t.key, 16, C_HS_KEY);
    expect_hex(t.iv, 12, C_HS_IV);
    assert_int_equal(tp_traffic_set(&t, suite, ks.s_ap, "test", &err), TP_OK);
    expect_hex(t.key, 16, S_AP_KEY);
    expect_hex(t.iv, 12, S_AP_IV);
    assert_int_equal(tp_traffic_set(&t, suite, ks.c_ap, "test", &err), TP_OK);
    expect_hex(t.key, 16, C_AP_KEY);
    expect_hex(t.iv, 12, C_AP_IV);
    tp_traffic_wipe(&t);

    uint8_t fkey[32];
    assert_true(tp_hkdf_expand_label(EVP_sha256(), ks.s_hs, 32, "finished", NULL, 0, fkey, 32));
    expect_hex(fkey, 32, S_FIN_KEY);
    tp_schedule_wipe(&ks);

    /* a mismatching key is refused before anything else */
    priv[0] ^= 0x80;
    priv[1] ^= 1;
    assert_int_equal(tp_ecdhe_shared(TP_TLS_GROUP_X25519, priv, 32, cpub, 32, spub, 32, shared,
                                     &shared_len, &err), TP_ERR_TLS_KEY_MISMATCH);
}

static void record_decryption(void **st)
{
    (void)st;
    uint8_t s_hs[32], s_ap[32];
    fixed(S_HS, s_hs, 32);
    fixed(S_AP, s_ap, 32);
    const tp_suite *suite = tp_suite_find(0x1301);
    tp_error err = {0};
    tp_traffic t = {0};
    tp_buf rec = TP_BUF_INIT, pt = TP_BUF_INIT;
    hx(&rec, FLIGHT_REC);
    tp_record_stream rs;
    tp_record r;
    int have = 0;
    tp_record_stream_init(&rs, rec.data, rec.len);
    assert_int_equal(tp_record_next(&rs, &r, &have, "server", &err), TP_OK);
    assert_true(have);
    assert_int_equal(tp_traffic_set(&t, suite, s_hs, "test", &err), TP_OK);
    uint8_t type = 0;
    assert_int_equal(tp_traffic_open(&t, &r, &pt, &type, "server", &err), TP_OK);
    assert_int_equal(type, TP_CT_HANDSHAKE);
    assert_int_equal(pt.len, 40 + 445 + 136 + 36); /* EE, Certificate, CV, Finished */
    assert_int_equal(pt.data[0], TP_HS_ENCRYPTED_EXTENSIONS);
    expect_hex(pt.data + pt.len - 32, 32, S_FIN);

    /* server application data: payload 00 01 .. 31 (after the ticket at seq 0) */
    tp_buf_reset(&rec);
    hx(&rec, NST_REC);
    hx(&rec, S_APP_REC);
    tp_record_stream_init(&rs, rec.data, rec.len);
    assert_int_equal(tp_traffic_set(&t, suite, s_ap, "test", &err), TP_OK);
    assert_int_equal(tp_record_next(&rs, &r, &have, "server", &err), TP_OK);
    assert_int_equal(tp_traffic_open(&t, &r, &pt, &type, "server", &err), TP_OK);
    assert_int_equal(type, TP_CT_HANDSHAKE);
    assert_int_equal(pt.data[0], TP_HS_NEW_SESSION_TICKET);
    assert_int_equal(tp_record_next(&rs, &r, &have, "server", &err), TP_OK);
    assert_int_equal(tp_traffic_open(&t, &r, &pt, &type, "server", &err), TP_OK);
    assert_int_equal(type, TP_CT_APPDATA);
    assert_int_equal(pt.len, 50);
    for (int i = 0; i < 50; i++)
        assert_int_equal(pt.data[i], i);
    /* replaying a record with the wrong sequence number fails */
    assert_int_equal(tp_traffic_open(&t, &r, &pt, &type, "server", &err), TP_ERR_TLS_DECRYPT);
    tp_traffic_wipe(&t);
    tp_buf_free(&rec);
    tp_buf_free(&pt);
}

static void finished_values(void **st)
{
    (void)st;
    /* Finished verify_data over the whole transcript is checked by the replay below; here the
     * HMAC construction itself with the trace's server secret and a known transcript. */
    tp_buf ch = TP_BUF_INIT, sh = TP_BUF_INIT, fl = TP_BUF_INIT, pt = TP_BUF_INIT;
    hx(&ch, CH_REC);
    hx(&sh, SH_REC);
    hx(&fl, FLIGHT_REC);
    uint8_t s_hs[32], th[32], vd[32];
    fixed(S_HS, s_hs, 32);
    const tp_suite *suite = tp_suite_find(0x1301);
    tp_traffic t = {0};
    tp_error err = {0};
    tp_record_stream rs;
    tp_record r;
    int have;
    uint8_t type;
    tp_record_stream_init(&rs, fl.data, fl.len);
    assert_int_equal(tp_record_next(&rs, &r, &have, "server", &err), TP_OK);
    assert_int_equal(tp_traffic_set(&t, suite, s_hs, "test", &err), TP_OK);
    assert_int_equal(tp_traffic_open(&t, &r, &pt, &type, "server", &err), TP_OK);
    tp_transcript tr;
    assert_true(tp_transcript_init(&tr, EVP_sha256()));
    assert_true(tp_transcript_add(&tr, ch.data + 5, ch.len - 5));
    assert_true(tp_transcript_add(&tr, sh.data + 5, sh.len - 5));
    assert_true(tp_transcript_add(&tr, pt.data, pt.len - 36)); /* up to CertificateVerify */
    assert_true(tp_transcript_peek(&tr, th));
    assert_true(tp_finished_verify_data(suite, s_hs, th, vd));
    expect_hex(vd, 32, S_FIN);
    assert_true(tp_transcript_add(&tr, pt.data + pt.len - 36, 36));
    assert_true(tp_transcript_peek(&tr, th));
    expect_hex(th, 32, AP_HASH);
    uint8_t c_hs[32];
    fixed(C_HS, c_hs, 32);
    assert_true(tp_finished_verify_data(suite, c_hs, th, vd));
    expect_hex(vd, 32, C_FIN);
    tp_transcript_free(&tr);
    tp_traffic_wipe(&t);
    tp_buf_free(&ch);
    tp_buf_free(&sh);
    tp_buf_free(&fl);
    tp_buf_free(&pt);
}

/* One TLS 1.3 record of plaintext msg under t's key at sequence number seq (OpenSSL seals). */
static void seal_record(const tp_traffic *t, uint64_t seq, const char *msg, tp_buf *rec)
{
    size_t n = strlen(msg), len = n + 1 + TP_TLS_TAG_LEN;
    uint8_t hdr[5] = {0x17, 0x03, 0x03, (uint8_t)(len >> 8), (uint8_t)len}, nonce[TP_TLS_IV_LEN];
    uint8_t inner[64], ct[64], tag[TP_TLS_TAG_LEN];
    tp_traffic at = *t;
    at.seq = seq;
    tp_make_nonce(&at, nonce);
    memcpy(inner, msg, n);
    inner[n] = 0x17;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int k = 0;
    assert_true(EVP_EncryptInit_ex(c, t->suite->cipher(), NULL, NULL, NULL));
    assert_true(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, TP_TLS_IV_LEN, NULL));
    assert_true(EVP_EncryptInit_ex(c, NULL, NULL, t->key, nonce));
    assert_true(EVP_EncryptUpdate(c, NULL, &k, hdr, 5));
    assert_true(EVP_EncryptUpdate(c, ct, &k, inner, (int)n + 1));
    assert_true(EVP_EncryptFinal_ex(c, ct + k, &k));
    assert_true(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, TP_TLS_TAG_LEN, tag));
    EVP_CIPHER_CTX_free(c);
    tp_buf_reset(rec);
    assert_true(tp_buf_append(rec, hdr, 5) && tp_buf_append(rec, ct, n + 1) &&
                tp_buf_append(rec, tag, sizeof(tag)));
}

static tp_err open_record(tp_traffic *t, const tp_buf *bytes, tp_buf *pt)
{
    tp_record_stream rs;
    tp_record r;
    int have;
    uint8_t type;
    tp_error err = {0};
    tp_record_stream_init(&rs, bytes->data, bytes->len);
    assert_int_equal(tp_record_next(&rs, &r, &have, "server", &err), TP_OK);
    return tp_traffic_open(t, &r, pt, &type, "server", &err);
}

/* The record context is made once per key and reused with each record's nonce, for every
 * suite; a record that fails authentication drops it, and the next is opened afresh; a new
 * key (KeyUpdate) gets a new one. */
static void record_context_per_key(void **state)
{
    (void)state;
    const uint16_t suites[] = {0x1301, 0x1302, 0x1303};
    const char *msgs[] = {"first record", "second", "third, after a forgery"};
    uint8_t secret[48];
    memset(secret, 0x5a, sizeof(secret));
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
        tp_traffic t = {0};
        tp_error err = {0};
        tp_buf rec = TP_BUF_INIT, pt = TP_BUF_INIT;
        assert_int_equal(tp_traffic_set(&t, tp_suite_find(suites[i]), secret, "test", &err), TP_OK);
        for (uint64_t seq = 0; seq < 3; seq++) {
            seal_record(&t, seq, msgs[seq], &rec);
            if (seq == 2) { /* a forged tag first: refused, the context goes */
                rec.data[rec.len - 1] ^= 1;
                assert_int_equal(open_record(&t, &rec, &pt), TP_ERR_TLS_DECRYPT);
                assert_null(t.ctx);
                rec.data[rec.len - 1] ^= 1;
            }
            assert_int_equal(open_record(&t, &rec, &pt), TP_OK);
            assert_non_null(t.ctx);
            assert_int_equal(pt.len, strlen(msgs[seq]));
            assert_memory_equal(pt.data, msgs[seq], pt.len);
        }
        assert_int_equal(tp_traffic_update(&t, &err), TP_OK);
        assert_null(t.ctx);
        seal_record(&t, 0, msgs[0], &rec);
        assert_int_equal(open_record(&t, &rec, &pt), TP_OK);
        assert_memory_equal(pt.data, msgs[0], pt.len);
        tp_traffic_wipe(&t);
        tp_buf_free(&rec);
        tp_buf_free(&pt);
    }
}

/* The trace's server certificate (from the Certificate message) as the trust anchor. */
static X509_STORE *trace_store(void)
{
    tp_buf fl = TP_BUF_INIT, pt = TP_BUF_INIT;
    hx(&fl, FLIGHT_REC);
    uint8_t s_hs[32];
    fixed(S_HS, s_hs, 32);
    tp_traffic t = {0};
    tp_error err = {0};
    tp_record_stream rs;
    tp_record r;
    int have;
    uint8_t type;
    tp_record_stream_init(&rs, fl.data, fl.len);
    assert_int_equal(tp_record_next(&rs, &r, &have, "server", &err), TP_OK);
    assert_int_equal(tp_traffic_set(&t, tp_suite_find(0x1301), s_hs, "test", &err), TP_OK);
    assert_int_equal(tp_traffic_open(&t, &r, &pt, &type, "server", &err), TP_OK);
    /* EE is 40 bytes; Certificate header 4, context 1, list length 3, cert length 3 */
    const uint8_t *der = pt.data + 40 + 4 + 1 + 3 + 3;
    size_t der_len = (size_t)pt.data[40 + 8] << 16 | (size_t)pt.data[40 + 9] << 8 | pt.data[40 + 10];
    assert_int_equal(der_len, 0x1b0);
    const unsigned char *q = der;
    X509 *x = d2i_X509(NULL, &q, (long)der_len);
    assert_non_null(x);
    X509_STORE *st = X509_STORE_new();
    assert_true(X509_STORE_add_cert(st, x));
    X509_free(x);
    tp_traffic_wipe(&t);
    tp_buf_free(&fl);
    tp_buf_free(&pt);
    return st;
}

static void streams(tp_buf *c, tp_buf *s)
{
    hx(c, CH_REC);
    hx(c, CFIN_REC);
    hx(c, C_APP_REC);
    hx(c, C_ALERT_REC);
    hx(s, SH_REC);
    hx(s, FLIGHT_REC);
    hx(s, NST_REC);
    hx(s, S_APP_REC);
    hx(s, S_ALERT_REC);
}

static void full_replay(void **st)
{
    (void)st;
    tp_buf c = TP_BUF_INIT, s = TP_BUF_INIT;
    streams(&c, &s);
    uint8_t priv[32];
    fixed(CLIENT_PRIV, priv, 32);
    X509_STORE *store = trace_store();
    tp_tls_verify_input in = {
        .client_bytes = c.data, .client_len = c.len, .server_bytes = s.data, .server_len = s.len,
        .group = TP_TLS_GROUP_X25519, .private_key = priv, .private_key_len = 32,
        .trust = store, .expected_host = "server",
        .verify_time = 1577836800, /* 2020-01-01, inside 2016-07-30..2026-07-30 */
    };
    tp_tls_verify_result res;
    tp_error err = {0};
    /* The trace's certificate is named "rsa" (CN only, no SAN), so the name check against
     * the SNI "server" is the one check that cannot pass; everything else must. */
    tp_tls_options opt = {.skip_cert_name_check = 1};
    tp_err rc = tp_tls_verify_transcript_ex(&in, &res, &opt, &err);
    if (rc != TP_OK)
        fail_msg("%s: %s", tp_err_name(rc), err.detail);
    assert_int_equal(res.version, 0x0304);
    assert_int_equal(res.cipher_suite, 0x1301);
    assert_int_equal(res.group, TP_TLS_GROUP_X25519);
    assert_string_equal(res.server_name, "server");
    assert_int_equal(res.client_app.len, 50);
    assert_int_equal(res.server_app.len, 50);
    for (int i = 0; i < 50; i++) {
        assert_int_equal(res.client_app.data[i], i);
        assert_int_equal(res.server_app.data[i], i);
    }
    assert_int_equal(res.server_close_notify, 1);
    assert_int_equal(res.server_trailing_partial, 0);
    tp_tls_verify_result_free(&res);

    /* The public entry point does check the name: the certificate does not name "server". */
    assert_int_equal(tp_tls_verify_transcript(&in, &res, &err), TP_ERR_TLS_HOSTNAME);
    /* Outside the certificate's validity. */
    in.verify_time = 1893456000; /* 2030-01-01 */
    assert_int_equal(tp_tls_verify_transcript_ex(&in, &res, &opt, &err), TP_ERR_TLS_CERT_UNTRUSTED);
    in.verify_time = 1577836800;
    /* Client Finished altered: its record no longer authenticates. */
    c.data[201 + 20] ^= 1;
    assert_int_equal(tp_tls_verify_transcript_ex(&in, &res, &opt, &err), TP_ERR_TLS_DECRYPT);
    c.data[201 + 20] ^= 1;
    /* Without the client Finished record the handshake is incomplete. */
    in.client_len = 201;
    assert_int_equal(tp_tls_verify_transcript_ex(&in, &res, &opt, &err), TP_ERR_TRUNCATED);
    X509_STORE_free(store);
    tp_buf_free(&c);
    tp_buf_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(record_lengths),
        cmocka_unit_test(ecdhe_and_key_schedule),
        cmocka_unit_test(record_decryption),
        cmocka_unit_test(record_context_per_key),
        cmocka_unit_test(finished_values),
        cmocka_unit_test(full_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
