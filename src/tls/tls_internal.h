/* Internal pieces of the TLS transcript verifier (1.3 and 1.2): record walk, one direction's
 * flow, handshake parsers, key schedules, AEAD suite tables, ECDHE and certificate checks.
 * Not a public interface. */
#ifndef TP_TLS_INTERNAL_H
#define TP_TLS_INTERNAL_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdint.h>

#include "base/bytes.h"
#include "teeproof/errors.h"

#define TP_TLS_MAX_HASH 48
#include "tls/transcript.h" /* group ids, TP_TLS_MAX_PRIV, TP_TLS_MAX_SECRET */
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
    TP_HS_HELLO_REQUEST = 0,
    TP_HS_CLIENT_HELLO = 1,
    TP_HS_SERVER_HELLO = 2,
    TP_HS_NEW_SESSION_TICKET = 4,
    TP_HS_END_OF_EARLY_DATA = 5,
    TP_HS_ENCRYPTED_EXTENSIONS = 8,
    TP_HS_CERTIFICATE = 11,
    TP_HS_SERVER_KEY_EXCHANGE = 12,
    TP_HS_CERTIFICATE_REQUEST = 13,
    TP_HS_SERVER_HELLO_DONE = 14,
    TP_HS_CERTIFICATE_VERIFY = 15,
    TP_HS_CLIENT_KEY_EXCHANGE = 16,
    TP_HS_FINISHED = 20,
    TP_HS_CERTIFICATE_STATUS = 22,
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
    uint8_t random[32];
    uint8_t session_id[32];
    size_t session_id_len;
    int offers_tls13;
    int offers_early_data;
    int has_sni;
    char sni[256];
    uint32_t suites_offered;    /* bit i: tp_suite_table()[i] offered */
    uint32_t sigschemes_offered;/* bit i: scheme table index i offered */
    uint32_t suites12_offered;  /* bit i: tp_suite12_table index i offered */
    uint32_t groups_offered;    /* supported_groups: bit tp_tls_group_bit(group) */
    uint32_t shares_offered;    /* key_share entries: bit tp_tls_group_bit(group) */
    size_t n_shares;            /* key_share entries, supported groups or not */
    int has_key_share;
    int has_supported_groups;
    int offers_ems;             /* extended_master_secret (RFC 7627) */
    int offers_ticket;          /* session_ticket extension (RFC 5077) */
    int offers_reneg_info;      /* renegotiation_info or the SCSV (RFC 5746) */
    int offers_null_compression;
    const uint8_t *share;       /* key_share entry for the requested group (= share_copy) */
    size_t share_len;
    uint8_t share_copy[TP_TLS_MAX_SECRET];
} tp_client_hello;

typedef struct tp_server_hello {
    int is_hrr;
    uint16_t suite;
    uint16_t selected_version; /* 0 if no supported_versions */
    uint16_t group;
    const uint8_t *share; /* into the ServerHello message: use before reading more records */
    size_t share_len;
    int has_key_share;
    const uint8_t *cookie; /* HelloRetryRequest cookie, into the message */
    size_t cookie_len;
    int has_psk;
} tp_server_hello;

/* TLS 1.3 ClientHello (refuses one that does not offer TLS 1.3). */
tp_err tp_parse_client_hello(tp_reader body, uint16_t group, tp_client_hello *ch, tp_error *err);
/* Any version: the checks common to TLS 1.2 and 1.3, none on the versions offered. */
tp_err tp_parse_client_hello_any(tp_reader body, uint16_t group, tp_client_hello *ch,
                                 tp_error *err);
/* ServerHello or HelloRetryRequest (sh->is_hrr; tls13.c/hrr.c judge it). */
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
    int tls12;            /* TLS 1.2 record protection (explicit nonce, AAD with the length) */
    size_t fixed_iv_len;  /* TLS 1.2: 4 (GCM) or 12 (ChaCha20-Poly1305) */
    uint8_t secret[TP_TLS_MAX_HASH];
    uint8_t key[32];
    uint8_t iv[TP_TLS_IV_LEN];
    uint64_t seq;
    int active;
    const char *label; /* "handshake" / "application", for error details */
    EVP_CIPHER_CTX *ctx; /* keyed with key at the first record, then only the nonce changes;
                          * freed (its key schedule cleared) by tp_traffic_wipe */
} tp_traffic;

/* Installs a traffic secret: derives key and iv, seq = 0. label: static string for errors. */
tp_err tp_traffic_set(tp_traffic *t, const tp_suite *suite, const uint8_t *secret,
                      const char *label, tp_error *err);
/* KeyUpdate: next secret = HKDF-Expand-Label(secret, "traffic upd", "", Hash.length). */
tp_err tp_traffic_update(tp_traffic *t, tp_error *err);
/* Frees the record context and wipes the keys; t may be all zero. */
void tp_traffic_wipe(tp_traffic *t);
/* iv XOR the 64-bit sequence number in the last 8 bytes (RFC 8446 §5.3, RFC 7905). */
void tp_make_nonce(const tp_traffic *t, uint8_t nonce[TP_TLS_IV_LEN]);
/* One AEAD decryption (12-byte nonce, 16-byte tag) under t's key, with t's context (made
 * at the first record: one per key rather than one per record). A failure frees it. 1/0. */
int tp_traffic_aead_open(tp_traffic *t, const uint8_t nonce[TP_TLS_IV_LEN], const uint8_t *aad,
                         size_t aad_len, const uint8_t *ct, size_t ct_len, const uint8_t *tag,
                         uint8_t *out);
/* Decrypts one protected record: out receives the inner content (padding stripped),
 * *inner_type the real content type. out is reset first. */
tp_err tp_traffic_open(tp_traffic *t, const tp_record *rec, tp_buf *out, uint8_t *inner_type,
                       const char *who, tp_error *err);

/* ---- tls12_keys.c: TLS 1.2 suites, PRF, key block and record protection ---- */
typedef struct tp_suite12 {
    tp_suite base;         /* id, name, PRF hash, cipher, key length, hash length */
    size_t fixed_iv_len;
    const char *auth;      /* "ECDSA" or "RSA": the server key the suite needs */
} tp_suite12;

#define TP_TLS12_MASTER_LEN 48
#define TP_TLS12_VERIFY_LEN 12
#define TP_TLS12_MAX_SUITES 6

const tp_suite12 *tp_suite12_find(uint16_t id);
int tp_suite12_index(uint16_t id); /* -1 if not an accepted TLS 1.2 suite */
/* Why a TLS 1.2 suite the server picked is refused ("CBC", "RSA key transport", ...). */
const char *tp_suite12_refusal(uint16_t id, char *name, size_t name_cap);
/* TLS 1.2 PRF (RFC 5246 §5) with the suite's hash: out = P_hash(secret, label || seed). */
int tp_tls12_prf(const EVP_MD *md, const uint8_t *secret, size_t secret_len, const char *label,
                 const uint8_t *seed1, size_t seed1_len, const uint8_t *seed2, size_t seed2_len,
                 uint8_t *out, size_t out_len);
/* Installs both directions' keys from the key block (AEAD suites: no MAC keys). */
tp_err tp_tls12_keys(const tp_suite12 *suite, const uint8_t master[TP_TLS12_MASTER_LEN],
                     const uint8_t client_random[32], const uint8_t server_random[32],
                     tp_traffic *client, tp_traffic *server, tp_error *err);
/* One protected TLS 1.2 record: nonce from the fixed IV and the explicit nonce (GCM) or the
 * sequence number (ChaCha20-Poly1305), AAD = seq || type || version || length. */
tp_err tp_traffic_open12(tp_traffic *t, const tp_record *rec, tp_buf *out, uint8_t *inner_type,
                         const char *who, tp_error *err);

/* ---- handshake12.c: TLS 1.2 message parsers ---- */
typedef struct tp_server_hello12 {
    uint8_t random[32];
    uint16_t version;
    uint16_t suite;
    uint8_t compression;
    int resumed;          /* echoed the client's non-empty session id */
    int ems;              /* extended_master_secret */
    int ticket;           /* will send a NewSessionTicket */
    int status_request;   /* may send CertificateStatus */
} tp_server_hello12;

typedef struct tp_server_kx {
    uint16_t group;
    const uint8_t *point; /* into the message */
    size_t point_len;
    const uint8_t *params; /* curve_type .. point, the signed part */
    size_t params_len;
    uint16_t scheme;
    tp_reader sig;
} tp_server_kx;

/* The version the ServerHello at the start of the server stream negotiated: 0x0304 when it
 * selects TLS 1.3 (or cannot be read: the 1.3 replay then reports the problem), else its
 * legacy version (0x0303 for TLS 1.2). */
uint16_t tp_server_hello_version(const uint8_t *server_bytes, size_t server_len);
tp_err tp_parse_server_hello12(tp_reader body, const tp_client_hello *ch, tp_server_hello12 *sh,
                               tp_error *err);
tp_err tp_parse_server_kx(tp_reader body, tp_server_kx *kx, tp_error *err);
tp_err tp_parse_client_kx(tp_reader body, const uint8_t **point, size_t *point_len,
                          tp_error *err);
/* TLS 1.2 Certificate: certificate_list<0..2^24-1>, no request context. */
tp_err tp_parse_certificate12(tp_reader body, STACK_OF(X509) **chain, uint8_t leaf_sha256[32],
                              tp_error *err);
tp_err tp_parse_client_certificate12(tp_reader body, tp_error *err);
tp_err tp_parse_new_session_ticket12(tp_reader body, tp_error *err);

/* ---- flow.c: one direction of the replay ---- */
typedef struct tp_flow {
    const char *who;
    tp_record_stream rs;
    tp_traffic key;       /* active read key */
    tp_traffic pending;   /* TLS 1.2: the key the next ChangeCipherSpec installs */
    tp_buf hs;            /* handshake bytes not yet consumed */
    size_t hs_off;
    tp_buf pt;            /* plaintext of the last decrypted record */
    int tls12;
    int ccs_seen;
    const char *ccs_error;/* TLS 1.2: names what an early ChangeCipherSpec means */
    unsigned msgs;        /* handshake messages taken so far */
    int finished;         /* this side's Finished has been processed */
    int closed;           /* close_notify received */
    unsigned post_hs_msgs;
} tp_flow;

struct tp_tls_verify_result;
typedef tp_err (*tp_flow_post_hs)(tp_flow *d, int is_server, uint8_t type, tp_reader body,
                                  tp_error *err);

void tp_flow_init(tp_flow *d, const char *who, const uint8_t *p, size_t n, int tls12);
void tp_flow_free(tp_flow *d);
/* Next record's content (decrypted when keys are active), CCS handled. */
tp_err tp_flow_read(tp_flow *d, uint8_t *type, tp_reader *content, int *have, tp_error *err);
tp_err tp_flow_alert(tp_flow *d, tp_reader content, struct tp_tls_verify_result *out,
                     tp_error *err);
tp_err tp_flow_hs_append(tp_flow *d, tp_reader content, tp_error *err);
/* Takes one complete message from the pending handshake bytes: 1 = got, 0 = need more. */
int tp_flow_hs_take(tp_flow *d, uint8_t *type, tp_reader *body, tp_reader *whole, tp_err *rc,
                    tp_error *err);
size_t tp_flow_hs_pending(const tp_flow *d);
tp_err tp_flow_require_boundary(tp_flow *d, const char *when, tp_error *err);
const char *tp_hs_name(uint8_t type);
/* Next handshake message during the handshake; the stream ending is TP_ERR_TRUNCATED. */
tp_err tp_flow_next_msg(tp_flow *d, const char *want, uint8_t *type, tp_reader *body,
                        tp_reader *whole, tp_error *err);
tp_err tp_flow_expect_msg(tp_flow *d, uint8_t want, tp_reader *body, tp_reader *whole,
                          tp_error *err);
/* A handshake message into the transcript hash / the hash so far (TP_ERR_CRYPTO on failure);
 * defined after tp_transcript below. */
struct tp_transcript;
tp_err tp_flow_th_add(struct tp_transcript *th, tp_reader whole, tp_error *err);
tp_err tp_flow_th_peek(const struct tp_transcript *th, uint8_t *out, tp_error *err);
/* The Finished message's verify_data (body) against the expected want[len], in constant
 * time; TP_ERR_TLS_FINISHED naming the direction when they differ. */
tp_err tp_flow_finished_match(const tp_flow *d, tp_reader body, const uint8_t *want, size_t len,
                              tp_error *err);
/* Application phase of one direction: plaintext into app, handshake messages to cb. */
tp_err tp_flow_read_app(tp_flow *d, int is_server, tp_buf *app, struct tp_tls_verify_result *out,
                        tp_flow_post_hs cb, tp_error *err);

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

/* ---- hrr.c: HelloRetryRequest ---- */
typedef struct tp_hrr_info {
    uint16_t suite;
    uint16_t group;   /* the selected group, if has_group */
    int has_group;
} tp_hrr_info;

/* The HRR against the first ClientHello: its group offered in supported_groups, no share
 * sent for it yet; something must change. */
tp_err tp_hrr_check(const tp_client_hello *ch1, const tp_server_hello *hrr, tp_hrr_info *info,
                    tp_error *err);
/* The second ClientHello (bodies; ch2 parsed for the selected group) against the first. */
tp_err tp_hrr_check_second_hello(tp_reader ch1_body, tp_reader ch2_body,
                                 const tp_server_hello *hrr, const tp_client_hello *ch2,
                                 tp_error *err);
/* The ServerHello after the HRR: not another HRR, same suite and group. */
tp_err tp_hrr_check_server_hello(const tp_hrr_info *info, const tp_server_hello *sh,
                                 tp_error *err);
/* Starts the transcript after an HRR: message_hash(Hash(ClientHello1)) (RFC 8446 §4.4.1). */
int tp_hrr_transcript_start(tp_transcript *th, const EVP_MD *md, const uint8_t *ch1,
                            size_t ch1_len);

/* ---- ecdh.c / ffdhe.c ---- */
/* Checks that the revealed private key yields the client's share (ClientHello key_share in
 * 1.3, ClientKeyExchange in 1.2) and computes the (EC)DHE shared secret with the server's
 * share. *out_len = the secret's length (the coordinate size, or the ffdhe prime size). */
tp_err tp_ecdhe_shared(uint16_t group, const uint8_t *priv, size_t priv_len,
                       const uint8_t *client_share, size_t client_share_len,
                       const uint8_t *server_share, size_t server_share_len,
                       uint8_t out[TP_TLS_MAX_SECRET], size_t *out_len, tp_error *err);
/* Private key length of a supported group (the maximum for ffdhe); 0 if unsupported. */
size_t tp_ecdhe_key_len(uint16_t group);
/* Index of a supported group in the group table (bits of groups_offered); -1 if unsupported. */
int tp_tls_group_bit(uint16_t group);
/* ffdhe (RFC 7919) by OpenSSL group name; plen = prime bytes = share and secret length. */
tp_err tp_ffdhe_shared(const char *name, size_t plen, const uint8_t *priv, size_t priv_len,
                       const uint8_t *cs, size_t cs_len, const uint8_t *ss, size_t ss_len,
                       uint8_t out[TP_TLS_MAX_SECRET], tp_error *err);

/* ---- cert_cache.c ---- */
/* d2i_X509 of exactly these n bytes (no trailing bytes), as a new reference the caller
 * frees; decoded objects are shared across calls for identical DER. NULL if not a
 * certificate. Any thread. */
X509 *tp_cert_decode(const uint8_t *der, size_t n);

/* ---- chain_cache.c ---- */
/* 1 if X509_verify_cert already accepted these very certificate objects (in this order)
 * against this store, unchanged since, and when is inside every validity window of the
 * verified path. Any thread. */
int tp_chain_cache_hit(STACK_OF(X509) *chain, X509_STORE *store, time_t when);
/* Remembers a chain that X509_verify_cert accepted at time when (verified: its context). */
void tp_chain_cache_put(STACK_OF(X509) *chain, X509_STORE *store, X509_STORE_CTX *verified,
                        time_t when);
void tp_chain_cache_clear(void); /* drops every entry (tests) */

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
/* TLS 1.2 ServerKeyExchange: sig over client_random || server_random || params, by a scheme
 * the client offered that fits the leaf key and the suite's authentication (auth). */
tp_err tp_cert_verify_ske(X509 *leaf, uint16_t scheme, uint32_t offered_schemes, const char *auth,
                          tp_reader sig, const uint8_t *client_random,
                          const uint8_t *server_random, const uint8_t *params, size_t params_len,
                          tp_error *err);

/* ---- tls13.c / tls12.c ---- */
typedef struct tp_tls_options {
    int skip_cert_name_check; /* tests only (RFC 8448 certificate names no host) */
} tp_tls_options;

struct tp_tls_verify_input;
struct tp_tls_verify_result;
tp_err tp_tls_verify_transcript_ex(const struct tp_tls_verify_input *in,
                                   struct tp_tls_verify_result *out, const tp_tls_options *opt,
                                   tp_error *err);
/* The TLS 1.2 replay (out already zeroed, input checked). */
tp_err tp_tls12_verify(const struct tp_tls_verify_input *in, struct tp_tls_verify_result *out,
                       const tp_tls_options *opt, tp_error *err);

#endif
