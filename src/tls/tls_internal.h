/* Internal pieces of the TLS 1.3 transcript verifier: record walk, handshake parsers, key
 * schedule, AEAD suite table, ECDHE and certificate checks. Not a public interface. */
#ifndef TP_TLS_INTERNAL_H
#define TP_TLS_INTERNAL_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdint.h>

#include "base/bytes.h"
#include "teeproof/errors.h"

#define TP_TLS_MAX_HASH 48
#define TP_TLS_RECORD_HEADER 5               /* type, legacy_record_version, length */
#define TP_TLS_MAX_RECORD_CT (16384 + 256)   /* TLSCiphertext.length limit */
#define TP_TLS_MAX_RECORD_PLAIN 16384        /* TLSPlaintext.length limit (unprotected) */
#define TP_TLS_RECORD_VERSION_MIN 0x0301     /* legacy_record_version range accepted */
#define TP_TLS_RECORD_VERSION_MAX 0x0303
#define TP_TLS_MAX_RECORD_PT (16384 + 1)     /* TLSInnerPlaintext limit (content + type) */
#define TP_TLS_MAX_HS_MSG (256u * 1024u)     /* handshake message limit */
#define TP_TLS_MAX_CERTS 16
#define TP_TLS_MAX_POST_HS_MSGS 1024         /* NewSessionTicket / KeyUpdate per direction */

enum {
    TP_CT_CCS = 20,
    TP_CT_ALERT = 21,
    TP_CT_HANDSHAKE = 22,
    TP_CT_APPDATA = 23,
};

enum {
    TP_HS_CLIENT_HELLO = 1,
    TP_HS_SERVER_HELLO = 2,
    TP_HS_NEW_SESSION_TICKET = 4,
    TP_HS_END_OF_EARLY_DATA = 5,
    TP_HS_ENCRYPTED_EXTENSIONS = 8,
    TP_HS_CERTIFICATE = 11,
    TP_HS_CERTIFICATE_REQUEST = 13,
    TP_HS_CERTIFICATE_VERIFY = 15,
    TP_HS_FINISHED = 20,
    TP_HS_KEY_UPDATE = 24,
};

/* ---- record.c: walking records out of one contiguous relayed stream ---- */
typedef struct tp_record {
    uint8_t type;
    uint16_t version;
    const uint8_t *header; /* the 5 header bytes (the AEAD additional data) */
    tp_reader body;
} tp_record;

typedef struct tp_record_stream {
    tp_reader r;
    int partial; /* the stream ended inside a record */
} tp_record_stream;

int tp_record_type_known(uint8_t type); /* 20-23 */
/* Checks one record header: known content type (20-23), legacy_record_version
 * 0x0301-0x0303, length 1..2^14+256. Fills the three fields either way. */
tp_err tp_record_header_check(const uint8_t hdr[TP_TLS_RECORD_HEADER], uint8_t *type,
                              uint16_t *version, uint16_t *len, const char *who, tp_error *err);
void tp_record_stream_init(tp_record_stream *s, const uint8_t *p, size_t n);
/* *have = 1 and *out filled, or *have = 0 at the end (s->partial says whether bytes of an
 * incomplete record remain). Malformed headers: TP_ERR_TLS_RECORD. */
tp_err tp_record_next(tp_record_stream *s, tp_record *out, int *have, const char *who,
                      tp_error *err);
const char *tp_alert_name(uint8_t desc);

/* ---- handshake.c: message parsers ---- */
typedef struct tp_client_hello {
    uint8_t session_id[32];
    size_t session_id_len;
    int offers_tls13;
    int offers_early_data;
    int has_sni;
    char sni[256];
    uint32_t suites_offered;    /* bit i: tp_suite_table()[i] offered */
    uint32_t sigschemes_offered;/* bit i: scheme table index i offered */
    const uint8_t *share;       /* key_share entry for the requested group (= share_copy) */
    size_t share_len;
    uint8_t share_copy[97];
} tp_client_hello;

typedef struct tp_server_hello {
    int is_hrr;
    uint16_t suite;
    uint16_t selected_version; /* 0 if no supported_versions */
    uint16_t group;
    const uint8_t *share; /* into the ServerHello message: use before reading more records */
    size_t share_len;
    int has_psk;
} tp_server_hello;

tp_err tp_parse_client_hello(tp_reader body, uint16_t group, tp_client_hello *ch, tp_error *err);
tp_err tp_parse_server_hello(tp_reader body, const tp_client_hello *ch, tp_server_hello *sh,
                             tp_error *err);
tp_err tp_parse_encrypted_extensions(tp_reader body, tp_error *err);
tp_err tp_parse_certificate_request(tp_reader body, tp_error *err);
/* Parses the server Certificate into a new stack of X509 (leaf first). */
tp_err tp_parse_certificate(tp_reader body, STACK_OF(X509) **chain, uint8_t leaf_sha256[32],
                            tp_error *err);
/* Client Certificate must be empty (we do not support client authentication). */
tp_err tp_parse_client_certificate(tp_reader body, tp_error *err);
tp_err tp_parse_certificate_verify(tp_reader body, uint16_t *scheme, tp_reader *sig,
                                   tp_error *err);
tp_err tp_parse_new_session_ticket(tp_reader body, tp_error *err);
tp_err tp_parse_key_update(tp_reader body, tp_error *err);

/* ---- aead.c: the suite table and record protection ---- */
typedef struct tp_suite {
    uint16_t id;
    const char *name;
    const EVP_MD *(*md)(void);
    const EVP_CIPHER *(*cipher)(void);
    size_t key_len;
    size_t hash_len;
} tp_suite;

#define TP_TLS_IV_LEN 12
#define TP_TLS_TAG_LEN 16

const tp_suite *tp_suite_find(uint16_t id);
int tp_suite_index(uint16_t id); /* -1 if unknown */

typedef struct tp_traffic {
    const tp_suite *suite;
    uint8_t secret[TP_TLS_MAX_HASH];
    uint8_t key[32];
    uint8_t iv[TP_TLS_IV_LEN];
    uint64_t seq;
    int active;
    const char *label; /* "handshake" / "application", for error details */
} tp_traffic;

/* Installs a traffic secret: derives key and iv, seq = 0. label: static string for errors. */
tp_err tp_traffic_set(tp_traffic *t, const tp_suite *suite, const uint8_t *secret,
                      const char *label, tp_error *err);
/* KeyUpdate: next secret = HKDF-Expand-Label(secret, "traffic upd", "", Hash.length). */
tp_err tp_traffic_update(tp_traffic *t, tp_error *err);
void tp_traffic_wipe(tp_traffic *t);
/* Decrypts one protected record: out receives the inner content (padding stripped),
 * *inner_type the real content type. out is reset first. */
tp_err tp_traffic_open(tp_traffic *t, const tp_record *rec, tp_buf *out, uint8_t *inner_type,
                       const char *who, tp_error *err);

/* ---- keysched.c ---- */
int tp_hkdf_extract(const EVP_MD *md, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                    size_t ikm_len, uint8_t *out);
int tp_hkdf_expand(const EVP_MD *md, const uint8_t *prk, size_t prk_len, const uint8_t *info,
                   size_t info_len, uint8_t *out, size_t out_len);
int tp_hkdf_expand_label(const EVP_MD *md, const uint8_t *secret, size_t secret_len,
                         const char *label, const uint8_t *context, size_t context_len,
                         uint8_t *out, size_t out_len);

typedef struct tp_schedule {
    const tp_suite *suite;
    size_t hlen;
    uint8_t early[TP_TLS_MAX_HASH];
    uint8_t handshake[TP_TLS_MAX_HASH];
    uint8_t master[TP_TLS_MAX_HASH];
    uint8_t c_hs[TP_TLS_MAX_HASH];
    uint8_t s_hs[TP_TLS_MAX_HASH];
    uint8_t c_ap[TP_TLS_MAX_HASH];
    uint8_t s_ap[TP_TLS_MAX_HASH];
} tp_schedule;

/* Early secret (no PSK), handshake secret from the (EC)DHE secret, and the handshake
 * traffic secrets from Transcript-Hash(ClientHello..ServerHello). */
int tp_schedule_handshake(tp_schedule *ks, const tp_suite *suite, const uint8_t *dhe,
                          size_t dhe_len, const uint8_t *th_hello);
/* Master secret and the application traffic secrets from Transcript-Hash(..server Finished). */
int tp_schedule_application(tp_schedule *ks, const uint8_t *th_server_finished);
/* verify_data = HMAC(finished_key(base_secret), transcript_hash). */
int tp_finished_verify_data(const tp_suite *suite, const uint8_t *base_secret,
                            const uint8_t *th, uint8_t *out);
void tp_schedule_wipe(tp_schedule *ks);

/* Running transcript hash. */
typedef struct tp_transcript {
    EVP_MD_CTX *ctx;
} tp_transcript;
int tp_transcript_init(tp_transcript *t, const EVP_MD *md);
int tp_transcript_add(tp_transcript *t, const uint8_t *p, size_t n);
int tp_transcript_peek(const tp_transcript *t, uint8_t *out);
void tp_transcript_free(tp_transcript *t);

/* ---- ecdh.c ---- */
/* Checks that the revealed private key yields the ClientHello share and computes the
 * (EC)DHE shared secret with the ServerHello share. *out_len = 32. */
tp_err tp_ecdhe_shared(uint16_t group, const uint8_t *priv, size_t priv_len,
                       const uint8_t *client_share, size_t client_share_len,
                       const uint8_t *server_share, size_t server_share_len, uint8_t out[32],
                       tp_error *err);

/* ---- cert.c ---- */
int tp_sigscheme_index(uint16_t scheme); /* -1 if not supported */
const char *tp_sigscheme_name(uint16_t scheme);
tp_err tp_cert_verify_chain(STACK_OF(X509) *chain, X509_STORE *trust, time_t when,
                            tp_error *err);
tp_err tp_cert_check_host(X509 *leaf, const char *expected_host, const tp_client_hello *ch,
                          int check_cert_name, tp_error *err);
tp_err tp_cert_verify_signature(X509 *leaf, uint16_t scheme, uint32_t offered_schemes,
                                tp_reader sig, const uint8_t *th, size_t th_len,
                                tp_error *err);

/* ---- tls13.c ---- */
typedef struct tp_tls_options {
    int skip_cert_name_check; /* tests only (RFC 8448 certificate names no host) */
} tp_tls_options;

struct tp_tls_verify_input;
struct tp_tls_verify_result;
tp_err tp_tls_verify_transcript_ex(const struct tp_tls_verify_input *in,
                                   struct tp_tls_verify_result *out, const tp_tls_options *opt,
                                   tp_error *err);

#endif
